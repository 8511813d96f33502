"""Behaviour every storage backend must show, run against each (memory: test_api_memory.py,
postgres-redis: integration/test_postgres_redis.py). Subclasses provide the `client` fixture."""

from __future__ import annotations

from fastapi.testclient import TestClient
from helpers import fixture, renamed, small_packet


class ApiSuite:
    def test_low_spo2_fixture_is_high_risk_with_reasons(self, client: TestClient) -> None:
        response = client.post("/v1/signal-packets", json=fixture("low-spo2-trend.json"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["level"] == "high"
        assert body["score"] >= 7
        codes = {r["code"] for r in body["reasons"]}
        assert {"spo2_scale1", "spo2_falling", "desaturation"} <= codes
        assert all(r["message"] for r in body["reasons"])
        features = body["features"]
        assert features["spo2_slope_per_min"] < -1.0
        assert features["desaturation_events"] >= 1
        assert features["rejected_samples"] == 1 and features["gaps"] == 1
        assert body["rejections"][0]["field"] == "spo2" and body["rejections"][0]["code"] == "out_of_range"
        assert 0 < len(body["spo2_series"]) <= 120
        assert min(p["spo2"] for p in body["spo2_series"]) == features["spo2_min"]

    def test_normal_fixture_is_low(self, client: TestClient) -> None:
        body = client.post("/v1/signal-packets", json=fixture("normal.json")).json()
        assert (body["level"], body["score"]) == ("low", 0)

    def test_malformed_fixture_gets_422_naming_the_fields(self, client: TestClient) -> None:
        response = client.post("/v1/signal-packets", json=fixture("malformed.json"))
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        fields = {e["field"] for e in body["errors"]}
        assert fields == {"started_at", "samples[1].spo2"}
        assert "started_at" in body["detail"] and "samples[1].spo2" in body["detail"]
        assert client.get("/v1/patients/pt-1003").status_code == 404

    def test_missing_and_unknown_fields_are_named(self, client: TestClient) -> None:
        packet = small_packet("p-missing")
        del packet["device_id"]
        packet["samples"][0]["sp02"] = 97
        body = client.post("/v1/signal-packets", json=packet).json()
        assert {e["field"] for e in body["errors"]} == {"device_id", "samples[0].sp02"}

    def test_invalid_json_is_422(self, client: TestClient) -> None:
        response = client.post("/v1/signal-packets", content=b'{"packet_id": ', headers={"content-type": "application/json"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "(body)"
        assert "line 1" in response.json()["detail"]
        nan = client.post("/v1/signal-packets", content=b'{"spo2": NaN}', headers={"content-type": "application/json"})
        assert nan.status_code == 422

    def test_resend_is_idempotent_and_conflicts_are_409(self, client: TestClient) -> None:
        packet = small_packet("p-idem", patient_id="pt-idem")
        first = client.post("/v1/signal-packets", json=packet)
        again = client.post("/v1/signal-packets", json=packet)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        # Same readings spelled differently (float vs int, other time-zone notation): same packet.
        respelled = dict(packet, started_at="2026-11-28T11:00:00+01:00",
                         samples=[{**s, "spo2": float(s["spo2"])} for s in packet["samples"]])
        assert client.post("/v1/signal-packets", json=respelled).status_code == 200
        changed = dict(packet, samples=packet["samples"][:-1])
        conflict = client.post("/v1/signal-packets", json=changed)
        assert conflict.status_code == 409
        assert conflict.json()["errors"][0]["field"] == "packet_id"
        history = client.get("/v1/patients/pt-idem/assessments").json()["assessments"]
        assert [a["packet_id"] for a in history] == ["p-idem"]

    def test_patients_latest_risk_and_history(self, client: TestClient) -> None:
        low = fixture("low-spo2-trend.json")
        assert client.post("/v1/signal-packets", json=fixture("normal.json")).status_code == 201
        assert client.post("/v1/signal-packets", json=renamed(fixture("normal.json"), "h-1", "pt-1001")).status_code == 201
        high = client.post("/v1/signal-packets", json=low).json()

        patients = client.get("/v1/patients").json()["patients"]
        by_id = {p["patient_id"]: p for p in patients}
        assert by_id["pt-1001"]["display_name"] == "Mira Okafor"
        assert by_id["pt-1001"]["ward"] == "Ward 7B"
        assert by_id["pt-1001"]["latest"]["level"] == "high"
        assert by_id["pt-1002"]["latest"]["level"] == "low"

        risk = client.get("/v1/patients/pt-1001/risk").json()
        assert risk == {"score": high["score"], "level": "high", "assessed_at": high["assessed_at"],
                        "packet_id": "pkt-low-spo2-0001"}
        history = client.get("/v1/patients/pt-1001/assessments").json()["assessments"]
        assert [a["packet_id"] for a in history] == ["pkt-low-spo2-0001", "h-1"]
        assert client.get("/v1/patients/pt-1001/assessments", params={"limit": 1}).json()["assessments"][0][
            "assessment_id"] == high["assessment_id"]
        assert client.get("/v1/patients/pt-1001").json()["latest"]["packet_id"] == "pkt-low-spo2-0001"

    def test_not_found_and_bad_parameters(self, client: TestClient) -> None:
        for path in ("/v1/patients/nobody", "/v1/patients/nobody/risk", "/v1/patients/nobody/assessments"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert response.json()["status"] == 404
        client.post("/v1/signal-packets", json=small_packet("p-limit", patient_id="pt-limit"))
        response = client.get("/v1/patients/pt-limit/assessments", params={"limit": 0})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"
        assert client.get("/v1/patients/bad id!").status_code == 422

    def test_probes(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
        assert all(v == "ok" for v in ready.json()["checks"].values())
