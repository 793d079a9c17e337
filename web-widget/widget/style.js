  /* style.js: the CSS and markup of the shadow root (a part of /widget.js, see text.js). */
  /* ---------- 5. user interface ---------- */
  var CSS = [
    // all:initial (important, so it wins over the host page's !important rules) stops inherited fonts, colours
    // and sizes from leaking into the widget; custom properties still inherit, which is how theming works.
    ':host{all:initial!important;direction:ltr!important;position:fixed!important;z-index:var(--sb-z,2147483000)!important;',
    'bottom:0!important;right:0!important;width:0!important;height:0!important;display:block!important;',
    '--a:var(--sb-accent,#3556d8);--at:var(--sb-accent-text,#fff);--bg:var(--sb-bg,#fff);--tx:var(--sb-text,#1d2230);',
    '--mu:var(--sb-muted,#5d6574);--bd:var(--sb-border,#e2e5ec);--ob:var(--sb-bubble-other,#eef1f6);',
    '--ot:var(--sb-bubble-other-text,var(--tx));--vb:var(--sb-bubble-visitor,var(--a));--vt:var(--sb-bubble-visitor-text,var(--at));',
    '--r:var(--sb-radius,14px);--off:var(--sb-offset,20px)}',
    '*{box-sizing:border-box;font:inherit;color:inherit;margin:0}',
    '.root{font-family:var(--sb-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",sans-serif);',
    'font-size:var(--sb-font-size,14px);line-height:1.45;color:var(--tx)}',
    'button{cursor:pointer;border:0;background:none;padding:0}',
    ':focus-visible{outline:3px solid var(--sb-focus,#f59e0b);outline-offset:2px}',
    '.launcher{position:fixed;bottom:var(--off);right:var(--off);width:58px;height:58px;border-radius:50%;background:var(--a);',
    'color:var(--at);box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}',
    '.launcher svg{width:28px;height:28px;fill:currentColor}',
    '.badge{position:absolute;top:-2px;right:-2px;min-width:20px;height:20px;border-radius:10px;background:#d92d20;color:#fff;',
    'font-size:12px;font-weight:700;line-height:20px;text-align:center;padding:0 5px}',
    '.panel{position:fixed;bottom:calc(var(--off) + 70px);right:var(--off);width:var(--sb-width,370px);',
    'height:min(var(--sb-height,600px),calc(100vh - var(--off) - 90px));background:var(--bg);border-radius:var(--r);',
    'box-shadow:0 12px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}',
    '[hidden]{display:none!important}',
    'header{background:var(--a);color:var(--at);padding:12px 14px;display:flex;align-items:center;gap:10px}',
    'header div{flex:1;min-width:0}h2{font-size:1.15em;font-weight:700}.ticket{font-size:.85em;opacity:.9}',
    '.x{color:var(--at);width:34px;height:34px;border-radius:50%;font-size:22px;line-height:34px}',
    '.x:hover,.end:hover{background:rgba(255,255,255,.18)}',
    '.end{color:var(--at);border:1px solid currentColor;border-radius:999px;padding:3px 10px;font-size:.8em;opacity:.9}',
    '.status{padding:8px 14px;font-size:.9em;color:var(--mu);border-bottom:1px solid var(--bd);background:var(--bg)}',
    '.status[data-net=offline]{color:#9a3412;background:#fff7ed}',
    '.notice{padding:8px 14px;font-size:.86em;border-bottom:1px solid var(--bd);background:#eff6ff;color:#1e3a8a}',
    '.kb{border-top:1px solid var(--bd);padding:8px 12px 0}.kbq{width:100%;border:1px solid var(--bd);border-radius:10px;padding:6px 10px;background:var(--bg);color:var(--tx);font-size:16px}',
    '.kbr{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-direction:column;gap:4px;max-height:150px;overflow-y:auto}',
    '.kbr a{color:var(--a);font-weight:600;text-decoration:underline}.kbr p{font-size:.82em;color:var(--mu)}',
    '.notice.incident.in_force{background:#fef2f2;color:#991b1b}.notice b{display:block;font-weight:700}.notice .when{opacity:.8;font-size:.92em}',
    '.log{flex:1 1 auto;min-height:120px;overflow-y:auto;padding:12px 14px;display:flex;flex-direction:column;gap:8px;background:var(--bg)}',
    '.msg{max-width:82%;align-self:flex-start;background:var(--ob);color:var(--ot);padding:8px 11px;border-radius:var(--r);',
    'white-space:pre-wrap;overflow-wrap:anywhere}',
    '.msg.visitor{align-self:flex-end;background:var(--vb);color:var(--vt)}',
    '.msg.pending{opacity:.7}.msg.failed{outline:2px solid #d92d20}',
    '.text{display:block}.who{display:block;font-size:.78em;font-weight:700;opacity:.8}.meta{display:block;font-size:.72em;opacity:.75;margin-top:2px}',
    '.sep{align-self:center;font-size:.78em;color:var(--mu)}',
    // System messages (queued, assigned, escalated...) are status lines, not bubbles.
    '.msg.system{align-self:stretch;max-width:none;background:none;color:var(--mu);padding:0;border-radius:0;font-size:.8em;',
    'text-align:center;display:flex;align-items:center;gap:8px}.msg.system .who,.msg.system .meta{display:none}',
    '.msg.system:before,.msg.system:after{content:"";flex:1;border-top:1px solid var(--bd)}.msg.system .text{max-width:80%}',
    // Consecutive messages of one sender form a group: the name once, tighter spacing.
    '.msg.cont{margin-top:-5px}.msg.cont .who{display:none}',
    '.topics,.quick{padding:6px 12px 0;display:flex;flex-direction:column;gap:6px}.topics p{font-weight:600;font-size:.9em}',
    '.topics.need p{color:#b42318}.chips{display:flex;flex-wrap:wrap;gap:6px}',
    '.chip{border:1px solid var(--a);color:var(--a);border-radius:999px;padding:5px 12px;font-size:.88em;background:var(--bg)}',
    '.chip[aria-pressed=true]{background:var(--a);color:var(--at)}.quick{flex-direction:row}',
    '.typing{padding:0 14px 4px;font-size:.82em;color:var(--mu);min-height:1.4em;font-style:italic}',
    '.survey{border-top:1px solid var(--bd);padding:8px 14px;display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;flex:0 0 auto}',
    '.survey p{width:100%;font-weight:600}.survey .comment{flex:1 1 100%}',
    '.mail{border-top:1px solid var(--bd);padding:8px 14px;display:flex;flex-wrap:wrap;gap:6px}.mail p{width:100%}' +
    '.me{flex:1;border:1px solid var(--bd);border-radius:10px;padding:6px 10px;background:var(--bg);color:var(--tx);font-size:16px}',
    '.stars{display:flex;gap:4px}.stars button{font-size:26px;line-height:1;color:#c4c9d4;padding:2px}',
    // Text fields at 16px: iOS zooms the page into any field smaller when it takes focus.
    'textarea{width:100%;border:1px solid var(--bd);border-radius:10px;padding:8px 10px;resize:none;background:var(--bg);color:var(--tx);font-size:16px}',
    '.btn{background:var(--a);color:var(--at);border-radius:10px;padding:8px 14px;font-weight:600;align-self:flex-start}',
    'form{display:flex;gap:8px;padding:10px 12px;border-top:1px solid var(--bd);align-items:flex-end}',
    'form textarea{flex:1;max-height:120px}',
    '.sendb{width:40px;height:40px;border-radius:50%;background:var(--a);color:var(--at);display:flex;align-items:center;justify-content:center}',
    '.sendb svg{width:20px;height:20px;fill:currentColor}[dir=rtl] .sendb svg{transform:scaleX(-1)}',
    // Right-to-left interfaces mirror the whole widget to the left edge.
    '[dir=rtl].panel,.rtl .launcher,.left .panel,.left .launcher{right:auto;left:var(--off)}.rtl .badge{right:auto;left:-2px}',
    // Narrow phones: the panel takes the whole screen, the launcher hides behind it.
    '@media (max-width:480px){.panel,[dir=rtl].panel{inset:0;width:100%;height:100%;border-radius:0}.open .launcher{display:none}}'
  ].join('');
  var ICON_CHAT = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"/></svg>';
  var ICON_SEND = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20.5 21 12 3 3.5V10l12 2-12 2z"/></svg>';
  var HTML = '<div class="root"><button class="launcher" aria-expanded="false" aria-controls="p">' + ICON_CHAT +
    '<span class="badge" hidden></span></button>' +
    '<section class="panel" id="p" role="dialog" aria-labelledby="h" hidden>' +
    '<header><div><h2 id="h"></h2><p class="ticket"></p></div><button class="end" type="button"></button>' +
    '<button class="x" type="button">×</button></header>' +
    '<p class="status" role="status" aria-live="polite"></p><div class="notices" role="status" aria-live="polite"></div>' +
    '<div class="log" role="log" aria-live="polite" tabindex="0"></div><p class="typing"></p>' +
    '<div class="topics" role="group" aria-labelledby="tq" hidden><p id="tq"></p><div class="chips"></div></div>' +
    '<div class="mail" hidden><p class="mq"></p><input class="me" type="email" autocomplete="email"><button class="btn ms" type="button"></button></div>' +
    '<div class="quick" hidden><button class="chip person" type="button"></button></div>' +
    '<div class="survey" role="group" aria-labelledby="sq" hidden><p id="sq"></p><div class="stars"></div>' +
    '<button class="btn rate" type="button"></button><textarea class="comment" rows="1"></textarea></div>' +
    '<div class="kb"><input class="kbq" type="search"><ul class="kbr"></ul></div>' +
    '<form><textarea class="input" rows="1"></textarea><button class="sendb" type="submit">' + ICON_SEND + '</button></form>' +
    '</section></div>';

