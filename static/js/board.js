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

  function render(state) {
    var list = document.getElementById("serving");
    list.textContent = "";
    state.serving.forEach(function (s) {
      var li = document.createElement("li");
      li.setAttribute("data-counter", s.counter_code || "");
      var c = document.createElement("span"); c.className = "counter"; c.textContent = s.counter;
      var t = document.createElement("span"); t.className = "ticket"; t.textContent = s.ticket || "\u2014";
      li.appendChild(c); li.appendChild(t); list.appendChild(li);
    });
    text(document.getElementById("waiting"), state.waiting);
    var m = state.median_wait_minutes;
    text(document.getElementById("median"), m === null || m === undefined ? "\u2014" : Math.round(m));
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

  function tick() {
    var now = new Date();
    text(document.getElementById("clock"), now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false }));
  }

  tick(); setInterval(tick, 10000);
  setInterval(function () { if (!pollTimer) refresh(); }, 30000);
  connect();
})();
