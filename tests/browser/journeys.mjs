// Browser journeys for the Radix web interface: headless Debian Chromium driven by
// playwright-core, with axe-core accessibility checks on every public page in every language.
//
// Usage (from the repository root, after `cargo build` and `npm ci` in tests/browser):
//   node tests/browser/journeys.mjs
//
// Environment:
//   RADIX_BIN        server binary (default: target/debug/radix)
//   CHROMIUM_PATH    browser executable (default: /usr/bin/chromium; never downloaded)
//   SCREENSHOT_DIR   when set, full-page screenshots of /nl/ and /en/municipalities/21009
//                    at 1280 px wide are written there
//
// The last line printed is always `N passed, M failed`; the exit code is 1 when anything failed.

import { spawn } from 'node:child_process';
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
const HEALTH_TIMEOUT_MS = 60 * 1000;
const NAV_TIMEOUT_MS = 20 * 1000;

const LANGUAGES = ['nl', 'fr', 'de', 'en'];
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

async function startServer() {
  if (!existsSync(RADIX_BIN)) throw new Error(`${RADIX_BIN} not found: run cargo build first`);
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'radix-journeys-data-'));
  tempDirs.push(dataDir);
  const env = { ...process.env, RADIX_LOG_FORMAT: 'text', NO_COLOR: '1' };
  for (const key of ['RADIX_DATABASE_URL', 'RADIX_CONFIG', 'RADIX_DEMO', 'RADIX_BASE_URL']) delete env[key];
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

  await check(`${label}: status and lang`, async () => {
    if (loadError) return [`could not load ${url}: ${loadError}`];
    const problems = [];
    const status = response ? response.status() : 0;
    const allowed = spec.statuses || [spec.status];
    if (!allowed.includes(status)) problems.push(`${url}: HTTP ${status}, expected ${allowed.join(' or ')}`);
    const htmlLang = await page.evaluate(() => document.documentElement.lang);
    if (htmlLang !== lang) problems.push(`${url}: <html lang="${htmlLang}">, expected "${lang}"`);
    const title = await page.title();
    if (!title.trim()) problems.push(`${url}: empty <title>`);
    if (spec.expectSelector && (await page.locator(spec.expectSelector).count()) === 0) {
      problems.push(`${url}: expected ${spec.expectSelector} on the page`);
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

async function journeyNarrowViewport(page, base) {
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    for (const lang of LANGUAGES) {
      for (const p of [`/${lang}/`, `/${lang}/municipalities/21009`]) {
        await check(`viewport 360x740: no horizontal scroll on ${p}`, async () => {
          await goto(page, `${base}${p}`);
          const m = await page.evaluate(() => {
            const wide = [];
            const limit = document.documentElement.clientWidth;
            for (const el of document.querySelectorAll('body *')) {
              const r = el.getBoundingClientRect();
              if (r.right > limit + 1 && wide.length < 3) {
                let cur = el.parentElement;
                let clipped = false;
                while (cur && cur !== document.body) {
                  const ov = getComputedStyle(cur).overflowX;
                  if (ov === 'auto' || ov === 'scroll' || ov === 'hidden') clipped = true;
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
    }
  } finally {
    await page.setViewportSize({ width: 1280, height: 800 });
  }
}

async function screenshots(page, base) {
  if (!SCREENSHOT_DIR) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const [p, file] of [
    ['/nl/', 'nl-home.png'],
    ['/en/municipalities/21009', 'en-municipality-21009.png'],
  ]) {
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
