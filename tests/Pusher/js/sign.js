// Signs channel and user authorizations with the real Node server SDK (pusher 5.x), as Laravel's
// /broadcasting/auth and /broadcasting/user-auth do, for the tests' auth endpoint.
// Usage: node sign.js '{"appId","key","secret"}', then one JSON request per line on stdin:
//   { "id", "socket_id", "channel_name", "channel_data"? }   -> authorizeChannel
//   { "id", "socket_id", "user_data" }                       -> authenticateUser
// and one JSON answer per line on stdout: { "id", "result": { "auth", "channel_data"?, "user_data"? } }
// or { "id", "error" }.
'use strict';

const readline = require('readline');
const Pusher = require('pusher');

const app = JSON.parse(process.argv[2]);
const pusher = new Pusher({ appId: app.appId, key: app.key, secret: app.secret });

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let id = null;
  try {
    const r = JSON.parse(line);
    id = r.id;
    const result = r.user_data
      ? pusher.authenticateUser(r.socket_id, r.user_data)
      : pusher.authorizeChannel(r.socket_id, r.channel_name, r.channel_data);
    process.stdout.write(JSON.stringify({ id, result }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, error: String(e.message) }) + '\n');
  }
});
