/* Keeps the "Today" page and today's day view live for a manager watching sign-ins arrive,
   without the harms of a <meta refresh> (WCAG 2.2.1: a screen reader restarting from the top,
   the scroll position lost, an open "Void…" confirmation closed). Every minute the page fetches
   itself and swaps in the new figures, but only while nobody is using it: the tab is in view,
   no <details> is open, no form field and no keyboard-focused link has focus, no text is
   selected, and nobody has scrolled, tapped or typed for a minute. The scroll position stays,
   and a failed fetch (a dropped 2G line) keeps the figures and their time instead of showing
   the browser's error page. Without JavaScript the page has its time and a Refresh link. */
(function () {
  "use strict";
  var live = document.querySelector("[data-live-refresh]");
  if (!live || !window.fetch || !window.DOMParser) return;
  var PERIOD = (Number(live.getAttribute("data-live-refresh")) || 60) * 1000;
  var CHECK_EVERY = 5000;
  var lastUse = Date.now();  /* loading the page counts as using it */
  var lastTry = Date.now();
  var fetching = false;

  ["scroll", "wheel", "pointerdown", "touchstart", "keydown", "input"].forEach(function (name) {
    /* capture: a sideways scroll of a table box does not bubble, but is captured */
    document.addEventListener(name, function () { lastUse = Date.now(); }, {capture: true, passive: true});
  });

  function showLiveNote() {
    var note = document.querySelector("[data-live-note]");
    if (note) note.hidden = false;
  }

  function focusInUse() {
    var active = document.activeElement;
    if (!active || active === document.body || !active.closest) return false;
    if (active.closest("form")) return true;
    try { return active.matches(":focus-visible"); } catch (error) { return false; }
  }

  function inUse() {
    if (document.visibilityState && document.visibilityState !== "visible") return true;
    if (Date.now() - lastUse < PERIOD) return true;
    if (document.querySelector("details[open]")) return true;
    if (focusInUse()) return true;
    var selection = window.getSelection && window.getSelection();
    return Boolean(selection && !selection.isCollapsed);
  }

  function swapIn(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) return;
    var x = window.pageXOffset, y = window.pageYOffset;
    main.innerHTML = fresh.innerHTML;
    window.scrollTo(x, y);  /* the page may have grown by a row: stay where the reader was */
    showLiveNote();
  }

  function update() {
    fetching = true;
    lastTry = Date.now();
    fetch(window.location.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        /* signed out (the login page) or the home no longer mine: leave the page as it is */
        return response.ok && !response.redirected ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null && !inUse()) swapIn(html);  /* not if someone started using the page meanwhile */
      }, function () { /* offline: the figures stay, with their time, until the next try */ })
      .then(function () { fetching = false; });
  }

  showLiveNote();
  setInterval(function () {
    if (!fetching && Date.now() - lastTry >= PERIOD && !inUse()) update();
  }, CHECK_EVERY);
})();
