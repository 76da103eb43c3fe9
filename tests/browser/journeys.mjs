// Browser journeys for the Radix web interface: headless Debian Chromium driven by
// playwright-core, with axe-core accessibility checks on every public page in every language.
//
// Before the server starts, an administrator is created with `radix user create-admin` in the
// same temporary data directory; the journeys then sign in (password, TOTP enrolment computed
// here from the shown secret, recovery code), use the administration screens, and sign out.
//
// Usage (from the repository root, after `cargo build` and `npm ci` in tests/browser):
//   node tests/browser/journeys.mjs
//
// Environment:
//   RADIX_BIN        server binary (default: target/debug/radix)
//   CHROMIUM_PATH    browser executable (default: /usr/bin/chromium; never downloaded)
//   SCREENSHOT_DIR   when set, full-page screenshots of /nl/, /en/municipalities/21009 and,
//                    signed in, /nl/account and /nl/admin/accounts at 1280 px wide are written there
//
// The last line printed is always `N passed, M failed`; the exit code is 1 when anything failed.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const RADIX_BIN = path.resolve(REPO, process.env.RADIX_BIN || 'target/debug/radix');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const AXE_SOURCE_PATH = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR || '';

const TOTAL_TIMEOUT_MS = 5 * 60 * 1000;
const CLI_TIMEOUT_MS = 60 * 1000;
const HEALTH_TIMEOUT_MS = 60 * 1000;
const NAV_TIMEOUT_MS = 20 * 1000;

const LANGUAGES = ['nl', 'fr', 'de', 'en'];
const ADMIN = {
  email: 'admin@radix.test',
  name: "Anouk D'Hondt",
  password: 'Wolken boven de Schelde in maart',
  language: 'nl',
};
const INVITEE = {
  email: 'prevention@gent.be',
  name: 'Élodie Dupont-Van den Broeck',
  language: 'fr',
  role: 'municipal',
  municipalities: '44021',
};
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Pages checked in every language. `status` is the expected HTTP status; `statuses` allows a set.
function pagesFor(lang) {
  return [
    { name: 'home', path: `/${lang}/`, status: 200 },
    { name: 'municipality 21009', path: `/${lang}/municipalities/21009`, status: 200 },
    { name: 'directory', path: `/${lang}/municipalities`, status: 200 },
    {
      name: 'directory with error state',
      path: `/${lang}/municipalities?date=2019-02-30&q=gent`,
      statuses: [200, 400, 422],
      expectSelector: '.error-summary',
    },
    { name: 'offer overview', path: `/${lang}/offer`, status: 200 },
    { name: 'offer livc-r', path: `/${lang}/offer/livc-r`, status: 200 },
    { name: 'offer awareness-day', path: `/${lang}/offer/awareness-day`, status: 200 },
    { name: 'offer project-support', path: `/${lang}/offer/project-support`, status: 200 },
    { name: 'livc-r', path: `/${lang}/livc-r`, status: 200 },
    { name: 'contact', path: `/${lang}/contact`, status: 200 },
    { name: 'privacy', path: `/${lang}/privacy`, status: 200 },
    { name: 'accessibility', path: `/${lang}/accessibility`, status: 200 },
    { name: 'not found', path: `/${lang}/no-such-page`, status: 404 },
    { name: 'sign-in', path: `/${lang}/sign-in`, status: 200, expectSelector: '#email' },
    { name: 'password reset', path: `/${lang}/password-reset`, status: 200, expectSelector: '#email' },
  ];
}

// Pages behind the sign-in, checked in every language once the administrator is signed in.
function signedInPagesFor(lang) {
  return [
    { name: 'account', path: `/${lang}/account`, status: 200, expectSelector: '#display_name' },
    { name: 'admin accounts', path: `/${lang}/admin/accounts`, status: 200, expectSelector: 'nav.admin-nav' },
    { name: 'admin audit', path: `/${lang}/admin/audit`, status: 200, expectSelector: 'nav.admin-nav' },
    { name: 'admin outbox', path: `/${lang}/admin/outbox`, status: 200, expectSelector: 'nav.admin-nav' },
  ];
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping

const results = []; // { name, ok, details: string[] }

function record(name, problems) {
  const ok = problems.length === 0;
  results.push({ name, ok, details: problems });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!ok) for (const p of problems) console.log(`       - ${p}`);
}

async function check(name, fn) {
  let problems;
  try {
    problems = (await fn()) || [];
  } catch (err) {
    problems = [`exception: ${err && err.message ? err.message.split('\n')[0] : String(err)}`];
  }
  record(name, problems);
}

let finished = false;
function finish(extraFailure) {
  if (finished) return;
  finished = true;
  if (extraFailure) results.push({ name: 'run', ok: false, details: [extraFailure] });
  const failed = results.filter((r) => !r.ok);
  const passed = results.length - failed.length;
  console.log('');
  console.log('== Summary ==');
  if (failed.length === 0) {
    console.log(`All ${results.length} checks passed.`);
  } else {
    console.log(`${failed.length} of ${results.length} checks failed:`);
    for (const f of failed) {
      console.log(`  * ${f.name}`);
      for (const d of f.details) console.log(`      - ${d}`);
    }
    if (serverLog.length) {
      console.log('  Last server log lines:');
      for (const line of serverLog.slice(-15)) console.log(`      | ${line}`);
    }
  }
  console.log(`${passed} passed, ${failed.length} failed`);
}

// ---------------------------------------------------------------------------------------------
// Server and browser lifecycle

let child = null;
let childExited = false;
let cliChild = null; // the short-lived `radix user create-admin` process, while it runs
const serverLog = [];
let context = null;
const tempDirs = [];

function killChild(signal = 'SIGTERM') {
  if (child && !childExited && child.pid) {
    try {
      process.kill(child.pid, signal);
    } catch {
      /* already gone */
    }
  }
  if (cliChild && cliChild.exitCode === null && cliChild.signalCode === null && cliChild.pid) {
    try {
      process.kill(cliChild.pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function removeTempDirs() {
  for (const dir of tempDirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* best effort */
    }
  }
}

async function stopChild() {
  if (!child || childExited) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  killChild('SIGTERM');
  const timer = new Promise((resolve) => setTimeout(resolve, 5000, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout') {
    killChild('SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  }
}

async function closeBrowser() {
  if (!context) return;
  const ctx = context;
  context = null;
  await Promise.race([ctx.close().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
}

// Last resort: whatever happens, never leave the server behind.
process.on('exit', () => killChild('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killChild('SIGKILL');
    finish(`interrupted by ${sig}`);
    removeTempDirs();
    process.exit(1);
  });
}

const globalTimer = setTimeout(async () => {
  killChild('SIGKILL');
  finish(`global timeout of ${TOTAL_TIMEOUT_MS / 1000} s exceeded`);
  await Promise.race([closeBrowser(), new Promise((r) => setTimeout(r, 3000))]);
  removeTempDirs();
  process.exit(1);
}, TOTAL_TIMEOUT_MS);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function serverEnv() {
  const env = { ...process.env, RADIX_LOG_FORMAT: 'text', NO_COLOR: '1' };
  for (const key of ['RADIX_DATABASE_URL', 'RADIX_CONFIG', 'RADIX_DEMO', 'RADIX_BASE_URL', 'RADIX_DATA_DIR', 'RADIX_ADMIN_PASSWORD']) {
    delete env[key];
  }
  return env;
}

// `radix --data-dir DIR user create-admin …`, bounded by CLI_TIMEOUT_MS (then killed by PID).
function createAdmin(dataDir) {
  return new Promise((resolve, reject) => {
    const env = { ...serverEnv(), RADIX_ADMIN_PASSWORD: ADMIN.password };
    const args = ['--data-dir', dataDir, 'user', 'create-admin', '--email', ADMIN.email, '--name', ADMIN.name, '--language', ADMIN.language];
    const output = [];
    cliChild = spawn(RADIX_BIN, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => output.push(chunk.toString());
    cliChild.stdout.on('data', keep);
    cliChild.stderr.on('data', keep);
    const timer = setTimeout(() => {
      try {
        process.kill(cliChild.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`radix user create-admin did not finish within ${CLI_TIMEOUT_MS / 1000} s`));
    }, CLI_TIMEOUT_MS);
    cliChild.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`radix user create-admin: ${err.message}`));
    });
    cliChild.on('exit', (code, signal) => {
      clearTimeout(timer);
      const text = output.join('').replace(/\x1b\[[0-9;]*m/g, '').trim();
      if (code === 0) resolve(text);
      else reject(new Error(`radix user create-admin exited with ${code ?? signal}: ${text.split('\n').slice(-3).join(' | ')}`));
    });
  });
}

async function startServer() {
  if (!existsSync(RADIX_BIN)) throw new Error(`${RADIX_BIN} not found: run cargo build first`);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'radix-journeys-data-'));
  tempDirs.push(dataDir);
  const env = serverEnv();

  // A failure here is recorded; the public pages are still checked and the signed-in
  // journeys then fail on their own.
  await check(`setup: radix user create-admin --email ${ADMIN.email}`, async () => {
    await createAdmin(dataDir);
    return [];
  });

  child = spawn(RADIX_BIN, ['serve', '--bind', `127.0.0.1:${port}`, '--data-dir', dataDir], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('exit', () => {
    childExited = true;
  });
  child.on('error', (err) => {
    childExited = true;
    serverLog.push(`spawn error: ${err.message}`);
  });
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim()) serverLog.push(line.replace(/\x1b\[[0-9;]*m/g, ''));
    }
    if (serverLog.length > 200) serverLog.splice(0, serverLog.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (childExited) throw new Error(`radix serve exited early (code ${child.exitCode})`);
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return base;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`radix serve did not answer /healthz within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

// ---------------------------------------------------------------------------------------------
// Per-page observation: console errors, page errors, CSP violations, dialogs

const observed = { console: [], pageErrors: [], csp: [], dialogs: [] };
let axeActive = false;

function resetObserved() {
  observed.console = [];
  observed.pageErrors = [];
  observed.csp = [];
  observed.dialogs = [];
}

function observe(page) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    observed.console.push({ text: msg.text(), url: msg.location()?.url || '', duringAxe: axeActive });
  });
  page.on('pageerror', (err) => observed.pageErrors.push(err.message.split('\n')[0]));
  page.on('dialog', (dialog) => {
    observed.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
}

// Reported from the page through a CDP binding, so the listener works under the site's CSP.
const CSP_LISTENER = `
  document.addEventListener('securitypolicyviolation', (e) => {
    try {
      window.__radixReportCsp({
        directive: e.violatedDirective || e.effectiveDirective,
        blocked: e.blockedURI,
        source: e.sourceFile,
        line: e.lineNumber,
        sample: e.sample,
      });
    } catch (_) {}
  }, true);
`;

let axeSource = '';

async function runAxe(page) {
  axeActive = true;
  try {
    // Evaluated through the DevTools protocol, which the page's CSP (script-src 'self', no
    // inline scripts) does not govern: no bypassCSP needed, so real CSP violations stay visible.
    const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
    if (!hasAxe) await page.evaluate(`${axeSource}\n;void 0;`);
    return await page.evaluate(async (tags) => {
      const result = await window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.length,
        targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
      }));
    }, AXE_TAGS);
  } finally {
    // Let any event queued by the injection arrive before the window closes.
    await page.waitForTimeout(50);
    axeActive = false;
  }
}

function describeViolation(v) {
  return `axe ${v.id} [${v.impact}] ${v.help} (${v.nodes} node${v.nodes === 1 ? '' : 's'}: ${v.targets.join(' | ')})`;
}

// Problems noticed outside the axe injection window (console, page errors, CSP, dialogs).
function hygieneProblems({ allowDocumentStatus = false, pageUrl = '' } = {}) {
  const problems = [];
  for (const c of observed.console) {
    if (c.duringAxe) continue;
    // Chromium logs a non-2xx main document as "Failed to load resource"; that is expected here.
    if (allowDocumentStatus && /Failed to load resource/.test(c.text) && c.url === pageUrl) continue;
    problems.push(`console error: ${c.text}${c.url ? ` (${c.url})` : ''}`);
  }
  for (const e of observed.pageErrors) problems.push(`page error: ${e}`);
  for (const v of observed.csp) {
    if (v.duringAxe) continue;
    problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || '?'} at ${v.source || '?'}:${v.line || '?'}`);
  }
  for (const d of observed.dialogs) problems.push(`dialog opened: ${d}`);
  return problems;
}

async function goto(page, url) {
  resetObserved();
  const response = await page.goto(url, { waitUntil: 'load', timeout: NAV_TIMEOUT_MS });
  return response;
}

// ---------------------------------------------------------------------------------------------
// Checks

// Status, <html lang>, title, no redirect away from the requested path, an expected element,
// axe, and page hygiene: for the page currently shown, however it was reached.
async function auditShownPage(page, label, { url, response, loadError = null, lang, statuses, expectSelector, expectPath }) {
  await check(`${label}: status and lang`, async () => {
    if (loadError) return [`could not load ${url}: ${loadError}`];
    const problems = [];
    const status = response ? response.status() : 0;
    if (!statuses.includes(status)) problems.push(`${url}: HTTP ${status}, expected ${statuses.join(' or ')}`);
    const wantPath = expectPath || new URL(url).pathname;
    const shownPath = new URL(page.url()).pathname;
    if (shownPath !== wantPath) problems.push(`${url}: ended on ${page.url()}, expected path ${wantPath}`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) problems.push(`${url}: <html lang="${htmlLang}">, expected "${lang}"`);
    const title = await page.title();
    if (!title.trim()) problems.push(`${url}: empty <title>`);
    if (expectSelector && (await page.locator(expectSelector).count()) === 0) {
      problems.push(`${url}: expected ${expectSelector} on the page`);
    }
    return problems;
  });

  if (loadError) return;

  await check(`${label}: axe ${AXE_TAGS.join('/')}`, async () => {
    const violations = await runAxe(page);
    return violations.map((v) => `${url}: ${describeViolation(v)}`);
  });

  await check(`${label}: no console errors, page errors, CSP violations or dialogs`, async () => {
    // Give late console messages and CSP reports a moment to arrive.
    await page.waitForTimeout(100);
    const status = response ? response.status() : 0;
    return hygieneProblems({ allowDocumentStatus: status >= 400, pageUrl: url }).map((p) => `${url}: ${p}`);
  });
}

async function checkPage(page, base, lang, spec) {
  const url = `${base}${spec.path}`;
  const label = `[${lang}] ${spec.name} ${spec.path}`;
  let response = null;
  let loadError = null;
  try {
    response = await goto(page, url);
  } catch (err) {
    loadError = err.message.split('\n')[0];
  }
  await auditShownPage(page, label, {
    url,
    response,
    loadError,
    lang,
    statuses: spec.statuses || [spec.status],
    expectSelector: spec.expectSelector,
  });
}

// Clicks `selector` (a submit button) and waits for the page that finally loads: the
// document response after any redirects. Resets the observations first, like goto().
async function submitForm(page, selector) {
  resetObserved();
  const finalDocument = page.waitForResponse(
    (r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame() && (r.status() < 300 || r.status() >= 400),
    { timeout: NAV_TIMEOUT_MS },
  );
  await page.click(selector);
  const response = await finalDocument;
  await page.waitForLoadState('load');
  return response;
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238 over RFC 4226), computed here from the secret the enrolment page shows

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  const bytes = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(ch)} in the secret`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

function hotp(key, counter, digits = 6) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 10 ** digits).padStart(digits, '0');
}

function totp(key, unixSeconds = Date.now() / 1000, digits = 6) {
  return hotp(key, Math.floor(unixSeconds / 30), digits);
}

async function journeyLanguageSwitch(page, base) {
  await check('journey: language switch nl → fr on municipality 21009', async () => {
    await goto(page, `${base}/nl/municipalities/21009`);
    const link = page.locator('nav.language-switcher a[hreflang=fr]');
    if ((await link.count()) !== 1) return ['no single French link in nav.language-switcher'];
    await Promise.all([page.waitForURL((u) => u.pathname === '/fr/municipalities/21009', { timeout: NAV_TIMEOUT_MS }), link.click()]);
    await page.waitForLoadState('load');
    const problems = [];
    const { pathname } = new URL(page.url());
    if (pathname !== '/fr/municipalities/21009') problems.push(`URL is ${page.url()}, expected /fr/municipalities/21009`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== 'fr') problems.push(`<html lang="${htmlLang}">, expected "fr"`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeySearch(page, base) {
  await check('journey: home search "sint joost" finds 21014', async () => {
    await goto(page, `${base}/en/`);
    await page.fill('#home-q', 'sint joost');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/en/municipalities', { timeout: NAV_TIMEOUT_MS }),
      page.press('#home-q', 'Enter'),
    ]);
    await page.waitForLoadState('load');
    const problems = [];
    const u = new URL(page.url());
    if (u.searchParams.get('q') !== 'sint joost') problems.push(`search URL is ${page.url()}, expected q=sint joost`);
    const hits = await page.locator('table a[href="/en/municipalities/21014"]').count();
    if (hits < 1) {
      const rows = await page.locator('table tbody tr').count();
      problems.push(`${page.url()}: no link to /en/municipalities/21014 in the result table (${rows} rows)`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeyKeyboard(page, base) {
  await check('journey: keyboard Tab reaches skip link, Enter moves to #main', async () => {
    await goto(page, `${base}/nl/`);
    // Start from the document, not from wherever a previous page left the focus.
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    await page.keyboard.press('Tab');
    const problems = [];
    const first = await page.evaluate(() => {
      const el = document.activeElement;
      return {
        isSkip: !!el && el.matches('a.skip-link'),
        desc: el ? `${el.tagName.toLowerCase()}${el.className ? '.' + el.className : ''}` : 'none',
        visible: !!el && el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1,
      };
    });
    if (!first.isSkip) {
      problems.push(`first Tab focused ${first.desc}, expected a.skip-link`);
      return problems;
    }
    if (!first.visible) problems.push('skip link is focused but not visible');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#main', null, { timeout: 5000 }).catch(() => {});
    const after = await page.evaluate(() => ({
      hash: location.hash,
      focus: document.activeElement ? document.activeElement.id || document.activeElement.tagName.toLowerCase() : 'none',
      inMain: !!document.activeElement && !!document.activeElement.closest('#main'),
    }));
    if (after.hash !== '#main') problems.push(`hash is "${after.hash}" after Enter, expected "#main"`);
    if (!after.inMain) problems.push(`focus is on ${after.focus} after Enter, expected #main`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

// ---------------------------------------------------------------------------------------------
// Signed-in journeys: sign-in, second factor, administration, sign-out

const SIGN_IN_BUTTON = 'main form[action$="/sign-in"] button[type=submit]';
const ENROL_BUTTON = 'main form[action$="/account/second-factor"] button[type=submit]';
const VERIFY_BUTTON = 'main form[action$="/sign-in/second-factor"] button[type=submit]';
const INVITE_BUTTON = 'main form[action$="/admin/accounts"] button[type=submit]';
const SIGN_OUT_BUTTON = 'form[action$="/sign-out"] button';

function errorText(err) {
  return err && err.message ? err.message.split('\n')[0] : String(err);
}

// Fills the sign-in form on /{lang}/sign-in and submits it; returns the final response.
async function submitSignIn(page, base, lang, email, password) {
  await goto(page, `${base}/${lang}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  return submitForm(page, SIGN_IN_BUTTON);
}

async function journeyFailedSignIn(page, base) {
  // One failure per language: four in all, below the lock threshold of the account (five);
  // the successful sign-in that follows clears the account's counter.
  for (const lang of LANGUAGES) {
    const url = `${base}/${lang}/sign-in`;
    let response = null;
    let loadError = null;
    try {
      response = await submitSignIn(page, base, lang, ADMIN.email, 'Zonnig boven de Leie in mei');
    } catch (err) {
      loadError = errorText(err);
    }
    await auditShownPage(page, `[${lang}] sign-in after a wrong password`, {
      url,
      response,
      loadError,
      lang,
      statuses: [401],
      expectSelector: '.error-summary',
    });
    if (loadError) continue;
    await check(`[${lang}] sign-in after a wrong password: e-mail kept, password emptied`, async () => {
      const problems = [];
      const email = await page.inputValue('#email');
      const password = await page.inputValue('#password');
      if (email !== ADMIN.email) problems.push(`#email is "${email}", expected "${ADMIN.email}"`);
      if (password !== '') problems.push('#password still holds a value');
      return problems;
    });
  }
}

// Signs the administrator in, enrols the second factor with a TOTP code computed here, and
// returns the recovery codes shown (empty when the journey could not get that far).
async function journeySignInAndEnrol(page, base) {
  let response = null;
  let loadError = null;
  try {
    response = await submitSignIn(page, base, 'nl', ADMIN.email, ADMIN.password);
  } catch (err) {
    loadError = errorText(err);
  }
  let secret = '';
  await check('journey: administrator signs in on /nl/sign-in and is sent to second-factor enrolment', async () => {
    if (loadError) return [`sign-in failed: ${loadError}`];
    const problems = [];
    const { pathname } = new URL(page.url());
    if (pathname !== '/nl/account/second-factor') problems.push(`landed on ${page.url()}, expected /nl/account/second-factor`);
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main .qr svg').count()) !== 1) problems.push('no inline <svg> QR code inside .qr');
    const shown = page.locator('main p.secret');
    if ((await shown.count()) !== 1) {
      problems.push('no single p.secret with the secret as text');
    } else {
      const text = (await shown.textContent()).trim();
      if (!/^[A-Z2-7 ]{16,}=*$/.test(text)) problems.push(`p.secret "${text}" does not look like base32`);
      else secret = text;
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!secret) return [];
  await auditShownPage(page, '[nl] second-factor enrolment /nl/account/second-factor', {
    url: `${base}/nl/account/second-factor`,
    response,
    lang: 'nl',
    statuses: [200],
    expectSelector: '.qr svg',
  });

  for (const lang of LANGUAGES.filter((l) => l !== 'nl')) {
    await checkPage(page, base, lang, {
      name: 'second-factor enrolment',
      path: `/${lang}/account/second-factor`,
      status: 200,
      expectSelector: '.qr svg',
    });
    await check(`[${lang}] second-factor enrolment: the same secret is shown again`, async () => {
      const again = ((await page.locator('main p.secret').textContent()) || '').trim();
      return again === secret ? [] : [`p.secret is "${again}", was "${secret}" on /nl/account/second-factor`];
    });
  }

  const key = base32Decode(secret);
  await check('TOTP: RFC 6238 test vector (SHA-1, T=59) gives 94287082', async () => {
    const code = totp(Buffer.from('12345678901234567890'), 59, 8);
    return code === '94287082' ? [] : [`computed ${code}`];
  });

  // A wrong code first: the error state of the enrolment page.
  const now = Date.now() / 1000;
  const near = new Set([-2, -1, 0, 1, 2].map((step) => totp(key, now + step * 30)));
  const wrong = ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !near.has(c));
  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/account/second-factor`);
    await page.fill('#code', wrong);
    response = await submitForm(page, ENROL_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor enrolment with a wrong code', {
    url: `${base}/nl/account/second-factor`,
    response,
    loadError,
    lang: 'nl',
    statuses: [422],
    expectSelector: '.error-summary',
  });

  // The right code: the recovery codes are shown once.
  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/account/second-factor`);
    await page.fill('#code', totp(key));
    response = await submitForm(page, ENROL_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  let codes = [];
  await check('journey: current TOTP code confirms the enrolment and shows 10 recovery codes', async () => {
    if (loadError) return [`submitting the code failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    codes = (await page.locator('main ul.codes li').allTextContents()).map((c) => c.trim());
    if (codes.length !== 10) problems.push(`${codes.length} recovery codes shown, expected 10`);
    if (new Set(codes).size !== codes.length) problems.push('recovery codes are not all different');
    // Ten characters without look-alikes (no 0/o, 1/l/i), written as two groups of five.
    const bad = codes.filter((c) => !/^[a-hjkmnp-z2-9]{5}-[a-hjkmnp-z2-9]{5}$/.test(c));
    if (bad.length) problems.push(`odd recovery codes: ${bad.join(', ')}`);
    problems.push(...hygieneProblems());
    return problems;
  });
  if (loadError) return [];
  await auditShownPage(page, '[nl] recovery codes after enrolment', {
    url: `${base}/nl/account/second-factor`,
    response,
    lang: 'nl',
    statuses: [200],
    expectSelector: 'ul.codes li',
  });

  // The recovery-codes page is the first page of the upgraded session: its header should offer
  // the account links, and its sign-out form should carry that session's CSRF token.
  await check('[nl] recovery codes: the header belongs to the new, fully signed-in session', async () => {
    const problems = [];
    const tokenSelector = 'form[action$="/sign-out"] input[name=csrf]';
    if ((await page.locator('nav.account-nav a[href="/nl/account"]').count()) !== 1) {
      problems.push('header has no "/nl/account" link (it is rendered for the partial session)');
    }
    const shownToken = await page.getAttribute(tokenSelector, 'value');
    await goto(page, `${base}/nl/account`);
    const sessionToken = await page.getAttribute(tokenSelector, 'value');
    if (shownToken !== sessionToken) {
      problems.push("the header's sign-out form carries the CSRF token of the partial session; signing out from this page is refused (403)");
    }
    return problems;
  });
  return codes;
}

async function fillInvite(page, email) {
  await page.fill('#email', email);
  await page.fill('#display_name', INVITEE.name);
  await page.selectOption('#language', INVITEE.language);
  await page.selectOption('#role', INVITEE.role);
  await page.fill('#municipalities', INVITEE.municipalities);
}

async function journeyInvite(page, base) {
  const url = `${base}/nl/admin/accounts`;
  let response = null;
  let loadError = null;
  try {
    await goto(page, url);
    // Let the server judge the address, not the browser.
    await page.$eval('#email', (e) => {
      e.type = 'text';
    });
    await fillInvite(page, 'not-an-email');
    response = await submitForm(page, INVITE_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] invite with an invalid e-mail address', {
    url,
    response,
    loadError,
    lang: 'nl',
    statuses: [400, 422],
    expectSelector: '.error-summary',
  });
  if (!loadError) {
    await check('[nl] invite with an invalid e-mail address: the form keeps what was typed', async () => {
      const problems = [];
      const kept = {
        '#email': 'not-an-email',
        '#display_name': INVITEE.name,
        '#language': INVITEE.language,
        '#role': INVITEE.role,
        '#municipalities': INVITEE.municipalities,
      };
      for (const [sel, want] of Object.entries(kept)) {
        const got = await page.inputValue(sel);
        if (got !== want) problems.push(`${sel} is "${got}", expected "${want}"`);
      }
      return problems;
    });
  }

  response = null;
  loadError = null;
  try {
    await fillInvite(page, INVITEE.email);
    response = await submitForm(page, INVITE_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await check(`journey: invite ${INVITEE.email} as municipal contact for ${INVITEE.municipalities}`, async () => {
    if (loadError) return [`submitting the invitation failed: ${loadError}`];
    const problems = [];
    if (response.status() !== 200) problems.push(`HTTP ${response.status()}, expected 200`);
    if ((await page.locator('main .success').count()) !== 1) problems.push('no .success notice');
    if ((await page.locator('main .error-summary').count()) !== 0) {
      problems.push(`error shown: ${(await page.locator('main .error-summary').textContent()).trim()}`);
    }
    const row = page.locator('main table tbody tr', { hasText: INVITEE.email });
    if ((await row.count()) !== 1) {
      problems.push(`no single row for ${INVITEE.email} in the account table`);
    } else {
      const text = await row.textContent();
      if (!text.includes(INVITEE.name)) problems.push(`the row does not show the name "${INVITEE.name}"`);
      if (!text.includes(INVITEE.municipalities)) problems.push(`the row does not show municipality ${INVITEE.municipalities}`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
  if (!loadError) {
    await auditShownPage(page, '[nl] accounts after a successful invitation', {
      url,
      response,
      lang: 'nl',
      statuses: [200],
      expectSelector: '.success',
    });
  }
}

// Returns the path of the invitation link found in the outbox message ('' when none).
async function journeyOutbox(page, base) {
  await checkPage(page, base, 'nl', { name: 'admin outbox after the invitation', path: '/nl/admin/outbox', status: 200 });
  let messagePath = '';
  await check(`journey: outbox lists the invitation to ${INVITEE.email}`, async () => {
    const row = page.locator('main table tbody tr').first();
    if ((await row.count()) === 0) return ['the outbox table has no rows'];
    const problems = [];
    const text = await row.textContent();
    if (!text.includes(INVITEE.email)) problems.push(`first row does not mention ${INVITEE.email}: ${text.trim()}`);
    const href = await row.locator('a').first().getAttribute('href');
    if (!href || !/^\/nl\/admin\/outbox\/[^/]+$/.test(href)) problems.push(`first row links to ${href}`);
    else messagePath = href;
    return problems;
  });
  if (!messagePath) return '';
  let invitationPath = '';
  for (const lang of LANGUAGES) {
    const p = messagePath.replace(/^\/nl\//, `/${lang}/`);
    await checkPage(page, base, lang, { name: 'outbox message', path: p, status: 200, expectSelector: 'pre.mail' });
    if (lang !== 'nl') continue;
    await check('[nl] outbox message: the invitation is in French and links to /fr/invitation/…', async () => {
      const body = (await page.locator('main pre.mail').textContent()) || '';
      const link = body.match(/https?:\/\/\S+?(\/fr\/invitation\/[A-Za-z0-9_-]+)/);
      const problems = [];
      if (!link) problems.push(`no /fr/invitation/ link in the message text: ${body.slice(0, 200)}`);
      else invitationPath = link[1];
      return problems;
    });
  }
  return invitationPath;
}

async function journeySignOut(page, base, from = '/nl/account') {
  await check(`journey: sign out from ${from} with the header button`, async () => {
    await goto(page, `${base}${from}`);
    const problems = [];
    if (new URL(page.url()).pathname !== from) return [`could not open ${from} (ended on ${page.url()})`];
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 1) return ['no single sign-out button in the header'];
    const response = await submitForm(page, SIGN_OUT_BUTTON);
    if (new URL(page.url()).pathname !== '/nl/') problems.push(`after signing out the page is ${page.url()}, expected /nl/`);
    if (response.status() !== 200) problems.push(`home page answered HTTP ${response.status()}`);
    if ((await page.locator('nav.account-nav a[href="/nl/sign-in"]').count()) !== 1) {
      problems.push('header shows no sign-in link after signing out');
    }
    if ((await page.locator(SIGN_OUT_BUTTON).count()) !== 0) problems.push('sign-out button still shown after signing out');
    problems.push(...hygieneProblems());

    await goto(page, `${base}/nl/account`);
    const after = new URL(page.url());
    if (after.pathname !== '/nl/sign-in') problems.push(`/nl/account now shows ${page.url()}, expected a redirect to /nl/sign-in`);
    return problems;
  });
}

// Signs in again: the second factor is now asked for; a recovery code gets the administrator in.
async function journeyRecoveryCode(page, base, codes) {
  let response = null;
  let loadError = null;
  try {
    response = await submitSignIn(page, base, 'nl', ADMIN.email, ADMIN.password);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor step after signing in again', {
    url: `${base}/nl/sign-in`,
    response,
    loadError,
    lang: 'nl',
    statuses: [200],
    expectSelector: '#code',
    expectPath: '/nl/sign-in/second-factor',
  });
  if (loadError || new URL(page.url()).pathname !== '/nl/sign-in/second-factor') return;
  for (const lang of LANGUAGES.filter((l) => l !== 'nl')) {
    await checkPage(page, base, lang, {
      name: 'second-factor step',
      path: `/${lang}/sign-in/second-factor`,
      status: 200,
      expectSelector: '#code',
    });
  }

  response = null;
  loadError = null;
  try {
    await goto(page, `${base}/nl/sign-in/second-factor`);
    await page.fill('#code', 'zzzzzzzzzz');
    response = await submitForm(page, VERIFY_BUTTON);
  } catch (err) {
    loadError = errorText(err);
  }
  await auditShownPage(page, '[nl] second-factor step with a wrong code', {
    url: `${base}/nl/sign-in/second-factor`,
    response,
    loadError,
    lang: 'nl',
    statuses: [401],
    expectSelector: '.error-summary',
  });

  await check('journey: a recovery code completes the second sign-in', async () => {
    if (!codes.length) return ['no recovery codes were captured'];
    await goto(page, `${base}/nl/sign-in/second-factor`);
    await page.fill('#code', codes[0]);
    const res = await submitForm(page, VERIFY_BUTTON);
    const problems = [];
    if (new URL(page.url()).pathname !== '/nl/account') problems.push(`landed on ${page.url()} (HTTP ${res.status()}), expected /nl/account`);
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeyInvitationPage(page, base, invitationPath) {
  if (!invitationPath) {
    record('[fr] invitation page', ['no invitation link was found in the outbox']);
    return;
  }
  await checkPage(page, base, 'fr', {
    name: 'invitation',
    path: invitationPath,
    status: 200,
    expectSelector: '#new_password',
  });
  await checkPage(page, base, 'fr', {
    name: 'invitation with an unknown token',
    path: '/fr/invitation/no-such-token',
    statuses: [404, 410],
  });
}

async function journeySignInKeyboardOrder(page, base) {
  await check('journey: keyboard Tab order on /nl/sign-in reaches #email, #password, submit', async () => {
    await goto(page, `${base}/nl/sign-in`);
    await page.evaluate(() => document.activeElement && document.activeElement.blur());
    const seen = [];
    for (let i = 0; i < 40; i += 1) {
      await page.keyboard.press('Tab');
      const step = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'body';
        if (el.matches('a.skip-link')) return 'skip';
        if (el.id === 'email' || el.id === 'password') return `#${el.id}`;
        if (el.matches('main form[action$="/sign-in"] button[type=submit]')) return 'submit';
        return `${el.tagName.toLowerCase()}${el.getAttribute('href') ? `[href=${el.getAttribute('href')}]` : ''}`;
      });
      seen.push(step);
      if (step === 'submit') break;
    }
    const problems = [];
    if (seen[0] !== 'skip') problems.push(`first Tab focused ${seen[0]}, expected the skip link`);
    const at = (name) => seen.indexOf(name);
    const [email, password, submit] = [at('#email'), at('#password'), at('submit')];
    if (email < 0 || password < 0 || submit < 0) {
      problems.push(`not all reached in ${seen.length} Tabs: ${seen.join(' → ')}`);
    } else if (!(email < password && password < submit)) {
      problems.push(`order is ${seen.join(' → ')}`);
    }
    problems.push(...hygieneProblems());
    return problems;
  });
}

async function journeysSignedIn(page, base) {
  console.log('\n== Sign-in ==');
  await journeyFailedSignIn(page, base);
  const codes = await journeySignInAndEnrol(page, base);
  if (!codes.length) {
    record('journey: signed-in pages', ['skipped: the administrator could not sign in and enrol']);
    return;
  }

  console.log('\n== Administration ==');
  await journeyInvite(page, base);
  const invitationPath = await journeyOutbox(page, base);
  for (const lang of LANGUAGES) {
    for (const spec of signedInPagesFor(lang)) await checkPage(page, base, lang, spec);
  }
  await journeyNarrowViewport(page, base, ['/nl/account', '/nl/admin/accounts', '/nl/admin/audit']);
  await screenshots(page, base, [
    ['/nl/account', 'nl-account.png'],
    ['/nl/admin/accounts', 'nl-admin-accounts.png'],
  ]);

  console.log('\n== Sign-out and second sign-in ==');
  await journeySignOut(page, base);
  await journeyRecoveryCode(page, base, codes);
  await journeySignOut(page, base);
  await journeyInvitationPage(page, base, invitationPath);
}

async function journeyNarrowViewport(page, base, paths = LANGUAGES.flatMap((lang) => [`/${lang}/`, `/${lang}/municipalities/21009`])) {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    for (const p of paths) {
      await check(`viewport 360x740: no horizontal scroll on ${p}`, async () => {
        await goto(page, `${base}${p}`);
        if (new URL(page.url()).pathname !== new URL(`${base}${p}`).pathname) {
          return [`${base}${p}: ended on ${page.url()} instead`];
        }
        const m = await page.evaluate(() => {
          const wide = [];
          const limit = document.documentElement.clientWidth;
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > limit + 1 && wide.length < 3) {
              let cur = el.parentElement;
              let clipped = false;
              // An absolutely positioned element escapes a scroll box that is not positioned
              // (for example a .visually-hidden label in a scrolled table cell).
              const escapes = getComputedStyle(el).position === 'absolute';
              while (cur && cur !== document.body) {
                const cs = getComputedStyle(cur);
                const ov = cs.overflowX;
                if ((ov === 'auto' || ov === 'scroll' || ov === 'hidden') && (!escapes || cs.position !== 'static')) clipped = true;
                cur = cur.parentElement;
              }
              if (!clipped) wide.push(`${el.tagName.toLowerCase()}${el.className ? '.' + String(el.className).split(' ').join('.') : ''} (right ${Math.round(r.right)})`);
            }
          }
          return { scrollWidth: document.documentElement.scrollWidth, wide };
        });
        if (m.scrollWidth > 361) {
          return [`${base}${p}: scrollWidth ${m.scrollWidth} > 361${m.wide.length ? `; too wide: ${m.wide.join(', ')}` : ''}`];
        }
        return hygieneProblems().map((x) => `${base}${p}: ${x}`);
      });
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

async function screenshots(
  page,
  base,
  shots = [
    ['/nl/', 'nl-home.png'],
    ['/en/municipalities/21009', 'en-municipality-21009.png'],
  ],
) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [p, file] of shots) {
    await goto(page, `${base}${p}`);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, file), fullPage: true });
    console.log(`screenshot ${p} → ${path.join(SCREENSHOT_DIR, file)}`);
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found (apt-get install chromium); no browser is downloaded`);
  axeSource = readFileSync(AXE_SOURCE_PATH, 'utf8');

  const base = await startServer();
  console.log(`radix serve is up at ${base} (pid ${child.pid})`);

  const profileDir = mkdtempSync(path.join(tmpdir(), 'radix-journeys-chromium-'));
  tempDirs.push(profileDir);
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timeout: 60 * 1000,
  });
  context.setDefaultTimeout(NAV_TIMEOUT_MS);
  await context.exposeBinding('__radixReportCsp', (_source, v) => {
    observed.csp.push({ ...v, duringAxe: axeActive });
  });
  await context.addInitScript({ content: CSP_LISTENER });
  const page = context.pages()[0] || (await context.newPage());
  observe(page);

  for (const lang of LANGUAGES) {
    console.log(`\n== Pages in ${lang} ==`);
    for (const spec of pagesFor(lang)) await checkPage(page, base, lang, spec);
  }

  console.log('\n== Journeys ==');
  await journeyLanguageSwitch(page, base);
  await journeySearch(page, base);
  await journeyKeyboard(page, base);
  await journeysSignedIn(page, base);
  console.log('\n== Keyboard and narrow viewport ==');
  await journeySignInKeyboardOrder(page, base);
  await journeyNarrowViewport(page, base);
  await screenshots(page, base);
}

let fatal = null;
try {
  await main();
} catch (err) {
  fatal = `aborted: ${err && err.message ? err.message.split('\n')[0] : String(err)}`;
}
clearTimeout(globalTimer);
await closeBrowser();
await stopChild();
removeTempDirs();
finish(fatal);
process.exit(results.some((r) => !r.ok) ? 1 : 0);
