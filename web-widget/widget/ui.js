  /* ui.js: the panel, its rendering and survey; boot and the public API (a part of /widget.js, see text.js). */
  var ui = (function () {
    var root, $, hostEl = null, unreadN = 0, typingName = null, typingClear = 0, score = 0, thanksFor = null, stick = false;
    function mount(host) {
      if (root) return;
      root = host.shadowRoot || host.attachShadow({ mode: 'open' });
      root.innerHTML = '<style>' + CSS + '</style>' + HTML;
      hostEl = host;
      $ = function (s) { return root.querySelector(s); };
      var launcher = $('.launcher'), panel = $('.panel'), input = $('.input');
      launcher.onclick = function () { setOpen(panel.hidden); };
      $('.x').onclick = function () { setOpen(false); };
      $('.end').onclick = function () { var c = cur(); if (c) send({ type: 'end', conversation_id: c.conversation_id, ref: 'r' + ++refN }); };
      $('.root').addEventListener('keydown', function (e) {
        if (e.key === 'Escape' && !panel.hidden) { e.stopPropagation(); setOpen(false); }
      });
      $('form').onsubmit = function (e) {
        e.preventDefault();
        // No topic chosen yet: keep the text and point at the question.
        if (!sendText(input.value)) { $('.topics').classList.add('need'); var b = $('.chips button'); if (b) b.focus(); return; }
        input.value = ''; grow();
      };
      $('.person').onclick = function () { sendText(t('person')); };
      input.addEventListener('keydown', function (e) {
        // Enter sends, Shift+Enter adds a line; never while an IME is composing a character.
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); $('form').requestSubmit(); }
      });
      input.addEventListener('input', function () { grow(); setTyping(input.value.trim() !== ''); });
      for (var i = 1; i <= 5; i++) {
        var b = document.createElement('button');
        b.type = 'button'; b.textContent = '★'; b.dataset.score = i;
        b.onclick = function () { score = +this.dataset.score; render(); };
        $('.stars').appendChild(b);
      }
      $('.rate').onclick = function () {
        var cid = st.survey;
        if (!cid || !score) return;
        rate(cid, score, $('.comment').value.trim(), function () {
          st.rated.push(cid); st.survey = null; thanksFor = cid; score = 0; $('.comment').value = ''; save(); render();
          input.focus();
        });
      };
      var me = $('.me');
      function giveEmail() {
        var v = me.value.trim();
        if (v) setEmail(v, function (ok) { $('.mq').textContent = ok ? '' : t('mailBad'); if (!ok) me.focus(); });
      }
      $('.ms').onclick = giveEmail;
      me.addEventListener('keydown', function (e) { if (e.key === 'Enter') { e.preventDefault(); giveEmail(); } });
      kb.mount($);
      if (st.open) setOpen(true, true);
      applyTheme();
    }
    // The visitor wrote again: the thanks of an earlier rating is done, and the view follows the new message.
    function sent() { thanksFor = null; stick = true; }
    function renderTopics() {
      var box = $('.topics'), list = needTopic() ? topics() : [], chips = $('.chips');
      box.hidden = !list.length;
      if (!list.length) { box.classList.remove('need'); return; }
      $('#tq').textContent = t('topic');
      var sig = JSON.stringify(list);
      if (chips.dataset.sig !== sig) {
        chips.textContent = ''; chips.dataset.sig = sig;
        list.forEach(function (x) {
          var b = document.createElement('button');
          b.type = 'button'; b.className = 'chip'; b.dataset.key = x.key; b.textContent = x.label || x.key;
          b.onclick = function () { st.topic = x.key; save(); box.classList.remove('need'); render(); $('.input').focus(); };
          chips.appendChild(b);
        });
      }
      chips.querySelectorAll('button').forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.key === st.topic)); });
    }
    function applyTheme() {
      var a = look('accent');
      if (hostEl && a && /^#[0-9a-f]{3,8}$|^rgb/i.test(a)) hostEl.style.setProperty('--sb-accent', a);
      render();
    }
    function grow() { var i = $('.input'); i.style.height = 'auto'; i.style.height = Math.min(i.scrollHeight + 2, 120) + 'px'; }
    function setOpen(open, quiet) {
      if (!root) return;
      var panel = $('.panel'), launcher = $('.launcher');
      panel.hidden = !open;
      $('.root').classList.toggle('open', open);
      launcher.setAttribute('aria-expanded', String(open));
      st.open = open; save();
      if (open) { unreadN = 0; render(); scrollDown(true); if (!quiet) $('.input').focus(); }
      else if (!quiet) launcher.focus();
    }
    function scrollDown(force) {
      var log = $('.log');
      if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 80) log.scrollTop = log.scrollHeight;
    }
    var nodes = {};  // key -> element, so updates never recreate (and re-announce) existing messages
    function rekey(from, to) { if (nodes[from]) { nodes[to] = nodes[from]; delete nodes[from]; } }
    function statusText() {
      var c = cur(), d = st.dept || {};
      if (netState === 'offline') return t('offline');
      if (netState === 'connecting' && !ready) return t('connecting');
      if (!c) return d.open === false ? (d.next_change ? t('closed', { time: when(d.next_change) }) : t('closedNoTime'))
        : look('greeting') || (d.reply_minutes ? t('reply', { time: duration(d.reply_minutes) }) : t('idle'));
      if (c.status === 'queued') return c.queue_position ? t('queued', { n: c.queue_position }) : t('queuedNoPos');
      if (c.status === 'assigned') return t('agent', { name: (c.agent && c.agent.name) || t('support') });
      if (c.status === 'bot') {
        var name = (c.bot && c.bot.name) || 'Bot';
        return c.department_open === false && c.next_change ? t('botClosed', { name: name, time: when(c.next_change) }) : t('bot', { name: name });
      }
      if (c.status === 'resolved') return t('resolved');
      return t('idle');
    }
    function render() {
      if (!root) return;
      // Measured before anything changes size (the survey or a picker appearing shrinks the log).
      var lg = $('.log');
      if (lg.scrollHeight - lg.scrollTop - lg.clientHeight < 80) stick = true;
      var lang = uiLang(), c = cur(), panel = $('.panel'), launcher = $('.launcher');
      panel.setAttribute('dir', RTL[lang] ? 'rtl' : 'ltr');
      $('.root').classList.toggle('rtl', !!RTL[lang]);
      panel.setAttribute('lang', lang);
      launcher.setAttribute('aria-label', t('open'));
      launcher.setAttribute('lang', lang);
      $('.x').setAttribute('aria-label', t('close'));
      $('.end').textContent = t('end');
      $('.end').hidden = !c || c.status === 'resolved' || !ready;
      $('#h').textContent = look('title') || t('title');
      $('.root').classList.toggle('left', look('position') === 'left');
      $('.ticket').textContent = c && c.ticket ? t('ticket', { t: c.ticket }) : '';
      var status = $('.status');
      status.textContent = statusText();
      status.dataset.net = netState;
      $('.log').setAttribute('aria-label', t('log'));
      $('.input').setAttribute('aria-label', t('input'));
      $('.input').placeholder = t('input');
      $('.sendb').setAttribute('aria-label', t('send'));
      $('.typing').textContent = typingName ? t('typing', { name: typingName }) : '';
      var badge = $('.badge');
      badge.hidden = !unreadN || !panel.hidden;
      badge.textContent = unreadN;
      if (unreadN) launcher.setAttribute('aria-label', t('open') + ' (' + t('unread', { n: unreadN }) + ')');
      renderTopics();
      var q = $('.quick');
      q.hidden = !(c && c.status === 'bot' && !c.handoff_requested && ready);
      $('.person').textContent = t('person');
      // No one may answer right away: offer to answer by email (docs/email.md), where the hub sends email,
      // until an address is given.
      var mail = $('.mail'), offer = !!(c && (c.status === 'bot' || c.status === 'queued') && ready && st.mailOn && !st.email);
      if (offer && mail.hidden) { $('.mq').textContent = t('mailAsk'); $('.me').placeholder = 'you@example.com'; }
      mail.hidden = !offer;
      $('.ms').textContent = t('mailSave');
      notices.render($('.notices'), lang);
      kb.render($, lang, !c || c.status === 'resolved');
      renderSurvey();
      renderLog();
    }
    function agentReplied(cid) { return st.msgs.some(function (m) { return m.c === cid && m.r === 'agent'; }); }
    function renderSurvey() {
      // A survey only about a conversation in which a person answered; nothing to rate otherwise.
      var ask = st.survey && agentReplied(st.survey), showThanks = thanksFor && !st.survey;
      var box = $('.survey');
      box.hidden = !ask && !showThanks;
      $('#sq').textContent = showThanks ? t('thanks') : t('survey');
      $('.stars').hidden = $('.comment').hidden = $('.rate').hidden = !!showThanks;
      $('.comment').setAttribute('aria-label', t('comment'));
      $('.comment').placeholder = t('comment');
      $('.rate').textContent = t('rate');
      $('.rate').disabled = !score;
      root.querySelectorAll('.stars button').forEach(function (b, i) {
        b.setAttribute('aria-label', t('star', { n: i + 1 }));
        b.setAttribute('aria-pressed', String(i + 1 === score));
        b.style.color = i < score ? '#f5a300' : '';
      });
    }
    function renderLog() {
      var log = $('.log'), items = [], lang = uiLang(), seen = {};
      // Whether the view was at the end before this update: then it follows what is added, however tall.
      var atEnd = stick;
      var msgs = st.msgs.slice().sort(function (a, b) { return (st.order.indexOf(a.c) - st.order.indexOf(b.c)) || a.s - b.s; });
      var prevC = null, prevWho = null;
      msgs.forEach(function (m) {
        if (prevC && m.c !== prevC) { items.push({ key: 'sep:' + m.c, sep: 1, tk: st.convs[m.c] && st.convs[m.c].ticket }); prevWho = null; }
        prevC = m.c;
        var who = m.r === 'system' ? null : m.r + '|' + m.n;
        items.push({ key: m.c + ':' + m.s, m: m, cont: who && who === prevWho });
        prevWho = who;
      });
      st.outbox.forEach(function (o) {
        items.push({ key: 'p:' + o.id, m: { r: 'visitor', t: o.t, a: o.a }, p: o, cont: prevWho === 'visitor|' });
        prevWho = 'visitor|';
      });
      var prev = null, added = false;
      items.forEach(function (it) {
        seen[it.key] = 1;
        var el = nodes[it.key], sys = !it.sep && it.m.r === 'system';
        if (!el) {
          added = true;
          el = nodes[it.key] = document.createElement(it.sep ? 'p' : 'div');
          // dir=auto: each text takes its direction from its own script (an English bot reply in an Arabic panel).
          if (!it.sep) el.innerHTML = '<span class="who"></span><span class="text" dir="auto"></span><span class="meta"></span>';
        }
        if (it.sep) { el.className = 'sep'; el.textContent = it.tk ? t('ticket', { t: it.tk }) : '—'; }
        else if (sys) {
          // A status line, not a bubble (spec 7.1): the text alone, centred between two rules.
          el.className = 'msg system'; el.dataset.event = it.m.e || ''; el.dataset.seq = it.m.s;
          var conv = st.convs[it.m.c] || {};
          el.setAttribute('lang', conv.language || lang);
          el.children[1].textContent = it.m.t;
        } else fillMsg(el, it, lang);
        var want = prev ? prev.nextSibling : log.firstChild;
        if (want !== el) log.insertBefore(el, want);
        prev = el;
      });
      Object.keys(nodes).forEach(function (k) { if (!seen[k]) { nodes[k].remove(); delete nodes[k]; } });
      if (atEnd) log.scrollTop = log.scrollHeight;
      stick = false;
    }
    function fillMsg(el, it, lang) {
      var m = it.m, conv = (m.c && st.convs[m.c]) || cur() || {}, mine = m.r === 'visitor';
      el.className = 'msg ' + m.r + (it.cont ? ' cont' : '') + (it.p ? (it.p.f ? ' failed' : ' pending') : '');
      // Messages carry the conversation's language so screen readers pronounce them right; ours fall back to the UI's.
      el.setAttribute('lang', conv.language || lang);
      if (m.s) el.dataset.seq = m.s; else delete el.dataset.seq;
      el.children[0].textContent = mine ? t('you') : m.n || (m.r === 'bot' ? 'Bot' : t('support'));
      el.children[1].textContent = m.t;
      var time = '';
      try { time = new Date(m.a).toLocaleTimeString(locale, { hour: 'numeric', minute: '2-digit' }); } catch (e) { /* bad date */ }
      el.children[2].textContent = it.p ? (it.p.f ? t('failed') : t('pending')) : time;
    }
    function typing(name) {
      typingName = name;
      clearTimeout(typingClear);
      // A lost "typing off" must not leave the indicator on forever.
      if (name) typingClear = setTimeout(function () { typing(null); }, 8000);
      render();
    }
    function unread() { if (root && $('.panel').hidden) unreadN++; }
    return { mount: mount, render: render, setOpen: setOpen, rekey: rekey, typing: typing, unread: unread, sent: sent, theme: applyTheme };
  })();

  /* ---------- 6. boot and public API ---------- */
  var commands = {
    open: function () { ui.setOpen(true); },
    close: function () { ui.setOpen(false); },
    toggle: function () { ui.setOpen(!st.open); },
    identify: function (token) { identity = token || null; reconnectNow(); },
    setEmail: function (email) { if (email) { st.email = String(email); save(); setEmail(st.email); } },
    setLocale: function (l) { if (l) { locale = String(l); ui.render(); reconnectNow(); } }
  };
  function run(args) {
    var fn = commands[args[0]];
    if (fn) fn.apply(null, Array.prototype.slice.call(args, 1));
  }
  var queued = (window.Switchboard && window.Switchboard.q) || [];
  window.Switchboard = function () { run(arguments); };

  if (!customElements.get('switchboard-widget')) {
    customElements.define('switchboard-widget', class extends HTMLElement {
      connectedCallback() { ui.mount(this); }
    });
  }
  function boot() {
    // A page may place <switchboard-widget> itself; otherwise add one at the end of <body>.
    if (!document.querySelector('switchboard-widget')) document.body.appendChild(document.createElement('switchboard-widget'));
    queued.forEach(run);
    connect();
  }
  if (document.body) boot(); else document.addEventListener('DOMContentLoaded', boot);
