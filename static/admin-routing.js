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
    function check() {
      var result = parse();
      status.hidden = false;
      // the texts come translated from the page
      status.textContent = result.error ? status.getAttribute("data-text-invalid").replace("{error}", result.error)
                                        : status.getAttribute("data-text-valid");
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
