// The task page: completes the task through the API with the values of its form, and shows
// the API's refusals next to the fields they name. Delegation goes through the API too.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("task-data").textContent);
  const errors = document.getElementById("form-errors");
  const base = "/v2/user-tasks/" + encodeURIComponent(data.key);

  function clearErrors() {
    if (errors) { errors.hidden = true; errors.replaceChildren(); }
    document.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    document.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }

  // Show one message per field: next to the input when the page has it, else in the list.
  function showErrors(message, fields, label) {
    const listed = [];
    for (const [name, reason] of Object.entries(fields || {})) {
      const key = name.replace(/^variables\./, "");
      const slot = document.getElementById("e-" + key);
      const input = document.getElementById("f-" + key);
      if (slot) {
        slot.textContent = reason;
        slot.hidden = false;
        if (input) input.setAttribute("aria-invalid", "true");
      } else {
        listed.push((label ? label(key) : key) + ": " + reason);
      }
    }
    if (!errors) return;
    const head = document.createElement("p");
    head.textContent = message;
    errors.replaceChildren(head);
    if (listed.length) {
      const list = document.createElement("ul");
      for (const line of listed) { const li = document.createElement("li"); li.textContent = line; list.append(li); }
      errors.append(list);
    }
    errors.hidden = false;
    const firstInvalid = document.querySelector("[aria-invalid='true']");
    (firstInvalid || errors).focus();
  }

  async function complete(variables, label) {
    clearErrors();
    const button = document.getElementById("complete");
    if (button) button.disabled = true;
    try {
      await window.regista.api("POST", base + "/completion", { variables });
      window.regista.flash("Task completed.", "ok");
      window.location.assign("/ui/tasks?completed=" + encodeURIComponent(data.key));
    } catch (error) {
      showErrors(error.message, error.fields, label);
      if (button) button.disabled = false;
    }
  }

  // A Camunda Form, rendered by form-js: its own checks first, then the server's.
  function camundaForm() {
    const container = document.getElementById("task-form");
    const viewer = window.FormViewer;
    if (!container || !viewer || !viewer.Form) {
      if (container) showErrors("The form viewer could not be loaded; reload the page.", {});
      return;
    }
    const form = new viewer.Form({ container });
    const labels = {};
    (function collect(components) {
      for (const c of components || []) {
        if (c.key) labels[c.key] = c.label || c.key;
        collect(c.components);
      }
    })(data.schema.components);
    form.importSchema(data.schema, data.variables).catch((error) => showErrors("The form cannot be shown: " + error.message, {}));
    form.on("submit", (event) => {
      if (event.errors && Object.keys(event.errors).length) {
        showErrors("Some fields need your attention.", {});
        return;
      }
      complete(event.data, (key) => labels[key] || key);
    });
    const button = document.getElementById("complete");
    if (button) button.addEventListener("click", () => form.submit());
  }

  // A form generated from a JSON Schema: values typed as the schema says.
  function schemaForm(formElement) {
    formElement.addEventListener("submit", (event) => {
      event.preventDefault();
      clearErrors();
      const variables = {};
      const problems = {};
      for (const input of formElement.querySelectorAll("[name]")) {
        const type = input.dataset.type;
        if (type === "boolean") { variables[input.name] = input.checked; continue; }
        const text = input.value.trim();
        if (text === "") continue;
        if (type === "number" || type === "integer") {
          const number = Number(text);
          if (Number.isNaN(number)) problems[input.name] = "must be a number";
          else variables[input.name] = number;
        } else if (type === "json") {
          try { variables[input.name] = JSON.parse(text); } catch (e) { problems[input.name] = "must be JSON"; }
        } else {
          variables[input.name] = text;
        }
      }
      if (Object.keys(problems).length) { showErrors("Some fields need your attention.", problems); return; }
      complete(variables);
    });
  }

  // No form: the variables to set, as a JSON object.
  function jsonForm(formElement) {
    formElement.addEventListener("submit", (event) => {
      event.preventDefault();
      clearErrors();
      let variables;
      try { variables = JSON.parse(formElement.elements.variables.value || "{}"); } catch (e) { variables = null; }
      if (variables === null || typeof variables !== "object" || Array.isArray(variables)) {
        showErrors("Give the variables as a JSON object.", { variables: "must be a JSON object, e.g. {\"approved\": true}" });
        return;
      }
      complete(variables);
    });
  }

  const delegate = document.getElementById("delegate");
  if (delegate) {
    delegate.addEventListener("submit", async (event) => {
      event.preventDefault();
      const slot = document.getElementById("e-delegate");
      const input = delegate.elements.assignee;
      slot.hidden = true; input.removeAttribute("aria-invalid");
      try {
        await window.regista.api("POST", base + "/assignment", { assignee: input.value.trim(), action: "delegate" });
        window.regista.flash("Delegated to " + input.value.trim() + ".", "ok");
        window.location.reload();
      } catch (error) {
        slot.textContent = error.fields.assignee || error.message;
        slot.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.focus();
      }
    });
  }

  if (data.kind === "camunda") camundaForm();
  const schema = document.getElementById("schema-form");
  if (schema) schemaForm(schema);
  const plain = document.getElementById("json-form");
  if (plain) jsonForm(plain);
})();
