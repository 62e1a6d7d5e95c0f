// Resuming on any instance: global through ?since=, every other channel through subscribe's since,
// with replies, replays and live alerts in the orders the server may send them; duplicates dropped.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { timeId } from '../../client-web/notifications.js';
import { FakeWebSocket, flush, jwt, NOW, setUp, setUpLive, tearDown, tick } from './fakes.mjs';

let ctx;
afterEach(() => tearDown(ctx?.client));

async function live(options) {
  ctx = await setUpLive(options);
  return FakeWebSocket.last;
}

// The instant a UUIDv7 resume point names (ms since 1970), or null for any other id.
function timeOf(id) {
  const match = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.exec(id ?? '');
  return match ? parseInt(match[1] + match[2], 16) : null;
}

// Live on a server that keeps alerts for resuming this many seconds.
async function liveWithWindow(seconds) {
  ctx = setUp();
  ctx.client.connect();
  await flush();
  const socket = FakeWebSocket.last;
  socket.welcome({ resumeWindowSeconds: seconds });
  return socket;
}

// Live, in team:1, with its alert t1 received.
async function liveWithT1OnTeam1() {
  const first = await live();
  ctx.client.join('team:1');
  first.receive({ type: 'subscribed', channel: 'team:1' });
  first.alert('t1', 'x', 'team:1');
  return first;
}

async function reconnect() {
  FakeWebSocket.last.drop();
  await tick(ctx.client.reconnectAt - Date.now());
  return FakeWebSocket.last;
}

test('a reconnect asks for the global alerts after the last one received, with ?since=', async () => {
  const first = await live();
  assert.equal(first.since, null);
  first.alert('g1');
  first.alert('g2');

  const second = await reconnect();
  assert.equal(second.since, 'g2');
});

test('alerts are shown once each: the replay repeats what was seen, the page sees it once', async () => {
  const first = await live();
  first.alert('g1');
  first.alert('g2');
  const second = await reconnect();
  second.welcome({ resume: { since: 'g2', complete: true, replayed: 3 } });
  second.alert('g1');
  second.alert('g2');
  second.alert('g3');
  second.alert('g4');

  assert.deepEqual(ctx.alerts(), ['g1', 'g2', 'g3', 'g4']);
  const meta = ctx.events.filter((e) => e.name === 'alert').map((e) => e.meta.replayed);
  assert.deepEqual(meta, [false, false, true, false], 'g3 came in the replay, g4 live');
});

test('a resume that could not cover everything is reported, for the page to say so', async () => {
  const first = await live();
  first.alert('g1');
  const second = await reconnect();
  second.welcome({ resume: { since: 'g1', complete: false, replayed: 0 } });
  const resume = ctx.events.find((e) => e.name === 'resume').payload;
  assert.deepEqual(resume, { channel: 'global', since: 'g1', complete: false, replayed: 0 });
});

test('the seen-id memory is bounded: the oldest is forgotten first', async () => {
  const socket = await live({ seenLimit: 2 });
  socket.alert('a');
  socket.alert('b');
  socket.alert('c');
  socket.alert('b');
  socket.alert('a');
  assert.deepEqual(ctx.alerts(), ['a', 'b', 'c', 'a']);
});

test('every joined channel is subscribed again after a reconnect, each with the id of its last alert', async () => {
  const first = await live();
  ctx.client.join('team:1');
  ctx.client.join('job:7');
  first.receive({ type: 'subscribed', channel: 'team:1' });
  await tick(2_000);
  first.receive({ type: 'subscribed', channel: 'job:7' });
  first.alert('t1', 'x', 'team:1');
  first.alert('g1');

  const second = await reconnect();
  assert.deepEqual(second.sent, [], 'nothing before the welcome');
  second.welcome();
  const [team, job] = second.of('subscribe');
  assert.deepEqual(team, { type: 'subscribe', channel: 'team:1', since: 't1' });
  assert.equal(timeOf(job.since), NOW + 2_000, 'job:7 had no alert: it resumes from when it was joined');
  assert.equal(second.since, 'g1');
});

test('a channel that has had no alert yet resumes from the last frame heard while in it, global and user: too', async () => {
  // Every frame but an alert or an error carries the server's serverTime; the point is the latest such stamp heard.
  const token = jwt({ sub: 'auth0|42', exp: Math.floor(NOW / 1000) + 3600 });
  ctx = setUp({ token }, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();
  assert.deepEqual(first.of('subscribe'), [], 'on the first connection there is nothing to resume');
  await tick(5_000);
  ctx.client.join('job:7');
  first.receive({ type: 'subscribed', channel: 'job:7', serverTime: new Date(Date.now()).toISOString() });
  await tick(3_000);
  first.receive({ type: 'presence', clients: 2, instances: 1, serverTime: new Date(Date.now()).toISOString() });
  await tick(10_000);
  // A frozen tab handles a frame long after it was sent: its stamp counts, not when it was handled; a frame without a
  // stamp moves nothing.
  first.receive({ type: 'presence', clients: 3, instances: 1, serverTime: new Date(NOW + 9_000).toISOString() });
  first.receive({ type: 'error', code: 'invalid_json', message: 'no' });
  // Silence, then the socket turns out to be dead: what was sent meanwhile never came, so the points stay at 9 s.
  await tick(10_000);

  const second = await reconnect();
  assert.equal(timeOf(second.since), NOW + 9_000, 'global');
  second.welcome();
  const [job, own] = second.of('subscribe');
  assert.equal(own.channel, 'user:auth0|42');
  assert.equal(timeOf(own.since), NOW + 9_000);
  assert.equal(timeOf(job.since), NOW + 9_000);

  // What the user's channel got while the page was away comes in the replay, and moves the point on; job:7's resume
  // is not answered before this socket ends too, so its point stays where it was.
  second.receive({ type: 'subscribed', channel: 'user:auth0|42', resume: { since: own.since, complete: true, replayed: 1 } });
  second.alert('u1', 'Your export is ready', 'user:auth0|42');
  assert.deepEqual(ctx.alerts(), ['u1']);
  const third = await reconnect();
  third.welcome();
  assert.deepEqual(third.of('subscribe'), [
    { type: 'subscribe', channel: 'job:7', since: job.since },
    { type: 'subscribe', channel: 'user:auth0|42', since: 'u1' },
  ]);
});

test('resume points are on the server\'s clock, from the first welcome on', async () => {
  ctx = setUp({}, { random: 0 });
  ctx.client.connect();
  await flush();
  // The browser's clock is two minutes behind the server's.
  FakeWebSocket.last.welcome({ serverTime: new Date(NOW + 120_000).toISOString() });
  await tick(10_000);
  const second = await reconnect();
  assert.equal(timeOf(second.since), NOW + 120_000);
});

test('an alert heard moves a quiet channel\'s point to when it was sent, never past when it came', async () => {
  const first = await live();
  ctx.client.join('job:7');
  first.receive({ type: 'subscribed', channel: 'job:7', serverTime: new Date(Date.now()).toISOString() });
  await tick(20_000);
  first.receive({ type: 'alert', id: 'g1', text: 'sent 2 s before it came', sentAt: new Date(Date.now() - 2_000).toISOString() });

  const second = await reconnect();
  second.welcome();
  assert.equal(timeOf(second.of('subscribe')[0].since), NOW + 18_000);
  second.receive({ type: 'subscribed', channel: 'job:7', resume: { since: 'x', complete: true, replayed: 0 } });
  await tick(10_000);
  second.receive({ type: 'alert', id: 'g2', text: 'from a clock ahead', sentAt: new Date(Date.now() + 60_000).toISOString() });

  const third = await reconnect();
  third.welcome();
  assert.equal(timeOf(third.of('subscribe')[0].since), NOW + 30_000, 'g2 counts as sent when it came');
});

test('an alert marked stamp: false moves no resume point: its instance could not vouch for what came before it', async () => {
  const first = await live();
  ctx.client.join('job:7');
  first.receive({ type: 'subscribed', channel: 'job:7', serverTime: new Date(Date.now()).toISOString() });
  await tick(20_000);
  first.receive({ type: 'alert', id: 'g1', text: 'just after a reopen', sentAt: new Date(Date.now() - 2_000).toISOString(), stamp: false });

  const second = await reconnect();
  second.welcome();
  assert.equal(timeOf(second.of('subscribe')[0].since), NOW, 'still the subscribed answer\'s stamp');
});

test('a resume point never moves back: not for an older stamp, nor on a connection to an instance whose clock is behind', async () => {
  const first = await live();
  ctx.client.join('job:7');
  first.receive({ type: 'subscribed', channel: 'job:7', serverTime: new Date(Date.now()).toISOString() });
  await tick(10_000);
  first.receive({ type: 'presence', clients: 2, instances: 1, serverTime: new Date(Date.now()).toISOString() });
  first.receive({ type: 'alert', id: 'g1', text: 'held by its origin', sentAt: new Date(NOW + 1_000).toISOString() });

  const second = await reconnect();
  second.welcome({ serverTime: new Date(NOW - 60_000).toISOString() });
  const [job] = second.of('subscribe');
  assert.equal(timeOf(job.since), NOW + 10_000);
  second.receive({ type: 'subscribed', channel: 'job:7', resume: { since: job.since, complete: true, replayed: 0 },
    serverTime: new Date(NOW - 59_000).toISOString() });

  const third = await reconnect();
  third.welcome();
  assert.equal(timeOf(third.of('subscribe')[0].since), NOW + 10_000);
});

test('a time id is a UUIDv7 of its instant', () => {
  for (const ms of [0, NOW, 2 ** 48 - 1]) {
    const id = timeId(ms);
    assert.equal(timeOf(id), ms, id);
  }
  assert.notEqual(timeId(NOW), timeId(NOW));
});

test('a replay follows its subscribed answer, and a reconnect during it resumes from the last replayed', async () => {
  await liveWithT1OnTeam1();

  const second = await reconnect();
  second.welcome();
  second.receive({ type: 'subscribed', channel: 'team:1', resume: { since: 't1', complete: true, replayed: 3 } });
  second.alert('t1', 'x', 'team:1');
  second.alert('t2', 'x', 'team:1');

  const third = await reconnect();
  third.welcome();
  assert.deepEqual(third.of('subscribe'), [{ type: 'subscribe', channel: 'team:1', since: 't2' }]);
});

test('live alerts that beat the resume answer wait for the replay, and do not move the resume point past what it covers', async () => {
  const token = jwt({ sub: '42', exp: Math.floor(Date.now() / 1000) + 3600 });
  ctx = setUp({ token }, { random: 0 });
  ctx.client.connect();
  await flush();
  const first = FakeWebSocket.last;
  first.welcome();
  first.alert('u1', 'x', 'user:42');

  // The server puts the socket in user:42 at once, so a live alert can arrive before the subscribe's answer.
  const second = await reconnect();
  second.welcome();
  assert.deepEqual(second.of('subscribe'), [{ type: 'subscribe', channel: 'user:42', since: 'u1' }]);
  second.alert('u5', 'live, early', 'user:42');
  second.drop();
  await tick(ctx.client.reconnectAt - Date.now());

  const third = FakeWebSocket.last;
  third.welcome();
  assert.deepEqual(third.of('subscribe'), [{ type: 'subscribe', channel: 'user:42', since: 'u1' }],
    'u2..u4 may still be missing: resume from u1 again, not from u5');
  third.receive({ type: 'subscribed', channel: 'user:42', resume: { since: 'u1', complete: true, replayed: 4 } });
  for (const id of ['u2', 'u3', 'u4', 'u5']) third.alert(id, 'x', 'user:42');
  third.alert('u6', 'x', 'user:42');
  assert.deepEqual(ctx.alerts(), ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'], 'u5 came early on the second connection, which ended before its answer');

  const fourth = await reconnect();
  fourth.welcome();
  assert.deepEqual(fourth.of('subscribe'), [{ type: 'subscribe', channel: 'user:42', since: 'u6' }]);
});

test('a live alert that beats the resume answer is shown after the replay, once, and with nothing to replay at once', async () => {
  const token = jwt({ sub: '42', exp: Math.floor(Date.now() / 1000) + 3600 });
  ctx = setUp({ token }, { random: 0 });
  ctx.client.connect();
  await flush();
  FakeWebSocket.last.welcome();
  FakeWebSocket.last.alert('u1', 'x', 'user:42');

  const second = await reconnect();
  second.welcome();
  second.alert('u5', 'live, early', 'user:42');
  assert.deepEqual(ctx.alerts(), ['u1'], 'held until the answer and its replay');
  second.receive({ type: 'subscribed', channel: 'user:42', resume: { since: 'u1', complete: true, replayed: 4 } });
  for (const id of ['u2', 'u3', 'u4', 'u5']) second.alert(id, 'x', 'user:42');
  second.alert('u6', 'x', 'user:42');
  assert.deepEqual(ctx.alerts(), ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  const meta = ctx.events.filter((e) => e.name === 'alert').map((e) => e.meta.replayed);
  assert.deepEqual(meta, [false, true, true, true, true, false]);

  const third = await reconnect();
  third.welcome();
  third.alert('u7', 'live, early', 'user:42');
  third.receive({ type: 'subscribed', channel: 'user:42', resume: { since: 'u6', complete: true, replayed: 0 } });
  assert.deepEqual(ctx.alerts(), ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
});

test('alerts of a channel being left are dropped, even those the server sent before its answer', async () => {
  const socket = await live();
  const handler = [];
  ctx.client.join('team:1', (alert) => handler.push(alert.id));
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  socket.alert('t1', 'x', 'team:1');
  const left = ctx.client.leave('team:1');
  socket.alert('t2', 'sent before the server read the unsubscribe', 'team:1');
  socket.receive({ type: 'unsubscribed', channel: 'team:1' });

  assert.deepEqual(await left, { channel: 'team:1', left: true });
  assert.deepEqual(handler, ['t1']);
  assert.deepEqual(ctx.alerts(), ['t1']);
  assert.deepEqual(socket.of('unsubscribe'), [{ type: 'unsubscribe', channel: 'team:1' }]);
});

test('leaving global: no ?since= and an unsubscribe on every connect', async () => {
  const first = await live({ global: false });
  assert.deepEqual(first.of('unsubscribe'), [{ type: 'unsubscribe', channel: 'global' }]);
  first.receive({ type: 'unsubscribed', channel: 'global' });
  first.alert('g1');
  assert.deepEqual(ctx.alerts(), []);

  const second = await reconnect();
  assert.equal(second.since, null);
  second.welcome();
  assert.deepEqual(second.of('unsubscribe'), [{ type: 'unsubscribe', channel: 'global' }]);
});

test('a channel left and joined again starts afresh, without the old resume point', async () => {
  const socket = await live();
  ctx.client.join('team:1');
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  socket.alert('t1', 'x', 'team:1');
  ctx.client.leave('team:1');
  socket.receive({ type: 'unsubscribed', channel: 'team:1' });
  ctx.client.join('team:1');

  assert.deepEqual(socket.of('subscribe').at(-1), { type: 'subscribe', channel: 'team:1' });
  socket.receive({ type: 'subscribed', channel: 'team:1' });
  socket.alert('t2', 'x', 'team:1');
  assert.deepEqual(ctx.alerts(), ['t1', 't2']);
  await tick(1_000);
  ctx.client.leave('team:1');
  socket.receive({ type: 'unsubscribed', channel: 'team:1' });
  ctx.client.join('team:1');
  socket.receive({ type: 'subscribed', channel: 'team:1' });

  const second = await reconnect();
  second.welcome();
  const point = timeOf(second.of('subscribe')[0].since);
  assert.ok(point >= NOW + 1_000 - 5_000 && point <= NOW + 1_000, `joined again: from about then, not t2's id (${point - NOW})`);
});

test('a channel quiet long after its last alert names the last stamp heard beside the id the server lets go', async () => {
  const first = await live();
  ctx.client.join('public:deploys');
  ctx.client.join('team:1');
  first.receive({ type: 'subscribed', channel: 'public:deploys', serverTime: new Date(Date.now()).toISOString() });
  first.receive({ type: 'subscribed', channel: 'team:1', serverTime: new Date(Date.now()).toISOString() });
  first.alert('g1');
  first.alert('d1', 'deploy', 'public:deploys');
  // An hour of quiet but for presence, then team:1 gets an alert shortly before the socket dies.
  for (let i = 0; i < 60; i++) {
    await tick(60_000);
    first.receive({ type: 'presence', clients: 3, instances: 2, serverTime: new Date(Date.now()).toISOString() });
  }
  const lastHeard = Date.now();
  await tick(5_000);
  first.alert('t1', 'x', 'team:1');

  const second = await reconnect();
  const [g1, stamp] = second.since.split(',');
  assert.equal(g1, 'g1');
  assert.equal(timeOf(stamp), lastHeard + 5_000, 'global: the last stamp heard (t1\'s)');
  second.welcome();
  const [deploys, team] = second.of('subscribe');
  assert.deepEqual(deploys.since.split(',').map((point, i) => (i ? timeOf(point) : point)), ['d1', lastHeard + 5_000]);
  assert.equal(team.since, 't1', 'the last frame heard: its id alone');

  // The time resume repeats what was sent in the slack before it: shown once.
  second.receive({ type: 'subscribed', channel: 'team:1', resume: { since: 't1', complete: true, replayed: 1 } });
  second.alert('t1', 'x', 'team:1');
  assert.deepEqual(ctx.alerts(), ['g1', 'd1', 't1']);
});

test('an alert id goes with the last stamp heard after it, for the server to resume from once it has let the id go', async () => {
  const first = await live();
  ctx.client.join('team:1');
  ctx.client.join('team:2');
  first.receive({ type: 'subscribed', channel: 'team:1', serverTime: new Date(Date.now()).toISOString() });
  first.receive({ type: 'subscribed', channel: 'team:2', serverTime: new Date(Date.now()).toISOString() });
  first.alert('a1', 'x', 'team:1');
  await tick(70_000);
  first.alert('a2', 'y', 'team:2');
  await tick(9_000);
  first.receive({ type: 'presence', clients: 3, instances: 2, serverTime: new Date(Date.now()).toISOString() });
  const heard = Date.now();

  let next = await reconnect();
  next.welcome();
  const points = next.of('subscribe').map((f) => f.since.split(','));
  assert.deepEqual(points.map(([id]) => id), ['a1', 'a2']);
  assert.deepEqual(points.map(([, stamp]) => timeOf(stamp)), [heard, heard]);

  // A channel's new alert is its point; with nothing heard after it, its id goes alone.
  next.receive({ type: 'subscribed', channel: 'team:1', resume: { since: 'a1', complete: true, replayed: 0 } });
  next.receive({ type: 'subscribed', channel: 'team:2', resume: { since: 'a2', complete: true, replayed: 0 } });
  await tick(1_000);
  next.alert('a3', 'z', 'team:1');
  next = await reconnect();
  next.welcome();
  const [one, two] = next.of('subscribe');
  assert.equal(one.since, 'a3');
  assert.equal(two.since.split(',')[0], 'a2');
  assert.ok(timeOf(two.since.split(',')[1]) > heard, 'team:2 heard a3 after a2');
});

test('a channel whose resume is unanswered keeps its alert id however long the connection heard other frames', async () => {
  await liveWithT1OnTeam1();
  const second = await reconnect();
  second.welcome();
  for (let i = 0; i < 10; i++) {
    await tick(60_000);
    second.receive({ type: 'presence', clients: 3, instances: 2, serverTime: new Date(Date.now()).toISOString() });
  }
  const third = await reconnect();
  third.welcome();
  assert.deepEqual(third.of('subscribe'), [{ type: 'subscribe', channel: 'team:1', since: 't1' }]);
});

test('only a frame that vouches for what its instance received moves a resume point: not the welcome, nor one without serverTime', async () => {
  const first = await live();
  first.alert('g1');
  // The next connection's welcome is a clock and a join time, not a stamp; a presence without serverTime (its
  // instance's receive stream down) says nothing either.
  const second = await reconnect();
  await tick(5_000);
  second.welcome({ resume: { since: 'g1', complete: true, replayed: 0 } });
  await tick(5_000);
  second.receive({ type: 'presence', clients: 3, instances: 2 });
  const third = await reconnect();
  assert.equal(third.since, 'g1');

  // A presence that carries serverTime does.
  third.welcome({ resume: { since: 'g1', complete: true, replayed: 0 } });
  await tick(5_000);
  third.receive({ type: 'presence', clients: 3, instances: 2, serverTime: new Date(Date.now()).toISOString() });
  const heard = Date.now();
  const fourth = await reconnect();
  const [id, stamp] = fourth.since.split(',');
  assert.equal(id, 'g1');
  assert.equal(timeOf(stamp), heard);
});

test('a server whose welcome does not say it takes a stamp after the id gets the id alone', async () => {
  const first = await live();
  ctx.client.join('team:1');
  first.receive({ type: 'subscribed', channel: 'team:1', serverTime: new Date(Date.now()).toISOString() });
  first.alert('g1');
  first.alert('t1', 'x', 'team:1');
  await tick(5_000);
  first.receive({ type: 'presence', clients: 3, instances: 2, serverTime: new Date(Date.now()).toISOString() });

  // An older instance (a rolling deploy): its welcome has no resumePoints, so the subscribes name the id alone,
  // and so does the next connection's URL, which goes before that connection's welcome.
  const second = await reconnect();
  assert.equal(second.since.split(',').length, 2, 'the URL follows the last welcome heard, which said so');
  second.welcome({ resumePoints: undefined });
  assert.equal(second.of('subscribe').find((f) => f.channel === 'team:1').since, 't1');
  const third = await reconnect();
  assert.equal(third.since, 'g1');
});
