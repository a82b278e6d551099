// The ticket page while the citizen waits: its live part (#live: status, people ahead, estimate, where to go) is
// fetched again on every event of the unit's queue channel (the board's websocket), or every 15 s when the
// websocket cannot be opened, without reloading the page. When the visit moves on (being served: the survey
// opens) the page itself reloads. Without JavaScript the page's <noscript> refresh does the same every 15 s.
(function () {
  "use strict";
  var box = document.getElementById("live");
  if (!box) return;
  var liveUrl = box.getAttribute("data-live");
  var wsPath = box.getAttribute("data-ws");
  var timer = null, retry = 2000, busy = false, again = false;

  function update() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(liveUrl, { headers: { accept: "text/html" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector(".live");
        if (!fresh) return;
        var next = fresh.getAttribute("data-status");
        if (next !== "waiting" && next !== "called") { location.reload(); return; }
        box.replaceChildren(document.importNode(fresh, true));
      })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; update(); } });
  }

  function poll() { if (!timer) timer = setInterval(update, 15000); }

  function connect() {
    if (!("WebSocket" in window)) { poll(); return; }
    var ws;
    try {
      ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + wsPath);
    } catch (e) { poll(); return; }
    ws.onopen = function () { retry = 2000; if (timer) { clearInterval(timer); timer = null; } };
    ws.onmessage = function (msg) {
      var event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      // the first message is the board's state (the page is current); a new ticket joins behind this one
      if (event.type !== "state" && event.type !== "issued") update();
    };
    ws.onclose = function () { poll(); setTimeout(connect, retry); retry = Math.min(retry * 2, 60000); };
  }

  connect();
})();
