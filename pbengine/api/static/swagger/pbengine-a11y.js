// pbengine: Swagger UI draws a server <select> without a label; name it once it appears.
new MutationObserver(function () {
  var servers = document.getElementById("servers");
  if (servers && !servers.hasAttribute("aria-label")) {
    servers.setAttribute("aria-label", "Server");
  }
}).observe(document.documentElement, { childList: true, subtree: true });
