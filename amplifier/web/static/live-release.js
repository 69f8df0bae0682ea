// The live release view (templates/_release_live.html): fills it from the "release" part of each
// state answer live-state.js hands on as an "amplifier:state" event. Text goes in as text and
// rows as nodes, never as HTML strings. On the owner's page (#report with data-report-url) the
// report's section is fetched again, at most every 3 s while posts land and once at the end, and
// swapped in whole: the server renders it, as on a reload, so sorting and links stay the same.
(function () {
  var REPORT_EVERY_MS = 3000;
  var lastDone = null, lastReport = 0, pending = null;

  function cell(row, text, num) {
    var td = document.createElement("td");
    if (num) { td.className = "num"; }
    td.textContent = text;
    row.appendChild(td);
  }

  function fmt(n) { return Number(n).toLocaleString("en-US"); }

  function fill(release) {
    document.querySelectorAll("[data-release]").forEach(function (el) {
      var name = el.getAttribute("data-release");
      if (name === "bar") {
        el.max = release.total || 1;
        el.value = release.posted;
        el.textContent = release.summary;
      } else if (name === "by_platform") {
        while (el.firstChild) { el.removeChild(el.firstChild); }
        release.by_platform.forEach(function (p) {
          var tr = document.createElement("tr");
          cell(tr, p.label);
          [p.posted, p.failed, p.unconfirmed, p.pending].forEach(function (n) { cell(tr, fmt(n), true); });
          el.appendChild(tr);
        });
      } else if (name === "latest") {
        while (el.firstChild) { el.removeChild(el.firstChild); }
        if (!release.latest.length) {
          var none = document.createElement("li");
          none.className = "muted";
          none.textContent = "None yet.";
          el.appendChild(none);
        }
        release.latest.forEach(function (post) {
          var li = document.createElement("li");
          li.className = "wrap";
          li.appendChild(document.createTextNode(post.offset + " · " + post.handle + " on " + post.label));
          if (post.url && /^https?:\/\//i.test(post.url)) {
            li.appendChild(document.createTextNode(" · "));
            var a = document.createElement("a");
            a.href = post.url;
            a.textContent = "see the post";
            li.appendChild(a);
          }
          el.appendChild(li);
        });
      } else if (release[name] !== undefined) {
        el.textContent = release[name];
      }
    });
  }

  function refreshReport(final) {
    var report = document.getElementById("report");
    var url = report && report.getAttribute("data-report-url");
    if (!url) { return; }
    var wait = lastReport + REPORT_EVERY_MS - Date.now();
    if (!final && wait > 0) {
      if (!pending) { pending = setTimeout(function () { pending = null; refreshReport(false); }, wait); }
      return;
    }
    lastReport = Date.now();
    fetch(url, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("report");
        var now = document.getElementById("report");
        if (fresh && now) { now.replaceWith(document.importNode(fresh, true)); }
      })
      .catch(function () { /* the next answer tries again */ });
  }

  document.addEventListener("amplifier:state", function (event) {
    var state = event.detail;
    if (!state.release) { return; }
    fill(state.release);
    var r = state.release, done = r.posted + r.failed + r.unconfirmed;
    if (done !== lastDone || state.final) {
      lastDone = done;
      refreshReport(state.final);
    }
  });
})();
