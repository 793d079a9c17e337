/*! Switchboard admin console. Plain JS, no dependencies, no build step. The admin token lives in
 * sessionStorage (this tab only, gone when it closes) and travels only in the Authorization header,
 * never in a URL. Sections: 1. API and sign-in  2. screens  3. charts (SVG drawn by hand). */
(function () {
  'use strict';
  var KEY = 'switchboard-admin-token';
  var $ = function (s) { return document.querySelector(s); };
  var token = sessionStorage.getItem(KEY);

  /* ---------- 1. API and sign-in ---------- */
  function api(method, path, body) {
    return fetch(path, {
      method: method,
      headers: Object.assign({ Authorization: 'Bearer ' + token }, body ? { 'Content-Type': 'application/json' } : {}),
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      if (r.status === 401 || r.status === 403) { signOut('That token is not the admin token.'); throw new Error('unauthorised'); }
      var type = r.headers.get('content-type') || '';
      var read = r.status === 204 ? Promise.resolve(null) : type.indexOf('json') >= 0 ? r.json() : r.text();
      return read.then(function (b) {
        if (!r.ok) throw new Error((b && b.error && b.error.message) || ('HTTP ' + r.status));
        return b;
      });
    });
  }
  function flash(text, bad) { var f = $('#flash'); f.textContent = text; f.classList.toggle('bad', !!bad); }
  function fail(e) { if (e.message !== 'unauthorised') flash(e.message, true); }
  function signOut(why) {
    token = null; sessionStorage.removeItem(KEY);
    $('#app').hidden = true; $('#signin').hidden = false;
    $('#signin-error').textContent = why || '';
  }
  $('#signin-form').onsubmit = function (e) {
    e.preventDefault();
    token = $('#token').value.trim();
    api('GET', '/api/admin/agents').then(function () {
      sessionStorage.setItem(KEY, token); $('#token').value = ''; start();
    }).catch(function () {});
  };
  $('#signout').onclick = function () { signOut(''); };

  /* ---------- 2. screens ---------- */
  var loaders = {};
  function show(tab) {
    document.querySelectorAll('.screen').forEach(function (s) { s.hidden = s.id !== tab; });
    document.querySelectorAll('#tabs button').forEach(function (b) {
      if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page'); else b.removeAttribute('aria-current');
    });
    flash('');
    if (loaders[tab]) loaders[tab]();
  }
  document.querySelectorAll('#tabs button').forEach(function (b) { b.onclick = function () { show(b.dataset.tab); }; });
  function list(s) { return String(s || '').split(',').map(function (x) { return x.trim(); }).filter(Boolean); }
  function cell(tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); return td; }
  function button(td, label, fn) { var b = document.createElement('button'); b.type = 'button'; b.textContent = label; b.onclick = fn; td.appendChild(b); return b; }
  function when(iso) { return iso ? new Date(iso).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : ''; }
  function utc(local) { return local ? local + ':00Z' : undefined; }

  // Agents: list, create, edit, remove.
  var agentForm = $('#agent-form');
  loaders.agents = function () {
    api('GET', '/api/admin/agents').then(function (agents) {
      var rows = $('#agent-rows'); rows.textContent = '';
      agents.forEach(function (a) {
        var tr = document.createElement('tr');
        [a.name, a.email, a.languages.join(', '), a.tier, a.max_chats, a.departments.join(', '), a.online ? 'yes' : 'no'].forEach(function (v) { cell(tr, v); });
        var td = cell(tr, ''); td.className = 'row';
        button(td, 'Edit', function () {
          agentForm.id.value = a.id; agentForm.name.value = a.name; agentForm.email.value = a.email; agentForm.password.value = '';
          agentForm.languages.value = a.languages.join(', '); agentForm.tier.value = a.tier; agentForm.max_chats.value = a.max_chats;
          agentForm.departments.value = a.departments.join(', '); $('#agent-form-h').textContent = 'Edit ' + a.name;
        });
        button(td, 'Remove', function () {
          if (!confirm('Remove ' + a.name + '? Their open chats go back to the queue.')) return;
          api('DELETE', '/api/admin/agents/' + a.id).then(function () { flash(a.name + ' removed.'); loaders.agents(); }).catch(fail);
        });
        rows.appendChild(tr);
      });
    }).catch(fail);
  };
  agentForm.onsubmit = function (e) {
    e.preventDefault();
    var f = agentForm, id = f.id.value, body = {
      name: f.name.value, email: f.email.value, languages: list(f.languages.value),
      tier: +f.tier.value, max_chats: +f.max_chats.value, departments: list(f.departments.value)
    };
    if (f.password.value || !id) body.password = f.password.value;
    api(id ? 'PATCH' : 'POST', '/api/admin/agents' + (id ? '/' + id : ''), body).then(function (a) {
      flash((id ? 'Saved ' : 'Created ') + a.name + '.'); f.reset(); loaders.agents();
    }).catch(fail);
  };
  agentForm.onreset = function () { agentForm.id.value = ''; $('#agent-form-h').textContent = 'New agent'; };

  // Bots: create, and show the token once.
  $('#bot-form').onsubmit = function (e) {
    e.preventDefault();
    api('POST', '/api/admin/bots', { name: this.name.value }).then(function (b) {
      $('#bot-name').textContent = b.name; $('#bot-id').textContent = b.id; $('#bot-token-value').textContent = b.token;
      $('#bot-token').hidden = false; $('#bot-form').reset();
    }).catch(fail);
  };

  // Notices: list with end / remove, post.
  loaders.notices = function () {
    api('GET', '/api/admin/notices').then(function (b) {
      var rows = $('#notice-rows'); rows.textContent = '';
      b.notices.forEach(function (n) {
        var tr = document.createElement('tr');
        cell(tr, n.kind); cell(tr, n.title);
        var st = cell(tr, ''), pill = document.createElement('span'); pill.className = 'pill ' + n.status; pill.textContent = n.status.replace('_', ' '); st.appendChild(pill);
        cell(tr, when(n.starts_at) + ' → ' + (n.ends_at ? when(n.ends_at) : 'until ended'));
        cell(tr, n.departments.length ? n.departments.join(', ') : 'all');
        var td = cell(tr, ''); td.className = 'row';
        if (n.status !== 'ended') button(td, 'End now', function () {
          var now = new Date().toISOString();
          var body = n.starts_at < now ? { ends_at: now } : { starts_at: now, ends_at: new Date(Date.now() + 1000).toISOString() };
          api('PATCH', '/api/admin/notices/' + n.id, body).then(function () { flash('Ended.'); loaders.notices(); }).catch(fail);
        });
        button(td, 'Remove', function () {
          api('DELETE', '/api/admin/notices/' + n.id).then(function () { flash('Removed.'); loaders.notices(); }).catch(fail);
        });
        rows.appendChild(tr);
      });
    }).catch(fail);
  };
  $('#notice-form').onsubmit = function (e) {
    e.preventDefault();
    var f = this;
    api('POST', '/api/admin/notices', {
      kind: f.kind.value, title: f.title.value, text: f.text.value,
      starts_at: utc(f.starts_at.value), ends_at: utc(f.ends_at.value), departments: list(f.departments.value)
    }).then(function (n) { flash('Posted "' + n.title + '".'); f.reset(); loaders.notices(); }).catch(fail);
  };

  // Identity relink.
  $('#relink-form').onsubmit = function (e) {
    e.preventDefault();
    var f = this;
    api('PATCH', '/api/admin/identities/' + encodeURIComponent(f.site.value) + '/' + encodeURIComponent(f.sub.value), { email: f.email.value })
      .then(function (b) { flash('User ' + b.sub + ' of ' + b.site + ' is now linked to ' + b.email + '.'); f.sub.value = ''; f.email.value = ''; })
      .catch(fail);
  };

  // Knowledge base.
  loaders.kb = function () {
    api('GET', '/api/admin/kb').then(function (b) {
      var rows = $('#kb-rows'); rows.textContent = '';
      b.articles.forEach(function (a) {
        var tr = document.createElement('tr');
        cell(tr, a.language); cell(tr, a.title); cell(tr, a.tags.join(', ')); cell(tr, when(a.updated_at));
        var td = cell(tr, '');
        button(td, 'Remove', function () {
          api('DELETE', '/api/admin/kb/' + a.id).then(function () { flash('Removed.'); loaders.kb(); }).catch(fail);
        });
        rows.appendChild(tr);
      });
    }).catch(fail);
  };
  $('#kb-form').onsubmit = function (e) {
    e.preventDefault();
    var f = this;
    api('POST', '/api/admin/kb', { language: f.language.value, title: f.title.value, text: f.text.value, tags: list(f.tags.value), url: f.url.value || undefined })
      .then(function (a) { flash('Added "' + a.title + '".'); f.reset(); loaders.kb(); }).catch(fail);
  };

  // Reports.
  var rf = $('#report-form');
  function reportQuery() {
    return 'from=' + rf.from.value + '&to=' + rf.to.value + (rf.department.value ? '&department=' + encodeURIComponent(rf.department.value) : '');
  }
  loaders.reports = function () {
    if (!rf.to.value) {
      var today = new Date();
      rf.to.value = today.toISOString().slice(0, 10);
      rf.from.value = new Date(today - 29 * 86400e3).toISOString().slice(0, 10);
    }
    api('GET', '/api/admin/reports?' + reportQuery()).then(charts.draw).catch(fail);
  };
  rf.onsubmit = function (e) { e.preventDefault(); loaders.reports(); };
  // The CSV is fetched with the token in its header, then saved from a blob: the token never enters a URL.
  $('#report-csv').onclick = function () {
    api('GET', '/api/admin/reports?format=csv&' + reportQuery()).then(function (text) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      a.download = 'switchboard-report-' + rf.from.value + '-' + rf.to.value + '.csv';
      a.click(); setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    }).catch(fail);
  };

  function start() { $('#signin').hidden = true; $('#app').hidden = false; show('agents'); }
  window.switchboardAdmin = { show: show };
  if (token) start(); else signOut('');
})();
