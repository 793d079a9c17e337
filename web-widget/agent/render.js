  /* render.js: rendering the lists, the conversation and the visitor panel (a part of /agent.js, see state.js). */
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

