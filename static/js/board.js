// Queue board: live updates over a WebSocket; polls the board's JSON state every 5 s when WebSockets fail, and every
// 30 s even while connected, so an event lost while Redis was down is caught up (the server's reader resubscribes).
// Each new entry of the "recently called" list (a call, or the officer repeating it) flashes its counter and is
// announced once by the board's voice (board_voice.js), in the order the calls were made.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var stateUrl = root.getAttribute("data-state");
  var wsPath = root.getAttribute("data-ws");
  var pollTimer = null;
  var retry = 1000;
  var seen = null;  // announcement keys already handled; the first state only fills it
  var inFlight = null, again = false;

  function text(el, value) { if (el) el.textContent = value; }

  var tz = root.getAttribute("data-tz") || undefined;

  function span(cls, value) { var s = document.createElement("span"); s.className = cls; s.textContent = value; return s; }

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
      li.appendChild(span("counter", s.counter));
      li.appendChild(span(s.ticket ? "ticket" : "ticket idle", s.ticket || root.getAttribute("data-idle")));
      list.appendChild(li);
    });
    var recent = document.getElementById("recent");
    if (recent) {
      recent.textContent = "";
      (state.recent || []).forEach(function (r) {
        var li = document.createElement("li");
        li.setAttribute("data-key", r.key);
        li.appendChild(span("recent-ticket", r.ticket || ""));
        li.appendChild(span("recent-counter", r.counter));
        recent.appendChild(li);
      });
      var none = document.getElementById("recent-none");
      if (none) none.hidden = (state.recent || []).length > 0;
    }
    text(document.getElementById("waiting"), state.waiting);
    var m = state.median_wait_minutes, median = document.getElementById("median");
    if (m === null || m === undefined) {
      median.textContent = "";
      median.appendChild(span("none", root.getAttribute("data-no-data")));
    } else {
      median.textContent = Math.round(m) + " " + root.getAttribute("data-min");
    }
  }

  function flash(code) {
    var li = document.querySelector('#serving li[data-counter="' + code + '"]');
    if (li) { li.classList.add("flash"); setTimeout(function () { li.classList.remove("flash"); }, 3000); }
  }

  function announce(view) {
    var recent = view.state.recent || [];
    if (seen === null) {  // calls made before the board was opened are not announced
      seen = {};
      recent.forEach(function (r) { seen[r.key] = true; });
      root.setAttribute("data-ready", "true");
      return;
    }
    recent.slice().reverse().forEach(function (r) {  // oldest first: calls are said in the order they were made
      if (seen[r.key]) return;
      seen[r.key] = true;
      flash(r.counter_code);
      if (window.BoardVoice) window.BoardVoice.say(view.clips[r.key], r.key);
    });
  }

  function refresh() {  // one request at a time; an event during a request asks for one more
    if (inFlight) { again = true; return inFlight; }
    inFlight = fetch(stateUrl, { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) { if (view) { render(view.state); announce(view); } })
      .catch(function () {})
      .then(function () { inFlight = null; if (again) { again = false; refresh(); } });
    return inFlight;
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
    if (!("WebSocket" in window)) { startPolling(); refresh(); return; }
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var ws;
    try { ws = new WebSocket(proto + location.host + wsPath); } catch (e) { startPolling(); refresh(); return; }
    ws.onopen = function () { retry = 1000; stopPolling(); };
    ws.onmessage = function () { refresh(); };  // the first message is the state, then one per console action
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
