// The widget on its own: keyboard-only use, isolation from hostile host CSS, Arabic right-to-left,
// a narrow phone, the pre-load command queue, and a closed department's opening time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startHub, startHostServer, launchBrowser, waitFor, screenshot, openWidget, widgetSend, widgetMessages,
  widgetText, SITE_SECRET, createAgent, agentLogin, agentSend,
} from './harness.mjs';

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

/** Which element has focus, looking through the widget's shadow root. */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  if (a && a.tagName === 'SWITCHBOARD-WIDGET') {
    const inner = a.shadowRoot.activeElement;
    return inner ? 'widget:' + inner.className : 'widget';
  }
  return a ? a.id || a.tagName : null;
});

test('keyboard only: Tab to the launcher, Enter opens with focus in the input, Enter sends, Escape closes', async () => {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(host.page({ hubUrl: hub.url }));
  await page.locator('switchboard-widget .launcher').waitFor();
  const label = await page.locator('switchboard-widget .launcher').getAttribute('aria-label');
  assert.equal(label, 'Open chat');

  await page.locator('#host-button').focus();
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'widget:launcher', 'launcher is the next tab stop after the host content');
  await page.keyboard.press('Enter');
  await page.locator('switchboard-widget .panel:not([hidden])').waitFor();
  assert.equal(await focused(page), 'widget:input', 'focus moves into the input on open');
  assert.equal(await page.locator('switchboard-widget .launcher').getAttribute('aria-expanded'), 'true');

  await page.keyboard.type('Hello, I am using only my keyboard to write to you today.');
  await page.keyboard.press('Enter');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'sent with Enter' });
  assert.equal(await page.locator('switchboard-widget .input').inputValue(), '');

  // Every visible control in the panel has an accessible name (aria-label or its own text).
  const unlabelled = await page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
    .querySelectorAll('.panel button, .panel textarea')]
    .filter((e) => e.offsetParent && !(e.getAttribute('aria-label') || e.textContent.trim())).map((e) => e.outerHTML));
  assert.deepEqual(unlabelled, []);
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'widget:sendb', 'send button follows the input');
  await page.keyboard.press('Shift+Tab');

  await page.keyboard.press('Escape');
  await page.locator('switchboard-widget .panel[hidden]').waitFor({ state: 'attached' });
  assert.equal(await focused(page), 'widget:launcher', 'focus returns to the launcher on close');
  assert.equal(await page.locator('switchboard-widget .launcher').getAttribute('aria-expanded'), 'false');
  // The close button works from the keyboard too.
  await page.keyboard.press('Enter');
  await page.locator('switchboard-widget .panel:not([hidden])').waitFor();
  // No agent in this hub: the bot has the chat and offers its "Talk to a person" quick reply.
  await page.locator('switchboard-widget .quick:not([hidden])').waitFor();
  await page.keyboard.press('Shift+Tab'); // "Talk to a person"
  assert.equal(await focused(page), 'widget:chip person');
  // (No "Email me" here: this hub sends no email; email.test.mjs walks that offer.)
  await page.keyboard.press('Shift+Tab'); // log
  await page.keyboard.press('Shift+Tab'); // close button
  assert.equal(await focused(page), 'widget:x');
  await page.keyboard.press('Enter');
  await page.locator('switchboard-widget .panel[hidden]').waitFor({ state: 'attached' });
  assert.equal(await focused(page), 'widget:launcher');
  await ctx.close();
});

const STYLE_PROBES = {
  launcher: '.launcher', panel: '.panel', title: 'h2', status: '.status', log: '.log', msg: '.msg', input: '.input', send: '.sendb',
};
const PROPS = ['display', 'position', 'font-size', 'font-family', 'color', 'background-color', 'width', 'height', 'line-height', 'direction'];
const computed = (page) => page.evaluate(({ probes, props }) => {
  const root = document.querySelector('switchboard-widget').shadowRoot;
  const out = {};
  for (const [name, sel] of Object.entries(probes)) {
    const cs = getComputedStyle(root.querySelector(sel));
    out[name] = Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
  }
  return out;
}, { probes: STYLE_PROBES, props: PROPS });

test('hostile host CSS does not change the widget, and the widget does not change the host', async () => {
  let ctx, page;
  const load = async (css) => {
    await ctx?.close();
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await ctx.newPage();
    await page.goto(host.page({ hubUrl: hub.url, css }));
    await openWidget(page);
    await widgetSend(page, 'Hello, checking how the chat looks on this very colourful page.');
    await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq), { what: 'message shown' });
    await page.locator('switchboard-widget .input').blur();
    return computed(page);
  };
  const clean = await load('');
  const hostile = `
    * { font-size: 40px !important; color: red !important; display: block; line-height: 3 !important;
        font-family: "Comic Sans MS", cursive !important; background: yellow !important; direction: rtl !important; }
    div { display: none !important; }  button, textarea { width: 300px !important; height: 90px !important; }
    section, header, p { position: static !important; }  switchboard-widget { display: none; font-size: 60px !important; }`;
  const dirty = await load(hostile);
  assert.deepEqual(dirty, clean);
  await screenshot(page, 'widget-hostile-css');
  await ctx.close();

  // The other way round: the widget adds no global styles and leaves the host's computed styles alone.
  const hostStyles = async (url) => {
    const c = await browser.newContext();
    const p = await c.newPage();
    await p.goto(url);
    if (url.includes('widget')) await p.locator('switchboard-widget .launcher').waitFor();
    const r = await p.evaluate(() => ({
      sheets: document.styleSheets.length + document.adoptedStyleSheets.length,
      styles: ['host-title', 'host-text', 'host-button'].map((id) => {
        const cs = getComputedStyle(document.getElementById(id));
        return ['font-size', 'font-family', 'color', 'background-color', 'margin-top', 'display', 'direction'].map((k) => cs.getPropertyValue(k));
      }),
      bodyMargin: getComputedStyle(document.body).margin,
    }));
    await c.close();
    return r;
  };
  const without = await hostStyles(host.page({ hubUrl: hub.url, widget: false }));
  const withWidget = await hostStyles(host.page({ hubUrl: hub.url }) + '?widget');
  assert.deepEqual(withWidget, without);
});

test('Arabic interface is right-to-left, and messages carry their language', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ar-EG' });
  const page = await ctx.newPage();
  await page.goto(host.page({ hubUrl: hub.url, settings: { locale: 'ar' } }));
  await openWidget(page);
  const panel = page.locator('switchboard-widget .panel');
  assert.equal(await panel.getAttribute('dir'), 'rtl');
  assert.equal(await panel.getAttribute('lang'), 'ar');
  assert.equal(await panel.evaluate((e) => getComputedStyle(e).direction), 'rtl');
  assert.equal(await page.locator('switchboard-widget .launcher').getAttribute('aria-label'), 'افتح المحادثة');
  assert.equal(await widgetText(page, 'h2'), 'تحدث معنا');
  // The panel sits at the left edge in RTL; the input text starts at the right.
  const box = await panel.boundingBox();
  assert.ok(box.x < 640, `panel on the left, x=${box.x}`);
  assert.equal(await page.locator('switchboard-widget .input').evaluate((e) => getComputedStyle(e).direction), 'rtl');

  await widgetSend(page, 'مرحبا، أحتاج إلى مساعدة في طلب الدراجة الذي قمت به الأسبوع الماضي من فضلكم.');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.seq === 1), { what: 'arabic message acked' });
  const [msg] = await widgetMessages(page);
  assert.equal(msg.lang, 'ar');
  const msgBox = await page.locator('switchboard-widget .msg.visitor').boundingBox();
  assert.ok(msgBox.x + msgBox.width / 2 < box.x + box.width / 2, 'own message aligned to the end (left) side');
  await screenshot(page, 'widget-arabic-rtl');
  await ctx.close();
});

test('narrow phone: the panel is full screen; commands queued before load run (open, setLocale)', async () => {
  const ctx = await browser.newContext({ viewport: { width: 360, height: 720 }, isMobile: true, hasTouch: true });
  const page = await ctx.newPage();
  // Calls made before widget.js loads go to the queue from the snippet.
  await page.goto(host.page({ hubUrl: hub.url, body: `<script>
    window.Switchboard = window.Switchboard || function () { (Switchboard.q = Switchboard.q || []).push(arguments); };
    Switchboard('setLocale', 'de-DE'); Switchboard('open');</script>` }));
  await page.locator('switchboard-widget .panel:not([hidden])').waitFor();
  const box = await page.locator('switchboard-widget .panel').boundingBox();
  assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 360, 720]);
  assert.equal(await widgetText(page, 'h2'), 'Schreiben Sie uns');
  await screenshot(page, 'widget-phone');
  await page.evaluate(() => window.Switchboard('close'));
  await page.locator('switchboard-widget .panel[hidden]').waitFor({ state: 'attached' });
  await page.evaluate(() => window.Switchboard('setLocale', 'fr'));
  assert.equal(await page.locator('switchboard-widget .launcher').getAttribute('aria-label'), 'Ouvrir le chat');
  await ctx.close();
});

test('a closed department says so, with its opening time in the visitor\'s local time', async () => {
  // Open only on a weekday two days from now, so it is closed now and next_change lies in the future.
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const day = days[(new Date().getUTCDay() + 2) % 7];
  const closedHub = await startHub({
    config: `[[sites]]\nkey = "default"\nsecret = "${SITE_SECRET}"\n[[departments]]\nname = "support"\ntimezone = "Etc/GMT"\nhours = { ${day} = "09:00-17:00" }\n`,
  });
  try {
    const status = await (await fetch(closedHub.url + '/api/status')).json();
    const dept = status.departments.find((d) => d.name === 'support');
    assert.equal(dept.open, false);
    const ctx = await browser.newContext({ locale: 'en-US', timezoneId: 'America/New_York' });
    const page = await ctx.newPage();
    await page.goto(host.page({ hubUrl: closedHub.url, settings: { locale: 'en-US' } }));
    await openWidget(page);
    const expected = await page.evaluate((iso) => new Intl.DateTimeFormat('en-US', { weekday: 'long', hour: 'numeric', minute: '2-digit' }).format(new Date(iso)), dept.next_change);
    await waitFor(async () => (await widgetText(page, '.status')) === `We are closed right now. We open ${expected}.`, { what: 'closed status with local opening time' });
    await screenshot(page, 'widget-closed');
    await ctx.close();
  } finally {
    await closedHub.stop();
  }
});

test('the visitor ends the chat: resolved, and the survey is offered once a person answered', async () => {
  // Only the bot in the first chat: ending it asks for no rating (there was nobody to rate).
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(host.page({ hubUrl: hub.url }));
  await openWidget(page);
  await widgetSend(page, 'Hello, I just wanted to ask about your opening hours on Saturdays.');
  await page.locator('switchboard-widget .end:not([hidden])').click();
  await waitFor(async () => /ended/.test(await widgetText(page, '.status')), { what: 'resolved status' });
  assert.equal(await page.locator('switchboard-widget .end').isHidden(), true);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.locator('switchboard-widget .survey').isHidden(), true, 'no survey after a bot-only chat');

  // A second chat that an agent answers: the survey comes, and is rated by keyboard.
  const agent = await createAgent(hub, { email: 'kira@test.example', name: 'Kira', password: 'kira-pass' });
  const actx = await browser.newContext();
  const dash = await actx.newPage();
  await agentLogin(dash, hub.url, agent.email, 'kira-pass');
  await widgetSend(page, 'Hello again, are you open on Saturday afternoons as well?');
  await dash.locator('#mine .item').waitFor();
  await dash.click('#mine .item .pickrow');
  await agentSend(dash, 'Yes, until 16:00.');
  await waitFor(async () => (await widgetMessages(page)).some((m) => m.role === 'agent'), { what: 'agent reply' });
  await page.locator('switchboard-widget .end:not([hidden])').click();
  await page.locator('switchboard-widget .survey:not([hidden])').waitFor();
  await actx.close();
  // Rating by keyboard: focus a star, Enter, then the send button.
  await page.locator('switchboard-widget .stars button[aria-label="5 of 5"]').focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.locator('switchboard-widget .stars button[aria-label="5 of 5"]').getAttribute('aria-pressed'), 'true');
  await page.locator('switchboard-widget .rate').focus();
  await page.keyboard.press('Enter');
  await waitFor(async () => /Thank you/.test(await widgetText(page, '#sq')), { what: 'thanks' });
  await ctx.close();
});

test('the served widget is one script under the 25 KB gzipped budget, and the dashboard script parses', async () => {
  const { gzipSync } = await import('node:zlib');
  const widget = await fetch(hub.url + '/widget.js').then((r) => r.text());
  const gz = gzipSync(Buffer.from(widget)).length;
  assert.ok(gz < 25 * 1024, `widget.js is ${gz} bytes gzipped, over the 25 KB budget`);
  // The parts joined by the hub (src/web.rs) form one valid script each.
  new Function(widget);
  new Function(await fetch(hub.url + '/agent.js').then((r) => r.text()));
});

test('phone: every text field of the widget is at least 16 px, so iOS does not zoom on focus', async () => {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const page = await ctx.newPage();
  // The host page's own text is small; the widget must not inherit it.
  await page.goto(host.page({ hubUrl: hub.url, css: 'html { font-size: 12px; } body { font-size: 13px; }' }));
  await openWidget(page);
  const sizes = await page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot
    .querySelectorAll('textarea, input')].map((e) => [e.className, parseFloat(getComputedStyle(e).fontSize)]));
  assert.ok(sizes.some(([cls]) => cls === 'input'), 'the message input is there');
  for (const [cls, px] of sizes) assert.ok(px >= 16, `.${cls} is ${px}px: iOS zooms into fields under 16px`);
  await ctx.close();
});

test('the site\'s bot_name: the built-in bot greets with it, its messages and the status line carry it', async () => {
  const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const day = days[(new Date().getUTCDay() + 2) % 7];
  const botHub = await startHub({
    config: `[[sites]]\nkey = "default"\nsecret = "${SITE_SECRET}"\nbot_name = "Velo"\n[[departments]]\nname = "support"\ntimezone = "Etc/GMT"\nhours = { ${day} = "09:00-17:00" }\n`,
  });
  try {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const page = await ctx.newPage();
    await page.goto(host.page({ hubUrl: botHub.url, settings: { locale: 'en-US' } }));
    await openWidget(page);
    await widgetSend(page, 'Hello, where is my parcel? It should have arrived yesterday.');
    // Closed: the bot takes the chat and greets under the site's name.
    await waitFor(async () => (await widgetMessages(page)).some((m) => m.role === 'bot' && m.text.startsWith("Hello, I'm Velo")), { what: 'the greeting' });
    const who = await page.evaluate(() => [...document.querySelector('switchboard-widget').shadowRoot.querySelectorAll('.log .msg.bot .who')].map((e) => e.textContent));
    assert.ok(who.length && who.every((n) => n === 'Velo'), JSON.stringify(who));
    assert.match(await widgetText(page, '.status'), /^Velo is helping you/);
    await ctx.close();
  } finally {
    await botHub.stop();
  }
});
