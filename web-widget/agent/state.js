  /* Switchboard agent dashboard. Plain JS, served by the hub at /agent (see docs/dashboard.md).
   * Served as one script, /agent.js: src/web.rs joins these parts at compile time inside one function
   * scope, in this order:
   *   state.js       1. state and helpers, 2. login and session
   *   connection.js  3. connection and frames, notifications and sound
   *   render.js      4. rendering: my chats, the queue, the conversation, the visitor panel
   *   actions.js     5. actions: composer, canned replies, notes, transfer and escalation
   *   lists.js       6. bot tab, history, previews (HTTP reads); boot
   */

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
  var botConvs = [];                 // conversations the bot holds (queue frames; older hubs: GET /api/tickets?status=bot)
  var botPushed = false;             // the hub sends the bot's list in queue frames
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

