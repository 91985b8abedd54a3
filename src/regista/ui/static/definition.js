// The process definition page: the diagram with the element counts, the version switcher
// and the start of an instance (the start form, or a JSON editor checked as it is typed).
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("page-data").textContent);

  // The diagram first, then its counts: the API counts the element instances while the
  // page is already shown.
  const container = document.getElementById("diagram");
  const table = document.querySelector("[data-testid=element-counts]");
  const body = document.getElementById("element-counts-body");

  function cell(text, className) {
    const td = document.createElement("td");
    td.className = className === undefined ? "num" : className;
    td.textContent = String(text);
    return td;
  }

  function fill(items) {
    body.replaceChildren();
    if (!items.length) {
      const row = document.createElement("tr");
      const td = cell(table.dataset.empty, "");
      td.colSpan = 5;
      row.append(td);
      body.append(row);
      return;
    }
    for (const item of items) {
      const row = document.createElement("tr");
      const th = document.createElement("th");
      th.scope = "row";
      const code = document.createElement("code");
      code.textContent = item.elementId;
      th.append(code);
      row.append(th, cell(item.active), cell(item.incidents, item.incidents ? "num alert" : "num"),
        cell(item.completed), cell(item.canceled));
      body.append(row);
    }
  }

  const drawn = regista.diagram(container, data.xml, {});
  const counted = regista.api("POST", data.counts, data.countsBody);
  drawn.catch((error) => regista.flash("The diagram cannot be shown: " + error.message, "error"));
  counted.then((found) => {
    const items = found.items.slice().sort((a, b) => a.elementId.localeCompare(b.elementId));
    fill(items);
    const counts = {};
    for (const item of items) counts[item.elementId] = item;
    drawn.then((shown) => shown.update({ counts })).catch(() => {});
    table.dataset.loaded = "true";
  }).catch((error) => {
    body.replaceChildren();
    const row = document.createElement("tr");
    const td = cell("The counts cannot be read: " + error.message, "alert");
    td.colSpan = 5;
    row.append(td);
    body.append(row);
  });

  const switcher = document.getElementById("version-switch");
  if (switcher) switcher.addEventListener("change", () => window.location.assign(switcher.value));

  const form = document.getElementById("start-form");
  if (!form) return;
  const textarea = document.getElementById("start-variables");
  const variablesError = document.getElementById("start-variables-error");
  const startError = document.getElementById("start-error");

  function show(field, box, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
    if (field) {
      if (message) {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", box.id);
      } else {
        field.removeAttribute("aria-invalid");
        field.setAttribute("aria-describedby", field.id + "-help");
      }
    }
  }

  // The variables typed: an object, or null with the reason shown at the field.
  function variables() {
    let parsed;
    try {
      parsed = JSON.parse(textarea.value.trim() || "{}");
    } catch (error) {
      show(textarea, variablesError, "This is not JSON: " + error.message);
      return null;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      show(textarea, variablesError, "Give a JSON object: names and values in { }.");
      return null;
    }
    show(textarea, variablesError, "");
    return parsed;
  }
  if (textarea) textarea.addEventListener("input", variables);

  let viewer = null;
  if (data.form && window.FormViewer) {
    viewer = new window.FormViewer.Form({ container: document.getElementById("start-form-fields") });
    viewer.importSchema(data.form, {}).catch((error) => {
      show(null, startError, "The start form cannot be shown: " + error.message);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    show(null, startError, "");
    let values;
    if (viewer) {
      const result = viewer.submit();
      if (result.errors && Object.keys(result.errors).length) {
        show(null, startError, "Some fields of the form need a value: see the marked fields.");
        return;
      }
      values = result.data;
    } else {
      values = variables();
      if (values === null) { textarea.focus(); return; }
    }
    const body = { processDefinitionKey: data.key, variables: values };
    const businessKey = document.getElementById("start-business-key").value.trim();
    if (businessKey) body.businessKey = businessKey;
    const button = document.getElementById("start-submit");
    button.disabled = true;
    try {
      const created = await regista.api("POST", "/v2/process-instances", body);
      regista.flash("Instance " + created.processInstanceKey + " started.", "ok");
      window.location.assign("/ui/instances/" + encodeURIComponent(created.processInstanceKey));
    } catch (error) {
      const fields = Object.keys(error.fields || {});
      if (textarea && fields.some((f) => f.startsWith("variables"))) {
        show(textarea, variablesError, error.message);
        textarea.focus();
      } else {
        show(null, startError, error.message);
      }
      regista.flash(error.message, "error");
    } finally {
      button.disabled = false;
    }
  });
})();
