  /* panels.js: status notices and the knowledge-base search (a part of /widget.js, see text.js). */
  /* ---------- 5a. status notices (spec 7.4): incident banner, maintenance announcements ---------- */
  var notices = (function () {
    var list = [];  // not ended, soonest first, as the hub last told
    var NT = {
      en: { incident: 'Incident', maintenance: 'Scheduled maintenance', from: 'From {s}', span: '{s} – {e}' },
      de: { incident: 'Störung', maintenance: 'Geplante Wartung', from: 'Ab {s}', span: '{s} – {e}' },
      fr: { incident: 'Incident', maintenance: 'Maintenance prévue', from: 'À partir du {s}', span: '{s} – {e}' },
      es: { incident: 'Incidencia', maintenance: 'Mantenimiento programado', from: 'Desde {s}', span: '{s} – {e}' },
      ar: { incident: 'عطل', maintenance: 'صيانة مجدولة', from: 'من {s}', span: '{s} – {e}' }
    };
    function nt(lang, k, v) {
      var s = (NT[lang] || NT.en)[k];
      Object.keys(v || {}).forEach(function (x) { s = s.replace('{' + x + '}', v[x]); });
      return s;
    }
    function fmt(iso) {
      try { return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }); } catch (e) { return iso; }
    }
    function set(items) { list = items.filter(function (n) { return n.status !== 'ended'; }); sort(); }
    function sort() { list.sort(function (a, b) { return a.starts_at < b.starts_at ? -1 : a.starts_at > b.starts_at ? 1 : 0; }); }
    function frame(f) {
      list = list.filter(function (n) { return n.id !== f.notice.id; });
      if (f.state !== 'ended' && f.notice.status !== 'ended') { list.push(f.notice); sort(); }
    }
    function render(box, lang) {
      if (!box) return;
      box.textContent = '';
      box.hidden = !list.length;
      list.forEach(function (n) {
        var el = document.createElement('div'), head = document.createElement('b'), when = document.createElement('span');
        el.className = 'notice ' + n.kind + ' ' + n.status;
        el.dataset.notice = n.id;
        head.textContent = nt(lang, n.kind) + ': ' + n.title;
        el.appendChild(head);
        if (n.text) { var p = document.createElement('span'); p.textContent = n.text + ' '; p.setAttribute('dir', 'auto'); el.appendChild(p); }
        if (n.status === 'announced' || n.kind === 'maintenance') {
          when.className = 'when';
          when.textContent = n.ends_at ? nt(lang, 'span', { s: fmt(n.starts_at), e: fmt(n.ends_at) }) : nt(lang, 'from', { s: fmt(n.starts_at) });
          el.appendChild(when);
        }
        box.appendChild(el);
      });
    }
    return { set: set, frame: frame, render: render };
  })();

  /* ---------- 5b. knowledge base (spec 7.6): search before a chat, suggestions while typing ---------- */
  var kb = (function () {
    var timer = 0, seq = 0, results = [], shown = false, $ = null;
    var KT = {
      en: { search: 'Search our help articles', none: 'No article found.' },
      de: { search: 'Hilfeartikel durchsuchen', none: 'Kein Artikel gefunden.' },
      fr: { search: 'Rechercher dans l’aide', none: 'Aucun article trouvé.' },
      es: { search: 'Buscar en la ayuda', none: 'No se encontró ningún artículo.' },
      ar: { search: 'ابحث في مقالات المساعدة', none: 'لم يتم العثور على مقالات.' }
    };
    // Debounced: one request 300 ms after the last keystroke; a late answer to an older query is dropped.
    function ask(q) {
      clearTimeout(timer);
      q = q.trim();
      if (q.length < 3) { results = []; paint(); return; }
      timer = setTimeout(function () {
        var mine = ++seq;
        fetch(hubUrl + '/api/kb/search?limit=3&q=' + encodeURIComponent(q) + '&lang=' + encodeURIComponent(locale))
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (b) { if (mine === seq) { results = b.results || []; paint(); } })
          .catch(function () { /* offline: no suggestions */ });
      }, 300);
    }
    function mount(q$) {
      $ = q$;
      $('.kbq').addEventListener('input', function () { ask(this.value); });
      $('.input').addEventListener('input', function () { if (shown) ask(this.value); });
    }
    function paint() {
      if (!$) return;
      var list = $('.kbr'), lang = uiLang();
      list.textContent = '';
      results.forEach(function (r) {
        var li = document.createElement('li'), title = document.createElement(r.url ? 'a' : 'b'), p = document.createElement('p');
        title.textContent = r.title;
        if (r.url) { title.href = r.url; title.target = '_blank'; title.rel = 'noopener'; }
        p.textContent = r.snippet;
        p.setAttribute('dir', 'auto');
        li.appendChild(title); li.appendChild(p); list.appendChild(li);
      });
      if (!results.length && $('.kbq').value.trim().length >= 3) {
        var none = document.createElement('li'); none.textContent = (KT[lang] || KT.en).none; list.appendChild(none);
      }
    }
    // Shown only before a chat: once a conversation is open, the chat is the help.
    function render(q$, lang, before) {
      $ = q$;
      shown = before;
      $('.kb').hidden = !before;
      $('.kbq').placeholder = (KT[lang] || KT.en).search;
      $('.kbq').setAttribute('aria-label', (KT[lang] || KT.en).search);
      if (!before && results.length) { results = []; paint(); }
    }
    return { mount: mount, render: render };
  })();

