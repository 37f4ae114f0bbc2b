// Live feedback on the vote form: how many projects or points are chosen so far. The
// server checks everything again; without this script the form works the same.
"use strict";
(function () {
  var form = document.getElementById("vote-form");
  var status = document.getElementById("vote-status");
  if (!form || !status) { return; }
  var maxProjects = form.getAttribute("data-max-projects");
  var maxPoints = form.getAttribute("data-max-points");
  function fill(text, chosen, max) {
    return text.replace("{chosen}", chosen).replace("{max}", max);
  }
  function update() {
    var points = form.querySelectorAll("input[name^='points-']");
    if (points.length) {
      var total = 0;
      points.forEach(function (input) { total += Number(input.value) || 0; });
      if (maxPoints) {
        status.textContent = fill(form.getAttribute("data-points-text"), total, maxPoints);
      }
      return;
    }
    var chosen = form.querySelectorAll("input[name='project']:checked").length;
    if (!form.querySelector("input[name='project']")) { return; }
    status.textContent = maxProjects
      ? fill(form.getAttribute("data-projects-max-text"), chosen, maxProjects)
      : fill(form.getAttribute("data-projects-text"), chosen, "");
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();

// A voter code from a printed slip's QR code arrives after '#' (…/vote#code=K7QX-…): a
// browser never sends that part to the server, so the code is in no log and no referrer.
// Fill it in, then take it out of the address bar and the history.
(function () {
  var found = /(?:^#|&)code=([^&]*)/.exec(window.location.hash);
  if (!found) { return; }
  var field = document.getElementById("voter_code");
  if (field && !field.value) { field.value = decodeURIComponent(found[1]); }
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
})();
