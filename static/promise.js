// The seller form lists the promise of every kind of problem; show the chosen kind's only.
(function () {
  function init() {
    var box = document.getElementById("promises");
    var select = document.getElementById("category");
    if (!box || !select) return;
    var items = box.querySelectorAll("li[data-category]");
    function show() {
      var any = false;
      items.forEach(function (item) {
        var match = item.getAttribute("data-category") === select.value;
        item.hidden = !match;
        any = any || match;
      });
      if (!any) items.forEach(function (item) { item.hidden = false; });
    }
    select.addEventListener("change", show);
    show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
