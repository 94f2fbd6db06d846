/* The language and text-size switches at the foot of a page are plain links: following one
   from a half-filled form (marked data-keep-typed) would open it again empty. Before leaving
   by one of them, what was typed and chosen is kept in this tab's sessionStorage under the
   form's address, and put back (then forgotten) when the form comes back. Never kept: the
   hidden fields (the form's CSRF token and one-time nonce are new on the new page) and a tick
   marked data-ask-again (consent is given to the text as shown, in the language shown). */
(function () {
  var key = "typed:" + window.location.pathname;
  var form = document.querySelector("form[data-keep-typed]");
  var storage;
  try {
    storage = window.sessionStorage;  // reading it throws where storage is turned off
  } catch (off) {
    return;
  }
  if (!form || !storage) return;

  function kept(element) {
    return element.name && element.type !== "hidden" && element.type !== "password" && element.type !== "file"
      && element.type !== "submit" && !element.hasAttribute("data-ask-again");
  }

  function remember() {
    var entries = [];
    for (var i = 0; i < form.elements.length; i++) {
      var element = form.elements[i];
      if (!kept(element)) continue;
      if (element.type === "radio" || element.type === "checkbox") {
        if (element.checked) entries.push([element.name, element.value]);
      } else if (element.value) {
        entries.push([element.name, element.value]);
      }
    }
    try {
      storage.setItem(key, JSON.stringify(entries));
    } catch (full) { /* private mode or no room: the switch still works */ }
  }

  function restore() {
    var saved;
    try {
      saved = JSON.parse(storage.getItem(key) || "null");
      storage.removeItem(key);
    } catch (unreadable) {
      return;
    }
    if (!saved) return;
    var restored = [];
    saved.forEach(function (entry) {
      var name = entry[0], value = entry[1];
      for (var i = 0; i < form.elements.length; i++) {
        var element = form.elements[i];
        if (element.name !== name || !kept(element)) continue;
        if (element.type === "radio" || element.type === "checkbox") {
          if (element.value === value) {
            element.checked = true;
            restored.push(element);
          }
        } else {
          element.value = value;
          restored.push(element);
          break;
        }
      }
    });
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

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".langs a, .text-size a") : null;
    if (link) remember();
  });
  restore();
})();
