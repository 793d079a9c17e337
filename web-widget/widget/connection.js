  /* connection.js: persisted state, the WebSocket connection and what is sent (a part of /widget.js, see text.js). */
  /* ---------- 3. persisted state ---------- */
  var KEY = 'switchboard:' + hubUrl + '|' + site;
  var MAX_MSGS = 300;
  var st = load();
  function load() {
    var s = null;
    try { s = JSON.parse(localStorage.getItem(KEY)); } catch (e) { /* storage blocked or corrupt: start fresh */ }
    s = s && typeof s === 'object' ? s : {};
    return {
      token: s.token || null,   // visitor_token from welcome
      cid: s.cid || null,       // current conversation id
      convs: s.convs || {},     // conversation views by id (ticket, status, language, agent...)
      order: s.order || [],     // conversation ids in the order they began (render order)
      msgs: s.msgs || [],       // confirmed messages {c, s, r, n, t, a}
      outbox: s.outbox || [],   // typed but not yet acked {id, t, a, f}
      survey: s.survey || null, // conversation id whose survey is pending
      rated: s.rated || [],
      topic: s.topic || null,
      email: s.email || cfg.email || null, // given by the visitor (or the embed snippet): sent after each welcome
      widget: s.widget || null, // the site's look from the last welcome, so a reload does not flash   // topic key chosen for the next new conversation
      open: !!s.open
    };
  }
  function save() {
    if (st.msgs.length > MAX_MSGS) st.msgs = st.msgs.slice(-MAX_MSGS);
    try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { /* quota or privacy mode: keep working in memory */ }
  }
  function cur() { return (st.cid && st.convs[st.cid]) || null; }
  function lastSeq(cid) {
    var n = 0;
    st.msgs.forEach(function (m) { if (m.c === cid && m.s > n) n = m.s; });
    return n;
  }
  function hasMsg(cid, seq) { return st.msgs.some(function (m) { return m.c === cid && m.s === seq; }); }
  function adoptConv(view) {
    var id = view.conversation_id;
    if (!id) return;
    st.convs[id] = Object.assign({}, st.convs[id], view);
    if (st.order.indexOf(id) < 0) st.order.push(id);
    st.cid = id;
    // Forget views of conversations whose messages have all been trimmed away.
    Object.keys(st.convs).forEach(function (k) {
      if (k !== id && !st.msgs.some(function (m) { return m.c === k; })) delete st.convs[k];
    });
    st.order = st.order.filter(function (k) { return st.convs[k]; });
    // A new conversation replaces the survey of the previous one.
    if (st.survey && st.survey !== id && view.status !== 'resolved') st.survey = null;
  }
  function addMsg(f) {
    if (!f.conversation_id || typeof f.seq !== 'number' || hasMsg(f.conversation_id, f.seq)) return false;
    var from = f.from || {};
    var m = { c: f.conversation_id, s: f.seq, r: from.role || 'agent', n: from.name || '', t: f.text || '', a: f.at || new Date().toISOString() };
    if (f.event) m.e = String(f.event);   // system messages: queued, assigned, transferred, escalated, resolved
    st.msgs.push(m);
    if (st.order.indexOf(f.conversation_id) < 0) st.order.push(f.conversation_id);
    return true;
  }

  /* ---------- 4. connection ---------- */
  var ws = null, ready = false, attempts = 0, retryTimer = 0, helloTimer = 0, lastRx = 0, refN = 0;
  var netState = 'connecting';           // connecting | online | offline
  var pendingRefs = {};                  // ref -> callback for acks that carry no client_msg_id
  var typingOn = false, typingTimer = 0;

  function send(obj) {
    if (!ws || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(obj));
    return true;
  }
  function connect() {
    clearTimeout(retryTimer);
    if (ws) return;
    // The browser knows it has no network: wait for the 'online' event instead of burning retries.
    if (navigator.onLine === false) { setNet('offline'); return; }
    setNet('connecting');
    var sock = ws = new WebSocket(hubUrl.replace(/^http/, 'ws') + '/ws/visitor');
    sock.onopen = function () {
      var tz = null;
      try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || null; } catch (e) { /* no Intl: no time zone */ }
      // Page, browser and time zone: shown to the agent in the visitor panel (the hub keeps them bounded).
      sock.send(JSON.stringify({ type: 'hello', v: 1, site: site, visitor_token: st.token, locale: locale, department: department,
        identity: identity, page: String(location.href).slice(0, 500), user_agent: String(navigator.userAgent).slice(0, 250), timezone: tz }));
      helloTimer = setTimeout(function () { sock.close(); }, 10000);
    };
    sock.onmessage = function (ev) {
      lastRx = Date.now();
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && f.type && handlers[f.type]) handlers[f.type](f);
    };
    sock.onclose = function (ev) {
      if (ws !== sock) return;
      clearTimeout(helloTimer);
      ws = null; ready = false; typingOn = false;
      // 4001: the hub no longer knows our visitor token (e.g. its data was reset): start as a new visitor.
      if (ev.code === 4001) { st.token = null; save(); }
      scheduleReconnect(ev.code === 1008 ? 30000 : 0);
    };
  }
  function scheduleReconnect(minDelay) {
    clearTimeout(retryTimer);
    if (navigator.onLine === false) { setNet('offline'); return; }
    setNet(attempts > 0 ? 'offline' : 'connecting');
    // Exponential backoff, capped at 30 s, with jitter so a hub restart is not hit by every visitor at once.
    var base = Math.min(30000, 500 * Math.pow(2, attempts++));
    retryTimer = setTimeout(connect, Math.max(minDelay, base / 2 + Math.random() * base / 2));
  }
  function reconnectNow() { attempts = 0; if (ws) ws.close(); else connect(); }
  window.addEventListener('online', function () { attempts = 0; connect(); });
  window.addEventListener('offline', function () {
    // The socket may look open for a long time after the network went away; drop it so we resync on return.
    if (ws) { var s = ws; ws = null; ready = false; s.close(); }
    clearTimeout(retryTimer);
    setNet('offline');
  });
  setInterval(function () {
    if (!ready) return;
    if (Date.now() - lastRx > 60000) { ws.close(); return; }  // silent half-open connection
    send({ type: 'ping' });
  }, 25000);

  function flushOutbox() {
    if (!ready) return;
    st.outbox.forEach(function (m) {
      if (!m.f) send(outFrame(m));
    });
  }
  function sync(cid) { send({ type: 'sync', conversation_id: cid, after_seq: lastSeq(cid), ref: 'r' + ++refN }); }

  var handlers = {
    welcome: function (f) {
      clearTimeout(helloTimer);
      ready = true; attempts = 0;
      if (st.token && f.visitor_token && f.visitor_token !== st.token) {
        // The hub did not know our token (its data was reset, or another hub): what we remember is not
        // its conversation any more. Start clean but keep the outbox, which becomes the new conversation.
        st.cid = st.survey = null; st.convs = {}; st.order = []; st.msgs = []; ui.typing(null);
      }
      st.token = f.visitor_token || st.token;
      st.dept = f.department || null;
      st.widget = f.widget || null;
      st.mailOn = f.email_replies === true; // the hub answers by email: the offer is real
      ui.theme();
      notices.set(f.notices || []);
      var old = cur();
      if (f.conversation && f.conversation.conversation_id) {
        // Another tab may have started a new conversation: the one we remember is then over.
        if (old && old.conversation_id !== f.conversation.conversation_id) old.status = 'resolved';
        adoptConv(f.conversation);
      } else if (old && old.status !== 'resolved') {
        // Resolved while we were away: the survey frame went to a dead socket, so offer it now.
        sync(old.conversation_id);
        old.status = 'resolved';
        if (st.rated.indexOf(old.conversation_id) < 0) st.survey = old.conversation_id;
      }
      save();
      setNet('online');
      // The address first, so that a conversation the outbox opens is acknowledged by email (docs/email.md).
      if (st.email) setEmail(st.email);
      // Outbox first: a resend that the hub already stored gets its old seq back, so the sync below dedupes it.
      flushOutbox();
      if (f.conversation && f.conversation.conversation_id) sync(f.conversation.conversation_id);
      ui.render();
    },
    notice: function (f) { notices.frame(f); ui.render(); },
    ack: function (f) {
      var i = -1;
      st.outbox.forEach(function (m, k) { if (m.id === f.client_msg_id) i = k; });
      if (i >= 0 && f.conversation_id && typeof f.seq === 'number') {
        var m = st.outbox.splice(i, 1)[0];
        if (!cur() || st.cid !== f.conversation_id) adoptConv({ conversation_id: f.conversation_id, status: 'queued' });
        ui.rekey('p:' + m.id, f.conversation_id + ':' + f.seq);
        addMsg({ conversation_id: f.conversation_id, seq: f.seq, from: { role: 'visitor' }, text: m.t, at: m.a });
        save(); ui.render();
      }
      if (f.ref && pendingRefs[f.ref]) { pendingRefs[f.ref](f); delete pendingRefs[f.ref]; }
    },
    error: function (f) {
      var m = st.outbox.filter(function (o) { return o.id === f.ref; })[0];
      if (m) {
        // Rate limiting is temporary: try again shortly. Anything else will fail again, so show it as not sent.
        if (f.code === 'rate_limited') setTimeout(flushOutbox, 3000); else { m.f = 1; save(); ui.render(); }
      }
      if (f.ref && pendingRefs[f.ref]) { pendingRefs[f.ref](f); delete pendingRefs[f.ref]; }
    },
    conversation: function (f) {
      var prev = st.convs[f.conversation_id];
      adoptConv(f);
      if (f.status === 'resolved' && prev && prev.status !== 'resolved') ui.typing(null);
      save(); ui.render();
    },
    message: function (f) {
      if (addMsg(f)) {
        var role = f.from && f.from.role;
        if (role === 'agent' || role === 'bot') { ui.typing(null); ui.unread(); }
        save(); ui.render();
      }
    },
    typing: function (f) {
      if ((f.from && f.from.role === 'visitor') || (f.conversation_id && f.conversation_id !== st.cid)) return;
      ui.typing(f.on ? (f.from && f.from.name) || t('support') : null);
    },
    survey: function (f) {
      if (st.rated.indexOf(f.conversation_id) < 0) { st.survey = f.conversation_id; save(); ui.render(); }
    }
  };

  function outFrame(m) {
    var f = { type: 'message', client_msg_id: m.id, text: m.t, ref: m.id };
    if (m.tp) f.topic = m.tp;
    return f;
  }
  // Topics of the department (welcome), asked for before the first message of a new conversation.
  function topics() { var d = st.dept; return (d && Array.isArray(d.topics) && d.topics) || []; }
  function needTopic() {
    var c = cur();
    return topics().length > 0 && (!c || c.status === 'resolved') && !st.outbox.length;
  }
  // Returns false when the text was not taken (a topic must be chosen first).
  function sendText(text) {
    text = text.trim();
    if (!text) return true;
    var tp = null;
    if (needTopic()) {
      tp = st.topic;
      if (!tp || !topics().some(function (x) { return x.key === tp; })) return false;
    }
    var id = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    var m = { id: id, t: text, a: new Date().toISOString() };
    if (tp) m.tp = tp;
    st.outbox.push(m);
    st.topic = null;
    save();
    setTyping(false);
    ui.sent();
    if (ready) send(outFrame(m));
    ui.render();
    return true;
  }
  // Tell the other side we are typing, at most once per burst, and "stopped" after a quiet spell.
  function setTyping(on) {
    clearTimeout(typingTimer);
    var c = cur();
    if (on) typingTimer = setTimeout(function () { setTyping(false); }, 3000);
    if (on === typingOn || !ready || !c || c.status === 'resolved') return;
    typingOn = on;
    send({ type: 'typing', on: on });
  }
  function rate(cid, score, comment, done) {
    var ref = 'r' + ++refN;
    pendingRefs[ref] = function (f) { if (f.type === 'ack') done(); };
    var body = { type: 'rating', conversation_id: cid, score: score, ref: ref };
    if (comment) body.comment = comment;
    send(body);
  }
  // `set_email` (spec 7.6): kept once the hub accepts it; `done(ok)` says whether it did.
  function setEmail(email, done) {
    var ref = 'r' + ++refN;
    pendingRefs[ref] = function (f) {
      if (f.type === 'ack') { st.email = email; save(); ui.render(); }
      if (done) done(f.type === 'ack');
    };
    if (!send({ type: 'set_email', email: email, ref: ref })) delete pendingRefs[ref];
  }
  function setNet(s) { netState = s; ui.render(); }

