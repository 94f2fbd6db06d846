/* Loaded only on a page that answers a POST: a form back with something to correct.
   - Its history entry becomes a plain visit of the same address, so Back to it later (from
     the receipt, say) opens the form afresh instead of the browser's "Confirm Form
     Resubmission" page: every page is no-store, so the POST's answer cannot be shown again
     from a cache.
   - The first field marked wrong takes the focus, its message in view: a screen reader reads
     it out, and a grandparent sees what to correct without hunting down the page. */
(function () {
  if (window.history && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", window.location.href);
  }
  var wrong = document.querySelector("[aria-invalid=true]");
  if (wrong) {
    var field = wrong.closest ? wrong.closest(".field, .consent, .survey-q") : null;
    wrong.focus({ preventScroll: true });
    (field || wrong).scrollIntoView({ block: "start" });
  }
})();
