// Times are written in UTC (the fallback without JavaScript, kept in the title);
// shown in the viewer's own time zone where the browser can. live-state.js calls
// window.amplifierLocalTime on the <time> elements it adds later.
(function () {
  var opts = {year: "numeric", month: "short", day: "numeric", hour: "2-digit",
              minute: "2-digit", second: "2-digit", timeZoneName: "short"};
  function localise(t) {
    var d = new Date(t.getAttribute("datetime"));
    if (isNaN(d.getTime())) { return; }
    if (!t.title) { t.title = t.textContent; }
    try { t.textContent = d.toLocaleString(undefined, opts); } catch (e) { /* keep UTC */ }
  }
  window.amplifierLocalTime = localise;
  document.querySelectorAll("time[datetime]").forEach(localise);
})();
