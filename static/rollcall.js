/* Roll-call: send each toggle with fetch() and update it in place. A send that gets no answer
   is retried with the SAME nonce, so the server counts it once however often it arrives. From
   the first failed (or slow) send the row says it is waiting and a notice explains; both clear
   when the server has answered. Without fetch (or on an error answer) the form is submitted the
   ordinary way. */
(function () {
  "use strict";
  var list = document.querySelector("[data-rollcall]");
  if (!list || !window.fetch || !window.FormData) return;
  var offline = document.querySelector("[data-offline]");
  var RETRIES = [1000, 2000, 4000, 8000, 15000];  /* then every 15 s, as long as the page is open */
  var SLOW = 3000;      /* no answer yet: the manager is told the tap is waiting */
  var GIVE_UP = 20000;  /* a send hanging this long (a weak 2G link) is dropped and sent again */
  /* A proxy or a restarting server answers these for a moment: no answer yet, not a refusal. */
  var AWAY = {502: true, 503: true, 504: true};

  /* "Waiting to send", or "… then undo" when the manager tapped the waiting name again. */
  function sayWaiting(form) {
    var word = form.rollcallUndo ? "data-waiting-undo" : "data-waiting";
    form.querySelector(".state").textContent = list.getAttribute(word);
  }

  function waiting(form, yes) {
    var button = form.querySelector("button");
    var starts = yes && !button.classList.contains("unsaved");
    if (starts) {
      button.classList.add("unsaved");
      sayWaiting(form);
    } else if (!yes) {
      button.classList.remove("unsaved");
    }
    if (offline) offline.hidden = !list.querySelector(".unsaved");
    if (starts) uncover(button);
  }

  /* The notice sticks to the bottom of the screen: a row it now hides, the one just tapped, is
     moved up above it, so the manager still sees which name waits. */
  function uncover(button) {
    if (!offline || offline.hidden) return;
    var row = button.getBoundingClientRect();
    var hidden = row.bottom - offline.getBoundingClientRect().top;
    if (hidden > 0 && row.top < window.innerHeight) window.scrollBy(0, hidden + 8);
  }

  function saved(form, data) {
    var button = form.querySelector("button");
    waiting(form, false);
    button.classList.toggle("is-present", data.present);
    button.setAttribute("aria-pressed", data.present ? "true" : "false");
    button.querySelector(".state").textContent = data.label;
    form.elements.nonce.value = data.nonce;
    form.elements.state.value = data.state;
    var count = document.querySelector("[data-present-count]");
    if (count) count.textContent = data.count;
  }

  function send(form, attempt) {
    clearTimeout(form.rollcallRetry);
    form.setAttribute("aria-busy", "true");
    var slow = setTimeout(function () { waiting(form, true); }, SLOW);
    var controller = window.AbortController ? new AbortController() : null;
    var hung = controller && setTimeout(function () { controller.abort(); }, GIVE_UP);
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: {"Accept": "application/json"}, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(slow);
      clearTimeout(hung);
      if (AWAY[response.status]) throw new Error("no answer yet");
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || response.redirected || type.indexOf("json") < 0) {
        form.submit();  /* refused, or signed out: the server explains on its own page */
        return null;
      }
      return response.json();
    }).then(function (data) {
      if (!data) return;
      form.removeAttribute("aria-busy");
      saved(form, data);
      /* Tapped again while it waited: now that the tap has gone, send the undo (the answer
         brought its nonce and state), never before, so the two cannot arrive out of order. */
      if (form.rollcallUndo) {
        form.rollcallUndo = false;
        send(form, 0);
      }
    }, function () {  /* no answer: the network dropped; try again with the same nonce */
      clearTimeout(slow);
      clearTimeout(hung);
      form.removeAttribute("aria-busy");
      waiting(form, true);
      form.rollcallRetry = setTimeout(function () {
        send(form, attempt + 1);
      }, RETRIES[Math.min(attempt, RETRIES.length - 1)]);
    });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-toggle")) return;
    event.preventDefault();
    var busy = form.getAttribute("aria-busy") === "true";
    /* A tap on a row waiting to send changes the manager's mind: it is undone once sent (a
       second tap takes that back), and the wait ends now if no send is out. A tap while a send
       is out but not yet waiting (a double tap) waits for the answer. */
    if (form.querySelector(".unsaved")) {
      form.rollcallUndo = !form.rollcallUndo;
      sayWaiting(form);
      if (!busy) send(form, 0);
    } else if (!busy) {
      send(form, 0);
    }
  });

  /* The phone says it is online again: send what is waiting now, not at its next retry. */
  window.addEventListener("online", function () {
    var forms = list.querySelectorAll("form[data-toggle]");
    for (var i = 0; i < forms.length; i++) {
      if (forms[i].querySelector(".unsaved") && forms[i].getAttribute("aria-busy") !== "true") send(forms[i], 0);
    }
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
