// Behaviour shared by every page; no inline scripts, so the CSP can forbid them.
(function () {
  "use strict";

  // Ask before a destructive or irreversible action: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // htmx requests carry the CSRF token through the hx-headers of <body> (base.html), not a
  // listener here: a listener would add it to requests of any element, injected ones too.
})();

// Upload progress for forms marked data-upload-progress (large import files).
document.addEventListener("htmx:xhr:progress", function (event) {
  var form = event.target.closest("[data-upload-progress]");
  var bar = form && form.querySelector("progress");
  if (bar && event.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  }
});

// A file over the server's limit (<form data-max-bytes>) is refused before it is sent: the server
// would refuse it unread, and a browser cut off in the middle of an upload shows no answer.
function uploadTooLarge(form) {
  var limit = Number(form.getAttribute("data-max-bytes"));
  return Array.prototype.some.call(form.querySelectorAll('input[type="file"]'), function (input) {
    return Array.prototype.some.call(input.files || [], function (file) {
      return file.size > limit;
    });
  });
}

function showTooLarge(form, shown) {
  var alert = form.querySelector("[data-too-large]");
  if (alert) {
    alert.hidden = !shown;
  }
}

document.addEventListener("htmx:beforeRequest", function (event) {
  var form = event.detail.elt.closest("form[data-max-bytes]");
  if (form) {
    var tooLarge = uploadTooLarge(form);
    showTooLarge(form, tooLarge);
    if (tooLarge) {
      event.preventDefault();
    }
  }
});

document.addEventListener("htmx:responseError", function (event) {
  var form = event.detail.elt.closest("form[data-max-bytes]");
  if (form && event.detail.xhr.status === 413) {
    showTooLarge(form, true);
  }
});

// A print button (data-print): the print stylesheet hides navigation and forms.
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// The search box in the navigation bar is a combobox over the hits htmx puts under it: the
// arrow keys move the active hit (announced through aria-activedescendant while the focus stays
// in the box, so the agent can go on typing), Enter opens it, Shift+Enter opens the customer at
// the interaction form, Escape closes the list.
(function () {
  "use strict";

  var box = document.getElementById("quick-search");
  var results = document.getElementById("quick-search-results");
  if (!box || !results) {
    return;
  }

  function options() {
    return Array.prototype.slice.call(results.querySelectorAll("[role=option]"));
  }

  function activate(option) {
    options().forEach(function (other) {
      var active = other === option;
      other.classList.toggle("active", active);
      other.setAttribute("aria-selected", active ? "true" : "false");
    });
    if (option) {
      box.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      box.removeAttribute("aria-activedescendant");
    }
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target === results) {
      box.setAttribute("aria-expanded", options().length ? "true" : "false");
      activate(null);
    }
  });

  box.addEventListener("keydown", function (event) {
    var all = options();
    var current = all.indexOf(document.getElementById(box.getAttribute("aria-activedescendant")));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) {
        return;
      }
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      activate(all[(current + step + all.length + (current < 0 && step < 0 ? 1 : 0)) % all.length]);
    } else if (event.key === "Enter" && current >= 0) {
      event.preventDefault();
      var option = all[current];
      window.location.assign(event.shiftKey ? option.getAttribute("data-log-href") : option.href);
    } else if (event.key === "Escape" && all.length) {
      event.preventDefault();
      results.textContent = "";
      box.setAttribute("aria-expanded", "false");
      activate(null);
    }
  });
})();

// A link to a form marked data-focus-form="<field id>" (the customer page's "Log contact" to
// #log) also puts the cursor in that field, on the click and when the page opens at the anchor.
function focusAnchoredForm(hash) {
  var target = hash && hash.length > 1 && document.getElementById(hash.slice(1));
  var field = target && document.getElementById(target.getAttribute("data-focus-form") || "");
  if (field) {
    field.focus();
  }
}

document.addEventListener("click", function (event) {
  var anchor = event.target.closest && event.target.closest('a[href^="#"]');
  if (anchor) {
    // After the browser's own jump to the anchor, which would otherwise take the focus back.
    window.setTimeout(focusAnchoredForm, 0, anchor.getAttribute("href"));
  }
});

// A page opened to fill one of these forms (?log=1 marks its field autofocus) shows the field:
// autofocus alone leaves it below the fold on a phone.
document.addEventListener("DOMContentLoaded", function () {
  var field = document.querySelector("[data-focus-form] [autofocus]");
  if (field) {
    field.scrollIntoView({ block: "center" });
    field.focus();
  } else {
    focusAnchoredForm(window.location.hash);
  }
});
