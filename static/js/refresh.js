// Reload the page every data-seconds (the ticket page while the citizen waits); without JavaScript a <noscript>
// meta refresh does the same. It waits while the reader is typing in a form, so no answer is lost.
(function () {
  "use strict";
  var me = document.currentScript;
  var seconds = parseInt((me && me.getAttribute("data-seconds")) || "15", 10);
  function tick() {
    var active = document.activeElement;
    if (active && active.form) { setTimeout(tick, seconds * 1000); return; }
    location.reload();
  }
  setTimeout(tick, seconds * 1000);
})();
