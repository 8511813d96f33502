// Small process and network helpers for the end-to-end tests: free ports,
// child processes with their output kept in a log file, readiness polling.
import { spawn } from "node:child_process";
import { chownSync, closeSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const artifactsDir = resolve(repoRoot, "artifacts/e2e");

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts `command` in its own process group with stdout/stderr going to
 * artifacts/e2e/<name>.log (a plain file, so the child may re-open
 * /dev/stdout, as nginx does). `stop()` ends the whole group (TERM, then KILL).
 * @param {string} name
 * @param {string} command
 * @param {string[]} args
 * @param {{ env?: NodeJS.ProcessEnv, cwd?: string, logOwner?: { uid: number, gid: number } }} [options]
 */
export function startProcess(name, command, args, options = {}) {
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = resolve(artifactsDir, `${name}.log`);
  const logFd = openSync(logPath, "w");
  if (options.logOwner) chownSync(logPath, options.logOwner.uid, options.logOwner.gid);
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: options.env ?? process.env,
    stdio: ["ignore", logFd, logFd],
    detached: true,
  });
  closeSync(logFd);
  /** @type {number | null} */
  let exitCode = null;
  const exited = new Promise((resolveExit) => {
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      resolveExit(undefined);
    });
    child.once("error", (error) => {
      console.error(`failed to start ${command}: ${error.message}`);
      exitCode = 127;
      resolveExit(undefined);
    });
  });
  return {
    name,
    logPath,
    get exitCode() {
      return exitCode;
    },
    /** The last lines of the log, for error messages. */
    tail(lines = 30) {
      try {
        return readFileSync(logPath, "utf8").split("\n").slice(-lines).join("\n");
      } catch {
        return "(no log)";
      }
    },
    async stop() {
      if (exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => {
          try {
            if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
    },
    exited,
  };
}

/**
 * Polls `url` until it answers `expectStatus`, the process dies, or time runs out.
 * @param {string} url
 * @param {{ process?: ReturnType<typeof startProcess>, timeoutMs?: number, expectStatus?: number }} [options]
 */
export async function waitForHttp(url, options = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const expectStatus = options.expectStatus ?? 200;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (options.process && options.process.exitCode !== null) {
      throw new Error(
        `${options.process.name} exited with ${options.process.exitCode} before ${url} was ready; ` +
          `log ${options.process.logPath}:\n${options.process.tail()}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === expectStatus) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const where = options.process ? `; log ${options.process.logPath}:\n${options.process.tail()}` : "";
  throw new Error(`${url} not ready in time (last: ${last})${where}`);
}
