/* The plan list: create a plan (empty, from school zones, copied) or import one, then open
 * it in the editor. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("plans-config").textContent);
  const errorBox = document.getElementById("error-notice");

  async function csrfToken() {
    const response = await fetch(config.session, { credentials: "same-origin" });
    return (await response.json()).csrf_token;
  }

  async function send(url, init) {
    const response = await fetch(url, { credentials: "same-origin", ...init });
    const body = await response.json();
    if (!response.ok) throw new Error(config.lang === "en" ? body.message_en : body.message);
    return body;
  }

  function openEditor(plan) {
    window.location.assign(config.edit.replace(/\/0\/edit$/, `/${plan.id}/edit`));
  }

  function fail(error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }

  document.getElementById("create-plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(event.target);
    const body = { name: data.get("name"), description: data.get("description"), source: data.get("source") };
    if (body.source === "copy") body.copy_of = Number(data.get("copy_of"));
    try {
      const token = await csrfToken();
      openEditor(await send(config.create, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token, Accept: "application/json" },
        body: JSON.stringify(body),
      }));
    } catch (error) {
      fail(error);
    }
  });

  document.getElementById("import-plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const token = await csrfToken();
      openEditor(await send(config.import, {
        method: "POST",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
        body: new FormData(event.target),
      }));
    } catch (error) {
      fail(error);
    }
  });
})();
