// The Insight page: the diagram drawn at once, then the analyses asked for (the page's
// fragment, whose parts go to their slots), then a heatmap on the diagram (frequency,
// median or p90 service time: a heat level as the element's fill and its figure as a
// badge; the legend's text gives the scale), switched by the radio buttons, and a
// variant's path highlighted on request.
(function () {
  "use strict";
  const page = JSON.parse(document.getElementById("page-data").textContent);
  const container = document.getElementById("diagram");
  const rest = document.getElementById("slot-rest");
  const LEVELS = 5;
  const heats = {};
  const data = { variants: [] };

  const drawn = regista.diagram(container, page.xml, {});
  drawn.catch((error) => regista.flash("The diagram cannot be shown: " + error.message, "error"));

  // The analyses: the fragment's parts put in their slots, its data read. A refusal (400)
  // is a fragment too, saying what is wrong.
  async function analyses() {
    if (!rest.dataset.fragment) return false;
    let response;
    try {
      response = await fetch(rest.dataset.fragment, { credentials: "same-origin", headers: { "Accept": "text/html" } });
    } catch (error) {
      rest.textContent = "The analyses cannot be read: " + error.message;
      return false;
    }
    if (response.redirected) { window.location.reload(); return false; }
    const html = await response.text();
    const template = document.createElement("template");
    template.innerHTML = html;
    if (response.status !== 200 && response.status !== 400) {
      // an error page: its sentence says why (no database for insight, ...)
      const said = template.content.querySelector(".problem");
      rest.textContent = "The analyses cannot be read: " +
        (said ? said.textContent.replace(/\s+/g, " ").trim() : "HTTP " + response.status);
      return false;
    }
    const found = template.content.getElementById("insight-data");
    for (const slot of template.content.querySelectorAll("[data-slot]")) {
      const target = document.getElementById("slot-" + slot.dataset.slot);
      if (target) target.replaceChildren(...slot.childNodes);
    }
    if (found) {
      const parsed = JSON.parse(found.textContent);
      for (const heat of parsed.heat || []) heats[heat.name] = heat;
      data.variants = parsed.variants || [];
    }
    return true;
  }
  const analysed = analyses().finally(() => { rest.setAttribute("aria-busy", "false"); });

  let shownHeat = [];
  function showHeat(shown, name) {
    const heat = heats[name];
    const overlays = shown.viewer.get("overlays");
    for (const [id, marker] of shownHeat) shown.unmark(id, marker);
    shownHeat = [];
    overlays.remove({ type: "regista-heat" });
    for (const legend of document.querySelectorAll(".heat-legend[data-heat]")) {
      legend.hidden = legend.dataset.heat !== name;
    }
    if (!heat) return;
    for (const [id, figure] of Object.entries(heat.elements)) {
      const level = Math.max(0, Math.min(LEVELS - 1, figure.level));
      const marker = "regista-heat-" + level;
      shown.mark(id, marker);
      shownHeat.push([id, marker]);
      if (!shown.viewer.get("elementRegistry").get(id)) continue;
      const badge = document.createElement("span");
      badge.className = "regista-heat-figure";
      badge.textContent = figure.text;
      badge.title = shown.elementName(id) + ": " + figure.text + " (" + heat.title + ")";
      overlays.add(id, "regista-heat", { position: { bottom: 8, left: -8 }, html: badge });
    }
    container.dataset.heat = name;
  }

  let variantMarks = [];
  function showVariant(shown, index) {
    for (const id of variantMarks) shown.unmark(id, "regista-variant");
    variantMarks = [];
    for (const button of document.querySelectorAll("[data-show-variant]")) {
      const chosen = Number(button.dataset.showVariant) === index;
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      button.closest("tr").classList.toggle("chosen", chosen);
    }
    const path = index === null ? null : data.variants[index];
    if (!path) { delete container.dataset.variant; return; }
    const steps = new Set(path);
    const pairs = new Set();
    for (let i = 0; i + 1 < path.length; i += 1) pairs.add(path[i] + "\u001f" + path[i + 1]);
    const registry = shown.viewer.get("elementRegistry");
    const marked = new Set();
    for (const element of registry.getAll()) {
      const bo = element.businessObject;
      if (element.waypoints && bo && bo.sourceRef && bo.targetRef) {
        if (pairs.has(bo.sourceRef.id + "\u001f" + bo.targetRef.id)) marked.add(element.id);
      } else if (steps.has(element.id)) {
        marked.add(element.id);
      }
    }
    for (const id of marked) { shown.mark(id, "regista-variant"); variantMarks.push(id); }
    container.dataset.variant = String(index);
  }

  Promise.all([drawn, analysed]).then(([shown]) => {
    const radios = document.querySelectorAll("input[name=heat]");
    const checked = document.querySelector("input[name=heat]:checked");
    if (checked) showHeat(shown, checked.value);
    for (const radio of radios) {
      radio.addEventListener("change", () => { if (radio.checked) showHeat(shown, radio.value); });
    }
    let current = null;
    for (const button of document.querySelectorAll("[data-show-variant]")) {
      button.addEventListener("click", () => {
        const index = Number(button.dataset.showVariant);
        current = current === index ? null : index;
        showVariant(shown, current);
      });
    }
    container.dataset.ready = "true";
  }).catch(() => {});
})();
