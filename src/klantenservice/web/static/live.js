// Live updates of the desk (docs/subsystems/live.md, docs/subsystems/desk.md). One EventSource
// on /api/v1/live per page. An event is only a hint (topic and ids): the page refetches its
// parts through the ordinary, permission-checked desk pages with htmx.
//
//   data-live="case"   data-live-url: a fragment of out-of-band parts (swap "none"), fetched
//                      when an event names one of data-live-cases (case_id, source_id, target_id)
//   data-live="inbox"  the element holding the inbox results: refetched with the page's own
//                      address (its filters), for any case or message event
//
// Events are coalesced (one refetch per burst), skipped while the tab is hidden (refetched
// when it shows again) and deduplicated on their outbox id. live.resync refetches everything.
(function () {
  "use strict";
  var TOPICS = [
    "message.received", "message.sent", "note.added", "case.created", "case.assigned",
    "case.unassigned", "case.status_changed", "case.priority_changed", "case.edited",
    "case.merged", "case.transferred", "promise.warning", "promise.breached"
  ];
  var DELAY = { "case": 200, "inbox": 1000 };
  var roots = Array.prototype.slice.call(document.querySelectorAll("[data-live]"));
  if (!roots.length || !window.EventSource || !window.htmx) { return; }
  var timers = new Map();
  var hiddenChanges = new Set();
  var seen = new Set();

  function concerns(root, event) {
    if (root.dataset.live !== "case") { return true; }
    var ids = (root.dataset.liveCases || "").split(",");
    return ["case_id", "source_id", "target_id"].some(function (key) {
      return event[key] !== undefined && event[key] !== null && ids.indexOf(String(event[key])) >= 0;
    });
  }

  function timelineCount() {
    var timeline = document.getElementById("case-timeline");
    return timeline ? Number(timeline.dataset.count || 0) : 0;
  }

  function announce(root, before) {
    var status = document.getElementById("live-status");
    if (status && timelineCount() !== before) { status.textContent = root.dataset.liveAnnounce || ""; }
  }

  function refetchInbox(root) {
    var focused = document.activeElement;
    var href = focused && root.contains(focused) ? focused.getAttribute("href") : null;
    var url = window.location.pathname + window.location.search;
    window.htmx.ajax("GET", url, { target: root, swap: "innerHTML" }).then(function () {
      if (!href) { return; }
      var again = root.querySelector('a[href="' + href.replace(/"/g, "") + '"]');
      if (again) { again.focus(); }
    });
  }

  function refetch(root) {
    if (document.hidden) { hiddenChanges.add(root); return; }
    if (root.dataset.live === "inbox") { refetchInbox(root); return; }
    var before = timelineCount();
    window.htmx.ajax("GET", root.dataset.liveUrl, { target: root, swap: "none" }).then(function () {
      announce(root, before);
    });
  }

  function schedule(root) {
    if (timers.has(root)) { return; }
    timers.set(root, setTimeout(function () {
      timers.delete(root);
      refetch(root);
    }, DELAY[root.dataset.live] || 500));
  }

  function onEvent(message) {
    var event;
    try { event = JSON.parse(message.data); } catch (error) { return; }
    if (event.id !== undefined) {
      if (seen.has(event.id)) { return; }
      if (seen.size > 1000) { seen.clear(); }
      seen.add(event.id);
    }
    roots.forEach(function (root) { if (concerns(root, event)) { schedule(root); } });
  }

  var source = new EventSource("/api/v1/live?topic=" + encodeURIComponent("case.*,message.*,note.*,promise.*"));
  TOPICS.forEach(function (topic) { source.addEventListener(topic, onEvent); });
  source.addEventListener("live.resync", function () { roots.forEach(schedule); });
  source.addEventListener("live.ready", function () {
    document.body.setAttribute("data-live-connected", "true");  // tests wait for this
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { return; }
    hiddenChanges.forEach(schedule);
    hiddenChanges.clear();
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
