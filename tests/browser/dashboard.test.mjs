// The dashboard's own workflow: sign-in errors and logout, pick from the queue, transfer to another agent,
// escalate to the next tier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetText, agentLogin, agentMessages,
} from './harness.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  await createAgent(hub, { email: 'eva@test.example', name: 'Eva', password: 'eva-pass' });
  await createAgent(hub, { email: 'finn@test.example', name: 'Finn', password: 'finn-pass' });
  await createAgent(hub, { email: 'gina@test.example', name: 'Gina', password: 'gina-pass', tier: 2 });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

test('a wrong password is refused; logout returns to the sign-in form and forgets the session', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(hub.url + '/agent');
  await page.fill('#email', 'eva@test.example');
  await page.fill('#password', 'wrong');
  await page.click('#login-form button[type=submit]');
  await waitFor(async () => (await page.textContent('#login-error')).length > 0, { what: 'login error' });
  assert.equal(await page.isVisible('#app'), false);
  await agentLogin(page, hub.url, 'eva@test.example', 'eva-pass');
  await page.click('#logout');
  await page.locator('#login').waitFor();
  await page.reload();
  await page.locator('#login').waitFor();
  assert.equal(await page.isVisible('#app'), false, 'still signed out after a reload');
  await ctx.close();
});

test('pick from the queue, transfer to another agent, escalate to tier 2', async () => {
  const open = async (email, pass) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await agentLogin(page, hub.url, email, pass);
    return { ctx, page };
  };
  // Eva is away and picks by hand (Gina, tier 2, serves tier 1 too, so she signs in only later).
  const eva = await open('eva@test.example', 'eva-pass');
  await eva.page.selectOption('#avail', 'away');
  await eva.page.locator('#avail[data-state="away"]').waitFor();

  const vctx = await browser.newContext();
  const visitor = await vctx.newPage();
  await visitor.goto(host.page({ hubUrl: hub.url }));
  await openWidget(visitor);
  await widgetSend(visitor, 'Hello, the gears on my touring bike keep slipping on every hill I ride.');
  await eva.page.locator('#queue .item').waitFor();

  await eva.page.click('#queue .item .pick');
  await waitFor(async () => /chatting with Eva/.test(await widgetText(visitor, '.status')), { what: 'Eva has it' });
  await eva.page.locator('#view:not([hidden])').waitFor();
  await waitFor(async () => (await agentMessages(eva.page)).length === 1, { what: 'transcript' });
  await waitFor(async () => (await eva.page.locator('#queue .item').count()) === 0, { what: 'queue empty' });

  // Finn comes online; Eva hands the chat to him with the picker.
  const finn = await open('finn@test.example', 'finn-pass');
  await eva.page.locator('#transfer-to').focus();
  await waitFor(async () => (await eva.page.locator('#transfer-to option', { hasText: 'Finn' }).count()) === 1, { what: 'Finn in picker' });
  const finnId = await eva.page.locator('#transfer-to option', { hasText: 'Finn' }).getAttribute('value');
  await eva.page.selectOption('#transfer-to', finnId);
  await screenshot(eva.page, 'dashboard-transfer');
  await eva.page.click('#transfer');
  await waitFor(async () => /chatting with Finn/.test(await widgetText(visitor, '.status')), { what: 'Finn has it' });
  await finn.page.locator('#mine .item').waitFor();
  await waitFor(async () => (await agentMessages(finn.page)).length === 1, { what: 'Finn sees transcript' });
  await eva.page.locator('#conv-notice:not([hidden])').waitFor();
  assert.match(await eva.page.textContent('#conv-notice'), /Finn/);
  assert.equal(await eva.page.isDisabled('#text'), true, 'no more replies from Eva');

  // Gina (tier 2) comes online with nothing waiting; Finn escalates to tier 2: Gina gets it with the
  // whole transcript.
  const gina = await open('gina@test.example', 'gina-pass');
  assert.equal(await finn.page.textContent('#escalate'), 'Escalate to Tier 2');
  await finn.page.click('#escalate');
  await waitFor(async () => /chatting with Gina/.test(await widgetText(visitor, '.status')), { what: 'Gina has it' });
  await gina.page.locator('#mine .item').waitFor();
  await waitFor(async () => (await agentMessages(gina.page)).length === 1, { what: 'Gina sees transcript' });
  assert.match(await gina.page.textContent('#conv-info'), /Tier 2/);
  await screenshot(gina.page, 'dashboard-escalated');

  await Promise.all([vctx.close(), eva.ctx.close(), finn.ctx.close(), gina.ctx.close()]);
});
