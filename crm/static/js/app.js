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
