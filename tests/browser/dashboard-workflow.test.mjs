// The dashboard a support team works in all day: service-level clocks (queue by urgency, time left,
// amber/red), escalation to named tiers, system lines, the bot tab with pick, history after a reload,
// ended chats that still hold unread messages, and the transfer picker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetText, agentLogin, agentMessages, agentSend,
} from './harness.mjs';
import { TIERS, inMin, ME, view, mockedDashboard as mocked } from './dashboard-mock.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  await createAgent(hub, { email: 'hana@test.example', name: 'Hana', password: 'hana-pass' });
  await createAgent(hub, { email: 'ivo@test.example', name: 'Ivo', password: 'ivo-pass' });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});
const mockedDashboard = (opts) => mocked(browser, opts);

test('SLA: the queue is sorted by urgency with time left, amber on warning and red on breach; escalate lists the tier names', async () => {
  const cid = 'cv_00000000000a0001';
  const { ctx, page, errors, mock } = await mockedDashboard({
    onFrame: (f) => {
      if (f.type === 'hello') {
        return [{
          type: 'welcome', v: 1, agent: ME, availability: 'online', departments: [{ name: 'support', tiers: TIERS }],
          conversations: [view(cid, { sla: { first_response_due: inMin(25), first_response_at: null, resolution_due: inMin(600), state: 'ok' } })],
        }, {
          type: 'queue', waiting: [
            { conversation_id: 'cv_q1', ticket: 'SB-2001', priority: 'premium', language: 'en', department: 'support', since: inMin(-5), tier: 1, tier_name: 'Support', topic: null, preview: 'Can I upgrade my plan before the renewal date?', sla: { first_response_due: inMin(180), first_response_at: null, resolution_due: inMin(900), state: 'ok' } },
            { conversation_id: 'cv_q2', ticket: 'SB-2002', priority: 'standard', language: 'de', department: 'support', since: inMin(-40), tier: 1, tier_name: 'Support', topic: 'billing', preview: 'Meine Rechnung zeigt den falschen Betrag.', sla: { first_response_due: inMin(8), first_response_at: null, resolution_due: inMin(900), state: 'warning' } },
            { conversation_id: 'cv_q3', ticket: 'SB-2003', priority: 'standard', language: 'en', department: 'support', since: inMin(-70), tier: 2, tier_name: 'Technical specialists', topic: null, preview: 'The app crashes every time I open the cart.', sla: { first_response_due: inMin(-6), first_response_at: null, resolution_due: inMin(900), state: 'breached' } },
            { conversation_id: 'cv_q4', ticket: 'SB-2004', priority: 'low', language: 'en', department: 'support', since: inMin(-1), tier: 1, tier_name: 'Support', topic: null, preview: 'hi' },
          ],
        }];
      }
      if (f.type === 'sync') {
        return [
          { type: 'message', conversation_id: cid, seq: 1, from: { role: 'visitor' }, text: 'I was charged twice for my subscription.', at: inMin(-30) },
          { type: 'message', conversation_id: cid, seq: 2, from: { role: 'system' }, event: 'queued', text: 'You are in the queue.', at: inMin(-30) },
          { type: 'message', conversation_id: cid, seq: 3, from: { role: 'system' }, event: 'assigned', text: 'Eva is now handling your request.', at: inMin(-29) },
        ];
      }
      if (f.type === 'transfer') return { type: 'error', code: 'bad_request', message: 'tier 3 is not served yet in this test', ref: f.ref };
      return f.ref ? { type: 'ack', ref: f.ref } : null;
    },
  });
  await page.goto(hub.url + '/agent');
  await page.locator('#net.ok').waitFor();
  await waitFor(async () => (await page.locator('#queue .item').count()) === 4, { what: 'queue' });
  const rows = await page.$$eval('#queue .item', (els) => els.map((e) => ({ id: e.dataset.id, cls: e.className, sla: e.querySelector('.sla')?.textContent || '' })));
  assert.deepEqual(rows.map((r) => r.id), ['cv_q3', 'cv_q2', 'cv_q1', 'cv_q4'], 'breached, warning, nearest due, then no clock');
  assert.match(rows[0].cls, /sla-breached/);
  assert.match(rows[1].cls, /sla-warning/);
  assert.doesNotMatch(rows[2].cls, /sla-/);
  assert.match(rows[0].sla, /overdue by 6 min/);
  assert.match(rows[1].sla, /due in [78] min/);
  assert.match(rows[2].sla, /due in [23] h/);
  const red = await page.$eval('#queue .item.sla-breached', (e) => getComputedStyle(e).backgroundColor);
  assert.equal(red, 'rgb(253, 236, 234)');

  // The open chat: time left, system lines centred, escalation targets named after the department's tiers.
  await page.locator('#mine .item').click();
  await waitFor(async () => (await page.locator('#log .msg').count()) === 3, { what: 'transcript' });
  assert.match(await page.textContent('#conv-sla'), /first reply due in 2[45] min/);
  const sys = await page.$$eval('#log .msg.system', (els) => els.map((e) => [e.textContent, getComputedStyle(e).textAlign]));
  assert.equal(sys.length, 2);
  assert.ok(sys.every((s) => s[1] === 'center'));
  assert.deepEqual((await agentMessages(page)).map((m) => m.seq), [1]);
  assert.deepEqual(await page.$$eval('#escalate-to option', (o) => o.map((x) => [x.value, x.textContent])),
    [['2', 'Technical specialists'], ['3', 'Developers and legal']]);
  assert.equal(await page.textContent('#escalate'), 'Escalate to Technical specialists');
  assert.match(await page.textContent('#conv-info'), /Support · topic: billing/);
  // The visitor panel: who, plan, language, page, browser and local time.
  const panel = await page.textContent('#visitor-panel');
  for (const want of ['Paula', 'paula@example.com (verified)', 'premium', 'EN', 'https://shop.example/checkout', 'Firefox 140 on Linux', 'Europe/Helsinki']) {
    assert.ok(panel.includes(want), `visitor panel lacks ${want}: ${panel}`);
  }

  // Warning, then breach of the open chat's first-response clock.
  mock.push({ type: 'sla', conversation_id: cid, ticket: 'SB-0001', clock: 'first_response', state: 'warning', due: inMin(25) });
  await page.locator('#mine .item.sla-warning').waitFor();
  await page.locator('#conv-sla.sla-warning').waitFor();
  await screenshot(page, 'dashboard-sla-warning');
  mock.push({ type: 'sla', conversation_id: cid, ticket: 'SB-0001', clock: 'first_response', state: 'breached', due: inMin(-1) });
  await page.locator('#mine .item.sla-breached').waitFor();
  assert.match(await page.textContent('#conv-sla'), /^Overdue: first reply overdue by [12] min/);

  // Escalate to "Developers and legal": the transfer frame carries tier 3; a refusal is shown.
  await page.selectOption('#escalate-to', '3');
  assert.equal(await page.textContent('#escalate'), 'Escalate to Developers and legal');
  await page.click('#escalate');
  await waitFor(() => mock.frames.find((f) => f.type === 'transfer'), { what: 'transfer frame' });
  const tr = mock.frames.find((f) => f.type === 'transfer');
  assert.equal(tr.tier, 3);
  assert.equal(tr.conversation_id, cid);
  await page.locator('#conv-notice', { hasText: 'Escalation failed' }).waitFor();
  await screenshot(page, 'dashboard-sla-escalate');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('bot tab: handoff requests first, with the first message; Pick sends pick', async () => {
  const bots = [
    { ticket: 'SB-3001', conversation_id: 'cv_b1', status: 'bot', department: 'support', language: 'fi', priority: 'low', tier: 1, handoff_requested: false, created_at: inMin(-20), visitor: { verified: false, plan: 'standard' }, messages: [{ seq: 1, from: { role: 'visitor' }, text: 'Missä tilaukseni on?', at: inMin(-20) }] },
    { ticket: 'SB-3002', conversation_id: 'cv_b2', status: 'bot', department: 'support', language: 'tr', priority: 'low', tier: 1, handoff_requested: true, created_at: inMin(-10), visitor: { verified: false, plan: 'standard' }, messages: [{ seq: 1, from: { role: 'visitor' }, text: 'Bir temsilciyle konuşmak istiyorum', at: inMin(-10) }] },
  ];
  const { ctx, page, errors, mock } = await mockedDashboard({
    http: { '/api/tickets?status=bot': bots, '/api/agents': [] },
    onFrame: (f) => {
      if (f.type === 'hello') return { type: 'welcome', v: 1, agent: ME, availability: 'online', conversations: [], departments: [{ name: 'support', tiers: TIERS }] };
      return f.ref ? { type: 'ack', ref: f.ref } : null;
    },
  });
  await page.goto(hub.url + '/agent');
  await page.locator('#net.ok').waitFor();
  await page.click('#tab-bot');
  await waitFor(async () => (await page.locator('#botlist .item').count()) === 2, { what: 'bot list' });
  const ids = await page.$$eval('#botlist .item', (els) => els.map((e) => e.dataset.id));
  assert.deepEqual(ids, ['cv_b2', 'cv_b1'], 'the visitor who asked for a person first');
  assert.match(await page.textContent('#botlist .item:first-child'), /asked for a person/);
  assert.match(await page.textContent('#botlist .item:first-child .preview'), /temsilciyle/);
  await screenshot(page, 'dashboard-bot-tab');
  await page.click('#botlist .item:first-child .pick');
  await waitFor(() => mock.frames.find((f) => f.type === 'pick'), { what: 'pick' });
  assert.equal(mock.frames.find((f) => f.type === 'pick').conversation_id, 'cv_b2');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('real hub: transfer picker filled and labelled at once; an ended chat with unread stays listed; resolved chats in History after a reload', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await agentLogin(page, hub.url, 'hana@test.example', 'hana-pass');
  // Ivo is online too, so two visitors split between them would not all reach Hana: Ivo goes away.
  const ictx = await browser.newContext();
  const ivo = await ictx.newPage();
  await agentLogin(ivo, hub.url, 'ivo@test.example', 'ivo-pass');
  await ivo.selectOption('#avail', 'away');
  await ivo.locator('#avail[data-state="away"]').waitFor();

  const visitor = async (text) => {
    const vctx = await browser.newContext();
    const v = await vctx.newPage();
    await v.goto(host.page({ hubUrl: hub.url }));
    await openWidget(v);
    await widgetSend(v, text);
    return { vctx, v };
  };
  const a = await visitor('Hello, my invoice for November shows the wrong company address.');
  await waitFor(async () => /chatting with Hana/.test(await widgetText(a.v, '.status')), { what: 'Hana has A' });
  const b = await visitor('Hi, I need to cancel the second order I placed this morning.');
  await waitFor(async () => /chatting with Hana/.test(await widgetText(b.v, '.status')), { what: 'Hana has B' });
  await waitFor(async () => (await page.locator('#mine .item').count()) === 2, { what: 'two chats' });

  // The transfer picker names itself and lists the other agents without being focused first.
  const firstId = await page.$eval('#mine .item', (e) => e.dataset.id);
  await page.click(`#mine .item[data-id="${firstId}"] .pickrow`);
  await waitFor(async () => (await page.locator('#transfer-to option', { hasText: 'Ivo' }).count()) === 1, { what: 'Ivo listed without focus' });
  assert.equal(await page.evaluate(() => document.querySelector('#transfer-to').labels[0].textContent.trim().startsWith('Transfer to')), true);
  assert.equal(await page.$eval('#transfer-to', (s) => s.options[s.selectedIndex].textContent), 'Choose an agent…');

  // Hana looks at one chat; the other visitor writes and then ends it: it stays, with its unread count.
  const ids = await page.$$eval('#mine .item', (els) => els.map((e) => e.dataset.id));
  const selected = await page.$eval('#mine .item.sel', (e) => e.dataset.id);
  const other = ids.find((i) => i !== selected);
  const otherVisitor = (await page.$eval(`#mine .item[data-id="${other}"]`, (e) => e.textContent)) && null;
  void otherVisitor;
  // Which widget is the other chat? The one whose first message is not on screen.
  const onScreen = (await agentMessages(page))[0].text;
  const w = onScreen.includes('invoice') ? b : a;
  await widgetSend(w.v, 'Actually, one more detail before I go.');
  await waitFor(async () => (await page.textContent(`#mine .item[data-id="${other}"]`)).includes('1'), { what: 'unread 1' });
  await w.v.locator('switchboard-widget .end').click();
  await page.locator(`#mine .item[data-id="${other}"] .ended`).waitFor();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.locator(`#mine .item[data-id="${other}"] .unread`).count(), 1, 'ended chat still listed with its unread count');
  await screenshot(page, 'dashboard-ended-unread');

  // Hana answers and resolves her chat, reloads: both are in History > Resolved, searchable.
  await agentSend(page, 'Thanks, I have corrected the address on the invoice.');
  await waitFor(async () => (await agentMessages(page)).some((m) => m.role === 'agent' && m.seq), { what: 'reply stored' });
  await page.click('#resolve');
  await page.locator('#conv-notice', { hasText: 'resolved' }).waitFor();
  await page.reload();
  await page.locator('#net.ok').waitFor();
  await page.click('#tab-history');
  await waitFor(async () => (await page.locator('#histlist .item').count()) >= 2, { what: 'history' });
  await page.fill('#hist-q', 'corrected the address');
  await waitFor(async () => (await page.locator('#histlist .item').count()) === 1, { what: 'search by text' });
  await page.click('#histlist .item .hrow');
  await waitFor(async () => (await agentMessages(page)).some((m) => /corrected the address/.test(m.text)), { what: 'transcript from history' });
  assert.equal(await page.isDisabled('#text'), true, 'read only');
  const ticket = await page.$eval('#histlist .item', (e) => e.dataset.ticket);
  const byTicket = page.waitForResponse((r) => r.url().includes('/api/tickets/search') && r.url().includes('q=' + ticket.toLowerCase()));
  await page.fill('#hist-q', ticket.toLowerCase());
  assert.equal((await (await byTicket).json()).results[0].ticket, ticket, 'the hub finds it by number');
  await waitFor(async () => (await page.$$eval('#histlist .item', (els) => els.map((e) => e.dataset.ticket))).join() === ticket, { what: 'search by ticket' });
  await page.click('#hist-all');
  await screenshot(page, 'dashboard-history');
  await Promise.all([ctx.close(), ictx.close(), a.vctx.close(), b.vctx.close()]);
});

test('real hub: canned replies with "/" and internal notes that the visitor never sees', async () => {
  await createAgent(hub, { email: 'jo@test.example', name: 'Jo', password: 'jo-pass' });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await agentLogin(page, hub.url, 'jo@test.example', 'jo-pass');
  // Jo is the only one online who takes chats here.
  const vctx = await browser.newContext();
  const v = await vctx.newPage();
  await v.goto(host.page({ hubUrl: hub.url }));
  await openWidget(v);
  await widgetSend(v, 'Hello, how long does shipping to Austria usually take?');
  await waitFor(async () => /chatting with Jo/.test(await widgetText(v, '.status')), { what: 'Jo has it' });
  await page.locator('#mine .item').first().click();
  // The widget told the hub its page and time zone: the visitor panel shows them.
  await waitFor(async () => (await page.textContent('#visitor-panel')).includes('/page'), { what: 'page URL in the visitor panel' });
  assert.match(await page.textContent('#visitor-panel'), /Local time/);

  // A shared canned reply, added in the dashboard, then inserted with "/".
  await page.click('#canned-admin summary');
  await page.fill('#canned-title', 'Shipping times');
  await page.fill('#canned-text', 'We ship within two working days; delivery in Austria takes 2-3 days more.');
  await page.check('#canned-shared');
  await page.click('#canned-form button[type=submit]');
  await page.locator('#canned-list li', { hasText: 'Shipping times' }).waitFor();
  await page.fill('#text', '');
  await page.type('#text', '/ship');
  await page.locator('#canned-menu:not([hidden]) li', { hasText: 'Shipping times' }).waitFor();
  await screenshot(page, 'dashboard-canned-menu');
  await page.press('#text', 'Enter');
  assert.match(await page.inputValue('#text'), /two working days/);
  await page.press('#text', 'Enter');
  await waitFor(async () => (await v.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
    .querySelectorAll('.log .msg')].map((m) => m.textContent).join(' '))).includes('two working days'), { what: 'visitor got the canned reply' });

  // An internal note: shown to the agent among the messages, never to the visitor, kept after a reload.
  await page.check('#as-note');
  await page.fill('#text', 'Customer asked about Austria; check the carrier strike news before promising dates.');
  await page.press('#text', 'Enter');
  await page.locator('#log .msg.note', { hasText: 'carrier strike' }).waitFor();
  await new Promise((r) => setTimeout(r, 500));
  const visitorText = await v.evaluate(() => document.querySelector('switchboard-widget').shadowRoot.querySelector('.log').textContent);
  assert.doesNotMatch(visitorText, /carrier strike/, 'the visitor never sees a note');
  await page.reload();
  await page.locator('#net.ok').waitFor();
  await page.locator('#mine .item').first().click();
  await page.locator('#log .msg.note', { hasText: 'carrier strike' }).waitFor();
  await screenshot(page, 'dashboard-note');
  await Promise.all([ctx.close(), vctx.close()]);
});
