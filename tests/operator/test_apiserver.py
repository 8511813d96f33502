"""The operator against a real kube-apiserver + etcd on loopback (issue 16).

Nothing here is a fake: the CRD and RBAC are the checked-in files from
apps/risk-monitor-operator/config/, the operator is the real binary (and, last, its image)
authenticating as its service account, and the patient-risk API it polls is the API image on
PostgreSQL and Redis. Tests run in file order: the audit test at the end reads what the earlier
ones made the operator do.
"""

from __future__ import annotations

import copy
import json
import time
import urllib.request

import pytest

from conftest import (
    HARDENED,
    LEASE_NAME,
    RM_PATH,
    SA_NAMESPACE,
    SA_USER,
    Kube,
    KubeError,
    condition,
    container,
    events_for,
    fixture_packet,
    free_port,
    host_operator,
    http_get,
    load_yaml_docs,
    need_env,
    post_packet,
    riskmonitor,
    wait_for,
    OPERATOR_DIR,
)

OPERATOR_UA = "risk-monitor-operator/"


def test_apiserver_is_the_pinned_build(cluster):
    """The server is the kube-apiserver built by `make operator/apiserver` (not a stand-in)."""
    version = cluster.admin.get("/version")
    assert version["gitVersion"] == need_env("KUBE_VERSION"), version
    assert version["gitTreeState"] == "clean" and version["platform"] == "linux/amd64", version


def test_crd_installs_from_config_and_the_server_enforces_its_schema(cluster, crd, namespace):
    """The checked-in CRD installs and becomes Established; the server then applies its schema:
    defaults are filled in, bad values are refused with 422, and status is a subresource."""
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1")
    assert version["served"] and version["storage"] and "status" in version["subresources"], version
    assert "rmon" in crd["spec"]["names"]["shortNames"]

    (sample,) = load_yaml_docs(OPERATOR_DIR / "config/samples/monitoring_v1alpha1_riskmonitor.yaml")
    minimal = riskmonitor("defaults", "http://127.0.0.1:9")
    created = cluster.admin.apply_manifest(minimal, namespace)
    assert created["spec"]["pollInterval"] == "30s" and created["spec"]["alertLevel"] == "high", created["spec"]
    cluster.admin.apply_manifest(sample, namespace)

    bad = riskmonitor("bad-level", "http://127.0.0.1:9", alertLevel="critical")
    with pytest.raises(KubeError) as refused:
        cluster.admin.apply_manifest(bad, namespace)
    assert refused.value.code == 422 and "alertLevel" in str(refused.value), refused.value
    no_url = riskmonitor("no-url", "x")
    del no_url["spec"]["apiURL"]
    with pytest.raises(KubeError) as refused:
        cluster.admin.apply_manifest(no_url, namespace)
    assert refused.value.code == 422 and "apiURL" in str(refused.value), refused.value

    # Status is a subresource: a write of the main resource drops status changes.
    path = f"{RM_PATH}/namespaces/{namespace}/riskmonitors/defaults"
    cluster.admin.merge_patch(path, {"status": {"atRiskCount": 5}})
    assert "atRiskCount" not in cluster.admin.get(path).get("status", {})
    cluster.admin.merge_patch(path + "/status", {"status": {"atRiskCount": 5}})
    assert cluster.admin.get(path)["status"]["atRiskCount"] == 5


def test_operator_authenticates_as_its_service_account_with_only_its_roles(cluster, crd):
    """The kubeconfig the operator gets carries a TokenRequest token for the service account, which
    can do what config/rbac grants and is refused the rest (so the audit test below can fail)."""
    sa = cluster.as_sa()
    review = sa.create("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                       {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
    assert review["status"]["userInfo"]["username"] == SA_USER, review
    assert sa.get(f"{RM_PATH}/riskmonitors")["kind"] == "RiskMonitorList"
    for forbidden in ("/api/v1/secrets", "/api/v1/pods", f"/api/v1/namespaces/{SA_NAMESPACE}/configmaps"):
        with pytest.raises(KubeError) as refused:
            sa.get(forbidden)
        assert refused.value.code == 403, forbidden
    with pytest.raises(KubeError) as refused:
        sa.create(f"{RM_PATH}/namespaces/{SA_NAMESPACE}/riskmonitors", riskmonitor("x", "http://127.0.0.1:9"))
    assert refused.value.code == 403, "the role must not let the operator create RiskMonitors"


def _status(kube: Kube, namespace: str, name: str) -> dict:
    return kube.get(f"{RM_PATH}/namespaces/{namespace}/riskmonitors/{name}")


def _reasons(kube: Kube, namespace: str, name: str) -> dict[str, dict]:
    return {e["reason"]: e for e in events_for(kube, namespace, name)}


def test_riskmonitor_reconciled_end_to_end_against_the_api_image(cluster, crd, risk_api, namespace):
    """The host-built operator, as its service account, polls the API image (PostgreSQL + Redis) and
    writes what the API says into status through the status subresource, records Events on
    transitions, exports its metrics, and follows a spec change (a new generation)."""
    assert post_packet(risk_api, fixture_packet("low-spo2-trend.json"))["level"] == "high"
    assert post_packet(risk_api, fixture_packet("normal.json"))["level"] == "low"
    at_risk_id = fixture_packet("low-spo2-trend.json")["patient_id"]
    with urllib.request.urlopen(f"{risk_api.url}/v1/patients/{at_risk_id}/risk", timeout=10) as resp:
        api_risk = json.loads(resp.read())
    assert api_risk["level"] == "high", api_risk

    with host_operator(cluster, f"--namespace={namespace}") as op:
        rm = riskmonitor("ward-7b", risk_api.url, pollInterval="5s", alertLevel="high",
                         patientSelector={"ward": "Ward 7B"})
        cluster.admin.apply_manifest(rm, namespace)

        def synced():
            got = _status(cluster.admin, namespace, "ward-7b")
            st = got.get("status") or {}
            ok = condition(got, "Ready").get("reason") == "Synced" and st.get("observedGeneration") == got["metadata"]["generation"]
            return got if ok else None
        got = wait_for("RiskMonitor Ready/Synced", synced, 60)
        st = got["status"]
        assert condition(got, "Ready")["status"] == "True" and condition(got, "Degraded")["status"] == "False", st
        assert st["watchedPatients"] == 2 and st["atRiskCount"] == 1, st
        (patient,) = st["patientsAtRisk"]
        assert patient["patientID"] == at_risk_id and patient["level"] == "high", patient
        assert patient["score"] == api_risk["score"] and patient["packetID"] == api_risk["packet_id"], (patient, api_risk)
        assert patient["ward"] == "Ward 7B" and patient["displayName"] == "Mira Okafor", patient
        assert st.get("consecutiveFailures", 0) == 0 and st.get("lastSyncTime"), st  # omitempty: 0 is absent

        reasons = wait_for("PatientAtRisk event", lambda: _reasons(cluster.admin, namespace, "ward-7b").get("PatientAtRisk") and
                           _reasons(cluster.admin, namespace, "ward-7b"), 30)
        assert reasons["PatientAtRisk"]["type"] == "Warning" and at_risk_id in reasons["PatientAtRisk"]["message"], reasons
        assert wait_for("at-risk gauge", lambda: op.metric("riskmonitor_patients_at_risk", namespace=namespace, name="ward-7b") == 1, 30)
        assert op.metric("riskmonitor_patients_watched", namespace=namespace, name="ward-7b") == 2

        # The patient recovers: a newer, normal packet for the same patient.
        recovered = copy.deepcopy(fixture_packet("normal.json"))
        recovered.update(packet_id="pkt-operator-it-recovered", patient_id=at_risk_id, started_at="2026-11-28T10:00:00Z",
                         patient=fixture_packet("low-spo2-trend.json")["patient"])
        assessed = post_packet(risk_api, recovered)
        assert assessed["level"] == "low" and assessed["patient_id"] == at_risk_id, assessed

        def recovered_status():
            st = _status(cluster.admin, namespace, "ward-7b")["status"]
            return st if st.get("atRiskCount", 0) == 0 else None  # omitempty: 0 is absent
        st = wait_for("status after recovery (next poll, 5 s)", recovered_status, 45)
        assert not st.get("patientsAtRisk"), st
        reasons = wait_for("PatientRecovered event", lambda: "PatientRecovered" in _reasons(cluster.admin, namespace, "ward-7b")
                           and _reasons(cluster.admin, namespace, "ward-7b"), 30)
        assert reasons["PatientRecovered"]["type"] == "Normal", reasons

        # A spec change is a new generation; the operator reconciles it (alert level low: both patients).
        cluster.admin.merge_patch(f"{RM_PATH}/namespaces/{namespace}/riskmonitors/ward-7b", {"spec": {"alertLevel": "low"}})

        def regenerated():
            got = _status(cluster.admin, namespace, "ward-7b")
            st = got["status"]
            return got if got["metadata"]["generation"] == 2 and st["observedGeneration"] == 2 and st["atRiskCount"] == 2 else None
        wait_for("generation 2 observed with both patients at or above low", regenerated, 45)


def test_leader_election_one_leader_and_failover(cluster, crd, namespace):
    """Two operators with --leader-elect: the Lease is acquired by one, only that one reconciles;
    when it stops (releasing the Lease), the other takes over and reconciles."""
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/{SA_NAMESPACE}/leases/{LEASE_NAME}"
    flags = ["--leader-elect", f"--leader-election-namespace={SA_NAMESPACE}", f"--namespace={namespace}"]
    # An API that is not there: each reconcile is a quick failed poll (status Degraded).
    cluster.admin.apply_manifest(riskmonitor("no-api", f"http://127.0.0.1:{free_port()}", pollInterval="5s"), namespace)
    with host_operator(cluster, *flags, name="op-a") as a, host_operator(cluster, *flags, name="op-b") as b:
        def one_leader():
            states = [a.metric("leader_election_master_status") or 0, b.metric("leader_election_master_status") or 0]
            return states if sorted(states) == [0, 1] else None
        states = wait_for("exactly one leader", one_leader, 40)
        leader, follower = (a, b) if states[0] == 1 else (b, a)
        lease = cluster.admin.get(lease_path)
        holder = lease["spec"]["holderIdentity"]
        assert holder, lease

        def reconciled(op):
            return (op.metric("controller_runtime_reconcile_total", controller="riskmonitor", result="success") or 0) + \
                   (op.metric("controller_runtime_reconcile_total", controller="riskmonitor", result="requeue_after") or 0) > 0
        wait_for("the leader reconciles", lambda: reconciled(leader), 30)
        got = wait_for("status from the leader", lambda: condition(_status(cluster.admin, namespace, "no-api"), "Degraded").get("status") == "True"
                       and _status(cluster.admin, namespace, "no-api"), 30)
        assert condition(got, "Ready")["reason"] == "APIUnavailable", got["status"]
        assert "APIUnavailable" in _reasons(cluster.admin, namespace, "no-api")
        time.sleep(3)
        assert not reconciled(follower), "the follower reconciled while not leading"
        assert follower.metric("leader_election_master_status") in (None, 0)

        leader.proc.stop()
        wait_for("the follower takes over", lambda: follower.metric("leader_election_master_status") == 1, 40)
        lease = cluster.admin.get(lease_path)
        assert lease["spec"]["holderIdentity"] not in ("", holder), lease["spec"]
        assert lease["spec"].get("leaseTransitions", 0) >= 1, lease["spec"]
        wait_for("the new leader reconciles", lambda: reconciled(follower), 30)


def test_operator_image_against_the_real_apiserver(cluster, crd, risk_api, namespace):
    """The operator image (read-only, no capabilities, host network on loopback) with the service
    account's kubeconfig reconciles a RiskMonitor against the API image."""
    probe, metrics = free_port(), free_port()
    args = [*HARDENED, "-v", f"{cluster.kubeconfig}:/kube/config:ro"]
    cluster.admin.apply_manifest(riskmonitor("from-image", risk_api.url, pollInterval="5s", alertLevel="medium"), namespace)
    with container(need_env("OPERATOR_IMAGE"), "--kubeconfig", "/kube/config", f"--namespace={namespace}",
                   f"--health-probe-bind-address=127.0.0.1:{probe}", f"--metrics-bind-address=127.0.0.1:{metrics}",
                   run_args=args):
        wait_for("operator image /readyz", lambda: http_get(f"http://127.0.0.1:{probe}/readyz")[0] == 200, 60)

        def synced():
            got = _status(cluster.admin, namespace, "from-image")
            return got if condition(got, "Ready").get("reason") == "Synced" else None
        got = wait_for("RiskMonitor reconciled by the image", synced, 60)
        assert got["status"]["watchedPatients"] >= 2, got["status"]


def test_rbac_in_config_is_enough_and_status_goes_through_the_subresource(cluster):
    """Over everything the operator did in this session (audit log): every request came from its
    service account and none was refused; it wrote status only through riskmonitors/status, created
    Events, and held the Lease. A refused request made with the same token shows a refusal would be seen."""
    # Positive control: a request the roles do not allow, made with the operator's own token.
    with pytest.raises(KubeError) as refused:
        cluster.as_sa().get("/api/v1/namespaces/kube-system/secrets")
    assert refused.value.code == 403
    wait_for("the refused request in the audit log", lambda: any(
        e.get("requestURI") == "/api/v1/namespaces/kube-system/secrets" and e.get("stage") == "ResponseComplete"
        for e in cluster.audit_events()), 10)
    events = [e for e in cluster.audit_events() if e.get("stage") == "ResponseComplete"]
    ours = [e for e in events if e.get("userAgent", "").startswith(OPERATOR_UA)]
    assert ours, "the audit log has no request from the operator"
    assert {e["user"]["username"] for e in ours} == {SA_USER}, {e["user"]["username"] for e in ours}
    refused = [(e["verb"], e.get("requestURI"), e["responseStatus"].get("code")) for e in ours
               if e["responseStatus"].get("code") in (401, 403)]
    assert not refused, f"the operator was refused: {refused[:10]}"
    probes = [e for e in events if e["user"]["username"] == SA_USER and not e.get("userAgent", "").startswith(OPERATOR_UA)]
    assert any(e["responseStatus"].get("code") == 403 for e in probes), "positive control: a refusal is in the audit log"

    did = {(e["verb"], (e.get("objectRef") or {}).get("resource"), (e.get("objectRef") or {}).get("subresource")) for e in ours}
    for want in [("list", "riskmonitors", None), ("watch", "riskmonitors", None), ("create", "events", None),
                 ("create", "leases", None), ("update", "leases", None)]:
        assert want in did, f"the operator never did {want}: {sorted(map(str, did))}"
    assert ("update", "riskmonitors", "status") in did or ("patch", "riskmonitors", "status") in did, did
    writes = {v for v, r, s in did if r == "riskmonitors" and s is None and v in ("update", "patch", "create", "delete")}
    assert not writes, f"the operator wrote RiskMonitors outside the status subresource: {writes}"
