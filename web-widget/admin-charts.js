/*! Switchboard admin console: the report's charts, SVG drawn by hand (grouped horizontal bars). A charting
 * library would be larger than the whole console for the one chart kind it needs; see docs/admin.md. */
var charts = (function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var COLOURS = ['#3556d8', '#16a34a', '#f59e0b', '#dc2626'];
  function el(name, attrs, text) {
    var e = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function fmt(v, unit) {
    if (v === null || v === undefined) return '–';
    if (unit === 's') return v >= 3600 ? (v / 3600).toFixed(1) + ' h' : v >= 60 ? (v / 60).toFixed(1) + ' min' : Math.round(v) + ' s';
    if (unit === '%') return Math.round(v * 100) + '%';
    return String(Math.round(v * 100) / 100);
  }
  // rows: [{label, values:[…]}], series: [names]; one bar per series per row, scaled to the largest value.
  function bars(title, rows, series, unit) {
    var box = document.createElement('figure'), h = document.createElement('h3');
    box.className = 'chart'; h.textContent = title; box.appendChild(h);
    box.setAttribute('data-chart', title);
    var labelW = 130, barH = 14, gap = 4, groupGap = 10, width = 520, plotW = width - labelW - 60;
    var groupH = series.length * (barH + gap) + groupGap, height = Math.max(rows.length, 1) * groupH + 6;
    var max = 0;
    rows.forEach(function (r) { r.values.forEach(function (v) { if (v > max) max = v; }); });
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-label': title });
    if (!rows.length) svg.appendChild(el('text', { x: 4, y: 16 }, 'No conversations in this range.'));
    rows.forEach(function (r, i) {
      var y0 = i * groupH + 4;
      svg.appendChild(el('text', { x: 0, y: y0 + (series.length * (barH + gap)) / 2 + 4 }, r.label.length > 20 ? r.label.slice(0, 19) + '…' : r.label));
      r.values.forEach(function (v, j) {
        var w = max > 0 && v ? Math.max(2, (v / max) * plotW) : 0, y = y0 + j * (barH + gap);
        var rect = el('rect', { x: labelW, y: y, width: w, height: barH, rx: 2, fill: COLOURS[j % COLOURS.length] });
        rect.appendChild(el('title', {}, series[j] + ': ' + fmt(v, unit)));
        svg.appendChild(rect);
        svg.appendChild(el('text', { x: labelW + w + 4, y: y + barH - 3 }, fmt(v, unit)));
      });
    });
    box.appendChild(svg);
    var legend = document.createElement('div'); legend.className = 'legend';
    series.forEach(function (s, j) {
      var item = document.createElement('span'), swatch = document.createElement('i');
      swatch.style.background = COLOURS[j % COLOURS.length]; item.appendChild(swatch); item.appendChild(document.createTextNode(s));
      legend.appendChild(item);
    });
    box.appendChild(legend);
    return box;
  }
  function draw(report) {
    var out = document.getElementById('charts');
    out.textContent = '';
    var depts = report.departments.map(function (d) { return { label: d.name, f: d }; });
    var agents = report.agents.map(function (a) { return { label: a.name || a.id, f: a }; });
    function rows(list, pick) { return list.map(function (x) { return { label: x.label, values: pick(x.f) }; }); }
    out.appendChild(bars('Conversations per department', rows(depts, function (f) { return [f.opened, f.resolved, f.bot_alone, f.handed_off]; }),
      ['opened', 'resolved', 'bot alone', 'handed off']));
    out.appendChild(bars('First response per department', rows(depts, function (f) { return [f.first_response.median_s, f.first_response.p90_s]; }), ['median', 'p90'], 's'));
    out.appendChild(bars('Resolution per department', rows(depts, function (f) { return [f.resolution.median_s, f.resolution.p90_s]; }), ['median', 'p90'], 's'));
    out.appendChild(bars('Service-level breaches', rows(depts, function (f) { return [f.sla_breaches.first_response, f.sla_breaches.resolution]; }), ['first response', 'resolution']));
    out.appendChild(bars('Conversations per agent', rows(agents, function (f) { return [f.opened, f.resolved]; }), ['held', 'resolved']));
    out.appendChild(bars('Ratings per agent', rows(agents, function (f) { return [f.ratings.mean, f.ratings.count]; }), ['mean (1-5)', 'ratings']));
    out.appendChild(bars('Satisfied (4 or 5) per department', rows(depts, function (f) { return [f.ratings.share_4_5]; }), ['share of 4 and 5'], '%'));
  }
  return { draw: draw };
})();
