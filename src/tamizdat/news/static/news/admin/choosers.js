// Wagtail starts its date and time pickers with inline scripts, which Tamizdat's
// Content-Security-Policy blocks everywhere, the admin included. Our widget templates leave the
// same call as data attributes instead, and this first-party script makes it, also for forms
// that the editor adds later (new StreamField blocks, inline panels).
(function () {
  "use strict";
  function start(marker) {
    if (marker.dataset.cspStarted) return;
    var chooser = window[marker.dataset.cspChooser];
    if (typeof chooser !== "function") return;
    marker.dataset.cspStarted = "true";
    chooser(marker.dataset.target, JSON.parse(marker.dataset.config));
  }
  function scan(root) {
    root.querySelectorAll("[data-csp-chooser]").forEach(start);
  }
  document.addEventListener("DOMContentLoaded", function () {
    scan(document);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        mutation.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) scan(node.parentNode || node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
