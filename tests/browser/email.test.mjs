// The widget asks for an email address while no one may answer right away (spec 7.6, docs/email.md):
// a bad address is refused by the hub and said so, a good one is kept and sent again after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, startHostServer, launchBrowser, waitFor, openWidget, widgetSend, widgetMessages, CONFIG_24_7 } from './harness.mjs';
import { screenshotColours } from './pixels.mjs';

// A hub that sends email (to a port where nothing listens: sending fails and is retried, which never
// blocks chat), and one that sends none.
const EMAIL = `${CONFIG_24_7}
[email]
smtp_url = "smtp://127.0.0.1:9"
from = "support@example.com"
`;
let hub, plain, host, browser;
before(async () => {
  hub = await startHub({ config: EMAIL });
  plain = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
  await plain?.stop();
});

const mailBox = (page) => page.evaluate(() => {
  const root = document.querySelector('switchboard-widget').shadowRoot;
  return { shown: !root.querySelector('.mail').hidden, text: root.querySelector('.mq').textContent };
});

test('the widget offers to answer by email when no one can take the chat, and keeps the address', async () => {
  const page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (e) => sent.push(String(e.payload))));
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  assert.equal((await mailBox(page)).shown, false, 'not before a chat');
  await widgetSend(page, 'Hello, is anyone there? I have a question about my invoice.');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'the chat opened' });
  // No agent online: the bot has it, and the widget offers email.
  await waitFor(async () => (await mailBox(page)).shown, { what: 'the email offer' });
  assert.match((await mailBox(page)).text, /Leave your email/);
  const colours = await screenshotColours(page, 'widget-email-offer');
  assert.ok(colours > 20, `the screenshot is drawn (${colours} colours)`);

  await page.locator('switchboard-widget .me').fill('not an address');
  await page.locator('switchboard-widget .ms').click();
  await waitFor(async () => (await mailBox(page)).text === 'Please check the address.', { what: 'the refusal shown' });
  await page.locator('switchboard-widget .me').fill('ada@example.com');
  await page.locator('switchboard-widget .me').press('Enter');
  await waitFor(async () => !(await mailBox(page)).shown, { what: 'the offer gone once the hub took the address' });

  // After a reload the address is sent again after the welcome, and not asked for again.
  sent.length = 0;
  await page.reload();
  await openWidget(page);
  await waitFor(async () => sent.some((f) => f.includes('"set_email"') && f.includes('ada@example.com')), { what: 'set_email again' });
  assert.equal((await mailBox(page)).shown, false);
});

test('a hub that sends no email offers none: no promise nobody keeps', async () => {
  const page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  await page.goto(host.page({ hubUrl: plain.url }));
  await openWidget(page);
  await widgetSend(page, 'Hello, is anyone there? I have a question about my invoice.');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.role === 'bot'), { what: 'the bot answered' });
  assert.equal((await mailBox(page)).shown, false, 'no email offer without [email]');
});
