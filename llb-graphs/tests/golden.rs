//! Golden snapshots of every (app, target) × platform graph: the readable LLB
//! dump (ops in order with kind, args, mounts, platform, spec location) and the
//! image config. Review changes with `cargo insta review` (or set
//! INSTA_UPDATE=always and read the diff): a snapshot that changes without a
//! graph change is a determinism bug.

mod common;

use llb_graphs::targets;

#[test]
fn every_target_on_every_platform() {
    let mut seen = 0;
    for t in targets() {
        for p in common::platforms(t.platforms) {
            let img = common::build(t.app, t.name, &p);
            let def = common::marshal(&img, &p);
            llb::validate(&def)
                .unwrap_or_else(|e| panic!("{} {} {p}: invalid LLB: {e}", t.app, t.name));
            let text = format!(
                "{}\n--- image config ---\n{}\n",
                llb::dump(&def),
                serde_json::to_string_pretty(&img.config.to_value()).unwrap()
            );
            let name = format!("{}__{}__{}", t.app, t.name, p.architecture());
            insta::assert_snapshot!(name, text);
            seen += 1;
        }
    }
    // 4 release and 3 per-platform debug targets on two platforms; 4 local-runtime and 2 arch-independent once.
    assert_eq!(seen, 4 * 2 + 3 * 2 + 4 + 2);
}
