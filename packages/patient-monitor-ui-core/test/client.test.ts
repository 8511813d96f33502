import { afterEach, describe, expect, it } from "vitest";
import {
  ApiClient,
  ApiError,
  ApiUnreachableError,
  joinUrl,
  UnexpectedResponseError,
  type Assessment,
  type PatientSummary,
  type SignalPacket,
} from "../src/index";
import { closedPortUrl, json, startServer, type TestServer } from "./support/http";

const patient: PatientSummary = {
  patient_id: "pt/1001",
  display_name: "Mira Okafor",
  ward: "Ward 7B",
  latest: { score: 8, level: "high", assessed_at: "2026-11-28T09:08:00Z", packet_id: "pkt-1" },
};

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("joinUrl", () => {
  it("joins without doubling or losing slashes", () => {
    expect(joinUrl("/api", "/v1/patients")).toBe("/api/v1/patients");
    expect(joinUrl("/api/", "v1/patients")).toBe("/api/v1/patients");
    expect(joinUrl("http://h:8080//", "/v1/x")).toBe("http://h:8080/v1/x");
    expect(joinUrl("", "/v1/x")).toBe("/v1/x");
  });
});

describe("ApiClient against a real HTTP server", () => {
  it("lists patients and encodes path segments", async () => {
    server = await startServer((req, res) => {
      if (req.url === "/base/v1/patients") return json(res, 200, { patients: [patient] });
      if (req.url === "/base/v1/patients/pt%2F1001") return json(res, 200, patient);
      return json(res, 404, { title: "Not Found", status: 404 });
    });
    const api = new ApiClient({ baseUrl: `${server.url}/base/` });
    expect(await api.listPatients()).toEqual([patient]);
    expect(await api.getPatient("pt/1001")).toEqual(patient);
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /base/v1/patients",
      "GET /base/v1/patients/pt%2F1001",
    ]);
    expect(server.requests[0]?.headers.accept).toBe("application/json");
    expect(api.riskEventsUrl).toBe(`${server.url}/base/v1/events/risk`);
  });

  it("turns a problem body into an ApiError that names the endpoint and fields", async () => {
    server = await startServer((_req, res) =>
      json(res, 422, {
        type: "about:blank",
        title: "Invalid signal packet",
        status: 422,
        detail: "2 problems",
        errors: [
          { field: "samples[3].spo2", message: "must be between 0 and 100" },
          { field: "started_at", message: "not an RFC 3339 date-time" },
        ],
      }),
    );
    const api = new ApiClient({ baseUrl: server.url });
    const error = await api
      .postSignalPacket({ packet_id: "x" } as unknown as SignalPacket)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.problem?.errors).toHaveLength(2);
    expect(apiError.message).toBe(
      "POST /v1/signal-packets failed with 422 Invalid signal packet: 2 problems " +
        "(samples[3].spo2: must be between 0 and 100; started_at: not an RFC 3339 date-time)",
    );
    expect(server.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(server.requests[0]?.body ?? "")).toEqual({ packet_id: "x" });
  });

  it("reports created vs idempotent resend and reads Retry-After on 503", async () => {
    let calls = 0;
    const assessment = { assessment_id: "a1", level: "high" } as unknown as Assessment;
    server = await startServer((_req, res) => {
      calls += 1;
      if (calls === 1) return json(res, 201, assessment);
      if (calls === 2) return json(res, 200, assessment);
      return json(res, 503, { title: "Storage unavailable", status: 503 }, { "retry-after": "7" });
    });
    const api = new ApiClient({ baseUrl: server.url });
    const packet = { packet_id: "p" } as unknown as SignalPacket;
    expect(await api.postSignalPacket(packet)).toEqual({ assessment, created: true });
    expect(await api.postSignalPacket(packet)).toEqual({ assessment, created: false });
    const error = (await api.postSignalPacket(packet).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.retryAfterS).toBe(7);
  });

  it("returns null risk for a 404 but rethrows other failures", async () => {
    server = await startServer((req, res) =>
      req.url?.includes("none")
        ? json(res, 404, { title: "No assessment", status: 404 })
        : res.writeHead(500).end("boom"),
    );
    const api = new ApiClient({ baseUrl: server.url });
    expect(await api.getRisk("none")).toBeNull();
    const error = (await api.getRisk("other").catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(500);
    expect(error.problem).toBeNull();
    expect(error.message).toBe("GET /v1/patients/other/risk failed with 500 HTTP 500");
  });

  it("passes limit through and checks the response shape", async () => {
    server = await startServer((req, res) =>
      req.url?.endsWith("?limit=5") ? json(res, 200, { assessments: [] }) : json(res, 200, { items: [] }),
    );
    const api = new ApiClient({ baseUrl: server.url });
    expect(await api.listAssessments("p1", { limit: 5 })).toEqual([]);
    await expect(api.listAssessments("p1")).rejects.toThrow(UnexpectedResponseError);
    await expect(api.listAssessments("p1")).rejects.toThrow(/expected an object with an `assessments` array/);
  });

  it("rejects a 200 that is not JSON", async () => {
    server = await startServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>"));
    const api = new ApiClient({ baseUrl: server.url });
    await expect(api.listPatients()).rejects.toThrow("GET /v1/patients: response is not JSON");
  });

  it("says the API is unreachable when nothing listens", async () => {
    const api = new ApiClient({ baseUrl: await closedPortUrl() });
    const error = await api.listPatients().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toMatch(/^GET \/v1\/patients: the API could not be reached/);
  });

  it("times out a hanging server and honours the caller's abort", async () => {
    server = await startServer(() => {
      /* never answers */
    });
    const api = new ApiClient({ baseUrl: server.url, timeoutMs: 150 });
    await expect(api.listPatients()).rejects.toBeInstanceOf(ApiUnreachableError);
    const controller = new AbortController();
    const pending = new ApiClient({ baseUrl: server.url }).listPatients({ signal: controller.signal });
    controller.abort(new Error("navigated away"));
    await expect(pending).rejects.toThrow("navigated away");
  });
});
