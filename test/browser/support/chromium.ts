/**
 * Headless Chromium for the browser tests (flags from shared/notes/jupyter.md: SwiftShader WebGL2,
 * no network side traffic, a fresh profile). Tests skip, saying so, only when /usr/bin/chromium is
 * absent; CI installs it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

export function chromiumAvailable(): boolean {
  const ok = fs.existsSync(CHROMIUM_PATH);
  if (!ok) console.warn(`SKIPPING browser tests: ${CHROMIUM_PATH} is absent (apt-get install chromium to run them)`);
  return ok;
}

/** `describe` that runs only when Chromium is installed. */
export const describeWithChromium: jest.Describe = fs.existsSync(CHROMIUM_PATH) ? describe : describe.skip;

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Launches Chromium; playwright gives each launch a fresh temporary profile (its --user-data-dir). */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS });
  return { browser, close: () => browser.close() };
}

/** Where screenshots go (gitignored). */
export function artifactPath(name: string): string {
  const dir = path.join(__dirname, '../../../test-artifacts');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
