// A premium visitor is shown and served ahead of a standard visitor who wrote earlier.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetText, agentLogin, identityToken,
} from './harness.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  // One chat at a time, so "who is assigned first" is also "who is served while the other waits".
  await createAgent(hub, { email: 'cleo@test.example', name: 'Cleo', password: 'cleo-pass', max_chats: 1 });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

test('premium visitor is listed and assigned before an earlier standard visitor', async () => {
  const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const agent = await agentCtx.newPage();
  await agentLogin(agent, hub.url, 'cleo@test.example', 'cleo-pass');
  await agent.selectOption('#avail', 'away');
  await agent.locator('#avail[data-state="away"]').waitFor();

  const standardCtx = await browser.newContext();
  const standard = await standardCtx.newPage();
  await standard.goto(host.page({ hubUrl: hub.url }));
  await openWidget(standard);
  await widgetSend(standard, 'Hello, I have a question about the warranty of my new bike frame.');
  await waitFor(async () => /Waiting for an agent/.test(await widgetText(standard, '.status')), { what: 'standard queued' });

  const premiumCtx = await browser.newContext();
  const premium = await premiumCtx.newPage();
  const token = identityToken({ sub: 'user-42', email: 'pat@example.com', name: 'Pat Premium', plan: 'premium' });
  await premium.goto(host.page({ hubUrl: hub.url, settings: { identity: token } }));
  await openWidget(premium);
  await widgetSend(premium, 'Hello, my cargo bike motor stopped working this morning, please help.');
  await waitFor(async () => /Waiting for an agent\. You are number 1/.test(await widgetText(premium, '.status')), { what: 'premium first in line' });
  await waitFor(async () => /number 2/.test(await widgetText(standard, '.status')), { what: 'standard moved to second' });

  // The away agent still sees the live queue, premium on top.
  await waitFor(async () => (await agent.locator('#queue .item').count()) === 2, { what: 'two waiting' });
  const rows = await agent.$$eval('#queue .item', (els) => els.map((e) => e.textContent));
  assert.match(rows[0], /premium/);
  assert.match(rows[1], /standard/);
  await screenshot(agent, 'dashboard-queue');

  await agent.selectOption('#avail', 'online');
  await agent.locator('#mine .item').first().waitFor();
  await waitFor(async () => /chatting with Cleo/.test(await widgetText(premium, '.status')), { what: 'premium served' });
  const mine = await agent.$$eval('#mine .item', (els) => els.map((e) => e.textContent));
  assert.equal(mine.length, 1);
  assert.match(mine[0], /premium/);
  assert.match(mine[0], /verified/);
  assert.doesNotMatch(mine[0], /unverified/);
  assert.match(mine[0], /Pat Premium/);
  // The standard visitor is still waiting, now first in line, and still listed in the queue.
  await waitFor(async () => /number 1/.test(await widgetText(standard, '.status')), { what: 'standard now first' });
  await waitFor(async () => (await agent.locator('#queue .item').count()) === 1, { what: 'one left in queue' });
  assert.match(await agent.textContent('#queue .item'), /standard/);
  await screenshot(agent, 'dashboard-premium-assigned');

  await Promise.all([standardCtx.close(), premiumCtx.close(), agentCtx.close()]);
});
