//! `nook doctor` and `nook info` on this machine, and for a user without subordinate ids.

use serde_json::Value;

use crate::harness::{Env, nosub_user};

#[test]
fn doctor_passes_here_and_info_reports_the_same_facts() {
    let env = Env::new();
    let out = env.nook(&["doctor"]).ok();
    for check in [
        "user namespaces",
        "subordinate ids",
        "newuidmap",
        "newgidmap",
        "id mapping",
        "overlayfs",
        "fuse-overlayfs",
        "pasta",
        "data directory",
    ] {
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains(check))
            .unwrap_or_else(|| panic!("{check} missing:\n{out}"));
        assert!(
            line.starts_with("[ok  ]"),
            "{check} should pass here:\n{out}"
        );
    }
    // No systemd and hybrid cgroups here: a warning that says limits are refused.
    let cgroups = out
        .stdout
        .lines()
        .find(|l| l.contains("cgroups (resource limits)"))
        .unwrap_or_else(|| panic!("no cgroups line:\n{out}"));
    assert!(
        cgroups.contains("limits are refused") || cgroups.starts_with("[ok  ]"),
        "{out}"
    );
    let info: Value = serde_json::from_str(&env.nook(&["info"]).ok().stdout).unwrap();
    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["user"]["uids"][1]["count"], 65536);
    assert_eq!(info["store"]["root"], env.store().to_str().unwrap());
    let checks = info["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .any(|c| c["name"] == "overlayfs" && c["level"] == "ok")
    );
}

#[test]
fn doctor_tells_a_user_without_subordinate_ids_how_to_get_them() {
    let env = Env::for_user(nosub_user());
    let out = env.nook(&["doctor"]).output().code(1);
    let line = out
        .stdout
        .lines()
        .find(|l| l.contains("subordinate ids"))
        .unwrap();
    assert!(line.starts_with("[FAIL]"), "{out}");
    assert!(out.stdout.contains("usermod --add-subuids"), "{out}");
}
