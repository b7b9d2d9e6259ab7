// The browser test of `habeas serve`: a mother signs in on a phone, searches her son's name
// misspelled, in Spanish, opens his timeline, sees the finding, switches to English and
// downloads the proof; then the public dashboard shows counts and no names.
//
// Playwright (playwright-core, no browser download) drives Debian's headless Chromium
// (/usr/bin/chromium, or $CHROMIUM). The server is the real binary ($HABEAS_BIN, default
// target/debug/habeas) on a fresh ledger of the example case and examples/server/people.jsonl.
// Exit 0 when every step holds; otherwise the failed step and a screenshot in target/browser/.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../..');
const bin = process.env.HABEAS_BIN ?? join(root, 'target/debug/habeas');
const work = mkdtempSync(join(tmpdir(), 'habeas-browser-'));
const shots = join(root, 'target/browser');
mkdirSync(shots, { recursive: true });
const env = { ...process.env, HABEAS_DB: join(work, 'ledger.db'), LANG: 'C.UTF-8', HABEAS_PASSWORD: 'contraseña-de-maría' };
const habeas = (...args) => execFileSync(bin, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

habeas('init');
habeas('import', join(root, 'examples/cecot-2025.jsonl'));
habeas('import', join(root, 'examples/server/people.jsonl'));
habeas('user', 'add', 'maria', '--role', 'family');
habeas('user', 'grant', 'maria', '--person', 'p-demo-wilmer');

const server = spawn(bin, ['serve', '--addr', '127.0.0.1:0'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
const base = await new Promise((ok, fail) => {
  let text = '';
  server.stderr.on('data', (chunk) => {
    text += chunk;
    const found = text.match(/http:\/\/(127\.0\.0\.1:\d+)\//);
    if (found) ok(`http://${found[1]}`);
  });
  server.on('exit', (code) => fail(new Error(`habeas serve exited ${code}: ${text}`)));
  setTimeout(() => fail(new Error(`habeas serve did not start: ${text}`)), 20000);
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

let page;
let step = 'start';
const steps = [];
function at(name) {
  step = name;
  steps.push(name);
}

try {
  // A phone, in Spanish.
  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'es-VE',
    extraHTTPHeaders: { 'Accept-Language': 'es-VE,es;q=0.9' }, acceptDownloads: true,
  });
  page = await phone.newPage();

  at('sign in, in Spanish from Accept-Language');
  await page.goto(`${base}/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'es');
  await page.getByLabel('Nombre').fill('maria');
  await page.getByLabel('Contraseña').fill('contraseña-de-maría');
  await page.getByRole('button', { name: 'Iniciar sesión' }).click();
  await page.waitForURL(`${base}/search`);

  at('search a misspelled name');
  await page.getByLabel('Nombre o número de identificación').fill('wilmer roja peres');
  await page.getByRole('button', { name: 'Buscar' }).click();
  const result = page.getByRole('link', { name: 'Wilmer Antonio Rojas Pérez' });
  await result.waitFor();
  assert.equal(await page.getByRole('listitem').count(), 1, 'a family account finds only its relative');

  at('open the timeline');
  await result.click();
  await page.waitForURL(`${base}/persons/p-demo-wilmer`);
  const sentence = await page.locator('p.sentence').innerText();
  assert.match(sentence, /^Wilmer Antonio Rojas Pérez está detenido en .*bajo custodia de otro Estado/);
  await page.getByRole('heading', { name: 'Cronología' }).waitFor();
  assert.ok(await page.locator('svg.strip rect').count() > 2, 'the timeline is drawn');
  assert.ok((await page.locator('table.timeline').innerText()).includes('El Valle Detention Facility'));

  at('see the finding');
  const findings = page.locator('li.finding');
  assert.ok(await findings.count() > 0);
  assert.ok((await page.locator('li.finding.possible-violation').first().innerText()).includes('Posible violación'));
  const text = await page.locator('main').innerText();
  for (const hidden of ['1998-07-02', 'A012-345-678', 'asked not to be named', 'org-ice']) {
    assert.ok(!text.includes(hidden), `the family page shows ${hidden}`);
  }

  at('every field has a label, every image a name');
  for (const input of await page.locator('input:not([type=hidden]), select').all()) {
    const id = await input.getAttribute('id');
    assert.ok(id && (await page.locator(`label[for="${id}"]`).count()) === 1, `input ${id} has no label`);
  }
  assert.ok(await page.getAttribute('svg.strip', 'aria-label'));
  await page.screenshot({ path: join(shots, 'person-es.png') });

  at('switch to English');
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/lang=en/);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.match(await page.locator('p.sentence').innerText(), /^Wilmer Antonio Rojas Pérez is held at /);
  await page.getByRole('heading', { name: 'Timeline' }).waitFor();

  at('download the proof');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download the proof' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'proof-p-demo-wilmer.json');
  const proof = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(proof.id, 'p-demo-wilmer');
  assert.ok(proof.checkpoint.includes('— '), 'the checkpoint is a signed note');
  assert.ok(proof.proof.length > 0);
  assert.ok(!proof.leaf_bytes.includes('Wilmer'), 'the leaf holds commitments, not the name');

  at('the language choice is kept');
  await page.goto(`${base}/search`);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');

  at('the public dashboard: counts, no names');
  const anyone = await browser.newContext({ locale: 'en-US' });
  page = await anyone.newPage();
  await page.goto(`${base}/`);
  await page.waitForURL(`${base}/public`);
  await page.getByRole('heading', { name: 'Public figures' }).waitFor();
  const dashboard = await page.locator('main').innerText();
  assert.ok(dashboard.includes('fewer than 5'), 'small counts are hidden');
  assert.ok(dashboard.includes('137'), 'cohorts are counted');
  for (const name of ['Wilmer', 'Luis', 'Carlos', 'José', 'p-demo']) {
    assert.ok(!dashboard.includes(name), `the public dashboard shows ${name}`);
  }
  await page.screenshot({ path: join(shots, 'public-en.png'), fullPage: true });
  await page.goto(`${base}/persons/p-demo-wilmer`);
  await page.waitForURL(`${base}/login`);

  console.log(`browser test passed: ${steps.length} steps`);
} catch (error) {
  console.error(`browser test failed at "${step}": ${error.stack ?? error}`);
  if (page) await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
