// The supervisor view's live refresh. The board (#supervisor-board) asks htmx for a fresh copy
// of itself on the "ks-live" event and every 30 seconds (its hx-trigger); this script fires
// "ks-live" when /api/v1/live (Server-Sent Events) reports a change to a case, a promise or
// an agent. Bursts are folded into one refresh at most every 500 ms. A live event carries
// ids only; the board is re-read from the server, so nothing here trusts the event's data.
(function () {
  "use strict";
  var TOPICS = [
    "case.created", "case.assigned", "case.unassigned", "case.status_changed",
    "case.priority_changed", "case.edited", "case.merged", "case.transferred",
    "message.received", "promise.warning", "promise.breached",
    "agent.presence_changed", "live.resync"
  ];
  var board = document.getElementById("supervisor-board");
  if (!board || !window.EventSource) { return; }
  var pending = null;
  function refresh() {
    pending = null;
    document.body.dispatchEvent(new CustomEvent("ks-live"));
  }
  function soon() {
    if (pending === null) { pending = window.setTimeout(refresh, 500); }
  }
  var source = new EventSource(board.dataset.liveUrl);
  TOPICS.forEach(function (topic) { source.addEventListener(topic, soon); });
  document.body.dataset.liveConnected = "false";
  source.addEventListener("live.ready", function () {
    document.body.dataset.liveConnected = "true";
  });
})();
