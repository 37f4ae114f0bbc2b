// The voter-code slips: a Print button, shown only where script can press it (without
// script, the browser's own Print command does the same).
"use strict";
(function () {
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
