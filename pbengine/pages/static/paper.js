// Paper entry, with script on: Enter saves the ballot from any box, not only from the code
// field (a browser submits on Enter only from text fields). Without script, Tab to the button.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== "Enter" || !target.form || !target.form.hasAttribute("data-enter-saves")) {
    return;
  }
  if (target.tagName === "BUTTON" || target.tagName === "TEXTAREA" || target.tagName === "SELECT") {
    return;
  }
  event.preventDefault();
  target.form.requestSubmit();
});
