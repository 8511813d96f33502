// End-to-end: Debian's Chromium, driven by playwright-core, against the built
// web app behind nginx and the real API. Posting fixtures/low-spo2-trend.json
// must turn its patient HIGH on screen without a reload.
//
//   E2E_BASE_URL   test a running deployment (e.g. the Compose demo) instead of
//                  starting the API and nginx here
//   E2E_API_URL    where to POST packets (default: $E2E_BASE_URL/api)
//   E2E_CHROMIUM   browser binary (default /usr/bin/chromium)
// Screenshots and logs go to artifacts/e2e/.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startStack } from "./lib/stack.mjs";
import { artifactsDir, repoRoot } from "./lib/proc.mjs";

const CHROMIUM = process.env.E2E_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const LIVE_TIMEOUT_MS = 15_000;
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** @param {string} name */
function fixture(name) {
  return JSON.parse(readFileSync(resolve(repoRoot, "fixtures", name), "utf8"));
}

// Against a fresh stack the fixtures are posted as they are. Against a running
// deployment they may have been posted before (an idempotent resend changes
// nothing on screen), so every id gets this run's suffix.
const external = Boolean(process.env.E2E_BASE_URL);
const run = external ? `-e2e${Date.now().toString(36)}` : "";
const lowSpo2 = fixture("low-spo2-trend.json");
const normal = fixture("normal.json");
const highPatient = {
  ...lowSpo2,
  packet_id: `${lowSpo2.packet_id}${run}`,
  patient_id: `${lowSpo2.patient_id}${run}`,
  patient: { ...lowSpo2.patient, display_name: `${lowSpo2.patient.display_name}${external ? ` (${run.slice(1)})` : ""}` },
};
const lowPatient = { ...normal, packet_id: `${normal.packet_id}${run}`, patient_id: `${normal.patient_id}${run}` };
const highName = highPatient.patient.display_name;
const lowName = normal.patient?.display_name ?? lowPatient.patient_id;

/** @param {string} text */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
/** @type {import("playwright-core").Browser} */
let browser;
/** @type {import("playwright-core").BrowserContext} */
let context;
/** @type {import("playwright-core").Page} */
let page;
/** @type {string[]} */
const consoleErrors = [];
let checkingConsole = true;
let mainFrameNavigations = 0;

/**
 * @param {string} name
 * @returns {Promise<string>}
 */
async function screenshot(name) {
  mkdirSync(artifactsDir, { recursive: true });
  const path = resolve(artifactsDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * POSTs a signal packet to the API and returns the assessment.
 * @param {object} packet
 */
async function postPacket(packet) {
  const response = await fetch(`${stack.apiUrl}/v1/signal-packets`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(packet),
  });
  const body = await response.json();
  assert.equal(response.status, 201, `POST /v1/signal-packets: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** @param {string} patientId */
function row(patientId) {
  return page.locator(`tr[data-patient-id="${patientId}"]`);
}

async function waitForLive() {
  await page.getByTestId("link-state").filter({ hasText: "Live" }).waitFor({ timeout: LIVE_TIMEOUT_MS });
}

/**
 * Runs axe-core (WCAG 2 A/AA rules) on the current page and returns one line
 * per violation. Injected through the DevTools protocol, so the page's CSP
 * stays in force.
 * @returns {Promise<string[]>}
 */
async function accessibilityViolations() {
  await page.evaluate(`${axeSource}\n;undefined`);
  return page.evaluate(async () => {
    const axe = /** @type {any} */ (window).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } });
    if (result.passes.length === 0) return ["axe-core checked nothing: is the page empty?"];
    return result.violations.map(
      (/** @type {any} */ v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((/** @type {any} */ n) => n.target.join(" ")).join(", ")}`,
    );
  });
}

async function noHorizontalOverflow() {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
}

before(async () => {
  stack = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  page = await context.newPage();
  page.on("console", (message) => {
    if (checkingConsole && message.type() === "error") {
      consoleErrors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on("pageerror", (error) => {
    if (checkingConsole) consoleErrors.push(`uncaught: ${error.message}`);
  });
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) mainFrameNavigations += 1;
  });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await stack?.stop();
});

describe("live patient risk in the browser", () => {
  it("opens the patient list with the live stream connected", async () => {
    await page.goto(stack.baseUrl);
    await page.getByRole("heading", { level: 1, name: "Patients" }).waitFor();
    await waitForLive();
    if (!stack.external) {
      await page.getByText("No patients yet").waitFor();
    }
    assert.equal(await page.title(), "Patients · Patient Risk Monitor");
  });

  it("shows a newly monitored patient without a reload", async () => {
    await page.evaluate(() => {
      /** @type {any} */ (window).__e2eSamePage = true;
    });
    const navigationsBefore = mainFrameNavigations;
    const assessment = await postPacket(lowPatient);
    await row(lowPatient.patient_id).waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await row(lowPatient.patient_id).getAttribute("data-level"), assessment.level);
    assert.match(await row(lowPatient.patient_id).innerText(), new RegExp(literal(lowName)));
    assert.equal(mainFrameNavigations, navigationsBefore, "the page did not navigate");
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__e2eSamePage), true, "the page was not reloaded");
  });

  it("flags the low-SpO2 patient HIGH without a reload", async () => {
    const navigationsBefore = mainFrameNavigations;
    const assessment = await postPacket(highPatient);
    assert.equal(assessment.level, "high", "the API assesses the low-SpO2 fixture as high");

    const highRow = row(highPatient.patient_id);
    await page.waitForSelector(`tr[data-patient-id="${highPatient.patient_id}"][data-level="high"]`, {
      timeout: LIVE_TIMEOUT_MS,
    });
    assert.match(await highRow.innerText(), new RegExp(`${literal(highName)}[\\s\\S]*High`));
    assert.match(await highRow.innerText(), new RegExp(`·\\s*${assessment.score}`));
    // Worst first: the high-risk patient heads the table.
    const firstRow = page.locator("table.pm-patients tbody tr").first();
    assert.equal(await firstRow.getAttribute("data-patient-id"), highPatient.patient_id);
    const highTile = page.locator('.tile[data-level="high"] .tile__count');
    assert.ok(Number(await highTile.innerText()) >= 1);

    assert.equal(mainFrameNavigations, navigationsBefore, "the page did not navigate");
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__e2eSamePage), true, "the page was not reloaded");
    assert.deepEqual(await accessibilityViolations(), [], "axe-core on the patient list");
    const shot = await screenshot("patient-list-high-1280");
    console.log(`screenshot: ${shot}`);
  });

  it("shows the SpO2 trend and the reasons on the patient page", async () => {
    await page.getByRole("link", { name: highName, exact: true }).click();
    await page.waitForURL(`**/patients/${encodeURIComponent(highPatient.patient_id)}`);
    await page.getByRole("heading", { level: 1, name: highName }).waitFor();
    const chart = page.getByRole("img", { name: new RegExp(`SpO2 trend for ${literal(highName)}`) });
    await chart.waitFor();
    assert.match((await chart.getAttribute("aria-labelledby")) ?? "", /title.*desc/);
    const reasons = page.locator(".reasons__item");
    assert.ok((await reasons.count()) > 0, "at least one reason is listed");
    assert.equal(await page.locator(".patient-head").getAttribute("data-level"), "high");
    assert.deepEqual(await accessibilityViolations(), [], "axe-core on the patient page");
    const shot = await screenshot("patient-page-high-1280");
    console.log(`screenshot: ${shot}`);
  });

  it("is usable at 360 px wide", async () => {
    await page.setViewportSize({ width: 360, height: 760 });
    await page.goto(stack.baseUrl);
    await row(highPatient.patient_id).waitFor();
    let size = await noHorizontalOverflow();
    assert.ok(size.scrollWidth <= size.clientWidth, `list overflows: ${JSON.stringify(size)}`);
    const badge = row(highPatient.patient_id).locator(".pm-badge");
    const box = await badge.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `badge within the screen: ${JSON.stringify(box)}`);
    const link = page.getByRole("link", { name: highName, exact: true });
    const linkBox = await link.boundingBox();
    assert.ok(linkBox && linkBox.height >= 16, "patient link is a usable target");
    await screenshot("patient-list-high-360");

    // A deep link loads straight from nginx (history fallback).
    await page.goto(`${stack.baseUrl}/patients/${encodeURIComponent(highPatient.patient_id)}`);
    await page.getByRole("heading", { level: 1, name: highName }).waitFor();
    await page.getByRole("img", { name: new RegExp(`SpO2 trend for ${literal(highName)}`) }).waitFor();
    size = await noHorizontalOverflow();
    assert.ok(size.scrollWidth <= size.clientWidth, `patient page overflows: ${JSON.stringify(size)}`);
    const svg = await page.locator("svg.pm-trend__svg").boundingBox();
    assert.ok(svg && svg.x >= 0 && svg.x + svg.width <= 360, `chart fits: ${JSON.stringify(svg)}`);
    assert.deepEqual(await accessibilityViolations(), [], "axe-core on the patient page at 360 px");
    await screenshot("patient-page-high-360");
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it("follows a later assessment on the patient page without a reload", async () => {
    await waitForLive();
    const history = page.locator("table.history tbody tr");
    const before = await history.count();
    await page.evaluate(() => {
      /** @type {any} */ (window).__e2eSamePage = true;
    });
    const recovery = {
      ...normal,
      packet_id: `${highPatient.packet_id}-recovery`,
      patient_id: highPatient.patient_id,
      patient: highPatient.patient,
      started_at: new Date(Date.parse(lowSpo2.started_at) + 15 * 60_000).toISOString().replace(".000Z", "Z"),
    };
    const assessment = await postPacket(recovery);
    await page.waitForFunction(
      (n) => document.querySelectorAll("table.history tbody tr").length === n,
      before + 1,
      { timeout: LIVE_TIMEOUT_MS },
    );
    assert.equal(await page.locator(".patient-head").getAttribute("data-level"), assessment.level);
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__e2eSamePage), true, "the page was not reloaded");
  });

  it("logged no console errors", () => {
    assert.deepEqual(consoleErrors, []);
  });

  it("shows the offline state and recovers", async () => {
    checkingConsole = false; // failed requests while offline are expected to be logged
    await context.setOffline(true);
    await page.getByText("You are offline.").waitFor({ timeout: LIVE_TIMEOUT_MS });
    assert.equal(await page.getByTestId("link-state").innerText(), "Offline");
    await context.setOffline(false);
    await waitForLive();
    assert.equal(await page.getByText("You are offline.").count(), 0);
  });
});
