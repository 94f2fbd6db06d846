/* Roll-call: send each toggle with fetch() and update it in place. A failed send is retried
   with the SAME nonce, so the server counts it once however often it arrives. Without fetch
   (or on an error answer) the form is submitted the ordinary way. */
(function () {
  "use strict";
  var list = document.querySelector("[data-rollcall]");
  if (!list || !window.fetch || !window.FormData) return;
  var RETRIES = [1000, 2000, 4000, 8000, 15000];

  function send(form, attempt) {
    var button = form.querySelector("button");
    form.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || type.indexOf("json") < 0) {
        form.submit();  /* refused, or signed out: the server explains on its own page */
        return null;
      }
      return response.json();
    }).then(function (data) {
      if (!data) return;
      form.removeAttribute("aria-busy");
      button.classList.remove("unsaved");
      var offline = document.querySelector("[data-offline]");
      if (offline && !list.querySelector(".unsaved")) offline.hidden = true;
      button.classList.toggle("is-present", data.present);
      button.setAttribute("aria-pressed", data.present ? "true" : "false");
      button.querySelector(".state").textContent = data.label;
      form.elements.nonce.value = data.nonce;
      form.elements.state.value = data.state;
      var count = document.querySelector("[data-present-count]");
      if (count) count.textContent = data.count;
    }, function () {  /* no answer: the network dropped; try again with the same nonce */
      if (attempt < RETRIES.length) {
        setTimeout(function () { send(form, attempt + 1); }, RETRIES[attempt]);
      } else {
        form.removeAttribute("aria-busy");
        button.classList.add("unsaved");  /* a new tap retries, still with the same nonce */
        var offline = document.querySelector("[data-offline]");
        if (offline) offline.hidden = false;
      }
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-toggle")) return;
    event.preventDefault();
    if (form.getAttribute("aria-busy") !== "true") send(form, 0);
  });

  /* A page restored from the back/forward cache shows old ticks: fetch the current ones. */
  window.addEventListener("pageshow", function (event) { if (event.persisted) location.reload(); });

  /* A name (Chinese characters, not pinyin or initials) that matches nobody goes into the
     add-a-child box, as the server does after a search; only while that box holds nothing
     else the manager typed. */
  var HAN = /[\u3400-\u9fff\uf900-\ufaff]|[\ud840-\ud87f][\udc00-\udfff]/;
  var addForm = document.getElementById("add");
  var addName = addForm && addForm.elements.name;
  var prefilled = addForm ? addForm.getAttribute("data-prefilled") || "" : "";

  function prefill(typed, anyShown) {
    if (!addName || (addName.value !== "" && addName.value !== prefilled)) return;
    var name = typed.replace(/\s+/g, " ").trim();
    prefilled = !anyShown && HAN.test(name) ? name : "";
    addName.value = prefilled;
  }

  var filter = document.querySelector("[data-filter]");
  if (filter) {
    filter.addEventListener("input", function () {
      /* Folded as the server's name_key does: a Chinese IME in full-width mode types ｗｘｍ. */
      var typed = filter.value.normalize ? filter.value.normalize("NFKC") : filter.value;
      var wanted = typed.toLowerCase().replace(/\s+/g, "");
      var rows = list.querySelectorAll("li[data-keys]");
      var anyShown = false;
      for (var i = 0; i < rows.length; i++) {
        rows[i].hidden = wanted !== "" && rows[i].getAttribute("data-keys").indexOf(wanted) < 0;
        anyShown = anyShown || !rows[i].hidden;
      }
      prefill(filter.value, anyShown);
    });
  }
})();
