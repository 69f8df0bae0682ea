// A live count under the supporter's own-wording box: the box stops taking characters at its
// maxlength (and cuts a longer paste), so the count says how close the limit is, never silently.
(function () {
  var box = document.getElementById("personal-text");
  var out = document.getElementById("personal-count");
  if (!box || !out) return;
  var max = parseInt(box.getAttribute("maxlength"), 10);
  function update() {
    var used = box.value.length;
    var left = max - used;
    out.textContent = used + " of " + max + " characters" +
      (left <= 0 ? ": the box is full, so anything more you type or paste is cut off" : " (" + left + " left)");
    out.classList.toggle("error", left <= 0);
  }
  box.addEventListener("input", update);
  update();
})();
