// The dashboard's lists and alerts: queue previews and the bot's conversations pushed by the hub, history
// search asked of the hub, and opt-in desktop notifications with sound.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, launchBrowser, waitFor, screenshot, agentMessages } from './harness.mjs';
import { TIERS, inMin, ME, view, mockedDashboard as mocked } from './dashboard-mock.mjs';

let hub, browser;
before(async () => {
  hub = await startHub();   // serves the dashboard; its WebSocket and HTTP reads are scripted per test
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await hub?.stop();
});
const mockedDashboard = (opts) => mocked(browser, opts);

test('desktop notifications and sound: opt-in, for a new chat and a message in a chat not on screen', async () => {
  const a = 'cv_00000000000c0001', b = 'cv_00000000000c0002', c = 'cv_00000000000c0003';
  const { ctx, page, errors, mock } = await mockedDashboard({
    context: { permissions: ['notifications'] },
    http: { '/api/agents': [], '/api/canned': [] },
    onFrame: (f) => {
      if (f.type === 'hello') {
        return { type: 'welcome', v: 1, agent: ME, availability: 'online', departments: [{ name: 'support', tiers: TIERS }],
          conversations: [view(a, { visitor: { name: 'Ann', verified: true } }), view(b, { visitor: { name: 'Bo', verified: true } })] };
      }
      return f.ref ? { type: 'ack', ref: f.ref } : null;
    },
  });
  // Page-level stubs: every Notification constructed and every beep started is recorded; the permission is
  // the one the browser context granted. The agent is in another window (no focus).
  await ctx.addInitScript(() => {
    const Real = window.Notification;
    window.__notes = []; window.__beeps = 0; window.__asked = 0;
    window.Notification = class {
      constructor(title, opts) { window.__notes.push({ title, body: opts && opts.body }); }
      static get permission() { return Real.permission; }
      static requestPermission() { window.__asked++; return Real.requestPermission(); }
    };
    window.AudioContext = class {
      constructor() { this.state = 'running'; this.currentTime = 0; this.destination = {}; }
      resume() {}
      createOscillator() { return { frequency: {}, connect() {}, start() { window.__beeps++; }, stop() {} }; }
      createGain() { return { gain: { setValueAtTime() {}, exponentialRampToValueAtTime() {} }, connect() {} }; }
    };
    document.hasFocus = () => false;
  });
  await page.goto(hub.url + '/agent');
  await page.locator('#net.ok').waitFor();
  await page.locator(`#mine .item[data-id="${a}"]`).click();
  assert.equal(await page.evaluate(() => Notification.permission), 'granted');

  // Off by default: a message elsewhere raises the title count only.
  mock.push({ type: 'message', conversation_id: b, seq: 4, from: { role: 'visitor', name: 'Bo' }, text: 'First, quietly', at: inMin(0) });
  await page.locator(`#mine .item[data-id="${b}"] .unread`).waitFor();
  assert.deepEqual(await page.evaluate(() => [window.__notes.length, window.__beeps]), [0, 0]);

  await page.check('#notify-opt');
  mock.push({ type: 'message', conversation_id: b, seq: 5, from: { role: 'visitor', name: 'Bo' }, text: 'Are you there?', at: inMin(0) });
  await waitFor(() => page.evaluate(() => window.__notes.length === 1), { what: 'a notification for the message' });
  assert.deepEqual(await page.evaluate(() => window.__notes[0]), { title: 'Switchboard', body: 'Bo: Are you there?' });
  assert.equal(await page.evaluate(() => window.__beeps), 1, 'one beep with it');

  // A message in the chat on screen is seen already: no alert.
  mock.push({ type: 'message', conversation_id: a, seq: 4, from: { role: 'visitor', name: 'Ann' }, text: 'Thanks', at: inMin(0) });
  await waitFor(async () => (await agentMessages(page)).some((m) => m.text === 'Thanks'), { what: 'message on screen' });
  assert.equal(await page.evaluate(() => window.__notes.length), 1);

  // A new chat assigned while another is on screen.
  mock.push({ type: 'assigned', conversation: view(c, { ticket: 'SB-0003', visitor: { name: 'Cy', verified: true } }), messages: [] });
  await waitFor(() => page.evaluate(() => window.__notes.length === 2), { what: 'a notification for the new chat' });
  assert.equal(await page.evaluate(() => window.__notes[1].body), 'New chat: Cy · SB-0003');
  assert.equal(await page.evaluate(() => window.__beeps), 2);
  assert.equal(await page.evaluate(() => localStorage.getItem('switchboard.agent.notify')), '1', 'the choice is kept');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('history search asks the hub (every ticket, not only the newest), page by page', async () => {
  const t = (n, text, status = 'resolved') => ({ ticket: 'SB-' + n, conversation_id: 'cv_h' + n, status, department: 'support', language: 'en',
    priority: 'standard', tier: 1, created_at: inMin(-60 * n), visitor: { name: 'Visitor ' + n, email: `v${n}@example.com`, verified: true },
    messages: [{ seq: 1, from: { role: 'visitor', name: 'Visitor ' + n }, text, at: inMin(-60 * n) }] });
  const { ctx, page, errors, requests } = await mockedDashboard({
    http: {
      '/api/tickets?limit=200': [t(1, 'Newest ticket, about an invoice')],
      '/api/tickets/search?limit=20&q=parcel&before=SB-90': { results: [t(40, 'An old parcel, long ago')], next_before: null },
      '/api/tickets/search?limit=20&q=parcel': { results: [t(12, 'My parcel is lost')], next_before: 'SB-90' },
      '/api/agents': [], '/api/canned': [],
    },
    onFrame: (f) => (f.type === 'hello' ? { type: 'welcome', v: 1, agent: ME, availability: 'online', conversations: [], departments: [] } : null),
  });
  await page.goto(hub.url + '/agent');
  await page.locator('#net.ok').waitFor();
  await page.click('#tab-history');
  await page.locator('#histlist .item[data-ticket="SB-1"]').waitFor();
  await page.locator('#hist-q').pressSequentially('parcel');
  await page.locator('#histlist .item[data-ticket="SB-12"]').waitFor();
  assert.deepEqual(await page.$$eval('#histlist .item', (els) => els.map((e) => e.dataset.ticket)), ['SB-12'], 'the hub\'s results, not a filter of the newest');
  assert.ok(requests.includes('/api/tickets/search?limit=20&q=parcel'), requests.join('\n'));
  assert.equal(requests.filter((r) => r.startsWith('/api/tickets/search')).length, 1, 'one request for the whole word (debounced)');
  await page.click('#hist-more');
  await page.locator('#histlist .item[data-ticket="SB-40"]').waitFor();
  assert.deepEqual(await page.$$eval('#histlist .item', (els) => els.map((e) => e.dataset.ticket)), ['SB-12', 'SB-40']);
  assert.equal(await page.isHidden('#hist-more'), true, 'no older page left');
  await screenshot(page, 'dashboard-history-search');
  await page.click('#histlist .item[data-ticket="SB-40"] .hrow');
  await waitFor(async () => (await agentMessages(page)).some((m) => m.text === 'An old parcel, long ago'), { what: 'the old ticket opened' });
  // Fewer than two characters: back to the newest tickets.
  await page.fill('#hist-q', 'p');
  await page.locator('#histlist .item[data-ticket="SB-1"]').waitFor();
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the hub pushes previews and the bot\'s list in queue frames: no ticket reads, no polling', async () => {
  const w = (id, n, extra = {}) => ({ conversation_id: id, ticket: 'SB-' + n, priority: 'standard', language: 'en', department: 'support',
    since: inMin(-n / 100), tier: 1, tier_name: 'Support', topic: null, ...extra });
  const chat = 'cv_00000000000d0001';
  const queueFrame = (bot) => ({
    type: 'queue',
    waiting: [w('cv_w1', 501, { preview: 'My card was charged twice for one order' }),
      w('cv_w2', 502, { language: 'de', topic: 'billing', preview: 'Wo finde ich meine Rechnung vom Oktober?' })],
    bot,
  });
  const { ctx, page, errors, mock, requests } = await mockedDashboard({
    http: { '/api/agents': [], '/api/canned': [] },
    onFrame: (f) => {
      if (f.type === 'hello') {
        return [{ type: 'welcome', v: 1, agent: ME, availability: 'online', conversations: [view(chat)], departments: [{ name: 'support', tiers: TIERS }] },
          queueFrame([w('cv_b1', 601, { language: 'fi', priority: 'low', preview: 'Missä tilaukseni on?' })])];
      }
      if (f.type === 'sync' && f.conversation_id === chat) {
        return [
          { type: 'message', conversation_id: chat, seq: 1, from: { role: 'visitor', name: 'Paula' }, text: 'Hi, I was charged twice for my subscription this month.', at: inMin(-4) },
          { type: 'message', conversation_id: chat, seq: 2, from: { role: 'system' }, event: 'assigned', text: 'Eva is now handling your request.', at: inMin(-3) },
          { type: 'message', conversation_id: chat, seq: 3, from: { role: 'agent', name: 'Eva' }, text: 'Sorry about that! I can see both payments and will refund one now.', at: inMin(-2) },
        ];
      }
      return f.ref ? { type: 'ack', ref: f.ref } : null;
    },
  });
  await page.goto(hub.url + '/agent');
  await page.locator('#queue .item[data-id="cv_w1"] .preview').waitFor();
  assert.equal(await page.textContent('#queue .item .preview'), 'My card was charged twice for one order');
  await waitFor(async () => (await agentMessages(page)).length === 2, { what: 'the open chat' });
  // A long first message is cut with an ellipsis; the Pick button stays inside its card.
  const inside = await page.$$eval('#queue .item', (items) => items.map((li) => {
    const card = li.getBoundingClientRect(), pick = li.querySelector('.pick').getBoundingClientRect();
    return pick.right <= card.right && pick.left >= card.left;
  }));
  assert.deepEqual(inside, [true, true]);
  await screenshot(page, 'dashboard-queue-previews');
  await page.click('#tab-bot');
  await page.locator('#botlist .item[data-id="cv_b1"]').waitFor();
  assert.equal(await page.textContent('#botlist .item .preview'), 'Missä tilaukseni on?');
  assert.equal(await page.textContent('#bot-count'), '(1)');

  // The visitor of a second bot chat asks for a person: the hub pushes the list again, that chat first.
  mock.push(queueFrame([
    w('cv_b2', 602, { language: 'tr', priority: 'low', handoff_requested: true, preview: 'Bir temsilciyle konuşmak istiyorum' }),
    w('cv_b1', 601, { language: 'fi', priority: 'low', preview: 'Missä tilaukseni on?' }),
  ]));
  await waitFor(async () => (await page.$$eval('#botlist .item', (els) => els.map((e) => e.dataset.id))).join() === 'cv_b2,cv_b1', { what: 'pushed bot list' });
  assert.match(await page.textContent('#botlist .item:first-child'), /asked for a person/);
  await screenshot(page, 'dashboard-bot-pushed');
  await page.click('#botlist .item:first-child .pick');
  await waitFor(() => mock.frames.find((f) => f.type === 'pick'), { what: 'pick' });
  mock.push(queueFrame([w('cv_b1', 601, { language: 'fi', priority: 'low', preview: 'Missä tilaukseni on?' })]));
  await waitFor(async () => (await page.locator('#botlist .item').count()) === 1, { what: 'picked chat leaves the bot list' });

  const reads = requests.filter((r) => r.startsWith('/api/tickets'));
  assert.deepEqual(reads, [], 'previews and the bot list came with the frames');
  assert.deepEqual(errors, []);
  await ctx.close();
});
