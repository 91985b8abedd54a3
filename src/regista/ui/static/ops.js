// The operators' lists (incidents, jobs): pick rows, then retry them or set their retries
// through the API, one row at a time, with each row's result shown beside it and kept in a
// log; the picks and results outlive the list's live refresh.
(function () {
  "use strict";
  const form = document.querySelector("form[data-bulk]");
  if (!form) return;
  const kind = form.dataset.bulk; // "incidents" or "jobs"
  const region = document.querySelector("[data-refresh]");
  const button = form.querySelector("button[type=submit]");
  const count = document.getElementById("selected-count");
  const retriesInput = form.querySelector("input[name=retries]");
  const retriesError = document.getElementById("e-retries");
  const log = document.getElementById("retry-log");
  const picked = new Set();
  const results = new Map(); // row key -> { ok, text }
  let busy = false;
  const noun = kind === "incidents" ? "incident" : "job";

  const boxes = () => Array.from(document.querySelectorAll("input.pick-one"));

  // Make the page show `picked` and `results` (after a change or a refresh).
  function sync() {
    const present = new Set(boxes().map((box) => box.value));
    for (const key of Array.from(picked)) if (!present.has(key)) picked.delete(key);
    for (const box of boxes()) box.checked = picked.has(box.value);
    const all = document.getElementById("pick-all");
    if (all) {
      const every = boxes();
      all.checked = every.length > 0 && every.every((box) => box.checked);
      all.indeterminate = !all.checked && every.some((box) => box.checked);
    }
    for (const [key, result] of results) {
      const cell = document.getElementById("result-" + key);
      if (cell) { cell.textContent = result.text; cell.className = "result " + (result.ok ? "ok" : "failed"); }
    }
    const n = picked.size;
    if (count) count.textContent = n === 0 ? "No " + noun + " selected" : n + " " + noun + (n === 1 ? "" : "s") + " selected";
    button.disabled = busy || n === 0;
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.id === "pick-all") {
      for (const box of boxes()) { if (target.checked) picked.add(box.value); else picked.delete(box.value); }
    } else if (target.classList && target.classList.contains("pick-one")) {
      if (target.checked) picked.add(target.value); else picked.delete(target.value);
    } else {
      return;
    }
    sync();
  });
  document.addEventListener("regista:refreshed", sync);

  function retriesWanted() {
    const text = retriesInput.value.trim();
    const n = Number(text);
    if (text === "" || !Number.isInteger(n) || n < 1 || n > 1000) {
      retriesInput.setAttribute("aria-invalid", "true");
      retriesError.textContent = "Enter a whole number of retries from 1 to 1000.";
      retriesError.hidden = false;
      retriesInput.focus();
      return null;
    }
    retriesInput.removeAttribute("aria-invalid");
    retriesError.hidden = true;
    retriesError.textContent = "";
    return n;
  }

  // One row's action through the API; the text of its result.
  async function act(key, job, retries) {
    const api = window.regista.api;
    if (kind === "incidents") {
      if (job) await api("PATCH", "/v2/jobs/" + encodeURIComponent(job), { changeset: { retries } });
      await api("POST", "/v2/incidents/" + encodeURIComponent(key) + "/resolution");
      return job ? "Retried (" + retries + " " + (retries === 1 ? "retry" : "retries") + ")" : "Resolved";
    }
    await api("PATCH", "/v2/jobs/" + encodeURIComponent(key), { changeset: { retries } });
    return "Retries set to " + retries;
  }

  function logLine(key, result) {
    if (!log) return;
    const item = document.createElement("li");
    item.className = result.ok ? "ok" : "failed";
    item.dataset.key = key;
    item.textContent = noun.charAt(0).toUpperCase() + noun.slice(1) + " " + key + ": " + result.text;
    log.append(item);
    const box = document.getElementById("retry-log-box");
    if (box) box.hidden = false;
  }

  async function reload() {
    if (!region) return;
    try {
      const response = await fetch(region.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "text/html" } });
      // the session ended (sent to the login): show the login, not a page inside the page
      if (response.redirected) { window.location.reload(); return; }
      if (response.ok) { region.innerHTML = await response.text(); sync(); }
    } catch (error) { /* the live refresh tries again */ }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const retries = retriesWanted();
    if (retries === null || picked.size === 0) return;
    busy = true;
    sync();
    let done = 0;
    let failed = 0;
    // the rows' jobs as they are now: a live refresh may replace the rows meanwhile
    const work = Array.from(picked).map((key) => {
      const row = document.querySelector('tr[data-key="' + CSS.escape(key) + '"]');
      return { key, job: row ? row.dataset.job || "" : "" };
    });
    for (const { key, job } of work) {
      results.set(key, { ok: true, text: "Working…" });
      sync();
      let result;
      try {
        result = { ok: true, text: await act(key, job, retries) };
        done += 1;
        picked.delete(key);
      } catch (error) {
        result = { ok: false, text: "Refused: " + error.message };
        failed += 1;
      }
      results.set(key, result);
      logLine(key, result);
      sync();
    }
    busy = false;
    const verb = kind === "incidents" ? "retried" : "updated";
    window.regista.flash(done + " " + noun + (done === 1 ? "" : "s") + " " + verb + (failed ? ", " + failed + " refused (see the list)" : "") + ".", failed ? "error" : "ok");
    await reload();
    sync();
  });

  sync();
})();
