// The case page: "Insert template" and the promise countdowns (templates/desk/case.html).
(function () {
  "use strict";

  // Insert the chosen template's text (filled in by the server, plain text) into the reply
  // box at the cursor. Without this script the form reloads the page with the text filled in.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "template-picker") { return; }
    var select = form.querySelector("select");
    var box = document.getElementById("reply-body");
    var option = select ? select.options[select.selectedIndex] : null;
    if (!box || !option) { return; }
    event.preventDefault();
    box.focus();
    box.setRangeText(option.getAttribute("data-text") || "", box.selectionStart, box.selectionEnd, "end");
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });

  // Countdowns: wall-clock time until a clock's due instant, ticking every second. The
  // server's "now" is on each timer, so a browser whose clock is off still counts right.
  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function format(ms) {
    var total = Math.floor(Math.abs(ms) / 1000);
    var days = Math.floor(total / 86400);
    var hours = Math.floor((total % 86400) / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var clock = pad(hours) + ":" + pad(minutes) + ":" + pad(total % 60);
    return days ? days + "d " + clock : clock;
  }

  function tick() {
    var timers = document.querySelectorAll(".countdown[data-due]");
    Array.prototype.forEach.call(timers, function (timer) {
      if (!timer.dataset.offset) {
        timer.dataset.offset = String(Date.parse(timer.dataset.now) - Date.now());
      }
      var left = Date.parse(timer.dataset.due) - (Date.now() + Number(timer.dataset.offset));
      var text = left >= 0 ? timer.dataset.textLeft : timer.dataset.textOver;
      timer.textContent = (text || "{time}").replace("{time}", format(left));
      timer.classList.toggle("overdue", left < 0);
    });
  }

  tick();
  setInterval(tick, 1000);
})();
