// The Node.js yardstick: the npm `ws` package as its README uses it, behind Node's own HTTP server.
// It speaks what the bench's clients need (a welcome, alerts broadcast to everyone, /healthz with the
// socket count). The bench installs `ws` here with `npm ci` before it starts this file:
//
//   dotnet run -c Release --project bench -- compare --servers ours,floor,reference,node
//
// It listens where the bench tells a server to (ASPNETCORE_URLS, one http://host:port).
'use strict';

const http = require('node:http');
const { WebSocketServer, WebSocket } = require('ws');

const url = new URL((process.env.ASPNETCORE_URLS || 'http://127.0.0.1:8080').split(';')[0]);
const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });

const server = http.createServer((req, res) => {
  if (req.url.split('?')[0] === '/healthz') {
    const body = JSON.stringify({ status: 'ready', connections: wss.clients.size });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404).end();
});

server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/ws')) {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

wss.on('connection', (ws) => {
  ws.on('error', () => {});
  ws.send(JSON.stringify({ type: 'welcome', connections: wss.clients.size }));
  ws.on('message', (data, isBinary) => {
    let message;
    try {
      message = JSON.parse(isBinary ? '' : data.toString());
    } catch {
      return;
    }
    if (!message || message.type !== 'alert' || typeof message.text !== 'string') return;
    // Serialised once; every socket gets the same string.
    const alert = JSON.stringify({ type: 'alert', text: message.text });
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(alert);
    }
  });
});

// The listen backlog the floor and ours use (Node's default is 511), so a reconnect storm measures the
// server, not SYNs dropped by a short accept queue.
server.listen({ host: url.hostname, port: Number(url.port), backlog: 4096 }, () => {
  console.log(`node ws listening on ${url.hostname}:${url.port}`);
});
