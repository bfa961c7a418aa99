import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type DevProcess, killAll, killGroup, startDev } from './tally-dev.ts';

/**
 * The console's browser-test harness: `tally dev` on a free port with a fresh data dir, Debian's
 * Chromium driven by playwright-core, and screenshots in test-artifacts/console/. One per test file
 * (beforeAll/afterAll): a dev server and a browser start in a few seconds, so files share nothing.
 *
 *   let h: ConsoleHarness;
 *   beforeAll(async () => { h = await startConsole(); }, 120_000);
 *   afterAll(() => h?.close());
 *   await h.page.goto(h.consoleUrl('/wallets/w1'));
 *   await h.screenshot('wallet');
 */
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts', 'console');

/** The flags that keep Chromium from reaching for hosts this machine cannot reach (TOOLCHAIN.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** CHROMIUM_PATH, else Debian's /usr/bin/chromium; a clear failure (never a skip) when absent. */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const candidate = env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(candidate)) {
    throw new Error(
      `Chromium is not installed at ${candidate}: the console's browser tests need it. Install Debian's package ` +
        '(as root: apt-get update && apt-get install -y chromium; .ci/run does this) or set CHROMIUM_PATH.',
    );
  }
  return candidate;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh, empty profile (user data dir), and one page. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const executablePath = chromiumPath();
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'tally-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-artifacts/console/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export interface ConsoleHarness {
  /** The API's base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** `/wallets/w1` → the console page's absolute URL. */
  consoleUrl(pagePath?: string): string;
  dev: DevProcess;
  dataDir: string;
  page: Page;
  context: BrowserContext;
  /** A JSON request to the API (for setting up data and checking it outside the page). */
  api(method: string, apiPath: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  /** A wallet's points (`GET /wallets/{id}`), or undefined while it has none (404): for expect.poll. */
  points(walletId: string): Promise<number | undefined>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

/** `tally dev` (auth off unless `args` say `--auth`) and Chromium, ready for one test file. */
export async function startConsole(options: { args?: string[] } = {}): Promise<ConsoleHarness> {
  chromiumPath();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'tally-console-'));
  const started: ChildProcess[] = [];
  let dev: DevProcess;
  try {
    dev = await startDev(dataDir, started, options.args ?? []);
  } catch (error) {
    killAll(started);
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    throw error;
  }
  let browser: LaunchedBrowser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await killGroup(dev.child);
    await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    throw error;
  }
  const url = dev.url;
  const api: ConsoleHarness['api'] = async (method, apiPath, body, headers = {}) => {
    const response = await fetch(`${url}${apiPath}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  return {
    url,
    consoleUrl: (pagePath = '/') => `${url}/console${pagePath}`,
    dev,
    dataDir,
    page: browser.page,
    context: browser.context,
    api,
    points: async (walletId) => {
      const answer = await api('GET', `/wallets/${encodeURIComponent(walletId)}`);
      return answer.status === 200 ? (answer.body as { points: number }).points : undefined;
    },
    screenshot: (name) => screenshot(browser.page, name),
    close: async () => {
      await browser.close();
      if (dev.child.exitCode === null && dev.child.signalCode === null) await killGroup(dev.child);
      await rm(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}
