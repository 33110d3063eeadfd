/**
 * The built demo in a real browser (Debian's chromium through playwright-core): trains with the
 * official default sliders and checks what the page shows — Balanced MSE's line ends closer to the
 * oracle than MSE's, its few-shot test MSE is lower, no console error — and saves a screenshot.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
let server: PreviewServer;
let browser: Browser;
let base = '';

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('no chromium found: apt-get install chromium (or set CHROMIUM_PATH)');
  await build({ root, logLevel: 'error' });
  server = await preview({ root, preview: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  base = server.resolvedUrls?.local[0] ?? '';
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Row {
  slope: number;
  all: number;
  many: number;
  medium: number;
  few: number;
}

async function table(page: Page): Promise<Record<string, Row>> {
  return page.$$eval('#test-table tbody tr', (trs) =>
    Object.fromEntries(
      trs.map((tr) => {
        const cell = (c: string) => Number((tr.querySelector(`[data-col="${c}"]`) as HTMLElement).textContent);
        return [
          (tr as HTMLElement).dataset.method,
          { slope: cell('slope'), all: cell('all'), many: cell('many'), medium: cell('medium'), few: cell('few') },
        ];
      }),
    ),
  );
}

async function open(hash: string, viewport = { width: 1200, height: 1100 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}${hash}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return { page, errors };
}

describe('live demo in chromium', () => {
  it('trains with the default sliders: Balanced MSE fits the oracle better than MSE, most of all on the few-shot labels', async () => {
    const { page, errors } = await open('');
    expect(await page.locator('#p0').inputValue()).toBe('100');
    expect(await page.locator('#p4').inputValue()).toBe('0.1');
    const backend = await page.locator('#backend').textContent();
    expect(['webgl', 'wasm', 'cpu'].some((b) => backend?.startsWith(b))).toBe(true);
    await page.getByRole('button', { name: 'Start regressing' }).click();
    await expect.poll(() => page.locator('#epoch').textContent(), { timeout: 5_000 }).toMatch(/^epoch [1-9]/);
    await page.waitForSelector('body[data-trained="done"]', { timeout: 90_000 });
    expect(await page.locator('#epoch').textContent()).toBe('epoch 100 / 100');
    const t = await table(page);
    expect(Object.keys(t)).toEqual(['MSE', 'Reweight', 'BMC', 'GAI']);
    for (const m of ['BMC', 'GAI']) {
      expect(Math.abs(t[m].slope - 1), m).toBeLessThan(Math.abs(t.MSE.slope - 1));
      expect(t[m].all, m).toBeLessThan(t.MSE.all);
      expect(t[m].few, m).toBeLessThan(t.MSE.few);
    }
    expect(t.MSE.slope).toBeLessThan(0.9); // MSE is pulled towards the frequent small labels
    // test-output/ is ignored; BMSE_UPDATE_SCREENSHOT=1 refreshes the README's copy in docs/
    const shot = await page.screenshot({ path: resolve(root, 'test-output/screenshot.png'), fullPage: true });
    if (process.env.BMSE_UPDATE_SCREENSHOT === '1') writeFileSync(resolve(root, 'docs/screenshot.png'), shot);
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('restores a shared link, runs the 2-D mode, and can be stopped and restarted from the keyboard', async () => {
    const { page, errors } = await open('#p=10,10,10,10,10&seed=3&sigma=learnable&dims=2&epochs=30', {
      width: 390,
      height: 844,
    });
    expect(await page.locator('#p0').inputValue()).toBe('10');
    expect(await page.locator('#seed').inputValue()).toBe('3');
    expect(await page.locator('#learnable').isChecked()).toBe(true);
    expect(await page.locator('#dims').inputValue()).toBe('2');
    await page.locator('#start').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#epoch').textContent(), { timeout: 10_000 }).toMatch(/^epoch [1-9]/);
    await page.keyboard.press('Enter'); // the same button now stops
    await page.waitForSelector('body[data-trained="stopped"]', { timeout: 30_000 });
    await page.keyboard.press('Enter');
    await page.waitForSelector('body[data-trained="done"]', { timeout: 60_000 });
    const t = await table(page);
    expect(Number.isFinite(t.BMC.all)).toBe(true);
    // a balanced training set: every method does about as well as MSE
    expect(t.BMC.all).toBeLessThan(2 * t.MSE.all + 0.5);
    expect(page.url()).toContain('dims=2');
    expect(errors).toEqual([]);
    await page.close();
  });
});
