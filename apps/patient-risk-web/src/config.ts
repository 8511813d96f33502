/**
 * Build-time settings. `VITE_API_BASE` is the API root the browser calls:
 * a same-origin path (default "/api", which nginx proxies to the API) or an
 * absolute http(s) URL. It is public (baked into the bundle), never a secret.
 */
export const DEFAULT_API_BASE = "/api";

/** Checks an API base; the error says what was wrong and what is accepted. */
export function parseApiBase(raw: string | undefined): string {
  const value = (raw ?? "").trim();
  if (value === "") return DEFAULT_API_BASE;
  if (value.startsWith("/")) {
    if (value.startsWith("//") || /[?#\s]/.test(value)) {
      throw new Error(
        `VITE_API_BASE=${JSON.stringify(raw)}: a path must look like /api (no //, query, fragment or spaces)`,
      );
    }
    return value.replace(/\/+$/, "") || "/";
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `VITE_API_BASE=${JSON.stringify(raw)}: expected a path such as /api or an http(s) URL such as https://api.example.org`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`VITE_API_BASE=${JSON.stringify(raw)}: only http and https URLs are accepted`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(
      `VITE_API_BASE=${JSON.stringify(raw)}: no credentials, query or fragment (it is public, baked into the bundle)`,
    );
  }
  return url.href.replace(/\/+$/, "");
}
