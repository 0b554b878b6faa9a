// Spreadsheet keys in the grids of a training session (<table data-key-grid>): the arrow keys
// move between the rows and columns of the table's fields, Enter moves down (from the last row
// to the form's save button). In a text box Left and Right move the caret until it reaches the
// box's edge, as in a spreadsheet's cell being edited; radio buttons are ticked with Space.
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled])";

  function setUp(table) {
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);

    function fields(row) {
      return Array.prototype.slice.call(row.querySelectorAll(FIELDS));
    }

    // The field in the same column of the nearest row in the direction of ``step`` that has one.
    function vertical(rowIndex, column, step) {
      for (var index = rowIndex + step; index >= 0 && index < rows.length; index += step) {
        var list = fields(rows[index]);
        if (list.length) {
          return list[Math.min(column, list.length - 1)];
        }
      }
      return null;
    }

    function isTextBox(field) {
      return field.tagName === "INPUT" && field.type !== "radio" && field.type !== "checkbox";
    }

    function atEdge(field, key) {
      if (!isTextBox(field) || field.selectionStart === null) {
        return true;
      }
      if (field.selectionStart !== field.selectionEnd) {
        return false;
      }
      return key === "ArrowLeft" ? field.selectionStart === 0 : field.selectionEnd === field.value.length;
    }

    table.addEventListener("keydown", function (event) {
      var field = event.target;
      var row = field.closest && field.closest("tr");
      var rowIndex = rows.indexOf(row);
      if (rowIndex < 0 || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
        return;
      }
      var list = fields(row);
      var column = list.indexOf(field);
      if (column < 0 || field.tagName === "SELECT") {
        return; // a select keeps its own arrow keys
      }
      var target = null;
      if (event.key === "ArrowDown" || event.key === "Enter") {
        target = vertical(rowIndex, column, 1);
        if (!target && event.key === "Enter") {
          target = field.form && field.form.querySelector("button[type=submit]");
        }
      } else if (event.key === "ArrowUp") {
        target = vertical(rowIndex, column, -1);
      } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        if (!atEdge(field, event.key)) {
          return;
        }
        target = list[column + (event.key === "ArrowLeft" ? -1 : 1)];
      } else {
        return;
      }
      event.preventDefault(); // also keeps the radios' arrows from ticking, and Enter from saving
      if (target) {
        target.focus();
        if (isTextBox(target)) {
          target.select();
        }
      }
    });
  }

  document.querySelectorAll("table[data-key-grid]").forEach(setUp);
})();
