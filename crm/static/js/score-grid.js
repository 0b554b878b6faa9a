// The exam score grid: Enter moves to the next person, a column pasted from Excel fills the
// rows from the one pasted into, and every value is checked as it is typed.
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

  inputs.forEach(function (input, index) {
    input.addEventListener("input", function () { check(input); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var next = inputs[index + 1];
        if (next) {
          next.focus();
        } else {
          grid.querySelector("button[type=submit]").focus();
        }
      }
    });
    input.addEventListener("paste", function (event) {
      var text = (event.clipboardData || window.clipboardData).getData("text");
      var values = text.split(/\r?\n/).filter(function (line) { return line.trim() !== ""; });
      if (values.length < 2) {
        return;
      }
      event.preventDefault();
      values.forEach(function (value, offset) {
        var target = inputs[index + offset];
        if (target) {
          target.value = value.split("\t")[0].trim();
          check(target);
        }
      });
    });
  });
})();
