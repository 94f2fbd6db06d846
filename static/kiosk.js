/* Lecture mode screen: keep the changing QR code and the count fresh without reloading.
   Polls the page's JSON twin; on a lost connection it keeps the last good code on screen,
   says "reconnecting", and tries again a little later each time. No framework, no inline
   script (the CSP forbids it); without JavaScript the page reloads itself instead. */
(function () {
  "use strict";

  var root = document.getElementById("kiosk");
  if (!root || !window.XMLHttpRequest) {
    return;
  }
  var stateUrl = root.getAttribute("data-state-url");
  var pollSeconds = parseFloat(root.getAttribute("data-poll")) || 3;
  var qr = document.getElementById("kiosk-qr");
  var qrBox = document.getElementById("kiosk-qr-box");
  var count = document.getElementById("kiosk-count");
  var recent = document.getElementById("kiosk-recent");
  var notice = document.getElementById("kiosk-notice");
  var offline = document.getElementById("kiosk-offline");
  var stale = document.getElementById("kiosk-stale");
  var signedOut = document.getElementById("kiosk-signed-out");

  var slot = root.getAttribute("data-slot");
  /* The activity's token in the code: a manager rotating the poster's links changes it mid-slot. */
  var token = root.getAttribute("data-token");
  var validUntil = now() + 1000 * (parseFloat(root.getAttribute("data-valid-for")) || 0);
  var failures = 0;
  var timer = null;
  var inFlight = false;

  function now() {
    return new Date().getTime();
  }

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function schedule(seconds) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, Math.max(0.3, seconds) * 1000);
  }

  function render(data) {
    if (data.svg && (String(data.slot) !== slot || data.token !== token)) {
      qr.innerHTML = data.svg;
      slot = String(data.slot);
      token = data.token;
      qr.setAttribute("data-slot", slot);
      root.setAttribute("data-slot", slot);
      qr.setAttribute("data-token", token);
      root.setAttribute("data-token", token);
    }
    validUntil = now() + 1000 * data.valid_for;
    count.textContent = String(data.count);
    while (recent.firstChild) {
      recent.removeChild(recent.firstChild);
    }
    (data.recent || []).forEach(function (name) {
      var item = document.createElement("li");
      item.textContent = name;
      recent.appendChild(item);
    });
    notice.textContent = data.notice || "";
    show(notice, Boolean(data.notice));
    show(qrBox, data.scannable);  /* not open yet, ended or cancelled: nothing to scan */
    qr.classList.remove("kiosk-qr-stale");
    show(offline, false);
    show(stale, false);
    show(signedOut, false);
  }

  function failed(signedOutNow) {
    failures += 1;
    if (signedOutNow) {
      show(signedOut, true);
      /* No new code comes: once the last one has run out, it must not look scannable. */
      if (now() > validUntil) {
        qr.classList.add("kiosk-qr-stale");
      }
    } else if (now() > validUntil) {
      show(offline, false);
      show(stale, true);
      qr.classList.add("kiosk-qr-stale");
    } else {
      show(offline, true);
    }
    schedule(Math.min(15, 2 * failures));
  }

  function poll() {
    if (inFlight) {
      return;
    }
    inFlight = true;
    var request = new XMLHttpRequest();
    request.open("GET", stateUrl + "?slot=" + encodeURIComponent(slot) + "&token=" + encodeURIComponent(token), true);
    request.timeout = 8000;
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      inFlight = false;
      var data = null;
      if (request.status === 200) {
        try {
          data = JSON.parse(request.responseText);
        } catch (error) {
          data = null;
        }
      }
      if (!data || typeof data.slot === "undefined") {
        failed(request.status === 401 || request.status === 403);
        return;
      }
      failures = 0;
      render(data);
      // Ask again in a few seconds, or just after the code changes, whichever is first.
      schedule(Math.min(data.poll_in || pollSeconds, data.changes_in + 0.3));
    };
    request.onerror = request.ontimeout = request.onabort = function () {
      inFlight = false;
      failed(false);
    };
    request.send();
  }

  window.addEventListener("online", function () {
    schedule(0);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      schedule(0);
    }
  });
  schedule(Math.min(pollSeconds, (parseFloat(root.getAttribute("data-changes-in")) || 0) + 0.3));
})();
