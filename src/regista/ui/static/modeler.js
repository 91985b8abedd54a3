// The modeler's editor page: one BPMN (camunda-bpmn-js), DMN (dmn-js) or form (form-js)
// model, validated and deployed through the API as the signed-in user, its problems shown
// in a list and on the diagram, a process started from it, the file downloaded.
// `window.registaModeler` is the bpmn.io modeler, for scripts and end-to-end tests.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("modeler-config").textContent);
  const SUFFIX = { bpmn: ".bpmn", dmn: ".dmn", form: ".form" };
  const TYPE = { bpmn: "application/xml", dmn: "application/xml", form: "application/json" };
  const state = { dirty: false, leaving: false, processKey: config.processKey || "", marked: [], problems: [] };
  let modeler = null;

  const $ = (id) => document.getElementById(id);

  function randomId() {
    const bytes = new Uint8Array(4);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The model a "new" page starts from: a process with its start event, a decision table,
  // an empty form; ids made unique so that deploying two new models keeps both.
  function blank() {
    const id = randomId();
    if (config.kind === "form") {
      return JSON.stringify({ id: `Form_${id}`, type: "default", schemaVersion: 16, components: [] }, null, 2);
    }
    if (config.kind === "dmn") {
      return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:dmndi="https://www.omg.org/spec/DMN/20191111/DMNDI/" xmlns:dc="http://www.omg.org/spec/DMN/20180521/DC/" id="Definitions_${id}" name="Decisions ${id}" namespace="https://regista.dev/dmn/${id}">
  <decision id="Decision_${id}" name="Decision ${id}">
    <decisionTable id="DecisionTable_${id}">
      <input id="Input_1" label="Input">
        <inputExpression id="InputExpression_1" typeRef="string"><text>input</text></inputExpression>
      </input>
      <output id="Output_1" label="Output" name="output" typeRef="string" />
    </decisionTable>
  </decision>
  <dmndi:DMNDI>
    <dmndi:DMNDiagram id="DMNDiagram_1">
      <dmndi:DMNShape id="DMNShape_1" dmnElementRef="Decision_${id}">
        <dc:Bounds height="80" width="180" x="160" y="100" />
      </dmndi:DMNShape>
    </dmndi:DMNDiagram>
  </dmndi:DMNDI>
</definitions>
`;
    }
    const c8 = config.flavour === "camunda8";
    const ns = c8
      ? 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" modeler:executionPlatform="Camunda Cloud" modeler:executionPlatformVersion="8.8.0"'
      : 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.23.0"';
    return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:modeler="http://camunda.org/schema/modeler/1.0" ${ns} id="Definitions_${id}" targetNamespace="http://bpmn.io/schema/bpmn" exporter="Regista">
  <bpmn:process id="Process_${id}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_${id}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="152" y="102" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
  }

  // -- the state line and leaving with unsaved changes ------------------------------------

  function setState(text) { $("model-state").textContent = text; }

  function markDirty() {
    if (state.dirty) return;
    state.dirty = true;
    setState("Unsaved changes: download or deploy to keep them.");
  }

  function markClean(text) {
    state.dirty = false;
    setState(text);
  }

  window.addEventListener("beforeunload", (event) => {
    if (state.dirty && !state.leaving) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  window.addEventListener("regista:leaving", () => { state.leaving = true; });

  // -- the modelers -------------------------------------------------------------------------

  async function templates() {
    try {
      const response = await fetch(config.templates, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (response.ok) return await response.json();
    } catch (error) { /* the modeler works without them */ }
    regista.flash("The connector templates could not be loaded; the modeler works without them.", "error");
    return [];
  }

  // Every viewer of dmn-js (the DRD and each table) has its own command stack.
  function hookDmn(viewer) {
    if (!viewer || viewer.__registaHooked) return;
    viewer.__registaHooked = true;
    viewer.on("commandStack.changed", markDirty);
  }

  async function create() {
    if (config.kind === "bpmn") {
      const made = new BpmnModeler({
        container: "#canvas",
        propertiesPanel: { parent: "#properties" },
        elementTemplates: await templates(),
      });
      made.on("commandStack.changed", markDirty);
      made.on("elementTemplates.errors", (event) => {
        regista.flash(`Element templates: ${event.errors.map((e) => e.message).join("; ")}`, "error");
      });
      return made;
    }
    if (config.kind === "dmn") {
      const made = new DmnJS({ container: "#canvas" });
      made.on("views.changed", () => {
        hookDmn(made.getActiveViewer());
        const view = made.getActiveView();
        if (view && view.type === "drd") {
          clearProblems();
          markOnDiagram(state.problems);
        }
      });
      return made;
    }
    const made = new FormEditor.FormEditor({
      container: document.querySelector("#canvas"),
      propertiesPanel: { parent: "#properties" },
    });
    made.on("changed", markDirty);
    return made;
  }

  // Put `text` into the modeler; false (with the reason shown) when it cannot be read.
  async function load(text) {
    clearProblems();
    state.problems = [];
    try {
      if (config.kind === "form") {
        await modeler.importSchema(JSON.parse(text));
      } else {
        const { warnings } = await modeler.importXML(text);
        if (warnings && warnings.length) {
          regista.flash(`Opened with ${warnings.length} warning(s): ${warnings[0].message}`, "error");
        }
        if (config.kind === "bpmn") modeler.get("canvas").zoom("fit-viewport", "auto");
        if (config.kind === "dmn") {
          // a decision opened from the list shows its table first
          const view = config.focus && modeler.getViews().find((v) => v.element && v.element.id === config.focus && v.type !== "drd");
          if (view) { await modeler.open(view); config.focus = ""; }
          hookDmn(modeler.getActiveViewer());
        }
      }
    } catch (error) {
      let reason = error.message;
      if (/no diagram to display/.test(reason)) {
        reason += ": the file has no diagram layout (BPMNDiagram); draw it in a modeler that saves one";
      }
      setState(`This file cannot be opened: ${reason}`);
      regista.flash(`The model cannot be opened: ${reason}`, "error");
      return false;
    }
    markClean(state.processKey ? "Deployed; no unsaved changes." : "No unsaved changes.");
    return true;
  }

  async function text() {
    if (config.kind === "form") return JSON.stringify(modeler.saveSchema(), null, 2);
    const { xml } = await modeler.saveXML({ format: true });
    return xml;
  }

  // The file name the model is sent and saved under, with the suffix of its kind.
  function fileName() {
    const input = $("file-name");
    const error = $("file-name-error");
    let name = input.value.trim().replace(/[\\/]/g, "_");
    if (!name || name.startsWith(".")) {
      input.setAttribute("aria-invalid", "true");
      error.textContent = `Give the file a name, such as model${SUFFIX[config.kind]}.`;
      error.hidden = false;
      input.focus();
      return null;
    }
    input.removeAttribute("aria-invalid");
    error.hidden = true;
    if (!name.toLowerCase().endsWith(SUFFIX[config.kind])) name += SUFFIX[config.kind];
    input.value = name;
    return name;
  }

  async function resources() {
    const name = fileName();
    if (!name) return null;
    const body = new FormData();
    body.append("resources", new Blob([await text()], { type: TYPE[config.kind] }), name);
    return body;
  }

  // -- problems: a list, and markers and overlays on the diagram -----------------------

  function diagramViewer() {
    if (config.kind === "bpmn") return modeler;
    if (config.kind === "dmn") {
      // markers live on the DRD: put on again whenever it is shown (views.changed)
      const active = modeler.getActiveView();
      return active && active.type === "drd" ? modeler.getActiveViewer() : null;
    }
    return null;
  }

  function clearProblems() {
    const viewer = diagramViewer();
    if (viewer) {
      const canvas = viewer.get("canvas");
      for (const [id, marker] of state.marked) {
        try { canvas.removeMarker(id, marker); } catch (error) { /* gone since */ }
      }
      viewer.get("overlays").remove({ type: "regista-problem" });
      state.marked = [];
    }
  }

  function markOnDiagram(problems) {
    const viewer = diagramViewer();
    if (!viewer) return;
    const registry = viewer.get("elementRegistry");
    const canvas = viewer.get("canvas");
    const overlays = viewer.get("overlays");
    const worst = new Map();
    for (const p of problems) {
      if (!p.elementId || !registry.get(p.elementId)) continue;
      const known = worst.get(p.elementId);
      if (!known || p.severity === "error") worst.set(p.elementId, { severity: p.severity, messages: [] });
      worst.get(p.elementId).messages.push(p.message);
    }
    for (const [id, found] of worst) {
      const marker = `regista-problem-${found.severity === "error" ? "error" : "warning"}`;
      canvas.addMarker(id, marker);
      state.marked.push([id, marker]);
      const badge = document.createElement("button");
      badge.type = "button";
      badge.className = `regista-problem-badge ${found.severity === "error" ? "error" : "warning"}`;
      badge.textContent = found.severity === "error" ? "!" : "?";
      badge.title = found.messages.join("\n");
      badge.setAttribute("aria-label", `${found.severity} on ${id}: ${found.messages.join("; ")}`);
      badge.dataset.element = id;
      badge.addEventListener("click", () => select(id));
      overlays.add(id, "regista-problem", { position: { top: -12, right: 12 }, html: badge });
    }
  }

  // Select the element a problem names (opening the DMN view of a decision when needed).
  async function select(id) {
    if (config.kind === "dmn") {
      // a decision's problem is in its table (or literal expression): open that view;
      // any other element is shown on the DRD
      const views = modeler.getViews();
      const table = views.find((v) => v.type !== "drd" && v.element && v.element.id === id);
      const target = table || views.find((v) => v.type === "drd");
      if (target && target !== modeler.getActiveView()) await modeler.open(target);
      if (table) return;
    }
    if (config.kind === "form") {
      const field = modeler.get("formFieldRegistry").get(id);
      if (field) modeler.get("selection").set(field);
      return;
    }
    const viewer = diagramViewer();
    if (!viewer) return;
    const element = viewer.get("elementRegistry").get(id);
    if (!element) {
      regista.flash(`The element ${id} is not on this diagram.`, "error");
      return;
    }
    viewer.get("selection").select(element);
    const canvas = viewer.get("canvas");
    if (typeof canvas.scrollToElement === "function") canvas.scrollToElement(element);
  }

  // Show `problems` ({resource|file, elementId, line, severity, message}) under `heading`.
  function showProblems(problems, heading) {
    clearProblems();
    state.problems = problems;
    const box = $("problems");
    box.replaceChildren();
    const errors = problems.filter((p) => p.severity === "error").length;
    const warnings = problems.length - errors;
    const summary = document.createElement("p");
    summary.className = problems.length ? (errors ? "problem" : "notice") : "notice";
    summary.textContent = problems.length
      ? `${heading}: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`
      : `${heading}: no problems.`;
    box.appendChild(summary);
    if (problems.length) {
      const list = document.createElement("ul");
      list.className = "modeler-problems";
      for (const p of problems) {
        const item = document.createElement("li");
        item.className = p.severity === "error" ? "error" : "warning";
        const where = [p.elementId ? `element ${p.elementId}` : "", p.line ? `line ${p.line}` : ""].filter(Boolean).join(", ");
        const label = `${p.severity}: ${p.message}${where ? ` (${where})` : ""}`;
        if (p.elementId) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = "link";
          button.dataset.element = p.elementId;
          button.dataset.testid = "problem";
          button.textContent = label;
          button.addEventListener("click", () => select(p.elementId));
          item.appendChild(button);
        } else {
          item.textContent = label;
          item.dataset.testid = "problem";
        }
        list.appendChild(item);
      }
      box.appendChild(list);
    }
    markOnDiagram(problems);
  }

  // -- actions ------------------------------------------------------------------------------

  async function busy(button, work) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try { await work(); } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  async function validate() {
    const body = await resources();
    if (!body) return;
    try {
      const found = await regista.api("POST", "/v2/resources/validation", body);
      showProblems(found.problems, "Validation");
      regista.flash(found.problems.length ? `${found.problems.length} problem(s) found.` : "No problems found.", found.problems.some((p) => p.severity === "error") ? "error" : "ok");
    } catch (error) {
      showProblems([{ severity: "error", message: error.message }], "Validation");
      regista.flash(error.message, "error");
    }
  }

  function describe(deployments) {
    const parts = [];
    for (const entry of deployments) {
      const [kind, d] = Object.entries(entry)[0];
      if (kind === "processDefinition") parts.push(`process ${d.processDefinitionId} version ${d.processDefinitionVersion} (key ${d.processDefinitionKey})`);
      else if (kind === "decisionDefinition") parts.push(`decision ${d.decisionDefinitionId} version ${d.version}`);
      else if (kind === "decisionRequirements") parts.push(`decision requirements ${d.decisionRequirementsId} version ${d.version}`);
      else if (kind === "form") parts.push(`form ${d.formId} version ${d.version} (key ${d.formKey})`);
    }
    return parts;
  }

  async function deploy() {
    const body = await resources();
    if (!body) return;
    const box = $("deployment");
    try {
      const found = await regista.api("POST", "/v2/deployments", body);
      const parts = describe(found.deployments);
      const process = found.deployments.map((e) => e.processDefinition).find(Boolean);
      box.replaceChildren();
      const line = document.createElement("p");
      line.className = "notice";
      line.textContent = `Deployed (deployment ${found.deploymentKey}): ${parts.join("; ")}.`;
      box.appendChild(line);
      if (process) {
        state.processKey = process.processDefinitionKey;
        const start = $("start");
        if (start) start.disabled = false;
      }
      showProblems([], "Deployment");
      markClean("Deployed; no unsaved changes.");
      regista.flash("Deployed.", "ok");
    } catch (error) {
      const problems = (error.problem && error.problem.problems) || [];
      if (problems.length) {
        showProblems(problems.map((p) => Object.assign({ resource: p.file }, p)), "Deployment refused");
      } else {
        showProblems([{ severity: "error", message: error.message }], "Deployment refused");
      }
      regista.flash(`The deployment was refused: ${error.message.split("\n")[0]}`, "error");
    }
  }

  function variablesOrError() {
    const input = $("variables");
    const error = $("variables-error");
    const fail = (message) => {
      input.setAttribute("aria-invalid", "true");
      error.textContent = message;
      error.hidden = false;
      input.focus();
      return null;
    };
    let value;
    try {
      value = JSON.parse(input.value.trim() || "{}");
    } catch (exc) {
      return fail(`The variables are not valid JSON: ${exc.message}.`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      return fail('The variables must be a JSON object, such as {"amount": 5}.');
    }
    input.removeAttribute("aria-invalid");
    error.hidden = true;
    return value;
  }

  async function start() {
    if (!state.processKey) {
      regista.flash("Deploy the process first.", "error");
      return;
    }
    const variables = variablesOrError();
    if (!variables) return;
    try {
      const found = await regista.api("POST", "/v2/process-instances", { processDefinitionKey: state.processKey, variables });
      const key = found.processInstanceKey;
      const out = $("started");
      out.replaceChildren("Started instance ");
      const link = document.createElement("a");
      link.href = `/ui/instances/${encodeURIComponent(key)}`;
      link.textContent = key;
      link.dataset.testid = "instance-link";
      out.appendChild(link);
      out.appendChild(document.createTextNode("."));
      regista.flash(`Started instance ${key}.`, "ok");
    } catch (error) {
      regista.flash(`The instance was not started: ${error.message}`, "error");
      const fields = error.fields || {};
      if (fields.variables) variablesOrErrorShow(fields.variables);
    }
  }

  function variablesOrErrorShow(message) {
    const input = $("variables");
    const error = $("variables-error");
    input.setAttribute("aria-invalid", "true");
    error.textContent = message;
    error.hidden = false;
  }

  async function download() {
    const name = fileName();
    if (!name) return;
    const blob = new Blob([await text()], { type: TYPE[config.kind] });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    markClean(`Downloaded as ${name}; no unsaved changes.`);
  }

  // A file opened on this page: taken in place when this editor fits it.
  async function accept(name, source, kind, flavour) {
    if (kind !== config.kind || (kind === "bpmn" && flavour !== config.flavour)) {
      if (state.dirty && !window.confirm("Leave this model? Its changes are not saved.")) return true;
      state.leaving = true;
      return false;
    }
    if (state.dirty && !window.confirm("Replace this model? Its changes are not saved.")) return true;
    state.processKey = "";
    const startButton = $("start");
    if (startButton) startButton.disabled = true;
    $("file-name").value = name;
    $("model-title").textContent = name;
    document.title = `${name} · Modeler · Regista`;
    await load(source);
    return true;
  }

  async function main() {
    modeler = await create();
    window.registaModeler = modeler;
    let source = config.source;
    if (config.origin === "file") {
      const handed = registaOpen.take();
      if (!handed) {
        setState("The file is no longer here: open it again.");
        regista.flash("The file is no longer here: open it again.", "error");
        source = blank();
      } else {
        source = handed.text;
      }
    }
    await load(source || blank());
    registaOpen.wire(accept);
    $("validate").addEventListener("click", (e) => busy(e.currentTarget, validate));
    $("deploy").addEventListener("click", (e) => busy(e.currentTarget, deploy));
    $("download").addEventListener("click", (e) => busy(e.currentTarget, download));
    const form = $("start-form");
    if (form) form.addEventListener("submit", (e) => { e.preventDefault(); busy($("start"), start); });
    document.body.dataset.modelerReady = "true";
    window.dispatchEvent(new CustomEvent("regista:modeler-ready"));
  }

  main();
})();
