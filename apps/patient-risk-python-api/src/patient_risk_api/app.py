"""The FastAPI application: routes, error mapping (RFC 7807-style problems), request logs,
readiness, the server-sent risk-change stream and the OpenAPI document."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, config, packet_schema, service
from .models import (
    Assessment,
    AssessmentList,
    FieldError,
    Health,
    PatientList,
    PatientSummary,
    Problem,
    Readiness,
    RiskChangedEvent,
    RiskSnapshot,
    SignalPacket,
)
from .storage import PacketConflict, Storage, StorageUnavailable, create_storage

log = logging.getLogger("patient_risk_api")

MAX_BODY_BYTES = 4 * 1024 * 1024
PROBLEM_MEDIA_TYPE = "application/problem+json"
PatientId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="Patient identifier.")
]


def _problem_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        response["headers"] = headers
    return response


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
UNAVAILABLE = {503: _problem_response("Storage unavailable; retry after Retry-After seconds.", _RETRY_AFTER)}
INVALID = {422: _problem_response("A parameter or the body is invalid; `errors` names each bad field.")}
NOT_FOUND = {404: _problem_response("No such patient (or no assessment yet).")}


def problem(status: int, title: str, detail: str, errors: list[FieldError] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(type=f"https://patient-risk.invalid/problems/{title.lower().replace(' ', '-')}",
                   title=title, status=status, detail=detail, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers,
                        media_type=PROBLEM_MEDIA_TYPE)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(body)"


class AccessLog:
    """One structured log line per request (health probes at debug level)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            path = scope.get("path", "")
            level = logging.DEBUG if path in ("/healthz", "/readyz") else logging.INFO
            log.log(level, "request", extra={
                "method": scope.get("method"), "path": path, "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "client": (scope.get("client") or ("", 0))[0],
            })


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


def create_app(settings: config.Settings | None = None, storage: Storage | None = None) -> FastAPI:
    """The API. Settings default to the environment; ``storage`` overrides the backend."""
    settings = settings or config.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.storage = storage or create_storage(settings)
        app.state.shutdown = asyncio.Event()
        app.state.loop = asyncio.get_running_loop()
        log.info("started", extra={"storage_backend": app.state.storage.name, "version": __version__})
        try:
            yield
        finally:
            app.state.shutdown.set()
            await run_in_threadpool(app.state.storage.close)
            log.info("stopped")

    app = FastAPI(
        title="patient-risk-api",
        version=__version__,
        summary="Bedside signal packets in, NEWS2-style risk assessments out.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        generate_unique_id_function=lambda route: route.name,
    )
    app.state.settings = settings
    app.add_middleware(AccessLog)

    retry_after = {"Retry-After": str(settings.retry_after_s)}

    @app.exception_handler(StorageUnavailable)
    async def storage_unavailable(request: Request, err: StorageUnavailable) -> JSONResponse:
        log.warning("storage unavailable", extra={"path": request.url.path, "error": str(err)})
        return problem(503, "Storage unavailable", f"{err}; retry in {settings.retry_after_s} s", headers=retry_after)

    @app.exception_handler(PacketConflict)
    async def packet_conflict(request: Request, err: PacketConflict) -> JSONResponse:
        return problem(409, "Packet conflict", str(err), [FieldError(field="packet_id", message=str(err))])

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError) -> JSONResponse:
        errors = [FieldError(field=_loc_to_field(tuple(e["loc"])), message=e["msg"]) for e in err.errors()]
        return problem(422, "Invalid request", "; ".join(f"{e.field}: {e.message}" for e in errors), errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(err.status_code, "HTTP error")
        return problem(err.status_code, title, str(err.detail), headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, err: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(500, "Internal error", "an unexpected error occurred; it has been logged")

    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    # -- packets -------------------------------------------------------------------------

    @app.post(
        "/v1/signal-packets",
        tags=["packets"],
        summary="Submit a signal packet and get its risk assessment",
        description=(
            "The body must match contracts/signal-packet.schema.json. The packet is stored once: "
            "a resend of the same packet_id with the same content returns the stored assessment "
            "with 200; the same packet_id with different content is a 409."
        ),
        status_code=201,
        response_model=Assessment,
        responses={
            200: {"model": Assessment, "description": "Resend of a stored packet: the stored assessment."},
            201: {"description": "Packet stored and assessed."},
            409: _problem_response("packet_id already used for a packet with different content."),
            413: _problem_response(f"Body larger than {MAX_BODY_BYTES} bytes."),
            **INVALID,
            **UNAVAILABLE,
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignalPacket"}}},
            }
        },
    )
    async def post_signal_packet(request: Request) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return problem(413, "Payload too large", f"the body is {declared} bytes; the limit is {MAX_BODY_BYTES}")
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return problem(413, "Payload too large", f"the body is {len(body)} bytes; the limit is {MAX_BODY_BYTES}")
        # orjson parses the body; a valid packet is the same document json.loads would give
        # (orjson only differs on input the schema rejects anyway, e.g. integers beyond 64 bits,
        # or that it refuses, e.g. UTF-16 or 1e400). Anything else is parsed and validated
        # again exactly as before, so every 422 and its messages stay json.loads' and the
        # schema validator's.
        document: Any = _NOT_PARSED
        with contextlib.suppress(orjson.JSONDecodeError):
            document = orjson.loads(body)
        if document is _NOT_PARSED or not packet_schema.is_valid_fast(document):
            try:
                document = json.loads(body, parse_constant=_reject_constant)
            except (ValueError, UnicodeDecodeError) as err:
                where = f" at line {err.lineno} column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
                message = f"not valid JSON{where}: {getattr(err, 'msg', err)}"
                return problem(422, "Invalid signal packet", message, [FieldError(field="(body)", message=message)])
            errors = packet_schema.validate_packet(document)
        else:
            errors = []
        if not errors:
            try:
                packet = SignalPacket.model_validate(document)
            except ValidationError as err:
                errors = [FieldError(field=_loc_to_field(tuple(e["loc"])), message=e["msg"]) for e in err.errors()]
        if errors:
            detail = "the packet does not match contracts/signal-packet.schema.json: " + "; ".join(
                f"{e.field}: {e.message}" for e in errors
            )
            return problem(422, "Invalid signal packet", detail, errors)
        saved = await call(service.submit, _storage(request), packet)
        log.info("packet assessed", extra={
            "packet_id": packet.packet_id, "patient_id": packet.patient_id, "new": saved.created,
            "score": saved.assessment.score, "level": saved.assessment.level,
        })
        content = saved.json if saved.json is not None else saved.assessment.model_dump_json().encode("utf-8")
        return Response(content, status_code=201 if saved.created else 200, media_type="application/json")

    # -- patients ------------------------------------------------------------------------

    @app.get("/v1/patients", tags=["patients"], summary="Every patient with their latest risk",
             response_model=PatientList, responses={**UNAVAILABLE})
    async def list_patients(request: Request) -> PatientList:
        return PatientList(patients=await call(_storage(request).patients))

    @app.get("/v1/patients/{patient_id}", tags=["patients"], summary="One patient with their latest risk",
             response_model=PatientSummary, responses={**NOT_FOUND, **INVALID, **UNAVAILABLE})
    async def get_patient(request: Request, patient_id: PatientId) -> PatientSummary:
        found = await call(_storage(request).patient, patient_id)
        if found is None:
            raise StarletteHTTPException(404, f"no patient {patient_id!r}")
        return found

    @app.get("/v1/patients/{patient_id}/risk", tags=["patients"], summary="The patient's latest risk (cached)",
             response_model=RiskSnapshot, responses={**NOT_FOUND, **INVALID, **UNAVAILABLE})
    async def get_risk(request: Request, patient_id: PatientId) -> RiskSnapshot:
        latest = await call(_storage(request).latest_risk, patient_id)
        if latest is None:
            raise StarletteHTTPException(404, f"no assessment for patient {patient_id!r}")
        return latest

    @app.get("/v1/patients/{patient_id}/assessments", tags=["patients"], summary="The patient's assessments, newest first",
             response_model=AssessmentList, responses={**NOT_FOUND, **INVALID, **UNAVAILABLE})
    async def list_assessments(
        request: Request,
        patient_id: PatientId,
        limit: Annotated[int, Query(ge=1, le=100, description="At most this many, newest first.")] = 20,
    ) -> AssessmentList:
        storage = _storage(request)
        if await call(storage.patient, patient_id) is None:
            raise StarletteHTTPException(404, f"no patient {patient_id!r}")
        return AssessmentList(assessments=await call(storage.assessments, patient_id, limit))

    # -- events --------------------------------------------------------------------------

    @app.get(
        "/v1/events/risk",
        tags=["events"],
        summary="Server-sent events: one `risk-changed` event per new assessment",
        description=(
            "text/event-stream. Starts with `retry: 3000` and a `: subscribed` comment once the "
            "subscription is live; then `event: risk-changed` with `data:` a RiskChangedEvent "
            "JSON object per new assessment, and `: keep-alive` comments in between."
        ),
        response_class=StreamingResponse,
        responses={
            200: {"description": "The event stream.",
                  "content": {"text/event-stream": {"schema": {"type": "string"}}}},
            **UNAVAILABLE,
        },
    )
    async def risk_events(request: Request) -> StreamingResponse:
        storage = _storage(request)
        shutdown: asyncio.Event = request.app.state.shutdown
        queue: asyncio.Queue[RiskChangedEvent | None | Exception] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for event in storage.subscribe():
                    await queue.put(event)
            except StorageUnavailable as err:
                await queue.put(err)
            await queue.put(StorageUnavailable("event stream ended"))

        task = asyncio.create_task(pump())
        first = await queue.get()
        if isinstance(first, Exception):
            task.cancel()
            raise first if isinstance(first, StorageUnavailable) else StorageUnavailable(str(first))
        return StreamingResponse(_event_stream(queue, task, shutdown, settings.sse_heartbeat_s),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    # -- probes --------------------------------------------------------------------------

    @app.get("/healthz", tags=["probes"], summary="Liveness: the process serves requests", response_model=Health)
    async def healthz() -> Health:
        return Health(status="ok")

    @app.get("/readyz", tags=["probes"], summary="Readiness: storage reachable and schema at the Alembic head",
             response_model=Readiness,
             responses={503: {"model": Readiness, "description": "Not ready; `checks` says why."}})
    async def readyz(request: Request) -> JSONResponse:
        checks = await call(_storage(request).readiness)
        if request.app.state.shutdown.is_set():
            checks["process"] = "shutting down"
        ready = all(value == "ok" for value in checks.values())
        body = Readiness(status="ready" if ready else "unready", checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


_NOT_PARSED = object()


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def _event_stream(queue: asyncio.Queue[Any], task: asyncio.Task[None], shutdown: asyncio.Event,
                        heartbeat_s: float) -> AsyncIterator[str]:
    try:
        yield "retry: 3000\n: subscribed\n\n"
        last_sent = time.monotonic()
        while not shutdown.is_set():
            # Wake for the shutdown flag at least every 0.5 s, and for the keep-alive when it is
            # due (uvloop's millisecond timers may fire a little early: 5 ms of slack).
            remaining = heartbeat_s - (time.monotonic() - last_sent)
            if remaining <= 0.005:
                yield ": keep-alive\n\n"
                last_sent = time.monotonic()
                continue
            try:
                item = await asyncio.wait_for(queue.get(), timeout=min(0.5, remaining))
            except TimeoutError:
                continue
            if isinstance(item, Exception):
                log.warning("event stream ended", extra={"error": str(item)})
                return
            if item is not None:
                yield f"event: risk-changed\ndata: {item.model_dump_json()}\n\n"
                last_sent = time.monotonic()
    finally:
        task.cancel()


def _component(model: type[BaseModel]) -> dict[str, dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    return {model.__name__: schema, **defs}


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes,
                           description="Contract: contracts/openapi.yaml (generated; `make api/contract`).")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    packet, defs = packet_schema.openapi_components()
    schemas["SignalPacket"] = packet
    schemas.update(defs)
    for model in (Problem, RiskChangedEvent):
        schemas.update(_component(model))
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    app.openapi_schema = document
    return document

