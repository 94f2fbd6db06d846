/* What was typed and chosen in a form (marked data-keep-typed) is kept in this tab's
   sessionStorage under the form's address, and put back (then forgotten) when the form opens
   again there:
   - before leaving by the language and text-size switches at the foot of the page, plain links
     that would otherwise open the form again empty;
   - as a sign-in form (data-keep-typed="until-receipt") is sent. When the answer is lost on a
     dropped connection, the browser's error page takes the form's place and the form opens
     again empty (the server may have counted it, but the cookie that remembers the last
     entries was in the lost answer). Sent again, it counts once, as any sign-in does.
   Forgotten for good by the receipt (data-signed-in), "I do not agree" and "Not me"
   (data-forget-typed), so the next person on a shared phone starts afresh.
   Never kept: the hidden fields (the form's CSRF token and one-time nonce are new on the new
   page) and a tick marked data-ask-again (consent is given to the text as shown, in the
   language shown, by the person holding the phone). ES5 for old WebViews. */
(function () {
  var PREFIX = "typed:";
  var key = PREFIX + window.location.pathname;
  var storage;
  try {
    storage = window.sessionStorage;  // reading it throws where storage is turned off
  } catch (off) {
    return;
  }
  if (!storage) return;

  function forgetAll() {
    try {
      for (var i = storage.length - 1; i >= 0; i--) {
        var name = storage.key(i);
        if (name && name.indexOf(PREFIX) === 0) storage.removeItem(name);
      }
    } catch (unreadable) { /* nothing was kept */ }
  }

  if (document.querySelector("[data-signed-in]")) {
    forgetAll();
    return;
  }
  var form = document.querySelector("form[data-keep-typed]");
  if (!form) return;

  function kept(element) {
    return element.name && element.type !== "hidden" && element.type !== "password" && element.type !== "file"
      && element.type !== "submit" && !element.hasAttribute("data-ask-again");
  }

  function checkable(element) {
    return element.type === "radio" || element.type === "checkbox";
  }

  // [name, value] pairs in the form's order: every text as it stands, emptied ones too (they
  // go back over what the page fills in from the phone's memory), and for each group of
  // choices the ones checked, or [name, ""] when none is.
  function entries() {
    var list = [], group = {};
    for (var i = 0; i < form.elements.length; i++) {
      var element = form.elements[i];
      if (!kept(element)) continue;
      if (!checkable(element)) {
        list.push([element.name, element.value]);
      } else if (element.checked) {
        if (group[element.name] !== undefined && list[group[element.name]][1] === "") {
          list[group[element.name]][1] = element.value;
        } else {
          list.push([element.name, element.value]);
        }
        group[element.name] = list.length - 1;
      } else if (group[element.name] === undefined) {
        list.push([element.name, ""]);
        group[element.name] = list.length - 1;
      }
    }
    return list;
  }

  function remember() {
    try {
      storage.setItem(key, JSON.stringify(entries()));
    } catch (full) { /* private mode or no room: the form still goes */ }
  }

  function restore() {
    var saved;
    try {
      saved = JSON.parse(storage.getItem(key) || "null");
      storage.removeItem(key);
    } catch (unreadable) {
      return;
    }
    if (!saved || !saved.forEach) return;
    var values = {};
    saved.forEach(function (entry) {
      (values[entry[0]] = values[entry[0]] || []).push(entry[1]);
    });
    var restored = [], texts = {};
    for (var i = 0; i < form.elements.length; i++) {
      var element = form.elements[i];
      var wanted = values[element.name];
      if (!wanted || !kept(element)) continue;
      if (checkable(element)) {
        var checked = wanted.indexOf(element.value) !== -1;
        if (element.checked !== checked) {
          element.checked = checked;
          restored.push(element);
        }
      } else {
        var nth = texts[element.name] || 0;  // several boxes of one name take their values in order
        texts[element.name] = nth + 1;
        if (nth < wanted.length && element.value !== wanted[nth]) {
          element.value = wanted[nth];
          restored.push(element);
        }
      }
    }
    // Scripts that follow the answers (surveys.js shows a conditional question after its "yes")
    // hear of them as if they were typed and picked again; they listen on the form, so the events
    // bubble. This script runs after them (deferred, placed after the form).
    restored.forEach(function (element) {
      announce(element, "input");
      announce(element, "change");
    });
  }

  function announce(element, type) {
    var event;
    if (typeof Event === "function") {
      event = new Event(type, { bubbles: true });
    } else {  // old WebViews
      event = document.createEvent("Event");
      event.initEvent(type, true, false);
    }
    element.dispatchEvent(event);
  }

  var leaving = false;  // by "I do not agree" or "Not me": nothing is kept
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    if (event.target.closest("[data-forget-typed]")) {
      leaving = true;
      forgetAll();
    } else if (event.target.closest(".langs a, .text-size a")) {
      remember();
    }
  });
  if (form.getAttribute("data-keep-typed") === "until-receipt") {
    form.addEventListener("submit", function () {
      if (!leaving) remember();
    });
  }
  restore();
})();
