// The portal's only script besides htmx. htmx does not swap error answers (other than the
// 422 of a form with problems, configured in the page); the portal answers htmx requests
// that fail with a plain-text message, shown here in the alert region (as text, never as
// HTML). The next successful request clears it.
(function () {
  "use strict";
  function alerts() { return document.getElementById("alerts"); }
  function show(text) {
    var box = alerts();
    if (!box) { return; }
    box.textContent = text;
    box.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    show((xhr && xhr.responseText) || String(xhr ? xhr.status : ""));
  });
  document.addEventListener("htmx:sendError", function () {
    var box = alerts();
    show(box ? box.dataset.networkError : "");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var box = alerts();
    if (box && event.detail.successful) { box.hidden = true; box.textContent = ""; }
  });
})();
