// A "Print" button without inline script (the CSP allows none): any element with data-print prints the page.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
