// Socket.IO relay: the same pairing rule and frames as relay-rust, carried as the event "msg"
// (Engine.IO v4 over WebSocket only; see bench/README.md).
// Usage: node relay.js [--listen 127.0.0.1:0]; prints `relay-socketio listening on ws://ADDR`.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const arg = process.argv.indexOf('--listen');
const [host, port] = (arg > 0 ? process.argv[arg + 1] : '127.0.0.1:0').split(':');
const server = http.createServer();
// websocket transport only and no compression: what a tuned production Socket.IO deployment runs.
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
const pairs = new Map(); // key -> { visitor, agent, seq }

io.on('connection', (socket) => {
  let role = '';
  let keys = [];
  socket.on('msg', (m) => {
    if (!m || typeof m !== 'object') { socket.emit('msg', { type: 'error', code: 'bad_request', message: 'bad frame' }); return; }
    if (m.type === 'hello') {
      role = m.role === 'agent' ? 'agent' : 'visitor';
      keys = role === 'agent' ? (m.pairs || []) : (m.pair != null ? [String(m.pair)] : []);
      for (const k of keys) {
        let p = pairs.get(k);
        if (!p) { p = { visitor: null, agent: null, seq: 0 }; pairs.set(k, p); }
        p[role] = socket;
      }
      socket.emit('msg', { type: 'welcome', v: 1 });
    } else if (m.type === 'message') {
      const key = role === 'agent' && m.conversation_id != null ? String(m.conversation_id) : (keys[0] || '');
      const p = pairs.get(key);
      let seq = 0;
      let peer = null;
      if (p) { seq = ++p.seq; peer = role === 'agent' ? p.visitor : p.agent; }
      socket.emit('msg', { type: 'ack', client_msg_id: m.client_msg_id, conversation_id: key, seq });
      if (peer) peer.emit('msg', { type: 'message', conversation_id: key, seq, from: { role }, text: m.text });
    } else if (m.type === 'ping') {
      socket.emit('msg', { type: 'pong' });
    }
  });
  socket.on('disconnect', () => {
    for (const k of keys) {
      const p = pairs.get(k);
      if (!p) continue;
      if (p[role] === socket) p[role] = null;
      if (!p.visitor && !p.agent) pairs.delete(k);
    }
  });
});

server.listen(Number(port), host, () => {
  const a = server.address();
  console.log(`relay-socketio listening on ws://${a.address}:${a.port}`);
});
