import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { chromiumPath } from './prerequisites.js';

/**
 * The flags every browser test launches Chromium with. Tests run on CI runners and in containers,
 * offline, and talk only to servers they start on loopback, so:
 * - `--headless`: no display (as `headless: true` asks too);
 * - `--no-sandbox`: the sandbox needs user namespaces or a setuid helper that containers often lack,
 *   and Chromium will not start as root with it;
 * - `--disable-gpu`: no GPU there, so no GPU process that fails or logs;
 * - `--disable-quic`: plain HTTP/1.1 and WebSocket to loopback, never a QUIC attempt;
 * - `--no-first-run`, `--disable-background-networking`, `--disable-component-update`,
 *   `--disable-sync`: no first-run work and no calls to Google's services, which an offline test
 *   must neither wait for nor depend on.
 */
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

/** A headless Chromium for one test (or one file's tests). */
export interface HeadlessChromium {
  /** The browser, on a fresh profile of its own. */
  browser: BrowserContext;
  /** Closes the browser and removes its profile directory. */
  close(): Promise<void>;
}

/**
 * Launches the Chromium that `chromiumPath()` finds (call it only where `skipWithout('chromium', …)`
 * said false), on a new profile directory under the OS temp dir, so no cookie, cache or storage passes
 * from one test to the next; `close()` removes that directory, as does a launch that fails.
 */
export async function openChromium(options: { viewport?: { width: number; height: number } } = {}): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), 'mta-chromium-'));
  const removeProfile = (): void => rmSync(profile, { recursive: true, force: true });
  let browser: BrowserContext;
  try {
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      ...(options.viewport ? { viewport: options.viewport } : {}),
      args: CHROMIUM_ARGS,
    });
  } catch (error) {
    removeProfile();
    throw error;
  }
  return {
    browser,
    close: async () => {
      try {
        await browser.close();
      } finally {
        removeProfile();
      }
    },
  };
}
