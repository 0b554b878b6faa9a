// Tag-style picker over a list of checkboxes (<fieldset data-token-picker>): the chosen ones
// show as tokens above the list (a token's button unticks it), and a search box filters the
// list. Without scripts the plain checkboxes still work.
(function () {
  "use strict";

  function setUp(picker) {
    var tokens = picker.querySelector("[data-tokens]");
    var filter = picker.querySelector("[data-filter]");
    var boxes = Array.prototype.slice.call(picker.querySelectorAll("input[type=checkbox]"));

    function labelOf(box) {
      return picker.querySelector("label[for='" + box.id + "']").textContent.trim();
    }

    function render() {
      tokens.textContent = "";
      var chosen = boxes.filter(function (box) { return box.checked; });
      if (!chosen.length) {
        var empty = document.createElement("span");
        empty.className = "text-muted small";
        empty.textContent = tokens.getAttribute("data-empty");
        tokens.appendChild(empty);
      }
      chosen.forEach(function (box) {
        var token = document.createElement("button");
        token.type = "button";
        token.className = "btn btn-sm btn-secondary";
        token.setAttribute("data-token", box.value);
        token.setAttribute("aria-label", tokens.getAttribute("data-remove") + " " + labelOf(box));
        token.textContent = labelOf(box) + " \u00d7";
        token.addEventListener("click", function () {
          box.checked = false;
          render();
          box.focus();
        });
        tokens.appendChild(token);
      });
    }

    filter.hidden = false;
    filter.addEventListener("input", function () {
      var wanted = filter.value.trim().toLowerCase();
      boxes.forEach(function (box) {
        var option = box.closest("[data-option]");
        option.hidden = wanted !== "" && labelOf(box).toLowerCase().indexOf(wanted) === -1;
      });
    });
    // Enter in the search box ticks the only match instead of submitting the form.
    filter.addEventListener("keydown", function (event) {
      if (event.key !== "Enter") {
        return;
      }
      event.preventDefault();
      var shown = boxes.filter(function (box) { return !box.closest("[data-option]").hidden; });
      if (shown.length === 1) {
        shown[0].checked = true;
        filter.value = "";
        filter.dispatchEvent(new Event("input"));
        render();
      }
    });
    boxes.forEach(function (box) { box.addEventListener("change", render); });
    render();
  }

  document.querySelectorAll("[data-token-picker]").forEach(setUp);
})();
