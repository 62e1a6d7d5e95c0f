// Tokens: offered as a subprotocol, fetched by callback, refreshed in place before expiry, replaced
// after 4001, and the races between a refresh and a reconnect.
import { afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenClaims } from '../../client-web/notifications.js';
import { FakeWebSocket, NOW, flush, jwt, setUp, tearDown, tick } from './fakes.mjs';

let ctx;
afterEach(() => tearDown(ctx?.client));

const seconds = () => Math.floor(Date.now() / 1000);
// For tokens made before setUp() starts the fake clock: seconds from where it will start.
const at = (offset) => Math.floor(NOW / 1000) + offset;

/** A getToken that hands out numbered tokens for user 42, each valid for `lifetime` seconds, and counts calls. */
function issuer(lifetime = 3600, sub = '42') {
  const issued = [];
  const getToken = async () => {
    const token = jwt({ sub, exp: seconds() + lifetime, n: issued.length + 1 });
    issued.push(token);
    return token;
  };
  return { issued, getToken };
}

test('reads sub and exp from a token without checking it, and {} from anything else', () => {
  assert.deepEqual(tokenClaims(jwt({ sub: '42', exp: 5 })), { sub: '42', exp: 5 });
  assert.deepEqual(tokenClaims('not a token'), {});
  assert.deepEqual(tokenClaims(undefined), {});
});

test('a token rides as a subprotocol beside notifications.v1, never in the URL', async () => {
  const token = jwt({ sub: '42', exp: at(3600) });
  ctx = setUp({ token });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  assert.deepEqual(socket.protocols, ['notifications.v1', `bearer.${token}`]);
  assert.equal(socket.url.search, '');
  socket.welcome();
  assert.equal(ctx.client.user, '42');
});

test('getToken is called before connecting, and a minute before exp the token is refreshed in place', async () => {
  const { issued, getToken } = issuer(600);
  ctx = setUp({ getToken });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  assert.equal(socket.token, issued[0]);
  socket.welcome();

  await tick(539_000);
  assert.deepEqual(socket.of('refresh'), []);
  await tick(1_000);
  assert.equal(issued.length, 2);
  assert.deepEqual(socket.of('refresh'), [{ type: 'refresh', token: issued[1] }]);

  socket.receive({ type: 'refreshed', expiresAt: new Date(tokenClaims(issued[1]).exp * 1000).toISOString() });
  await tick(539_999);
  assert.equal(socket.of('refresh').length, 1);
  await tick(1);
  assert.equal(socket.of('refresh').length, 2, 'the next refresh is planned from the server\'s expiresAt');
  assert.equal(FakeWebSocket.sockets.length, 1, 'all without a reconnect');
});

test('a short-lived token is refreshed at half its remaining life', async () => {
  const { issued, getToken } = issuer(60);
  ctx = setUp({ getToken });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  await tick(29_999);
  assert.equal(issued.length, 1);
  await tick(1);
  assert.equal(issued.length, 2);
});

// Live on a ten-minute token from getToken, a minute before it runs out: the first refresh has just gone.
async function liveAtFirstRefresh() {
  const { issued, getToken } = issuer(600);
  ctx = setUp({ getToken });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  await tick(540_000);
  return { issued, socket };
}

test('a refused refresh is tried again before the token runs out, not in a tight loop', async () => {
  const { issued, socket } = await liveAtFirstRefresh();
  socket.receive({ type: 'error', code: 'token_invalid', message: 'bad signature' });

  await tick(4_999);
  assert.equal(issued.length, 2);
  await tick(30_001);
  assert.equal(issued.length, 3, 'tried again within the remaining minute');
  assert.equal(socket.of('refresh').length, 2);
});

// A live client whose getToken gives a 10-minute token at the start and a 20-minute one (`next`) after.
async function liveWithTwoTokens() {
  const first = jwt({ sub: '42', exp: at(600) });
  const next = jwt({ sub: '42', exp: at(1200) });
  ctx = setUp({ getToken: async () => (Date.now() === NOW ? first : next) });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  return { socket, next };
}

test('a token the server refused is sent again at the next try: the refusal may have been passing', async () => {
  const { socket, next } = await liveWithTwoTokens();
  await tick(540_000);
  assert.deepEqual(socket.of('refresh'), [{ type: 'refresh', token: next }]);
  socket.receive({ type: 'error', code: 'token_invalid', message: 'the signing keys could not be fetched' });
  await tick(30_000);
  assert.deepEqual(socket.of('refresh'), [{ type: 'refresh', token: next }, { type: 'refresh', token: next }]);
  socket.receive({ type: 'refreshed', expiresAt: new Date(at(1200) * 1000).toISOString(), serverTime: new Date(Date.now()).toISOString() });
  await tick(30_000);
  assert.equal(socket.of('refresh').length, 2, 'taken: nothing more until near its expiry');
});

test('a refresh refused as rate_limited is tried again, and a refresh goes ahead of held subscribes', async () => {
  const { socket, next } = await liveWithTwoTokens();
  await tick(530_000);
  for (let i = 0; i < 300; i++) ctx.client.join(`room:${i}`);
  await tick(10_000);
  await tick(200); // the token is fetched as the first tick ends; the budget's next turn is its
  assert.deepEqual(socket.sent.filter((f) => f.type === 'refresh'), [{ type: 'refresh', token: next }]);
  assert.ok(socket.of('subscribe').length < 210, 'subscribes still held behind it');
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 300 });
  // In steps, as time passes: a timer set within one tick of the fake clock waits for the next.
  for (let i = 0; i < 30; i++) await tick(1_000);
  assert.equal(socket.of('refresh').length, 2);
  socket.receive({ type: 'refreshed', expiresAt: new Date(at(1200) * 1000).toISOString(), serverTime: new Date(Date.now()).toISOString() });
  await tick(60_000);
  assert.equal(socket.of('refresh').length, 2);
});

test('getToken handing back the same token is asked again ever sooner toward exp, but never within five seconds', async () => {
  const token = jwt({ sub: '42', exp: at(120) });
  const calls = [];
  ctx = setUp({ getToken: async () => { calls.push(Date.now() - NOW); return token; } });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  for (let i = 0; i < 1_500; i++) await tick(100);

  assert.deepEqual(calls, [0, 60_000, 90_000, 105_000, 112_500, 117_500, 122_500, 127_500, 132_500, 137_500, 142_500, 147_500]);
});

test('close 4001 (token expired) fetches a new token and reconnects promptly', async () => {
  const { issued, getToken } = issuer(600);
  ctx = setUp({ getToken }, { random: 0.5 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  FakeWebSocket.last.drop(4001, 'token expired');

  assert.equal(ctx.client.state, 'reconnecting');
  assert.ok(ctx.client.reconnectAt - Date.now() <= 1000);
  await tick(1000);
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(FakeWebSocket.last.token, issued[1]);
});

test('with a static token, 4001 ends the client with token_expired instead of retrying forever', async () => {
  ctx = setUp({ token: jwt({ sub: '42', exp: at(600) }) });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  FakeWebSocket.last.drop(4001);
  assert.equal(ctx.client.state, 'closed');
  assert.equal(ctx.events.filter((e) => e.name === 'error').at(-1).payload.code, 'token_expired');
});

test('a static token already expired is not offered: the client stops and says why', async () => {
  ctx = setUp({ token: jwt({ sub: '42', exp: at(-1) }) });
  ctx.client.connect();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 0);
  assert.equal(ctx.client.state, 'closed');
});

test('a handshake that fails before opening gets a fresh token next time (it may have been a 401)', async () => {
  const { issued, getToken } = issuer(3600);
  ctx = setUp({ getToken }, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.drop();
  await tick(0);
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(FakeWebSocket.last.token, issued[1]);

  FakeWebSocket.last.welcome();
  FakeWebSocket.last.drop();
  await tick(0);
  assert.equal(FakeWebSocket.last.token, issued[1], 'a socket that opened proved its token: kept');
});

test('a refresh and a reconnect that both need a token share one fetch', async () => {
  let release;
  let calls = 0;
  const getToken = () => {
    calls++;
    return calls === 1
      ? Promise.resolve(jwt({ sub: '42', exp: seconds() + 600 }))
      : new Promise((resolve) => { release = () => resolve(jwt({ sub: '42', exp: seconds() + 600, n: calls })); });
  };
  ctx = setUp({ getToken }, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();

  await tick(540_000); // the refresh starts fetching
  first.drop(4001); // and the token expires meanwhile
  await tick(0);
  assert.equal(calls, 2, 'the reconnect waits on the same fetch');
  release();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.deepEqual(first.of('refresh'), [], 'nothing is sent on the dead socket');
});

test('a refresh whose socket was replaced while fetching is dropped: the new socket has the new token', async () => {
  let release;
  let calls = 0;
  const getToken = () => {
    calls++;
    if (calls !== 2) return Promise.resolve(jwt({ sub: '42', exp: seconds() + 600, n: calls }));
    return new Promise((resolve) => { release = () => resolve(jwt({ sub: '42', exp: seconds() + 600, n: calls })); });
  };
  ctx = setUp({ getToken }, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();
  await tick(540_000);
  ctx.win.goOffline();
  ctx.win.goOnline();
  release();
  await flush();
  const second = FakeWebSocket.last;
  assert.notEqual(second, first);
  second.welcome();
  assert.deepEqual(first.of('refresh'), []);
  assert.deepEqual(second.of('refresh'), []);
});

test('a token for another user, or none, reconnects rather than refreshing', async () => {
  let sub = '42';
  ctx = setUp({ getToken: async () => (sub ? jwt({ sub, exp: seconds() + 3600 }) : null) }, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();

  sub = '43';
  await ctx.client.refreshToken();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(tokenClaims(FakeWebSocket.last.token).sub, '43');

  FakeWebSocket.last.welcome();
  sub = null;
  await ctx.client.refreshToken();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 3);
  assert.equal(FakeWebSocket.last.protocols, undefined, 'signed out: anonymous');
});

test('a failing getToken is reported and retried with backoff', async () => {
  let fail = true;
  const getToken = async () => {
    if (fail) throw new Error('token endpoint down');
    return jwt({ sub: '42', exp: seconds() + 3600 });
  };
  ctx = setUp({ getToken }, { random: 0.5 });
  ctx.client.connect();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 0);
  assert.equal(ctx.client.state, 'reconnecting');
  assert.equal(ctx.events.find((e) => e.name === 'error').payload.code, 'token_fetch_failed');

  fail = false;
  await tick(ctx.client.reconnectAt - Date.now());
  assert.equal(FakeWebSocket.sockets.length, 1);
});

test('close() while getToken is still fetching stays closed when the fetch then fails', async () => {
  let reject;
  const getToken = () => new Promise((_, no) => { reject = no; });
  ctx = setUp({ getToken }, { random: 0.5 });
  ctx.client.connect();
  await flush();
  ctx.client.close();
  reject(new Error('token endpoint down'));
  await flush();

  assert.equal(ctx.client.state, 'closed');
  assert.equal(ctx.client.reconnectAt, null);
  await tick(60_000);
  assert.equal(FakeWebSocket.sockets.length, 0);
});

test('a page that was hidden past its refresh time refreshes as soon as it is seen', async () => {
  const { issued, getToken } = issuer(600);
  ctx = setUp({ getToken });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  ctx.win.setVisible(false);
  // A hidden tab's timers are held back: the clock moves, the refresh timer does not fire.
  mock.timers.setTime(Date.now() + 560_000);
  ctx.win.setVisible(true);
  await flush();
  assert.equal(issued.length, 2);
  assert.equal(FakeWebSocket.last.of('refresh').length, 1);
});


test('a token set while connecting wins: another user\'s, or none, replaces the socket before it is used', async () => {
  ctx = setUp({ token: jwt({ sub: 'A', exp: at(3600) }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const asA = FakeWebSocket.last;
  ctx.client.setToken(null);
  await flush();
  asA.welcome();
  asA.alert('a1', 'for A only', 'user:A');

  assert.ok(asA.closedByClient, 'A\'s socket is closed');
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(FakeWebSocket.last.protocols, undefined, 'signed out: anonymous');
  assert.deepEqual(ctx.alerts(), []);
  assert.equal(ctx.events.filter((e) => e.name === 'welcome').length, 0, 'A\'s welcome is not passed on');

  ctx.client.setToken(jwt({ sub: 'B', exp: at(3600) }));
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 3);
  FakeWebSocket.last.welcome();
  assert.equal(ctx.client.user, 'B');
  assert.equal(ctx.client.state, 'live');
});

// Live as A; refreshToken() is asked for B's token, and the socket drops before it comes: the reconnect opens with A's.
async function reconnectWhileFetchingB() {
  let release;
  let calls = 0;
  const getToken = () => {
    calls++;
    if (calls === 1) return Promise.resolve(jwt({ sub: 'A', exp: at(3600) }));
    return new Promise((resolve) => { release = () => resolve(jwt({ sub: 'B', exp: at(3600) })); });
  };
  ctx = setUp({ getToken }, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  const refreshing = ctx.client.refreshToken();
  FakeWebSocket.last.drop();
  await tick(0);
  const second = FakeWebSocket.last;
  assert.equal(tokenClaims(second.token).sub, 'A', 'A\'s token is still fresh: the reconnect uses it');
  return { second, arrive: async () => { release(); await refreshing; } };
}

test('a token for another user fetched for the socket before goes to the next: checked at its welcome', async () => {
  const { second, arrive } = await reconnectWhileFetchingB();
  await arrive();
  second.welcome();
  second.alert('a1', 'for A only', 'user:A');

  assert.ok(second.closedByClient);
  assert.deepEqual(ctx.alerts(), []);
  await flush();
  assert.equal(tokenClaims(FakeWebSocket.last.token).sub, 'B');
});

test('a token for another user fetched for the socket before goes to the next: applied if it is live already', async () => {
  const { second, arrive } = await reconnectWhileFetchingB();
  second.welcome();
  assert.equal(ctx.client.user, 'A');
  await arrive();
  await flush();

  assert.ok(second.closedByClient, "A's socket is not kept for B");
  assert.equal(FakeWebSocket.sockets.length, 3);
  assert.equal(tokenClaims(FakeWebSocket.last.token).sub, 'B');
});

test('a token set while the connect\'s getToken runs is the one the socket opens with', async () => {
  let release;
  ctx = setUp({ getToken: () => new Promise((resolve) => { release = () => resolve(jwt({ sub: 'A', exp: seconds() + 3600 })); }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const mine = jwt({ sub: 'B', exp: at(3600) });
  ctx.client.setToken(mine);
  release();
  await flush();
  assert.equal(FakeWebSocket.sockets.length, 1);
  assert.equal(FakeWebSocket.last.token, mine);
});

test('the same user\'s token set while connecting is sent as a refresh once welcomed', async () => {
  const { issued, getToken } = issuer(600);
  ctx = setUp({ getToken }, { random: 0 });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  const newer = jwt({ sub: '42', exp: at(1200) });
  ctx.client.setToken(newer);
  socket.welcome();
  assert.equal(FakeWebSocket.sockets.length, 1);
  assert.equal(socket.token, issued[0]);
  assert.deepEqual(socket.of('refresh'), [{ type: 'refresh', token: newer }]);
});

test('signing out while offline with the socket still open closes it: the old user\'s alerts stop', async () => {
  ctx = setUp({ token: jwt({ sub: 'A', exp: at(3600) }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const asA = FakeWebSocket.last;
  asA.welcome();
  ctx.win.goOffline();
  ctx.client.setToken(null);
  asA.alert('a1', 'for A only', 'user:A');

  assert.ok(asA.closedByClient);
  assert.deepEqual(ctx.alerts(), []);
  assert.equal(ctx.client.state, 'offline');
  ctx.win.goOnline();
  await flush();
  assert.equal(FakeWebSocket.last.protocols, undefined, 'back online: anonymous');
});

test('an alert\'s rate_limited while a refresh is out keeps the refresh: sent again only if still unanswered then', async () => {
  const { issued, socket } = await liveAtFirstRefresh();
  assert.deepEqual(socket.of('refresh'), [{ type: 'refresh', token: issued[1] }]);

  // The same frame answers a refused alert and a refused refresh; this one answered the page's alert.
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many alerts', retryAfterMs: 100 });
  socket.receive({ type: 'refreshed', expiresAt: new Date(tokenClaims(issued[1]).exp * 1000).toISOString(), serverTime: new Date(Date.now()).toISOString() });
  await tick(1_000);
  assert.equal(socket.of('refresh').length, 1, 'answered: not sent again');
  assert.equal(issued.length, 2, 'and no token fetched for it');

  // A refresh the server did refuse: the same token goes again once the server would take it.
  await tick(539_000);
  assert.deepEqual(socket.of('refresh').at(-1), { type: 'refresh', token: issued[2] });
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 100 });
  await tick(100);
  assert.deepEqual(socket.of('refresh').slice(1), [{ type: 'refresh', token: issued[2] }, { type: 'refresh', token: issued[2] }]);
  assert.equal(issued.length, 3);
});

test('a refresh resent after rate_limited is not called off by the same token set again', async () => {
  ctx = setUp({ token: jwt({ sub: 'A', exp: at(3600) }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  const newer = jwt({ sub: 'A', exp: at(7200) });
  ctx.client.setToken(newer);
  socket.welcome();
  assert.equal(socket.of('refresh').length, 1);
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 1000 });
  ctx.client.setToken(newer);
  for (let i = 0; i < 5; i++) await tick(1_000);
  assert.equal(socket.of('refresh').length, 2);
});

test('a 4001 close opens the next socket with a good token set meanwhile, even without getToken', async () => {
  ctx = setUp({ token: jwt({ sub: 'A', exp: at(120) }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  ctx.win.goOffline();
  const fresh = jwt({ sub: 'A', exp: at(3600) });
  ctx.client.setToken(fresh);
  await tick(1_000);
  socket.drop(4001, 'token expired');
  await flush();
  assert.notEqual(ctx.client.state, 'closed');
  ctx.win.goOnline();
  await tick(1_000);
  assert.equal(FakeWebSocket.sockets.length, 2);
  assert.equal(FakeWebSocket.last.token, fresh);
});
