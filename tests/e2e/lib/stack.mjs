// The system under test for the browser test: either a running deployment
// (E2E_BASE_URL, e.g. the Compose demo) or one started here from the working
// tree: the real API (memory backend) from its venv and the built SPA behind
// Debian's nginx, configured by the image's own start.sh.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { distDir, startNginx } from "./nginx.mjs";
import { freePort, repoRoot, startProcess, waitForHttp } from "./proc.mjs";

export const apiDir = resolve(repoRoot, "apps/patient-risk-python-api");
export const defaultApiBin = resolve(apiDir, ".venv/bin/patient-risk-api");

/**
 * @typedef {object} Stack
 * @property {string} baseUrl      where the browser goes (nginx)
 * @property {string} apiUrl       where the test posts packets (the API root, no /api suffix needed)
 * @property {boolean} external    true when E2E_BASE_URL points at a running deployment
 * @property {() => Promise<void>} stop
 */

/** @returns {Promise<Stack>} */
export async function startStack() {
  const external = process.env.E2E_BASE_URL;
  if (external) {
    const baseUrl = external.replace(/\/+$/, "");
    const apiUrl = (process.env.E2E_API_URL ?? `${baseUrl}/api`).replace(/\/+$/, "");
    await waitForHttp(`${baseUrl}/readyz`, { timeoutMs: 60_000 });
    await waitForHttp(`${apiUrl}/readyz`, { timeoutMs: 60_000 });
    return { baseUrl, apiUrl, external: true, stop: async () => {} };
  }

  if (!existsSync(resolve(distDir, "index.html"))) {
    throw new Error(
      `${distDir}/index.html is missing: build the SPA first with \`npm run build -w apps/patient-risk-web\``,
    );
  }
  const apiBin = process.env.E2E_API_BIN ?? defaultApiBin;
  if (!existsSync(apiBin)) {
    throw new Error(
      `${apiBin} is missing: set up the API's venv first (\`make api/venv\`, see docs/api.md) or point E2E_API_BIN at a patient-risk-api executable`,
    );
  }
  const apiPort = await freePort();
  const api = startProcess("api", apiBin, ["serve"], {
    cwd: apiDir,
    env: {
      ...process.env,
      PATIENT_RISK_STORAGE_BACKEND: "memory",
      PATIENT_RISK_HOST: "127.0.0.1",
      PATIENT_RISK_PORT: String(apiPort),
      PATIENT_RISK_LOG_FORMAT: "text",
      // Short keep-alives so a broken stream shows up quickly in the logs.
      PATIENT_RISK_SSE_HEARTBEAT_S: "5",
    },
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  try {
    await waitForHttp(`${apiUrl}/readyz`, { process: api, timeoutMs: 60_000 });
  } catch (error) {
    await api.stop();
    throw error;
  }
  let web;
  try {
    web = await startNginx({ upstream: apiUrl, name: "nginx" });
    await waitForHttp(`${web.baseUrl}/readyz`, { process: web.proc });
  } catch (error) {
    await api.stop();
    throw error;
  }
  return {
    baseUrl: web.baseUrl,
    apiUrl,
    external: false,
    stop: async () => {
      await web.stop();
      await api.stop();
    },
  };
}
