// The knowledge base in the widget (spec 7.6): a search offered before a chat, and articles suggested
// (debounced) while the first message is typed; gone once a conversation is open.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, startHostServer, launchBrowser, waitFor, openWidget, widgetSend, widgetMessages, api } from './harness.mjs';
import { screenshotColours } from './pixels.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  await api(hub, 'POST', '/api/admin/kb', { language: 'en', title: 'Gift cards', text: 'Gift cards never expire and work for any order.', tags: ['voucher'], url: 'https://help.example.com/gift-cards' });
  await api(hub, 'POST', '/api/admin/kb', { language: 'en', title: 'Returns', text: 'Send the parcel back within 30 days for a refund.', tags: ['refund'] });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

const results = (page) => page.evaluate(() => {
  const root = document.querySelector('switchboard-widget').shadowRoot;
  return { shown: !root.querySelector('.kb').hidden, items: [...root.querySelectorAll('.kbr li')].map((l) => l.textContent) };
});

test('the widget offers the search before a chat and suggests articles while the first message is typed', async () => {
  const page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  let requests = 0;
  page.on('request', (r) => { if (r.url().includes('/api/kb/search')) requests++; });
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  assert.equal((await results(page)).shown, true, 'offered before a chat');
  assert.equal(await page.locator('switchboard-widget .kbq').getAttribute('placeholder'), 'Search our help articles');

  await page.locator('switchboard-widget .kbq').pressSequentially('gift card', { delay: 40 });
  await waitFor(async () => (await results(page)).items.some((t) => t.startsWith('Gift cards')), { what: 'search results' });
  assert.ok(requests <= 2, `debounced: ${requests} requests for 9 keystrokes`);
  assert.equal(await page.locator('switchboard-widget .kbr a').first().getAttribute('href'), 'https://help.example.com/gift-cards');
  const colours = await screenshotColours(page, 'widget-kb-search');
  assert.ok(colours > 20, `the screenshot is drawn (${colours} colours)`);

  // Suggestions while the first message is typed.
  await page.locator('switchboard-widget .input').pressSequentially('I want a refu', { delay: 30 });
  await waitFor(async () => (await results(page)).items.some((t) => t.startsWith('Returns')), { what: 'suggestions' });
  await page.locator('switchboard-widget .input').fill('');
  await widgetSend(page, 'Hello, I would like to return my order from last week please.');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'the chat opened' });
  await waitFor(async () => !(await results(page)).shown, { what: 'the search hides once a chat is open' });
});
