// A page as a Laravel app would have it: Echo with the pusher-js connector, pointed at a host and port,
// authorizing private and presence channels at /broadcasting/auth. The test reads window.harness.log.
// Query: ?key=&host=&port=&user=&name=  (user and name are what the auth endpoint will sign for presence).
'use strict';

(() => {
  const q = new URLSearchParams(location.search);
  const log = [];
  const record = (entry) => log.push({ at: Date.now(), ...entry });

  const echo = new Echo.default({
    broadcaster: 'pusher',
    key: q.get('key'),
    cluster: 'mt1',
    wsHost: q.get('host'),
    wsPort: Number(q.get('port')),
    wssPort: Number(q.get('port')),
    forceTLS: false,
    enabledTransports: ['ws', 'wss'],
    disableStats: true,
    authEndpoint: '/broadcasting/auth',
    auth: { params: { user_id: q.get('user') ?? '', name: q.get('name') ?? '' } },
  });

  const pusher = echo.connector.pusher;
  pusher.connection.bind('state_change', (s) => record({ kind: 'state', state: s.current }));
  pusher.connection.bind('error', (e) => record({ kind: 'connection_error', error: e }));

  const channels = {};
  const open = (kind, name) => {
    const channel = kind === 'private' ? echo.private(name) : kind === 'presence' ? echo.join(name) : echo.channel(name);
    channels[`${kind}:${name}`] = channel;
    channel.subscribed(() => record({ kind: 'subscribed', channel: channel.name }));
    channel.error((error) => record({ kind: 'subscription_error', channel: channel.name, error }));
    return channel;
  };

  window.harness = {
    log,
    socketId: () => echo.socketId() ?? null,
    // Listens for an event (Echo's leading '.' means no App\Events namespace) on a public, private or presence channel.
    listen(kind, name, event) {
      const channel = channels[`${kind}:${name}`] ?? open(kind, name);
      channel.listen(event, (data) => record({ kind: 'event', channel: channel.name, event, data }));
    },
    join(name) {
      const channel = open('presence', name);
      channel
        .here((members) => record({ kind: 'here', channel: channel.name, members }))
        .joining((member) => record({ kind: 'joining', channel: channel.name, member }))
        .leaving((member) => record({ kind: 'leaving', channel: channel.name, member }))
        .listenForWhisper('typing', (data) => record({ kind: 'whisper', channel: channel.name, data }));
    },
    listenForWhisper(kind, name, event) {
      const channel = channels[`${kind}:${name}`] ?? open(kind, name);
      channel.listenForWhisper(event, (data) => record({ kind: 'whisper', channel: channel.name, event, data }));
    },
    whisper(kind, name, event, data) {
      channels[`${kind}:${name}`].whisper(event, data);
    },
    leave(name) {
      echo.leave(name);
    },
  };
})();
