/* Loaded on a page that gives a form back with something to correct: the answer to a POST
   (templates/base.html), and the date filters of the tallies, survey results and audit log.
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
  // The first thing marked wrong: a control, or a group of checkboxes (its fieldset says why).
  var first = document.querySelector("[aria-invalid=true], .has-error");
  var wrong = first;
  if (first && first.matches && !first.matches("input, select, textarea")) {
    wrong = first.querySelector("[aria-invalid=true]")
      || first.querySelector("input:not([type=hidden]), select, textarea");
  }
  if (wrong) {
    var field = wrong.closest ? wrong.closest(".field, .consent, .survey-q, .category-row") : null;
    wrong.focus({ preventScroll: true });
    (field || wrong).scrollIntoView({ block: "start" });
  }
})();
