// The web image's nginx side, exercised for real: Debian nginx started by the
// image's start.sh (as a non-root user when possible) in front of a small
// HTTP server standing in for the API, so every proxied byte can be inspected.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startNginx, startScript } from "./lib/nginx.mjs";
import { freePort } from "./lib/proc.mjs";

/** @type {{ method: string, url: string, headers: import("node:http").IncomingHttpHeaders, body: string }[]} */
const seen = [];
/** @type {import("node:http").Server} */
let upstream;
let upstreamUrl = "";
/** @type {Awaited<ReturnType<typeof startNginx>>} */
let web;
/** @type {Awaited<ReturnType<typeof startNginx>> | undefined} */
let webWithoutApi;
const webRoot = mkdtempSync(join(tmpdir(), "prw-webroot-"));
const emptyRoot = mkdtempSync(join(tmpdir(), "prw-empty-"));

before(async () => {
  // mkdtemp makes 0700 directories; nginx may run as `nobody`.
  chmodSync(webRoot, 0o755);
  chmodSync(emptyRoot, 0o755);
  mkdirSync(join(webRoot, "assets"));
  writeFileSync(join(webRoot, "index.html"), "<!doctype html><title>spa shell</title>");
  writeFileSync(join(webRoot, "assets", "app-3f9a1c.js"), `console.log(${JSON.stringify("x".repeat(4000))});`);
  writeFileSync(join(webRoot, "favicon.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");

  upstream = createServer((req, res) => {
    const chunks = /** @type {Buffer[]} */ ([]);
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() });
      if (req.url === "/v1/events/risk") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.write('event: risk-changed\ndata: {"n":1}\n\n');
        const timer = setTimeout(() => res.end('event: risk-changed\ndata: {"n":2}\n\n'), 1500);
        req.on("close", () => clearTimeout(timer));
        return;
      }
      res.writeHead(req.method === "POST" ? 201 : 200, { "content-type": "application/json", "x-from": "api" });
      res.end(JSON.stringify({ echo: req.url }));
    });
  });
  await new Promise((r) => upstream.listen(0, "127.0.0.1", () => r(undefined)));
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  web = await startNginx({ upstream: upstreamUrl, webRoot, name: "nginx-unit" });
});

after(async () => {
  await web?.stop();
  await webWithoutApi?.stop();
  await new Promise((r) => upstream?.close(() => r(undefined)));
  rmSync(webRoot, { recursive: true, force: true });
  rmSync(emptyRoot, { recursive: true, force: true });
});

describe("health endpoints", () => {
  it("answers /healthz and /readyz itself", async () => {
    const before = seen.length;
    const health = await fetch(`${web.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const ready = await fetch(`${web.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).status, "ready");
    assert.equal(seen.length, before, "health checks must not reach the API");
  });

  it("is not ready without the SPA bundle", async () => {
    webWithoutApi = await startNginx({ upstream: `http://127.0.0.1:${await freePort()}`, webRoot: emptyRoot, name: "nginx-unit-empty" });
    const ready = await fetch(`${webWithoutApi.baseUrl}/readyz`);
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).status, "unready");
  });
});

describe("static files", () => {
  it("serves index.html with no-cache and security headers", async () => {
    const r = await fetch(`${web.baseUrl}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/html/);
    assert.equal(r.headers.get("cache-control"), "no-cache");
    assert.equal(r.headers.get("x-content-type-options"), "nosniff");
    assert.match(r.headers.get("content-security-policy") ?? "", /default-src 'self'.*connect-src 'self';/);
    assert.equal(r.headers.get("server"), "nginx", "server_tokens off hides the version");
    assert.match(await r.text(), /spa shell/);
  });

  it("falls back to the SPA for client-side routes", async () => {
    const r = await fetch(`${web.baseUrl}/patients/pt-1001`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-cache");
    assert.match(await r.text(), /spa shell/);
  });

  it("caches hashed assets for a year, compressed, and 404s missing ones", async () => {
    const r = await fetch(`${web.baseUrl}/assets/app-3f9a1c.js`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(r.headers.get("content-encoding"), "gzip");
    assert.match(r.headers.get("content-type") ?? "", /javascript/);
    const missing = await fetch(`${web.baseUrl}/assets/app-000000.js`);
    assert.equal(missing.status, 404);
    assert.doesNotMatch(await missing.text(), /spa shell/);
    assert.notEqual(missing.headers.get("cache-control"), "public, max-age=31536000, immutable");
  });

  it("revalidates unhashed files", async () => {
    const r = await fetch(`${web.baseUrl}/favicon.svg`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("cache-control"), "no-cache");
  });
});

describe("API proxy", () => {
  it("strips /api and passes the raw path and query through", async () => {
    const r = await fetch(`${web.baseUrl}/api/v1/patients/pt%2F1001/assessments?limit=3&x=a%20b`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("x-from"), "api");
    assert.equal(r.headers.get("cache-control"), null, "nginx adds no caching to API answers");
    const last = seen[seen.length - 1];
    assert.equal(last?.url, "/v1/patients/pt%2F1001/assessments?limit=3&x=a%20b");
    assert.equal(last?.headers["x-forwarded-for"], "127.0.0.1");
    assert.match(String(last?.headers["x-request-id"]), /^[0-9a-f]{32}$/);
  });

  it("passes POST bodies", async () => {
    const body = JSON.stringify({ packet_id: "p-1", samples: [] });
    const r = await fetch(`${web.baseUrl}/api/v1/signal-packets`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    assert.equal(r.status, 201);
    const last = seen[seen.length - 1];
    assert.equal(last?.method, "POST");
    assert.equal(last?.url, "/v1/signal-packets");
    assert.equal(last?.body, body);
  });

  it("streams server-sent events without buffering or compression", async () => {
    const started = Date.now();
    const r = await fetch(`${web.baseUrl}/api/v1/events/risk`, { headers: { "accept-encoding": "gzip" } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(r.headers.get("content-encoding"), null);
    const reader = r.body?.getReader();
    assert.ok(reader);
    let text = "";
    while (!text.includes('{"n":1}')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    const firstAfter = Date.now() - started;
    assert.ok(text.includes('{"n":1}'), "first event arrives");
    assert.ok(!text.includes('{"n":2}'), "second event is not sent yet");
    assert.ok(firstAfter < 1200, `first event took ${firstAfter} ms: nginx is buffering the stream`);
    await reader.cancel();
  });

  it("uses another API path when the SPA was built with one", async () => {
    const custom = await startNginx({
      upstream: upstreamUrl,
      webRoot,
      name: "nginx-unit-path",
      env: { PATIENT_RISK_API_PATH: "/monitor/api/" },
    });
    try {
      const r = await fetch(`${custom.baseUrl}/monitor/api/v1/patients?limit=1`);
      assert.equal(r.status, 200);
      assert.equal(seen[seen.length - 1]?.url, "/v1/patients?limit=1");
      const old = await fetch(`${custom.baseUrl}/api/v1/patients`);
      assert.match(await old.text(), /spa shell/, "/api/ is an ordinary SPA route then");
    } finally {
      await custom.stop();
    }
  });

  it("answers a JSON problem when the API is unreachable", async () => {
    assert.ok(webWithoutApi, "started by the readiness test");
    const r = await fetch(`${webWithoutApi.baseUrl}/api/v1/patients`);
    assert.equal(r.status, 503);
    assert.equal(r.headers.get("content-type"), "application/problem+json");
    const problem = await r.json();
    assert.equal(problem.title, "API unavailable");
    assert.equal(problem.status, 503);
  });
});

describe("process model", () => {
  it("runs its workers as a non-root user when started by root", { skip: process.getuid?.() !== 0 }, () => {
    const uids = web.workerUids();
    assert.ok(uids.length > 0, "found nginx workers");
    for (const uid of uids) assert.notEqual(uid, 0);
  });

  it("rejects bad settings with a message naming the variable", () => {
    /** @param {Record<string, string>} env */
    const run = (env) =>
      spawnSync("sh", [startScript, "check"], { env: { PATH: process.env.PATH, ...env }, encoding: "utf8" });
    const badUpstream = run({ PATIENT_RISK_API_UPSTREAM: "api:8080" });
    assert.equal(badUpstream.status, 64);
    assert.match(badUpstream.stderr, /PATIENT_RISK_API_UPSTREAM='api:8080': must start with http:\/\/ or https:\/\//);
    const withPath = run({ PATIENT_RISK_API_UPSTREAM: "http://api:8080/v1" });
    assert.match(withPath.stderr, /expected scheme:\/\/host\[:port\] with no path/);
    const badListen = run({ PATIENT_RISK_WEB_LISTEN: "eighty" });
    assert.match(badListen.stderr, /PATIENT_RISK_WEB_LISTEN='eighty'/);
    const badPath = run({ PATIENT_RISK_API_PATH: "api" });
    assert.match(badPath.stderr, /PATIENT_RISK_API_PATH='api': expected a path like \/api/);
    const badMode = spawnSync("sh", [startScript, "serve"], { encoding: "utf8" });
    assert.equal(badMode.status, 64);
    assert.match(badMode.stderr, /unknown argument 'serve'/);
  });

  it("renders a config that nginx -t accepts, with a resolver for a named upstream", () => {
    const runtime = mkdtempSync(join(tmpdir(), "prw-check-"));
    try {
      const env = {
        PATH: process.env.PATH,
        PATIENT_RISK_API_UPSTREAM: "http://api:8080",
        PATIENT_RISK_DNS_RESOLVER: "127.0.0.11",
        PATIENT_RISK_WEB_ROOT: webRoot,
        PATIENT_RISK_RUNTIME_DIR: runtime,
        PATIENT_RISK_CSP_CONNECT_SRC: "https://api.example.org",
      };
      const check = spawnSync("sh", [startScript, "check"], { env, encoding: "utf8" });
      assert.equal(check.status, 0, `status ${check.status}: ${check.stderr} ${check.error}`);
      const render = spawnSync("sh", [startScript, "render"], { env, encoding: "utf8" });
      const conf = readFileSync(render.stdout.trim(), "utf8");
      assert.match(conf, /resolver 127\.0\.0\.11 valid=10s;/);
      assert.match(conf, /set \$api_upstream "http:\/\/api:8080";/);
      assert.match(conf, /connect-src 'self' https:\/\/api\.example\.org;/);
      assert.match(conf, new RegExp(`pid ${runtime}/nginx.pid;`));
      assert.doesNotMatch(conf, /@@[A-Z_]+@@/);
    } finally {
      rmSync(runtime, { recursive: true, force: true });
    }
  });
});
