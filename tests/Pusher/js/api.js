// Drives Pusher's HTTP API with the real Node server SDK (pusher 5.x), as a backend such as Laravel's does.
// Usage: node api.js '<json>' where the JSON is
//   { "host", "port", "appId", "key", "secret", "clockOffsetSeconds"?, "calls": [call, ...] }
// and each call is one of
//   { "op": "trigger", "channels": [...], "event": "...", "data": any, "params"?: { "socket_id", "info" } }
//   { "op": "triggerBatch", "batch": [{ "channel", "name", "data", "socket_id"?, "info"? }] }
//   { "op": "get", "path": "/channels", "params"?: { ... } }
// Prints one JSON array: per call { "ok", "status", "body" } (body parsed when it is JSON), or
// { "ok": false, "status", "body", "message" } when the SDK reports an error.
'use strict';

const request = JSON.parse(process.argv[2]);

// A backend whose clock is off signs with that clock: the SDK reads Date.now() for auth_timestamp.
if (request.clockOffsetSeconds) {
  const realNow = Date.now;
  Date.now = () => realNow() + request.clockOffsetSeconds * 1000;
}

const Pusher = require('pusher');

const pusher = new Pusher({
  appId: request.appId,
  key: request.key,
  secret: request.secret,
  host: request.host,
  port: request.port,
  useTLS: false,
  timeout: 10000,
});

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function call(c) {
  try {
    let response;
    if (c.op === 'trigger') response = await pusher.trigger(c.channels, c.event, c.data, c.params);
    else if (c.op === 'triggerBatch') response = await pusher.triggerBatch(c.batch);
    else if (c.op === 'get') response = await pusher.get({ path: c.path, params: c.params });
    else throw new Error(`unknown op ${c.op}`);
    return { ok: true, status: response.status, body: parse(await response.text()) };
  } catch (e) {
    return { ok: false, status: e.status ?? null, body: parse(e.body ?? ''), message: String(e.message) };
  }
}

(async () => {
  const results = [];
  for (const c of request.calls) results.push(await call(c));
  process.stdout.write(JSON.stringify(results) + '\n');
})();
