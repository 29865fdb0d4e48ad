/*
 * Nurture chat widget: one <script src=".../widget.js"> tag plus an optional settings object, set before it:
 *
 *   window.nurtureWidget = {
 *     rasaUrl: "https://bot.example.com",   // Rasa server with the socketio channel (default: this host, port 5005)
 *     serviceUrl: "https://nurture.example.com", // nurture service: widget.css + web inbox (default: widget.js origin)
 *     title: "Pipewise", position: "right" | "left", privacyUrl: "https://...",
 *     greeting: "/greet",         // sent (not shown) when a visitor first opens the chat; "" for none
 *     colors: {primary, onPrimary, background, text, bot, onBot, user, onUser},
 *     strings: {...},             // the widget's own UI text (see STRINGS below)
 *     historyLimit: 100, inboxPollSeconds: 20, storagePrefix: "nurture-widget"
 *   };
 *
 * Talks Engine.IO v4 / Socket.IO v5 over WebSocket to Rasa's socketio channel (session persistence on): the
 * session id is a random id kept in localStorage, so Rasa's sender id survives reloads. Every piece of message
 * text is rendered as text (textContent), never as HTML. No third-party code.
 */
(function () {
  "use strict";
  if (window.nurtureWidgetApi) { return; }

  var STRINGS = {
    open: "Open chat", close: "Close chat", minimize: "Close", send: "Send",
    placeholder: "Type your message…", input: "Message", log: "Conversation",
    typing: "The assistant is typing", reconnecting: "Reconnecting…", quickReplies: "Suggested replies",
    unread: "unread messages", privacy: "Privacy", you: "You", bot: "Assistant"
  };
  var COLORS = { primary: "--nw-primary", onPrimary: "--nw-on-primary", background: "--nw-background",
                 text: "--nw-text", bot: "--nw-bot", onBot: "--nw-on-bot", user: "--nw-user", onUser: "--nw-on-user" };
  var SESSION_RE = /^[A-Za-z0-9_-]{16,128}$/;
  var URL_RE = /https?:\/\/[^\s<>"']+/g;
  var MAX_INPUT = 1000;

  var script = document.currentScript;
  var raw = window.nurtureWidget || {};
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;

  function str(value, fallback) { return typeof value === "string" && value !== "" ? value : fallback; }
  function httpUrl(value) {
    try {
      var url = new URL(value, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href.replace(/\/$/, "") : "";
    } catch (e) { return ""; }
  }

  var cfg = {
    rasaUrl: httpUrl(str(raw.rasaUrl, location.protocol + "//" + location.hostname + ":5005")),
    serviceUrl: httpUrl(str(raw.serviceUrl, scriptOrigin)),
    title: str(raw.title, "Chat"),
    position: raw.position === "left" ? "left" : "right",
    privacyUrl: raw.privacyUrl ? httpUrl(raw.privacyUrl) : "",
    greeting: typeof raw.greeting === "string" ? raw.greeting : "/greet",
    colors: raw.colors || {},
    strings: Object.assign({}, STRINGS, raw.strings || {}),
    historyLimit: Math.max(10, Math.min(Number(raw.historyLimit) || 100, 500)),
    inboxPollMs: Math.max(5, Number(raw.inboxPollSeconds) || 20) * 1000,
    prefix: str(raw.storagePrefix, "nurture-widget")
  };
  var S = cfg.strings;

  /* ---------- storage (localStorage when available, memory otherwise) ---------- */
  var memory = {};
  var store = {
    get: function (key) {
      try { return window.localStorage.getItem(cfg.prefix + ":" + key); } catch (e) { return memory[key] || null; }
    },
    set: function (key, value) {
      try { window.localStorage.setItem(cfg.prefix + ":" + key, value); } catch (e) { memory[key] = value; }
    }
  };
  function loadJson(key, fallback) {
    try { var v = JSON.parse(store.get(key) || "null"); return v === null ? fallback : v; } catch (e) { return fallback; }
  }

  function newSessionId() {
    var bytes = new Uint8Array(18);
    window.crypto.getRandomValues(bytes);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function sessionId(create) {
    var id = store.get("session");
    if ((!id || !SESSION_RE.test(id)) && create) { id = newSessionId(); store.set("session", id); }
    return id && SESSION_RE.test(id) ? id : null;
  }

  var history = loadJson("history", []);
  if (!Array.isArray(history)) { history = []; }
  var unread = Number(store.get("unread")) || 0;

  function saveHistory() {
    if (history.length > cfg.historyLimit) { history = history.slice(history.length - cfg.historyLimit); }
    store.set("history", JSON.stringify(history));
  }

  /* ---------- DOM (built with createElement; message text only ever via textContent) ---------- */
  function el(tag, cls, attrs) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // everything lives in a shadow root: the host page's CSS cannot restyle the widget, nor the widget the page
  var host = el("div", "", { id: "nurture-widget" });
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var root = el("div", "nw-root nw-" + cfg.position);
  Object.keys(COLORS).forEach(function (k) {
    if (typeof cfg.colors[k] === "string" && window.CSS && CSS.supports("color", cfg.colors[k])) {
      root.style.setProperty(COLORS[k], cfg.colors[k]);
    }
  });
  var launcher = el("button", "nw-launcher", { type: "button", "aria-expanded": "false",
                                                "aria-controls": "nw-panel" });
  var launcherIcon = el("span", "nw-launcher-icon", { "aria-hidden": "true" });
  var badge = el("span", "nw-badge", { "aria-hidden": "true" });
  launcher.appendChild(launcherIcon);
  launcher.appendChild(badge);

  var panel = el("div", "nw-panel", { id: "nw-panel", role: "dialog", "aria-labelledby": "nw-title" });
  panel.hidden = true;
  var header = el("div", "nw-header");
  var title = el("div", "nw-title", { id: "nw-title", role: "heading", "aria-level": "2" });
  title.textContent = cfg.title;
  var closeBtn = el("button", "nw-close", { type: "button", "aria-label": S.close });
  closeBtn.textContent = "×";
  header.appendChild(title);
  header.appendChild(closeBtn);
  var logBox = el("div", "nw-log", { role: "log", "aria-live": "polite", "aria-label": S.log, tabindex: "0" });
  var typing = el("div", "nw-typing", { role: "status" });
  typing.hidden = true;
  var typingLabel = el("span", "nw-sr");
  typingLabel.textContent = S.typing;
  typing.appendChild(typingLabel);
  for (var d = 0; d < 3; d++) { typing.appendChild(el("span", "nw-dot", { "aria-hidden": "true" })); }
  var status = el("div", "nw-status", { role: "status" });
  status.hidden = true;
  var form = el("form", "nw-form");
  var input = el("input", "nw-input", { type: "text", autocomplete: "off", maxlength: String(MAX_INPUT),
                                        "aria-label": S.input, placeholder: S.placeholder });
  var sendBtn = el("button", "nw-send", { type: "submit" });
  sendBtn.textContent = S.send;
  form.appendChild(input);
  form.appendChild(sendBtn);
  panel.appendChild(header);
  panel.appendChild(logBox);
  panel.appendChild(typing);
  panel.appendChild(status);
  panel.appendChild(form);
  if (cfg.privacyUrl) {
    var privacy = el("a", "nw-privacy", { href: cfg.privacyUrl, target: "_blank", rel: "noopener noreferrer" });
    privacy.textContent = S.privacy;
    panel.appendChild(privacy);
  }
  root.appendChild(panel);
  root.appendChild(launcher);

  function appendText(parent, text) {
    // bot text may contain links (meeting link, content): they become <a> elements, everything else text
    var last = 0;
    String(text).replace(URL_RE, function (match, offset) {
      var url = match.replace(/[.,;:!?)\]]+$/, "");
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      var a = el("a", "nw-link", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" });
      a.textContent = url;
      parent.appendChild(a);
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderEntry(entry) {
    var msg = el("div", "nw-msg nw-" + (entry.from === "user" ? "user" : "bot"));
    var who = el("span", "nw-sr");
    who.textContent = (entry.from === "user" ? S.you : S.bot) + ": ";
    msg.appendChild(who);
    if (entry.from === "user") { msg.appendChild(document.createTextNode(entry.text)); } else { appendText(msg, entry.text); }
    logBox.appendChild(msg);
    if (entry.buttons && entry.buttons.length && !entry.answered) { renderButtons(entry); }
  }

  function renderButtons(entry) {
    var group = el("div", "nw-quick", { role: "group", "aria-label": S.quickReplies });
    entry.buttons.forEach(function (b) {
      var btn = el("button", "nw-quick-btn", { type: "button" });
      btn.textContent = b.title;
      btn.addEventListener("click", function () { say(b.payload, b.title); });
      group.appendChild(btn);
    });
    logBox.appendChild(group);
  }

  function renderAll() {
    logBox.textContent = "";
    history.forEach(renderEntry);
    logBox.scrollTop = logBox.scrollHeight;
  }

  function clearQuickReplies() {
    var groups = logBox.querySelectorAll(".nw-quick");
    for (var i = 0; i < groups.length; i++) { groups[i].parentNode.removeChild(groups[i]); }
    history.forEach(function (entry) { if (entry.buttons && entry.buttons.length) { entry.answered = true; } });
  }

  function add(entry) {
    history.push(entry);
    saveHistory();
    renderEntry(entry);
    logBox.scrollTop = logBox.scrollHeight;
    if (entry.from === "bot" && panel.hidden) { setUnread(unread + 1); }
  }

  function setUnread(n) {
    unread = n;
    store.set("unread", String(n));
    badge.textContent = n > 0 ? String(Math.min(n, 99)) : "";
    badge.hidden = n === 0;
    launcher.setAttribute("aria-label", n > 0 ? S.open + " (" + n + " " + S.unread + ")" : S.open);
  }

  var typingTimer = null;
  function setTyping(on) {
    typing.hidden = !on;
    clearTimeout(typingTimer);
    if (on) { typingTimer = setTimeout(function () { typing.hidden = true; }, 20000); }
  }

  /* ---------- Engine.IO v4 / Socket.IO v5 client over WebSocket ---------- */
  function SocketClient(baseUrl, handlers) {
    this.url = baseUrl.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    this.handlers = handlers;
    this.ws = null;
    this.connected = false;
    this.attempts = 0;
    this.watchdog = null;
    this.retryTimer = null;
  }
  SocketClient.prototype.connect = function () {
    var self = this;
    if (self.ws) { return; }
    var ws;
    try { ws = new WebSocket(self.url); } catch (e) { self.retry(); return; }
    self.ws = ws;
    ws.onmessage = function (ev) { if (typeof ev.data === "string") { self.onPacket(ev.data); } };
    ws.onclose = function () { self.onClose(ws); };
  };
  SocketClient.prototype.raw = function (packet) {
    if (this.ws && this.ws.readyState === 1) { this.ws.send(packet); return true; }
    return false;
  };
  SocketClient.prototype.arm = function (ms) {
    var ws = this.ws;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(function () { ws.close(); }, ms);  // no ping from the server: the link is dead
  };
  SocketClient.prototype.onPacket = function (packet) {
    var type = packet.charAt(0);
    if (type === "0") {  // engine.io open: handshake data, then connect to the default namespace
      var hs = JSON.parse(packet.slice(1));
      this.pingMs = (hs.pingInterval || 25000) + (hs.pingTimeout || 20000) + 2000;
      this.arm(this.pingMs);
      this.raw("40");
    } else if (type === "2") {  // ping -> pong
      this.raw("3");
      this.arm(this.pingMs);
    } else if (type === "1") {
      this.ws.close();
    } else if (type === "4") {
      this.onSocketIo(packet.slice(1));
    }
  };
  SocketClient.prototype.onSocketIo = function (packet) {
    var type = packet.charAt(0);
    var rest = packet.slice(1);
    if (rest.charAt(0) === "/") { rest = rest.slice(rest.indexOf(",") + 1); }  // a namespace (not used here)
    rest = rest.replace(/^\d+/, "");  // an ack id (not used here)
    if (type === "0") {
      this.connected = true;
      this.attempts = 0;
      this.handlers.connect();
    } else if (type === "2") {
      var args;
      try { args = JSON.parse(rest); } catch (e) { return; }
      if (Array.isArray(args)) { this.handlers.event(args[0], args[1]); }
    } else if (type === "1" || type === "4") {
      this.ws.close();
    }
  };
  SocketClient.prototype.emit = function (name, data) {
    return this.connected && this.raw("42" + JSON.stringify([name, data]));
  };
  SocketClient.prototype.onClose = function (ws) {
    if (ws !== this.ws) { return; }
    this.ws = null;
    clearTimeout(this.watchdog);
    var was = this.connected;
    this.connected = false;
    this.handlers.disconnect(was);
    this.retry();
  };
  SocketClient.prototype.retry = function () {
    var self = this;
    var delay = Math.min(30000, 1000 * Math.pow(2, self.attempts)) * (0.75 + Math.random() * 0.5);
    self.attempts += 1;
    clearTimeout(self.retryTimer);
    self.retryTimer = setTimeout(function () { self.connect(); }, delay);
  };

  /* ---------- conversation ---------- */
  var ready = false;
  var outbox = [];
  var socket = new SocketClient(cfg.rasaUrl, {
    connect: function () { socket.emit("session_request", { session_id: sessionId(true) }); },
    disconnect: function (was) {
      ready = false;
      if (was || outbox.length) { status.textContent = S.reconnecting; status.hidden = false; }
    },
    event: function (name, data) {
      if (name === "session_confirm") {
        ready = true;
        status.hidden = true;
        while (outbox.length && ready) { socket.emit("user_uttered", outbox.shift()); }
      } else if (name === "bot_uttered" && data && typeof data === "object") {
        onBotMessage(data);
      }
    }
  });

  function buttonsOf(list) {
    if (!Array.isArray(list)) { return []; }
    return list.filter(function (b) { return b && typeof b.title === "string" && typeof b.payload === "string"; })
      .map(function (b) { return { title: b.title, payload: b.payload }; });
  }

  function onBotMessage(data) {
    setTyping(false);
    var text = typeof data.text === "string" ? data.text : "";
    var attachment = data.attachment && data.attachment.payload && data.attachment.payload.src;
    if (!text && typeof attachment === "string") { text = attachment; }
    var buttons = buttonsOf(data.quick_replies || data.buttons);
    if (!text && !buttons.length) { return; }
    add({ from: "bot", text: text, buttons: buttons, at: Date.now() });
  }

  function send(message) {
    // the channel travels in the metadata: a new conversation's session start has no other way to know it
    var data = { message: message, session_id: sessionId(true), metadata: { input_channel: "socketio" } };
    if (!(ready && socket.emit("user_uttered", data))) { outbox.push(data); }
    socket.connect();
  }

  function say(payload, shown) {
    clearQuickReplies();
    add({ from: "user", text: shown, at: Date.now() });
    setTyping(true);
    send(payload);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var text = input.value.trim().slice(0, MAX_INPUT);
    if (!text) { return; }
    input.value = "";
    say(text, text);
  });

  /* ---------- web inbox: follow-ups that waited while the visitor was away ---------- */
  var polling = null;
  function pollInbox() {
    var sid = sessionId(false);
    if (!sid || !cfg.serviceUrl || document.visibilityState === "hidden") { return; }
    fetch(cfg.serviceUrl + "/api/inbox?session_id=" + encodeURIComponent(sid), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { messages: [] }; })
      .then(function (body) {
        var seen = {};
        history.forEach(function (e) { if (e.inboxId) { seen[e.inboxId] = true; } });
        var ids = [];
        (body.messages || []).forEach(function (m) {
          if (typeof m.id !== "string" || typeof m.text !== "string") { return; }
          ids.push(m.id);
          if (!seen[m.id]) { add({ from: "bot", text: m.text, buttons: buttonsOf(m.buttons),
                                 at: Date.parse(m.created_at) || Date.now(), inboxId: m.id }); }
        });
        if (ids.length) {
          return fetch(cfg.serviceUrl + "/api/inbox/read", {
            method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ session_id: sid, ids: ids })
          });
        }
        return null;
      })
      .catch(function () { /* offline or service down: the next poll tries again */ });
  }
  function startPolling() {
    if (polling === null) { polling = setInterval(pollInbox, cfg.inboxPollMs); }
    pollInbox();
  }

  /* ---------- open / close ---------- */
  function open() {
    if (!panel.hidden) { return; }
    panel.hidden = false;
    root.classList.add("nw-open");
    launcher.setAttribute("aria-expanded", "true");
    store.set("open", "1");
    setUnread(0);
    logBox.scrollTop = logBox.scrollHeight;
    var first = !sessionId(false);
    sessionId(true);
    socket.connect();
    startPolling();
    if (first && cfg.greeting) { setTyping(true); send(cfg.greeting); }
    input.focus();
  }
  function close() {
    if (panel.hidden) { return; }
    panel.hidden = true;
    root.classList.remove("nw-open");
    launcher.setAttribute("aria-expanded", "false");
    store.set("open", "0");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(); } });
  closeBtn.addEventListener("click", close);
  panel.addEventListener("keydown", function (ev) { if (ev.key === "Escape") { ev.preventDefault(); close(); } });
  document.addEventListener("click", function (ev) {
    var target = ev.target && ev.target.closest && ev.target.closest("[data-nurture-open]");
    if (target) { ev.preventDefault(); open(); }
  });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") { pollInbox(); } });

  function mount() {
    if (cfg.serviceUrl) {  // hidden until styled, so the page never shows an unstyled widget
      var css = el("link", "", { rel: "stylesheet", href: cfg.serviceUrl + "/widget.css" });
      host.style.visibility = "hidden";
      css.addEventListener("load", function () { host.style.visibility = ""; });
      css.addEventListener("error", function () { host.style.visibility = ""; });
      shadow.appendChild(css);
    }
    shadow.appendChild(root);
    document.body.appendChild(host);
    renderAll();
    setUnread(unread);
    if (sessionId(false)) { startPolling(); }
    if (store.get("open") === "1") { open(); }
  }

  window.nurtureWidgetApi = { open: open, close: close, sessionId: function () { return sessionId(false); } };
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
