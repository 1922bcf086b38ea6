//! Resource limits through cgroup v2. Where the test user has a systemd user manager with
//! delegated controllers (the VM tier, `tests/vm/run`, like a laptop), limits are enforced
//! and measured; where it has none (these build machines: no systemd, hybrid cgroups), asking
//! for a limit is a clear error.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::{Env, chown, wait_until};

/// The test user's systemd user manager's cgroup, when it delegates what the tests need and
/// its bus is reachable.
fn delegated() -> Option<PathBuf> {
    let uid = crate::harness::user().uid;
    let dir = PathBuf::from(format!(
        "/sys/fs/cgroup/user.slice/user-{uid}.slice/user@{uid}.service"
    ));
    let controllers = fs::read_to_string(dir.join("cgroup.controllers")).ok()?;
    let has = |c: &str| controllers.split_whitespace().any(|x| x == c);
    (std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        && has("memory")
        && has("pids")
        && has("cpu"))
    .then_some(dir)
}

/// The limits tier needs delegated cgroups; says so when it skips.
fn with_cgroups(test: &str) -> Option<(Env, PathBuf)> {
    match delegated() {
        Some(dir) => {
            let env = Env::new();
            env.busybox("bb");
            Some((env, dir))
        }
        None => {
            eprintln!(
                "skipping {test}: the test user has no systemd user manager with delegated \
                 memory, pids and cpu controllers here; tests/vm/run runs it in a systemd VM"
            );
            None
        }
    }
}

fn cgroup_of(env: &Env, name: &str) -> PathBuf {
    let v = env.inspect(name);
    PathBuf::from(
        v["HostConfig"]["CgroupPath"]
            .as_str()
            .unwrap_or_else(|| panic!("no cgroup path: {v}")),
    )
}

fn read(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_string()
}

/// A fork bomb for a shell under a limit of 20 processes: the forking subshell fails at
/// the limit, what it started stays; a builtin counts them (no process is left to fork),
/// and the rest ends with PID 1 (or the sandbox).
const FORK_BOMB: &str = "(for i in $(seq 60); do sleep 30 & done) 2>/dev/null; \
                         read n < /sys/fs/cgroup/pids.current; echo running $n";

/// A memory hog under a limit of 32 MiB without swap: tail keeps a line without end in
/// memory, zeros, until the limit.
const MEMORY_HOG: &[&str] = &[
    "--memory",
    "32m",
    "--memory-swap",
    "32m",
    "bb",
    "tail",
    "/dev/zero",
];

/// What [`FORK_BOMB`] counted: at the limit of 20, not far below it.
#[track_caller]
fn assert_bounded_at_20(out: &crate::harness::Output) {
    let n: u32 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("running "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        (10..=20).contains(&n),
        "{n} processes under a limit of 20: {out}"
    );
}

/// On a machine without delegated cgroups, a limit is refused (exit 125) with why and what
/// to do, and no container is left; without limits containers run, with no cgroup.
#[test]
fn limits_that_cannot_be_enforced_are_refused() {
    if delegated().is_some() {
        eprintln!(
            "skipping limits_that_cannot_be_enforced_are_refused: this machine delegates \
             cgroups to the test user (the build machines test the refusal)"
        );
        return;
    }
    let env = Env::new();
    env.busybox("bb");
    for flags in [
        &["--memory", "64m"][..],
        &["--pids-limit", "10"],
        &["--cpus", "0.5"],
        &["--memory", "64m", "--cgroup-manager", "systemd"],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend_from_slice(flags);
        args.extend(["bb", "true"]);
        let out = env.nook(&args).output().code(125);
        assert!(out.stderr.contains("cannot be enforced here"), "{out}");
        assert!(out.stderr.contains("cgroup"), "{out}");
        assert!(out.stderr.contains("--cgroups disabled"), "{out}");
    }
    env.nook(&["create", "--memory", "64m", "bb", "true"])
        .output()
        .code(125);
    assert!(
        env.container_ids().is_empty(),
        "a refused container was kept"
    );
    env.nook(&[
        "run",
        "--rm",
        "--cgroups",
        "disabled",
        "--memory",
        "64m",
        "bb",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("conflicts with --memory");
    env.nook(&["run", "--rm", "--memory", "lots", "bb", "true"])
        .output()
        .code(125)
        .stderr_has("invalid --memory value");
    // No limits asked for: it runs, without a cgroup; stats and pause say why not.
    env.nook(&["run", "--rm", "bb", "true"]).ok();
    env.run_detached(&["--name", "plain", "bb", "sleep", "300"]);
    env.nook(&["stats", "--no-stream", "plain"])
        .output()
        .code(125)
        .stderr_has("has no cgroup");
    env.nook(&["stats", "--no-stream", "--format", "{{.Name"])
        .output()
        .code(125)
        .stderr_has("template parsing error");
    env.nook(&["pause", "plain"])
        .output()
        .code(125)
        .stderr_has("has no cgroup");
    env.nook(&["update", "--memory", "64m", "plain"])
        .output()
        .code(125)
        .stderr_has("has no cgroup");
    env.nook(&["doctor"])
        .output()
        .stdout_has("cgroups (resource limits)");
    env.nook(&["rm", "-f", "plain"]).ok();
    // Disabled on purpose in config.toml: the same, said by doctor.
    env.write_config("[containers]\ncgroups = \"disabled\"\n");
    env.nook(&["doctor"])
        .output()
        .stdout_has("disabled in config.toml");
}

/// A memory hog is OOM-killed at its limit: exit 137 and `OOMKilled: true`, as docker says.
#[test]
fn a_memory_hog_is_oom_killed_at_its_limit() {
    let Some((env, _)) = with_cgroups("a_memory_hog_is_oom_killed_at_its_limit") else {
        return;
    };
    env.nook(&[&["run", "--name", "hog"][..], MEMORY_HOG].concat())
        .output()
        .code(137);
    let v = env.inspect("hog");
    assert_eq!(v["State"]["OOMKilled"], true, "{v}");
    assert_eq!(v["HostConfig"]["Memory"], 32 << 20);
    // Within its limit, the same work is fine.
    env.nook(&[
        "run",
        "--rm",
        "--memory",
        "64m",
        "bb",
        "sh",
        "-c",
        "head -c 8m /dev/zero | tail > /dev/null; echo survived",
    ])
    .ok()
    .stdout_has("survived");
}

/// A fork bomb stops at the pids limit (podman's default of 2048 applies otherwise).
#[test]
fn a_fork_bomb_stops_at_the_pids_limit() {
    let Some((env, _)) = with_cgroups("a_fork_bomb_stops_at_the_pids_limit") else {
        return;
    };
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--pids-limit",
            "20",
            "bb",
            "sh",
            "-c",
            FORK_BOMB,
        ])
        .ok();
    assert_bounded_at_20(&out);
    let id = env.run_detached(&["bb", "sleep", "300"]);
    assert_eq!(env.inspect(&id)["HostConfig"]["PidsLimit"], 2048);
    assert_eq!(read(&cgroup_of(&env, &id).join("pids.max")), "2048");
    env.nook(&["rm", "-f", &id]).ok();
}

/// `--cpus 0.5`: a CPU burner gets about half a core, as `stats` shows.
#[test]
fn a_cpu_burner_gets_its_share_and_stats_show_it() {
    let Some((env, _)) = with_cgroups("a_cpu_burner_gets_its_share_and_stats_show_it") else {
        return;
    };
    env.run_detached(&[
        "--name",
        "burner",
        "--cpus",
        "0.5",
        "--memory",
        "64m",
        "bb",
        "sh",
        "-c",
        "while :; do :; done",
    ]);
    let cg = cgroup_of(&env, "burner");
    assert_eq!(read(&cg.join("cpu.max")), "50000 100000");
    let usage = |p: &Path| -> u64 {
        read(&p.join("cpu.stat"))
            .lines()
            .find_map(|l| l.strip_prefix("usage_usec "))
            .unwrap()
            .parse()
            .unwrap()
    };
    let before = usage(&cg);
    std::thread::sleep(Duration::from_secs(3));
    let share = (usage(&cg) - before) as f64 / 3e6;
    assert!((0.3..=0.6).contains(&share), "{share} of a core");
    let out = env
        .nook(&["stats", "--no-stream", "--format", "json", "burner"])
        .ok();
    let v: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    let cpu = v["CPUPercent"].as_f64().unwrap();
    assert!((20.0..=70.0).contains(&cpu), "{v}");
    assert_eq!(v["MemLimit"], 64 << 20);
    assert!(v["MemUsage"].as_u64().unwrap() > 0, "{v}");
    assert!(v["PIDs"].as_u64().unwrap() >= 1, "{v}");
    env.nook(&["stats", "--no-stream"])
        .ok()
        .stdout_has("burner")
        .stdout_has("/ 67.1MB");
    let out = env
        .nook(&[
            "stats",
            "--no-stream",
            "--format",
            "table {{.Name}}\\t{{.MemUsage}}",
            "burner",
        ])
        .ok();
    assert!(
        out.stdout
            .starts_with("NAME      MEM USAGE / LIMIT\nburner    "),
        "{out}"
    );
    assert!(out.stdout.trim_end().ends_with("/ 67.1MB"), "{out}");
    env.nook(&["rm", "-f", "burner"]).ok();
}

/// pause freezes every process (a counter stops), unpause resumes it.
#[test]
fn pause_freezes_and_unpause_resumes() {
    let Some((env, _)) = with_cgroups("pause_freezes_and_unpause_resumes") else {
        return;
    };
    let out = env.root.join("out");
    fs::create_dir(&out).unwrap();
    chown(&out, env.user);
    let volume = format!("{}:/out", out.display());
    env.run_detached(&[
        "--name",
        "counter",
        "-v",
        &volume,
        "bb",
        "sh",
        "-c",
        "i=0; while :; do i=$((i+1)); echo $i > /out/n; sleep 0.05; done",
    ]);
    let count = || {
        fs::read_to_string(out.join("n"))
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    wait_until(Duration::from_secs(20), "the counter to count", || {
        count() > 2
    });
    env.nook(&["pause", "counter"]).ok();
    assert_eq!(env.inspect("counter")["State"]["Status"], "paused");
    env.nook(&["ps"]).ok().stdout_has("(Paused)");
    let frozen = count();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(count(), frozen, "the counter went on while paused");
    env.nook(&["pause", "counter"])
        .output()
        .code(125)
        .stderr_has("already paused");
    env.nook(&["unpause", "counter"]).ok();
    wait_until(Duration::from_secs(20), "the counter to go on", || {
        count() > frozen
    });
    assert_eq!(env.inspect("counter")["State"]["Status"], "running");
    env.nook(&["rm", "-f", "counter"]).ok();
}

/// A container's cgroup is a systemd scope with the limits, the container in a leaf of it
/// that is the root of its cgroup namespace; `update` changes limits of a running container;
/// the scope is gone after `rm`.
#[test]
fn scopes_carry_the_limits_and_go_with_the_container() {
    let Some((env, manager)) = with_cgroups("scopes_carry_the_limits_and_go_with_the_container")
    else {
        return;
    };
    let id = env.run_detached(&[
        "--memory",
        "48m",
        "--pids-limit",
        "30",
        "--cpu-weight",
        "50",
        "bb",
        "sleep",
        "300",
    ]);
    let cg = cgroup_of(&env, &id);
    assert!(cg.starts_with(&manager), "{}", cg.display());
    assert!(
        cg.file_name()
            .unwrap()
            .to_string_lossy()
            .ends_with(".scope"),
        "{}",
        cg.display()
    );
    assert_eq!(read(&cg.join("memory.max")), (48u64 << 20).to_string());
    assert_eq!(read(&cg.join("pids.max")), "30");
    assert_eq!(read(&cg.join("cpu.weight")), "50");
    let procs = read(&cg.join("container/cgroup.procs"));
    assert!(!procs.is_empty(), "the container's leaf is empty");
    // Inside, its own leaf is the root; what exec runs is in it too (and counts).
    let out = env.nook(&["exec", &id, "cat", "/proc/self/cgroup"]).ok();
    assert_eq!(out.stdout.trim(), "0::/", "{out}");
    let out = env
        .nook(&[
            "exec",
            &id,
            "sh",
            "-c",
            "sleep 0.1; cat /sys/fs/cgroup/cgroup.procs | wc -l",
        ])
        .ok();
    let n: u32 = out
        .stdout
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{out}"));
    assert!(n >= 3, "init, sh and cat are in its cgroup: {out}");
    env.nook(&["update", "--memory", "96m", "--pids-limit", "40", &id])
        .ok();
    assert_eq!(read(&cg.join("memory.max")), (96u64 << 20).to_string());
    assert_eq!(read(&cg.join("pids.max")), "40");
    assert_eq!(env.inspect(&id)["HostConfig"]["Memory"], 96 << 20);
    env.nook(&["update", "--memory", "lots", &id])
        .output()
        .code(125);
    env.nook(&["rm", "-f", &id]).ok();
    wait_until(Duration::from_secs(20), "the scope to go", || !cg.exists());
}

/// `nook sandbox` takes the same limits, in a cgroup of its own where one is delegated: a
/// memory hog is killed at --memory in all (not per process), a fork bomb stops at
/// --pids-limit, and --explain says which walls hold them.
#[test]
fn sandboxes_are_limited_by_a_cgroup_of_their_own() {
    let Some((env, _)) = with_cgroups("sandboxes_are_limited_by_a_cgroup_of_their_own") else {
        return;
    };
    let dir = crate::sandbox::project(&env);
    crate::sandbox::sandbox(&env, &dir, &["--memory", "32m", "--explain"])
        .ok()
        .stdout_has("32 MiB of memory in all, no swap (its own cgroup)");
    crate::sandbox::sandbox(&env, &dir, &["--memory", "32m", "--", "tail", "/dev/zero"])
        .output()
        .code(137);
    let out = crate::sandbox::sandbox(
        &env,
        &dir,
        &["--pids-limit", "20", "--", "sh", "-c", FORK_BOMB],
    )
    .ok();
    assert_bounded_at_20(&out);
}

/// Without a user bus, in a subtree delegated to the user (here a scope with Delegate=yes,
/// as a CI job or a nested container has one), nook makes the cgroups itself (cgroupfs):
/// the limits hold, exec and update work, and nothing is left behind after a run, after
/// `rm`, or after a start that fails once the cgroup was made.
#[test]
fn cgroupfs_manager_works_in_a_delegated_subtree_without_a_bus() {
    let Some((env, manager)) =
        with_cgroups("cgroupfs_manager_works_in_a_delegated_subtree_without_a_bus")
    else {
        return;
    };
    // The bus only for systemd-run, which gives the delegated scope; nook goes without.
    let in_scope = |args: &[&str]| {
        let mut cmd = env.command("systemd-run");
        cmd.args(["--user", "--scope", "--quiet", "-p", "Delegate=yes", "--"])
            .args(["env", "-u", "DBUS_SESSION_BUS_ADDRESS"])
            .arg(crate::harness::nook_bin())
            .args(args);
        crate::harness::Run::new(cmd, format!("nook {} (in a scope)", args.join(" ")))
    };
    let run_cgroupfs = |args: &[&str]| {
        in_scope(&[&["run", "--rm", "--cgroup-manager", "cgroupfs"], args].concat())
    };
    let leftovers = || -> Vec<String> {
        fs::read_dir(&manager)
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("nook-"))
            .collect()
    };
    let out = run_cgroupfs(&[
        "--memory",
        "48m",
        "--pids-limit",
        "20",
        "bb",
        "sh",
        "-c",
        &format!("cat /sys/fs/cgroup/memory.max /proc/self/cgroup; {FORK_BOMB}"),
    ])
    .ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[..2], [&(48u64 << 20).to_string(), "0::/"], "{out}");
    assert_bounded_at_20(&out);
    run_cgroupfs(MEMORY_HOG).output().code(137);
    // With no bus, cgroupfs is the manager nook picks by itself.
    let out = in_scope(&["run", "-d", "--memory", "48m", "bb", "sleep", "300"]).ok();
    let id = out.stdout.trim().to_string();
    let cg = cgroup_of(&env, &id);
    assert_eq!(cg, manager.join(format!("nook-{id}")), "{out}");
    assert_eq!(read(&cg.join("memory.max")), (48u64 << 20).to_string());
    assert_eq!(read(&cg.join("pids.max")), "2048");
    assert_eq!(
        read(&cg.join("container/memory.max")),
        (48u64 << 20).to_string()
    );
    let out = in_scope(&["exec", &id, "cat", "/proc/self/cgroup"]).ok();
    assert_eq!(out.stdout.trim(), "0::/", "{out}");
    env.nook(&["update", "--memory", "96m", &id]).ok();
    assert_eq!(read(&cg.join("memory.max")), (96u64 << 20).to_string());
    env.nook(&["pause", &id]).ok();
    assert_eq!(read(&cg.join("cgroup.freeze")), "1");
    env.nook(&["unpause", &id]).ok();
    env.nook(&["rm", "-f", &id]).ok();
    wait_until(Duration::from_secs(10), "its cgroup to go", || !cg.exists());
    // A program that cannot start: 127, and its cgroup is gone too.
    run_cgroupfs(&["--memory", "48m", "bb", "/no/such/program"])
        .output()
        .code(127);
    assert_eq!(leftovers(), Vec::<String>::new());
}
