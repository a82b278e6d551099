/* Counter kiosk, progressive enhancement of the plain kiosk form (which works online without this file):
   one question per screen, reset after the thank-you or 60 s idle, every answer kept in IndexedDB with its own
   UUID and the time it was given, and sent to POST /api/v1/kiosk/responses whenever the network allows.
   An answer leaves the tablet only once the server has said stored, duplicate or refused (refused ones are
   counted on the status line); a 4xx is never retried as it was (see sync below). */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !window.indexedDB) return;
  var IDLE_MS = 60000, THANKS_MS = 8000, SYNC_MS = 15000, BATCH = 100, BEAT_MS = 60000;
  var messages = document.getElementById("kiosk-messages");
  var statusLine = document.getElementById("kiosk-status");
  var dbPromise = null, syncing = false, idleTimer = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var open = indexedDB.open("portal-kiosk", 1);
        open.onupgradeneeded = function () {
          open.result.createObjectStore("queue", {keyPath: "id"});
          open.result.createObjectStore("meta");
        };
        open.onsuccess = function () { resolve(open.result); };
        open.onerror = function () { reject(open.error); };
      });
    }
    return dbPromise;
  }
  function run(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(store, mode), result;
        var request = work(tx.objectStore(store));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function say(kind, n) {
    main.dataset.sync = kind;
    main.dataset.pending = String(n);
    main.dataset.refused = String(refusedCount);
    if (!messages || !statusLine) return;
    var text = messages.dataset[kind] || "";
    if (n > 0 && kind === "sent") text = "";
    if (n > 0) text = (text ? text + " " : "") + messages.dataset.pending.replace("{n}", n);
    if (refusedCount > 0 && messages.dataset.refused) {
      text = (text ? text + " " : "") + messages.dataset.refused.replace("{n}", refusedCount);
    }
    statusLine.textContent = text;
  }

  /* Sending. Each batch's answer decides, item by item (the results come in the items' order): stored, duplicate
     and refused items leave the tablet; a refused one is counted (the count stays on the status line for staff).
     A 4xx is never sent again as it was: 400, 413 or 422 refuse the batch's content, so it is halved until the item
     at fault travels alone and is dropped as refused; any other 4xx (401 not paired, 403, 409 counter closed...)
     keeps every answer and stops sending until the page is loaded again (pairing again loads it). Only network
     errors, 5xx and 429 (the server asks to wait) are retried, every 15 s and when the browser comes back online. */
  var refusedCount = 0, batchSize = BATCH, stoppedToken = null, lastContact = 0;
  var CONTENT_REFUSED = [400, 413, 422];

  function forget(ids, refused) {
    return run("queue", "readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); })
      .then(function () {
        if (!refused) return null;
        refusedCount += refused;
        return run("meta", "readwrite", function (s) { s.put(refusedCount, "refused"); });
      });
  }

  /* One POST: the batch and how many answers the tablet holds (these included), which /console/kiosks shows with
     the time of this contact. */
  function send(token, batch, waiting) {
    return fetch("/api/v1/kiosk/responses", {
      method: "POST", credentials: "omit", cache: "no-store",
      headers: {"content-type": "application/json", "x-kiosk-token": token},
      body: JSON.stringify({items: batch, waiting: waiting})
    });
  }

  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    var token, again = false;
    return run("meta", "readonly", function (s) { return s.get("refused"); }).then(function (n) {
      refusedCount = n || 0;
      return run("meta", "readonly", function (s) { return s.get("token"); });
    }).then(function (t) {
      token = t;
      return run("queue", "readonly", function (s) { return s.getAll(); });
    }).then(function (items) {
      items = items || [];
      if (!items.length) {
        say("sent", 0);
        // Nothing to send: a heartbeat at most once a minute, so the console sees the tablet is alive.
        if (token && token !== stoppedToken && Date.now() - lastContact >= BEAT_MS) {
          lastContact = Date.now();
          return send(token, [], 0).then(function (response) {
            if (response.status === 401 || response.status === 403) { stoppedToken = token; say("revoked", 0); }
          }, function () {});
        }
        return null;
      }
      if (!token) { say("revoked", items.length); return null; }
      if (token === stoppedToken) { say(main.dataset.sync || "revoked", items.length); return null; }
      var batch = items.slice(0, batchSize);
      lastContact = Date.now();
      return send(token, batch, items.length).then(function (response) {
        if (response.status >= 500 || response.status === 429) { say("offline", items.length); return null; }
        if (CONTENT_REFUSED.indexOf(response.status) >= 0) {
          if (batch.length > 1) { batchSize = Math.ceil(batch.length / 2); again = true; return null; }
          return forget([batch[0].id], 1).then(function () { again = items.length > 1; });
        }
        if (!response.ok) {
          stoppedToken = token;
          say(response.status === 401 ? "revoked" : "paused", items.length);
          return null;
        }
        return response.json().then(function (result) {
          var done = [], refused = 0;
          batch.forEach(function (item, i) {
            var r = result.items[i];
            if (!r || (r.id && r.id !== item.id)) return;  // not this item: keep it for the next batch
            done.push(item.id);
            if (r.status === "refused") refused += 1;
          });
          return forget(done, refused).then(function () {
            var left = items.length - done.length;
            batchSize = BATCH;
            say(left ? "offline" : "sent", left);
            again = left > 0 && done.length > 0;
          });
        });
      }, function () { say("offline", items.length); });
    }).catch(function () {}).then(function () {
      syncing = false;
      if (again) return sync();
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", {scope: "/kiosk"}).catch(function () {});
  }
  if (main.dataset.kiosk === "ready" && window.caches && navigator.onLine) {
    // Keep the page as it is now (with this pairing) for a reload while offline (see sw.js).
    caches.open("portal-kiosk-v3").then(function (c) { return c.add("/kiosk"); }).catch(function () {});
  }
  window.addEventListener("online", sync);
  setInterval(sync, SYNC_MS);

  var ready = main.dataset.kiosk === "ready" && main.dataset.token;
  (ready ? run("meta", "readwrite", function (s) { s.put(main.dataset.token, "token"); }) : Promise.resolve())
    .then(sync);

  var form = document.getElementById("kiosk-form");
  if (!ready || !form) return;
  var thanks = document.getElementById("kiosk-thanks");
  var screens = Array.prototype.slice.call(form.querySelectorAll(".screen"));
  var current = 0, restartTimer = null;
  document.body.classList.add("js");

  function show(i) {
    current = Math.max(0, Math.min(i, screens.length - 1));
    screens.forEach(function (s, k) { s.classList.toggle("current", k === current); });
  }
  function restart() {
    clearTimeout(restartTimer);
    form.reset();
    thanks.hidden = true;
    form.hidden = false;
    show(0);
  }
  function touched() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(restart, IDLE_MS);
  }
  ["pointerdown", "keydown", "change"].forEach(function (e) { document.addEventListener(e, touched); });

  form.addEventListener("change", function (event) {
    if (event.target.type !== "radio") return;
    var at = screens.indexOf(event.target.closest(".screen"));
    if (at === current) setTimeout(function () { show(at + 1); }, 150);
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form), u = [];
    for (var i = 1; i <= 9; i++) { var v = data.get("u" + i); u.push(v ? parseInt(v, 10) : null); }
    var record = {id: uuid(), given_at: new Date().toISOString(), service: data.get("service") || null, u: u,
                  comment: (data.get("comment") || "").trim(), lang: main.dataset.lang || "id"};
    run("queue", "readwrite", function (s) { s.put(record); }).then(function () {
      form.hidden = true;
      thanks.hidden = false;
      restartTimer = setTimeout(restart, THANKS_MS);
      return sync();
    });
  });
  thanks.querySelector("[data-action=restart]").addEventListener("click", restart);
  form.addEventListener("click", function (event) {
    var back = event.target.closest("[data-action=back]");
    if (back) { event.preventDefault(); show(current - 1); }
  });
  show(0);
})();
