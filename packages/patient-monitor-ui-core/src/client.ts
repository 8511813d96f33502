/**
 * A small typed client for the patient-risk API. Paths and body types come from
 * the contract (see api-types.ts); responses get a shallow shape check so a
 * mismatched server fails with a message naming the endpoint.
 */
import type {
  Assessment,
  AssessmentList,
  PatientList,
  PatientSummary,
  ProblemBody,
  RiskSnapshot,
  SignalPacket,
  SignalPacketCreated,
} from "./api-types";

/** The server answered with a non-2xx status. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly endpoint: string,
    readonly problem: ProblemBody | null,
    readonly retryAfterS: number | null = null,
  ) {
    super(ApiError.summarize(status, endpoint, problem));
  }

  private static summarize(status: number, endpoint: string, problem: ProblemBody | null): string {
    const title = problem?.title ?? `HTTP ${status}`;
    const detail = problem?.detail ? `: ${problem.detail}` : "";
    const fields = problem?.errors?.length
      ? ` (${problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ")})`
      : "";
    return `${endpoint} failed with ${status} ${title}${detail}${fields}`;
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** The request never got an HTTP answer (network down, DNS, CORS, timeout). */
export class ApiUnreachableError extends Error {
  override readonly name = "ApiUnreachableError";
  constructor(
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`${endpoint}: the API could not be reached${why}`, options);
  }
}

/** The server answered 2xx with a body that does not fit the contract. */
export class UnexpectedResponseError extends Error {
  override readonly name = "UnexpectedResponseError";
}

export interface ApiClientOptions {
  /** API root, e.g. "/api" (behind nginx) or "http://127.0.0.1:8080". */
  readonly baseUrl: string;
  /** Defaults to the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Per-request timeout in milliseconds. Default 10000. */
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
}

export interface PostPacketResult {
  readonly assessment: SignalPacketCreated;
  /** false when the API recognised an identical resend (HTTP 200). */
  readonly created: boolean;
}

/** Joins the base URL and an API path without doubling or dropping slashes. */
export function joinUrl(baseUrl: string, path: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  const rest = path.startsWith("/") ? path : `/${path}`;
  return `${base}${rest}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl;
    const f = options.fetch ?? globalThis.fetch;
    if (typeof f !== "function") {
      throw new Error("ApiClient: no fetch available; pass options.fetch");
    }
    this.fetchImpl = f.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** URL of the live risk event stream. */
  get riskEventsUrl(): string {
    return joinUrl(this.baseUrl, "/v1/events/risk");
  }

  async listPatients(options: RequestOptions = {}): Promise<PatientSummary[]> {
    const body = await this.request<PatientList>("GET", "/v1/patients", options);
    if (!isRecord(body) || !Array.isArray(body.patients)) {
      throw new UnexpectedResponseError("GET /v1/patients: expected an object with a `patients` array");
    }
    return body.patients;
  }

  async getPatient(patientId: string, options: RequestOptions = {}): Promise<PatientSummary> {
    const body = await this.request<PatientSummary>("GET", `/v1/patients/${enc(patientId)}`, options);
    if (!isRecord(body) || typeof body.patient_id !== "string") {
      throw new UnexpectedResponseError(
        "GET /v1/patients/{patient_id}: expected a patient object with `patient_id`",
      );
    }
    return body;
  }

  /** The latest risk, or `null` when the patient has no assessment (404). */
  async getRisk(patientId: string, options: RequestOptions = {}): Promise<RiskSnapshot | null> {
    try {
      return await this.request<RiskSnapshot>("GET", `/v1/patients/${enc(patientId)}/risk`, options);
    } catch (error) {
      if (error instanceof ApiError && error.isNotFound) return null;
      throw error;
    }
  }

  /** Newest first. */
  async listAssessments(
    patientId: string,
    options: RequestOptions & { readonly limit?: number } = {},
  ): Promise<Assessment[]> {
    const query = options.limit === undefined ? "" : `?limit=${encodeURIComponent(options.limit)}`;
    const body = await this.request<AssessmentList>(
      "GET",
      `/v1/patients/${enc(patientId)}/assessments${query}`,
      options,
    );
    if (!isRecord(body) || !Array.isArray(body.assessments)) {
      throw new UnexpectedResponseError(
        "GET /v1/patients/{patient_id}/assessments: expected an object with an `assessments` array",
      );
    }
    return body.assessments;
  }

  async postSignalPacket(packet: SignalPacket, options: RequestOptions = {}): Promise<PostPacketResult> {
    const { body, status } = await this.send<SignalPacketCreated>("POST", "/v1/signal-packets", {
      ...options,
      json: packet,
    });
    return { assessment: body, created: status === 201 };
  }

  private async request<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    return (await this.send<T>(method, path, options)).body;
  }

  private async send<T>(
    method: string,
    path: string,
    options: RequestOptions & { readonly json?: unknown },
  ): Promise<{ body: T; status: number }> {
    const endpoint = `${method} ${path.replace(/\?.*$/, "")}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: "application/json" };
    const init: RequestInit = { method, headers, signal };
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(options.json);
    }
    let response: Response;
    try {
      response = await this.fetchImpl(joinUrl(this.baseUrl, path), init);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw new ApiUnreachableError(endpoint, { cause: error });
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (response.ok) {
          throw new UnexpectedResponseError(`${endpoint}: response is not JSON`);
        }
      }
    }
    if (!response.ok) {
      const problem = isRecord(parsed) ? (parsed as ProblemBody) : null;
      throw new ApiError(
        response.status,
        endpoint,
        problem,
        parseRetryAfter(response.headers.get("retry-after")),
      );
    }
    return { body: parsed as T, status: response.status };
  }
}

function enc(segment: string): string {
  return encodeURIComponent(segment);
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  return new ApiClient(options);
}
