// Connecting, reporting state, reconnecting: backoff, the goaway hint, the network and the page's life.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeWebSocket, flush, setUp, tearDown, tick } from './fakes.mjs';

let ctx;
afterEach(() => tearDown(ctx?.client));

test('connects to /ws on the page origin, anonymously, and is live after the welcome', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  assert.equal(socket.url.href, 'wss://notify.example/ws');
  assert.equal(socket.protocols, undefined, 'an anonymous page offers no subprotocol, as today');
  assert.equal(ctx.client.state, 'connecting');

  socket.welcome({ instance: 'e784', region: 'syd', maxTextLength: 99 });

  assert.deepEqual(ctx.states(), ['connecting', 'live']);
  assert.equal(ctx.client.live, true);
  assert.equal(ctx.client.instance, 'e784');
  assert.equal(ctx.client.region, 'syd');
  assert.equal(ctx.client.maxTextLength, 99);
  assert.deepEqual(socket.sent, [], 'a page in global only sends nothing');
});

test('the welcome sets the clock offset from serverTime', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome({ serverTime: new Date(Date.now() + 4000).toISOString() });
  assert.equal(ctx.client.clockOffsetMs, 4000);
  assert.equal(ctx.client.serverNow(), Date.now() + 4000);
});

test('reconnects with full-jitter backoff that doubles up to the cap and resets once stable', async () => {
  ctx = setUp({}, { random: 1 - Number.EPSILON });
  ctx.client.connect();
  await flush();
  const delays = [];
  for (let i = 0; i < 7; i++) {
    FakeWebSocket.last.drop();
    assert.equal(ctx.client.state, 'reconnecting');
    const delay = ctx.client.reconnectAt - Date.now();
    delays.push(Math.round(delay));
    await tick(delay);
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 15000, 15000]);

  FakeWebSocket.last.welcome();
  await tick(5000);
  FakeWebSocket.last.drop();
  assert.equal(Math.round(ctx.client.reconnectAt - Date.now()), 500, 'five seconds live resets the backoff');
});

test('the jitter is random within the window: a random of 0.25 waits a quarter of it', async () => {
  ctx = setUp({}, { random: 0.25 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.drop();
  assert.equal(ctx.client.reconnectAt - Date.now(), 125);
});

test('a goaway hint replaces one backoff step', async () => {
  ctx = setUp({}, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();
  first.receive({ type: 'goaway', reconnectAfterMs: 2345 });
  first.drop(1012);

  assert.equal(ctx.client.state, 'reconnecting');
  assert.equal(ctx.client.reconnectAt - Date.now(), 2345);
  await tick(2344);
  assert.equal(FakeWebSocket.sockets.length, 1);
  await tick(1);
  assert.equal(FakeWebSocket.sockets.length, 2);
});

test('state events carry when the next attempt starts, for a "reconnecting in N s" label', async () => {
  ctx = setUp({}, { random: 0.5 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.drop();
  const last = ctx.events.filter((e) => e.name === 'state').at(-1).payload;
  assert.equal(last.state, 'reconnecting');
  assert.equal(last.reconnectAt, Date.now() + 250);
});

test('offline stops trying; online reconnects at once with a fresh backoff', async () => {
  ctx = setUp({}, { random: 0.5 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();

  ctx.win.goOffline();
  assert.equal(ctx.client.state, 'offline');
  first.drop();
  assert.equal(ctx.client.state, 'offline', 'a socket that ends while offline waits for the network');
  await tick(60_000);
  assert.equal(FakeWebSocket.sockets.length, 1);

  ctx.win.goOnline();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(ctx.client.state, 'connecting');
});

test('coming online while a socket still looks open replaces it: it may be half-open', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();

  ctx.win.goOffline();
  ctx.win.goOnline();
  await flush();

  assert.deepEqual(first.closedByClient, { code: 1000, reason: '' });
  assert.equal(FakeWebSocket.sockets.length, 2);
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2, 'the old socket\'s late close starts nothing');
});

test('a hidden page that comes back while waiting to reconnect tries at once', async () => {
  ctx = setUp({}, { random: 1 - Number.EPSILON });
  ctx.client.connect();
  await flush();
  for (let i = 0; i < 5; i++) {
    FakeWebSocket.last.drop();
    await tick(ctx.client.reconnectAt - Date.now());
  }
  ctx.win.setVisible(false);
  FakeWebSocket.last.drop();
  assert.ok(ctx.client.reconnectAt - Date.now() > 10_000);

  ctx.win.setVisible(true);
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 7);
  assert.equal(ctx.client.state, 'connecting');
});

test('pagehide closes the socket and stays quiet; pageshow from the back/forward cache reconnects', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();

  ctx.win.pageHide();
  assert.deepEqual(first.closedByClient, { code: 1000, reason: '' });
  await tick(60_000);
  assert.equal(FakeWebSocket.sockets.length, 1);

  ctx.win.pageShow(true);
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
});

test('pagehide says closed until pageshow, and close() after it leaves connect() working', async () => {
  ctx = setUp({}, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  // A page that closes on pagehide and connects on pageshow itself.
  ctx.win.addEventListener('pagehide', () => ctx.client.close());
  ctx.win.addEventListener('pageshow', (event) => { if (event.persisted) ctx.client.connect(); });

  ctx.win.pageHide();
  assert.equal(ctx.client.state, 'closed');
  assert.equal(ctx.client.live, false);
  ctx.win.pageShow(true);
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
  FakeWebSocket.last.welcome();
  assert.equal(ctx.client.state, 'live');
});

test('pagehide alone: not live, nothing planned, until pageshow', async () => {
  ctx = setUp({}, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  ctx.win.pageHide();
  assert.equal(ctx.client.state, 'closed');
  assert.equal(ctx.client.reconnectAt, null);
  ctx.win.pageShow(true);
  await flush();
  assert.equal(ctx.client.state, 'connecting');
});

test('close() stops for good until connect(), and says closed', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  ctx.client.close();
  assert.equal(ctx.client.state, 'closed');
  await tick(60_000);
  ctx.win.goOnline();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 1);

  ctx.client.connect();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
});

test('send() writes an alert frame only while live', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  assert.equal(ctx.client.send('too early'), false);
  const socket = FakeWebSocket.last;
  socket.welcome();

  assert.equal(ctx.client.send('Alien landing!'), true);
  assert.deepEqual(socket.of('alert'), [{ type: 'alert', text: 'Alien landing!' }]);
  assert.equal(ctx.client.send('to a channel not joined', { channel: 'team:1' }), false);
});

test('send() refuses what the server would, as it counts: text over maxTextLength in code points after trimming, or empty', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome({ maxTextLength: 5 });
  const errors = () => ctx.events.filter((e) => e.name === 'error').map((e) => [e.payload.code, e.payload.local]);

  assert.equal(ctx.client.send('\u00a0 👽👽👽👽👽\n\u0085'), true, 'five code points once trimmed, though ten UTF-16 units');
  assert.equal(ctx.client.send('👽👽👽👽👽👽'), false);
  assert.equal(ctx.client.send(' \t '), false);
  assert.equal(ctx.client.send('\ufeff12345'), false, 'the server does not trim U+FEFF: six');
  assert.deepEqual(socket.of('alert'), [{ type: 'alert', text: '👽👽👽👽👽' }]);
  assert.deepEqual(errors(), [['text_too_long', true], ['text_required', true], ['text_too_long', true]]);
});

test('send() without a channel is refused while global is left', async () => {
  ctx = setUp({ global: false });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  assert.equal(ctx.client.send('hi'), false);
  assert.equal(ctx.client.send('hi', { channel: 'global' }), false);
  ctx.client.join('global');
  socket.receive({ type: 'subscribed', channel: 'global' });
  assert.equal(ctx.client.send('hi'), true);
  ctx.client.leave('global');
  assert.equal(ctx.client.send('hi'), false, 'left: not after its answer only');
  assert.deepEqual(socket.of('alert'), [{ type: 'alert', text: 'hi' }]);
});

test('every close code but 4001 reconnects: 1008, 1009, 1011, 1013 and an unknown 4999', async () => {
  for (const code of [1008, 1009, 1011, 1013, 4999]) {
    ctx = setUp();
    ctx.client.connect();
    await flush();
    FakeWebSocket.last.welcome();
    FakeWebSocket.last.drop(code);
    assert.equal(ctx.client.state, 'reconnecting', `after ${code}`);
    await tick(ctx.client.reconnectAt - Date.now());
    assert.equal(FakeWebSocket.sockets.length, 2, `after ${code}`);
    tearDown(ctx.client);
  }
});

test('a handler that throws does not stop the others or the client', async () => {
  ctx = setUp();
  const seen = [];
  ctx.client.on('alert', () => { throw new Error('a broken handler'); });
  ctx.client.on('alert', (alert) => seen.push(alert.id));
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  const reported = [];
  const original = globalThis.reportError;
  globalThis.reportError = (error) => reported.push(error.message);
  try {
    socket.alert('a1');
    socket.alert('a2');
  } finally {
    globalThis.reportError = original;
  }
  assert.deepEqual(seen, ['a1', 'a2']);
  assert.deepEqual(reported, ['a broken handler', 'a broken handler']);
});

test('frames that are not JSON objects, and types it does not know, are ignored', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  socket.receive('not json');
  socket.receive('[1,2]');
  socket.receive('null');
  socket.receive({ type: 'from_the_future', x: 1 });
  socket.alert('a1');
  assert.deepEqual(ctx.alerts(), ['a1']);
  assert.equal(ctx.client.state, 'live');
});

test('a quiet connection is asked for a pong after heartbeatMs, and one that answers stays', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  for (let i = 0; i < 29; i++) await tick(1_000);
  assert.equal(socket.pings, 0, 'nothing asked within heartbeatMs of the last frame');
  for (let i = 0; i < 61; i++) await tick(1_000);
  assert.equal(socket.pings, 3, 'a ping each 30 s of quiet, each answered');
  assert.equal(FakeWebSocket.sockets.length, 1);
  assert.equal(ctx.client.state, 'live');
  socket.alert('0193a1c2-7d7e-7c1a-9a51-5f3b7e0d2a11');
  await tick(29_000);
  assert.equal(socket.pings, 3, 'any frame heard puts the next ping off');
});

test('a connection that stays silent after its ping is given up and replaced, resuming where it was', async () => {
  ctx = setUp({}, { random: 0.5 });
  const disconnects = [];
  ctx.client.on('disconnect', (d) => disconnects.push(d));
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  socket.alert('0193a1c2-7d7e-7c1a-9a51-5f3b7e0d2a11');
  socket.answersPings = false;
  for (let i = 0; i < 39; i++) await tick(1_000);
  assert.equal(socket.pings, 1);
  assert.equal(ctx.client.state, 'live', 'still waiting for the answer');
  await tick(1_000);
  assert.equal(socket.closedByClient?.code, 1000, 'the silent socket is closed');
  assert.equal(ctx.client.state, 'reconnecting');
  assert.equal(disconnects.length, 1);
  assert.match(disconnects[0].reason, /no answer to a ping/);
  await tick(ctx.client.reconnectAt - Date.now());
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(FakeWebSocket.last.url.searchParams.get('since'), '0193a1c2-7d7e-7c1a-9a51-5f3b7e0d2a11');
});

test('a handshake that brings no welcome is given up after heartbeatMs and heartbeatTimeoutMs', async () => {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.open();
  for (let i = 0; i < 39; i++) await tick(1_000);
  assert.equal(socket.closedByClient, null);
  await tick(1_000);
  assert.equal(socket.closedByClient?.code, 1000);
  assert.equal(socket.pings, 0, 'no ping before the welcome: the server would not have read the socket yet');
  assert.equal(ctx.client.state, 'reconnecting');
});

test('heartbeatMs: 0 turns the liveness check off', async () => {
  ctx = setUp({ heartbeatMs: 0 });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  socket.answersPings = false;
  for (let i = 0; i < 120; i++) await tick(1_000);
  assert.equal(socket.pings, 0);
  assert.equal(FakeWebSocket.sockets.length, 1);
  assert.equal(ctx.client.state, 'live');
});

test('a ping goes out at once behind hundreds of held subscribes, so a page in many channels is not dropped', async () => {
  ctx = setUp();
  for (let i = 0; i < 600; i++) ctx.client.join(`room:${i}`);
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  for (let i = 0; i < 45; i++) await tick(1_000);

  assert.equal(socket.pings, 1);
  assert.equal(FakeWebSocket.sockets.length, 1);
  assert.equal(ctx.client.state, 'live');
});
