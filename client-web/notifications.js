// The Notifications client: one ES module, no dependencies, no build step. How to use it: docs/client.md;
// the wire protocol it speaks: docs/protocol.md.

const PROTOCOL = 'notifications.v1';
const GLOBAL = 'global';
const TOKEN_EXPIRED_CLOSE = 4001;
const OPEN = 1;
// A refresh that got nowhere (no new token, or the server refused it) is tried again after this long at the least.
const RETRY_REFRESH_MS = 5_000;
// The server takes subscribe, unsubscribe and refresh requests at 10 a second, with a burst of 100, or of
// CHANNELS_MAX_PER_SOCKET + 2 when larger so that a reconnect can ask for all its channels at once: the client sends
// those at once and keeps every other request within 100 and 10 a second, holding the rest until the budget has
// grown back rather than have them refused.
const REQUEST_BURST = 100;
const REQUESTS_PER_SECOND = 10;

const DEFAULTS = Object.freeze({
  url: '/ws',
  refreshBeforeMs: 60_000,
  backoffBaseMs: 500,
  backoffCapMs: 15_000,
  stableAfterMs: 5_000,
  seenLimit: 1000,
  heartbeatMs: 30_000,
  heartbeatTimeoutMs: 10_000,
});

// Error codes that answer a subscribe (docs/protocol.md, "Error codes"); other codes answer alerts or refreshes.
const SUBSCRIBE_REFUSALS = new Set(['invalid_channel', 'auth_required', 'channel_forbidden', 'too_many_channels']);
const REFRESH_REFUSALS = new Set(['token_invalid', 'token_mismatch']);
// What the server trims from alert text before counting it: .NET's char.IsWhiteSpace, which is JavaScript's \s without
// U+FEFF and with U+0085.
const SERVER_SPACES = new Set('\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000');

// Scanned from both ends: a regular expression anchored at the end takes time squared in the text's inner spaces.
function serverTrim(text) {
  let start = 0;
  let end = text.length;
  while (start < end && SERVER_SPACES.has(text[start])) start++;
  while (end > start && SERVER_SPACES.has(text[end - 1])) end--;
  return text.slice(start, end);
}

/**
 * The server's rule for channel names: 1–128 of ASCII letters, digits and `: _ - . = @ , ; |`, not starting or
 * ending with `:` (so a user id such as `auth0|abc` or an e-mail address makes a valid `user:` channel).
 */
export function isValidChannel(name) {
  return typeof name === 'string' && /^[A-Za-z0-9:_.=@,;|-]{1,128}$/.test(name) && !name.startsWith(':') && !name.endsWith(':');
}

/**
 * A JWT's claims, read without checking the signature (the server checks it): the client only needs
 * `sub` (its own `user:` channel) and `exp` (when to refresh). Anything unreadable gives `{}`.
 */
export function tokenClaims(token) {
  try {
    const part = String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : {};
  } catch {
    return {};
  }
}

function expiryMs(token) {
  const exp = token ? tokenClaims(token).exp : undefined;
  return Number.isFinite(exp) ? exp * 1000 : null;
}

/**
 * A UUIDv7 for the instant `ms` (ms since 1970): a resume point for a channel with no alert received yet. The
 * server reads the time out of it and replays what the channel had since then (docs/protocol.md, *Resuming*).
 */
export function timeId(ms) {
  const random = new Uint8Array(10);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(random);
  const hex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  const rest = hex(random);
  const variant = (8 + (random[2] & 3)).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${rest.slice(1, 4)}-${variant}${rest.slice(5, 8)}-${rest.slice(8, 20)}`;
}

// Alert text as the server takes it (trimmed), or the error it would answer, by the rule of server/Messages/AlertText.cs.
function alertText(text, maxLength) {
  if (text === null || text === undefined) return { error: { code: 'text_required', message: 'An alert needs a non-empty "text".' } };
  if (typeof text !== 'string') return { error: { code: 'invalid_message', message: '"text" must be a string.' } };
  const trimmed = serverTrim(text);
  // Code points, as the server counts them, not UTF-16 units.
  const length = [...trimmed].length;
  if (length === 0) return { error: { code: 'text_required', message: 'An alert needs a non-empty "text".' } };
  if (length > maxLength) return { error: { code: 'text_too_long', message: `Alert text is ${length} characters; the limit is ${maxLength}.` } };
  return { text: trimmed };
}

function report(error) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  else console.error(error);
}

/**
 * One connection to a Notifications server that stays up: it reconnects with full-jitter backoff (or when
 * the server's `goaway` says), resumes every joined channel on whichever instance it reaches, drops
 * repeated alerts, and keeps its token fresh. See docs/client.md.
 */
export class NotificationsClient {
  #o;
  #env;
  #ws = null;
  #connecting = false;
  #stopped = true;
  #suspended = false;
  #state = 'closed';
  #reconnectAt = null;
  #attempt = 0;
  #goAwayMs = null;
  #timers = { reconnect: 0, stable: 0, refresh: 0, resend: 0, retry: 0, outbox: 0, heartbeat: 0 };
  // When the current socket last brought a frame (this page's clock), for the heartbeat.
  #lastFrameAt = 0;
  // Per connection: requests held back by the request budget (sent in order), and the budget left.
  #outbox = [];
  #budget = { tokens: REQUEST_BURST, at: 0 };
  // Subscribes and unsubscribes the server asked to send again later (rate_limited), asked one at a time, per connection.
  #retries = [];
  #retryAfterMs = 0;
  #token = null;
  #usedToken = null;
  // The token the server holds the connection to: the one it opened with, or the last refresh it took.
  #acceptedToken = null;
  // Refreshes sent and not yet answered, oldest first: the server's `refreshed` names the one it took by its expiry.
  #sentRefreshes = [];
  #expiresAt = null;
  #tokenPromise = null;
  #failedBeforeOpen = false;
  // What the application asked for: channel -> its own alert handlers. `global` is in it unless left.
  #channels = new Map();
  // Channels left on purpose: their alerts are dropped, even if the server sends a few before its answer.
  #left = new Set();
  // The id of the last alert received on each channel, or until one comes a time id of the last server stamp heard: where a
  // reconnect resumes from, so what a channel got while the page was away is replayed even if it had nothing before.
  #positions = new Map();
  // Channels whose position is such a time id, with its instant; and the latest instant (by the server's clock) this
  // connection is known to have heard everything sent before.
  #timePoints = new Map();
  #heardAt = null;
  // Channels whose position is an alert's id, with when that alert was sent (by the server's clock, as #heard takes it).
  #alertTimes = new Map();
  // Channels at an alert point: the last stamp heard after that alert, a resume point that outlives the id.
  #stampsAfterAlert = new Map();
  // Bumped by setToken(): a token fetched meanwhile is older than the one set.
  #tokenSets = 0;
  #seen = new Set();
  // Per connection: channels confirmed, requests awaiting an answer (in order), resumes under way.
  #joined = new Set();
  #requests = new Map();
  #resuming = new Map();
  #pendingJoins = new Map();
  #pendingLeaves = new Map();
  #listeners = new Map();
  #info = { instance: null, region: null, maxTextLength: 280, clockOffsetMs: 0, resumePoints: 1 };
  #envHandlers = null;

  constructor(options = {}) {
    this.#o = { ...DEFAULTS, ...options };
    this.#env = options.window ?? (typeof window === 'undefined' ? null : window);
    this.#token = options.token ?? null;
    if (options.global === false) this.#left.add(GLOBAL);
    else this.#channels.set(GLOBAL, new Set());
    for (const channel of options.channels ?? []) this.join(channel);
  }

  /** `connecting`, `live`, `offline`, `reconnecting` or `closed`. */
  get state() { return this.#state; }

  /** When the next attempt starts (ms since 1970) while `reconnecting`; otherwise null. */
  get reconnectAt() { return this.#reconnectAt; }

  /** True when an alert sent now would go out. */
  get live() { return this.#state === 'live' && this.#ws?.readyState === OPEN; }

  /** The current WebSocket, or null. */
  get socket() { return this.#ws; }

  get instance() { return this.#info.instance; }
  get region() { return this.#info.region; }
  get maxTextLength() { return this.#info.maxTextLength; }

  /** The server's clock minus this one's, from the last welcome. */
  get clockOffsetMs() { return this.#info.clockOffsetMs; }

  /** The user the current token names (its `sub`), or null when anonymous. */
  get user() { return this.#usedToken ? tokenClaims(this.#usedToken).sub ?? null : null; }

  /** The channels joined or being joined. */
  get channels() { return [...this.#channels.keys()]; }

  serverNow() { return Date.now() + this.#info.clockOffsetMs; }

  /** Starts connecting (and staying connected) until close(). */
  connect() {
    if (!this.#stopped) return this;
    this.#stopped = false;
    this.#attempt = 0;
    this.#listen();
    this.#open();
    return this;
  }

  /** Closes the connection and stops reconnecting; connect() starts again, with the same channels. */
  close() {
    this.#stopped = true;
    // Its pageshow handler goes with the others, so nothing else would lift a pagehide's suspension.
    this.#suspended = false;
    this.#unlisten();
    clearTimeout(this.#timers.reconnect);
    this.#retire();
    for (const channel of [...this.#pendingJoins.keys()]) {
      this.#settle(this.#pendingJoins, channel, { channel, joined: false, code: 'closed', message: 'Closed before the server answered.' });
    }
    this.#setState('closed');
  }

  /**
   * Calls handler(payload...) for `state`, `alert`, `pusher_event`, `welcome`, `presence`, `resume`, `subscribed`,
   * `unsubscribed`, `refreshed`, `goaway`, `disconnect` and `error`. Returns a function that removes it.
   */
  on(event, handler) {
    let handlers = this.#listeners.get(event);
    if (!handlers) this.#listeners.set(event, handlers = new Set());
    handlers.add(handler);
    return () => handlers.delete(handler);
  }

  /**
   * Joins a channel, now and after every reconnect, and calls onAlert(alert, meta) for its alerts (and, on a
   * `pusher:` channel, its `pusher_event` frames). Resolves with `{ channel, joined: true, resume }` once the server
   * has answered, `{ channel, joined: false, code, message }` if it refused, or with code `closed` at close(); never
   * rejects.
   */
  join(channel, onAlert) {
    if (!isValidChannel(channel)) {
      return Promise.resolve({ channel, joined: false, code: 'invalid_channel', message: 'Not a valid channel name.' });
    }
    this.#left.delete(channel);
    const known = this.#channels.get(channel);
    const handlers = known ?? new Set();
    if (onAlert) handlers.add(onAlert);
    if (known && this.#joined.has(channel)) return Promise.resolve({ channel, joined: true, resume: null });
    const answer = new Promise((resolve) => this.#queue(this.#pendingJoins, channel, resolve));
    if (!known) {
      this.#channels.set(channel, handlers);
      if (this.#isUp()) this.#subscribe(this.#ws, channel);
    }
    return answer;
  }

  /** Leaves a channel and forgets where it was in it. Resolves with `{ channel, left: true }`. */
  leave(channel) {
    if (!isValidChannel(channel)) return Promise.resolve({ channel, left: false });
    const wasIn = this.#channels.delete(channel);
    this.#forget(channel);
    this.#settle(this.#pendingJoins, channel, { channel, joined: false, code: 'left', message: 'Left before the server answered.' });
    if (!wasIn && channel !== this.#ownChannel()) return Promise.resolve({ channel, left: true });
    // Its join is still held in the outbox and the server has it in no other way: nothing to send either way.
    if (this.#withdrawHeldSubscribe(channel)) return Promise.resolve({ channel, left: true });
    const answer = new Promise((resolve) => this.#queue(this.#pendingLeaves, channel, resolve));
    if (this.#isUp()) this.#request(this.#ws, { type: 'unsubscribe', channel });
    else this.#settle(this.#pendingLeaves, channel, { channel, left: true });
    return answer;
  }

  /**
   * Sends an alert to `global`, or to a channel joined on this connection; false when nothing was sent: not live, the
   * channel (or `global`) not joined, or text the server would refuse (an `error` event with `local: true` says why).
   */
  send(text, { channel } = {}) {
    const target = channel ?? GLOBAL;
    if (!this.live || !this.#joined.has(target) || this.#left.has(target)) return false;
    const checked = alertText(text, this.#info.maxTextLength);
    if (checked.error) {
      this.#emit('error', { ...checked.error, local: true });
      return false;
    }
    // Trimmed as the server would, so white space around it cannot make the frame too large to take (close 1009).
    const frame = { type: 'alert', text: checked.text };
    if (target !== GLOBAL) frame.channel = target;
    this.#ws.send(JSON.stringify(frame));
    return true;
  }

  /** Uses this token from now on: sent as a `refresh` if it names the same user, else by reconnecting. */
  setToken(token) {
    this.#token = token || null;
    this.#tokenSets++;
    this.#applyToken(this.#ws, this.#token);
  }

  /** Fetches a token with getToken now and applies it as setToken does. */
  async refreshToken() {
    const socket = this.#ws;
    try {
      this.#applyToken(socket, await this.#fetchToken());
    } catch (error) {
      this.#tokenFetchFailed(error);
    }
  }

  // ---- connecting

  async #open() {
    clearTimeout(this.#timers.reconnect);
    if (this.#ws || this.#connecting || this.#stopped || this.#suspended) return;
    if (!this.#online()) return this.#setState('offline');
    this.#connecting = true;
    this.#setState('connecting');
    let token;
    try {
      token = await this.#tokenForConnect();
    } catch (error) {
      // close() or pagehide while the token was being fetched: nothing more to do.
      if (this.#stopped || this.#suspended) return;
      this.#tokenFetchFailed(error);
      return this.#scheduleReconnect();
    } finally {
      this.#connecting = false;
    }
    if (this.#ws || this.#stopped || this.#suspended) return;
    if (!this.#o.getToken && this.#isExpired(token)) return this.#halt('token_expired', 'The connection token has expired and there is no getToken to fetch another.');
    this.#dial(token);
  }

  #dial(token) {
    let socket;
    try {
      const Socket = this.#o.WebSocket ?? globalThis.WebSocket;
      socket = token ? new Socket(this.#url(), [PROTOCOL, `bearer.${token}`]) : new Socket(this.#url());
    } catch (error) {
      this.#emit('error', { code: 'connect_failed', message: String(error?.message ?? error), local: true });
      return this.#scheduleReconnect();
    }
    this.#ws = socket;
    this.#usedToken = this.#acceptedToken = token ?? null;
    this.#sentRefreshes = [];
    this.#expiresAt = expiryMs(token);
    let opened = false;
    socket.onopen = () => { opened = true; };
    socket.onmessage = (event) => this.#onFrame(socket, event.data);
    socket.onclose = (event) => this.#onClose(socket, event, opened);
    // Browsers set no time limit on a handshake: one that brings no welcome is given up like a silent connection.
    clearTimeout(this.#timers.heartbeat);
    if (this.#o.heartbeatMs > 0) {
      this.#timers.heartbeat = setTimeout(() => {
        if (socket === this.#ws && this.#state === 'connecting') this.#giveUp(socket, 'no welcome', false);
      }, this.#o.heartbeatMs + this.#o.heartbeatTimeoutMs);
    }
  }

  #url() {
    const base = this.#env?.location?.href ?? globalThis.location?.href;
    const url = new URL(this.#o.url, base);
    if (url.protocol === 'http:') url.protocol = 'ws:';
    if (url.protocol === 'https:') url.protocol = 'wss:';
    // The global channel resumes through the URL, as it always has; other channels through subscribe.
    const since = this.#channels.has(GLOBAL) ? this.#since(GLOBAL) : undefined;
    if (since) url.searchParams.set('since', since);
    else url.searchParams.delete('since');
    return url.href;
  }

  // Full jitter spreads a crowd of reconnecting pages evenly over the window, so a restarted instance
  // is not hit by all of them at once. A server's goaway hint replaces one step.
  #scheduleReconnect() {
    let delay;
    if (this.#goAwayMs !== null) {
      delay = this.#goAwayMs;
      this.#goAwayMs = null;
    } else {
      const ceiling = Math.min(this.#o.backoffCapMs, this.#o.backoffBaseMs * 2 ** this.#attempt);
      this.#attempt = Math.min(this.#attempt + 1, 30);
      delay = this.#random() * ceiling;
    }
    clearTimeout(this.#timers.reconnect);
    this.#timers.reconnect = setTimeout(() => this.#open(), delay);
    this.#setState('reconnecting', Date.now() + delay);
  }

  #onClose(socket, event, opened) {
    if (socket !== this.#ws) return;
    this.#ws = null;
    this.#endConnection();
    // A refused handshake (401 for a bad token) looks like any failed connect to a page: fetch a fresh token next time.
    if (!opened && this.#usedToken) this.#failedBeforeOpen = true;
    this.#emit('disconnect', { code: event?.code, reason: event?.reason ?? '', opened });
    if (this.#stopped || this.#suspended) return;
    if (event?.code === TOKEN_EXPIRED_CLOSE) return this.#onTokenExpired();
    if (!this.#online()) return this.#setState('offline');
    this.#scheduleReconnect();
  }

  #onTokenExpired() {
    // A token set since the socket opened, and not sent before it expired, is still good to open the next one with.
    const unsent = this.#token && this.#token !== this.#usedToken && !this.#isExpired(this.#token);
    if (!unsent && !this.#o.getToken) return this.#halt('token_expired', 'The connection token expired (close 4001) and there is no getToken to fetch another.');
    if (!unsent) this.#token = null;
    this.#goAwayMs = Math.floor(this.#random() * 1000);
    this.#scheduleReconnect();
  }

  // Detaches the socket first, so its late frames or close cannot touch this client.
  #retire() {
    const old = this.#ws;
    if (!old) return;
    this.#ws = null;
    old.onopen = old.onmessage = old.onclose = null;
    this.#endConnection();
    try {
      old.close(1000);
    } catch {
      // Already closing: nothing more to do.
    }
  }

  #restart() {
    if (this.#stopped) return;
    this.#retire();
    this.#attempt = 0;
    this.#open();
  }

  #endConnection() {
    clearTimeout(this.#timers.heartbeat);
    clearTimeout(this.#timers.resend);
    clearTimeout(this.#timers.stable);
    clearTimeout(this.#timers.refresh);
    clearTimeout(this.#timers.retry);
    clearTimeout(this.#timers.outbox);
    this.#timers.retry = this.#timers.outbox = 0;
    this.#retries = [];
    this.#outbox = [];
    this.#budget = { tokens: REQUEST_BURST, at: Date.now() };
    // Frames come in order, so a channel joined on this connection got everything sent to it before the last frame
    // heard: it resumes from then (what was still on its way is within the server's slack), not from when it was joined,
    // nor from an alert long past, whose id the server lets go. Not while a replay is under way: it has not all come.
    for (const channel of this.#joined) {
      if (this.#heardAt === null || this.#resuming.has(channel) || !this.#positions.has(channel)) continue;
      const at = this.#timePoints.get(channel);
      if (at !== undefined && this.#heardAt > at) {
        this.#positions.set(channel, timeId(this.#heardAt));
        this.#timePoints.set(channel, this.#heardAt);
      }
      // An alert point keeps its id; the stamp goes with it, for when the server has let the id go (#since).
      const alertAt = this.#alertTimes.get(channel);
      if (alertAt !== undefined && this.#heardAt > alertAt) this.#stampsAfterAlert.set(channel, this.#heardAt);
    }
    this.#heardAt = null;
    this.#joined.clear();
    this.#requests.clear();
    this.#resuming.clear();
    // The leave was sent or will never need to be: the next connection does not join the channel.
    for (const channel of [...this.#pendingLeaves.keys()]) this.#settle(this.#pendingLeaves, channel, { channel, left: true });
  }

  #halt(code, message) {
    this.close();
    this.#emit('error', { code, message, local: true });
  }

  #setState(state, reconnectAt = null) {
    if (state === this.#state && reconnectAt === this.#reconnectAt) return;
    this.#state = state;
    this.#reconnectAt = reconnectAt;
    this.#emit('state', { state, reconnectAt });
  }

  #isUp() { return this.#ws !== null && this.#state === 'live'; }

  #online() {
    const navigator = this.#env?.navigator ?? globalThis.navigator;
    return navigator?.onLine !== false;
  }

  #random() { return (this.#o.random ?? Math.random)(); }

  // ---- frames

  #onFrame(socket, data) {
    if (socket !== this.#ws || typeof data !== 'string') return;
    const arrivedAt = Date.now();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    this.#handle(socket, frame);
    if (socket !== this.#ws) return;
    this.#heard(frame, arrivedAt);
    this.#lastFrameAt = arrivedAt;
    if (frame.type === 'welcome') this.#watch(socket);
  }

  // ---- liveness

  // A page never sees the WebSocket's own pings, and a connection that died without a close (a laptop that slept,
  // a phone that changed networks) looks open for minutes: after a quiet spell it asks for a pong, and a socket that
  // stays silent is given up and replaced, resuming where it was.
  // One timer per quiet spell, not one per frame: it wakes when the spell may have come, and looks at the last frame.
  #watch(socket) {
    clearTimeout(this.#timers.heartbeat);
    if (!(this.#o.heartbeatMs > 0) || socket !== this.#ws) return;
    // Each spell a little longer or shorter, so pages a broadcast reached together do not ask together.
    const spell = this.#o.heartbeatMs * (0.8 + 0.4 * this.#random());
    const quietFor = Date.now() - this.#lastFrameAt;
    if (quietFor < spell) {
      this.#timers.heartbeat = setTimeout(() => this.#watch(socket), spell - quietFor);
      return;
    }
    const askedAt = Date.now();
    // Sent at once, not behind held subscribes, as its answer is awaited against a clock; a refusal (rate_limited)
    // is an answer too.
    this.#budget.tokens -= 1;
    socket.send(JSON.stringify({ type: 'ping' }));
    this.#timers.heartbeat = setTimeout(() => {
      if (this.#lastFrameAt >= askedAt) this.#watch(socket);
      else this.#giveUp(socket, 'no answer to a ping');
    }, this.#o.heartbeatTimeoutMs);
  }

  #giveUp(socket, why, opened = true) {
    if (socket !== this.#ws) return;
    this.#retire();
    this.#emit('disconnect', { code: 1006, reason: `The connection went silent (${why}).`, opened });
    if (this.#stopped || this.#suspended) return;
    if (!this.#online()) return this.#setState('offline');
    this.#scheduleReconnect();
  }

  #handle(socket, frame) {
    switch (frame.type) {
      case 'welcome': return this.#onWelcome(socket, frame);
      case 'alert': return this.#onAlert(frame);
      case 'pusher_event': return this.#onPusherEvent(frame);
      case 'subscribed': return this.#onSubscribed(frame);
      case 'unsubscribed': return this.#onUnsubscribed(frame);
      case 'refreshed': return this.#onRefreshed(frame);
      case 'error': return this.#onError(frame);
      case 'presence': return this.#emit('presence', frame);
      case 'goaway': return this.#onGoAway(frame);
      default: // The protocol asks clients to ignore frame types they do not know.
    }
  }

  // Frames come in order, so everything the server sent before this one was heard. When it sent it: an alert's
  // sentAt (never later than it was handled: the origin's clock may be ahead), any other frame's serverTime. A frame
  // without a stamp (an error, or one from an instance that cannot vouch for what it has received: no serverTime, or
  // an alert marked stamp: false) moves nothing, as when it was handled says nothing: a frozen tab handles frames
  // late. Nor does the welcome: its serverTime is a clock.
  #heard(frame, arrivedAt) {
    if (frame.type === 'welcome') return;
    const isAlert = frame.type === 'alert';
    if (isAlert && frame.stamp === false) return;
    const stamp = Date.parse(isAlert ? frame.sentAt : frame.serverTime);
    if (!Number.isFinite(stamp)) return;
    const sent = isAlert ? Math.min(stamp, arrivedAt + this.#info.clockOffsetMs) : stamp;
    if (this.#heardAt === null || sent > this.#heardAt) this.#heardAt = sent;
  }

  // When an alert was sent, by the server's clock and never later than now; now if it does not say.
  #sentAt(frame, now = this.serverNow()) {
    const stamp = Date.parse(frame.sentAt);
    return Number.isFinite(stamp) ? Math.min(stamp, now) : now;
  }

  #onWelcome(socket, frame) {
    // A token set or fetched while connecting, for another user (or none): a new connection, before this one is used.
    if (this.#token !== this.#usedToken && !this.#isSameUser(this.#token)) return this.#restart();
    const serverTime = Date.parse(frame.serverTime);
    if (Number.isFinite(serverTime)) this.#info.clockOffsetMs = serverTime - Date.now();
    if (Number.isInteger(frame.maxTextLength) && frame.maxTextLength > 0) this.#info.maxTextLength = frame.maxTextLength;
    this.#info.resumePoints = Number.isInteger(frame.resumePoints) && frame.resumePoints > 0 ? frame.resumePoints : 1;
    this.#info.instance = frame.instance ?? null;
    this.#info.region = frame.region ?? null;
    this.#failedBeforeOpen = false;
    const joinedAt = Number.isFinite(serverTime) ? serverTime : this.serverNow();
    if (this.#channels.has(GLOBAL)) this.#joinedAt(GLOBAL, joinedAt);
    if (frame.resume) this.#startReplay(GLOBAL, frame.resume);
    // Channels are asked for before anyone hears of the welcome, so a join() in a handler is not sent twice.
    this.#rejoin(socket);
    this.#sendQueued(socket, true);
    // The server puts a signed-in socket in its user: channel itself (a page that left it drops its alerts); its
    // resume point is set after #rejoin, which resumes the channel only from a point an earlier connection set.
    const own = this.#ownChannel();
    if (own && this.#left.has(own)) this.#joined.add(own);
    else if (own) this.#joinedAt(own, joinedAt);
    this.#settle(this.#pendingJoins, GLOBAL, { channel: GLOBAL, joined: true, resume: frame.resume ?? null });
    this.#planRefresh();
    this.#timers.stable = setTimeout(() => { this.#attempt = 0; }, this.#o.stableAfterMs);
    this.#setState('live');
    // The same user's newer token goes out as a refresh.
    if (this.#token !== this.#usedToken) this.#applyToken(socket, this.#token);
    this.#emit('welcome', frame);
    if (frame.resume) this.#emit('resume', { channel: GLOBAL, ...frame.resume });
  }

  #rejoin(socket) {
    if (!this.#channels.has(GLOBAL)) this.#request(socket, { type: 'unsubscribe', channel: GLOBAL });
    for (const channel of this.#channels.keys()) {
      if (channel !== GLOBAL) this.#subscribe(socket, channel);
    }
    // The server puts a signed-in socket in its user: channel itself; asking again is how that channel resumes.
    const own = this.#ownChannel();
    if (own && !this.#channels.has(own) && !this.#left.has(own) && this.#positions.has(own)) this.#subscribe(socket, own);
  }

  // Where a channel resumes from: its position, and after an alert's id the last stamp heard after it (`id,time id`). The
  // server takes the id while it holds it, as an id replays by arrival whatever the clocks say, and the stamp once it has
  // let the id go: by age, or on a busy instance by count, which only the server knows. The pair goes only to servers
  // whose welcome said they take it (the last welcome heard, for the URL's, which goes before the next one's).
  #since(channel) {
    const position = this.#positions.get(channel);
    const stamp = this.#stampsAfterAlert.get(channel);
    return position !== undefined && stamp !== undefined && this.#info.resumePoints >= 2 ? `${position},${timeId(stamp)}` : position;
  }

  #subscribe(socket, channel) {
    const frame = { type: 'subscribe', channel };
    const since = this.#since(channel);
    if (since) {
      frame.since = since;
      // Until the answer, live alerts on the channel are held: they must not move its position past what the
      // replay covers, and the page sees them after the replay, in the channel's order.
      this.#resuming.set(channel, { waiting: true, remaining: 0, held: this.#resuming.get(channel)?.held ?? [] });
    }
    this.#request(socket, frame);
  }

  #request(socket, frame) {
    if (frame.channel !== undefined) this.#queue(this.#requests, frame.channel, frame.type);
    // A refresh goes ahead of held subscribes: the token may run out before they are through.
    if (frame.type === 'refresh') this.#outbox.unshift(frame);
    else this.#outbox.push(frame);
    this.#sendQueued(socket);
  }

  // Takes back a subscribe for the channel that is still held (not sent), if the server has the channel in no other
  // way: not joined, and nothing else asked of it. True if it did.
  #withdrawHeldSubscribe(channel) {
    const held = this.#outbox.findLastIndex((f) => f.type === 'subscribe' && f.channel === channel);
    const asked = this.#requests.get(channel);
    if (held < 0 || this.#joined.has(channel) || asked?.length !== 1 || asked[0] !== 'subscribe') return false;
    this.#outbox.splice(held, 1);
    this.#requests.delete(channel);
    return true;
  }

  // Sends held requests in order (a refresh first), as far as the request budget allows (all of them for a reconnect's channels,
  // which the server makes room for); the rest once it has grown back.
  #sendQueued(socket = this.#ws, all = false) {
    clearTimeout(this.#timers.outbox);
    this.#timers.outbox = 0;
    if (!socket || socket !== this.#ws) return;
    const now = Date.now();
    const budget = this.#budget;
    budget.tokens = Math.min(REQUEST_BURST, budget.tokens + ((now - budget.at) * REQUESTS_PER_SECOND) / 1000);
    budget.at = now;
    while (this.#outbox.length > 0 && (all || budget.tokens >= 1)) {
      budget.tokens -= 1;
      socket.send(JSON.stringify(this.#outbox.shift()));
    }
    if (this.#outbox.length > 0) {
      this.#timers.outbox = setTimeout(() => this.#sendQueued(), Math.ceil(((1 - budget.tokens) * 1000) / REQUESTS_PER_SECOND));
    }
  }

  #onAlert(frame) {
    if (typeof frame.text !== 'string') return;
    const channel = typeof frame.channel === 'string' ? frame.channel : GLOBAL;
    if (this.#left.has(channel)) return;
    const resume = this.#resuming.get(channel);
    if (resume?.waiting) {
      resume.held.push(frame);
      return;
    }
    const id = frame.id == null ? null : String(frame.id);
    const replayed = this.#advance(channel, id, this.#sentAt(frame), resume);
    this.#deliver(frame, channel, id, replayed);
    // The replay's last alert is in: the live alerts that beat its answer follow it.
    if (resume && !this.#resuming.has(channel)) this.#release(resume.held);
  }

  #deliver(frame, channel, id, replayed) {
    if (id !== null) {
      if (this.#seen.has(id)) return;
      this.#remember(id);
    }
    const meta = { channel, replayed };
    for (const handler of [...(this.#channels.get(channel) ?? [])]) this.#call(handler, frame, meta);
    this.#emit('alert', frame, meta);
  }

  // An event from the Pusher door on a `pusher:` channel (docs/protocol.md, "The same rooms through both doors"). The
  // server keeps none for resuming, so it moves no resume point and is not held for a replay.
  #onPusherEvent(frame) {
    const channel = frame.channel;
    if (typeof channel !== 'string' || typeof frame.event !== 'string' || !this.#channels.has(channel)) return;
    const meta = { channel, replayed: false };
    for (const handler of [...this.#channels.get(channel)]) this.#call(handler, frame, meta);
    this.#emit('pusher_event', frame, meta);
  }

  // Live alerts held while a resume awaited its answer, delivered once its replay is in (those the replay
  // repeated are dropped as seen).
  #release(held) {
    for (const frame of held ?? []) this.#onAlert(frame);
  }

  // Moves the channel's resume position to this alert; says whether the alert belongs to a replay.
  #advance(channel, id, sentAt, resume) {
    if (id !== null) {
      this.#positions.set(channel, id);
      this.#timePoints.delete(channel);
      this.#alertTimes.set(channel, sentAt);
      this.#stampsAfterAlert.delete(channel);
    }
    if (!resume) return false;
    if (--resume.remaining <= 0) this.#resuming.delete(channel);
    return true;
  }

  #startReplay(channel, resume, held) {
    const count = Number.isInteger(resume?.replayed) ? resume.replayed : 0;
    if (count > 0) this.#resuming.set(channel, { waiting: false, remaining: count, held });
    else this.#resuming.delete(channel);
  }

  #remember(id) {
    this.#seen.add(id);
    // A Set iterates in insertion order, so its first value is the oldest.
    if (this.#seen.size > this.#o.seenLimit) this.#seen.delete(this.#seen.values().next().value);
  }

  #onSubscribed(frame) {
    const channel = frame.channel;
    if (typeof channel !== 'string') return;
    this.#answered(channel);
    if (!this.#channels.has(channel) && channel !== this.#ownChannel()) return;
    const confirmedAt = Date.parse(frame.serverTime);
    this.#joinedAt(channel, Number.isFinite(confirmedAt) ? confirmedAt : this.#heardAt ?? this.serverNow());
    const held = this.#resuming.get(channel)?.held;
    if (frame.resume) this.#startReplay(channel, frame.resume, held);
    else this.#resuming.delete(channel);
    this.#settle(this.#pendingJoins, channel, { channel, joined: true, resume: frame.resume ?? null });
    this.#emit('subscribed', frame);
    if (frame.resume) this.#emit('resume', { channel, ...frame.resume });
    // Nothing to replay: the held live alerts come now.
    if (!this.#resuming.has(channel)) this.#release(held);
  }

  #onUnsubscribed(frame) {
    const channel = frame.channel;
    if (typeof channel !== 'string') return;
    if (frame.reason) {
      // Unasked: a refreshed token no longer allows the channel.
      this.#channels.delete(channel);
      this.#forget(channel);
      this.#settle(this.#pendingJoins, channel, { channel, joined: false, code: frame.reason, message: 'The token no longer allows this channel.' });
    } else {
      this.#answered(channel);
    }
    this.#joined.delete(channel);
    this.#settle(this.#pendingLeaves, channel, { channel, left: true });
    this.#emit('unsubscribed', frame);
  }

  #onError(frame) {
    const channel = typeof frame.channel === 'string' ? frame.channel : null;
    if (channel && SUBSCRIBE_REFUSALS.has(frame.code) && this.#answered(channel) === 'subscribe' && !this.#requests.has(channel)) {
      this.#channels.delete(channel);
      this.#dropResumePoint(channel);
      this.#settle(this.#pendingJoins, channel, { channel, joined: false, code: frame.code, message: frame.message });
    }
    // A subscribe or unsubscribe past the server's request budget: it names the channel, and is asked again when told.
    // One naming no channel answers an alert, a refresh or a ping, and nothing in it says which.
    if (!channel && frame.code === 'rate_limited' && this.#sentRefreshes.length > 0) this.#resendRefresh(frame.retryAfterMs);
    if (channel && frame.code === 'rate_limited') {
      const kind = this.#answered(channel);
      if (kind) this.#askAgain(channel, kind, frame.retryAfterMs);
    }
    if (REFRESH_REFUSALS.has(frame.code)) {
      // The connection still runs on the token before: the refused one may be sent again (its refusal may have been
      // passing, as when the server could not fetch its keys).
      this.#sentRefreshes.shift();
      this.#usedToken = this.#acceptedToken;
      this.#planRefresh(RETRY_REFRESH_MS);
    }
    this.#emit('error', frame);
  }

  // One at a time, each when the server said it would take one more: asked all at once, most would be refused again.
  #askAgain(channel, kind, retryAfterMs) {
    this.#retries.push({ channel, kind });
    this.#retryAfterMs = Math.max(Number.isFinite(retryAfterMs) ? retryAfterMs : 1000, 50);
    if (!this.#timers.retry) this.#timers.retry = setTimeout(() => this.#retryNext(), this.#retryAfterMs);
  }

  #retryNext() {
    this.#timers.retry = 0;
    const next = this.#retries.shift();
    // Offline: the socket is given up when the network is back, and the next connection asks for every channel.
    if (!next || !this.#isUp()) return;
    const { channel, kind } = next;
    const pending = this.#requests.get(channel) ?? [];
    const wanted = this.#channels.has(channel) || (channel === this.#ownChannel() && !this.#left.has(channel));
    // Asked again while not joined, while a join() waits for it (the user: channel is in #joined from the welcome
    // even when the page had left it), or while its resume is unanswered.
    const unanswered = !this.#joined.has(channel) || this.#pendingJoins.has(channel) || this.#resuming.get(channel)?.waiting;
    if (kind === 'subscribe' && wanted && !pending.includes('subscribe') && unanswered) {
      this.#subscribe(this.#ws, channel);
    } else if (kind === 'unsubscribe' && !wanted && !pending.includes('unsubscribe')) {
      this.#request(this.#ws, { type: 'unsubscribe', channel });
    }
    if (this.#retries.length > 0) this.#timers.retry = setTimeout(() => this.#retryNext(), this.#retryAfterMs);
  }


  #onGoAway(frame) {
    const ms = Number(frame.reconnectAfterMs);
    if (Number.isFinite(ms) && ms >= 0) this.#goAwayMs = Math.min(ms, this.#o.backoffCapMs);
    this.#emit('goaway', frame);
  }

  #answered(channel) {
    const kinds = this.#requests.get(channel);
    const kind = kinds?.shift();
    if (kinds?.length === 0) this.#requests.delete(channel);
    return kind;
  }

  // The channel is joined on this connection as of `serverMs` (the server's clock): if no alert has come on it yet,
  // a reconnect resumes it from then.
  #joinedAt(channel, serverMs) {
    this.#joined.add(channel);
    if (this.#positions.has(channel)) return;
    this.#positions.set(channel, timeId(serverMs));
    this.#timePoints.set(channel, serverMs);
  }

  #forget(channel) {
    this.#dropResumePoint(channel);
    this.#left.add(channel);
  }

  // Everything that says where a channel resumes from, for a channel the page is no longer in.
  #dropResumePoint(channel) {
    this.#positions.delete(channel);
    this.#timePoints.delete(channel);
    this.#alertTimes.delete(channel);
    this.#stampsAfterAlert.delete(channel);
    this.#resuming.delete(channel);
  }

  #ownChannel() {
    const user = this.user;
    return user ? `user:${user}` : null;
  }

  // ---- tokens

  async #tokenForConnect() {
    if (!this.#o.getToken) return this.#token;
    const expires = expiryMs(this.#token);
    const stale = !this.#token || this.#failedBeforeOpen || (expires !== null && expires - this.#o.refreshBeforeMs <= this.serverNow());
    return stale ? this.#fetchToken() : this.#token;
  }

  // One fetch at a time: a refresh and a reconnect that both need a token share it. A setToken() while it runs wins.
  #fetchToken() {
    if (!this.#o.getToken) return Promise.resolve(this.#token);
    this.#tokenPromise ??= (async () => {
      const sets = this.#tokenSets;
      try {
        const token = (await this.#o.getToken()) || null;
        if (sets === this.#tokenSets) this.#token = token;
        return this.#token;
      } finally {
        this.#tokenPromise = null;
      }
    })();
    return this.#tokenPromise;
  }

  // Refresh a minute before exp (or at half the remaining life of a short token), by the server's clock.
  #planRefresh(atLeastMs = 0) {
    clearTimeout(this.#timers.refresh);
    if (!this.#o.getToken || this.#expiresAt === null || !this.#ws) return;
    const remaining = this.#expiresAt - this.serverNow();
    const lead = Math.min(this.#o.refreshBeforeMs, Math.max(0, remaining / 2));
    this.#timers.refresh = setTimeout(() => this.#refresh(), Math.max(atLeastMs, remaining - lead));
  }

  async #refresh() {
    const socket = this.#ws;
    if (!socket || this.#state !== 'live') return;
    try {
      this.#applyToken(socket, await this.#fetchToken());
    } catch (error) {
      this.#tokenFetchFailed(error);
      this.#planRefresh(RETRY_REFRESH_MS);
    }
  }

  #applyToken(socket, token) {
    // A newer connection has started since: the token is for it, if still the newest (its welcome may be in already).
    if (socket !== this.#ws) {
      if (token !== this.#token) return;
      socket = this.#ws;
    }
    if (!socket || (!token && !this.#usedToken)) return;
    // Signed in, out, or as someone else: a refresh cannot change the user, a new connection can. Not live yet (or
    // offline) too: the socket must not stay in the old user's channel meanwhile.
    if (!this.#isSameUser(token)) return this.#restart();
    // Not live: the welcome sends it as a refresh, or the next connection opens with it.
    if (this.#state !== 'live') return;
    if (token === this.#usedToken) return this.#planRefresh(RETRY_REFRESH_MS);
    // The expiry moves only when the server says `refreshed`; a refused token leaves the old one in force.
    this.#usedToken = token;
    this.#sentRefreshes.push(token);
    this.#request(socket, { type: 'refresh', token });
  }

  // A refresh may have been refused as rate_limited: the newest one is sent again when the server would take it, unless
  // an answer to it comes first (then the rate_limited answered an alert). A second `refreshed` for it changes nothing.
  #resendRefresh(retryAfterMs) {
    const socket = this.#ws;
    clearTimeout(this.#timers.resend);
    this.#timers.resend = setTimeout(() => {
      const token = this.#sentRefreshes.at(-1);
      if (token && socket === this.#ws && this.#isUp()) this.#request(socket, { type: 'refresh', token });
    }, Math.max(Number.isFinite(retryAfterMs) ? retryAfterMs : 1000, 50));
  }

  #isSameUser(token) {
    return Boolean(token && this.#usedToken && tokenClaims(token).sub === this.user);
  }

  #onRefreshed(frame) {
    // Two refreshes may be out at once (setToken during one): the server took the one whose expiry it names.
    const expiresAt = Date.parse(frame.expiresAt);
    const taken = this.#sentRefreshes.findIndex((token) => expiryMs(token) === expiresAt);
    if (taken >= 0) {
      this.#acceptedToken = this.#sentRefreshes[taken];
      this.#sentRefreshes.splice(0, taken + 1);
    }
    if (Number.isFinite(expiresAt)) this.#expiresAt = expiresAt;
    this.#planRefresh();
    this.#emit('refreshed', frame);
  }

  #tokenFetchFailed(error) {
    this.#emit('error', { code: 'token_fetch_failed', message: String(error?.message ?? error), local: true });
  }

  #isExpired(token) {
    const expires = expiryMs(token);
    return expires !== null && expires <= this.serverNow();
  }

  // ---- the page around it

  #listen() {
    const env = this.#env;
    if (!env?.addEventListener || this.#envHandlers) return;
    this.#envHandlers = {
      offline: () => {
        clearTimeout(this.#timers.reconnect);
        this.#setState('offline');
      },
      // After a network change the old connection is usually dead (a new address) but may look open for minutes: start
      // afresh at once rather than spend a ping's timeout finding out; the resume loses nothing.
      online: () => this.#restart(),
      pagehide: () => {
        this.#suspended = true;
        clearTimeout(this.#timers.reconnect);
        this.#retire();
        // No socket until pageshow: not live, and no attempt planned.
        this.#setState('closed');
      },
      // Back from the back/forward cache: the socket was closed on pagehide.
      pageshow: (event) => {
        if (!event.persisted || !this.#suspended) return;
        this.#suspended = false;
        this.#restart();
      },
      visibilitychange: () => this.#onVisible(),
    };
    for (const [name, handler] of Object.entries(this.#envHandlers)) {
      if (name !== 'visibilitychange') env.addEventListener(name, handler);
    }
    env.document?.addEventListener?.('visibilitychange', this.#envHandlers.visibilitychange);
  }

  #unlisten() {
    const env = this.#env;
    if (!this.#envHandlers) return;
    for (const [name, handler] of Object.entries(this.#envHandlers)) {
      if (name !== 'visibilitychange') env.removeEventListener(name, handler);
    }
    env.document?.removeEventListener?.('visibilitychange', this.#envHandlers.visibilitychange);
    this.#envHandlers = null;
  }

  // Hidden tabs have their timers slowed: on coming back, do at once what may have been held up.
  #onVisible() {
    if (this.#env?.document?.visibilityState !== 'visible') return;
    if (this.#state === 'reconnecting') {
      this.#open();
      return;
    }
    if (this.#isUp() && this.#o.getToken && this.#expiresAt !== null && this.#expiresAt - this.#o.refreshBeforeMs <= this.serverNow()) {
      this.#refresh();
    }
  }

  // ---- events

  #emit(event, ...args) {
    for (const handler of [...(this.#listeners.get(event) ?? [])]) this.#call(handler, ...args);
  }

  // One failing handler must not stop the others, nor the client.
  #call(handler, ...args) {
    try {
      handler(...args);
    } catch (error) {
      report(error);
    }
  }

  #queue(map, key, value) {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }

  #settle(map, key, result) {
    const list = map.get(key);
    if (!list) return;
    map.delete(key);
    for (const resolve of list) resolve(result);
  }
}

/** Creates a client and connects it: `const client = connect({ getToken, channels: ['team:42'] })`. */
export function connect(options) {
  return new NotificationsClient(options).connect();
}
