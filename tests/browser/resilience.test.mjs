// Nothing lost, nothing repeated: the visitor drops off the network while the agent writes, types into the
// outbox meanwhile, comes back; then reloads the page mid-chat; then the agent reloads the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetMessages, widgetText, agentLogin, agentMessages, agentSend,
} from './harness.mjs';

let hub, host, browser, agentCtx, agent, visitorCtx, visitor, pageUrl;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  await createAgent(hub, { email: 'dora@test.example', name: 'Dora', password: 'dora-pass' });
  agentCtx = await browser.newContext();
  agent = await agentCtx.newPage();
  await agentLogin(agent, hub.url, 'dora@test.example', 'dora-pass');
  visitorCtx = await browser.newContext();
  visitor = await visitorCtx.newPage();
  pageUrl = host.page({ hubUrl: hub.url });
  await visitor.goto(pageUrl);
  await openWidget(visitor);
  await widgetSend(visitor, 'Hello, my rental bike has a flat tyre, what should I do now?');
  await waitFor(async () => /chatting with Dora/.test(await widgetText(visitor, '.status')), { what: 'assigned' });
  await waitFor(async () => (await agentMessages(agent)).length === 1, { what: 'agent has the chat' });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

const assertExactlyOnceInOrder = (msgs, texts) => {
  for (const t of texts) assert.equal(msgs.filter((m) => m.text === t).length, 1, `exactly once: ${t}`);
  const seqs = msgs.map((m) => m.seq);
  assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
  assert.equal(new Set(seqs).size, seqs.length, 'no seq repeated');
  assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'no gap');
  const idx = texts.map((t) => msgs.findIndex((m) => m.text === t));
  assert.deepEqual(idx, [...idx].sort((a, b) => a - b), 'texts in the order sent');
};

test('visitor offline while the agent writes: every message once, in order; outbox sent on return', async () => {
  await visitorCtx.setOffline(true);
  await waitFor(async () => /Offline/.test(await widgetText(visitor, '.status')), { what: 'offline status' });

  const agentTexts = ['First: please stay where you are.', 'Second: a mechanic is on the way.', 'Third: it will take about twenty minutes.'];
  for (const t of agentTexts) await agentSend(agent, t);
  await waitFor(async () => (await agentMessages(agent)).filter((m) => !m.pending).length === 4, { what: 'agent messages acked' });

  // Typed while offline: shown as pending at once, kept in the outbox.
  const offlineText = 'I am in the park next to the big fountain, near the cafe.';
  await widgetSend(visitor, offlineText);
  await waitFor(async () => (await widgetMessages(visitor)).some((m) => m.text === offlineText && m.pending), { what: 'pending while offline' });
  assert.equal((await widgetMessages(visitor)).filter((m) => m.role === 'agent').length, 0, 'nothing arrives while offline');
  const stored = await visitor.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k)).join(''));
  assert.ok(stored.includes(offlineText), 'outbox persisted in localStorage');
  await screenshot(visitor, 'widget-offline');

  await visitorCtx.setOffline(false);
  await waitFor(async () => {
    const m = await widgetMessages(visitor);
    return m.length === 5 && m.every((x) => !x.pending);
  }, { what: 'all five messages confirmed', timeout: 30000 });
  const msgs = await widgetMessages(visitor);
  // Every line, the system line of the assignment included, for the seq check: no gap, no repeat.
  assertExactlyOnceInOrder(await widgetMessages(visitor, { system: true }), ['Hello, my rental bike has a flat tyre, what should I do now?', ...agentTexts, offlineText]);
  assert.equal(msgs[4].text, offlineText, 'the outbox message comes after what the hub already had');
  await waitFor(async () => (await agentMessages(agent)).some((m) => m.text === offlineText), { what: 'agent gets outbox message' });
  assert.equal((await agentMessages(agent)).filter((m) => m.text === offlineText).length, 1);
});

test('a page reload mid-chat keeps the transcript, the ticket and the conversation', async () => {
  const before = await widgetMessages(visitor);
  const ticket = await widgetText(visitor, '.ticket');
  await visitor.reload();
  // The panel was open before the reload and opens again, with the stored transcript.
  await visitor.locator('switchboard-widget .panel:not([hidden])').waitFor();
  await waitFor(async () => /chatting with Dora/.test(await widgetText(visitor, '.status')), { what: 'still with Dora' });
  assert.deepEqual(await widgetMessages(visitor), before);
  assert.equal(await widgetText(visitor, '.ticket'), ticket);

  // A message sent after the reload lands in the same conversation, right after the earlier ones.
  const after = 'Thanks, I can see the mechanic coming now!';
  await widgetSend(visitor, after);
  await waitFor(async () => (await agentMessages(agent)).some((m) => m.text === after), { what: 'agent gets it' });
  const agentSide = await agentMessages(agent);
  assert.equal(agentSide.find((m) => m.text === after).seq, Math.max(...before.map((m) => m.seq)) + 1);
  assert.equal(await agent.locator('#mine .item').count(), 1, 'still one conversation');
});

test('a dashboard reload keeps the session and resyncs the transcript without repeats', async () => {
  const before = (await agentMessages(agent)).map((m) => [m.seq, m.text]);
  await agent.reload();
  await agent.locator('#net.ok').waitFor();
  assert.equal(await agent.isVisible('#login'), false, 'still signed in');
  await waitFor(async () => (await agentMessages(agent)).length === before.length, { what: 'transcript resynced' });
  assert.deepEqual((await agentMessages(agent)).map((m) => [m.seq, m.text]), before);
  // And the dashboard keeps working after its reload.
  await agentSend(agent, 'Glad to hear it. Have a nice ride!');
  await waitFor(async () => (await widgetMessages(visitor)).some((m) => m.text === 'Glad to hear it. Have a nice ride!'), { what: 'reply after reload' });
  await screenshot(agent, 'dashboard-after-reload');
});
