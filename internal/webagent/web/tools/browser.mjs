// Drives Debian's chromium headless with playwright-core for Go's browser
// tests: reads one JSON command a line on stdin, answers one JSON line on
// stdout ({ok: true, ...} or {ok: false, error}). Commands:
//   {cmd: "open", url}                  load a page (a fresh tab)
//   {cmd: "fill", sel, text}            type into a field
//   {cmd: "click", sel}
//   {cmd: "wait", sel, text?, timeout?} wait until sel is visible (and has text)
//   {cmd: "read", sel}                  -> {visible, text, href}
//   {cmd: "screenshot", path}
//   {cmd: "close"}
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--ignore-certificate-errors"],
});
// A phone-sized window; the certificate warning a phone shows once is
// accepted up front (ignoreHTTPSErrors).
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 412, height: 860 }, deviceScaleFactor: 1,
  userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36" });
let page = null;
const logs = [];

async function run(c) {
  switch (c.cmd) {
    case "open":
      if (page) await page.close();
      page = await context.newPage();
      page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
      page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
      await page.goto(c.url);
      return {};
    case "fill":
      await page.fill(c.sel, c.text);
      return {};
    case "click":
      await page.click(c.sel);
      return {};
    case "wait": {
      const loc = page.locator(c.sel);
      await loc.waitFor({ state: "visible", timeout: c.timeout || 20000 });
      if (c.text) {
        await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent.includes(t), [c.sel, c.text], { timeout: c.timeout || 20000 });
      }
      return {};
    }
    case "read": {
      const r = await page.evaluate((s) => {
        const e = document.querySelector(s);
        if (!e) return { visible: false, text: "", href: "" };
        return { visible: !e.closest("[hidden]") && e.offsetParent !== null, text: e.textContent, href: e.getAttribute("href") || "" };
      }, c.sel);
      return r;
    }
    case "screenshot":
      await page.screenshot({ path: c.path, fullPage: false });
      return {};
    case "close":
      await browser.close();
      return {};
  }
  throw new Error(`unknown command ${c.cmd}`);
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let out;
  try {
    out = { ok: true, ...(await run(JSON.parse(line))) };
  } catch (e) {
    out = { ok: false, error: String(e.message || e), logs: logs.slice(-20) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  if (JSON.parse(line).cmd === "close") break;
}
await browser.close().catch(() => {});
