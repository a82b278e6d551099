// Queue board: live updates over a WebSocket; polls the JSON state every 5 s when WebSockets fail, and every 30 s
// even while connected, so an event lost while Redis was down is caught up (the server's reader resubscribes).
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var api = root.getAttribute("data-api");
  var wsPath = root.getAttribute("data-ws");
  var pollTimer = null;
  var retry = 1000;

  function text(el, value) { if (el) el.textContent = value; }

  var tz = root.getAttribute("data-tz") || undefined;

  function render(state) {
    var list = document.getElementById("serving");
    var n = state.serving.length;
    var cols = n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
    root.style.setProperty("--cols", cols);
    root.style.setProperty("--rows", Math.max(1, Math.ceil(n / cols)));
    list.textContent = "";
    state.serving.forEach(function (s) {
      var li = document.createElement("li");
      li.setAttribute("data-counter", s.counter_code || "");
      var c = document.createElement("span"); c.className = "counter"; c.textContent = s.counter;
      var t = document.createElement("span");
      t.className = s.ticket ? "ticket" : "ticket idle";
      t.textContent = s.ticket || root.getAttribute("data-idle");
      li.appendChild(c); li.appendChild(t); list.appendChild(li);
    });
    text(document.getElementById("waiting"), state.waiting);
    var m = state.median_wait_minutes, median = document.getElementById("median");
    if (m === null || m === undefined) {
      median.textContent = "";
      var none = document.createElement("span"); none.className = "none";
      none.textContent = root.getAttribute("data-no-data"); median.appendChild(none);
    } else {
      median.textContent = Math.round(m) + " " + root.getAttribute("data-min");
    }
  }

  function refresh() {
    return fetch(api, { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) render(state); })
      .catch(function () {});
  }

  function flash(code) {
    var li = document.querySelector('#serving li[data-counter="' + code + '"]');
    if (li) { li.classList.add("flash"); setTimeout(function () { li.classList.remove("flash"); }, 3000); }
  }

  function startPolling() {
    if (pollTimer) return;
    text(document.getElementById("status"), "\u21bb");
    pollTimer = setInterval(refresh, 5000);
  }

  function stopPolling() {
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    text(document.getElementById("status"), "");
  }

  function connect() {
    if (!("WebSocket" in window)) { startPolling(); return; }
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    try { ws = new WebSocket(proto + location.host + wsPath); } catch (e) { startPolling(); return; }
    ws.onopen = function () { retry = 1000; stopPolling(); };
    ws.onmessage = function (msg) {
      var event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      if (event.type === "state") { render(event.state); return; }
      refresh().then(function () { if (event.type === "called" && event.counter_code) flash(event.counter_code); });
    };
    ws.onclose = function () {
      startPolling();
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 60000);
    };
  }

  function tick() {  // the unit's wall clock, whatever zone the TV is set to
    var parts;
    try {
      parts = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz })
        .formatToParts(new Date());
    } catch (e) { return; }
    var h = "", mi = "";
    parts.forEach(function (p) { if (p.type === "hour") h = p.value; if (p.type === "minute") mi = p.value; });
    text(document.getElementById("clock"), h + (document.documentElement.lang === "id" ? "." : ":") + mi);
  }

  tick(); setInterval(tick, 10000);
  setInterval(function () { if (!pollTimer) refresh(); }, 30000);
  connect();
})();
