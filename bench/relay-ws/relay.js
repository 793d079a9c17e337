// Node `ws` relay: the same pairing rule and frames as relay-rust (see bench/README.md).
// Usage: node relay.js [--listen 127.0.0.1:0]; prints `relay-ws listening on ws://ADDR`.
'use strict';
const { WebSocketServer } = require('ws');

const arg = process.argv.indexOf('--listen');
const [host, port] = (arg > 0 ? process.argv[arg + 1] : '127.0.0.1:0').split(':');
// perMessageDeflate off: the Rust relay and the generator do not compress either.
const wss = new WebSocketServer({ host, port: Number(port), perMessageDeflate: false, maxPayload: 1 << 20 });
const pairs = new Map(); // key -> { visitor, agent, seq }

wss.on('listening', () => {
  const a = wss.address();
  console.log(`relay-ws listening on ws://${a.address}:${a.port}`);
});

wss.on('connection', (ws) => {
  let role = '';
  let keys = [];
  ws.on('message', (data) => {
    let m;
    try { m = JSON.parse(data); } catch { ws.send('{"type":"error","code":"bad_request","message":"bad json"}'); return; }
    if (m.type === 'hello') {
      role = m.role === 'agent' ? 'agent' : 'visitor';
      keys = role === 'agent' ? (m.pairs || []) : (m.pair != null ? [String(m.pair)] : []);
      for (const k of keys) {
        let p = pairs.get(k);
        if (!p) { p = { visitor: null, agent: null, seq: 0 }; pairs.set(k, p); }
        p[role] = ws;
      }
      ws.send('{"type":"welcome","v":1}');
    } else if (m.type === 'message') {
      const key = role === 'agent' && m.conversation_id != null ? String(m.conversation_id) : (keys[0] || '');
      const p = pairs.get(key);
      let seq = 0;
      let peer = null;
      if (p) { seq = ++p.seq; peer = role === 'agent' ? p.visitor : p.agent; }
      ws.send(JSON.stringify({ type: 'ack', client_msg_id: m.client_msg_id, conversation_id: key, seq }));
      if (peer) {
        peer.send(JSON.stringify({ type: 'message', conversation_id: key, seq, from: { role }, text: m.text }));
      }
    } else if (m.type === 'ping') {
      ws.send('{"type":"pong"}');
    }
  });
  ws.on('close', () => {
    for (const k of keys) {
      const p = pairs.get(k);
      if (!p) continue;
      if (p[role] === ws) p[role] = null;
      if (!p.visitor && !p.agent) pairs.delete(k);
    }
  });
});
