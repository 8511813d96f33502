//! The cross-compilation contract: when the target platform differs from the
//! build platform, no exec op runs on the target platform (nothing compiles or
//! runs under emulation); only image sources of runtime bases and file ops
//! touch it. On the native platform the runtime smoke checks run in the image.

mod common;

use llb::Platform;
use llb_graphs::{targets, PlatformPolicy};
use serde_json::Value;

fn ops(img: &llb_graphs::ImageGraph, p: &Platform) -> Vec<Value> {
    let def = common::marshal(img, p);
    llb::dump_json(&def)["ops"].as_array().unwrap().clone()
}

#[test]
fn no_exec_on_a_foreign_target_platform() {
    for t in targets()
        .iter()
        .filter(|t| t.platforms == PlatformPolicy::Requested)
    {
        let arm = Platform::linux_arm64();
        let img = common::build(t.app, t.name, &arm);
        let ops = ops(&img, &arm);
        let execs: Vec<&Value> = ops.iter().filter(|o| o["kind"] == "exec").collect();
        assert!(
            !execs.is_empty(),
            "{} {}: the graph compiles something",
            t.app,
            t.name
        );
        for e in &execs {
            assert_eq!(
                e["platform"], "linux/amd64",
                "{} {}: exec {} runs on {}",
                t.app, t.name, e["name"], e["platform"]
            );
        }
        // Runtime bases are pulled for the target platform.
        if t.name == "release" {
            let arm_sources = ops
                .iter()
                .filter(|o| o["kind"] == "source" && o["platform"] == "linux/arm64")
                .count();
            assert_eq!(
                arm_sources, 1,
                "{} {}: one runtime base on linux/arm64",
                t.app, t.name
            );
        }
    }
}

#[test]
fn smoke_checks_run_in_the_image_on_the_native_platform_only() {
    for app in common::APPS {
        let amd = Platform::linux_amd64();
        let native = ops(&common::build(app, "release", &amd), &amd);
        let smokes: Vec<&Value> = native
            .iter()
            .filter(|o| {
                o["name"]
                    .as_str()
                    .is_some_and(|n| n.contains("smoke check"))
            })
            .collect();
        assert!(!smokes.is_empty(), "{app}: a smoke check before export");
        for s in &smokes {
            assert_eq!(
                s["op"]["network"], "none",
                "{app}: smoke checks have no network: {s}"
            );
            assert!(
                s["op"]["user"]
                    .as_str()
                    .is_some_and(|u| !u.starts_with("0") && !u.is_empty()),
                "{app}: non-root smoke: {s}"
            );
        }
        let arm = Platform::linux_arm64();
        let foreign = ops(&common::build(app, "release", &arm), &arm);
        assert!(
            !foreign.iter().any(|o| o["name"]
                .as_str()
                .is_some_and(|n| n.contains("smoke check"))),
            "{app}: no smoke check under emulation"
        );
    }
}

#[test]
fn cross_compile_steps_name_their_target() {
    let arm = Platform::linux_arm64();
    let dump = |app: &str, target: &str| {
        llb::dump(&common::marshal(&common::build(app, target, &arm), &arm))
    };
    let go = dump("risk-monitor-operator", "go-binary");
    assert!(
        go.contains("env GOARCH=arm64")
            && go.contains("env CGO_ENABLED=0")
            && go.contains("env GOTOOLCHAIN=local"),
        "{go}"
    );
    assert!(
        go.contains("-trimpath") && go.contains("-X main.version=0.1.0"),
        "{go}"
    );
    let wheel = dump("patient-risk-python-api", "wheel");
    assert!(
        wheel.contains("--zig --compatibility manylinux_2_28 --target aarch64-unknown-linux-gnu"),
        "{wheel}"
    );
    assert!(wheel.contains("auditwheel show"), "{wheel}");
    assert!(
        !wheel.contains("_LINKER="),
        "never override zig's linker: {wheel}"
    );
    let site = dump("patient-risk-python-api", "site-packages");
    assert!(
        site.contains("--python-platform aarch64-manylinux_2_28")
            && site.contains("--python-version 3.13"),
        "{site}"
    );
}

#[test]
fn local_runtime_is_native_only_and_tuned_for_compose() {
    let s = common::spec("patient-risk-python-api");
    let e = common::build_with(
        &s,
        "local-runtime",
        &Platform::linux_arm64(),
        &common::local_args(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("only for the build platform linux/amd64"),
        "{e}"
    );
    let amd = Platform::linux_amd64();
    let api = common::build("patient-risk-python-api", "local-runtime", &amd);
    let env = api.config.to_value()["config"]["Env"].to_string();
    assert!(env.contains("PATIENT_RISK_MIGRATE_ON_START=true"), "{env}");
    let release = common::build("patient-risk-python-api", "release", &amd);
    assert!(!release.config.to_value()["config"]["Env"]
        .to_string()
        .contains("MIGRATE_ON_START"));
    let web = common::build("patient-risk-web", "local-runtime", &amd);
    assert!(web.config.to_value()["config"]["Env"]
        .to_string()
        .contains("PATIENT_RISK_API_UPSTREAM=http://api:8080"));
}

#[test]
fn unknown_targets_and_platforms_are_named() {
    let s = common::spec("patient-risk-web");
    let e = common::build_with(
        &s,
        "relase",
        &Platform::linux_amd64(),
        &common::local_args(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("relase") && e.contains("release, local-runtime, web-bundle"),
        "{e}"
    );
    let riscv = Platform::parse("linux/riscv64").unwrap();
    let e = common::build_with(&s, "release", &riscv, &common::local_args())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("linux/riscv64") && e.contains("platforms"),
        "{e}"
    );
}
