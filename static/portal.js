// Live countdowns for SLA promises, one-shot submit buttons, and inbox auto-refresh.
(function () {
  // the words come translated from the page: <body data-text-due-in="in {time}" data-text-overdue=…>
  function text(name) {
    return document.body.getAttribute("data-text-" + name) || "";
  }
  function fmt(ms) {
    var neg = ms < 0, m = Math.floor(Math.abs(ms) / 60000), h = Math.floor(m / 60);
    var when = text("duration").replace("{h}", h).replace("{m}", String(m % 60).padStart(2, "0"));
    return text(neg ? "overdue" : "due-in").replace("{time}", when) || when;
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (!isNaN(due)) el.textContent = "(" + fmt(due - Date.now()) + ")";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick(); setInterval(tick, 30000);
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        form.querySelectorAll("button[data-once]").forEach(function (b) {
          setTimeout(function () {
            if (event.defaultPrevented) return; // another check held the form back: the button stays usable
            b.disabled = true; b.textContent = text("sending") || b.textContent;
          }, 0);
        });
      });
    });
    var list = document.querySelector("[data-refresh]");
    if (list) {
      setInterval(function () {
        if (document.hidden || document.querySelector("input[type=checkbox]:checked")) return;
        fetch(list.getAttribute("data-refresh"), {headers: {"X-Partial": "1"}, credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) { if (html !== null) { list.innerHTML = html; tick(); } });
      }, 30000);
    }
  });
})();
// Staff ticket page: canned replies fill the reply box; presence heartbeat shows who else is here.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select.canned").forEach(function (sel) {
    sel.addEventListener("change", function () {
      var box = document.getElementById(sel.getAttribute("data-target"));
      if (box && sel.value) { box.value = sel.value; box.focus(); }
    });
  });
  var p = document.querySelector("[data-presence]");
  if (!p) return;
  function beat() {
    var body = new URLSearchParams({csrf_token: p.getAttribute("data-csrf")});
    fetch(p.getAttribute("data-presence"), {method: "POST", body: body, credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        p.querySelector(".presence-names").textContent = data.others.join(", ");
        p.hidden = data.others.length === 0;
      });
  }
  beat(); setInterval(beat, 20000);
});
// Inbox bulk bar: shown only while rows are selected, with the picker of the chosen action.
document.addEventListener("DOMContentLoaded", function () {
  var bar = document.querySelector("[data-bulk]");
  if (!bar) return;
  var action = bar.querySelector("[data-bulk-action]"), count = bar.querySelector("[data-bulk-count]");
  function selected() { return document.querySelectorAll("input[name=refs][form=bulk]:checked").length; }
  function update() {
    var n = selected();
    bar.hidden = n === 0;
    if (count) count.textContent = (bar.getAttribute("data-text-selected") || "{n}").replace("{n}", n);
    bar.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      var on = el.getAttribute("data-bulk-for") === action.value;
      el.hidden = !on;
      el.querySelectorAll("input, select").forEach(function (c) { c.disabled = !on; });
    });
  }
  action.addEventListener("change", update);
  document.addEventListener("change", function (e) { if (e.target.name === "refs") update(); });
  update();
});
