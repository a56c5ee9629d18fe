// The seller's forms check before sending: the chosen files' count, size and kind, with the server's
// own limits and messages (read from #form-checks, which the server renders), and the tracking numbers
// marked required for the categories that need them. The server checks everything again.
(function () {
  // the first bytes of each kind the server accepts: it goes by the content, never by the name
  // (portal/services/uploads.py, through the `filetype` package); each kind: alternatives of [offset, bytes]
  var SIGNATURES = {
    "image/png": [[[0, [0x89, 0x50, 0x4E, 0x47]]]],
    "image/jpeg": [[[0, [0xFF, 0xD8, 0xFF]]]],
    "image/gif": [[[0, [0x47, 0x49, 0x46]]]],
    "image/webp": [[[0, [0x52, 0x49, 0x46, 0x46]], [8, [0x57, 0x45, 0x42, 0x50, 0x56, 0x50]]]],
    "application/pdf": [[[0, [0x25, 0x50, 0x44, 0x46]]], [[0, [0xEF, 0xBB, 0xBF, 0x25, 0x50, 0x44, 0x46]]]]
  };

  function setup(rules) {
    function rule(name) { return rules.getAttribute("data-" + name) || ""; }
    var maxBytes = parseInt(rule("max-bytes"), 10), maxFiles = parseInt(rule("max-files"), 10);
    var allowed = rule("types").split(" ").filter(Boolean);

    // the name as the server's message gives it (uploads.sanitize_filename, without the extension)
    function shown(name) {
      name = (name || "").normalize("NFC").replace(/\\/g, "/");
      name = Array.from(name.slice(name.lastIndexOf("/") + 1))
        .filter(function (ch) { return !/[\p{C}<>:"|?*]/u.test(ch); }).join("");
      var stem = name.indexOf(".") >= 0 ? name.slice(0, name.lastIndexOf(".")) : name;
      stem = Array.from(stem.replace(/^[ .]+|[ .]+$/g, "")).slice(0, 120).join("");
      return stem || "attachment";
    }
    function matches(bytes, type, file) {
      var kinds = SIGNATURES[type];
      if (!kinds) return file.type === type; // a kind this script cannot read: the browser's word
      return kinds.some(function (parts) {
        return parts.every(function (part) {
          return part[1].every(function (b, i) { return bytes[part[0] + i] === b; });
        });
      });
    }
    // the first problem, checked in the server's order: count, then each file empty, too large, of a wrong kind
    function fileProblem(file) {
      function say(key) { return rule(key).split("{file}").join(shown(file.name)); }
      if (file.size === 0) return Promise.resolve(say("msg-empty"));
      if (file.size > maxBytes) return Promise.resolve(say("msg-size"));
      return file.slice(0, 16).arrayBuffer().then(function (buffer) {
        var bytes = new Uint8Array(buffer);
        return allowed.some(function (type) { return matches(bytes, type, file); }) ? null : say("msg-type");
      });
    }
    function problem(files) {
      if (files.length > maxFiles) return Promise.resolve(rule("msg-count"));
      return files.reduce(function (chain, file) {
        return chain.then(function (found) { return found || fileProblem(file); });
      }, Promise.resolve(null));
    }
    function show(input, message) {
      var id = input.id + "-client-error", box = document.getElementById(id);
      var field = input.closest(".field") || input.parentNode;
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (d) {
        return d && d !== id;
      });
      if (message) {
        if (!box) {
          box = document.createElement("p");
          box.id = id;
          box.className = "error";
          box.classList.add("client");
          box.setAttribute("role", "alert");
          input.insertAdjacentElement("afterend", box);
        }
        box.textContent = message;
        described.push(id);
        input.setAttribute("aria-invalid", "true");
        field.classList.add("has-error");
      } else {
        if (box) box.remove();
        if (!field.querySelector("p.error")) {
          input.removeAttribute("aria-invalid");
          field.classList.remove("has-error");
        }
      }
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    }

    function guard(input) {
      var state = {done: true, message: null, pending: null};
      function check() {
        state.done = false;
        var run = state.pending = problem(Array.from(input.files || [])).then(function (message) {
          if (run !== state.pending) return state.pending; // another choice of files came meanwhile
          state.done = true;
          state.message = message;
          show(input, message);
          return message;
        });
        return run;
      }
      input.addEventListener("change", check);
      input.form.addEventListener("submit", function (event) {
        if (state.done && !state.message) return;
        event.preventDefault(); // nothing is sent while a file is refused or still being looked at
        if (state.done) { input.focus(); return; }
        state.pending.then(function (message) {
          if (!message) input.form.requestSubmit();
        });
      });
    }
    document.querySelectorAll("input[type=file]").forEach(function (input) { if (input.form) guard(input); });
  }

  // the tracking field says it is required while the category chosen needs tracking numbers
  function trackingMark(rules) {
    var category = document.getElementById("category"), tracking = document.getElementById("tracking_numbers");
    var label = document.querySelector('label[for="tracking_numbers"]');
    if (!category || !tracking || !label) return;
    var needing = (rules.getAttribute("data-tracking-required") || "").split(" ");
    var mark = document.createElement("span");
    mark.className = "required-mark";
    mark.textContent = rules.getAttribute("data-msg-required") || "";
    label.append(" ", mark);
    function sync() {
      var on = needing.indexOf(category.value) >= 0;
      mark.hidden = !on;
      tracking.required = on;
      tracking.setAttribute("aria-required", on ? "true" : "false");
    }
    category.addEventListener("change", sync);
    sync();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var rules = document.getElementById("form-checks");
    if (!rules) return;
    setup(rules);
    trackingMark(rules);
  });
})();
