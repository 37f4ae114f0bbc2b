// With script on, the keyboard hint says what Enter does now.
document.querySelectorAll("[data-with-script]").forEach(function (shown) {
  shown.hidden = false;
});
document.querySelectorAll("[data-without-script]").forEach(function (gone) {
  gone.hidden = true;
});

// Paper entry, with script on: Enter saves the ballot from any box of the entry form, a tick
// box or a ranked place as well as the code (a browser submits on Enter only from a text
// field). Without script, Enter saves from the code field; from a box, Tab to the button.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  if (event.key !== "Enter" || event.isComposing || !target.form) {
    return;
  }
  if (!target.form.hasAttribute("data-enter-saves")) {
    return;
  }
  if (target.tagName === "BUTTON" || target.tagName === "TEXTAREA" || target.tagName === "A") {
    return;
  }
  event.preventDefault();
  target.form.requestSubmit();
});
