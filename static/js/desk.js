/* Một cửa desk workspace: small progressive enhancements. Every page works without it. */
(function () {
  "use strict";

  // Step 1 of reception: filter the procedures while typing (the same server search), and
  // move through the results with the arrow keys.
  function liveProcedureSearch(form) {
    var input = form.querySelector("input[name=q]");
    var target = document.getElementById("procedure-results");
    if (!input || !target || !window.fetch) return;
    var timer = null;
    var last = input.value;
    var pending = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var query = input.value.trim();
        if (query === last) return;
        last = query;
        if (pending) pending.abort();
        pending = new AbortController();
        var url = form.getAttribute("data-live") + "?partial=1&q=" + encodeURIComponent(query);
        fetch(url, { credentials: "same-origin", signal: pending.signal })
          .then(function (response) { return response.ok ? response.text() : null; })
          .then(function (html) {
            if (html === null || html === target.innerHTML) return;
            // Keep the keyboard where it was: a refreshed list must not drop the focus.
            var hadFocus = target.contains(document.activeElement);
            target.innerHTML = html;
            if (hadFocus && links().length) links()[0].focus();
          })
          .catch(function () {});
      }, 180);
    });
    function links() { return Array.prototype.slice.call(target.querySelectorAll("a")); }
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && links().length) {
        event.preventDefault();
        links()[0].focus();
      }
    });
    target.addEventListener("keydown", function (event) {
      var all = links();
      var index = all.indexOf(document.activeElement);
      if (index < 0) return;
      if (event.key === "ArrowDown" && index < all.length - 1) {
        event.preventDefault();
        all[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        (index === 0 ? input : all[index - 1]).focus();
      }
    });
  }

  // Step 2: say which required documents are still unticked, next to the buttons.
  function missingDocuments(form) {
    var note = document.getElementById("missing-live");
    if (!note) return;
    var rows = Array.prototype.slice.call(form.querySelectorAll(".checklist tr[data-required='1']"));
    var label = note.getAttribute("data-label") || "Còn thiếu giấy tờ bắt buộc: ";
    function update() {
      var names = rows
        .filter(function (row) {
          var box = row.querySelector("input[type=checkbox]");
          var reused = row.querySelector(".reuse input:checked");  // taken from the store
          return box && !box.checked && !reused;
        })
        .map(function (row) { return row.querySelector(".docname").textContent.trim(); });
      note.hidden = names.length === 0;
      note.textContent = names.length ? label + names.join("; ") : "";
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var search = document.querySelector("form[data-live]");
    if (search) liveProcedureSearch(search);
    var receive = document.querySelector(".receive-form");
    if (receive) missingDocuments(receive);
    // After a refused submission, start where the problem is.
    var invalid = document.querySelector("[aria-invalid=true], .checklist tr.has-error input");
    if (invalid) invalid.focus();
  });
})();
