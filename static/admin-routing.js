// Routing rules editor: says at once whether the JSON parses, and can re-indent it.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-json-editor]").forEach(function (box) {
    var form = box.form;
    var status = form.querySelector("[data-json-status]");
    var format = form.querySelector("[data-json-format]");
    box.style.fontFamily = "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";
    box.style.fontSize = "0.85rem";
    function parse() {
      try {
        return {value: JSON.parse(box.value)};
      } catch (err) {
        return {error: err.message};
      }
    }
    // the browser's own message is in the browser's language: the page says where, in its own
    function invalid(error) {
      var told = status.getAttribute("data-text-invalid-at");
      var place = /line (\d+) column (\d+)/.exec(error);  // Firefox, and Chromium after the position
      if (place) return told.replace("{line}", place[1]).replace("{column}", place[2]);
      var at = /position (\d+)/.exec(error);
      if (!at) return status.getAttribute("data-text-invalid");
      var before = box.value.slice(0, Number(at[1])).split("\n");
      return told.replace("{line}", before.length).replace("{column}", before[before.length - 1].length + 1);
    }
    function check() {
      var result = parse();
      status.hidden = false;
      // the texts come translated from the page
      status.textContent = result.error ? invalid(result.error) : status.getAttribute("data-text-valid");
      status.className = result.error ? "error" : "muted";
      return result;
    }
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
    if (format) {
      format.hidden = false;
      format.addEventListener("click", function () {
        var result = check();
        if (!result.error) box.value = JSON.stringify(result.value, null, 2);
      });
    }
  });
});

// Routing rules form: as keywords are typed, show the form each also matches without case or diacritics
// (the server shows the same after every post-back; routing/text.py normalize_text is the reference).
document.addEventListener("DOMContentLoaded", function () {
  function fold(text) {
    return text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d")
      .split(/\s+/).filter(Boolean).join(" ");
  }
  document.querySelectorAll("[data-keyword-forms]").forEach(function (line) {
    var box = document.getElementById(line.getAttribute("data-keyword-forms"));
    var label = line.closest("form").getAttribute("data-text-also");
    if (!box) return;
    box.addEventListener("input", function () {
      line.textContent = label + " ";
      var shown = 0;
      box.value.split(/\r?\n/).forEach(function (keyword) {
        var plain = keyword.trim().toLowerCase().split(/\s+/).join(" ");
        var folded = fold(keyword);
        if (!folded || folded === plain) return;
        if (shown++) line.appendChild(document.createTextNode(", "));
        var original = document.createElement("q");
        original.textContent = keyword.trim();
        var matched = document.createElement("q");
        matched.lang = "vi";
        matched.textContent = folded;
        line.append(original, " = ", matched);
      });
      line.hidden = shown === 0;
    });
  });
});
