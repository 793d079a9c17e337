// The support workflow against the real hub (spec 7.1, 7.2, 7.6): the widget's topic picker from the
// department's topics, system lines in the transcript, and the dashboard's Escalate control with the
// department's tier names handing the chat to a tier-2 agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetMessages, widgetText, agentLogin, agentMessages, SITE_SECRET,
} from './harness.mjs';

const CONFIG = `
[[sites]]
key = "default"
secret = "${SITE_SECRET}"

[[departments]]
name = "support"
timezone = "Etc/GMT"
hours = "24/7"
reply_minutes = 10
tiers = ["Support", "Technical specialists", "Developers and legal"]
topics = [
  { key = "billing", label = { en = "Billing", de = "Abrechnung" } },
  { key = "bug", label = { en = "Something is broken", de = "Etwas funktioniert nicht" } },
]
`;

let hub, host, browser;
before(async () => {
  hub = await startHub({ config: CONFIG });
  host = await startHostServer();
  browser = await launchBrowser();
  await createAgent(hub, { email: 'lena@test.example', name: 'Lena', password: 'lena-pass', tier: 1 });
  await createAgent(hub, { email: 'max@test.example', name: 'Max', password: 'max-pass', tier: 2 });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

test('topic picker, system lines and escalation to a named tier, end to end', async () => {
  const open = async (email, pass) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await agentLogin(page, hub.url, email, pass);
    return { ctx, page };
  };
  const lena = await open('lena@test.example', 'lena-pass');
  const max = await open('max@test.example', 'max-pass');

  const vctx = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const v = await vctx.newPage();
  await v.goto(host.page({ hubUrl: hub.url, settings: { locale: 'de-DE' } }));
  await openWidget(v);
  await v.locator('switchboard-widget .topics:not([hidden])').waitFor();
  assert.deepEqual(await v.locator('switchboard-widget .chips button').allTextContents(), ['Abrechnung', 'Etwas funktioniert nicht']);
  assert.match(await widgetText(v, '.status'), /innerhalb von 10 Minuten/);
  await v.locator('switchboard-widget .chips button', { hasText: 'Etwas funktioniert nicht' }).click();
  await widgetSend(v, 'Hallo, die App stürzt beim Bezahlen jedes Mal ab, wenn ich auf Senden tippe.');
  await waitFor(async () => /Lena/.test(await widgetText(v, '.status')), { what: 'Lena has it' });

  // Lena sees the topic and the tier names; she escalates to the technical specialists.
  await lena.page.locator('#mine .item').first().click();
  await waitFor(async () => (await agentMessages(lena.page)).length === 1, { what: 'transcript' });
  assert.match(await lena.page.textContent('#conv-info'), /topic: bug/);
  assert.deepEqual(await lena.page.$$eval('#escalate-to option', (o) => o.map((x) => x.textContent)), ['Technical specialists', 'Developers and legal']);
  await screenshot(lena.page, 'workflow-real-escalate');
  await lena.page.click('#escalate');
  await waitFor(async () => /Max/.test(await widgetText(v, '.status')), { what: 'Max has it' });
  await max.page.locator('#mine .item').waitFor();
  assert.match(await max.page.textContent('#conv-info'), /Technical specialists/);

  // The visitor's transcript holds the status changes as centred lines with seqs, not as bubbles.
  const lines = await widgetMessages(v, { system: true });
  const sys = lines.filter((m) => m.role === 'system');
  assert.ok(sys.length >= 2, 'assigned and escalated lines: ' + JSON.stringify(lines));
  const seqs = lines.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
  const centred = await v.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
    .querySelectorAll('.log .msg.system')].map((e) => getComputedStyle(e).textAlign));
  assert.ok(centred.length >= 2 && centred.every((a) => a === 'center'), JSON.stringify(centred));
  await screenshot(v, 'workflow-real-widget');
  await screenshot(max.page, 'workflow-real-escalated');
  await Promise.all([vctx.close(), lena.ctx.close(), max.ctx.close()]);
});
