import { DEFAULT_API_BASE, parseApiBase } from "../src/config";

describe("VITE_API_BASE", () => {
  it("defaults to /api", () => {
    expect(parseApiBase(undefined)).toBe(DEFAULT_API_BASE);
    expect(parseApiBase("  ")).toBe("/api");
  });

  it("accepts paths and http(s) URLs, without a trailing slash", () => {
    expect(parseApiBase("/api/")).toBe("/api");
    expect(parseApiBase("/monitor/api")).toBe("/monitor/api");
    expect(parseApiBase("https://api.example.org/")).toBe("https://api.example.org");
    expect(parseApiBase("http://127.0.0.1:8080/base")).toBe("http://127.0.0.1:8080/base");
  });

  it("rejects values it cannot use, saying what is expected", () => {
    expect(() => parseApiBase("api")).toThrow(/VITE_API_BASE="api": expected a path such as \/api or an http\(s\) URL/);
    expect(() => parseApiBase("//evil.example")).toThrow(/a path must look like \/api/);
    expect(() => parseApiBase("ftp://x")).toThrow(/only http and https/);
    expect(() => parseApiBase("https://user:pw@api.example.org")).toThrow(/no credentials/);
    expect(() => parseApiBase("/api?x=1")).toThrow(/no \/\/, query/);
  });
});
