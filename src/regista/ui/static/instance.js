// The instance page: the diagram with tokens, path and incidents (kept current by the live
// fragment), retrying incidents, setting variables, moving a token and migrating.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const base = "/v2/process-instances/" + encodeURIComponent(data.key);
  const live = document.getElementById("instance-live");

  function marks() {
    const script = live && live.querySelector(".diagram-marks");
    return script ? JSON.parse(script.textContent) : {};
  }
  function stateNow() {
    const badge = document.getElementById("instance-state-badge");
    return badge ? badge.dataset.state : "";
  }

  function showError(box, field, message) {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
    if (field) {
      if (message) { field.setAttribute("aria-invalid", "true"); field.setAttribute("aria-describedby", box.id); }
      else { field.removeAttribute("aria-invalid"); field.removeAttribute("aria-describedby"); }
    }
  }

  async function call(method, path, body, done, button) {
    if (button) button.disabled = true;
    try {
      await regista.api(method, path, body);
      regista.flash(done, "ok");
      setTimeout(() => window.location.reload(), 300);
      return true;
    } catch (error) {
      regista.flash(error.message, "error");
      return error;
    } finally {
      if (button) button.disabled = false;
    }
  }

  // -- the diagram and moving a token --------------------------------------------------------
  const modify = { on: false, source: "", target: "" };
  const sourceSelect = document.getElementById("modify-source");
  const targetSelect = document.getElementById("modify-target");
  let shown = null;

  function choose(which, id) {
    if (!shown) return;
    const marker = which === "source" ? "regista-selected" : "regista-target";
    if (modify[which]) shown.unmark(modify[which], marker);
    modify[which] = id;
    if (id) shown.mark(id, marker);
    const select = which === "source" ? sourceSelect : targetSelect;
    if (select) select.value = id;
  }

  function clicked(id, element) {
    if (!modify.on || element.waypoints || element.type === "label") return;
    const active = marks().active || [];
    if (!modify.source || (active.includes(id) && !modify.target && id !== modify.source)) {
      if (!active.includes(id)) { regista.flash("Click an element that holds a token first (outlined in blue).", "error"); return; }
      choose("source", id);
      regista.flash("Now click the element the token should move to.", "ok");
    } else {
      choose("target", id);
    }
  }

  regista.diagram(document.getElementById("diagram"), data.xml, Object.assign({ onElementClick: clicked }, marks()))
    .then((made) => {
      shown = made;
      if (targetSelect) {
        for (const e of made.elements()) {
          if (/SequenceFlow|MessageFlow|Association|Participant|Lane|TextAnnotation|DataObject|DataStore/.test(e.type)) continue;
          const option = document.createElement("option");
          option.value = e.id;
          option.textContent = e.name === e.id ? e.id : e.name + " (" + e.id + ")";
          targetSelect.append(option);
        }
      }
    })
    .catch((error) => regista.flash("The diagram cannot be shown: " + error.message, "error"));

  const initial = stateNow();
  if (live) {
    live.addEventListener("regista:refreshed", () => {
      if (stateNow() !== initial) { window.location.reload(); return; }
      if (shown) shown.update(marks());
    });
  }

  function panel(openId, panelId, closeId, onOpen) {
    const open = document.getElementById(openId);
    const box = document.getElementById(panelId);
    const close = document.getElementById(closeId);
    if (!open || !box) return;
    open.addEventListener("click", () => {
      box.hidden = false;
      open.setAttribute("aria-expanded", "true");
      if (onOpen) onOpen(true);
      const first = box.querySelector("select, textarea, input, button");
      if (first) first.focus();
    });
    if (close) close.addEventListener("click", () => {
      box.hidden = true;
      open.setAttribute("aria-expanded", "false");
      if (onOpen) onOpen(false);
      open.focus();
    });
  }
  panel("modify-start", "modify-panel", "modify-close", (on) => {
    modify.on = on;
    if (!on) { choose("source", ""); choose("target", ""); }
  });
  panel("migrate-start", "migrate-panel", "migrate-close");
  if (sourceSelect) sourceSelect.addEventListener("change", () => choose("source", sourceSelect.value));
  if (targetSelect) targetSelect.addEventListener("change", () => choose("target", targetSelect.value));

  const apply = document.getElementById("modify-apply");
  if (apply) apply.addEventListener("click", async () => {
    const box = document.getElementById("modify-error");
    if (!modify.source || !modify.target) {
      showError(box, null, "Choose the element that holds the token and the element to move it to.");
      return;
    }
    if (modify.source === modify.target) { showError(box, null, "The token is there already: choose another target."); return; }
    showError(box, null, "");
    const result = await call("POST", base + "/modification", {
      activateInstructions: [{ elementId: modify.target }],
      terminateInstructions: [{ elementId: modify.source }],
    }, "Token moved from " + modify.source + " to " + modify.target + ".", apply);
    if (result !== true) showError(box, null, result.message);
  });

  // -- migration -----------------------------------------------------------------------------
  const migrate = document.getElementById("migrate-apply");
  if (migrate) migrate.addEventListener("click", async () => {
    const target = document.getElementById("migrate-target");
    const mapping = document.getElementById("migrate-mapping");
    const box = document.getElementById("migrate-error");
    if (!target.value) { showError(box, target, "There is no other version to migrate to."); return; }
    const instructions = [];
    const lines = mapping.value.split("\n");
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].trim();
      if (!line) continue;
      const parts = line.split("=").map((p) => p.trim());
      if (parts.length !== 2 || !parts[0] || !parts[1]) {
        showError(box, mapping, "Line " + (n + 1) + " is not 'source = target': " + line);
        mapping.focus();
        return;
      }
      instructions.push({ sourceElementId: parts[0], targetElementId: parts[1] });
    }
    showError(box, mapping, "");
    const result = await call("POST", base + "/migration", {
      migrationPlan: { targetProcessDefinitionKey: target.value, mappingInstructions: instructions },
    }, "Instance migrated.", migrate);
    if (result !== true) showError(box, mapping, result.message);
  });

  // -- incidents (in the live fragment: delegated) ---------------------------------------------
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.retry");
    if (!button) return;
    button.disabled = true;
    try {
      // a job's incident is resolved once the job may run again: give it a retry first
      if (button.dataset.job) {
        await regista.api("PATCH", "/v2/jobs/" + encodeURIComponent(button.dataset.job), { changeset: { retries: 1 } });
      }
      await regista.api("POST", "/v2/incidents/" + encodeURIComponent(button.dataset.incident) + "/resolution", {});
      regista.flash("Incident resolved: the instance goes on.", "ok");
      setTimeout(() => window.location.reload(), 300);
    } catch (error) {
      regista.flash(error.message, "error");
      button.disabled = false;
    }
  });

  // -- variables -----------------------------------------------------------------------------
  const form = document.getElementById("variable-form");
  if (form) {
    const name = document.getElementById("variable-name");
    const value = document.getElementById("variable-value");
    const scope = document.getElementById("variable-scope");
    const nameError = document.getElementById("variable-name-error");
    const valueError = document.getElementById("variable-value-error");
    document.querySelectorAll("button.edit-variable").forEach((button) => {
      button.addEventListener("click", () => {
        name.value = button.dataset.name;
        value.value = button.dataset.value;
        scope.value = button.dataset.scope;
        value.focus();
      });
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      let ok = true;
      if (!name.value.trim()) { showError(nameError, name, "Give the variable's name."); ok = false; }
      else showError(nameError, name, "");
      let parsed;
      try {
        parsed = JSON.parse(value.value);
        showError(valueError, value, "");
      } catch (error) {
        showError(valueError, value, "This is not JSON (a text needs quotes: \"like this\"): " + error.message);
        ok = false;
      }
      if (!ok) { (name.getAttribute("aria-invalid") ? name : value).focus(); return; }
      const variables = {};
      variables[name.value.trim()] = parsed;
      const result = await call("PUT", "/v2/element-instances/" + encodeURIComponent(scope.value) + "/variables",
        { variables, local: scope.value !== data.key }, "Variable " + name.value.trim() + " saved.",
        form.querySelector("button[type=submit]"));
      if (result !== true) showError(valueError, value, result.message);
    });
  }
})();
