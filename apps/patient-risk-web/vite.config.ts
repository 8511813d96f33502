import { loadEnv } from "vite";
import { defineConfig } from "vitest/config";
import { parseApiBase } from "./src/config";

/**
 * Build: `npm run build -w apps/patient-risk-web` writes dist/ (index.html +
 * hashed assets under dist/assets/). `VITE_API_BASE` (default "/api") is read
 * at build time and checked here, so a bad value fails the build with a
 * message instead of shipping a broken bundle.
 *
 * Dev/preview: requests to /api are proxied to `PATIENT_RISK_API_UPSTREAM`
 * (default http://127.0.0.1:8080) with the /api prefix stripped, as nginx does.
 */
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), "");
  const apiBase = parseApiBase(env.VITE_API_BASE);
  const upstream = env.PATIENT_RISK_API_UPSTREAM || "http://127.0.0.1:8080";
  const proxy = {
    "/api": {
      target: upstream,
      changeOrigin: false,
      rewrite: (path: string) => path.replace(/^\/api/, ""),
    },
  };
  return {
    base: "/",
    define: {
      "import.meta.env.VITE_API_BASE": JSON.stringify(apiBase),
    },
    esbuild: { jsx: "automatic" },
    build: {
      outDir: "dist",
      emptyOutDir: true,
      target: "es2022",
      assetsDir: "assets",
      sourcemap: false,
      reportCompressedSize: false,
      rollupOptions: {
        onwarn(warning, warn) {
          // react-router marks its entry "use client" (for RSC bundlers); meaningless in an SPA.
          if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.message.includes('"use client"')) return;
          warn(warning);
        },
      },
    },
    server: { proxy },
    preview: { proxy },
    test: {
      environment: "jsdom",
      include: ["test/**/*.test.{ts,tsx}"],
      setupFiles: ["./test/setup.ts"],
      globals: true,
    },
  };
});
