  /* connection.js: the WebSocket connection, its frames, notifications and sound (a part of /agent.js, see state.js). */
  /* ---------- 3. connection and frames ---------- */
  function send(o) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(o)); return true; } return false; }
  function command(o, label) { o.ref = 'r' + ++refN; refs[o.ref] = label; return send(o); }
  function setNet(text, cls) { $('net').textContent = text; $('net').className = 'net ' + cls; }
  function connect() {
    clearTimeout(retryTimer);
    if (ws || !session) return;
    setNet('Connecting…', 'wait');
    var sock = ws = new WebSocket(location.origin.replace(/^http/, 'ws') + '/ws/agent');
    sock.onopen = function () { sock.send(JSON.stringify({ type: 'hello', v: 1, token: session.token })); };
    sock.onmessage = function (ev) {
      lastRx = Date.now();
      var f; try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && handlers[f.type]) handlers[f.type](f);
    };
    sock.onclose = function (ev) {
      if (ws !== sock) return;
      ws = null; ready = false; typingOn = false;
      if (ev.code === 4001) { logout('Your session has expired. Please sign in again.'); return; }
      setNet('Offline, reconnecting…', 'bad');
      // Exponential backoff with jitter, capped at 30 s.
      var base = Math.min(30000, 500 * Math.pow(2, attempts++));
      retryTimer = setTimeout(connect, base / 2 + Math.random() * base / 2);
    };
  }
  window.addEventListener('online', function () { attempts = 0; connect(); });
  window.addEventListener('offline', function () { if (ws) ws.close(); });
  setInterval(function () {
    if (!ready) return;
    if (Date.now() - lastRx > 60000) { ws.close(); return; }   // half-open connection: force a reconnect
    send({ type: 'ping' });
  }, 25000);

  function flush(c) {
    c.outbox.forEach(function (m) {
      if (!m.failed) send({ type: 'message', conversation_id: c.view.conversation_id, client_msg_id: m.id, text: m.text, ref: m.id });
    });
  }
  function addMsg(id, m) {
    var c = conv(id);
    if (typeof m.seq !== 'number' || c.msgs[m.seq]) return false;   // dedupe by (conversation, seq)
    c.msgs[m.seq] = m;
    return true;
  }

  var handlers = {
    welcome: function (f) {
      ready = true; attempts = 0;
      me = f.agent || (session && session.agent);
      $('me').textContent = me ? me.name + ' · tier ' + (me.tier || 1) : '';
      $('avail').value = $('avail').dataset.state = f.availability === 'away' ? 'away' : 'online';
      setNet('Connected', 'ok');
      depts = {};
      loadCanned();
      (f.departments || []).forEach(function (d) { if (d && d.name) depts[d.name] = d.tiers || []; });
      loadAgents();
      var open = {};
      (f.conversations || []).forEach(function (v) {
        var c = conv(v.conversation_id);
        open[v.conversation_id] = 1;
        c.view = Object.assign(c.view, v); c.gone = false;
        // Outbox first: a resend the hub already stored gets its old seq, which the sync then dedupes.
        flush(c);
        send({ type: 'sync', conversation_id: v.conversation_id, after_seq: lastSeq(c) });
      });
      // Conversations we knew that the hub no longer gives us ended while we were away.
      Object.keys(convs).forEach(function (id) { if (!open[id]) convs[id].gone = true; });
      if (!selected || !convs[selected]) selected = Object.keys(open)[0] || null;
      render();
    },
    // The waiting list, and (hubs that send it) the bot's conversations: both pushed when they change.
    queue: function (f) {
      queue = f.waiting || [];
      if (Array.isArray(f.bot)) { botPushed = true; botConvs = f.bot; renderBot(); }
      loadPreviews(); renderQueue();
    },
    // An internal note (ours, from this or another tab): never seen by the visitor.
    note: function (f) {
      var c = convs[f.conversation_id];
      if (!c || !f.note) return;
      c.notes = c.notes || [];
      if (!c.notes.some(function (n) { return n.at === f.note.at && n.text === f.note.text; })) c.notes.push(f.note);
      renderView();
    },
    // A service-level clock reached its warning point or its deadline (agents only).
    sla: function (f) {
      var upd = function (s) {
        s = Object.assign({}, s);
        if ((SLA_RANK[f.state] || 0) >= slaRank(s)) s.state = f.state;
        if (f.clock === 'first_response' && f.due) s.first_response_due = f.due;
        if (f.clock === 'resolution' && f.due) s.resolution_due = f.due;
        return s;
      };
      if (convs[f.conversation_id]) convs[f.conversation_id].view.sla = upd(convs[f.conversation_id].view.sla);
      queue.forEach(function (q) { if (q.conversation_id === f.conversation_id) q.sla = upd(q.sla); });
      if (f.state === 'breached' || f.state === 'warning') notify('Ticket ' + (f.ticket || '') + ': ' + (f.clock === 'first_response' ? 'first reply' : 'resolution') + ' ' + (f.state === 'breached' ? 'overdue' : 'due soon'));
      render();
    },
    assigned: function (f) {
      var v = f.conversation || {}, c = conv(v.conversation_id);
      c.view = Object.assign(c.view, v); c.gone = false;
      (f.messages || []).forEach(function (m) { addMsg(v.conversation_id, m); });
      var elsewhere = !looking(v.conversation_id);
      // Show it at once when the agent picked it or has nothing else on screen; otherwise just flag it.
      if (picked === v.conversation_id || !selected || !convs[selected] || convs[selected].gone) select(v.conversation_id);
      if (elsewhere) notify('New chat: ' + ((v.visitor && v.visitor.name) || 'Visitor') + (v.ticket ? ' · ' + v.ticket : ''));
      if (!looking(v.conversation_id)) c.unread = Math.max(1, c.unread);
      render();
    },
    message: function (f) {
      if (!addMsg(f.conversation_id, f)) return;
      var c = conv(f.conversation_id);
      if (f.from && f.from.role !== 'agent') c.typing = null;
      if (f.from && f.from.role === 'visitor' && !looking(f.conversation_id)) { c.unread++; notify(((c.view.visitor && c.view.visitor.name) || 'Visitor') + ': ' + (f.text || '').slice(0, 80)); }
      render();
    },
    conversation: function (f) {
      var c = conv(f.conversation_id);
      c.view = Object.assign(c.view, f);
      // Transferred, escalated or resolved: it has left us; keep the transcript visible if it is on screen.
      c.gone = !isMine(c.view);
      render();
    },
    typing: function (f) {
      if (!f.from || f.from.role === 'agent' || !convs[f.conversation_id]) return;
      var c = convs[f.conversation_id];
      c.typing = f.on ? (f.from.name || 'Visitor') : null;
      clearTimeout(typingClear[f.conversation_id]);
      if (f.on) typingClear[f.conversation_id] = setTimeout(function () { c.typing = null; renderView(); }, 8000);
      renderView();
    },
    ack: function (f) {
      var c = f.client_msg_id && f.conversation_id && convs[f.conversation_id];
      if (c) {
        var i = c.outbox.findIndex(function (m) { return m.id === f.client_msg_id; });
        if (i >= 0) {
          var m = c.outbox.splice(i, 1)[0];
          addMsg(f.conversation_id, { seq: f.seq, from: { role: 'agent', name: me && me.name }, text: m.text, at: m.at });
          renderView();
        }
      }
      // data-state tells what the hub has confirmed, as opposed to what the select shows.
      if (refs[f.ref] === 'Availability') $('avail').dataset.state = $('avail').value;
      delete refs[f.ref];
    },
    error: function (f) {
      var label = refs[f.ref];
      delete refs[f.ref];
      Object.keys(convs).forEach(function (id) {
        convs[id].outbox.forEach(function (m) { if (m.id === f.ref) { m.failed = true; label = 'Sending'; } });
      });
      notice((label ? label + ' failed: ' : '') + (f.message || f.code));
      renderView();
    }
  };

  // Title-bar count plus a short beep, so a chat assigned or answered while the agent looks elsewhere is not missed.
  var audio = null;
  function unlockAudio() {
    try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); if (audio.state === 'suspended') audio.resume(); } catch (e) { audio = null; }
  }
  document.addEventListener('pointerdown', unlockAudio, { once: true });
  // Desktop notifications and sound are opt-in (top bar checkbox); the title count is always on.
  var NOTIFY_KEY = SESSION_KEY + '.notify';
  $('notify-opt').checked = localStorage.getItem(NOTIFY_KEY) === '1';
  $('notify-opt').addEventListener('change', function () {
    var on = $('notify-opt').checked;
    localStorage.setItem(NOTIFY_KEY, on ? '1' : '0');
    if (on) { unlockAudio(); if (window.Notification && Notification.permission === 'default') Notification.requestPermission(); }
  });
  function notify(text) {
    if (!$('notify-opt').checked) return;
    try {
      if (text && window.Notification && Notification.permission === 'granted' && (document.hidden || !document.hasFocus())) new Notification('Switchboard', { body: text, tag: 'switchboard' });
    } catch (e) { /* notifications are a nicety */ }
    if (!audio) return;
    try {
      var o = audio.createOscillator(), g = audio.createGain(), t0 = audio.currentTime;
      o.frequency.value = 880;
      g.gain.setValueAtTime(0.15, t0); g.gain.exponentialRampToValueAtTime(0.001, t0 + 0.2);
      o.connect(g); g.connect(audio.destination); o.start(t0); o.stop(t0 + 0.2);
    } catch (e) { /* audio is a nicety; the title still shows the count */ }
  }
  // Keep "waiting for N min" current between queue frames, without yanking focus off a Pick button.
  setInterval(function () { if (!$('queue').contains(document.activeElement)) renderQueue(); renderMine(); renderSla(); }, 30000);
  document.addEventListener('visibilitychange', function () {
    if (!document.hidden && selected && convs[selected]) { convs[selected].unread = 0; render(); }
  });

