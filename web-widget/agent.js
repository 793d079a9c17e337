/* Switchboard agent dashboard. Plain JS, served by the hub at /agent (see docs/dashboard.md).
 * Sections: 1 state and helpers, 2 login/session, 3 connection and frames, 4 rendering, 5 actions. */
(function () {
  'use strict';

  /* ---------- 1. state and helpers ---------- */
  var SESSION_KEY = 'switchboard.agent';
  var PRIO = { urgent: 0, premium: 1, standard: 2, low: 3 };
  var $ = function (id) { return document.getElementById(id); };
  var session = readSession();       // {token, agent}
  var me = null;                     // agent from welcome
  var convs = {};                    // id -> {view, msgs: {seq: msg}, unread, typing, outbox: [], gone}
  var queue = [];
  var selected = localStorage.getItem(SESSION_KEY + '.selected');
  var ws = null, ready = false, attempts = 0, retryTimer = 0, refN = 0, lastRx = 0;
  var refs = {};                     // ref -> label of the command, to explain an error frame
  var typingOn = false, typingTimer = 0, typingClear = {};
  var picked = null;                 // the conversation the agent last asked to pick, to open it when it arrives
  var depts = {};                    // department name -> tier names, from the welcome
  var botConvs = [];                 // tickets the bot holds (GET /api/tickets?status=bot)
  var hist = { mode: 'resolved', list: [] };
  var previews = {};                 // conversation id -> first visitor message of a waiting chat
  var tab = 'chats';
  var canned = [];                   // canned replies: shared and my own (GET /api/canned)
  var SLA_RANK = { breached: 2, warning: 1 };

  function readSession() { try { return JSON.parse(localStorage.getItem(SESSION_KEY)); } catch (e) { return null; } }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function newId(p) { return p + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function conv(id) {
    return convs[id] || (convs[id] = { view: { conversation_id: id }, msgs: {}, unread: 0, typing: null, outbox: [], gone: false, notes: null });
  }
  function lastSeq(c) { return Object.keys(c.msgs).reduce(function (n, s) { return Math.max(n, +s); }, 0); }
  function isMine(v) { return v.status === 'assigned' && (!v.agent || !v.agent.id || !me || v.agent.id === me.id); }
  function looking(id) { return selected === id && !document.hidden; }
  function authGet(p) {
    return fetch(p, { headers: { Authorization: 'Bearer ' + (session && session.token) } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error(String(r.status))); });
  }
  // Service levels: the clock that runs now (first response until answered, then resolution).
  function slaDue(s) { return !s ? null : (!s.first_response_at && s.first_response_due) || s.resolution_due || null; }
  function slaRank(s) { return (s && SLA_RANK[s.state]) || 0; }
  function slaLeft(s) {
    var due = slaDue(s), ms = due ? new Date(due) - Date.now() : NaN;
    if (isNaN(ms)) return '';
    var m = Math.round(Math.abs(ms) / 60000), txt = m < 60 ? m + ' min' : m < 2880 ? Math.floor(m / 60) + ' h ' + (m % 60) + ' min' : Math.round(m / 1440) + ' d';
    var what = !s.first_response_at && s.first_response_due ? 'first reply' : 'resolution';
    return ms >= 0 ? what + ' due in ' + txt : what + ' overdue by ' + txt;
  }
  function slaClass(s) { return s && SLA_RANK[s.state] ? ' sla-' + s.state : ''; }
  function tierName(v, n) {
    var names = depts[v.department] || [];
    return (n === v.tier && v.tier_name) || names[n - 1] || 'Tier ' + n;
  }
  function firstText(msgs) {
    var m = (msgs || []).filter(function (x) { return x.from && x.from.role === 'visitor'; })[0];
    return m ? m.text : '';
  }
  function since(iso) {
    var m = Math.max(0, Math.round((Date.now() - new Date(iso)) / 60000));
    return isNaN(m) ? '' : m < 1 ? 'just now' : m < 60 ? m + ' min' : Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  /* ---------- 2. login and session ---------- */
  $('login-form').addEventListener('submit', function (e) {
    e.preventDefault();
    unlockAudio();
    $('login-error').textContent = '';
    fetch('/api/login', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('email').value.trim(), password: $('password').value })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw new Error((body.error && body.error.message) || (r.status === 401 ? 'Wrong email or password.' : 'Sign-in failed (' + r.status + ').'));
        session = { token: body.token, agent: body.agent };
        localStorage.setItem(SESSION_KEY, JSON.stringify(session));
        $('password').value = '';
        start();
      });
    }).catch(function (err) { $('login-error').textContent = err.message || 'Cannot reach the hub.'; });
  });
  $('logout').addEventListener('click', function () { logout(''); });
  function logout(why) {
    localStorage.removeItem(SESSION_KEY);
    localStorage.removeItem(SESSION_KEY + '.selected');
    session = me = null; convs = {}; queue = []; selected = null;
    clearTimeout(retryTimer);
    if (ws) { var s = ws; ws = null; s.close(1000); }
    $('app').hidden = true; $('login').hidden = false;
    $('login-error').textContent = why || '';
    document.title = 'Switchboard';
    $('email').focus();
  }
  function start() {
    $('login').hidden = true; $('app').hidden = false;
    $('me').textContent = session.agent && session.agent.name ? session.agent.name : '';
    connect();
    render();
  }

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
    queue: function (f) { queue = f.waiting || []; loadPreviews(); renderQueue(); },
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

  /* ---------- 4. rendering ---------- */
  var shown = { id: null, nodes: {} };   // what the transcript pane currently holds
  function render() { renderMine(); renderQueue(); renderView(); renderTitle(); }
  function renderTitle() {
    var n = Object.keys(convs).reduce(function (s, id) { return s + (convs[id].gone ? 0 : convs[id].unread); }, 0);
    document.title = n ? '(' + n + ') Switchboard' : 'Switchboard';
  }
  function badges(v) {
    var out = [];
    if (v.priority) out.push([v.priority, 'prio prio-' + v.priority]);
    if (v.language) out.push([v.language.toUpperCase(), 'lang']);
    var vis = v.visitor || {};
    if (vis.plan) out.push([vis.plan + ' plan', 'plan plan-' + vis.plan]);
    out.push(vis.verified ? ['verified', 'ver yes'] : ['unverified', 'ver no']);
    return out;
  }
  function addBadges(parent, list) { list.forEach(function (b) { parent.appendChild(el('span', 'badge ' + b[1], b[0])); }); }
  function renderMine() {
    var ul = $('mine'); ul.textContent = '';
    // A chat that ended stays listed while it has unread messages (or is on screen); history is elsewhere.
    var ids = Object.keys(convs).filter(function (id) { var c = convs[id]; return !c.hist && (!c.gone || id === selected || c.unread > 0); });
    ids.sort(function (a, b) {
      var va = convs[a].view, vb = convs[b].view;
      return ((PRIO[va.priority] || 2) - (PRIO[vb.priority] || 2)) || String(va.created_at || '').localeCompare(String(vb.created_at || ''));
    });
    ids.forEach(function (id) {
      var c = convs[id], v = c.view, li = el('li', 'item' + (id === selected ? ' sel' : '') + (c.gone ? ' gone' : '') + (c.gone ? '' : slaClass(v.sla)));
      li.dataset.id = id;
      var b = el('button', 'pickrow');
      b.type = 'button';
      b.setAttribute('aria-current', id === selected ? 'true' : 'false');
      b.appendChild(el('span', 'name', (v.visitor && v.visitor.name) || 'Visitor'));
      b.appendChild(el('span', 'ticket', v.ticket ? '#' + v.ticket : ''));
      var meta = el('span', 'meta'); addBadges(meta, badges(v));
      if (c.gone) meta.appendChild(el('span', 'badge ended', v.status === 'resolved' ? 'resolved' : 'transferred'));
      else if (v.sla) meta.appendChild(el('span', 'sla', slaLeft(v.sla)));
      b.appendChild(meta);
      if (c.unread) { var u = el('span', 'unread', String(c.unread)); u.setAttribute('aria-label', c.unread + ' unread'); b.appendChild(u); }
      b.addEventListener('click', function () { select(id); });
      li.appendChild(b); ul.appendChild(li);
    });
    $('mine-empty').hidden = ids.length > 0;
  }
  function renderQueue() {
    var ul = $('queue'); ul.textContent = '';
    // Most urgent first: breached, then warning, then the nearest deadline; otherwise the hub's order.
    var order = queue.map(function (q, i) { return [q, i]; }).sort(function (a, b) {
      var da = slaDue(a[0].sla), db = slaDue(b[0].sla);
      return (slaRank(b[0].sla) - slaRank(a[0].sla)) ||
        ((da ? +new Date(da) : Infinity) - (db ? +new Date(db) : Infinity) || 0) || a[1] - b[1];
    });
    order.forEach(function (pair) {
      var q = pair[0];
      var li = el('li', 'item q' + slaClass(q.sla)); li.dataset.id = q.conversation_id;
      var info = el('div', 'qinfo');
      info.appendChild(el('span', 'ticket', '#' + (q.ticket || '?')));
      addBadges(info, [[q.priority || 'standard', 'prio prio-' + (q.priority || 'standard')], [(q.language || '??').toUpperCase(), 'lang']]);
      if (q.tier > 1 || q.tier_name) addBadges(info, [[q.tier_name || 'Tier ' + q.tier, 'tier']]);
      if (q.topic) addBadges(info, [[q.topic, 'topic']]);
      var pv = q.preview || previews[q.conversation_id];
      if (pv) info.appendChild(el('span', 'preview', pv)).title = pv;
      info.appendChild(el('span', 'since', (q.department ? q.department + ' · ' : '') + since(q.since)));
      if (q.sla) info.appendChild(el('span', 'sla', slaLeft(q.sla)));
      var b = el('button', 'pick', 'Pick');
      b.type = 'button';
      b.setAttribute('aria-label', 'Pick ticket ' + (q.ticket || ''));
      b.addEventListener('click', function () {
        picked = q.conversation_id;
        command({ type: 'pick', conversation_id: q.conversation_id }, 'Pick');
      });
      li.appendChild(info); li.appendChild(b); ul.appendChild(li);
    });
    $('queue-count').textContent = queue.length ? '(' + queue.length + ')' : '';
    $('queue-empty').hidden = queue.length > 0;
  }
  function renderView() {
    var c = selected && convs[selected];
    $('no-conv').hidden = !!c; $('view').hidden = !c;
    renderTitle();
    if (!c) return;
    var v = c.view, vis = v.visitor || {};
    $('conv-title').textContent = ((vis.name || 'Visitor') + (v.ticket ? ' · #' + v.ticket : ''));
    var info = $('conv-info'); info.textContent = '';
    addBadges(info, badges(v));
    info.appendChild(el('span', 'small', ' ' + [v.status, v.department, tierName(v, v.tier || 1), v.topic && 'topic: ' + v.topic].filter(Boolean).join(' · ')));
    // Escalation targets: the department's tiers above this conversation's own.
    var esc = $('escalate-to'), keep = esc.value, names = depts[v.department] || [], top = Math.max(3, names.length);
    esc.textContent = '';
    for (var n = (v.tier || 1) + 1; n <= top; n++) esc.appendChild(el('option', '', tierName(v, n))).value = String(n);
    if (keep && esc.querySelector('option[value="' + keep + '"]')) esc.value = keep;
    $('escalate').textContent = esc.options.length ? 'Escalate to ' + esc.options[esc.selectedIndex].textContent : 'Escalate';
    ['resolve', 'transfer', 'escalate', 'transfer-to', 'escalate-to', 'text'].forEach(function (id) { $(id).disabled = c.gone; });
    if (!esc.options.length) $('escalate').disabled = $('escalate-to').disabled = true;
    renderSla();
    renderVisitor(c);
    $('actions').hidden = $('composer').hidden = !!c.hist;
    if (c.hist) notice('From the history (' + v.status + '): read only.');
    else if (c.gone) notice(v.status === 'resolved' ? 'This conversation is resolved.' : 'This conversation is now with ' + ((v.agent && v.agent.name) || 'another queue') + '.');
    var log = $('log'), nearEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    // Keyed update: existing lines stay in place, so the live region announces only what is new.
    if (shown.id !== selected) { log.textContent = ''; shown = { id: selected, nodes: {} }; nearEnd = true; }
    var items = Object.keys(c.msgs).map(Number).sort(function (a, b) { return a - b; })
      .map(function (s) { return ['s' + s, c.msgs[s]]; })
      .concat(c.outbox.map(function (m) {
        return ['p' + m.id + (m.failed ? 'f' : ''), { from: { role: 'agent', name: me && me.name }, text: m.text, at: m.at, pending: m.failed ? 'failed' : 'sending' }];
      }));
    // Internal notes sit among the messages by time.
    (c.notes || []).forEach(function (n, i) {
      var at = +new Date(n.at), k = items.length;
      while (k > 0 && items[k - 1][1].at && +new Date(items[k - 1][1].at) > at && !items[k - 1][1].pending) k--;
      items.splice(k, 0, ['n' + i + ':' + n.at, { from: { role: 'note', name: n.agent && n.agent.name }, text: n.text, at: n.at }]);
    });
    var seen = {}, prev = null;
    items.forEach(function (it) {
      var node = shown.nodes[it[0]] || (shown.nodes[it[0]] = msgEl(it[1], v.language));
      seen[it[0]] = 1;
      var want = prev ? prev.nextSibling : log.firstChild;
      if (want !== node) log.insertBefore(node, want);
      prev = node;
    });
    Object.keys(shown.nodes).forEach(function (k) { if (!seen[k]) { shown.nodes[k].remove(); delete shown.nodes[k]; } });
    if (nearEnd) log.scrollTop = log.scrollHeight;
    $('typing').textContent = c.typing ? c.typing + ' is typing…' : '';
  }
  // "Firefox 140 on Linux": enough to picture the visitor's screen, not a fingerprint.
  function browserName(ua) {
    if (!ua) return '';
    var b = /Edg\/(\d+)/.exec(ua) ? 'Edge ' + /Edg\/(\d+)/.exec(ua)[1] : /Firefox\/(\d+)/.exec(ua) ? 'Firefox ' + /Firefox\/(\d+)/.exec(ua)[1]
      : /Chrome\/(\d+)/.exec(ua) ? 'Chrome ' + /Chrome\/(\d+)/.exec(ua)[1] : /Version\/(\d+).*Safari/.exec(ua) ? 'Safari ' + /Version\/(\d+)/.exec(ua)[1] : 'Browser';
    var os = /iPhone|iPad/.test(ua) ? 'iOS' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
    return b + (os ? ' on ' + os : '');
  }
  function localTime(tz) {
    try { return new Date().toLocaleTimeString([], { timeZone: tz, hour: '2-digit', minute: '2-digit' }) + ' (' + tz + ')'; } catch (e) { return ''; }
  }
  function renderVisitor(c) {
    var dl = $('visitor-panel'), v = c.view, vis = v.visitor || {};
    dl.textContent = '';
    var row = function (k, val, link) {
      if (!val) return;
      var d = el('div'); d.appendChild(el('dt', '', k));
      var dd = el('dd');
      if (link && /^https?:/i.test(val)) { var a = el('a', '', val); a.href = val; a.target = '_blank'; a.rel = 'noopener noreferrer'; dd.appendChild(a); }
      else dd.textContent = val;
      dd.title = val; d.appendChild(dd); dl.appendChild(d);
    };
    row('Name', vis.name);
    row('Email', vis.email ? vis.email + (vis.verified ? ' (verified)' : '') : '');
    row('Plan', vis.plan);
    row('Language', v.language ? v.language.toUpperCase() + (v.reason === 'language' ? ' (no agent speaks it)' : '') : 'not known yet');
    row('Page', vis.page, true);
    row('Browser', browserName(vis.user_agent));
    row('Local time', vis.timezone ? localTime(vis.timezone) : '');
    if (vis.email) {
      var d = el('div'), b = el('button', '', 'Earlier tickets');
      b.type = 'button';
      b.addEventListener('click', function () { $('hist-q').value = vis.email; hist.mode = 'all'; $('hist-all').setAttribute('aria-pressed', 'true'); $('hist-resolved').setAttribute('aria-pressed', 'false'); setTab('history'); });
      d.appendChild(b); dl.appendChild(d);
    }
  }
  function renderSla() {
    var c = selected && convs[selected], line = $('conv-sla'), s = c && !c.gone && c.view.sla;
    line.hidden = !s;
    if (!s) return;
    line.className = 'sla-line' + slaClass(s);
    line.textContent = (s.state === 'breached' ? 'Overdue: ' : s.state === 'warning' ? 'Due soon: ' : '') + slaLeft(s);
  }
  function msgEl(m, lang) {
    var from = m.from || {}, role = from.role || 'visitor';
    var d = el('div', 'msg ' + role + (m.pending ? ' pending' : ''));
    if (m.seq) d.dataset.seq = m.seq;
    if (lang) d.lang = lang;
    d.appendChild(el('span', 'who', from.name || (role === 'visitor' ? 'Visitor' : role)));
    d.appendChild(el('span', 'text', m.text || '')).dir = 'auto';
    var at = new Date(m.at);
    d.appendChild(el('span', 'when', m.pending ? (m.pending === 'failed' ? 'not sent' : 'sending…') : isNaN(at) ? '' : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    return d;
  }
  function notice(text) { var n = $('conv-notice'); n.textContent = text || ''; n.hidden = !text; }

  /* ---------- 5. actions ---------- */
  function select(id) {
    if (selected !== id) { notice(''); setTyping(false); }
    selected = id;
    localStorage.setItem(SESSION_KEY + '.selected', id);
    if (convs[id]) convs[id].unread = 0;
    render();
    loadAgents();
    loadNotes(id);
  }
  $('avail').addEventListener('change', function () { command({ type: 'availability', status: $('avail').value }, 'Availability'); });
  $('composer').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = $('text').value.trim(), c = selected && convs[selected];
    if (!text || !c || c.gone) return;
    if ($('as-note').checked) {
      // A note goes to the team only; it is shown once the hub has stored it (the note frame).
      if (command({ type: 'note', conversation_id: selected, text: text }, 'Note')) { $('text').value = ''; }
      return;
    }
    var m = { id: newId('a'), text: text, at: new Date().toISOString() };
    c.outbox.push(m);
    $('text').value = '';
    setTyping(false);
    // Sent now if connected; otherwise the outbox goes out after the next welcome.
    if (ready) send({ type: 'message', conversation_id: selected, client_msg_id: m.id, text: text, ref: m.id });
    renderView();
  });
  $('text').addEventListener('keydown', function (e) {
    if (!$('canned-menu').hidden && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault(); menuPos = Math.max(0, Math.min(menuItems.length - 1, menuPos + (e.key === 'ArrowDown' ? 1 : -1))); renderMenu(); return;
    }
    if (!$('canned-menu').hidden && (e.key === 'Enter' || e.key === 'Tab') && menuItems.length) { e.preventDefault(); useCanned(menuItems[menuPos]); return; }
    if (!$('canned-menu').hidden && e.key === 'Escape') { e.preventDefault(); $('canned-menu').hidden = true; return; }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('composer').requestSubmit(); }
  });
  $('text').addEventListener('input', function () {
    var v = $('text').value;
    // "/" at the start opens the canned replies, filtered by what follows it.
    if (/^\/\S*$/.test(v)) { menuPos = 0; openMenu(v.slice(1)); } else $('canned-menu').hidden = true;
    if (!$('as-note').checked && v.charAt(0) !== '/') setTyping(v.trim() !== '');
  });
  $('as-note').addEventListener('change', function () {
    $('composer').classList.toggle('noting', $('as-note').checked);
    $('send').textContent = $('as-note').checked ? 'Add note' : 'Send';
    if ($('as-note').checked) setTyping(false);
  });
  var menuItems = [], menuPos = 0;
  function openMenu(q) {
    q = q.toLowerCase();
    menuItems = canned.filter(function (r) { return !q || r.title.toLowerCase().indexOf(q) >= 0 || r.text.toLowerCase().indexOf(q) >= 0; });
    renderMenu();
  }
  function renderMenu() {
    var ul = $('canned-menu'); ul.textContent = '';
    ul.hidden = !menuItems.length;
    menuItems.forEach(function (r, i) {
      var li = el('li'); li.setAttribute('role', 'option'); li.setAttribute('aria-selected', String(i === menuPos));
      li.appendChild(el('span', 't', r.title + (r.shared ? '' : ' (mine)'))); li.appendChild(el('span', 'x', r.text.slice(0, 80)));
      li.addEventListener('mousedown', function (e) { e.preventDefault(); useCanned(r); });
      ul.appendChild(li);
    });
  }
  function useCanned(r) {
    $('text').value = r.text; $('canned-menu').hidden = true; $('text').focus();
    setTyping(true);
  }
  function loadCanned() {
    if (!session) return;
    authGet('/api/canned').then(function (list) { canned = Array.isArray(list) ? list : []; renderCanned(); }).catch(function () {});
  }
  function renderCanned() {
    var ul = $('canned-list'); ul.textContent = '';
    canned.forEach(function (r) {
      var li = el('li'); li.dataset.id = r.id;
      li.appendChild(el('span', '', r.title + (r.shared ? ' · shared' : ' · mine') + ': ' + r.text.slice(0, 60)));
      var b = el('button', '', 'Delete'); b.type = 'button'; b.setAttribute('aria-label', 'Delete canned reply ' + r.title);
      b.addEventListener('click', function () {
        fetch('/api/canned/' + encodeURIComponent(r.id), { method: 'DELETE', headers: { Authorization: 'Bearer ' + session.token } }).then(loadCanned);
      });
      li.appendChild(b); ul.appendChild(li);
    });
  }
  $('canned-form').addEventListener('submit', function (e) {
    e.preventDefault();
    fetch('/api/canned', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + session.token },
      body: JSON.stringify({ title: $('canned-title').value, text: $('canned-text').value, shared: $('canned-shared').checked })
    }).then(function (r) {
      if (r.ok) { $('canned-title').value = $('canned-text').value = ''; $('canned-shared').checked = false; }
      loadCanned();
    });
  });
  function loadNotes(id) {
    var c = convs[id];
    if (!c || !c.view.ticket || !session) return;
    authGet('/api/tickets/' + encodeURIComponent(c.view.ticket) + '/notes').then(function (list) {
      var live = c.notes || [];
      c.notes = (Array.isArray(list) ? list : []).concat(live.filter(function (n) {
        return !list.some(function (m) { return m.at === n.at && m.text === n.text; });
      }));
      if (selected === id) renderView();
    }).catch(function () { /* notes are shown when the hub can be read */ });
  }
  function setTyping(on) {
    clearTimeout(typingTimer);
    if (on) typingTimer = setTimeout(function () { setTyping(false); }, 3000);
    if (on === typingOn || !selected || !ready) return;
    typingOn = on;
    send({ type: 'typing', conversation_id: selected, on: on });
  }
  $('resolve').addEventListener('click', function () { command({ type: 'resolve', conversation_id: selected }, 'Resolve'); });
  $('transfer').addEventListener('click', function () {
    var to = $('transfer-to').value;
    if (to) command({ type: 'transfer', conversation_id: selected, to_agent: to }, 'Transfer');
  });
  $('escalate-to').addEventListener('change', function () { renderView(); });
  $('escalate').addEventListener('click', function () {
    var v = convs[selected] && convs[selected].view, n = +$('escalate-to').value;
    if (v && n) command({ type: 'transfer', conversation_id: selected, tier: n }, 'Escalation');
  });
  $('transfer-to').addEventListener('focus', loadAgents);
  function loadAgents() {
    if (!session) return;
    fetch('/api/agents', { headers: { Authorization: 'Bearer ' + session.token } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (list) {
        var sel = $('transfer-to'), keep = sel.value;
        sel.textContent = '';
        sel.appendChild(el('option', '', 'Choose an agent…')).value = '';
        (Array.isArray(list) ? list : []).forEach(function (a) {
          if (me && a.id === me.id) return;
          var o = el('option', '', a.name + ' (tier ' + (a.tier || 1) + (a.online ? ', online' : ', offline') + ')');
          o.value = a.id;
          sel.appendChild(o);
        });
        sel.value = keep;
      }).catch(function () { /* picker stays as it was; the hub may be restarting */ });
  }

  /* ---------- 6. bot tab, history, previews (HTTP reads) ---------- */
  function loadPreviews() {
    queue.forEach(function (q) {
      if (q.preview || previews[q.conversation_id] !== undefined || !q.ticket) return;
      previews[q.conversation_id] = '';
      authGet('/api/tickets/' + encodeURIComponent(q.ticket))
        .then(function (t) { previews[q.conversation_id] = firstText(t.messages); renderQueue(); })
        .catch(function () { delete previews[q.conversation_id]; });
    });
  }
  function setTab(name) {
    tab = name;
    ['chats', 'bot', 'history'].forEach(function (n) {
      $('tab-' + n).setAttribute('aria-selected', String(n === name));
      $('pane-' + n).hidden = n !== name;
    });
    if (name === 'bot') loadBot();
    if (name === 'history') loadHist();
  }
  ['chats', 'bot', 'history'].forEach(function (n) { $('tab-' + n).addEventListener('click', function () { setTab(n); }); });
  function loadBot() {
    if (!session) return;
    authGet('/api/tickets?status=bot&limit=200').then(function (list) {
      botConvs = (Array.isArray(list) ? list : []).sort(function (a, b) {
        return (b.handoff_requested ? 1 : 0) - (a.handoff_requested ? 1 : 0) || String(a.created_at).localeCompare(String(b.created_at));
      });
      renderBot();
    }).catch(function () { /* the tab keeps what it had */ });
  }
  setInterval(function () { if (ready && tab === 'bot') loadBot(); }, 10000);
  function renderBot() {
    var ul = $('botlist'); ul.textContent = '';
    botConvs.forEach(function (t) {
      var li = el('li', 'item q'); li.dataset.id = t.conversation_id;
      var info = el('div', 'qinfo');
      info.appendChild(el('span', 'ticket', '#' + t.ticket));
      addBadges(info, [[t.priority || 'standard', 'prio prio-' + (t.priority || 'standard')], [(t.language || '??').toUpperCase(), 'lang']]);
      if (t.handoff_requested) addBadges(info, [['asked for a person', 'prio prio-urgent handoff']]);
      var pv = firstText(t.messages);
      if (pv) info.appendChild(el('span', 'preview', pv)).title = pv;
      info.appendChild(el('span', 'since', (t.department || '') + ' · ' + since(t.created_at)));
      var b = el('button', 'pick', 'Pick');
      b.type = 'button';
      b.setAttribute('aria-label', 'Pick ticket ' + t.ticket + ' from the bot');
      b.addEventListener('click', function () {
        picked = t.conversation_id;
        command({ type: 'pick', conversation_id: t.conversation_id }, 'Pick');
        setTimeout(loadBot, 500);
      });
      li.appendChild(info); li.appendChild(b); ul.appendChild(li);
    });
    $('bot-count').textContent = botConvs.length ? '(' + botConvs.length + ')' : '';
    $('bot-empty').hidden = botConvs.length > 0;
  }
  function loadHist() {
    if (!session) return;
    authGet('/api/tickets?limit=200' + (hist.mode === 'resolved' ? '&status=resolved' : ''))
      .then(function (list) { hist.list = Array.isArray(list) ? list : []; renderHist(); })
      .catch(function () { /* keep the last list */ });
  }
  ['resolved', 'all'].forEach(function (m) {
    $('hist-' + m).addEventListener('click', function () {
      hist.mode = m;
      $('hist-resolved').setAttribute('aria-pressed', String(m === 'resolved'));
      $('hist-all').setAttribute('aria-pressed', String(m === 'all'));
      loadHist();
    });
  });
  $('hist-q').addEventListener('input', function () { renderHist(); });
  // Search by ticket number, the visitor's email, or any text of the transcript.
  function matches(t, q) {
    if (!q) return true;
    q = q.toLowerCase();
    var vis = t.visitor || {};
    return String(t.ticket).toLowerCase().indexOf(q) >= 0 || String(vis.email || '').toLowerCase().indexOf(q) >= 0 ||
      String(vis.name || '').toLowerCase().indexOf(q) >= 0 ||
      (t.messages || []).some(function (m) { return String(m.text || '').toLowerCase().indexOf(q) >= 0; });
  }
  function renderHist() {
    var ul = $('histlist'), q = $('hist-q').value.trim(), shownN = 0;
    ul.textContent = '';
    hist.list.forEach(function (t) {
      if (!matches(t, q)) return;
      shownN++;
      var vis = t.visitor || {};
      var li = el('li', 'item'), b = el('button', 'hrow');
      b.type = 'button'; li.dataset.ticket = t.ticket;
      var head = el('span', 'name', '#' + t.ticket + ' · ' + (vis.name || vis.email || 'Visitor'));
      b.appendChild(head);
      var meta = el('span', 'meta');
      addBadges(meta, [[t.status, 'st'], [(t.language || '??').toUpperCase(), 'lang']]);
      meta.appendChild(el('span', 'since', new Date(t.created_at).toLocaleString() + (vis.email ? ' · ' + vis.email : '')));
      b.appendChild(meta);
      var pv = firstText(t.messages);
      if (pv) b.appendChild(el('span', 'preview', pv));
      b.addEventListener('click', function () { openTicket(t); });
      li.appendChild(b); ul.appendChild(li);
    });
    $('hist-empty').hidden = shownN > 0;
  }
  // A ticket from history opens read-only in the conversation pane; a live chat of ours stays live.
  function openTicket(t) {
    var live = convs[t.conversation_id] && !convs[t.conversation_id].hist && !convs[t.conversation_id].gone;
    if (!live) {
      var c = convs[t.conversation_id] = { view: Object.assign({}, t), msgs: {}, unread: 0, typing: null, outbox: [], gone: true, hist: true };
      (t.messages || []).forEach(function (m) { if (typeof m.seq === 'number') c.msgs[m.seq] = m; });
      shown.id = null;
    }
    select(t.conversation_id);
  }

  if (session && session.token) start(); else { $('login').hidden = false; $('email').focus(); }
})();
