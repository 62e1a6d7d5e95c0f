// The alert page: only what it shows and what its form does. Connecting, reconnecting, resuming and
// dropping repeats are the client library's (notifications.js, docs/client.md).
import { NotificationsClient } from './notifications.js';

const DEFAULT_TEXT = 'Alien landing!';
const FEED_LIMIT = 100;

const byId = (id) => document.getElementById(id);
const el = {
  status: byId('status'), statusText: byId('status-text'),
  instance: byId('instance'), region: byId('region'), connections: byId('connections'),
  form: byId('composer'), text: byId('text'), send: byId('send'), sendLabel: byId('send-label'),
  counter: byId('counter'), error: byId('error'), feed: byId('feed'), announcer: byId('announcer'),
  notice: byId('notice'),
};

const client = new NotificationsClient();

function showState() {
  el.status.dataset.state = client.state;
  renderStatus();
  el.send.setAttribute('aria-disabled', String(!client.live));
  if (client.state === 'live' && el.error.dataset.code === 'not_connected') clearError();
}

function renderStatus() {
  let text = client.state;
  if (client.state === 'reconnecting') {
    const seconds = Math.max(1, Math.ceil((client.reconnectAt - Date.now()) / 1000));
    text = `reconnecting in ${seconds} s`;
  }
  if (el.statusText.textContent !== text) el.statusText.textContent = text;
}

function onWelcome(frame) {
  el.instance.textContent = String(frame.instance ?? '—');
  el.region.textContent = String(frame.region ?? '—');
  showPresence(frame.clients ?? frame.connections, frame.instances);
  showResume(frame.resume);
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

function onAlert(alert) {
  const id = alert.id == null ? null : String(alert.id);
  const parsed = Date.parse(alert.sentAt);
  const sentAt = Number.isFinite(parsed) ? parsed : client.serverNow();
  insertNewestFirst(renderAlert(alert, id, sentAt), sentAt);
  while (el.feed.children.length > FEED_LIMIT) el.feed.lastElementChild.remove();
  announce(alert.text);
}

function renderAlert(alert, id, sentAt) {
  const item = document.createElement('li');
  item.className = 'alert';
  if (id !== null) item.dataset.id = id;
  item.dataset.sentAt = String(sentAt);
  const instance = part('span', 'instance', alert.instance ?? '');
  instance.title = instance.textContent;
  const age = part('time', 'age', formatAge(client.serverNow() - sentAt));
  age.dateTime = new Date(sentAt).toISOString();
  age.title = new Date(sentAt - client.clockOffsetMs).toLocaleString();
  item.append(
    part('p', 'text', alert.text),
    part('span', 'region', alert.region ?? 'unknown'),
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
  const now = client.serverNow();
  for (const item of el.feed.children) {
    const age = item.querySelector('.age');
    const text = formatAge(now - Number(item.dataset.sentAt));
    if (age.textContent !== text) age.textContent = text;
  }
}

// Code points, as the server counts them, not UTF-16 units as .length does.
const codePoints = (text) => [...text].length;

function updateComposer() {
  const max = client.maxTextLength;
  const length = codePoints(el.text.value.trim());
  const over = length > max;
  el.counter.textContent = `${length} / ${max}`;
  el.counter.classList.toggle('over', over);
  el.send.disabled = over;
  el.sendLabel.textContent = length > 0 ? 'Send alert' : DEFAULT_TEXT;
  if (over) {
    showError('text_too_long', `Too long: the limit is ${max} characters.`, true);
  } else if (el.error.dataset.code === 'text_too_long' && el.error.dataset.local === 'true') {
    clearError();
  }
}

function onSubmit(event) {
  event.preventDefault();
  const text = el.text.value.trim() || DEFAULT_TEXT;
  if (codePoints(text) > client.maxTextLength) return updateComposer();
  if (!client.send(text)) {
    // Live, the library refused the text itself and its error event has said why.
    if (client.live) return;
    return showError('not_connected', 'Not connected, so nothing was sent. Try again once the status shows live.', true);
  }
  clearError();
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

client.on('state', showState);
client.on('welcome', onWelcome);
client.on('presence', (frame) => showPresence(frame.clients, frame.instances));
client.on('alert', onAlert);
client.on('error', (error) => showError(error.code, error.message, error.local === true));
el.form.addEventListener('submit', onSubmit);
el.text.addEventListener('input', updateComposer);

setInterval(() => {
  if (client.state === 'reconnecting') renderStatus();
  refreshAges();
}, 1000);

// For tests and the console: the page's state and its socket.
window.notifications = {
  client,
  state: () => client.state,
  socket: () => client.socket,
  clockOffsetMs: () => client.clockOffsetMs,
};

updateComposer();
client.connect();
