// A WebSocket and a browser window small enough to read, for driving client-web/notifications.js
// frame by frame. The fake socket behaves as a browser's does where the client depends on it: send()
// throws while connecting and is ignored once closing; close() answers with onclose later, not at once.
import { mock } from 'node:test';
import { NotificationsClient } from '../../client-web/notifications.js';

export class FakeWebSocket {
  static sockets = [];

  static get last() { return FakeWebSocket.sockets.at(-1); }

  constructor(url, protocols) {
    this.url = new URL(url);
    this.protocols = protocols;
    this.readyState = 0;
    this.sent = [];
    this.pings = 0;
    this.answersPings = true;
    this.closedByClient = null;
    FakeWebSocket.sockets.push(this);
  }

  send(data) {
    if (this.readyState === 0) throw new Error('InvalidStateError: still connecting');
    if (this.readyState !== 1) return;
    const frame = JSON.parse(data);
    // The client's liveness pings are answered as the server answers them, and kept apart from what tests look at.
    if (frame.type === 'ping') {
      this.pings++;
      if (this.answersPings) queueMicrotask(() => this.readyState === 1 && this.receive({ type: 'pong', serverTime: new Date(Date.now()).toISOString() }));
      return;
    }
    this.sent.push(frame);
  }

  close(code = 1005, reason = '') {
    if (this.readyState >= 2) return;
    this.closedByClient = { code, reason };
    this.readyState = 2;
    queueMicrotask(() => this.drop(code, reason));
  }

  // ---- what the server does

  open() {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  welcome(extra = {}) {
    if (this.readyState === 0) this.open();
    this.receive({
      type: 'welcome', instance: 'i-1', region: 'ams', serverTime: new Date(Date.now()).toISOString(),
      maxTextLength: 280, resumeWindowSeconds: 300, resumePoints: 2, connections: 1, clients: 1, instances: 1, ...extra,
    });
  }

  alert(id, text = `alert ${id}`, channel = undefined) {
    this.receive({ type: 'alert', id, text, channel, region: 'ams', instance: 'i-1', sentAt: new Date(Date.now()).toISOString() });
  }

  /** The socket ends (with a close frame's code, or 1006 for none), as onclose reports it. */
  drop(code = 1006, reason = '') {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }

  of(type) { return this.sent.filter((frame) => frame.type === type); }

  get since() { return this.url.searchParams.get('since'); }

  get token() {
    const offered = this.protocols?.find?.((p) => p.startsWith('bearer.'));
    return offered ? offered.slice('bearer.'.length) : null;
  }
}

/** The parts of `window` the client listens to: online/offline, page lifecycle and visibility. */
export class FakeWindow extends EventTarget {
  constructor() {
    super();
    this.navigator = { onLine: true };
    this.document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
    this.location = { href: 'https://notify.example/' };
  }

  goOffline() {
    this.navigator.onLine = false;
    this.dispatchEvent(new Event('offline'));
  }

  goOnline() {
    this.navigator.onLine = true;
    this.dispatchEvent(new Event('online'));
  }

  setVisible(visible) {
    this.document.visibilityState = visible ? 'visible' : 'hidden';
    this.document.dispatchEvent(new Event('visibilitychange'));
  }

  pageHide() { this.dispatchEvent(new Event('pagehide')); }

  pageShow(persisted) { this.dispatchEvent(Object.assign(new Event('pageshow'), { persisted })); }
}

/** Lets promise callbacks (a token fetch, a join's answer) run. */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

/** Where the fake clock starts. */
export const NOW = Date.UTC(2026, 10, 23, 12);

/** Fake timers and clock from `now`, a fresh socket list, and a client on a fake window with a fixed random. */
export function setUp(options = {}, { now = NOW, random = 0.5 } = {}) {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now });
  FakeWebSocket.sockets = [];
  const win = new FakeWindow();
  const client = new NotificationsClient({ WebSocket: FakeWebSocket, window: win, random: () => random, ...options });
  const events = [];
  for (const name of ['state', 'alert', 'welcome', 'resume', 'subscribed', 'unsubscribed', 'refreshed', 'error', 'disconnect']) {
    client.on(name, (payload, meta) => events.push({ name, payload, meta }));
  }
  const alerts = () => events.filter((e) => e.name === 'alert').map((e) => e.payload.id);
  const states = () => events.filter((e) => e.name === 'state').map((e) => e.payload.state);
  return { client, win, events, alerts, states };
}

/** A client connected with no backoff jitter and welcomed: live, ready for a test's frames. */
export async function setUpLive(options) {
  const ctx = setUp(options, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  return ctx;
}

export function tearDown(client) {
  client?.close();
  mock.timers.reset();
}

/** Advances the fake clock and lets what the timers started settle. */
export async function tick(ms) {
  mock.timers.tick(ms);
  await flush();
}

/** An unsigned JWT with these claims: the client never checks signatures, only reads sub and exp. */
export function jwt(claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}
