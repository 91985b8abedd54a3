// A decision's page: its DMN model shown by dmn-js, and its evaluation through the API. The
// input fields and the JSON editor hold the same variables (a field writes its path into the
// JSON; valid JSON fills the fields); the answer's matched rules are listed and marked on
// the decision table.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("decision-data").textContent);
  const form = document.getElementById("evaluate-form");
  const editor = document.getElementById("variables");
  const editorError = document.getElementById("variables-error");
  const out = document.getElementById("evaluation");
  const status = document.getElementById("dmn-status");
  const container = document.getElementById("dmn");
  let viewer = null;
  let matched = {}; // decision id -> [rule ids]

  // -- the DMN model ---------------------------------------------------------------------

  function viewName(view) {
    const name = (view.element && (view.element.name || view.element.id)) || "";
    if (view.type === "drd") return "Requirements diagram";
    if (view.type === "decisionTable") return "Table: " + name;
    return "Expression: " + name;
  }

  function showViews() {
    const box = document.getElementById("dmn-views");
    if (!viewer || !box) return;
    const active = viewer.getActiveView();
    // a table or an expression takes the height it needs; the diagram a fixed canvas
    container.classList.toggle("fit", !!active && active.type !== "drd");
    box.replaceChildren();
    for (const view of viewer.getViews()) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = viewName(view);
      button.dataset.testid = "view-" + (view.element ? view.element.id : view.type);
      if (active && view.element === active.element) button.setAttribute("aria-pressed", "true");
      else button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", () => viewer.open(view));
      box.append(button);
    }
    box.hidden = false;
  }

  // Mark the rules that matched on the decision table shown, if it is one that was evaluated.
  function markRules() {
    if (!viewer) return;
    container.querySelectorAll(".matched-rule").forEach((el) => el.classList.remove("matched-rule"));
    const active = viewer.getActiveView();
    if (!active || active.type !== "decisionTable") return;
    for (const ruleId of matched[active.element.id] || []) {
      container.querySelectorAll('[data-row-id="' + CSS.escape(ruleId) + '"]').forEach((el) => el.classList.add("matched-rule"));
    }
  }

  async function showModel() {
    if (!window.DmnJS) {
      status.textContent = "The DMN viewer (dmn-js) is not installed on this server; the model is in the DMN XML link above.";
      container.hidden = true;
      return;
    }
    try {
      const xml = await window.regista.api("GET", data.xmlUrl);
      viewer = new window.DmnJS({ container: container });
      await viewer.importXML(xml);
      const table = viewer.getViews().find((v) => v.element && v.element.id === data.decisionId);
      if (table) await viewer.open(table);
      viewer.on("views.changed", () => { showViews(); setTimeout(markRules, 0); });
      showViews();
      status.textContent = "Shown for reading: changes made here are not saved.";
    } catch (error) {
      status.textContent = "The DMN model could not be shown: " + error.message;
    }
  }

  // -- fields and JSON -------------------------------------------------------------------

  const inputs = () => Array.from(form.querySelectorAll("[data-input]"));

  function fieldError(input, message) {
    const slot = document.getElementById(input.getAttribute("aria-describedby"));
    if (message) {
      input.setAttribute("aria-invalid", "true");
      if (slot) { slot.textContent = message; slot.hidden = false; }
    } else {
      input.removeAttribute("aria-invalid");
      if (slot) { slot.textContent = ""; slot.hidden = true; }
    }
  }

  function jsonError(message) {
    if (message) {
      editor.setAttribute("aria-invalid", "true");
      editorError.textContent = message;
      editorError.hidden = false;
    } else {
      editor.removeAttribute("aria-invalid");
      editorError.textContent = "";
      editorError.hidden = true;
    }
  }

  // The editor's variables, or null (with the message shown) when they are not an object.
  function variables() {
    let value;
    try {
      value = JSON.parse(editor.value.trim() || "{}");
    } catch (error) {
      jsonError("This is not valid JSON: " + error.message);
      return null;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      jsonError("Give the variables as a JSON object, like {\"season\": \"Fall\"}.");
      return null;
    }
    jsonError("");
    return value;
  }

  function getPath(object, path) {
    let here = object;
    for (const part of path.split(".")) {
      if (here === null || typeof here !== "object" || !(part in here)) return undefined;
      here = here[part];
    }
    return here;
  }

  function setPath(object, path, value) {
    const parts = path.split(".");
    let here = object;
    for (const part of parts.slice(0, -1)) {
      if (here[part] === null || typeof here[part] !== "object" || Array.isArray(here[part])) here[part] = {};
      here = here[part];
    }
    const last = parts[parts.length - 1];
    if (value === undefined) delete here[last]; else here[last] = value;
  }

  // A field's value for the JSON (undefined: not given), or an Error saying what is wrong.
  function valueOf(input) {
    const control = input.dataset.control;
    if (control === "number") {
      if (input.validity && input.validity.badInput) return new Error("Enter a number, like 42 or 3.5.");
      if (input.value === "") return undefined;
      const n = Number(input.value);
      return Number.isFinite(n) ? n : new Error("Enter a number, like 42 or 3.5.");
    }
    if (control === "boolean") return input.value === "" ? undefined : input.value === "true";
    return input.value === "" ? undefined : input.value;
  }

  function fieldChanged(input) {
    const value = valueOf(input);
    if (value instanceof Error) { fieldError(input, value.message); return; }
    fieldError(input, "");
    const vars = variables();
    if (vars === null) return;
    setPath(vars, input.dataset.input, value);
    editor.value = JSON.stringify(vars, null, 2);
  }

  function editorChanged() {
    let vars;
    try { vars = JSON.parse(editor.value.trim() || "{}"); } catch (error) { return; }
    if (vars === null || typeof vars !== "object" || Array.isArray(vars)) return;
    jsonError("");
    for (const input of inputs()) {
      if (input === document.activeElement) continue;
      const value = getPath(vars, input.dataset.input);
      input.value = value === undefined || value === null ? "" : String(value);
      fieldError(input, "");
    }
  }

  form.addEventListener("input", (event) => {
    if (event.target === editor) editorChanged();
    else if (event.target.dataset && event.target.dataset.input) fieldChanged(event.target);
  });
  form.addEventListener("change", (event) => {
    if (event.target.dataset && event.target.dataset.input) fieldChanged(event.target);
  });

  // -- evaluation ------------------------------------------------------------------------

  function element(tag, text, attributes) {
    const el = document.createElement(tag);
    if (text !== undefined && text !== null) el.textContent = text;
    for (const [name, value] of Object.entries(attributes || {})) el.setAttribute(name, value);
    return el;
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (error) { return String(text); }
  }

  function showResult(answer) {
    out.replaceChildren();
    out.append(element("h3", "Result"));
    out.append(element("pre", pretty(answer.output), { "data-testid": "decision-output", class: "output" }));
    matched = {};
    for (const evaluated of answer.evaluatedDecisions || []) {
      const rules = evaluated.matchedRules || [];
      matched[evaluated.decisionDefinitionId] = rules.map((r) => r.ruleId);
      const box = element("section", null, { class: "evaluated", "data-testid": "evaluated-" + evaluated.decisionDefinitionId });
      box.append(element("h4", (evaluated.decisionDefinitionName || evaluated.decisionDefinitionId) + " → " + evaluated.output));
      if (evaluated.decisionDefinitionType === "DECISION_TABLE" || rules.length) {
        const table = element("table", null, { class: "grid", "data-testid": "matched-rules" });
        table.append(element("caption", rules.length ? rules.length + " matched rule" + (rules.length === 1 ? "" : "s") : "No rule matched"));
        const head = element("tr");
        for (const title of ["Rule", "Rule id", "Outputs"]) head.append(element("th", title, { scope: "col" }));
        const thead = element("thead");
        thead.append(head);
        table.append(thead);
        const body = element("tbody");
        for (const rule of rules) {
          const row = element("tr", null, { "data-rule": rule.ruleId });
          row.append(element("th", "#" + rule.ruleIndex, { scope: "row" }));
          row.append(element("td", rule.ruleId));
          row.append(element("td", (rule.evaluatedOutputs || []).map((o) => (o.outputName || o.outputId) + " = " + o.outputValue).join(", ")));
          body.append(row);
        }
        table.append(body);
        box.append(table);
      }
      if ((evaluated.evaluatedInputs || []).length) {
        box.append(element("p", "Inputs: " + evaluated.evaluatedInputs.map((i) => (i.inputName || i.inputId) + " = " + i.inputValue).join(", "), { class: "muted" }));
      }
      out.append(box);
    }
    for (const warning of answer.warnings || []) out.append(element("p", warning, { class: "notice" }));
    markRules();
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let bad = null;
    for (const input of inputs()) {
      const value = valueOf(input);
      if (value instanceof Error) { fieldError(input, value.message); bad = bad || input; }
    }
    const vars = variables();
    if (vars === null) bad = bad || editor;
    if (bad) { bad.focus(); return; }
    const button = document.getElementById("evaluate");
    button.disabled = true;
    try {
      const answer = await window.regista.api("POST", "/v2/decision-definitions/evaluation", { decisionDefinitionKey: data.key, variables: vars });
      showResult(answer);
      window.regista.flash("Decision evaluated.", "ok");
    } catch (error) {
      out.replaceChildren(element("p", error.message, { class: "problem", role: "alert", "data-testid": "evaluation-problem" }));
      window.regista.flash("The decision could not be evaluated.", "error");
    } finally {
      button.disabled = false;
    }
  });

  showModel();
})();
