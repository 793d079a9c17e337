// The newcomer's path from the README: `switchboard --demo`, the demo shop at /, the dashboard at /agent
// with a demo login, one message each way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, launchBrowser, waitFor, screenshot, openWidget, widgetSend, widgetMessages, widgetText,
  agentLogin, agentMessages, agentSend,
} from './harness.mjs';

let hub, browser;
before(async () => {
  // No departments in the config: the demo's own, open around the clock.
  hub = await startHub({ demo: true, config: '' });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await hub?.stop();
});

test('demo page: widget embedded with the snippet, link to /agent, chat with a demo agent', async () => {
  const errors = [];
  const vctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const visitor = await vctx.newPage();
  visitor.on('pageerror', (e) => errors.push(e.message));
  await visitor.goto(hub.url + '/');
  assert.match(await visitor.title(), /Acme Bikes/);
  assert.equal(await visitor.getAttribute('a[href="/agent"]', 'href'), '/agent');
  assert.match(await visitor.textContent('body'), /anna@demo\.test/);

  const actx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const agent = await actx.newPage();
  agent.on('pageerror', (e) => errors.push(e.message));
  await agentLogin(agent, hub.url, 'anna@demo.test', 'demo');

  await openWidget(visitor);
  await widgetSend(visitor, 'Hi, do you have the Commuter 7 in a smaller frame size for my daughter?');
  await waitFor(async () => /chatting with Anna/.test(await widgetText(visitor, '.status')), { what: 'Anna has it' });
  await waitFor(async () => (await agentMessages(agent)).length >= 1, { what: 'dashboard shows it' });
  await agentSend(agent, 'Yes, we have it in size S. Shall I reserve one?');
  await waitFor(async () => (await widgetMessages(visitor)).some((m) => m.role === 'agent'), { what: 'reply on the demo page' });
  await screenshot(visitor, 'demo-page');
  await screenshot(agent, 'demo-dashboard');
  assert.deepEqual(errors, [], 'no script errors on either page');
  await Promise.all([vctx.close(), actx.close()]);
});
