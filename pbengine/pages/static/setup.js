// The set-up page's pre-flight report, kept current without a reload: fetched again when
// the page comes back into view (after reviewing proposals in another tab, say), every
// half minute while it is shown, and on "Check again". Without this script the link
// reloads the page, and the report is recomputed on every load and save anyway.
"use strict";
(function () {
  var link = document.getElementById("preflight-refresh");
  var status = document.getElementById("preflight-status");
  if (!link || !status || !window.fetch) { return; }
  var url = link.getAttribute("data-src");
  var busy = false;
  function refresh(announce) {
    if (busy) { return; }
    busy = true;
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();
        var fresh = holder.content.getElementById("preflight-report");
        var shown = document.getElementById("preflight-report");
        if (fresh && shown && fresh.getAttribute("data-state") !== shown.getAttribute("data-state")) {
          shown.replaceWith(fresh);
          status.textContent = link.getAttribute("data-checked");
        } else if (announce) {
          status.textContent = link.getAttribute("data-checked");
        }
      })
      .catch(function () { /* the page's own copy stands; the link still reloads it */ })
      .then(function () { busy = false; });
  }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    status.textContent = "";
    refresh(true);
  });
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(false); }
  });
  window.setInterval(function () {
    if (!document.hidden) { refresh(false); }
  }, 30000);
})();
