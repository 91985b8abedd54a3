// Regista UI helpers: API calls with the session's CSRF token, messages, live refresh.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  class ApiError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.message || problem.title)) || "HTTP " + status);
      this.status = status;
      this.problem = problem || {};
      this.fields = {};
      for (const p of (this.problem.invalidParams || [])) this.fields[p.name] = p.reason;
    }
  }

  // Call the API as the signed-in user: JSON in, JSON out; an ApiError on a problem.
  async function api(method, path, body, options) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
    let payload = body;
    if (body !== undefined && !(body instanceof FormData)) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, Object.assign({ method, headers, body: payload, credentials: "same-origin" }, options || {}));
    const type = response.headers.get("content-type") || "";
    const data = response.status === 204 ? null : (type.includes("json") ? await response.json() : await response.text());
    if (!response.ok) throw new ApiError(response.status, typeof data === "object" ? data : { detail: data });
    return data;
  }

  // Show a short message in the live region (screen readers announce it).
  function flash(message, kind) {
    const box = document.getElementById("flash");
    if (!box) return;
    const item = document.createElement("p");
    item.className = kind === "error" ? "problem" : "notice";
    item.textContent = message;
    box.replaceChildren(item);
    setTimeout(() => { if (box.firstChild === item) box.replaceChildren(); }, kind === "error" ? 10000 : 4000);
  }

  // Elements with data-refresh="<url>" data-every="<seconds>" reload their content.
  function refresh(element) {
    const every = Math.max(1, Number(element.dataset.every || 5)) * 1000;
    const tick = async () => {
      if (document.hidden) return;
      try {
        const response = await fetch(element.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } });
        // the session ended (sent to the login): show the login, not a page inside the page
        if (response.redirected) { window.location.reload(); return; }
        if (response.ok) {
          // keep focus where the user had it when the content is replaced
          const focused = document.activeElement && document.activeElement.id;
          element.innerHTML = await response.text();
          if (focused) { const again = document.getElementById(focused); if (again) again.focus(); }
          element.dispatchEvent(new CustomEvent("regista:refreshed", { bubbles: true }));
        }
      } catch (error) { /* the next tick tries again */ }
    };
    setInterval(tick, every);
  }

  // Buttons with data-api="<METHOD> <path>" call the API, then reload or go to data-then.
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-api]");
    if (!button) return;
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const [method, path] = button.dataset.api.split(" ");
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : (method === "GET" ? undefined : {});
    button.disabled = true;
    try {
      await api(method, path, body);
      flash(button.dataset.done || "Done.", "ok");
      if (button.dataset.then) window.location.assign(button.dataset.then);
      else setTimeout(() => window.location.reload(), 300);
    } catch (error) {
      flash(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-refresh]").forEach(refresh);
  });

  window.regista = { api, flash, ApiError, csrf };
})();
