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

/// The user's namespace of a process, as the host sees it (`user:[INODE]`).
fn ns_of(pid: i64, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}"))
        .unwrap_or_else(|e| panic!("ns/{ns} of {pid}: {e}"))
        .display()
        .to_string()
}

fn holders(env: &Env) -> Vec<Value> {
    let info: Value = serde_json::from_str(&env.nook(&["info"]).ok().stdout).unwrap();
    info["userns_holders"].as_array().unwrap().clone()
}

/// One process per id map holds the user namespace (podman's pause process): containers join
/// it and share nothing else; a killed holder is made again, `system reset-userns` ends it,
/// and NOOK_USERNS_HOLDER=0 does without one.
#[test]
fn one_user_namespace_is_held_and_shared_and_nothing_else_is() {
    let env = crate::harness::env_with("overlay");
    let inside = |args: &[&str]| {
        let mut all = vec!["run", "--rm"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["busybox", "readlink", "/proc/self/ns/user"]);
        env.nook(&all).ok().stdout.trim().to_string()
    };
    let first = inside(&["--network", "none"]);
    let held = holders(&env);
    assert_eq!(held.len(), 1, "{held:?}");
    let pid = held[0]["pid"].as_i64().unwrap();
    assert_eq!(held[0]["you_inside"], "0:0");
    assert_eq!(held[0]["uids"][1]["count"], 65536);
    let private = held[0]["private_kib"].as_u64().unwrap();
    // A release build's holder keeps about 0.7 MiB (BENCHMARKS.md); this debug build's has
    // more code and relocations, but no copy of a nook command's heap.
    assert!(private <= 4096, "the holder uses {private} KiB");
    assert_eq!(first, ns_of(pid, "user"));
    // The default network, and a second container: the same namespace, the same holder.
    assert_eq!(inside(&[]), first);
    assert_eq!(holders(&env)[0]["pid"], pid);

    // Two running containers share the user namespace and no other.
    let a = env.run_detached(&["--name", "a", "busybox", "sleep", "300"]);
    let b = env.run_detached(&[
        "--name",
        "b",
        "--network",
        "none",
        "busybox",
        "sleep",
        "300",
    ]);
    let init = |id: &str| env.state(id)["init"]["pid"].as_i64().unwrap();
    let (ia, ib) = (init(&a), init(&b));
    assert_eq!(ns_of(ia, "user"), first);
    assert_eq!(ns_of(ib, "user"), first);
    for ns in ["mnt", "pid", "net", "ipc", "uts", "cgroup"] {
        assert_ne!(
            ns_of(ia, ns),
            ns_of(ib, ns),
            "containers share their {ns} namespace"
        );
    }
    // Neither sees the other, nor the holder.
    let seen = env.nook(&["exec", "a", "ps", "-o", "pid,args"]).ok().stdout;
    assert_eq!(seen.matches("sleep 300").count(), 1, "{seen}");
    assert!(!seen.contains("__userns"), "{seen}");

    // Killed, the holder is made again by the next command; running containers keep theirs.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    crate::harness::wait_until(
        std::time::Duration::from_secs(5),
        "the holder to end",
        || {
            !std::path::Path::new(&format!("/proc/{pid}/ns")).exists()
                || std::fs::read_link(format!("/proc/{pid}/ns/user")).is_err()
        },
    );
    let again = inside(&["--network", "none"]);
    let held = holders(&env);
    assert_eq!(held.len(), 1, "{held:?}");
    let new_pid = held[0]["pid"].as_i64().unwrap();
    assert_ne!(new_pid, pid);
    assert_eq!(again, ns_of(new_pid, "user"));
    env.nook(&["exec", "a", "true"]).ok();

    // keep-id has a map of its own, and so a holder of its own.
    let uid = crate::harness::user().uid.to_string();
    env.nook(&["run", "--rm", "--userns", "keep-id", "busybox", "id", "-u"])
        .ok()
        .stdout_has(&uid);
    let held = holders(&env);
    assert_eq!(held.len(), 2, "{held:?}");
    assert!(
        held.iter()
            .any(|h| h["you_inside"] == format!("{uid}:{uid}"))
    );

    // reset-userns ends both; the next container makes one again.
    env.nook(&["system", "reset-userns"])
        .ok()
        .stdout_has("Ended 2 namespace holders");
    assert!(holders(&env).is_empty());
    env.nook(&["exec", "b", "true"]).ok();
    inside(&["--network", "none"]);
    assert_eq!(holders(&env).len(), 1);

    // Without a holder: each container maps its own ids, and none is made.
    env.nook(&["system", "reset-userns"]).ok();
    let run = |env: &Env| {
        env.nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "busybox",
            "sh",
            "-c",
            "readlink /proc/self/ns/user; cat /proc/self/uid_map",
        ])
        .env("NOOK_USERNS_HOLDER", "0")
        .ok()
        .stdout
    };
    let (one, two) = (run(&env), run(&env));
    assert!(one.contains("100000"), "{one}");
    assert!(two.contains("100000"), "{two}");
    assert!(holders(&env).is_empty());
    env.nook(&["rm", "-f", "a", "b"]).ok();
}
