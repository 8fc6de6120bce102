// Klantenservice chat widget: the one script a bank puts on its pages.
//
//   <script src="https://<klantenservice>/static/widget/embed.js" data-lang="nl" defer></script>
//
// It adds one iframe, served by Klantenservice (/chat/), in the bottom-right corner. The
// launcher button and the chat live inside that iframe, so our Content-Security-Policy,
// storage and texts stay ours and the bank's page cannot read the conversation. The iframe
// only tells this script when to grow (chat open) or shrink (closed), and its title.
// data-lang: "nl" or "en"; without it the browser's language is used.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__klantenserviceChat) { return; }
  window.__klantenserviceChat = true;

  var origin = new URL(script.src, document.baseURI).origin;
  var lang = (script.getAttribute("data-lang") || navigator.language || "nl").slice(0, 2);
  var closed = { width: "230px", height: "84px" };

  var frame = document.createElement("iframe");
  frame.src = origin + "/chat/?lang=" + encodeURIComponent(lang.toLowerCase());
  frame.title = "Chat";
  frame.setAttribute("data-klantenservice-chat", "");
  var style = frame.style;
  style.position = "fixed";
  style.right = "0";
  style.bottom = "0";
  style.width = closed.width;
  style.height = closed.height;
  style.maxWidth = "100vw";
  style.maxHeight = "100vh";
  style.border = "0";
  style.background = "transparent";
  style.colorScheme = "normal";
  style.zIndex = "2147483000";

  function open() {
    var small = window.innerWidth < 480;
    style.width = small ? "100vw" : "410px";
    style.height = small ? "100vh" : "min(680px, 100vh)";
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.klantenserviceChat === "open") { open(); }
    if (data.klantenserviceChat === "closed") {
      style.width = closed.width;
      style.height = closed.height;
    }
    if (data.klantenserviceChat === "title" && typeof data.title === "string") {
      frame.title = data.title.slice(0, 100);
    }
  });

  function mount() { document.body.appendChild(frame); }
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
