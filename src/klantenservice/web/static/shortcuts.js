// Keyboard shortcuts of the desk; the list a person sees is templates/desk/_shortcuts.html.
// A page marks its targets with data-shortcut="<key>" (focused; a <summary> opens its
// <details> and focuses the first field) and data-shortcut-go="<key>" (after "g": follow the
// link). Nothing fires while the person types in a field, with a modifier key, or while a
// dialog is open; Escape leaves the field. Ctrl+Enter in a textarea marked
// data-submit-on-ctrl-enter sends its form.
(function () {
  "use strict";
  var awaitingGo = false;
  var goTimer = null;

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return target.isContentEditable || !!target.closest("input, textarea, select, [contenteditable]");
  }

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && !dialog.open && dialog.showModal) { dialog.showModal(); }
  }

  function reveal(element) {
    element.focus();
    if (element.scrollIntoView) { element.scrollIntoView({ block: "center" }); }
  }

  function focusTarget(key) {
    var target = document.querySelector('[data-shortcut="' + key + '"]');
    if (!target) { return false; }
    var details = target.closest("details");
    if (details) { details.open = true; }
    if (target.tagName === "SUMMARY" && details) {
      var first = details.querySelector("select, input:not([type=hidden]), textarea");
      reveal(first || target);
      return true;
    }
    reveal(target);
    return true;
  }

  function go(key) {
    var link = document.querySelector('[data-shortcut-go="' + key + '"]');
    if (!link) { return false; }
    window.location.href = link.href;
    return true;
  }

  function moveInList(step) {  // j / k: the next or previous case of a list
    var links = Array.prototype.slice.call(
      document.querySelectorAll("[data-shortcut-list] a[data-row-link]"));
    if (!links.length) { return false; }
    var at = links.indexOf(document.activeElement);
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1)
      : Math.min(Math.max(at + step, 0), links.length - 1);
    links[next].focus();
    if (links[next].scrollIntoView) { links[next].scrollIntoView({ block: "nearest" }); }
    return true;
  }

  function submitOnCtrlEnter(event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.matches || !field.matches("textarea[data-submit-on-ctrl-enter]")) {
      return;
    }
    event.preventDefault();
    if (field.form && field.form.requestSubmit) { field.form.requestSubmit(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.metaKey) { return; }
    if (event.ctrlKey) { submitOnCtrlEnter(event); return; }
    if (document.querySelector("dialog[open]")) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape" && event.target.blur) { event.target.blur(); }  // leave the field
      return;
    }
    var key = event.key;
    var handled = false;
    if (awaitingGo) {
      awaitingGo = false;
      clearTimeout(goTimer);
      handled = go(key);
    } else if (key === "?") {
      openDialog("shortcuts-help");
      handled = true;
    } else if (key === "g") {
      awaitingGo = true;
      goTimer = setTimeout(function () { awaitingGo = false; }, 1500);
      handled = true;
    } else if (key === "j" || key === "k") {
      handled = moveInList(key === "j" ? 1 : -1);
    } else if (/^[a-z]$/.test(key)) {
      handled = focusTarget(key);
    }
    if (handled) { event.preventDefault(); }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-opens]");
    if (opener) { openDialog(opener.getAttribute("data-opens")); }
  });
})();
