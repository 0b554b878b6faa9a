// The exam score grid: a paste from Excel is previewed by the server and applied person by
// person, and every value is checked as it is typed (moving around: key-grid.js).
(function () {
  "use strict";

  var grid = document.querySelector("form[data-score-grid]");
  if (!grid) {
    return;
  }
  var max = parseFloat(grid.getAttribute("data-max"));
  var inputs = Array.prototype.slice.call(grid.querySelectorAll(".score-input"));

  function check(input) {
    var text = input.value.trim();
    var feedback = input.parentElement.querySelector(".score-feedback");
    var message = "";
    if (text !== "") {
      var value = Number(text);
      if (!/^-?\d+(\.\d+)?$/.test(text) || isNaN(value)) {
        message = grid.getAttribute("data-msg-number");
      } else if (value < 0 || value > max) {
        message = grid.getAttribute("data-msg-range");
      }
    }
    input.classList.toggle("is-invalid", message !== "");
    input.setAttribute("aria-invalid", message !== "" ? "true" : "false");
    if (feedback) {
      feedback.textContent = message;
    }
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () { check(input); });
    input.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      if (!/[\r\n\t]/.test(text.replace(/(\r?\n)$/, ""))) {
        return; // one value: pasted into this box as usual
      }
      event.preventDefault();
      preview(text);
    });
  });

  // After "all present" the trainer goes on to the scores: the cursor waits in the first empty one.
  if (new URLSearchParams(window.location.search).get("focus") === "results") {
    var empty = inputs.filter(function (input) { return input.value === ""; })[0];
    if (empty) {
      empty.focus();
    }
  }

  // Which pasted score goes to whom is decided by the server (crm/training/paste.py), which
  // answers a preview; the grid is filled only when the trainer applies it.
  var box = document.getElementById("paste-preview");

  function preview(text) {
    var body = new FormData();
    body.append("text", text);
    body.append("csrf_token", grid.querySelector("input[name=csrf_token]").value);
    fetch(grid.getAttribute("data-paste-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin"
    }).then(function (response) {
      return response.text();
    }).then(function (html) {
      box.innerHTML = html;
    });
  }

  box.addEventListener("click", function (event) {
    if (event.target.closest("[data-paste-apply]")) {
      box.querySelectorAll("tr[data-user-id]").forEach(function (row) {
        var target = grid.querySelector("input[name='score-" + row.getAttribute("data-user-id") + "']");
        if (target) {
          target.value = row.getAttribute("data-score");
          check(target);
        }
      });
      box.innerHTML = "";
    } else if (event.target.closest("[data-paste-cancel]")) {
      box.innerHTML = "";
    }
  });
})();
