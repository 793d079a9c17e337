// Shared harness for the browser tests: a real hub on a free port, a tiny host-page server, chromium via
// playwright-core, identity tokens, and helpers that read the widget and the dashboard.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');
export const ADMIN_TOKEN = 'browser-test-admin-token';
export const SITE_SECRET = 'browser-test-site-secret';

export const CONFIG_24_7 = `
[[sites]]
key = "default"
secret = "${SITE_SECRET}"

[[departments]]
name = "support"
timezone = "Etc/GMT"
hours = "24/7"
`;

function hubBinary() {
  if (process.env.SWITCHBOARD_BIN) return process.env.SWITCHBOARD_BIN;
  const release = path.join(ROOT, 'target/release/switchboard');
  const debug = path.join(ROOT, 'target/debug/switchboard');
  return existsSync(release) || !existsSync(debug) ? release : debug;
}

/** Starts `switchboard serve` on 127.0.0.1:0 with a temp data dir; resolves once it prints its address. */
export async function startHub({ config = CONFIG_24_7, demo = false } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-browser-'));
  const configFile = path.join(dir, 'config.toml');
  writeFileSync(configFile, config);
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', path.join(dir, 'data'), '--config', configFile];
  if (demo) args.push('--demo');
  const child = spawn(hubBinary(), args, {
    env: { ...process.env, SWITCHBOARD_ADMIN_TOKEN: ADMIN_TOKEN, RUST_LOG: process.env.RUST_LOG || 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stderr.on('data', (d) => { logs = (logs + d).slice(-20000); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('hub did not print its address within 20 s\n' + logs)), 20000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`hub exited with ${code}\n${logs}`)); });
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/switchboard listening on (http:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  child.removeAllListeners('exit');
  return {
    url,
    logs: () => logs,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function api(hub, method, p, body, token = ADMIN_TOKEN) {
  const res = await fetch(hub.url + p, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function createAgent(hub, fields) {
  const agent = {
    password: 'secret-pass', languages: ['en', 'de', 'fr', 'es', 'ar'], tier: 1, max_chats: 3,
    departments: ['support'], ...fields,
  };
  const created = await api(hub, 'POST', '/api/admin/agents', agent);
  return { ...agent, ...created };
}

/** HS256 JWT signed with the site's secret, as a site's backend would make it. */
export function identityToken(claims, secret = SITE_SECRET) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ exp: Math.floor(Date.now() / 1000) + 3600, email_verified: true, ...claims })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A host-page server on 127.0.0.1:0: the "customer's website" that embeds the widget from the hub. */
export async function startHostServer() {
  const pages = new Map();
  const server = http.createServer((req, res) => {
    const html = pages.get(new URL(req.url, 'http://x').pathname);
    res.writeHead(html ? 200 : 404, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html || 'not found');
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  let n = 0;
  return {
    /** Registers a page with the documented snippet; returns its URL. */
    page({ hubUrl, settings = {}, css = '', body = '', head = '', widget = true }) {
      const p = `/page${++n}.html`;
      pages.set(p, `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Host page ${n}</title>
<style>${css}</style>${head}</head><body>
<h1 id="host-title">Host page</h1><p id="host-text">Some host content.</p><button id="host-button">Host button</button>${body}
${widget ? `<script>
  window.switchboardSettings = ${JSON.stringify({ hubUrl, site: 'default', ...settings })};
  window.Switchboard = window.Switchboard || function () { (Switchboard.q = Switchboard.q || []).push(arguments); };
</script>
<script async src="${hubUrl}/widget.js"></script>` : ''}
</body></html>`);
      return origin + p;
    },
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Polls fn until it returns a truthy value (returned) or the deadline passes (throws with the last value). */
export async function waitFor(fn, { timeout = 15000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last value: ${last instanceof Error ? last.stack : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export const SCREENSHOTS = path.join(ROOT, 'tests/browser/screenshots');
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/**
 * A scripted hub behind one WebSocket endpoint (page or context `routeWebSocket`): the page talks to it
 * instead of the real hub, so a test can send exactly the frames of a contract the hub may not serve yet.
 * `onFrame(frame, mock)` answers; `mock.frames` holds everything the page sent; `mock.push(frame)` sends.
 */
export async function mockSocket(target, pattern, onFrame) {
  const mock = { frames: [], sockets: [], push(f) { for (const ws of this.sockets) ws.send(JSON.stringify(f)); } };
  await target.routeWebSocket(pattern, (ws) => {
    mock.sockets.push(ws);
    ws.onMessage((data) => {
      let f;
      try { f = JSON.parse(String(data)); } catch { return; }
      mock.frames.push(f);
      const reply = onFrame(f, mock, ws);
      for (const r of [].concat(reply || [])) ws.send(JSON.stringify(r));
    });
    ws.onClose(() => { mock.sockets = mock.sockets.filter((s) => s !== ws); });
  });
  return mock;
}

/* ---- widget helpers (Playwright's CSS locators pierce the open shadow root) ---- */
export async function openWidget(page) {
  const launcher = page.locator('switchboard-widget .launcher');
  await launcher.waitFor();
  // The panel reopens by itself after a reload when it was open; clicking then would close it.
  if ((await launcher.getAttribute('aria-expanded')) !== 'true') await launcher.click();
  await page.locator('switchboard-widget .panel:not([hidden])').waitFor();
}
export async function widgetSend(page, text) {
  await page.locator('switchboard-widget .input').fill(text);
  await page.locator('switchboard-widget .input').press('Enter');
}
/** The widget's transcript as data: [{role, text, seq, lang, pending}] in DOM order; system lines (spec
 * 7.1) only with `{ system: true }`. */
export function widgetMessages(page, { system = false } = {}) {
  return page.evaluate((system) => {
    const root = document.querySelector('switchboard-widget').shadowRoot;
    const lines = [...root.querySelectorAll('.log .msg')].filter((m) => system || !m.classList.contains('system'));
    return lines.map((m) => ({
      role: ['visitor', 'agent', 'bot', 'system'].find((r) => m.classList.contains(r)),
      text: m.querySelector('.text').textContent,
      seq: m.dataset.seq ? Number(m.dataset.seq) : null,
      lang: m.getAttribute('lang'),
      pending: m.classList.contains('pending'),
    }));
  }, system);
}
export function widgetText(page, selector) {
  return page.evaluate((s) => document.querySelector('switchboard-widget').shadowRoot.querySelector(s)?.textContent ?? null, selector);
}

/* ---- dashboard helpers ---- */
export async function agentLogin(page, hubUrl, email, password) {
  await page.goto(hubUrl + '/agent');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('#login-form button[type=submit]');
  await page.locator('#net.ok').waitFor();
}
/** The open chat in the dashboard as data; system lines only with `{ system: true }`. */
export function agentMessages(page, { system = false } = {}) {
  return page.$$eval('#log .msg', (els, system) => els.filter((m) => system || !m.classList.contains('system')).map((m) => ({
    role: ['visitor', 'agent', 'bot', 'system'].find((r) => m.classList.contains(r)),
    text: m.querySelector('.text').textContent,
    seq: m.dataset.seq ? Number(m.dataset.seq) : null,
    pending: m.classList.contains('pending'),
  })), system);
}
export async function agentSend(page, text) {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}
