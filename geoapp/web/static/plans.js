/* The plan list: create a plan (empty, from school zones, copied) or import one, then open
 * it in the editor. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("plans-config").textContent);
  const errorBox = document.getElementById("error-notice");

  const api = window.geoappApi.request;

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
      openEditor(await api(config.create, { method: "POST", body }));
    } catch (error) {
      fail(error);
    }
  });

  document.getElementById("import-plan-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      openEditor(await api(config.import, { method: "POST", body: new FormData(event.target) }));
    } catch (error) {
      fail(error);
    }
  });
})();
