// Officer console keyboard shortcuts: a key clicks the button or link marked data-key="<key>" (not while typing).
(function () {
  "use strict";
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = (e.target && e.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (e.target && e.target.isContentEditable)) return;
    var key = e.key.toLowerCase();
    var el = document.querySelector('[data-key="' + key.replace(/"/g, "") + '"]');
    if (!el) return;
    e.preventDefault();
    el.click();
  });
})();
