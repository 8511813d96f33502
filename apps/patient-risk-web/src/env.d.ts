/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** API root baked in at build time, checked by vite.config.ts (default "/api"). */
  readonly VITE_API_BASE: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
