// The browser face of Notifications. The wire contract is docs/protocol.md.
'use strict';

(() => {
  const DEFAULT_TEXT = 'Alien landing!';
  const DEFAULT_MAX_TEXT_LENGTH = 280;
  const FEED_LIMIT = 100;
  // Remember more ids than the feed shows, so a late duplicate of an alert
  // that has already scrolled off the feed is still dropped.
  const SEEN_LIMIT = 1000;
  const BACKOFF_BASE_MS = 500;
  const BACKOFF_CAP_MS = 15_000;
  const STABLE_AFTER_MS = 5_000;

  const byId = (id) => document.getElementById(id);
  const el = {
    status: byId('status'), statusText: byId('status-text'),
    instance: byId('instance'), region: byId('region'), connections: byId('connections'),
    form: byId('composer'), text: byId('text'), send: byId('send'), sendLabel: byId('send-label'),
    counter: byId('counter'), error: byId('error'), feed: byId('feed'), announcer: byId('announcer'),
    notice: byId('notice'),
  };

  let ws = null;
  let currentState = 'connecting';
  let attempt = 0;
  let reconnectAt = 0;
  let reconnectTimer = 0;
  let stableTimer = 0;
  let clockOffsetMs = 0;
  let maxTextLength = DEFAULT_MAX_TEXT_LENGTH;
  let leaving = false;
  // The last alert received: a reconnect asks any instance for what came after it (?since=).
  let lastAlertId = null;
  // A shutting-down server says when to come back; that wait replaces one backoff step.
  let goAwayDelayMs = null;
  const seenIds = new Set();

  function socketUrl() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const since = lastAlertId === null ? '' : `?since=${encodeURIComponent(lastAlertId)}`;
    return `${scheme}//${location.host}/ws${since}`;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (ws || leaving) return;
    if (!navigator.onLine) return setState('offline');
    setState('connecting');
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (err) {
      console.error('Could not open the WebSocket.', err);
      return scheduleReconnect();
    }
    ws = socket;
    socket.onmessage = (event) => handleFrame(event.data, Date.now());
    // No onerror: the browser always follows an error with close, where we recover.
    socket.onclose = () => onSocketClosed(socket);
  }

  function onSocketClosed(socket) {
    if (socket !== ws) return;
    ws = null;
    clearTimeout(stableTimer);
    if (leaving) return;
    if (navigator.onLine) scheduleReconnect();
    else setState('offline');
  }

  // Full jitter spreads a crowd of reconnecting pages evenly over the window,
  // so a restarted instance is not hit by all of them at the same instant.
  function scheduleReconnect() {
    let delay;
    if (goAwayDelayMs !== null) {
      delay = goAwayDelayMs;
      goAwayDelayMs = null;
    } else {
      const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
      attempt = Math.min(attempt + 1, 30);
      delay = Math.random() * ceiling;
    }
    reconnectAt = Date.now() + delay;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
    setState('reconnecting');
  }

  // Detaches the socket first, so its late close or messages cannot touch the
  // page; from here on the next connect() owns the only live socket.
  function retireSocket() {
    if (!ws) return;
    const old = ws;
    ws = null;
    old.onmessage = null;
    old.onclose = null;
    clearTimeout(stableTimer);
    old.close(1000);
  }

  function setState(state) {
    currentState = state;
    el.status.dataset.state = state;
    renderStatus();
    el.send.setAttribute('aria-disabled', String(!canSend()));
    if (state === 'live' && el.error.dataset.code === 'not_connected') clearError();
  }

  function renderStatus() {
    let text = currentState;
    if (currentState === 'reconnecting') {
      const seconds = Math.max(1, Math.ceil((reconnectAt - Date.now()) / 1000));
      text = `reconnecting in ${seconds} s`;
    }
    if (el.statusText.textContent !== text) el.statusText.textContent = text;
  }

  function canSend() {
    return currentState === 'live' && ws !== null && ws.readyState === WebSocket.OPEN;
  }

  function handleFrame(data, receivedAt) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    if (frame.type === 'welcome') onWelcome(frame, receivedAt);
    else if (frame.type === 'alert') onAlert(frame);
    else if (frame.type === 'presence') showPresence(frame.clients, frame.instances);
    else if (frame.type === 'goaway') onGoAway(frame);
    else if (frame.type === 'error') showError(frame.code, frame.message);
  }

  function onWelcome(frame, receivedAt) {
    // Ages are shown in whole seconds, so the sub-second trip of this frame
    // is not worth estimating: the server's clock at receipt ≈ serverTime.
    const serverTime = Date.parse(frame.serverTime);
    if (Number.isFinite(serverTime)) clockOffsetMs = serverTime - receivedAt;
    if (Number.isInteger(frame.maxTextLength) && frame.maxTextLength > 0) {
      maxTextLength = frame.maxTextLength;
    }
    el.instance.textContent = String(frame.instance ?? '—');
    el.region.textContent = String(frame.region ?? '—');
    showPresence(frame.clients ?? frame.connections, frame.instances);
    showResume(frame.resume);
    setState('live');
    clearTimeout(stableTimer);
    stableTimer = setTimeout(() => { attempt = 0; }, STABLE_AFTER_MS);
    updateComposer();
    refreshAges();
  }

  function showPresence(clients, instances) {
    if (!Number.isInteger(clients)) return;
    const where = Number.isInteger(instances) && instances > 1 ? ` on ${instances} instances` : '';
    el.connections.textContent = `${clients} online${where}`;
  }

  // A resume the server could not fully cover: say so rather than pretend nothing was missed.
  function showResume(resume) {
    const missed = Boolean(resume) && resume.complete === false;
    el.notice.hidden = !missed;
    el.notice.textContent = missed ? 'You may have missed some alerts while you were disconnected.' : '';
  }

  function onGoAway(frame) {
    const ms = Number(frame.reconnectAfterMs);
    if (Number.isFinite(ms) && ms >= 0) goAwayDelayMs = Math.min(ms, BACKOFF_CAP_MS);
  }

  function onAlert(frame) {
    if (typeof frame.text !== 'string') return;
    const id = frame.id == null ? null : String(frame.id);
    if (id !== null) lastAlertId = id;
    if (id !== null) {
      if (seenIds.has(id)) return;
      rememberId(id);
    }
    const parsed = Date.parse(frame.sentAt);
    const sentAt = Number.isFinite(parsed) ? parsed : serverNow();
    insertNewestFirst(renderAlert(frame, id, sentAt), sentAt);
    while (el.feed.children.length > FEED_LIMIT) el.feed.lastElementChild.remove();
    announce(frame.text);
  }

  function rememberId(id) {
    seenIds.add(id);
    // A Set iterates in insertion order, so its first value is the oldest.
    if (seenIds.size > SEEN_LIMIT) seenIds.delete(seenIds.values().next().value);
  }

  function renderAlert(frame, id, sentAt) {
    const item = document.createElement('li');
    item.className = 'alert';
    if (id !== null) item.dataset.id = id;
    item.dataset.sentAt = String(sentAt);
    const instance = part('span', 'instance', frame.instance ?? '');
    instance.title = instance.textContent;
    const age = part('time', 'age', formatAge(serverNow() - sentAt));
    age.dateTime = new Date(sentAt).toISOString();
    age.title = new Date(sentAt - clockOffsetMs).toLocaleString();
    item.append(
      part('p', 'text', frame.text),
      part('span', 'region', frame.region ?? 'unknown'),
      instance,
      age,
    );
    return item;
  }

  // Data goes in through textContent only, so alert text can never become markup.
  function part(tag, className, text) {
    const node = document.createElement(tag);
    node.className = className;
    node.textContent = String(text);
    return node;
  }

  // Alerts from other regions can arrive slightly out of order; keep the feed
  // ordered by when they were sent. Usually this stops at the first entry.
  function insertNewestFirst(item, sentAt) {
    for (const other of el.feed.children) {
      if (Number(other.dataset.sentAt) <= sentAt) return el.feed.insertBefore(item, other);
    }
    el.feed.append(item);
  }

  // A fresh node each time, so a screen reader announces a repeat of the same text.
  function announce(text) {
    const line = document.createElement('span');
    line.textContent = text;
    el.announcer.replaceChildren(line);
  }

  function serverNow() {
    return Date.now() + clockOffsetMs;
  }

  function formatAge(ms) {
    const seconds = Math.floor(Math.max(0, ms) / 1000);
    if (seconds < 1) return 'just now';
    if (seconds < 60) return `${seconds} s ago`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min ago`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours} h ago`;
    return `${Math.floor(hours / 24)} d ago`;
  }

  function refreshAges() {
    const now = serverNow();
    for (const item of el.feed.children) {
      const age = item.querySelector('.age');
      const text = formatAge(now - Number(item.dataset.sentAt));
      if (age.textContent !== text) age.textContent = text;
    }
  }

  // Code points, as the server counts them, not UTF-16 units as .length does.
  const codePoints = (text) => [...text].length;

  function updateComposer() {
    const length = codePoints(el.text.value.trim());
    const over = length > maxTextLength;
    el.counter.textContent = `${length} / ${maxTextLength}`;
    el.counter.classList.toggle('over', over);
    el.send.disabled = over;
    el.sendLabel.textContent = length > 0 ? 'Send alert' : DEFAULT_TEXT;
    if (over) {
      showError('text_too_long', `Too long: the limit is ${maxTextLength} characters.`, true);
    } else if (el.error.dataset.code === 'text_too_long' && el.error.dataset.local === 'true') {
      clearError();
    }
  }

  function onSubmit(event) {
    event.preventDefault();
    const text = el.text.value.trim() || DEFAULT_TEXT;
    if (codePoints(text) > maxTextLength) return updateComposer();
    if (!canSend()) {
      return showError('not_connected', 'Not connected, so nothing was sent. Try again once the status shows live.', true);
    }
    clearError();
    ws.send(JSON.stringify({ type: 'alert', text }));
    el.text.value = '';
    updateComposer();
  }

  // Only touches the DOM when the text changes, so role="alert" does not
  // re-announce the same message on every keystroke.
  function showError(code, message, local = false) {
    const codeText = String(code ?? 'error');
    const messageText = String(message ?? 'Something went wrong.');
    const messageNode = el.error.querySelector('.error-message');
    const codeNode = el.error.querySelector('.error-code');
    if (messageNode.textContent !== messageText) messageNode.textContent = messageText;
    if (codeNode.textContent !== codeText) codeNode.textContent = codeText;
    el.error.dataset.code = codeText;
    el.error.dataset.local = String(local);
    el.error.hidden = false;
  }

  function clearError() {
    el.error.hidden = true;
    delete el.error.dataset.code;
    delete el.error.dataset.local;
  }

  el.form.addEventListener('submit', onSubmit);
  el.text.addEventListener('input', updateComposer);

  window.addEventListener('offline', () => {
    clearTimeout(reconnectTimer);
    setState('offline');
  });
  // After a network change the old connection may be half-open, and a page
  // cannot ping to find out, so start afresh rather than trust it.
  window.addEventListener('online', () => {
    retireSocket();
    attempt = 0;
    connect();
  });
  window.addEventListener('pagehide', () => {
    leaving = true;
    clearTimeout(reconnectTimer);
    retireSocket();
  });
  // Coming back from the back/forward cache: the old socket was closed on pagehide.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    leaving = false;
    attempt = 0;
    connect();
  });

  setInterval(() => {
    if (currentState === 'reconnecting') renderStatus();
    refreshAges();
  }, 1000);

  window.notifications = {
    state: () => currentState,
    socket: () => ws,
    clockOffsetMs: () => clockOffsetMs,
  };

  updateComposer();
  connect();
})();
