  /* actions.js: what the agent does: composer, canned replies, notes, transfer (a part of /agent.js, see state.js). */
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

