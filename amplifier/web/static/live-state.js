// Keeps a page's campaign state true without a reload. Every element with data-state-url (the
// page, or each dashboard row) polls that JSON every few seconds (live_state.py describes it)
// and swaps what it holds: [data-live=sentence|outcome] (sentences made of text, <time> and
// links, built as nodes, never from HTML strings), [data-live=countdown], the counts
// ([data-live=supporters|reach|posted|label|status_word], <progress data-live=progress>), and
// shows [data-live-phases="open …"] only in those phases. When a countdown runs out it asks
// at once and then every second until the phase moves; a final phase stops the polling. Each
// answer is also handed on as an "amplifier:state" event on the root (live-release.js listens).
(function () {
  var SLOW_MS = 5000, BUSY_MS = 2000, FAST_MS = 1000, FAST_TRIES = 60;
  var BUSY = ["judging", "preparing"];  // phases that move within seconds
  var LIVE = ["releasing"];  // posts landing: asked every second

  function localise(el) {
    if (window.amplifierLocalTime) { window.amplifierLocalTime(el); }
  }

  function build(target, parts) {
    while (target.firstChild) { target.removeChild(target.firstChild); }
    parts.forEach(function (part) {
      var node;
      if (part.time) {
        node = document.createElement("time");
        node.setAttribute("datetime", part.time);
        node.textContent = part.text;
        localise(node);
      } else if (part.href) {
        node = document.createElement("a");
        node.href = part.href;
        node.textContent = part.text;
      } else {
        node = document.createTextNode(part.text);
      }
      target.appendChild(node);
    });
  }

  function duration(s) {
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    return (d ? d + "d " : "") + (d || h ? h + "h " : "") + (d || h || m ? m + "m " : "") + (s % 60) + "s";
  }

  function Live(root) {
    this.root = root;
    this.url = root.getAttribute("data-state-url");
    this.phase = root.getAttribute("data-phase");
    this.skew = 0;  // server clock minus this browser's
    this.fast = 0;
    this.timer = null;
    var cd = this.all("countdown")[0];
    this.countdown = cd && cd.dataset.at ? {at: cd.dataset.at, label: cd.dataset.label} : null;
    this.tick();
    this.schedule(SLOW_MS);
  }

  Live.prototype.all = function (name) {
    return Array.prototype.slice.call(this.root.querySelectorAll('[data-live="' + name + '"]'));
  };

  Live.prototype.schedule = function (ms) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.poll(); }, ms);
  };

  Live.prototype.tick = function () {
    var self = this;
    this.all("countdown").forEach(function (el) {
      if (!self.countdown) { el.hidden = true; return; }
      var s = Math.round((new Date(self.countdown.at) - (Date.now() + self.skew)) / 1000);
      el.hidden = false;
      if (s > 0) {
        el.textContent = self.countdown.label + " in " + duration(s) + ".";
      } else {
        el.textContent = self.countdown.label + " now.";
      }
    });
    if (this.countdown) {
      var left = new Date(this.countdown.at) - (Date.now() + this.skew);
      if (left <= 0 && !this.expired) {
        this.expired = true;
        this.fast = FAST_TRIES;
        this.schedule(0);
      }
    }
    setTimeout(function () { self.tick(); }, 1000);
  };

  Live.prototype.poll = function () {
    var self = this;
    var asked = Date.now();
    fetch(this.url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state) { self.apply(state, asked); }
        if (state && state.final) { return; }
        if (self.fast > 0) { self.fast -= 1; self.schedule(FAST_MS); return; }
        if (LIVE.indexOf(self.phase) >= 0) { self.schedule(FAST_MS); return; }
        self.schedule(BUSY.indexOf(self.phase) >= 0 ? BUSY_MS : SLOW_MS);
      })
      .catch(function () { self.schedule(SLOW_MS); });
  };

  Live.prototype.apply = function (state, asked) {
    var self = this;
    this.skew = new Date(state.now) - (asked + Date.now()) / 2;
    if (state.phase !== this.phase) { this.fast = 0; }
    this.phase = state.phase;
    this.root.setAttribute("data-phase", state.phase);
    var next = state.countdown;
    if (!next || !this.countdown || next.at !== this.countdown.at) { this.expired = false; }
    this.countdown = next;
    this.all("sentence").forEach(function (el) { build(el, state.sentence); });
    if (state.outcome) { this.all("outcome").forEach(function (el) { build(el, state.outcome); }); }
    ["supporters", "reach", "posted", "label", "status_word"].forEach(function (name) {
      if (state[name] === undefined) { return; }
      var shown = typeof state[name] === "number" ? state[name].toLocaleString("en-US") : state[name];
      self.all(name).forEach(function (el) { el.textContent = shown; });
    });
    this.all("progress").forEach(function (el) { el.value = state.progress; el.textContent = state.progress + "%"; });
    Array.prototype.slice.call(this.root.querySelectorAll("[data-live-phases]")).forEach(function (el) {
      el.hidden = el.getAttribute("data-live-phases").split(" ").indexOf(state.phase) < 0;
    });
    this.root.dispatchEvent(new CustomEvent("amplifier:state", {detail: state, bubbles: true}));
  };

  document.querySelectorAll("[data-state-url]").forEach(function (root) {
    var phase = root.getAttribute("data-phase");
    if (["released", "failed", "cancelled"].indexOf(phase) >= 0) { return; }  // nothing will move
    new Live(root);
  });
})();
