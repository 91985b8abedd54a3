// The modeler's way to open a file from the user's disk (file input or drag and drop):
// tell its kind (BPMN, DMN, form) and bpmn-js flavour (Camunda 8 / 7) from its name and
// namespaces, as ui/modeler.py does, then hand it to the editor page that fits.
(function () {
  "use strict";
  const STORE = "regista.modeler.file";
  const ZEEBE = "http://camunda.org/schema/zeebe/1.0";
  const CAMUNDA7 = "http://camunda.org/schema/1.0/bpmn";

  function suffix(name) {
    const dot = name.lastIndexOf(".");
    return dot < 0 ? "" : name.slice(dot).toLowerCase();
  }

  // "bpmn", "dmn", "form" or null (neither XML nor a form's JSON).
  function kindOf(name, text) {
    const ext = suffix(name);
    const head = text.trimStart().slice(0, 4096);
    if (ext === ".form" || (![".bpmn", ".dmn", ".xml"].includes(ext) && head.startsWith("{"))) return "form";
    if (!head.startsWith("<")) return null;
    if (ext === ".dmn" || /xmlns(:\w+)?\s*=\s*"[^"]*\/DMN\//i.test(head)) return "dmn";
    return "bpmn";
  }

  // "camunda7" for the camunda: namespace (or "Camunda Platform"), else "camunda8".
  function flavourOf(xml) {
    if (xml.includes(ZEEBE) || /executionPlatform\s*=\s*"Camunda Cloud"/.test(xml)) return "camunda8";
    if (xml.includes(CAMUNDA7) || /executionPlatform\s*=\s*"Camunda (Platform|BPM)"/.test(xml)) return "camunda7";
    return "camunda8";
  }

  function showError(message) {
    const box = document.getElementById("open-file-error");
    const input = document.getElementById("open-file");
    if (box) { box.textContent = message; box.hidden = !message; }
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
    if (message && window.regista) window.regista.flash(message, "error");
  }

  // Read `file`, then either give it to `accept(name, text, kind, flavour)` (the editor
  // page, when it can take it in place: it answers true) or open the editor that fits.
  async function open(file, accept) {
    showError("");
    let text;
    try {
      text = await file.text();
    } catch (error) {
      showError(`${file.name}: the file cannot be read (${error.message}).`);
      return;
    }
    const kind = kindOf(file.name, text);
    if (!kind) {
      showError(`${file.name} is neither a BPMN or DMN model (XML) nor a form (JSON); open a .bpmn, .dmn or .form file.`);
      return;
    }
    const flavour = kind === "bpmn" ? flavourOf(text) : "camunda8";
    if (accept && await accept(file.name, text, kind, flavour)) return;
    try {
      sessionStorage.setItem(STORE, JSON.stringify({ name: file.name, text }));
    } catch (error) {
      showError(`${file.name} is too large to hand to the editor (${error.message}).`);
      return;
    }
    const query = new URLSearchParams({ file: file.name, file_kind: kind, flavour });
    window.dispatchEvent(new CustomEvent("regista:leaving"));
    window.location.assign(`/ui/modeler/edit?${query}`);
  }

  // The file the start page handed over (once), or null.
  function take() {
    const found = sessionStorage.getItem(STORE);
    sessionStorage.removeItem(STORE);
    try { return found ? JSON.parse(found) : null; } catch (error) { return null; }
  }

  function wire(accept) {
    const input = document.getElementById("open-file");
    if (input) {
      input.addEventListener("change", () => {
        if (input.files && input.files[0]) open(input.files[0], accept);
        input.value = "";
      });
    }
    const zone = document.getElementById("drop-zone");
    if (zone) {
      zone.addEventListener("dragover", (event) => {
        if (event.dataTransfer && Array.from(event.dataTransfer.types).includes("Files")) {
          event.preventDefault();
          zone.classList.add("dragging");
        }
      });
      zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
      zone.addEventListener("drop", (event) => {
        zone.classList.remove("dragging");
        const file = event.dataTransfer && event.dataTransfer.files[0];
        if (!file) return;
        event.preventDefault();
        event.stopPropagation();
        open(file, accept);
      }, true);
    }
  }

  window.registaOpen = { kindOf, flavourOf, open, take, wire, showError };
  // The start page wires itself; the editor page wires with its own `accept` (modeler.js).
  if (!document.getElementById("modeler-config")) {
    document.addEventListener("DOMContentLoaded", () => wire(null));
  }
})();
