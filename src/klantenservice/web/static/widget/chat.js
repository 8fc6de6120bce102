// The chat page inside the widget's iframe (templates/widget/chat.html).
//
// Protocol and resume rule: docs/subsystems/chat.md. In short: every message has an id; this
// script remembers the highest id it has shown and sends it when it (re)connects; the server
// first replays what came after it, then streams. Messages are shown once per id, in id
// order, whatever arrives twice. A message the customer writes gets a random client id and is
// sent again, with the same id, after a reconnect until the server confirms it; the server
// stores it once per client id.
//
// Texts come from the page (data-t-* on <body>, translated by the server); customer and agent
// text is always inserted as text (textContent), never as HTML.
(function () {
  "use strict";
  var body = document.body;
  var TOKEN_KEY = "klantenservice-chat-token";
  var OPEN_KEY = "klantenservice-chat-open";
  var MAX_DELAY = 10000;

  function $(id) { return document.getElementById(id); }
  function t(name) { return body.getAttribute("data-t-" + name) || ""; }

  var launcher = $("ks-launcher"), panel = $("ks-panel"), closeButton = $("ks-close");
  var alertBox = $("ks-alert"), startForm = $("ks-start"), chat = $("ks-chat");
  var log = $("ks-log"), compose = $("ks-compose"), text = $("ks-text");
  var queue = $("ks-queue"), connection = $("ks-connection"), reference = $("ks-reference");
  var humanButton = $("ks-human"), transcriptForm = $("ks-transcript");

  var socket = null, attempts = 0, retryTimer = null;
  var lastId = 0;
  var shown = Object.create(null);    // message id -> true
  var pending = Object.create(null);  // client id -> {body, element}
  var pendingOrder = [];

  function storage() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }
  function remember(key, value) {
    var store = storage();
    if (!store) { return; }
    if (value === null) { store.removeItem(key); } else { store.setItem(key, value); }
  }
  function recall(key) { var store = storage(); return store ? store.getItem(key) : null; }

  function tell(message) {
    if (window.parent !== window) { window.parent.postMessage(message, "*"); }
  }

  function showAlert(message) { alertBox.textContent = message || ""; }

  // -- opening and closing ---------------------------------------------------------------
  function openPanel(focus) {
    tell({ klantenserviceChat: "open" });
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    remember(OPEN_KEY, "1");
    if (focus) { (chat.hidden ? $("ks-name") : text).focus(); }
  }
  function closePanel() {
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    remember(OPEN_KEY, null);
    tell({ klantenserviceChat: "closed" });
    launcher.focus();
  }
  launcher.addEventListener("click", function () { openPanel(true); });
  closeButton.addEventListener("click", closePanel);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closePanel(); }
  });

  // -- messages on screen ------------------------------------------------------------------
  function author(kind) {
    if (kind === "customer") { return t("you"); }
    if (kind === "agent") { return t("agent"); }
    return t("service");
  }
  function timeOf(iso) {
    var when = new Date(iso);
    if (isNaN(when.getTime())) { return ""; }
    return when.toLocaleTimeString(body.getAttribute("data-lang"), { hour: "2-digit", minute: "2-digit" });
  }
  function bubble(kind, bodyText, iso) {
    var item = document.createElement("li");
    item.className = "message from-" + kind;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = author(kind);
    var words = document.createElement("p");
    words.className = "text";
    words.textContent = bodyText;
    var when = document.createElement("time");
    when.className = "when";
    if (iso) { when.dateTime = iso; when.textContent = timeOf(iso); }
    item.appendChild(who);
    item.appendChild(words);
    item.appendChild(when);
    return item;
  }
  // Confirmed messages stay in id order; unconfirmed ones stay below them.
  function place(item, id) {
    var children = log.children;
    for (var i = 0; i < children.length; i++) {
      var other = children[i];
      var otherId = Number(other.getAttribute("data-id"));
      if (!otherId || otherId > id) { log.insertBefore(item, other); return; }
    }
    log.appendChild(item);
  }
  function scrollDown() { var region = $("ks-log-region"); region.scrollTop = region.scrollHeight; }

  function received(message) {
    if (shown[message.id]) { return; }
    shown[message.id] = true;
    lastId = Math.max(lastId, message.id);
    var waiting = message.client_id ? pending[message.client_id] : null;
    if (waiting) {
      waiting.element.remove();
      delete pending[message.client_id];
      pendingOrder = pendingOrder.filter(function (id) { return id !== message.client_id; });
    }
    var item = bubble(message.author, message.body, message.at);
    item.setAttribute("data-id", String(message.id));
    place(item, message.id);
    scrollDown();
  }

  function newClientId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = text.value;
    if (!value.trim()) { showAlert(t("error-empty")); return; }
    showAlert("");
    var clientId = newClientId();
    var item = bubble("customer", value, null);
    item.classList.add("pending");
    item.querySelector(".when").textContent = t("sending");
    log.appendChild(item);
    scrollDown();
    pending[clientId] = { body: value, element: item };
    pendingOrder.push(clientId);
    text.value = "";
    send({ type: "message", client_id: clientId, body: value });
  });
  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      compose.requestSubmit();
    }
  });

  humanButton.addEventListener("click", function () { send({ type: "human" }); });
  if (transcriptForm) {
    transcriptForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var email = $("ks-transcript-email").value.trim();
      if (!email) { showAlert(t("error-bad-email")); return; }
      send({ type: "transcript", email: email, lang: body.getAttribute("data-lang") });
    });
  }

  // -- server frames -----------------------------------------------------------------------
  function showQueue(frame) {
    var parts = [];
    if (frame.state === "waiting") {
      parts.push(t("position").replace("{n}", String(frame.position)));
      if (frame.wait_minutes < 1) { parts.push(t("wait-soon")); }
      else if (frame.wait_minutes === 1) { parts.push(t("wait-one")); }
      else { parts.push(t("wait-many").replace("{n}", String(frame.wait_minutes))); }
    } else if (frame.state === "with_agent") {
      parts.push(t("with-agent"));
    } else {
      parts.push(t("ended"));
    }
    queue.textContent = parts.join(" ");
  }

  function refused(frame) {
    var key = "error-" + String(frame.code || "failed").replace(/_/g, "-");
    var message = t(key) || t("error-failed");
    showAlert(message.replace("{max}", body.getAttribute("data-max-chars")));
    var waiting = frame.client_id ? pending[frame.client_id] : null;
    if (waiting) {  // not stored: give the text back to the customer
      waiting.element.remove();
      delete pending[frame.client_id];
      pendingOrder = pendingOrder.filter(function (id) { return id !== frame.client_id; });
      if (!text.value) { text.value = waiting.body; }
    }
  }

  function handle(frame) {
    if (frame.type === "ready") {
      attempts = 0;
      connection.textContent = t("connected");
      reference.textContent = t("reference").replace("{ref}", frame.reference);
      pendingOrder.forEach(function (clientId) {  // resend what was not confirmed
        send({ type: "message", client_id: clientId, body: pending[clientId].body });
      });
    } else if (frame.type === "message") {
      received(frame);
    } else if (frame.type === "queue") {
      showQueue(frame);
    } else if (frame.type === "human_requested") {
      showAlert("");
      connection.textContent = t("human-requested");
    } else if (frame.type === "transcript_requested") {
      showAlert("");
      connection.textContent = t("transcript-requested");
    } else if (frame.type === "error") {
      refused(frame);
    }
  }

  // -- the connection ----------------------------------------------------------------------
  function connect() {
    var token = recall(TOKEN_KEY);
    if (!token) { return; }
    clearTimeout(retryTimer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(scheme + location.host + "/chat/socket");
    socket = ws;
    connection.textContent = attempts ? t("reconnecting") : t("connecting");
    ws.addEventListener("open", function () {
      ws.send(JSON.stringify({ type: "hello", token: token, after: lastId }));
    });
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      handle(frame);
    });
    ws.addEventListener("close", function (event) {
      if (socket !== ws) { return; }
      socket = null;
      if (event.code === 4401) { ended(); return; }
      connection.textContent = t("reconnecting");
      attempts += 1;
      var delay = Math.min(MAX_DELAY, 250 * Math.pow(2, attempts));
      retryTimer = setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    });
  }
  window.addEventListener("online", function () {
    if (!socket && recall(TOKEN_KEY)) { attempts = 0; connect(); }
  });

  function ended() {
    remember(TOKEN_KEY, null);
    showAlert(t("error-chat-ended"));
    chat.hidden = true;
    startForm.hidden = false;
  }

  function showChat() {
    startForm.hidden = true;
    chat.hidden = false;
  }

  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    showAlert("");
    var email = $("ks-email").value.trim();
    var request = {
      name: $("ks-name").value.trim(),
      email: email || null,
      language: body.getAttribute("data-lang")
    };
    fetch("/chat/api/start", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(request),
      credentials: "omit"
    }).then(function (response) {
      if (!response.ok) {
        showAlert(response.status === 422 && email ? t("error-bad-email") : t("error-start"));
        return;
      }
      return response.json().then(function (started) {
        remember(TOKEN_KEY, started.token);
        if (email && $("ks-transcript-email")) { $("ks-transcript-email").value = email; }
        showChat();
        connect();
        text.focus();
      });
    }).catch(function () { showAlert(t("error-start")); });
  });

  // -- start ---------------------------------------------------------------------------------
  tell({ klantenserviceChat: "title", title: document.title });
  if (recall(TOKEN_KEY)) { showChat(); connect(); }
  if (recall(OPEN_KEY) || /[?&]open=1/.test(location.search)) { openPanel(false); }
})();
