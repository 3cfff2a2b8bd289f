// Buttons that print the page (receipts, cards). Without JavaScript they stay hidden and the
// browser's own print command does the same; a script file, not an inline handler, so the
// Content-Security-Policy can forbid inline script.
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
