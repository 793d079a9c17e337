// Status notices in the widget (spec 7.4): the incident banner and a maintenance announcement from the
// welcome, a notice posted while the widget is open appearing live, and one removed disappearing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, startHostServer, launchBrowser, waitFor, openWidget, api } from './harness.mjs';
import { screenshotColours } from './pixels.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

const notices = (page) => page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
  .querySelectorAll('.notices .notice')].map((n) => ({ cls: n.className, text: n.textContent })));

test('the widget shows an incident banner and a maintenance announcement, and follows changes live', async () => {
  const incident = await api(hub, 'POST', '/api/admin/notices',
    { kind: 'incident', title: 'Card payments are failing', text: 'We are working on a fix.' });
  const start = new Date(Date.now() + 2 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z');
  const end = new Date(Date.now() + 2 * 86400e3 + 7200e3).toISOString().replace(/\.\d+Z$/, 'Z');
  await api(hub, 'POST', '/api/admin/notices',
    { kind: 'maintenance', title: 'Database upgrade', text: 'Chat may pause for a minute.', starts_at: start, ends_at: end });

  const page = await (await browser.newContext({ viewport: { width: 900, height: 760 } })).newPage();
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  await waitFor(async () => (await notices(page)).length === 2, { what: 'two notices from the welcome' });
  const [first, second] = await notices(page);
  assert.match(first.cls, /incident in_force/);
  assert.match(first.text, /^Incident: Card payments are failing/);
  assert.match(second.cls, /maintenance announced/);
  assert.match(second.text, /^Scheduled maintenance: Database upgrade/);
  assert.match(second.text, /–/, 'an announced window shows its start and end');
  const colours = await screenshotColours(page, 'widget-notices');
  assert.ok(colours > 20, `the screenshot is drawn (${colours} colours)`);

  // Live: a new notice appears, a removed one goes, without a reload.
  const live = await api(hub, 'POST', '/api/admin/notices', { kind: 'incident', title: 'Login is slow' });
  await waitFor(async () => (await notices(page)).some((n) => n.text.includes('Login is slow')), { what: 'posted live' });
  await api(hub, 'DELETE', `/api/admin/notices/${incident.id}`);
  await api(hub, 'DELETE', `/api/admin/notices/${live.id}`);
  await waitFor(async () => (await notices(page)).length === 1, { what: 'removed live' });
  assert.match((await notices(page))[0].text, /Database upgrade/);
});
