// Runs the web image's own entrypoint (apps/patient-risk-web/nginx/start.sh)
// with Debian's nginx on a loopback port. When the tests run as root, nginx
// runs as `nobody` with a runtime dir only that user can write, as in the
// image (non-root, temp and pid paths under the runtime dir).
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, repoRoot, startProcess, waitForHttp } from "./proc.mjs";

export const webDir = resolve(repoRoot, "apps/patient-risk-web");
export const startScript = resolve(webDir, "nginx/start.sh");
export const distDir = resolve(webDir, "dist");

const NOBODY = { uid: 65534, gid: 65534 };

function runsAsRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/**
 * @param {{ upstream: string, webRoot?: string, name?: string, env?: Record<string, string> }} options
 */
export async function startNginx(options) {
  if (!existsSync("/usr/sbin/nginx")) {
    throw new Error("nginx is not installed: run `apt-get install -y nginx` (make test/e2e/web does)");
  }
  const port = await freePort();
  const runtimeDir = mkdtempSync(join(tmpdir(), "prw-nginx-"));
  const asRoot = runsAsRoot();
  if (asRoot) chownSync(runtimeDir, NOBODY.uid, NOBODY.gid);
  const env = {
    PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
    PATIENT_RISK_API_UPSTREAM: options.upstream,
    PATIENT_RISK_WEB_LISTEN: `127.0.0.1:${port}`,
    PATIENT_RISK_WEB_ROOT: options.webRoot ?? distDir,
    PATIENT_RISK_RUNTIME_DIR: runtimeDir,
    PATIENT_RISK_LOG_LEVEL: "notice",
    ...options.env,
  };
  const [command, args] = asRoot
    ? ["setpriv", [`--reuid=${NOBODY.uid}`, `--regid=${NOBODY.gid}`, "--clear-groups", "sh", startScript]]
    : ["sh", [startScript]];
  const proc = startProcess(options.name ?? "nginx", command, args, {
    env,
    ...(asRoot ? { logOwner: NOBODY } : {}),
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${baseUrl}/healthz`, { process: proc, timeoutMs: 20_000 });
  return {
    baseUrl,
    runtimeDir,
    proc,
    /** The user id the nginx worker processes run as. */
    workerUids() {
      const out = execFileSync("ps", ["-o", "uid=,args=", "--ppid", String(masterPid(runtimeDir))], {
        encoding: "utf8",
      });
      return out
        .split("\n")
        .filter((l) => l.includes("nginx: worker"))
        .map((l) => Number(l.trim().split(/\s+/)[0]));
    },
    async stop() {
      await proc.stop();
      rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

/** @param {string} runtimeDir */
function masterPid(runtimeDir) {
  return Number(readFileSync(join(runtimeDir, "nginx.pid"), "utf8").trim());
}
