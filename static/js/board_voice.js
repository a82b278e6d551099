// The board's voice: plays the clips of each call one after another, never two calls at once (a promise chain),
// with Web Audio (decoded clips are kept for the next calls). Browsers keep sound off until a first touch or key
// press on the page: until then the board shows how to turn it on (#sound). What was played is readable by
// tests and curious staff: window.BoardVoice.played ([{call, clip, start, end}], times from performance.now())
// and the board's data-played attribute (clip names, space-separated).
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) return;
  var AudioCtx = window.AudioContext || window.webkitAudioContext;
  var ctx = null;
  var buffers = {};
  var chain = Promise.resolve();
  var played = [];
  var notice = document.getElementById("sound");
  var PAUSE_MS = 700;  // between two calls

  function context() {
    if (!ctx && AudioCtx) { try { ctx = new AudioCtx(); } catch (e) { ctx = null; } }
    return ctx;
  }

  function on() { return !!ctx && ctx.state === "running"; }

  function showNotice() { if (notice) notice.hidden = on() || !AudioCtx; }

  function unlock() {
    var c = context();
    if (!c) return;
    var resumed = c.state === "running" ? Promise.resolve() : c.resume();
    resumed.then(showNotice, showNotice);
  }

  function load(url) {
    if (!buffers[url]) {
      buffers[url] = fetch(url)
        .then(function (r) { if (!r.ok) throw new Error(url); return r.arrayBuffer(); })
        .then(function (data) { return new Promise(function (ok, fail) { ctx.decodeAudioData(data, ok, fail); }); });
      buffers[url].catch(function () { delete buffers[url]; });  // a missing clip is tried again next time
    }
    return buffers[url];
  }

  function clipName(url) { return url.substring(url.lastIndexOf("/") + 1); }

  function playOne(url, call) {
    return load(url).then(function (buffer) {
      return new Promise(function (done) {
        var source = ctx.createBufferSource();
        var entry = { call: call, clip: clipName(url), start: performance.now(), end: null };
        var finished = false;
        function end() {
          if (finished) return;
          finished = true;
          entry.end = performance.now();
          played.push(entry);
          root.setAttribute("data-played", played.map(function (p) { return p.clip; }).join(" "));
          done();
        }
        source.buffer = buffer;
        source.connect(ctx.destination);
        source.onended = end;
        setTimeout(end, buffer.duration * 1000 + 2000);  // never wait forever on a stalled device
        source.start();
      });
    }, function () { /* a clip that cannot be loaded is skipped; the rest of the call is still said */ });
  }

  function wait(ms) { return function () { return new Promise(function (done) { setTimeout(done, ms); }); }; }

  // Queue one call's clips (URLs); false when sound is off (nothing is queued: no backlog once it is turned on).
  function say(urls, call) {
    if (!on() || !urls || !urls.length) return false;
    urls.forEach(load);  // fetch them all now, play them in order
    chain = chain.then(function () {
      var sequence = Promise.resolve();
      urls.forEach(function (url) { sequence = sequence.then(function () { return playOne(url, call); }); });
      return sequence.then(wait(PAUSE_MS));
    });
    return true;
  }

  ["pointerdown", "keydown", "touchstart", "click"].forEach(function (type) {
    document.addEventListener(type, unlock, { passive: true });
  });
  context();
  showNotice();
  if (ctx && ctx.addEventListener) ctx.addEventListener("statechange", showNotice);
  window.BoardVoice = { say: say, on: on, played: played };
})();
