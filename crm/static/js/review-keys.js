// Scoring a QA review with the keyboard (qa/review.html): a number key sets the focused
// criterion's value and moves on, to the next criterion, or to the comment a failing value needs;
// N marks it not applicable; Ctrl+Enter submits the review. The selects work as usual besides.
(function () {
  "use strict";

  var form = document.querySelector("form[data-review-keys]");
  if (!form) {
    return;
  }
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-score]"));
  var submit = form.querySelector("[data-submit-review]");
  //: how long a digit waits for a second one on a points scale that goes past 9
  var DIGIT_PAUSE_MS = 800;
  var pending = { select: null, digits: "", timer: null };

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value === value;
    });
  }

  function longerOptionStartsWith(select, digits) {
    return Array.prototype.some.call(select.options, function (option) {
      return option.value.length > digits.length && option.value.indexOf(digits) === 0;
    });
  }

  // The same rule as crm/qa/scoring.py: below half the credit fails.
  function fails(select) {
    var value = Number(select.value);
    var low = Number(select.getAttribute("data-low"));
    var high = Number(select.getAttribute("data-high"));
    return select.value !== "" && select.value !== "na" && (value - low) / (high - low) < 0.5;
  }

  function moveOn(select) {
    var row = select.closest(".qa-criterion");
    var comment = row && row.querySelector("textarea");
    if (fails(select) && comment) {
      comment.focus();
      return;
    }
    var next = selects[selects.indexOf(select) + 1];
    (next || submit).focus();
  }

  function choose(select, value) {
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function settle() {
    var select = pending.select;
    clearTimeout(pending.timer);
    pending = { select: null, digits: "", timer: null };
    if (select) {
      moveOn(select);
    }
  }

  selects.forEach(function (select) {
    select.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.altKey || event.metaKey) {
        return;
      }
      if (/^[0-9]$/.test(event.key)) {
        event.preventDefault();
        var digits = (pending.select === select ? pending.digits : "") + event.key;
        if (!hasOption(select, digits)) {
          digits = event.key;
          if (!hasOption(select, digits)) {
            return;
          }
        }
        clearTimeout(pending.timer);
        choose(select, digits);
        if (longerOptionStartsWith(select, digits)) {
          pending = { select: select, digits: digits, timer: setTimeout(settle, DIGIT_PAUSE_MS) };
        } else {
          pending.select = select;
          settle();
        }
      } else if ((event.key === "n" || event.key === "N") && hasOption(select, "na")) {
        event.preventDefault();
        choose(select, "na");
        pending.select = select;
        settle();
      }
    });
    select.addEventListener("blur", function () {
      if (pending.select === select) {
        clearTimeout(pending.timer);
        pending = { select: null, digits: "", timer: null };
      }
    });
  });

  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit(submit);
    }
  });

  // Start where the work is: the first criterion with an error, else the first not scored yet.
  var start = form.querySelector("select.is-invalid, textarea.is-invalid") ||
    selects.filter(function (select) { return select.value === ""; })[0];
  if (start) {
    start.focus();
  }
})();
