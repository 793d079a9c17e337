  /* lists.js: the bot tab, history and queue previews; boot (a part of /agent.js, see state.js). */
  /* ---------- 6. bot tab, history, previews (HTTP reads) ---------- */
  // Waiting chats come with their first message in the queue frame; only a chat the hub has not seen
  // since it started (no preview) costs a ticket read.
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
    if (name === 'bot' && !botPushed) loadBot();
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
  // A hub that pushes the bot's list in queue frames needs no polling; an older one is asked every 10 s.
  setInterval(function () { if (ready && tab === 'bot' && !botPushed) loadBot(); }, 10000);
  function renderBot() {
    var ul = $('botlist'); ul.textContent = '';
    botConvs.forEach(function (t) {
      var li = el('li', 'item q'); li.dataset.id = t.conversation_id;
      var info = el('div', 'qinfo');
      info.appendChild(el('span', 'ticket', '#' + t.ticket));
      addBadges(info, [[t.priority || 'standard', 'prio prio-' + (t.priority || 'standard')], [(t.language || '??').toUpperCase(), 'lang']]);
      if (t.handoff_requested) addBadges(info, [['asked for a person', 'prio prio-urgent handoff']]);
      var pv = t.preview || firstText(t.messages);
      if (pv) info.appendChild(el('span', 'preview', pv)).title = pv;
      info.appendChild(el('span', 'since', (t.department || '') + ' · ' + since(t.since || t.created_at)));
      var b = el('button', 'pick', 'Pick');
      b.type = 'button';
      b.setAttribute('aria-label', 'Pick ticket ' + t.ticket + ' from the bot');
      b.addEventListener('click', function () {
        picked = t.conversation_id;
        command({ type: 'pick', conversation_id: t.conversation_id }, 'Pick');
        if (!botPushed) setTimeout(loadBot, 500);
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
    if (searching()) search(false);
  }
  ['resolved', 'all'].forEach(function (m) {
    $('hist-' + m).addEventListener('click', function () {
      hist.mode = m;
      $('hist-resolved').setAttribute('aria-pressed', String(m === 'resolved'));
      $('hist-all').setAttribute('aria-pressed', String(m === 'all'));
      loadHist();
    });
  });
  // Search (two characters or more) asks the hub: every ticket, by number, email, name or transcript text
  // (GET /api/tickets/search, docs/http-api.md); 300 ms after the last keystroke, a late answer dropped.
  var searchTimer = 0, searchN = 0;
  $('hist-q').addEventListener('input', function () { clearTimeout(searchTimer); searchTimer = setTimeout(function () { search(false); }, 300); });
  $('hist-more').addEventListener('click', function () { search(true); });
  function searching() { return $('hist-q').value.trim().length >= 2; }
  function search(more) {
    var q = $('hist-q').value.trim().slice(0, 100), mine = ++searchN;
    if (!searching() || !session) { hist.found = null; hist.next = null; renderHist(); return; }
    var url = '/api/tickets/search?limit=20&q=' + encodeURIComponent(q) + (more && hist.next ? '&before=' + encodeURIComponent(hist.next) : '');
    $('histlist').setAttribute('aria-busy', 'true');
    authGet(url).then(function (b) {
      if (mine !== searchN) return;
      hist.found = (more && hist.found ? hist.found : []).concat(b.results || []);
      hist.next = b.next_before || null;
      renderHist();
    }).catch(function () { /* the list stays as it was */ }).then(function () { if (mine === searchN) $('histlist').removeAttribute('aria-busy'); });
  }
  function renderHist() {
    var ul = $('histlist'), found = searching() && hist.found, list = found || hist.list, shownN = 0;
    ul.textContent = '';
    list.forEach(function (t) {
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
    $('hist-more').hidden = !(found && hist.next);
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
