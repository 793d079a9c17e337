// The Socket.IO relay of bench/relay-socketio, for several processes sharing one Redis through
// @socket.io/redis-streams-adapter: the same pairing rule and frames (bench/README.md), so the load
// generator drives it unchanged.
//
// What a Socket.IO application does when its users may sit on different processes:
// - a visitor joins the room `v:<pair>`, an agent the rooms `a:<pair>` of its pairs; a message is
//   emitted to the other side's room, and the adapter carries every room broadcast through one Redis
//   stream (XADD; each process reads it with XREAD BLOCK), so it crosses Redis whether the peer's socket
//   is on this process or another one;
// - the per-pair seq is a Redis counter (INCR relay:seq:<pair>), as no process owns a pair: the ack and
//   the forwarded message wait for it. Replies come back in command order on the one connection, so
//   the seqs of one sender stay in the order it sent.
// Usage: node relay.js --redis redis://127.0.0.1:6379 [--listen 127.0.0.1:0] [--name relay-socketio-cluster]
// Prints `<name> listening on ws://ADDR` once connected to Redis.
'use strict';
const http = require('http');
const { Server } = require('socket.io');
const { createClient } = require('redis');
const { createAdapter } = require('@socket.io/redis-streams-adapter');

const opt = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const [host, port] = opt('--listen', '127.0.0.1:0').split(':');
const name = opt('--name', 'relay-socketio-cluster');

async function main() {
  const redis = createClient({ url: opt('--redis', 'redis://127.0.0.1:6379') });
  redis.on('error', (e) => console.error(`redis: ${e.message}`));
  await redis.connect();
  const server = http.createServer();
  // websocket transport only and no compression, as bench/relay-socketio.
  const io = new Server(server, {
    transports: ['websocket'],
    perMessageDeflate: false,
    serveClient: false,
    adapter: createAdapter(redis),
  });

  io.on('connection', (socket) => {
    let role = '';
    let keys = [];
    socket.on('msg', (m) => {
      if (!m || typeof m !== 'object') { socket.emit('msg', { type: 'error', code: 'bad_request', message: 'bad frame' }); return; }
      if (m.type === 'hello') {
        role = m.role === 'agent' ? 'agent' : 'visitor';
        keys = role === 'agent' ? (m.pairs || []).map(String) : (m.pair != null ? [String(m.pair)] : []);
        socket.join(keys.map((k) => (role === 'agent' ? 'a:' : 'v:') + k));
        socket.emit('msg', { type: 'welcome', v: 1 });
      } else if (m.type === 'message') {
        const key = role === 'agent' && m.conversation_id != null ? String(m.conversation_id) : (keys[0] || '');
        const from = role;
        redis.incr(`relay:seq:${key}`).then((seq) => {
          socket.emit('msg', { type: 'ack', client_msg_id: m.client_msg_id, conversation_id: key, seq });
          io.to((from === 'agent' ? 'v:' : 'a:') + key).emit('msg', { type: 'message', conversation_id: key, seq, from: { role: from }, text: m.text });
        }, (e) => socket.emit('msg', { type: 'error', code: 'unavailable', message: String(e && e.message) }));
      } else if (m.type === 'ping') {
        socket.emit('msg', { type: 'pong' });
      }
    });
  });

  server.listen(Number(port), host, () => {
    const a = server.address();
    console.log(`${name} listening on ws://${a.address}:${a.port}`);
  });
}

main().catch((e) => { console.error(e); process.exit(1); });
