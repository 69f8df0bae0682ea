// The new-campaign form's times: the time zone field takes the browser's own zone when empty
// (an owner in New York who typed local times once scheduled a release 5 hours early, because the
// field defaulted to UTC), and under each time the instant it means is shown in UTC and in that
// zone, as the server reads it (/owner/time-preview), with a warning for a time that a DST change
// skips or repeats. Without JavaScript the zone field is empty and required, so it asks.
(function () {
  var zone = document.getElementById("f-timezone");
  if (!zone) { return; }
  if (!zone.value) {
    try { zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { /* ask */ }
  }
  var fields = Array.prototype.slice.call(document.querySelectorAll("input[data-preview]"));
  var timers = {};

  function show(input) {
    var out = document.getElementById(input.getAttribute("data-preview"));
    if (!input.value || !zone.value) { out.textContent = ""; return; }
    var fold = document.querySelector('input[name="' + input.name + '_fold"]:checked');
    var url = "/owner/time-preview?at=" + encodeURIComponent(input.value) +
      "&zone=" + encodeURIComponent(zone.value) + (fold ? "&fold=" + fold.value : "");
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (answer) {
        if (!answer) { return; }
        out.textContent = answer.problem || answer.words || "";
        out.classList.toggle("error", !!answer.problem);
      })
      .catch(function () { /* the server checks again when the form is sent */ });
  }

  function later(input) {
    clearTimeout(timers[input.name]);
    timers[input.name] = setTimeout(function () { show(input); }, 250);
  }

  fields.forEach(function (input) {
    input.addEventListener("input", function () { later(input); });
    input.addEventListener("change", function () { later(input); });
    show(input);
  });
  zone.addEventListener("input", function () { fields.forEach(later); });
  document.querySelectorAll('input[type="radio"][name$="_fold"]').forEach(function (radio) {
    radio.addEventListener("change", function () {
      fields.forEach(function (input) { if (radio.name === input.name + "_fold") { show(input); } });
    });
  });
})();
