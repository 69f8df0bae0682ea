// "Copy link": shows the button only where the browser can copy, and copies the field's text.
// Without JavaScript the field is still there to select by hand.
(function () {
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = "Copied";
      }, function () {
        field.select();
        button.textContent = "Select and copy the link above";
      });
    });
  });
})();
