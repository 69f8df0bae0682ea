// The campaign page's countdown to the pledge deadline; hides the forms when it passes.
(function () {
  var el = document.getElementById("countdown");
  var deadline = new Date(el.dataset.deadline);
  function tick() {
    var s = Math.round((deadline - new Date()) / 1000);
    if (s <= 0) {
      el.textContent = "now";
      document.getElementById("pledge").hidden = true;
      document.getElementById("closed-now").hidden = false;
      return;
    }
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    el.textContent = "in " + (d ? d + "d " : "") + (d || h ? h + "h " : "") + m + "m " + (s % 60) + "s";
    setTimeout(tick, 1000);
  }
  tick();
})();
