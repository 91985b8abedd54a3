// regista.diagram: a BPMN diagram drawn by the vendored bpmn-js navigated viewer, with the
// cockpit's counts and markers on it. Any page may reuse it:
//
//   <link rel="stylesheet" href="/ui/static/vendor/camunda-bpmn-js/assets/camunda-cloud-navigated-viewer.css">
//   <link rel="stylesheet" href="/ui/static/diagram.css">
//   <div id="diagram" class="diagram"></div>
//   <script src="/ui/static/vendor/camunda-bpmn-js/camunda-cloud-navigated-viewer.production.min.js"></script>
//   <script src="/ui/static/diagram.js"></script>
//   const shown = await regista.diagram(document.getElementById("diagram"), xml, {
//     counts: { task: { active: 2, completed: 5, incidents: 1, canceled: 0 } }, // badges per element
//     active: ["task"],          // elements holding a token (marker "regista-active")
//     incidents: ["task"],       // elements with an open incident ("regista-incident")
//     passed: ["start", "flow1"],// elements and flows the instance went through ("regista-passed")
//     onElementClick: (id, element) => { ... },  // a click (or Enter on a focused element)
//   });
//   shown.update({ active, incidents, passed, counts });  // redraw the markers and badges
//   shown.mark(id, "regista-selected"); shown.unmark(id, "regista-selected");
//   shown.elementName(id)   // the element's name, or its id
//
// The bpmn.io watermark stays as the library draws it (its licence): never hide or cover it.
(function () {
  "use strict";

  const MARKERS = ["regista-active", "regista-incident", "regista-passed"];

  function badge(kind, value, label) {
    const span = document.createElement("span");
    span.className = "regista-count regista-count-" + kind;
    span.textContent = String(value);
    span.title = value + " " + label;
    span.setAttribute("aria-label", value + " " + label);
    return span;
  }

  async function diagram(container, xml, options) {
    options = options || {};
    if (typeof window.BpmnNavigatedViewer !== "function") {
      container.textContent = "The diagram viewer is not available (its script did not load).";
      throw new Error("BpmnNavigatedViewer is not loaded");
    }
    const viewer = new window.BpmnNavigatedViewer({ container });
    try {
      await viewer.importXML(xml);
    } catch (error) {
      container.textContent = "The diagram cannot be shown: " + error.message;
      throw error;
    }
    const canvas = viewer.get("canvas");
    const overlays = viewer.get("overlays");
    const registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport", "auto");
    let marked = [];

    function has(id) { return Boolean(registry.get(id)); }

    function update(state) {
      for (const [id, marker] of marked) canvas.removeMarker(id, marker);
      marked = [];
      overlays.remove({ type: "regista-counts" });
      const add = (ids, marker) => {
        for (const id of ids || []) {
          if (!has(id)) continue;
          canvas.addMarker(id, marker);
          marked.push([id, marker]);
        }
      };
      add(state.passed, "regista-passed");
      add(state.active, "regista-active");
      add(state.incidents, "regista-incident");
      for (const [id, count] of Object.entries(state.counts || {})) {
        if (!has(id)) continue;
        const box = document.createElement("div");
        box.className = "regista-counts";
        if (count.active) box.append(badge("active", count.active, "active"));
        if (count.incidents) box.append(badge("incidents", count.incidents, "with incidents"));
        if (count.completed) box.append(badge("completed", count.completed, "completed"));
        if (count.canceled) box.append(badge("canceled", count.canceled, "canceled"));
        if (box.childElementCount) {
          overlays.add(id, "regista-counts", { position: { bottom: 8, left: -8 }, html: box });
        }
      }
    }

    if (options.onElementClick) {
      viewer.get("eventBus").on("element.click", (event) => {
        const element = event.element;
        if (element && element.type !== "bpmn:Process" && element.type !== "bpmn:Collaboration") {
          options.onElementClick(element.id, element);
        }
      });
    }
    update(options);

    // a text list of the elements, for keyboards and screen readers: a diagram alone is
    // neither focusable nor readable
    function elementName(id) {
      const element = registry.get(id);
      return (element && element.businessObject && element.businessObject.name) || id;
    }

    return {
      viewer,
      update,
      elementName,
      elements: () => registry.filter((e) => e.type !== "label" && !e.waypoints && e.parent)
        .map((e) => ({ id: e.id, name: elementName(e.id), type: e.type })),
      mark: (id, marker) => { if (has(id)) canvas.addMarker(id, marker); },
      unmark: (id, marker) => { if (has(id)) canvas.removeMarker(id, marker); },
      destroy: () => viewer.destroy(),
    };
  }

  window.regista = Object.assign(window.regista || {}, { diagram, DIAGRAM_MARKERS: MARKERS });
})();
