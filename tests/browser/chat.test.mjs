// A full chat both ways between a visitor page and the dashboard, typing both ways, the title-bar notice,
// resolve and the satisfaction survey.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, createAgent, waitFor, screenshot, openWidget, widgetSend,
  widgetMessages, widgetText, agentLogin, agentMessages, agentSend, api,
} from './harness.mjs';

let hub, host, browser;
before(async () => {
  hub = await startHub();
  host = await startHostServer();
  browser = await launchBrowser();
  await createAgent(hub, { email: 'anna@test.example', name: 'Anna', password: 'anna-pass' });
});
after(async () => {
  await browser?.close();
  await host?.close();
  await hub?.stop();
});

test('visitor and agent chat both ways, then the visitor rates the resolved chat', async () => {
  const agentCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const agent = await agentCtx.newPage();
  await agentLogin(agent, hub.url, 'anna@test.example', 'anna-pass');

  const visitorCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  const visitor = await visitorCtx.newPage();
  await visitor.goto(host.page({ hubUrl: hub.url, settings: { locale: 'en-US' } }));
  await openWidget(visitor);
  await waitFor(async () => /Ask us anything/.test(await widgetText(visitor, '.status')), { what: 'idle status' });

  const first = 'Hello, I ordered a city bike last week and it has not arrived yet. Can you help me?';
  await widgetSend(visitor, first);
  // Own message shows at once, then is confirmed with seq 1.
  await waitFor(async () => (await widgetMessages(visitor)).some((m) => m.text === first), { what: 'own message shown' });
  await waitFor(async () => (await widgetMessages(visitor)).find((m) => m.text === first && m.seq === 1 && !m.pending), { what: 'ack' });

  // The dashboard gets the assignment with the transcript and the visitor's details.
  await agent.locator('#mine .item').first().waitFor();
  await waitFor(async () => (await agentMessages(agent)).some((m) => m.role === 'visitor' && m.text === first), { what: 'agent sees message' });
  const info = await agent.textContent('#conv-info');
  assert.match(info, /EN/);
  assert.match(info, /unverified/);

  // Visitor's status line and ticket.
  await waitFor(async () => /chatting with Anna/.test(await widgetText(visitor, '.status')), { what: 'assigned status' });
  const ticket = await widgetText(visitor, '.ticket');
  assert.match(ticket, /^Ticket \S+/);
  assert.ok((await agent.textContent('#conv-title')).includes(ticket.replace('Ticket ', '')), 'same ticket on both sides');

  // Typing: agent -> visitor and visitor -> agent.
  await agent.fill('#text', 'Let me');
  await agent.type('#text', ' check');
  await waitFor(async () => /Anna is typing/.test(await widgetText(visitor, '.typing')), { what: 'visitor sees typing' });
  await visitor.locator('switchboard-widget .input').pressSequentially('One more');
  await waitFor(async () => /typing/.test(await agent.textContent('#typing')), { what: 'agent sees typing' });
  await visitor.locator('switchboard-widget .input').fill('');

  const reply = 'Hi! Let me check your order. Could you tell me the order number, please?';
  await agent.fill('#text', reply);
  await agent.press('#text', 'Enter');
  await waitFor(async () => (await widgetMessages(visitor)).find((m) => m.role === 'agent' && m.text === reply), { what: 'visitor gets reply' });
  await waitFor(async () => !(await widgetText(visitor, '.typing')), { what: 'typing cleared' });
  const msgs = await widgetMessages(visitor);
  // Seq 2 is the system line "Anna has joined the chat." (spec 7.1), shown as a status line.
  assert.deepEqual(msgs.map((m) => m.seq), [1, 3]);
  const lines = await widgetMessages(visitor, { system: true });
  assert.deepEqual(lines.filter((m) => m.role === 'system').map((m) => [m.seq, m.text]), [[2, 'Anna has joined the chat.']]);
  assert.equal(msgs[1].lang, 'en', 'agent message marked with the conversation language');
  assert.equal(msgs[0].lang, 'en', 'own message marked with the conversation language');

  await widgetSend(visitor, 'Sure, the order number is 4711. Thank you for looking into it!');
  await waitFor(async () => (await agentMessages(agent)).length === 3, { what: 'agent sees second message' });
  assert.deepEqual((await agentMessages(agent)).map((m) => m.seq), [1, 3, 4]);
  await agentSend(agent, 'It ships today. Anything else?');
  await waitFor(async () => (await widgetMessages(visitor)).length === 4, { what: 'four messages' });
  await screenshot(visitor, 'widget-chat');
  await screenshot(agent, 'dashboard-chat');

  // The ticket API agrees with what both sides show.
  const tk = await api(hub, 'GET', `/api/tickets/${encodeURIComponent(ticket.replace('Ticket ', ''))}`);
  assert.deepEqual(tk.messages.map((m) => m.seq), [1, 2, 3, 4, 5]);

  // Resolve -> survey -> rating.
  await agent.click('#resolve');
  await visitor.locator('switchboard-widget .survey:not([hidden])').waitFor();
  await waitFor(async () => /ended/.test(await widgetText(visitor, '.status')), { what: 'resolved status' });
  await visitor.locator('switchboard-widget .stars button[aria-label="4 of 5"]').click();
  await visitor.locator('switchboard-widget .comment').fill('Quick and kind');
  await screenshot(visitor, 'widget-survey');
  await visitor.locator('switchboard-widget .rate').click();
  await waitFor(async () => /Thank you/.test(await widgetText(visitor, '#sq')), { what: 'thanks after rating' });
  const rated = await api(hub, 'GET', `/api/tickets/${encodeURIComponent(ticket.replace('Ticket ', ''))}`);
  assert.equal(rated.status, 'resolved');
  assert.equal(rated.rating?.score, 4);
  assert.equal(rated.rating?.comment, 'Quick and kind');
  await agent.locator('#conv-notice:not([hidden])').waitFor();
  assert.match(await agent.textContent('#conv-notice'), /resolved/);

  await visitorCtx.close();
  await agentCtx.close();
});

test('a message arriving for a conversation the agent is not looking at shows in the title', async () => {
  await createAgent(hub, { email: 'ben@test.example', name: 'Ben', password: 'ben-pass' });
  const agentCtx = await browser.newContext();
  const agent = await agentCtx.newPage();
  await agentLogin(agent, hub.url, 'ben@test.example', 'ben-pass');
  // Anna's dashboard was closed with the first test, so Ben is the only agent online now.
  const visitors = [];
  for (const text of ['Good morning, my brakes are squeaking loudly after the last service.',
    'Hello there, I would like to rent two bikes for the whole weekend please.']) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(host.page({ hubUrl: hub.url }));
    await openWidget(page);
    await widgetSend(page, text);
    await waitFor(async () => /chatting with Ben/.test(await widgetText(page, '.status')), { what: 'assigned to Ben' });
    visitors.push({ ctx, page });
  }
  await waitFor(async () => (await agent.locator('#mine .item').count()) === 2, { what: 'two conversations' });
  // Ben looks at the first visitor's conversation; the second visitor writes.
  const ticketOf = async (page) => (await widgetText(page, '.ticket')).replace('Ticket ', '');
  const itemFor = async (page) => agent.locator('#mine .item', { hasText: '#' + await ticketOf(page) });
  await (await itemFor(visitors[1].page)).locator('.pickrow').click();
  await (await itemFor(visitors[0].page)).locator('.pickrow').click();
  await waitFor(async () => (await agent.title()) === 'Switchboard', { what: 'nothing unread' });
  const other = await (await itemFor(visitors[1].page)).getAttribute('data-id');
  await widgetSend(visitors[1].page, 'Are you still there? I also need helmets for the rental.');
  const unreadIn = async (id) => agent.$eval(`#mine .item[data-id="${id}"]`, (e) => e.querySelector('.unread')?.textContent || '0');
  await waitFor(async () => /^\(\d+\) Switchboard$/.test(await agent.title()), { what: 'title-bar notice' });
  assert.ok(Number(await unreadIn(other)) >= 1);
  await agent.locator(`#mine .item[data-id="${other}"] .pickrow`).click();
  await waitFor(async () => (await agent.title()) === 'Switchboard', { what: 'title cleared after viewing' });
  for (const v of visitors) await v.ctx.close();
  await agentCtx.close();
});
