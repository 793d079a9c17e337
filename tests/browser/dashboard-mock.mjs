// A dashboard against a scripted agent endpoint and scripted HTTP reads, for tests of what the hub may send.
import { mockSocket } from './harness.mjs';

export const TIERS = ['Support', 'Technical specialists', 'Developers and legal'];
export const inMin = (m) => new Date(Date.now() + m * 60000).toISOString();
export const ME = { id: 'ag_mock0001', name: 'Eva', languages: ['en', 'de'], tier: 1, max_chats: 3, departments: ['support'] };

/** A dashboard signed in as ME against a scripted agent endpoint; HTTP reads answered by `http`. */
export async function mockedDashboard(browser, { onFrame = () => null, http = {}, context = {} } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...context });
  await ctx.addInitScript((me) => {
    if (!localStorage.getItem('switchboard.agent')) localStorage.setItem('switchboard.agent', JSON.stringify({ token: 'mock-token', agent: me }));
  }, ME);
  const page = await ctx.newPage();
  const errors = [], requests = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.route('**/api/**', (route) => {
    const url = new URL(route.request().url());
    requests.push(url.pathname + url.search);
    const key = Object.keys(http).find((k) => (url.pathname + url.search).startsWith(k));
    return route.fulfill({ status: key ? 200 : 404, contentType: 'application/json', body: JSON.stringify(key ? http[key] : { error: { code: 'not_found', message: 'x' } }) });
  });
  const mock = await mockSocket(page, /\/ws\/agent/, (f, m) => onFrame(f, m));
  return { ctx, page, errors, mock, requests };
}
export const view = (id, extra = {}) => ({
  conversation_id: id, ticket: 'SB-' + id.slice(-4), status: 'assigned', department: 'support', language: 'en',
  priority: 'standard', tier: 1, tier_name: 'Support', topic: 'billing', agent: { id: ME.id, name: ME.name }, bot: null,
  visitor: { verified: true, plan: 'premium', name: 'Paula', email: 'paula@example.com', page: 'https://shop.example/checkout',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', timezone: 'Europe/Helsinki' }, last_seq: 3,
  created_at: inMin(-30), ...extra,
});

