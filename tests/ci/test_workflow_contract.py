"""Workflow contract: reads every workflow and composite action of .github/ and proves the
publish gates of docs/release.md hold (guide 6-1, 8-1). General rules apply to every workflow in
the directory (the retention workflow included); the container workflow's gate table is checked
job by job."""
import re

import pytest

from workflows import (
    ACTIONS,
    CLEANUP_ACTION,
    EVENTS,
    REPO_ROOT,
    RUN_MAKE,
    SECRETS_ACTION,
    action_files,
    evaluate,
    load_yaml,
    make_targets,
    permissions,
    reaching,
    secret_refs,
    triggers,
    workflow_files,
)

WORKFLOWS = {p.name: (p, load_yaml(p)) for p in workflow_files()}
CONTAINER = "container.yml"
PR_EVENTS = {e.key for e in EVENTS if e.is_pr}
BUILD_TARGET = re.compile(r"^(ci/(validate|images|publish\S*)|container/\S+|frontend/push)$")


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def runs_targets(job: dict) -> list[str]:
    return [RUN_MAKE.match(s["run"].strip()).group("target") for s in steps(job) if "run" in s and RUN_MAKE.match(s["run"].strip())]


def all_jobs():
    for name, (path, wf) in WORKFLOWS.items():
        reach = reaching(wf, path)
        for jid, job in wf["jobs"].items():
            yield name, wf, jid, job, reach[jid]


def test_workflows_exist():
    """The container workflow is there, and every workflow file is read by these tests."""
    assert CONTAINER in WORKFLOWS, sorted(WORKFLOWS)


def test_container_gate_table():
    """Which events reach which job of the container workflow: the table of issue 13 / guide 8-1."""
    path, wf = WORKFLOWS[CONTAINER]
    assert reaching(wf, path) == {
        "validate": {"pull_request", "push main", "push tag", "dispatch dev", "dispatch release"},
        "publish-dev": {"push main", "dispatch dev"},
        "publish-release": {"push tag", "dispatch release"},
    }
    inputs = triggers(wf)["workflow_dispatch"]["inputs"]
    assert inputs["publish"]["type"] == "choice" and inputs["publish"]["options"] == ["dev", "release"]
    assert inputs["version"]["type"] == "string"
    assert triggers(wf)["push"] == {"branches": ["main"], "tags": ["v*"]}


def test_container_jobs_run_their_gates_in_order():
    """validate runs the 5-2 chain (one make target), the publish jobs need it and run their own publish target."""
    _, wf = WORKFLOWS[CONTAINER]
    jobs = wf["jobs"]
    assert runs_targets(jobs["validate"]) == ["ci/plan", "ci/validate"]
    assert "ci/publish-dev" in runs_targets(jobs["publish-dev"])
    assert "ci/publish-release" in runs_targets(jobs["publish-release"])
    for j in ("publish-dev", "publish-release"):
        assert jobs[j]["needs"] in ("validate", ["validate"]), j


def test_container_permissions_per_job():
    """contents: read everywhere; packages: write only on the two publish jobs."""
    _, wf = WORKFLOWS[CONTAINER]
    assert wf["permissions"] == {"contents": "read"}
    perms = {jid: permissions(wf, job) for jid, job in wf["jobs"].items()}
    assert perms == {
        "validate": {"contents": "read"},
        "publish-dev": {"contents": "read", "packages": "write"},
        "publish-release": {"contents": "read", "packages": "write"},
    }


def test_no_workflow_uses_pull_request_target():
    """pull_request_target runs with secrets on a fork's code: never used."""
    for name, (_, wf) in WORKFLOWS.items():
        assert "pull_request_target" not in triggers(wf), name
        assert "pull_request_target" not in (REPO_ROOT / ".github" / "workflows" / name).read_text(), name


def test_every_job_has_an_explicit_read_only_default():
    """Each workflow sets top-level permissions (the default token may write), with no write at the top."""
    for name, (_, wf) in WORKFLOWS.items():
        top = wf.get("permissions")
        assert top is not None, f"{name}: add `permissions: contents: read` at the top"
        top = {"*": top} if isinstance(top, str) else top
        assert all(v in ("read", "none", "read-all") for v in top.values()), f"{name}: top-level permissions {top}"


def test_pr_jobs_get_no_secrets_no_write_no_login():
    """No job a pull_request reaches sees secrets.*, github.token, a write permission, an
    environment, or a registry login, in any workflow."""
    checked = 0
    for name, wf, jid, job, evs in all_jobs():
        if not evs & PR_EVENTS:
            continue
        checked += 1
        where = f"{name}: jobs.{jid}"
        assert not secret_refs(job), f"{where} is reachable from a pull request but reads {secret_refs(job)}"
        assert job.get("secrets") is None, f"{where}: passes secrets to a reusable workflow"
        assert "github.token" not in str(job), f"{where}: uses github.token"
        perms = permissions(wf, job)
        assert all(v != "write" and v != "write-all" for v in perms.values()), f"{where}: permissions {perms}"
        assert "environment" not in job, f"{where}: has an environment"
        assert "ci/registry-login" not in runs_targets(job) and "docker login" not in str(job), f"{where}: logs in"
        assert not any(str(s.get("uses", "")).startswith(SECRETS_ACTION) for s in steps(job)), where
    assert checked, "no workflow job runs on pull_request: the PR gate is missing"


def test_write_permissions_only_on_non_pr_jobs():
    """packages: write (any write) appears only on jobs no pull request can reach."""
    for name, wf, jid, job, evs in all_jobs():
        perms = permissions(wf, job)
        if any(v in ("write", "write-all") for v in perms.values()):
            assert evs and not evs & PR_EVENTS, f"{name}: jobs.{jid} writes ({perms}) and runs on {evs}"


def test_only_the_release_job_has_the_container_release_environment():
    """container-release is on exactly the job that runs ci/publish-release, and that job runs only for releases."""
    with_env = [(n, jid, evs) for n, wf, jid, job, evs in all_jobs() if job.get("environment") is not None]
    for n, jid, evs in with_env:
        job = WORKFLOWS[n][1]["jobs"][jid]
        env = job["environment"]
        assert (env if isinstance(env, str) else env["name"]) == "container-release", f"{n}: jobs.{jid}"
        assert "ci/publish-release" in runs_targets(job), f"{n}: jobs.{jid} has the environment but does not release"
        assert evs == {"push tag", "dispatch release"}, f"{n}: jobs.{jid} runs on {evs}"
    releasing = [(n, jid) for n, wf, jid, job, evs in all_jobs() if "ci/publish-release" in runs_targets(job)]
    assert releasing == [(n, jid) for n, jid, _ in with_env] == [(CONTAINER, "publish-release")]


def test_nothing_else_can_push_images():
    """Only container.yml's publish jobs run a publishing make target."""
    pushing = re.compile(r"^(ci/publish\S*|container/push|frontend/push|release/\S+)$")
    found = [(n, jid) for n, wf, jid, job, evs in all_jobs() if any(pushing.match(t) for t in runs_targets(job))]
    assert found == [(CONTAINER, "publish-dev"), (CONTAINER, "publish-release")]


def test_secrets_reach_builds_only_through_the_composite_action():
    """Every secrets.* is in the `with:` of the registry-secrets step; never job/workflow env, a
    build step's env/with, or a build arg. Jobs that build pass credentials only as the action's
    flags file, and the cleanup action runs after the builds with if: always()."""
    for name, (_, wf) in WORKFLOWS.items():
        assert not secret_refs(wf.get("env", {})), f"{name}: secrets in workflow env"
        for jid, job in wf["jobs"].items():
            where = f"{name}: jobs.{jid}"
            assert not secret_refs(job.get("env", {})), f"{where}: secrets in job env"
            uses_action = False
            builds_after = False
            for i, s in enumerate(steps(job)):
                refs = secret_refs(s)
                if str(s.get("uses", "")) == SECRETS_ACTION:
                    uses_action = True
                    assert not secret_refs({k: v for k, v in s.items() if k != "with"}), f"{where}.steps[{i}]"
                    continue
                builds = any(BUILD_TARGET.match(t) for t in runs_targets({"steps": [s]}))
                if builds:
                    assert not refs, f"{where}.steps[{i}] is a build step with {refs}"
                    builds_after = builds_after or uses_action
                    flags = (s.get("env") or {}).get("CI_SECRET_FLAGS_FILE")
                    if uses_action:
                        assert flags and "steps.creds.outputs.flags-file" in flags, f"{where}.steps[{i}]"
                elif refs:
                    # Outside the composite action a secret may only be the env of a non-build
                    # `make` step (e.g. an API token of the retention workflow); never a `with:`.
                    outside_env = [p for p, _ in refs if not p.startswith(".env.")]
                    assert "run" in s and not outside_env, f"{where}.steps[{i}]: secrets at {outside_env or refs}"
            if uses_action:
                assert builds_after, f"{where}: registry-secrets used but no build step after it"
                cleanup = [i for i, s in enumerate(steps(job)) if str(s.get("uses", "")) == CLEANUP_ACTION]
                action_at = next(i for i, s in enumerate(steps(job)) if str(s.get("uses", "")) == SECRETS_ACTION)
                last_build = max(i for i, s in enumerate(steps(job)) if any(BUILD_TARGET.match(t) for t in runs_targets({"steps": [s]})))
                assert cleanup and cleanup[0] > last_build > action_at, f"{where}: cleanup must follow the builds"
                assert evaluate(steps(job)[cleanup[0]].get("if", "success()"), EVENTS[1], where) and \
                    "always()" in steps(job)[cleanup[0]].get("if", ""), f"{where}: cleanup needs if: always()"


def test_every_run_step_is_a_make_target():
    """No logic that exists only in YAML: each `run:` of a workflow or composite action is one
    `make <target>` that the Makefile defines (so it runs here)."""
    targets = make_targets()
    docs = [(p, load_yaml(p)) for p in [*workflow_files(), *action_files()]]
    seen = 0
    for p, doc in docs:
        jobs = doc.get("jobs", {}) or {}
        all_steps = [s for j in jobs.values() for s in steps(j)] + list((doc.get("runs") or {}).get("steps", []))
        for s in all_steps:
            if "run" not in s:
                continue
            seen += 1
            m = RUN_MAKE.match(s["run"].strip())
            assert m, f"{p.relative_to(REPO_ROOT)}: run step {s['run']!r} is not `make <target>`"
            assert m.group("target") in targets, f"{p.relative_to(REPO_ROOT)}: make {m.group('target')} is not defined"
    assert seen


def test_composite_actions_write_and_clean_every_secret_id():
    """registry-secrets maps each input to the env var `make ci/secrets/write` reads for one secret
    id (every id the graphs mount, plus Conan's), outputs the flags file, and its cleanup action
    runs `make ci/secrets/clean`."""
    import ci_tool

    action = load_yaml(ACTIONS / "registry-secrets" / "action.yml")
    assert action["runs"]["using"] == "composite"
    (write,) = action["runs"]["steps"]
    assert write["run"] == "make ci/secrets/write"
    want = {ci_tool.env_secret_var(sid): "${{ inputs.%s }}" % sid.replace("_", "-") for sid in ci_tool.SECRET_IDS}
    assert write["env"] == want
    assert set(action["inputs"]) == {sid.replace("_", "-") for sid in ci_tool.SECRET_IDS}
    assert "steps.write.outputs.flags-file" in action["outputs"]["flags-file"]["value"]
    cleanup = load_yaml(ACTIONS / "registry-secrets-cleanup" / "action.yml")
    assert [s["run"] for s in cleanup["runs"]["steps"]] == ["make ci/secrets/clean"]


def test_secret_ids_cover_the_graphs():
    """Every private-registry secret id the graphs declare (llb-graphs registries.rs) has an
    input of the composite action, so a credential can always reach its build step."""
    import ci_tool

    src = (REPO_ROOT / "llb-graphs" / "src" / "toolkit" / "registries.rs").read_text()
    declared = set(re.findall(r'record_declared_secret\(\s*"([a-z_]+)"', src))
    assert declared, "no secret ids found in registries.rs (was it restructured?)"
    assert declared <= set(ci_tool.SECRET_IDS), declared - set(ci_tool.SECRET_IDS)
    assert {"conan_login_username", "conan_password"} <= set(ci_tool.SECRET_IDS)


@pytest.mark.parametrize("expr,key,want", [
    ("github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')", "push tag", True),
    ("github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v')", "push main", False),
    ("!(inputs.publish == 'dev') || github.event_name != 'workflow_dispatch'", "dispatch dev", False),
    ("${{ always() }}", "pull_request", True),
])
def test_expression_evaluator(expr, key, want):
    """The evaluator the gate tests rely on reads the operators the workflows use."""
    assert evaluate(expr, next(e for e in EVENTS if e.key == key), "test") is want


def test_expression_evaluator_refuses_unknown_functions():
    """An `if:` the contract test cannot read fails loudly instead of being guessed."""
    with pytest.raises(AssertionError, match="fromJSON"):
        evaluate("fromJSON(github.ref)", EVENTS[0], "test")
