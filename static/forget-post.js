/* Loaded only on a page that answers a POST (a form back with something to correct). Its
   history entry becomes a plain visit of the same address, so Back to it later (from the
   receipt, say) opens the form afresh instead of the browser's "Confirm Form Resubmission"
   page: every page is no-store, so the POST's answer cannot be shown again from a cache. */
(function () {
  if (window.history && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", window.location.href);
  }
})();
