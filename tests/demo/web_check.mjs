// Opens the running Compose demo in Debian's Chromium (playwright-core from the
// repo's npm workspaces) and reports how the web page shows one patient: the
// row on the patient list and the head of the patient page. Screenshots of
// both go to the given directory. Prints one JSON object on stdout; the pytest
// side asserts on it.
//
//   node tests/demo/web_check.mjs <base-url> <patient-id> <screenshot-dir>
//
// Exit status: 0 with the JSON report, 1 (message on stderr) when the page or
// the patient never showed up within DEMO_WEB_TIMEOUT_MS (default 30000).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, patientId, shotDir] = process.argv.slice(2);
if (!baseUrl || !patientId || !shotDir) {
  console.error("usage: node tests/demo/web_check.mjs <base-url> <patient-id> <screenshot-dir>");
  process.exit(2);
}
const timeout = Number(process.env.DEMO_WEB_TIMEOUT_MS ?? 30_000);
const executablePath = process.env.E2E_CHROMIUM ?? "/usr/bin/chromium";
const root = baseUrl.replace(/\/+$/, "");

mkdirSync(shotDir, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });

  await page.goto(`${root}/`);
  await page.getByRole("heading", { level: 1, name: "Patients" }).waitFor({ timeout });
  const row = page.locator(`tr[data-patient-id="${patientId}"]`);
  await row.waitFor({ timeout });
  const listLevel = await row.getAttribute("data-level");
  const rowText = (await row.innerText()).replace(/\s+/g, " ").trim();
  const listShot = resolve(shotDir, "demo-patient-list.png");
  await page.screenshot({ path: listShot, fullPage: true });

  await page.goto(`${root}/patients/${encodeURIComponent(patientId)}`);
  const head = page.locator(".patient-head");
  await head.waitFor({ timeout });
  const pageLevel = await head.getAttribute("data-level");
  const headText = (await head.innerText()).replace(/\s+/g, " ").trim();
  const pageShot = resolve(shotDir, "demo-patient-page.png");
  await page.screenshot({ path: pageShot, fullPage: true });

  console.log(JSON.stringify({ listLevel, rowText, pageLevel, headText, consoleErrors, screenshots: [listShot, pageShot] }));
} catch (err) {
  console.error(`web_check: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
