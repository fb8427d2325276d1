/**
 * The HTML reports in a real browser: Debian's Chromium, headless, driven by playwright-core.
 * Each page is produced by a small real command run into a temporary directory, opened by its
 * file:// URL, and must render its SVG charts (elements with children and a visible box) with
 * no console error, no page error and no failed request (the pages are self-contained).
 *
 * Without /usr/bin/chromium the test is skipped and says so, except in CI (CI set, or
 * GFPCHECK_REQUIRE_BROWSER=1, which .ci/run exports after installing Chromium), where a missing
 * browser fails it. To check another page, push an entry into PAGES.
 */

import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./main.js";
import { captureContext, REPO_ROOT, removeRoot, tempRoot } from "./test-support/capture.js";

/** Debian's Chromium; GFPCHECK_CHROMIUM points elsewhere (e.g. to a missing path, to see the skip). */
const CHROMIUM = process.env.GFPCHECK_CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const ciValue = process.env.CI;
const requireBrowser =
  (ciValue !== undefined && ciValue !== "" && ciValue !== "false" && ciValue !== "0") ||
  process.env.GFPCHECK_REQUIRE_BROWSER === "1";

/** The flags this machine needs (machines/node.md): no sandbox as root, and no background network. */
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The one browser global used here (the project's tsconfig has no DOM library). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { backgroundColor: string };
}

interface HtmlPage {
  /** What the test is called. */
  readonly name: string;
  /** Runs the command that writes the page into `root`; returns the page's path. */
  readonly produce: (root: string) => Promise<string>;
  /** At least this many SVG elements must render. */
  readonly minCharts: number;
  /** More checks on the rendered page. */
  readonly check?: (page: Page) => Promise<void>;
}

async function run(argv: readonly string[], root: string): Promise<void> {
  const ctx = captureContext(root);
  const code = await runCli(argv, ctx);
  if (code === 2) throw new Error(`gfpcheck ${argv.join(" ")}: ${ctx.captured.err.join(" ")}`);
}

const PAGES: HtmlPage[] = [
  {
    name: "reports/check.html",
    produce: async (root) => {
      await run(
        ["check", "--policy", "baseline", "--property", "no-leaks", "--property", "coalescing", "--runs", "4"],
        root,
      );
      return join(root, "reports", "check.html");
    },
    minCharts: 2,
    check: async (page) => {
      const cells = page.locator("table.matrix td.verdict");
      expect(await cells.count()).toBe(2);
      await expect.poll(() => cells.first().isVisible()).toBe(true);
      // Coloured by verdict: the cell's background is not the page's.
      const background = await cells
        .first()
        .evaluate((td) => (globalThis as unknown as BrowserGlobals).getComputedStyle(td).backgroundColor);
      expect(background).not.toBe("rgba(0, 0, 0, 0)");
      for (const id of ["chart-reached", "chart-coverage"]) {
        expect(await page.locator(`#${id} rect`).count(), id).toBeGreaterThan(0);
      }
    },
  },
];

// Pages of other commands, once those commands are registered.
const commandsRegistered = async (): Promise<string[]> => {
  const ctx = captureContext(REPO_ROOT);
  await runCli(["no-such-command"], ctx);
  return (/\(commands: ([^)]*)\)/.exec(ctx.captured.err[0] ?? "")?.[1] ?? "").split(", ");
};
const registered = await commandsRegistered();
if (registered.includes("replay")) {
  PAGES.push({
    name: "reports/replay-*.html",
    produce: async (root) => {
      const file = join(REPO_ROOT, "regressions", "coalescing--4107910c352c.json");
      await run(["replay", file, "--html"], root);
      return join(root, "reports", "replay-coalescing--4107910c352c.html");
    },
    minCharts: 1,
  });
}

if (registered.includes("compare")) {
  PAGES.push({
    name: "reports/compare-*.html",
    produce: async (root) => {
      await run(
        ["compare", "--scenario", "forking-server-checkpoint", "--policies", "baseline", "--pages", "4096"],
        root,
      );
      return join(root, "reports", "compare-forking-server-checkpoint.html");
    },
    minCharts: 1,
  });
}

const roots: string[] = [];
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!hasChromium) return;
  const userDataDir = mkdtempSync(join(tmpdir(), "gfpcheck-chromium-profile-"));
  roots.push(userDataDir);
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  roots.forEach(removeRoot);
});

const SKIPPED = `SKIPPED: ${CHROMIUM} not installed; .ci/run installs it`;

describe("HTML reports in headless Chromium", () => {
  if (!hasChromium && !requireBrowser) {
    console.warn(`browser.test.ts: ${SKIPPED} (apt-get install -y chromium to run it here)`);
  }

  it.runIf(!hasChromium && requireBrowser)(
    `Chromium is required here (CI or GFPCHECK_REQUIRE_BROWSER=1) and ${CHROMIUM} is missing`,
    () => {
      expect.fail(
        `${CHROMIUM} is missing: .ci/run could not install Debian's chromium (is apt-get there, and root?); the HTML reports were not checked`,
      );
    },
  );

  for (const entry of PAGES) {
    const title = hasChromium
      ? `headless Chromium renders ${entry.name}`
      : `headless Chromium renders ${entry.name} (${SKIPPED})`;
    it.skipIf(!hasChromium)(
      title,
      async () => {
        const root = tempRoot("gfpcheck-browser-");
        roots.push(root);
        const file = await entry.produce(root);
        expect(existsSync(file), file).toBe(true);
        if (context === undefined) throw new Error("Chromium did not start");
        const page = await context.newPage();
        const problems: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error") problems.push(`console error: ${message.text()}`);
        });
        page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
        page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
        page.on("request", (request) => {
          if (!request.url().startsWith("file:") && !request.url().startsWith("data:"))
            problems.push(`external request: ${request.url()}`);
        });
        await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

        const svgs = page.locator("svg");
        const count = await svgs.count();
        expect(count, "SVG elements").toBeGreaterThanOrEqual(entry.minCharts);
        for (let i = 0; i < Math.min(count, 4); i++) {
          const svg = svgs.nth(i);
          expect(await svg.evaluate((el) => el.childElementCount), `svg #${i} children`).toBeGreaterThan(0);
          await svg.scrollIntoViewIfNeeded();
          expect(await svg.isVisible(), `svg #${i} visible`).toBe(true);
          const box = await svg.boundingBox();
          expect(box?.width ?? 0, `svg #${i} width`).toBeGreaterThan(10);
          expect(box?.height ?? 0, `svg #${i} height`).toBeGreaterThan(10);
        }
        await entry.check?.(page);
        // GFPCHECK_SCREENSHOTS=DIR keeps a picture of each page, to look at.
        const shots = process.env.GFPCHECK_SCREENSHOTS;
        if (shots !== undefined && shots !== "") {
          const name = `${entry.name.replace(/[^a-z0-9.-]+/gi, "_")}.png`;
          await page.screenshot({ path: join(shots, name), fullPage: true });
        }
        expect(problems).toEqual([]);
        await page.close();
      },
      60_000,
    );
  }
});
