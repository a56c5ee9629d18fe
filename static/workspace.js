// Staff ticket page: reply / internal-note tabs, keyboard shortcuts (j/k next and previous ticket,
// r reply, n note, ? help, Ctrl/Cmd+Enter send) and the remembered "go to the next ticket" choice.
document.addEventListener("DOMContentLoaded", function () {
  var composer = document.querySelector("[data-composer]");
  var dialog = document.getElementById("shortcuts");
  var opener = document.querySelector("[data-shortcuts-open]");

  function show(which, focus) {
    if (!composer) return;
    composer.setAttribute("data-active", which);
    composer.querySelectorAll("[data-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === which;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
    });
    composer.querySelectorAll("[data-pane]").forEach(function (pane) {
      pane.hidden = pane.getAttribute("data-pane") !== which;
    });
    if (focus) {
      var box = composer.querySelector("[data-pane=" + which + "] textarea");
      if (box) { box.focus(); box.scrollIntoView({block: "center"}); }
    }
  }

  if (composer) {
    var tablist = composer.querySelector("[role=tablist]");
    tablist.hidden = false;
    composer.classList.add("tabbed");
    show(composer.getAttribute("data-active") || "reply", false);
    tablist.addEventListener("click", function (e) {
      var tab = e.target.closest("[data-tab]");
      if (tab) show(tab.getAttribute("data-tab"), true);
    });
    tablist.addEventListener("keydown", function (e) {  // arrow keys move between the two tabs
      if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
      var next = composer.getAttribute("data-active") === "reply" ? "note" : "reply";
      show(next, false);
      composer.querySelector("[data-tab=" + next + "]").focus();
      e.preventDefault();
    });
  }

  // the "after sending, go to the next ticket" box keeps the agent's last choice on this browser
  document.querySelectorAll("input[data-remember]").forEach(function (box) {
    var key = "portal." + box.getAttribute("data-remember");
    try { box.checked = window.localStorage.getItem(key) === "1"; } catch (err) { /* storage off */ }
    box.addEventListener("change", function () {
      try { window.localStorage.setItem(key, box.checked ? "1" : "0"); } catch (err) { /* storage off */ }
    });
  });

  var returnTo = null;
  function openHelp() {
    if (!dialog || dialog.open) return;
    returnTo = document.activeElement;
    dialog.showModal();
  }
  if (dialog) {
    dialog.addEventListener("close", function () {
      if (returnTo && typeof returnTo.focus === "function") returnTo.focus();
    });
  }
  if (opener && dialog) {
    opener.hidden = false;
    opener.addEventListener("click", openHelp);
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(checkbox|radio|button|submit|reset|file)$/i.test(el.type));
  }

  document.addEventListener("keydown", function (e) {
    if (e.keyCode === 13 && (e.ctrlKey || e.metaKey)) {  // Ctrl/Cmd+Enter
      var form = e.target.closest && e.target.closest("form[data-send]");
      if (form) {
        e.preventDefault();
        form.requestSubmit(form.querySelector("button[type=submit].primary") || undefined);
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || (dialog && dialog.open)) return;
    var link;
    switch (e.key) {
      case "j": case "k":
        link = document.querySelector("a[data-key=" + e.key + "]");
        if (link) { e.preventDefault(); window.location.href = link.href; }
        break;
      case "r": e.preventDefault(); show("reply", true); break;
      case "n": e.preventDefault(); show("note", true); break;
      case "?": e.preventDefault(); openHelp(); break;
    }
  });
});
