// The admin console at /admin: sign in with the admin token (kept in sessionStorage, never in a URL), then
// every screen: agents (create, edit, remove), bots (token shown once), notices, identity relink,
// knowledge base, and the reports drawn as charts. Each screen's screenshot is checked not to be blank.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHub, startHostServer, launchBrowser, waitFor, openWidget, widgetSend, widgetMessages, ADMIN_TOKEN } from './harness.mjs';
import { screenshotColours } from './pixels.mjs';

let hub, browser, page;
const urls = [];
before(async () => {
  hub = await startHub();
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 860 } })).newPage();
  page.on('request', (r) => urls.push(r.url()));
});
after(async () => {
  await browser?.close();
  await hub?.stop();
});

async function drawn(name) {
  const colours = await screenshotColours(page, name);
  assert.ok(colours > 20, `${name}: the screenshot is drawn (${colours} colours)`);
}
const flash = () => page.locator('#flash').textContent();
const rows = (sel) => page.locator(sel + ' tr').allTextContents();

test('sign in: a wrong token is refused, the right one is kept in sessionStorage only', async () => {
  await page.goto(hub.url + '/admin');
  await page.fill('#token', 'not-the-token');
  await page.click('#signin-form button');
  await waitFor(async () => (await page.locator('#signin-error').textContent()).includes('not the admin token'), { what: 'refused' });
  await drawn('admin-signin');
  await page.fill('#token', ADMIN_TOKEN);
  await page.click('#signin-form button');
  await page.locator('#agents:not([hidden])').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('switchboard-admin-token')), ADMIN_TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  // Still signed in after a reload of the tab.
  await page.reload();
  await page.locator('#agents:not([hidden])').waitFor();
});

test('agents: create, edit, remove', async () => {
  await page.fill('#agent-form [name=name]', 'Anna');
  await page.fill('#agent-form [name=email]', 'anna@example.com');
  await page.fill('#agent-form [name=password]', 'secret-pass');
  await page.fill('#agent-form [name=languages]', 'en, de');
  await page.fill('#agent-form [name=departments]', 'support');
  await page.click('#agent-form button[type=submit]');
  await waitFor(async () => (await rows('#agent-rows')).some((r) => r.includes('anna@example.com')), { what: 'created' });
  await page.click('#agent-rows button:text("Edit")');
  assert.equal(await page.locator('#agent-form-h').textContent(), 'Edit Anna');
  await page.fill('#agent-form [name=max_chats]', '5');
  await page.click('#agent-form button[type=submit]');
  await waitFor(async () => (await flash()) === 'Saved Anna.', { what: 'saved' });
  await waitFor(async () => (await rows('#agent-rows')).some((r) => r.includes('en, de') && r.includes('5')), { what: 'edited' });
  await page.fill('#agent-form [name=name]', 'Ben');
  await page.fill('#agent-form [name=email]', 'ben@example.com');
  await page.fill('#agent-form [name=password]', 'secret-pass');
  await page.click('#agent-form button[type=submit]');
  await waitFor(async () => (await rows('#agent-rows')).length === 2, { what: 'two agents' });
  await drawn('admin-agents');
  page.once('dialog', (d) => d.accept());
  await page.locator('#agent-rows tr', { hasText: 'Ben' }).locator('button:text("Remove")').click();
  await waitFor(async () => (await rows('#agent-rows')).length === 1, { what: 'removed' });
});

test('bots: the token is shown once', async () => {
  await page.click('#tabs [data-tab=bots]');
  await page.fill('#bot-form [name=name]', 'Order bot');
  await page.click('#bot-form button');
  await page.locator('#bot-token:not([hidden])').waitFor();
  assert.match(await page.locator('#bot-token-value').textContent(), /^sbb_/);
  await drawn('admin-bots');
});

test('notices: post, list, end', async () => {
  await page.click('#tabs [data-tab=notices]');
  await page.selectOption('#notice-form [name=kind]', 'incident');
  await page.fill('#notice-form [name=title]', 'Card payments are failing');
  await page.fill('#notice-form [name=text]', 'We are working on a fix.');
  await page.click('#notice-form button');
  await waitFor(async () => (await rows('#notice-rows')).some((r) => r.includes('in force')), { what: 'posted' });
  // A window that ends before it starts: the API's message is shown.
  await page.selectOption('#notice-form [name=kind]', 'maintenance');
  await page.fill('#notice-form [name=title]', 'Database upgrade');
  await page.fill('#notice-form [name=starts_at]', '2099-01-10T22:00');
  await page.fill('#notice-form [name=ends_at]', '2099-01-10T21:00');
  await page.click('#notice-form button');
  await waitFor(async () => (await flash()).includes('cannot end before it starts'), { what: 'the error' });
  await page.fill('#notice-form [name=ends_at]', '2099-01-10T23:00');
  await page.click('#notice-form button');
  await waitFor(async () => (await rows('#notice-rows')).some((r) => r.includes('announced')), { what: 'announced' });
  await drawn('admin-notices');
  await page.locator('#notice-rows tr', { hasText: 'Card payments' }).locator('button:text("End now")').click();
  await waitFor(async () => (await rows('#notice-rows')).some((r) => r.includes('Card payments') && r.includes('ended')), { what: 'ended' });
});

test('identities: relink a user id to a new email', async () => {
  await page.click('#tabs [data-tab=identities]');
  await page.fill('#relink-form [name=sub]', 'u42');
  await page.fill('#relink-form [name=email]', 'lena@new.example');
  await page.click('#relink-form button');
  await waitFor(async () => (await flash()).includes('u42 of default is now linked to lena@new.example'), { what: 'relinked' });
  await drawn('admin-identities');
});

test('knowledge base: add and remove an article', async () => {
  await page.click('#tabs [data-tab=kb]');
  await page.fill('#kb-form [name=title]', 'Gift cards');
  await page.fill('#kb-form [name=text]', 'Gift cards never expire.');
  await page.fill('#kb-form [name=tags]', 'voucher, present');
  await page.click('#kb-form button');
  await waitFor(async () => (await rows('#kb-rows')).some((r) => r.includes('voucher, present')), { what: 'added' });
  await drawn('admin-kb');
  await page.locator('#kb-rows tr', { hasText: 'Gift cards' }).locator('button').click();
  await waitFor(async () => !(await rows('#kb-rows')).some((r) => r.includes('Gift cards')), { what: 'removed' });
});

test('reports: charts drawn from the report, CSV downloaded without the token in a URL', async () => {
  // Two chats (the built-in bot takes them: no agent is online), so that the charts have bars to draw.
  const host = await startHostServer();
  for (const text of ['Hello, where is my order from last week please?', 'Hi, how do I reset my password for the shop?']) {
    const visitor = await (await browser.newContext()).newPage();
    await visitor.goto(host.page({ hubUrl: hub.url }));
    await openWidget(visitor);
    await widgetSend(visitor, text);
    await waitFor(async () => (await widgetMessages(visitor)).some((m) => m.seq === 1), { what: 'a chat' });
    await visitor.context().close();
  }
  await host.close();
  await page.click('#tabs [data-tab=reports]');
  await waitFor(async () => (await page.locator('#charts figure rect').count()) > 0, { what: 'bars' });
  await page.locator('#charts figure').first().waitFor();
  const titles = await page.locator('#charts figure h3').allTextContents();
  assert.ok(titles.includes('Conversations per department') && titles.includes('Ratings per agent'), titles.join(' | '));
  await drawn('admin-reports');
  const download = page.waitForEvent('download');
  await page.click('#report-csv');
  const file = await download;
  assert.match(file.suggestedFilename(), /^switchboard-report-.*\.csv$/);
  assert.ok(urls.every((u) => !u.includes(ADMIN_TOKEN)), 'the token never appears in a URL');
});
