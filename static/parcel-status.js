// The seller form's parcel statuses, shown under the tracking field as the seller types (delivery and
// order/return questions only): the status page's own answer, asked for as a fragment (?partial=1) and
// put in a live region. Without this script, "Check status" opens the same page.
(function () {
  var NUMBER = /^[A-Z0-9][A-Z0-9-]{5,38}[A-Z0-9]$/;  // normalize.TRACKING_RE: only whole numbers are asked
  var WAIT_MS = 600;

  function start(box) {
    var form = box.closest("form");
    var field = form.querySelector("#tracking_numbers");
    var category = form.querySelector("#category");
    var region = box.querySelector("[role=status]");
    var check = box.querySelector("button");
    var wanted = (box.getAttribute("data-categories") || "").split(" ");
    var timer = null, asked = "", latest = 0;

    function numbers() {
      return field.value.toUpperCase().split(/[\s,;]+/).filter(function (n) { return NUMBER.test(n); });
    }
    function show(html) { region.innerHTML = html; }
    function ask(again) {
      var applies = wanted.indexOf(category.value) >= 0, list = numbers();
      box.hidden = !applies;
      if (!applies || !list.length) { asked = ""; show(""); return; }
      var query = "tracking=" + encodeURIComponent(list.join(" ")) + "&category=" + encodeURIComponent(category.value);
      if (query === asked && !again) return;
      asked = query;
      var mine = ++latest;
      fetch(box.getAttribute("data-parcel-status") + "?partial=1&" + query, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (mine === latest) show(html); })
        .catch(function () { if (mine === latest) { asked = ""; show(""); } });
    }

    field.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, WAIT_MS); });
    category.addEventListener("change", function () { ask(false); });
    check.addEventListener("click", function (event) { event.preventDefault(); ask(true); });
    region.addEventListener("click", function (event) {
      if (!event.target.closest("[data-still-need-help]")) return;
      // "I still need help": the statuses stay in view, the choice goes, the seller writes on
      region.querySelectorAll(".parcel-question, .parcel-choices").forEach(function (el) { el.remove(); });
      form.querySelector("#description").focus();
    });
    ask(false);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-parcel-status]").forEach(start);
  });
})();
