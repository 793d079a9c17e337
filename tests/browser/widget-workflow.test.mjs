// The widget against a scripted hub (mockSocket): system messages as status lines, the topic picker,
// interface text in 16 languages with right-to-left Arabic and Hebrew, and the bugs of a first day
// (writing after a rating, following a tall message, a survey only after a person answered).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, waitFor, screenshot, openWidget, widgetSend, widgetMessages,
  widgetText, mockSocket,
} from './harness.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();   // serves widget.js; the WebSocket is scripted per test
  host = await startHostServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

// Now, so that the replies' times sit beside the visitor's own in the screenshots.
const AT = new Date().toISOString();
const dept = (extra = {}) => ({ name: 'support', open: true, next_change: null, ...extra });
const conv = (id, extra = {}) => ({
  conversation_id: id, ticket: 'SB-' + id.slice(-4), status: 'queued', department: 'support', language: 'de',
  priority: 'standard', tier: 1, tier_name: 'Support', topic: null, agent: null, bot: null, last_seq: 0, ...extra,
});

/** A visitor endpoint that welcomes, acks every message with the next seq and remembers what it got. */
function visitorHub(page, { department = dept(), cid = 'cv_0000000000001001' } = {}) {
  const state = { seq: 0, cid };
  return mockSocket(page, /\/ws\/visitor/, (f, mock) => {
    if (f.type === 'hello') {
      return { type: 'welcome', v: 1, visitor_token: 'vt-mock', verified: false, plan: 'standard', department, conversation: null, ref: f.ref };
    }
    if (f.type === 'message') {
      mock.lastMessage = f;
      return { type: 'ack', client_msg_id: f.client_msg_id, conversation_id: state.cid, seq: ++state.seq, ref: f.ref };
    }
    if (f.type === 'rating' || f.type === 'sync' || f.type === 'end') return { type: 'ack', ref: f.ref };
    return null;
  }).then((mock) => Object.assign(mock, { state }));
}

async function newPage(viewport = { width: 1100, height: 800 }, settings = {}) {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return { ctx, page, errors, settings };
}
const sysLines = (page) => page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
  .querySelectorAll('.log .msg.system')].map((e) => ({ event: e.dataset.event, seq: +e.dataset.seq, text: e.textContent,
  centred: getComputedStyle(e).textAlign === 'center' })));

test('topic picker: asked before the first message, sent as "topic"; system messages are centred status lines', async () => {
  const { ctx, page, errors } = await newPage();
  const topics = [{ key: 'billing', label: 'Abrechnung' }, { key: 'account', label: 'Konto und Anmeldung' }, { key: 'bug', label: 'Fehler melden' }];
  const mock = await visitorHub(page, { department: dept({ topics }) });
  await page.goto(host.page({ hubUrl: hub.url, settings: { locale: 'de-DE' } }));
  await openWidget(page);
  await page.locator('switchboard-widget .topics:not([hidden])').waitFor();
  assert.equal(await widgetText(page, '#tq'), 'Worum geht es?');
  assert.deepEqual(await page.locator('switchboard-widget .chips button').allTextContents(), topics.map((t) => t.label));
  await screenshot(page, 'widget-topic-picker');

  // Enter without a topic keeps the text and sends nothing.
  await widgetSend(page, 'Meine letzte Rechnung ist doppelt abgebucht worden.');
  await page.locator('switchboard-widget .topics.need').waitFor();
  assert.equal(mock.frames.filter((f) => f.type === 'message').length, 0, 'nothing sent before a topic is chosen');
  assert.match(await page.locator('switchboard-widget .input').inputValue(), /Rechnung/);

  await page.locator('switchboard-widget .chips button', { hasText: 'Abrechnung' }).click();
  assert.equal(await page.locator('switchboard-widget .chips button[aria-pressed=true]').textContent(), 'Abrechnung');
  await page.locator('switchboard-widget .input').press('Enter');
  await waitFor(() => mock.lastMessage, { what: 'first message' });
  assert.equal(mock.lastMessage.topic, 'billing');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'ack' });
  await page.locator('switchboard-widget .topics[hidden]').waitFor({ state: 'attached' });

  // The hub's status changes arrive as system messages with seqs of their own.
  const cid = mock.state.cid;
  mock.push({ type: 'conversation', ...conv(cid, { status: 'queued', queue_position: 1, topic: 'billing' }) });
  mock.push({ type: 'message', conversation_id: cid, seq: 2, from: { role: 'system' }, event: 'queued', text: 'Sie sind in der Warteschlange; eine Person antwortet Ihnen bald.', at: AT });
  mock.push({ type: 'conversation', ...conv(cid, { status: 'assigned', agent: { name: 'Anna' } }) });
  mock.push({ type: 'message', conversation_id: cid, seq: 3, from: { role: 'system' }, event: 'assigned', text: 'Anna kümmert sich jetzt um Ihre Anfrage.', at: AT });
  mock.push({ type: 'message', conversation_id: cid, seq: 4, from: { role: 'agent', name: 'Anna' }, text: 'Hallo! Ich sehe mir die Abbuchung an.', at: AT });
  mock.push({ type: 'message', conversation_id: cid, seq: 5, from: { role: 'system' }, event: 'escalated', tier: 2, text: 'Ihre Anfrage wurde an unsere technischen Spezialisten weitergegeben.', at: AT });
  await waitFor(async () => (await sysLines(page)).length === 3, { what: 'three system lines' });
  const lines = await sysLines(page);
  assert.deepEqual(lines.map((l) => [l.event, l.seq]), [['queued', 2], ['assigned', 3], ['escalated', 5]]);
  assert.ok(lines.every((l) => l.centred), 'status lines are centred');
  const msgs = await widgetMessages(page);
  assert.deepEqual(msgs.map((m) => [m.role, m.seq]), [['visitor', 1], ['agent', 4]], 'system messages are not bubbles');
  // In seq order in the transcript: visitor 1, system 2, system 3, agent 4, system 5.
  const order = await page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot.querySelector('.log').children]
    .map((e) => +e.dataset.seq));
  assert.deepEqual(order, [1, 2, 3, 4, 5]);
  await screenshot(page, 'widget-system-lines');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('no topics configured: no picker, the message goes out without a topic', async () => {
  const { ctx, page, errors } = await newPage();
  const mock = await visitorHub(page, { department: dept({ topics: [] }) });
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  await page.locator('switchboard-widget .status', { hasText: 'Ask us anything' }).waitFor();
  assert.equal(await page.locator('switchboard-widget .topics').isHidden(), true);
  await widgetSend(page, 'Hello, where is my parcel?');
  await waitFor(() => mock.lastMessage, { what: 'message' });
  assert.equal('topic' in mock.lastMessage, false);
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('interface text in 16 languages; Arabic and Hebrew right to left', async () => {
  const { ctx, page } = await newPage({ width: 1100, height: 800 });
  await visitorHub(page, { department: dept({ topics: [{ key: 'billing', label: 'חיובים' }, { key: 'other', label: 'אחר' }] }) });
  await page.goto(host.page({ hubUrl: hub.url, settings: { locale: 'en' } }));
  await openWidget(page);
  const seen = new Map();
  for (const l of ['en', 'de', 'fr', 'es', 'it', 'pt', 'nl', 'pl', 'sv', 'fi', 'tr', 'ru', 'ar', 'ja', 'zh', 'he']) {
    await page.evaluate((x) => window.Switchboard('setLocale', x), l);
    await waitFor(async () => (await page.locator('switchboard-widget .panel').getAttribute('lang')) === l, { what: 'lang ' + l });
    const texts = await page.evaluate(() => {
      const r = document.querySelector('switchboard-widget').shadowRoot;
      return { title: r.querySelector('#h').textContent, input: r.querySelector('.input').placeholder,
        dir: r.querySelector('.panel').getAttribute('dir'), topic: r.querySelector('#tq').textContent };
    });
    assert.ok(texts.title && texts.input && texts.topic && !/undefined/.test(JSON.stringify(texts)), l + ': ' + JSON.stringify(texts));
    assert.equal(texts.dir, l === 'ar' || l === 'he' ? 'rtl' : 'ltr', l + ' direction');
    seen.set(texts.input, l);
  }
  assert.equal(seen.size, 16, 'every language has its own text');
  // Hebrew is the last one set: the panel sits on the left, mirrored.
  const box = await page.locator('switchboard-widget .panel').boundingBox();
  assert.ok(box.x < 200, 'right-to-left panel on the left edge, x=' + box.x);
  await screenshot(page, 'widget-hebrew-rtl');
  await ctx.close();
});

/** Opens the widget on a scripted hub and starts a chat; returns the page, the mock and the conversation. */
async function startedChat(viewport, text) {
  const { ctx, page, errors } = await newPage(viewport);
  const mock = await visitorHub(page);
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  await widgetSend(page, text);
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'first message acked' });
  return { ctx, page, errors, mock, cid: mock.state.cid };
}
/** The next message of the scripted hub to the widget, with the next seq. */
function say(mock, cid, role, name, text) {
  mock.push({ type: 'message', conversation_id: cid, seq: ++mock.state.seq, from: { role, name }, text, at: AT });
}

test('bug: a tall new reply is scrolled fully into view', async () => {
  const { ctx, page, errors, mock, cid } = await startedChat({ width: 1100, height: 700 }, 'Hello, my order did not arrive.');
  mock.push({ type: 'conversation', ...conv(cid, { status: 'bot', language: 'en', bot: { name: 'Helper' } }) });
  say(mock, cid, 'bot', 'Helper', Array(40).fill('A line of a long help article.').join('\n'));
  await waitFor(async () => (await widgetMessages(page)).length === 2, { what: 'bot reply' });
  const overflow = await page.evaluate(() => {
    const log = document.querySelector('switchboard-widget').shadowRoot.querySelector('.log');
    const last = [...log.querySelectorAll('.msg')].pop();
    return Math.round(last.getBoundingClientRect().bottom - log.getBoundingClientRect().bottom);
  });
  assert.ok(overflow <= 1, 'newest bubble is in view, overflow ' + overflow + ' px');
  await screenshot(page, 'widget-tall-reply');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('bug: no survey when no person answered; with one, the survey leaves the transcript its room', async () => {
  const { ctx, page, errors, mock, cid } = await startedChat({ width: 1100, height: 700 }, 'Hello, my order did not arrive.');
  mock.push({ type: 'conversation', ...conv(cid, { status: 'bot', language: 'en', bot: { name: 'Helper' } }) });
  say(mock, cid, 'bot', 'Helper', 'Tracking your order: open the link in your confirmation email.');
  mock.push({ type: 'conversation', ...conv(cid, { status: 'resolved', language: 'en' }) });
  mock.push({ type: 'survey', conversation_id: cid });
  await page.locator('switchboard-widget .status', { hasText: 'This chat has ended' }).waitFor();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.locator('switchboard-widget .survey').isHidden(), true, 'no survey when no person replied');

  mock.state.cid = 'cv_0000000000002002'; mock.state.seq = 0;
  await widgetSend(page, 'Another question: can I change my delivery address?');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1 && /address/.test(m.text)), { what: 'second chat' });
  const cid2 = mock.state.cid;
  mock.push({ type: 'conversation', ...conv(cid2, { status: 'assigned', language: 'en', agent: { name: 'Anna' } }) });
  say(mock, cid2, 'agent', 'Anna', 'Yes, I changed it for you.');
  mock.push({ type: 'conversation', ...conv(cid2, { status: 'resolved', language: 'en' }) });
  mock.push({ type: 'survey', conversation_id: cid2 });
  await page.locator('switchboard-widget .survey:not([hidden])').waitFor();
  const sizes = await page.evaluate(() => {
    const r = document.querySelector('switchboard-widget').shadowRoot;
    const rate = r.querySelector('.rate').getBoundingClientRect(), panel = r.querySelector('.panel').getBoundingClientRect();
    return { log: r.querySelector('.log').clientHeight, rateVisible: rate.bottom <= panel.bottom && rate.height > 0 };
  });
  assert.ok(sizes.log >= 120, 'transcript keeps at least 120 px next to the survey, has ' + sizes.log);
  assert.ok(sizes.rateVisible, 'the send-rating button is on screen');
  await screenshot(page, 'widget-survey');
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('bug: writing again after a rating opens a new chat without a script error, and the thank-you goes', async () => {
  const { ctx, page, errors, mock, cid } = await startedChat({ width: 1100, height: 800 }, 'Can I change my delivery address?');
  mock.push({ type: 'conversation', ...conv(cid, { status: 'assigned', language: 'en', agent: { name: 'Anna' } }) });
  say(mock, cid, 'agent', 'Anna', 'Yes, I changed it for you.');
  mock.push({ type: 'conversation', ...conv(cid, { status: 'resolved', language: 'en' }) });
  mock.push({ type: 'survey', conversation_id: cid });
  await page.locator('switchboard-widget .survey:not([hidden])').waitFor();
  await page.locator('switchboard-widget .stars button').nth(4).click();
  await page.locator('switchboard-widget .rate').click();
  await page.locator('switchboard-widget .survey:not([hidden])', { hasText: 'Thank you' }).waitFor();
  // The new conversation's ack comes before any view of it (no ticket yet).
  mock.state.cid = 'cv_0000000000003003'; mock.state.seq = 0;
  await widgetSend(page, 'One more thing: do you ship to Norway?');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1 && /Norway/.test(m.text)), { what: 'new chat acked' });
  await page.locator('switchboard-widget .survey').waitFor({ state: 'hidden' });
  assert.deepEqual(errors, [], 'no script error');
  await screenshot(page, 'widget-after-rating');
  await ctx.close();
});

test('phone: the bot chat offers "Talk to a person", which sends the request in the visitor\'s language', async () => {
  const { ctx, page, errors } = await newPage({ width: 390, height: 760 });
  const mock = await visitorHub(page, { department: dept() });
  await page.goto(host.page({ hubUrl: hub.url, settings: { locale: 'fi-FI' } }));
  await openWidget(page);
  await widgetSend(page, 'Hei, tilaukseni on myöhässä.');
  await waitFor(() => mock.lastMessage, { what: 'message' });
  const cid = mock.state.cid;
  mock.push({ type: 'conversation', ...conv(cid, { status: 'bot', language: 'fi', bot: { name: 'Apuri' }, handoff_requested: false }) });
  mock.push({ type: 'message', conversation_id: cid, seq: 2, from: { role: 'bot', name: 'Apuri' }, text: 'Hei, olen Apuri. Tikettisi numero on SB-1001.', at: AT });
  mock.state.seq = 2;
  await page.locator('switchboard-widget .quick:not([hidden])').waitFor();
  assert.equal(await widgetText(page, '.person'), 'Puhu ihmisen kanssa');
  await screenshot(page, 'widget-phone-bot');
  await page.locator('switchboard-widget .person').click();
  await waitFor(() => mock.lastMessage.text === 'Puhu ihmisen kanssa', { what: 'person request sent' });
  mock.push({ type: 'conversation', ...conv(cid, { status: 'bot', language: 'fi', bot: { name: 'Apuri' }, handoff_requested: true }) });
  await page.locator('switchboard-widget .quick').waitFor({ state: 'hidden' });
  assert.deepEqual(errors, []);
  await ctx.close();
});

test('the site\'s look from [sites.widget] and the department\'s reply time in the greeting', async () => {
  const themed = await startHub({ config: `
[[sites]]
key = "default"
widget = { accent = "#1f4d3a", title = "Velo Shop help", position = "left" }

[[departments]]
name = "support"
timezone = "Etc/GMT"
hours = "24/7"
reply_minutes = 5
` });
  try {
    const { ctx, page, errors } = await newPage({ width: 1100, height: 800 });
    await page.goto(host.page({ hubUrl: themed.url, settings: { locale: 'de-DE' } }));
    await openWidget(page);
    await page.locator('switchboard-widget .status', { hasText: 'innerhalb von 5 Minuten' }).waitFor();
    assert.equal(await widgetText(page, '#h'), 'Velo Shop help');
    const look = await page.evaluate(() => {
      const r = document.querySelector('switchboard-widget').shadowRoot;
      return { bg: getComputedStyle(r.querySelector('header')).backgroundColor, x: r.querySelector('.panel').getBoundingClientRect().x };
    });
    assert.equal(look.bg, 'rgb(31, 77, 58)');
    assert.ok(look.x < 100, 'panel on the left, x=' + look.x);
    await screenshot(page, 'widget-site-theme');
    assert.deepEqual(errors, []);
    await ctx.close();
  } finally {
    await themed.stop();
  }
});
