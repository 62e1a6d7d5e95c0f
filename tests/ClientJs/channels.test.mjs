// Joining and leaving channels: answers matched to requests, refusals, per-channel handlers.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { isValidChannel } from '../../client-web/notifications.js';
import { FakeWebSocket, flush, jwt, setUp, setUpLive, tearDown, tick } from './fakes.mjs';

let ctx;
afterEach(() => tearDown(ctx?.client));

async function live(options) {
  ctx = await setUpLive(options);
  return FakeWebSocket.last;
}

// A signed-in page (user 42) that left its own user: channel, then reconnected: the second socket, welcomed.
async function reconnectedAfterLeavingOwnChannel() {
  ctx = setUp({ token: jwt({ sub: '42', exp: Math.floor(Date.now() / 1000) + 3600 }) }, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();
  ctx.client.leave('user:42');
  first.receive({ type: 'unsubscribed', channel: 'user:42' });
  first.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  return second;
}

test('channel names follow the server\'s rule', () => {
  for (const name of ['global', 'team:42', 'job:7:logs', 'a', 'x'.repeat(128), 'A-Z_0.9', 'user:auth0|abc123', 'user:ada@example.com', 'a=b,c;d']) {
    assert.ok(isValidChannel(name), name);
  }
  for (const name of ['', ':a', 'a:', 'x'.repeat(129), 'a b', 'é', 'job:*', 'a/b', 'a"b', null, 42]) assert.ok(!isValidChannel(name), String(name));
});

test('join() resolves with the server\'s answer; a channel joined before connecting is asked for on the welcome', async () => {
  ctx = setUp({ channels: ['team:1'] }, { random: 0 });
  const early = ctx.client.join('job:7');
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome();
  assert.deepEqual(socket.of('subscribe').map((f) => f.channel), ['team:1', 'job:7']);

  socket.receive({ type: 'subscribed', channel: 'job:7' });
  assert.deepEqual(await early, { channel: 'job:7', joined: true, resume: null });
  assert.deepEqual(await ctx.client.join('job:7'), { channel: 'job:7', joined: true, resume: null }, 'joined already: answered at once');
  assert.equal(socket.of('subscribe').length, 2, 'and not asked again');
});

test('a refused join resolves with the code, and the channel is not asked for again', async () => {
  const socket = await live();
  const answer = ctx.client.join('team:9');
  socket.receive({ type: 'error', code: 'channel_forbidden', message: 'no', channel: 'team:9' });

  assert.deepEqual(await answer, { channel: 'team:9', joined: false, code: 'channel_forbidden', message: 'no' });
  assert.deepEqual(ctx.client.channels, ['global']);
  FakeWebSocket.last.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  FakeWebSocket.last.welcome();
  assert.deepEqual(FakeWebSocket.last.of('subscribe'), []);
});

test('an invalid name is refused without asking the server', async () => {
  const socket = await live();
  const answer = await ctx.client.join('job:*');
  assert.equal(answer.joined, false);
  assert.equal(answer.code, 'invalid_channel');
  assert.deepEqual(socket.sent, []);
});

test('answers are matched in order: join, leave, join again ends joined, and a refusal of an old request changes nothing', async () => {
  const socket = await live();
  ctx.client.join('team:1');
  ctx.client.leave('team:1');
  const again = ctx.client.join('team:1');
  assert.deepEqual(socket.sent.map((f) => f.type), ['subscribe', 'unsubscribe', 'subscribe']);

  socket.receive({ type: 'error', code: 'too_many_channels', message: 'full', channel: 'team:1' });
  socket.receive({ type: 'unsubscribed', channel: 'team:1' });
  assert.deepEqual(ctx.client.channels, ['global', 'team:1'], 'the refusal answered the first subscribe, not the last');
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  assert.equal((await again).joined, true);
});

test('an error about an alert is not taken for the answer to a join', async () => {
  const socket = await live();
  const answer = ctx.client.join('team:1');
  socket.receive({ type: 'error', code: 'publish_forbidden', message: 'no', channel: 'team:1' });
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  assert.equal((await answer).joined, true);
});

test('per-channel handlers get only their channel; the all-alerts event gets every one, with its channel', async () => {
  const socket = await live();
  const team = [];
  ctx.client.join('team:1', (alert, meta) => team.push(`${alert.id}@${meta.channel}`));
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  socket.alert('t1', 'x', 'team:1');
  socket.alert('g1');
  socket.alert('g2', 'x', 'global');

  assert.deepEqual(team, ['t1@team:1']);
  assert.deepEqual(ctx.events.filter((e) => e.name === 'alert').map((e) => `${e.payload.id}@${e.meta.channel}`),
    ['t1@team:1', 'g1@global', 'g2@global']);
});

test('a channel the refreshed token no longer allows is dropped when the server says so', async () => {
  const socket = await live();
  ctx.client.join('team:1');
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  socket.receive({ type: 'unsubscribed', channel: 'team:1', reason: 'not_allowed' });
  socket.alert('t1', 'x', 'team:1');

  assert.deepEqual(ctx.client.channels, ['global']);
  assert.deepEqual(ctx.alerts(), []);
  assert.equal(ctx.events.find((e) => e.name === 'unsubscribed').payload.reason, 'not_allowed');
});

test('send() to a joined channel names it', async () => {
  const socket = await live();
  ctx.client.join('public:lobby');
  assert.equal(ctx.client.send('hi', { channel: 'public:lobby' }), false, 'not before the server said joined');
  socket.receive({ type: 'subscribed', channel: 'public:lobby' });
  assert.equal(ctx.client.send('hi', { channel: 'public:lobby' }), true);
  assert.deepEqual(socket.of('alert'), [{ type: 'alert', text: 'hi', channel: 'public:lobby' }]);
});

test('a join pending when the socket drops is answered on the next connection', async () => {
  const first = await live();
  const answer = ctx.client.join('team:1');
  first.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  second.receive({ type: 'subscribed', channel: 'team:1' });
  assert.equal((await answer).joined, true);
});

test('leave() while not connected is settled at once and nothing is asked for later', async () => {
  ctx = setUp({ channels: ['team:1'] }, { random: 0 });
  assert.deepEqual(await ctx.client.leave('team:1'), { channel: 'team:1', left: true });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  assert.deepEqual(FakeWebSocket.last.sent, []);
});

test('error frames reach the error event with their code, message and retry hint', async () => {
  const socket = await live();
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many alerts', retryAfterMs: 480 });
  const error = ctx.events.find((e) => e.name === 'error').payload;
  assert.equal(error.code, 'rate_limited');
  assert.equal(error.retryAfterMs, 480);
  assert.equal(ctx.client.state, 'live', 'an error frame never ends the connection');
});

test('a subscribe the server rate-limits is asked again when it says, and its join then resolves', async () => {
  const socket = await live();
  const joined = ctx.client.join('team:1');
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 300, channel: 'team:1' });
  assert.equal(socket.of('subscribe').length, 1);
  await tick(299);
  assert.equal(socket.of('subscribe').length, 1, 'not before retryAfterMs');
  await tick(1);
  assert.deepEqual(socket.of('subscribe'), [{ type: 'subscribe', channel: 'team:1' }, { type: 'subscribe', channel: 'team:1' }]);
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  assert.deepEqual(await joined, { channel: 'team:1', joined: true, resume: null });
});

test('a rate-limited resume of the user: channel is asked again with its resume point, and live alerts wait for it', async () => {
  const token = jwt({ sub: '42', exp: Math.floor(Date.now() / 1000) + 3600 });
  ctx = setUp({ token }, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  FakeWebSocket.last.alert('u1', 'x', 'user:42');
  FakeWebSocket.last.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  second.alert('u3', 'live, early', 'user:42');
  second.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 100, channel: 'user:42' });
  await tick(100);
  assert.deepEqual(second.of('subscribe'), [
    { type: 'subscribe', channel: 'user:42', since: 'u1' },
    { type: 'subscribe', channel: 'user:42', since: 'u1' },
  ]);
  assert.deepEqual(ctx.alerts(), ['u1'], 'u3 is still held');
  second.receive({ type: 'subscribed', channel: 'user:42', resume: { since: 'u1', complete: true, replayed: 2 } });
  second.alert('u2', 'x', 'user:42');
  second.alert('u3', 'x', 'user:42');
  assert.deepEqual(ctx.alerts(), ['u1', 'u2', 'u3']);
});

test('a retry the connection did not live to send is dropped; the next connection subscribes anyway', async () => {
  const socket = await live();
  ctx.client.join('team:1');
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 5_000, channel: 'team:1' });
  socket.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  assert.deepEqual(second.of('subscribe'), [{ type: 'subscribe', channel: 'team:1' }]);
  // Refused here too, later than the first connection's retry was due: only this connection's own retry asks again.
  second.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 10_000, channel: 'team:1' });
  await tick(9_999);
  assert.equal(second.of('subscribe').length, 1);
  await tick(1);
  assert.equal(second.of('subscribe').length, 2);
  assert.equal(socket.of('subscribe').length, 1);
});

test('requests past the server\'s budget wait their turn instead of being refused: 100 at once, then 10 a second', async () => {
  const socket = await live();
  const joins = [];
  for (let i = 0; i < 120; i++) joins.push(ctx.client.join(`room:${i}`));
  assert.equal(socket.of('subscribe').length, 100);
  await tick(99);
  assert.equal(socket.of('subscribe').length, 100);
  await tick(1);
  assert.equal(socket.of('subscribe').length, 101);
  ctx.client.leave('room:0');
  await tick(1_800);
  assert.equal(socket.of('subscribe').length, 119, 'the held requests keep their order, the leave after them');
  assert.equal(socket.of('unsubscribe').length, 0);
  await tick(200);
  assert.deepEqual(socket.sent.slice(-2), [{ type: 'subscribe', channel: 'room:119' }, { type: 'unsubscribe', channel: 'room:0' }]);
  for (let i = 1; i < 120; i++) socket.receive({ type: 'subscribed', channel: `room:${i}`, serverTime: new Date(Date.now()).toISOString() });
  assert.equal((await Promise.all(joins)).filter((answer) => answer.joined).length, 119);
});

test('leaving a channel whose join is still held takes the join back and sends nothing; one already sent is unsubscribed', async () => {
  const socket = await live();
  const joins = [];
  for (let i = 0; i < 102; i++) joins.push(ctx.client.join(`room:${i}`));
  assert.equal(socket.of('subscribe').length, 100);
  assert.deepEqual(await ctx.client.leave('room:101'), { channel: 'room:101', left: true });
  assert.deepEqual(await joins[101], { channel: 'room:101', joined: false, code: 'left', message: 'Left before the server answered.' });
  const leftSent = ctx.client.leave('room:0');
  await tick(1_000);
  assert.deepEqual(socket.sent.slice(-2), [{ type: 'subscribe', channel: 'room:100' }, { type: 'unsubscribe', channel: 'room:0' }]);
  assert.equal(socket.sent.filter((f) => f.channel === 'room:101').length, 0);
  socket.receive({ type: 'unsubscribed', channel: 'room:0', serverTime: new Date(Date.now()).toISOString() });
  assert.deepEqual(await leftSent, { channel: 'room:0', left: true });
  // Joined again: asked anew, as any join.
  ctx.client.join('room:101');
  await tick(1_000);
  assert.deepEqual(socket.sent.at(-1), { type: 'subscribe', channel: 'room:101' });
});

test('a reconnect asks for all its channels at once, however many: the server makes room for them', async () => {
  const socket = await live();
  for (let i = 0; i < 150; i++) ctx.client.join(`room:${i}`);
  await tick(10_000);
  assert.equal(socket.of('subscribe').length, 150);
  socket.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  assert.equal(second.of('subscribe').length, 150);
  // What follows waits until the budget they used has grown back.
  ctx.client.join('late');
  assert.equal(second.of('subscribe').length, 150);
  await tick(5_100);
  assert.equal(second.of('subscribe').length, 151);
});

test('joining the user: channel again after leaving it on an earlier connection is asked again when rate-limited', async () => {
  const second = await reconnectedAfterLeavingOwnChannel();
  const joined = ctx.client.join('user:42');
  second.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 200, channel: 'user:42' });
  await tick(200);
  assert.deepEqual(second.of('subscribe'), [{ type: 'subscribe', channel: 'user:42' }, { type: 'subscribe', channel: 'user:42' }]);
  second.receive({ type: 'subscribed', channel: 'user:42', serverTime: new Date(Date.now()).toISOString() });
  assert.deepEqual(await joined, { channel: 'user:42', joined: true, resume: null });
});

test('rate-limited subscribes are asked again one at a time, each when the server said, and never twice at once', async () => {
  const socket = await live();
  ctx.client.join('team:1');
  ctx.client.join('team:2');
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 100, channel: 'team:1' });
  socket.receive({ type: 'error', code: 'rate_limited', message: 'Too many requests', retryAfterMs: 100, channel: 'team:2' });
  await tick(100);
  assert.deepEqual(socket.of('subscribe').map((f) => f.channel), ['team:1', 'team:2', 'team:1']);
  // Left and joined again meanwhile: its subscribe is on its way already, so the retry adds none.
  ctx.client.leave('team:2');
  ctx.client.join('team:2');
  await tick(100);
  assert.deepEqual(socket.of('subscribe').map((f) => f.channel), ['team:1', 'team:2', 'team:1', 'team:2']);
});

test('a page that left its own user: channel does not resume it, and joining it again starts afresh', async () => {
  const second = await reconnectedAfterLeavingOwnChannel();
  assert.deepEqual(second.of('subscribe'), []);
  await tick(10_000);
  ctx.client.join('user:42');
  assert.deepEqual(second.of('subscribe'), [{ type: 'subscribe', channel: 'user:42' }]);
});

test('Pusher events on a joined pusher: channel reach its handlers and the pusher_event event, and move no resume point', async () => {
  const first = await live();
  const news = [];
  const events = [];
  ctx.client.on('pusher_event', (frame, meta) => events.push(`${frame.event}@${meta.channel}`));
  ctx.client.join('pusher:1001:news', (frame, meta) => news.push([frame.type, frame.event ?? frame.id, meta.replayed]));
  first.receive({ type: 'subscribed', channel: 'pusher:1001:news' });
  first.alert('n1', 'x', 'pusher:1001:news');
  first.receive({ type: 'pusher_event', id: 'p1', channel: 'pusher:1001:news', event: 'NewsPosted', data: '{"title":"Hi"}' });
  first.receive({ type: 'pusher_event', id: 'p2', channel: 'pusher:1001:other', event: 'NewsPosted', data: '{}' });

  assert.deepEqual(news, [['alert', 'n1', false], ['pusher_event', 'NewsPosted', false]]);
  assert.deepEqual(events, ['NewsPosted@pusher:1001:news'], 'a channel not joined is dropped');
  assert.deepEqual(ctx.alerts(), ['n1'], 'not an alert');

  ctx.client.leave('pusher:1001:news');
  first.receive({ type: 'pusher_event', id: 'p3', channel: 'pusher:1001:news', event: 'NewsPosted', data: '{}' });
  assert.equal(events.length, 1, 'nor one left');
  ctx.client.join('pusher:1001:news');
  first.receive({ type: 'subscribed', channel: 'pusher:1001:news' });
  first.alert('n2', 'x', 'pusher:1001:news');
  first.receive({ type: 'pusher_event', id: 'p4', channel: 'pusher:1001:news', event: 'NewsPosted', data: '{}' });

  first.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  const second = FakeWebSocket.last;
  second.welcome();
  assert.deepEqual(second.of('subscribe'), [{ type: 'subscribe', channel: 'pusher:1001:news', since: 'n2' }]);
});

test('close() answers the joins still waiting, and connect() joins their channels again', async () => {
  const socket = await live();
  const answer = ctx.client.join('team:1');
  ctx.client.close();
  assert.deepEqual(await answer, { channel: 'team:1', joined: false, code: 'closed', message: 'Closed before the server answered.' });
  assert.deepEqual(ctx.client.channels, ['global', 'team:1']);

  ctx.client.connect();
  await flush();
  assert.notEqual(FakeWebSocket.last, socket);
  FakeWebSocket.last.welcome();
  assert.deepEqual(FakeWebSocket.last.of('subscribe'), [{ type: 'subscribe', channel: 'team:1' }]);
});
