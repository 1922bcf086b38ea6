//! Containers with no daemon: `run -d` and the verbs that find a running container through
//! its monitor (`ps`, `logs`, `exec`, `stop`, `kill`, `wait`, `inspect`, `cp`, `top`, `rm`),
//! and what remains true when a monitor is killed or the machine restarts.

use std::fs;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::harness::{Env, Terminal, env_with, host_uid, user, wait_until};

/// A container that prints `started`, and on SIGTERM prints `bye` and exits 3.
const POLITE: &str = "echo started; trap 'echo bye; exit 3' TERM; while true; do sleep 0.05; done";

fn status(env: &Env, name: &str) -> String {
    env.inspect(name)["State"]["Status"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn detached_containers_outlive_the_cli() {
    let env = env_with("overlay");
    let id = env.run_detached(&["--name", "web", "busybox", "sh", "-c", POLITE]);
    // `run -d` has returned: the container runs on under its monitor, in a session of its own.
    let ps = env.nook(&["ps"]).ok();
    assert!(
        ps.stdout.contains(&id[..12]) && ps.stdout.contains("Up "),
        "{ps}"
    );
    wait_until(Duration::from_secs(10), "the first output", || {
        env.nook(&["logs", "web"]).ok().stdout == "started\n"
    });
    let state = env.state(&id);
    let monitor = state["monitor"]["pid"].as_i64().unwrap();
    let stat = fs::read_to_string(format!("/proc/{monitor}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    assert_eq!(
        fields[3],
        monitor.to_string(),
        "the monitor leads its own session"
    );
    let running = env.inspect("web");
    assert_eq!(running["State"]["Running"], Value::Bool(true));
    assert!(running["State"]["Pid"].as_i64().unwrap() > 1);

    env.nook(&["stop", "web"]).ok().stdout_has("web");
    let stopped = env.inspect("web");
    assert_eq!(stopped["State"]["Status"], "exited", "{stopped}");
    assert_eq!(
        stopped["State"]["ExitCode"], 3,
        "the stop signal was trapped: {stopped}"
    );
    assert_eq!(stopped["State"]["Pid"], 0);
    assert!(
        stopped["State"]["FinishedAt"].as_str().unwrap()
            > stopped["State"]["StartedAt"].as_str().unwrap()
    );
    assert_eq!(env.nook(&["logs", "web"]).ok().stdout, "started\nbye\n");
    assert!(
        env.store_processes().is_empty(),
        "{:?}",
        env.store_processes()
    );

    // started again, by name or by a prefix of its id, it keeps its log
    env.nook(&["start", &id[..8]]).ok();
    assert_eq!(status(&env, "web"), "running");
    wait_until(Duration::from_secs(10), "the second run's output", || {
        env.nook(&["logs", "web"])
            .ok()
            .stdout
            .matches("started")
            .count()
            == 2
    });
    env.nook(&["restart", "-t", "5", "web"]).ok();
    assert_eq!(status(&env, "web"), "running");
    env.nook(&["kill", "web"]).ok();
    wait_until(Duration::from_secs(10), "the kill", || {
        status(&env, "web") == "exited"
    });
    assert_eq!(env.inspect("web")["State"]["ExitCode"], 137);
    env.nook(&["kill", "web"])
        .output()
        .code(1)
        .stderr_has("not running");
    env.nook(&["rm", "web"]).ok();
    assert!(env.container_ids().is_empty());
}

#[test]
fn stop_kills_after_the_grace_period() {
    let env = env_with("overlay");
    // PID 1 without a handler ignores SIGTERM: stop has to end it with SIGKILL.
    env.run_detached(&["--name", "stubborn", "busybox", "sleep", "1000"]);
    let started = std::time::Instant::now();
    env.nook(&["stop", "-t", "1", "stubborn"]).ok();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(env.inspect("stubborn")["State"]["ExitCode"], 137);
    // --stop-signal: the container's own choice of first signal
    env.run_detached(&[
        "--name",
        "hup",
        "--stop-signal",
        "HUP",
        "busybox",
        "sh",
        "-c",
        "trap 'exit 9' HUP; while true; do sleep 0.05; done",
    ]);
    env.nook(&["stop", "hup"]).ok();
    assert_eq!(env.inspect("hup")["State"]["ExitCode"], 9);
    env.nook(&["run", "--stop-signal", "NOPE", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("unknown signal");
}

/// As docker's, `kill` (SIGKILL) returns once the container has stopped: a script may remove
/// it at once, and finds its exit status recorded. Another signal does not wait.
#[test]
fn kill_returns_once_the_container_has_stopped() {
    let env = env_with("overlay");
    for round in 0..5 {
        let name = format!("k{round}");
        let id = env.run_detached(&["--name", &name, "busybox", "sleep", "1000"]);
        env.nook(&["kill", &name]).ok();
        // Read at once, with no command in between to give the monitor time.
        let state = env.store().join("containers").join(&id).join("state.json");
        let state: Value = serde_json::from_str(&fs::read_to_string(state).unwrap()).unwrap();
        assert_eq!(state["status"], "exited", "{state}");
        assert_eq!(env.inspect(&name)["State"]["ExitCode"], 137);
        env.nook(&["rm", &name]).ok();
    }
    env.run_detached(&["--name", "term", "busybox", "sh", "-c", POLITE]);
    env.nook(&["kill", "-s", "TERM", "term"]).ok();
    assert_eq!(env.nook(&["wait", "term"]).ok().stdout, "3\n");
    env.nook(&["rm", "term"]).ok();
}

#[test]
fn logs_keep_stdout_and_stderr_apart() {
    let env = env_with("overlay");
    let id = env.run_detached(&[
        "busybox",
        "sh",
        "-c",
        "echo o1; echo e1 >&2; printf 'no newline'; sleep 0.3; echo; echo o2",
    ]);
    let follow = env.nook(&["logs", "-f", &id]).ok();
    assert_eq!(follow.stdout, "o1\nno newline\no2\n");
    assert_eq!(follow.stderr, "e1\n");
    assert_eq!(env.nook(&["logs", "--tail", "1", &id]).ok().stdout, "o2\n");
    let stamped = env.nook(&["logs", "-t", "--tail", "2", &id]).ok().stdout;
    for line in stamped.lines() {
        let (time, rest) = line.split_once(' ').unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{line}");
        assert!(["no newline", "o2"].contains(&rest), "{line}");
    }
    assert_eq!(
        env.nook(&["logs", "--since", "1h", &id])
            .ok()
            .stdout
            .lines()
            .count(),
        3
    );
    let future = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(env.nook(&["logs", "--since", &future, &id]).ok().stdout, "");
    env.nook(&["logs", "--since", "yesterday", &id])
        .output()
        .code(125)
        .stderr_has("--since");
    // a foreground run is logged too
    let out = env
        .nook(&["run", "--name", "fg", "busybox", "echo", "seen"])
        .ok();
    assert_eq!(out.stdout, "seen\n");
    assert_eq!(env.nook(&["logs", "fg"]).ok().stdout, "seen\n");
}

#[test]
fn exec_runs_in_the_container_as_its_process_does() {
    let env = env_with("overlay");
    env.run_detached(&[
        "--name", "box", "-e", "FOO=bar", "-w", "/tmp", "-u", "app", "busybox", "sleep", "1000",
    ]);
    let out = env
        .nook(&[
            "exec",
            "box",
            "sh",
            "-c",
            "id -un; echo $FOO $PWD $HOME; hostname; ps -o pid,comm | grep -c sleep; \
             grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status",
        ])
        .ok()
        .stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "app", "the container's user: {out}");
    assert_eq!(lines[1], "bar /tmp /home/app", "{out}");
    assert_eq!(lines[2].len(), 12, "the container's hostname: {out}");
    assert_eq!(lines[3], "1", "the container's processes: {out}");
    assert!(
        lines[4].ends_with("0000000000000000"),
        "a non-root user has no capabilities: {out}"
    );
    assert!(
        lines[5].ends_with('0'),
        "no_new_privs as the container's (off): {out}"
    );
    assert!(
        lines[6].ends_with('2'),
        "the container's seccomp filter: {out}"
    );
    // as root: the container's capabilities (podman's set), not the user namespace's full set
    let caps = env
        .nook(&[
            "exec",
            "-u",
            "0",
            "box",
            "grep",
            "CapEff",
            "/proc/self/status",
        ])
        .ok()
        .stdout;
    let container_caps = env
        .nook(&[
            "run",
            "--rm",
            "busybox",
            "grep",
            "CapEff",
            "/proc/self/status",
        ])
        .ok()
        .stdout;
    assert_eq!(caps, container_caps);
    let out = env
        .nook(&[
            "exec",
            "-e",
            "FOO=baz",
            "-w",
            "/",
            "-u",
            "nobody",
            "box",
            "sh",
            "-c",
            "echo $FOO $PWD; id -u",
        ])
        .ok();
    assert_eq!(out.stdout, "baz /\n65534\n");
    // what the program writes lands in the container
    env.nook(&["exec", "-u", "0", "box", "sh", "-c", "echo made > /made"])
        .ok();
    assert_eq!(
        env.nook(&["exec", "box", "cat", "/made"]).ok().stdout,
        "made\n"
    );
    // input with -i, and none without
    let out = env
        .nook(&["exec", "-i", "box", "sh", "-c", "read x; echo got-$x"])
        .stdin(b"line\n")
        .ok();
    assert_eq!(out.stdout, "got-line\n");
    let out = env
        .nook(&["exec", "box", "sh", "-c", "read x; echo got-$x"])
        .stdin(b"line\n")
        .output();
    assert_eq!(out.stdout, "got-\n", "{out}");
    // docker's exit codes
    env.nook(&["exec", "box", "sh", "-c", "exit 7"])
        .output()
        .code(7);
    env.nook(&["exec", "box", "no-such-program"])
        .output()
        .code(127)
        .stderr_has("not found");
    env.nook(&["exec", "box", "/etc/passwd"]).output().code(126);
    env.nook(&["exec", "-w", "/no/such/dir", "box", "true"])
        .output()
        .code(126)
        .stderr_has("working directory");
    env.nook(&["exec", "box", "sh", "-c", "kill -9 $$"])
        .output()
        .code(137);
}

/// `exec -d` returns once the program runs, which runs on (its output discarded) until it
/// ends or the container stops, and leaves no process of nook's behind then; `--env-file`
/// adds variables as run's does.
#[test]
fn exec_detached_and_with_an_env_file() {
    let env = env_with("overlay");
    let id = env.run_detached(&["--name", "idle", "busybox", "sleep", "1000"]);
    let marker = "nook-exec-detached-marker";
    let mut detached = env
        .nook(&[
            "exec",
            "-d",
            "idle",
            "sh",
            "-c",
            &format!("echo started > /tmp/s; echo noise; exec sleep 999 # {marker}"),
        ])
        .spawn();
    let (status, out, _) =
        crate::harness::wait_with_timeout(&mut detached, Duration::from_secs(20), "exec -d");
    assert!(status.success());
    assert_eq!(out, "", "a detached program's output is discarded");
    crate::harness::wait_until(Duration::from_secs(10), "the detached program", || {
        env.nook(&["exec", "idle", "cat", "/tmp/s"]).output().stdout == "started\n"
    });
    let top = env.nook(&["top", "idle"]).ok().stdout;
    assert!(top.contains("sleep 999"), "{top}");
    let file = env.file("vars.env", b"A=from-file\n# a comment\nB=2\n");
    let out = env
        .nook(&[
            "exec",
            "--env-file",
            file.to_str().unwrap(),
            "-e",
            "B=3",
            "idle",
            "sh",
            "-c",
            "echo $A $B",
        ])
        .ok();
    assert_eq!(out.stdout, "from-file 3\n");
    env.nook(&["exec", "-d", "-t", "idle", "true"])
        .output()
        .code(125)
        .stderr_has("cannot be used with");
    env.nook(&["rm", "-f", &id]).ok();
    crate::harness::wait_until(Duration::from_secs(10), "no process of the exec", || {
        !crate::harness::processes()
            .iter()
            .any(|p| p.contains(marker))
    });
}

#[test]
fn exec_mistakes_are_clear() {
    let env = env_with("overlay");
    env.nook(&["exec", "nothing-here", "true"])
        .output()
        .code(1)
        .stderr_has("no such container");
    env.nook(&["create", "--name", "idle", "busybox", "sleep", "1"])
        .ok();
    env.nook(&["exec", "idle", "true"])
        .output()
        .code(125)
        .stderr_has("not running");
    env.nook(&["exec", "-w", "relative", "idle", "true"])
        .output()
        .code(125)
        .stderr_has("absolute");
    // Two ids that share a first digit (17 containers make sure of it, by pigeonhole).
    for _ in 0..16 {
        env.nook(&["create", "busybox", "true"]).ok();
    }
    let ids = env.container_ids();
    let digit = (0..16)
        .map(|d| format!("{d:x}"))
        .find(|d| ids.iter().filter(|id| id.starts_with(d.as_str())).count() > 1)
        .unwrap();
    env.nook(&["exec", &digit, "true"])
        .output()
        .code(125)
        .stderr_has("ambiguous");
    env.nook(&["exec", "idle"]).output().code(125);
}

#[test]
fn exec_with_a_terminal_follows_resizes() {
    let env = env_with("overlay");
    env.run_detached(&["--name", "term", "busybox", "sleep", "1000"]);
    let nook = crate::harness::nook_bin().display().to_string();
    let term = Terminal::start(
        &env,
        90,
        25,
        &format!("{nook} exec -it term sh; echo EXEC-EXIT=$?; sleep 30"),
    );
    term.wait_for("/ #");
    term.keys("tty; echo $TERM; stty size");
    term.keys("Enter");
    term.wait_for("25 90");
    let screen = term.screen();
    assert!(
        screen.contains("/dev/pts/") && screen.contains("xterm"),
        "{screen}"
    );
    term.resize(70, 20);
    term.keys("stty size; exit 4");
    term.keys("Enter");
    term.wait_for("EXEC-EXIT=4");
    assert!(term.screen().contains("20 70"), "{}", term.screen());
    drop(term);
    // the container itself goes on
    assert_eq!(status(&env, "term"), "running");
}

/// SIGKILL the monitor of container `id`; the host pid of its PID 1.
fn kill_monitor(env: &Env, id: &str) -> i32 {
    let state = env.state(id);
    let init = state["init"]["pid"].as_i64().unwrap() as i32;
    kill(
        Pid::from_raw(state["monitor"]["pid"].as_i64().unwrap() as i32),
        Signal::SIGKILL,
    )
    .unwrap();
    init
}

/// Whether process `pid` has ended (gone, or a zombie).
fn ended(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| s.contains(") Z "))
}

/// `kill -9` of a monitor: the container goes with it, and every command tells the truth.
fn killed_monitor_leaves_a_truthful_record(driver: &str) {
    let env = env_with(driver);
    let id = env.run_detached(&[
        "--name",
        "victim",
        "busybox",
        "sh",
        "-c",
        "echo x > /kept; sleep 1000",
    ]);
    wait_until(Duration::from_secs(10), "the file", || {
        env.nook(&["exec", "victim", "cat", "/kept"]).output().code == 0
    });
    assert!(!env.store_processes().is_empty());
    // The monitor alone holds its lock (on the container's directory): a keeper with a copy
    // would keep a dead monitor looking alive until it, too, was gone.
    let lock = env.store().join("containers").join(&id);
    let holding = crate::harness::processes_holding(&lock);
    assert_eq!(holding.len(), 1, "{holding:?}");
    let init = kill_monitor(&env, &id);
    // keeper, init and (with fuse-overlayfs) its daemon die with the monitor
    wait_until(
        Duration::from_secs(10),
        "the container's processes to end",
        || env.store_processes().is_empty() && ended(init),
    );
    let ps = env.nook(&["ps", "-a"]).ok();
    assert!(ps.stdout.contains("Exited (unknown)"), "{ps}");
    assert!(!env.nook(&["ps"]).ok().stdout.contains("victim"));
    let record = env.inspect("victim");
    assert_eq!(record["State"]["Status"], "exited", "{record}");
    assert!(
        record["State"]["Error"]
            .as_str()
            .unwrap()
            .contains("monitor"),
        "{record}"
    );
    env.nook(&["exec", "victim", "true"])
        .output()
        .code(125)
        .stderr_has("not running");
    // what it wrote is still there, and it starts again
    env.nook(&["start", "victim"]).ok();
    assert_eq!(
        env.nook(&["exec", "victim", "cat", "/kept"]).ok().stdout,
        "x\n"
    );
    env.nook(&["rm", "-f", "victim"]).ok();
    assert!(env.container_ids().is_empty());
    assert!(
        env.store_processes().is_empty(),
        "{:?}",
        env.store_processes()
    );
}

/// The same for a container whose process is not root: the kernel clears a process's
/// parent-death signal as it changes user, and a PID 1 that did not set it again outlived
/// its keeper.
#[test]
fn killed_monitor_ends_a_container_of_another_user() {
    let env = env_with("overlay");
    let id = env.run_detached(&["-u", "1000", "busybox", "sleep", "1000"]);
    let init = kill_monitor(&env, &id);
    wait_until(
        Duration::from_secs(10),
        "the container's PID 1 to end",
        || ended(init),
    );
    assert!(
        env.store_processes().is_empty(),
        "{:?}",
        env.store_processes()
    );
}

#[test]
fn killed_monitor_overlay() {
    killed_monitor_leaves_a_truthful_record("overlay");
}

#[test]
fn killed_monitor_fuse_overlayfs() {
    killed_monitor_leaves_a_truthful_record("fuse-overlayfs");
}

#[test]
fn after_a_reboot_no_container_runs() {
    let env = env_with("overlay");
    let id = env.run_detached(&["--name", "ghost", "busybox", "sleep", "1000"]);
    env.nook(&["kill", "ghost"]).ok();
    wait_until(Duration::from_secs(10), "the exit", || {
        status(&env, "ghost") == "exited"
    });
    // What a machine that went down with the container running leaves: a record saying
    // "running", for a monitor of another boot that nobody holds.
    let path = env.store().join("containers").join(&id).join("state.json");
    let mut state = env.state(&id);
    state["status"] = "running".into();
    state["monitor"]["boot_id"] = "00000000-0000-0000-0000-000000000000".into();
    fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    fs::remove_dir_all(&env.runtime).unwrap();
    fs::create_dir(&env.runtime).unwrap();
    crate::harness::chown(&env.runtime, env.user);
    assert!(!env.nook(&["ps"]).ok().stdout.contains("ghost"));
    assert!(
        env.nook(&["ps", "-a"])
            .ok()
            .stdout
            .contains("Exited (unknown)")
    );
    env.nook(&["stop", "ghost"]).ok();
    env.nook(&["start", "ghost"]).ok();
    assert_eq!(status(&env, "ghost"), "running");
    // A state written just before the power cut may be left empty (it is not waited for).
    env.nook(&["stop", "-t", "0", "ghost"]).ok();
    fs::write(&path, b"").unwrap();
    let listed = env.nook(&["ps", "-a"]).ok().stdout;
    assert!(
        listed.contains("ghost") && listed.contains("Exited"),
        "{listed}"
    );
    let error = env
        .nook(&["inspect", "-f", "{{.State.Error}}", "ghost"])
        .ok()
        .stdout;
    assert!(error.contains("lost when the machine went down"), "{error}");
    env.nook(&["start", "ghost"]).ok();
    assert_eq!(status(&env, "ghost"), "running");
    env.nook(&["rm", "-f", "ghost"]).ok();
}

#[test]
fn twenty_containers_at_once_are_all_accounted_for() {
    let env = env_with("overlay");
    let runs: Vec<_> = (0..20)
        .map(|i| {
            env.nook(&[
                "run",
                "-d",
                "--name",
                &format!("c{i}"),
                "busybox",
                "sleep",
                "1000",
            ])
            .spawn()
        })
        .collect();
    let mut ids = Vec::new();
    for mut r in runs {
        let (status, out, err) =
            crate::harness::wait_with_timeout(&mut r, Duration::from_secs(60), "run -d");
        assert!(status.success(), "{out}{err}");
        ids.push(out.trim().to_string());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
    assert_eq!(
        env.nook(&["ps", "-q", "--no-trunc"])
            .ok()
            .stdout
            .lines()
            .count(),
        20
    );
    let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let mut args = vec!["stop", "-t", "1"];
    args.extend(names.iter().map(String::as_str));
    let stopped = env.nook(&args).ok();
    assert_eq!(stopped.stdout.lines().count(), 20, "{stopped}");
    let ps = env.nook(&["ps", "-a", "--format", "json"]).ok();
    let rows: Vec<Value> = serde_json::from_str(&ps.stdout).unwrap();
    assert_eq!(rows.len(), 20);
    assert!(
        rows.iter()
            .all(|r| r["State"] == "exited" && r["ExitCode"] == 137),
        "{ps}"
    );
    let mut args = vec!["rm"];
    args.extend(names.iter().map(String::as_str));
    env.nook(&args).ok();
    assert!(env.container_ids().is_empty());
    assert!(env.store_processes().is_empty());
    assert!(env.store_entries("containers/names").is_empty());
}

#[test]
fn removal_of_a_running_container_needs_force() {
    let env = env_with("overlay");
    env.run_detached(&["--name", "busy", "busybox", "sleep", "1000"]);
    env.nook(&["rm", "busy"])
        .output()
        .code(1)
        .stderr_has("rm -f");
    assert_eq!(status(&env, "busy"), "running");
    env.nook(&["container", "prune"]).ok();
    assert_eq!(
        status(&env, "busy"),
        "running",
        "prune leaves running containers"
    );
    // the `container` group has every verb, as docker's does
    let ls = env.nook(&["container", "ls", "-q"]).ok();
    assert_eq!(ls.stdout.lines().count(), 1, "{ls}");
    env.nook(&["container", "exec", "busy", "true"]).ok();
    env.nook(&["container", "rm", "-f", "busy"]).ok();
    assert!(env.container_ids().is_empty());
    assert!(env.store_processes().is_empty());
}

#[test]
fn restart_policies_are_carried_out_by_the_monitor() {
    let env = env_with("overlay");
    let id = env.run_detached(&[
        "--restart",
        "on-failure:2",
        "busybox",
        "sh",
        "-c",
        "echo try; exit 1",
    ]);
    wait_until(Duration::from_secs(20), "the retries", || {
        env.nook(&["ps", "-a", "-q", "-f", "status=exited"])
            .ok()
            .stdout
            .trim()
            == &id[..12]
    });
    let record = env.inspect(&id);
    assert_eq!(record["RestartCount"], 2, "{record}");
    assert_eq!(record["State"]["ExitCode"], 1);
    assert_eq!(env.nook(&["logs", &id]).ok().stdout, "try\ntry\ntry\n");
    // always: until stopped by the user, which sticks
    env.run_detached(&[
        "--name",
        "again",
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "sleep 0.2",
    ]);
    wait_until(Duration::from_secs(20), "a restart", || {
        env.inspect("again")["RestartCount"].as_u64().unwrap() >= 1
    });
    env.nook(&["stop", "-t", "1", "again"]).ok();
    let after = env.inspect("again")["RestartCount"].clone();
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(status(&env, "again"), "exited");
    assert_eq!(env.inspect("again")["RestartCount"], after);
    env.nook(&["run", "--rm", "--restart", "always", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("--rm");
    env.nook(&["run", "--restart", "sometimes", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("restart policy");
}

#[test]
fn wait_reports_the_exit_status_even_of_a_removed_container() {
    let env = env_with("overlay");
    // Long enough for `wait` to begin on a slow (emulated) machine.
    let id = env.run_detached(&["--rm", "busybox", "sh", "-c", "sleep 3; exit 3"]);
    assert_eq!(env.nook(&["wait", &id]).ok().stdout, "3\n");
    wait_until(Duration::from_secs(10), "the removal", || {
        env.container_ids().is_empty()
    });
    let a = env.run_detached(&["busybox", "sh", "-c", "exit 4"]);
    let b = env.run_detached(&["busybox", "sh", "-c", "sleep 0.2; exit 5"]);
    assert_eq!(env.nook(&["wait", &a, &b]).ok().stdout, "4\n5\n");
    // a detached --rm container that cannot start is gone too
    env.nook(&["run", "-d", "--rm", "busybox", "no-such-program"])
        .output()
        .code(127);
    assert_eq!(env.container_ids().len(), 2);
}

#[test]
fn create_then_start_attached() {
    let env = env_with("overlay");
    let id = env
        .nook(&[
            "create",
            "--name",
            "later",
            "busybox",
            "sh",
            "-c",
            "echo now; exit 6",
        ])
        .ok()
        .stdout;
    assert_eq!(id.trim().len(), 64);
    assert!(env.nook(&["ps", "-a"]).ok().stdout.contains("Created"));
    let out = env.nook(&["start", "-a", "later"]).output().code(6);
    assert_eq!(out.stdout, "now\n");
    let out = env.nook(&["start", "-a", "later"]).output().code(6);
    assert_eq!(out.stdout, "now\n", "only this run's output");
    // detached stdin: held open with -i (a shell waits), /dev/null without (it ends)
    env.run_detached(&["-i", "--name", "waits", "busybox", "sh"]);
    env.run_detached(&["--name", "ends", "busybox", "sh"]);
    wait_until(
        Duration::from_secs(10),
        "the shell without input to end",
        || status(&env, "ends") == "exited",
    );
    assert_eq!(status(&env, "waits"), "running");
    env.run_detached(&[
        "-t",
        "--name",
        "tty",
        "busybox",
        "sh",
        "-c",
        "tty; sleep 1000",
    ]);
    wait_until(Duration::from_secs(10), "the terminal's name", || {
        env.nook(&["logs", "tty"])
            .ok()
            .stdout
            .starts_with("/dev/pts/")
    });
}

#[test]
fn cp_in_and_out_of_running_and_stopped_containers() {
    let env = env_with("overlay");
    let u = user();
    env.run_detached(&[
        "--name",
        "files",
        "busybox",
        "sh",
        "-c",
        "mkdir -p /data/sub && echo deep > /data/sub/f && ln -sf f /data/sub/link && sleep 1000",
    ]);
    wait_until(Duration::from_secs(10), "the files", || {
        env.nook(&["exec", "files", "test", "-e", "/data/sub/link"])
            .output()
            .code
            == 0
    });
    let host = env.root.join("host");
    fs::create_dir(&host).unwrap();
    crate::harness::chown(&host, u);
    let h = |p: &str| host.join(p).display().to_string();
    // out: a file into a directory, a directory onto a new name, then into it by name
    env.nook(&["cp", "files:/etc/passwd", &h("")]).ok();
    assert_eq!(
        fs::read_to_string(host.join("passwd")).unwrap(),
        crate::images::PASSWD
    );
    assert_eq!(host_uid(&host.join("passwd")), u.uid);
    env.nook(&["cp", "files:/data", &h("copy")]).ok();
    assert_eq!(
        fs::read_to_string(host.join("copy/sub/f")).unwrap(),
        "deep\n"
    );
    assert_eq!(
        fs::read_link(host.join("copy/sub/link")).unwrap().to_str(),
        Some("f")
    );
    env.nook(&["cp", "files:/data/.", &h("flat")]).ok();
    assert!(host.join("flat/sub/f").is_file());
    // in: a host tree, owned by the container's root, into the container
    fs::write(host.join("copy/new"), "from host\n").unwrap();
    crate::harness::chown(&host.join("copy/new"), u);
    env.nook(&["cp", &h("copy"), "files:/srv"]).ok();
    let out = env
        .nook(&[
            "exec",
            "files",
            "sh",
            "-c",
            "cat /srv/new /srv/sub/f; stat -c %u /srv/new",
        ])
        .ok()
        .stdout;
    assert_eq!(out, "from host\ndeep\n0\n");
    // a stopped container: its writable layer, as it would see it
    env.nook(&["stop", "-t", "0", "files"]).ok();
    env.nook(&["cp", &h("passwd"), "files:/srv/sub/"]).ok();
    env.nook(&["cp", "files:/srv/sub/passwd", &h("back")]).ok();
    assert_eq!(
        fs::read_to_string(host.join("back")).unwrap(),
        crate::images::PASSWD
    );
    env.nook(&["start", "files"]).ok();
    assert_eq!(
        env.nook(&["exec", "files", "cat", "/srv/new"]).ok().stdout,
        "from host\n"
    );
    // tar streams on stdin and stdout
    let tar = env.nook(&["cp", "files:/srv/sub", "-"]).ok();
    assert!(
        tar.stdout.contains("sub/f"),
        "a tar stream: {}",
        tar.stdout.len()
    );
    let stream = crate::images::Tar::new()
        .file("streamed", b"s\n", 0o644, 0, 0)
        .finish();
    env.nook(&["cp", "-", "files:/tmp"]).stdin(&stream).ok();
    assert_eq!(
        env.nook(&["exec", "files", "cat", "/tmp/streamed"])
            .ok()
            .stdout,
        "s\n"
    );
    // mistakes (a missing path is exit 1, as docker's)
    env.nook(&["cp", "files:/no/such", &h("x")])
        .output()
        .code(1)
        .stderr_has("no such file");
    env.nook(&["cp", &h("copy"), "files:/etc/passwd"])
        .output()
        .code(125)
        .stderr_has("not a directory");
    env.nook(&["cp", &h("a"), &h("b")])
        .output()
        .code(125)
        .stderr_has("CONTAINER:PATH");
    env.nook(&["cp", "nope:/x", &h("x")])
        .output()
        .code(1)
        .stderr_has("no such container");
}

#[test]
fn cp_cannot_be_led_out_of_the_container_by_its_symlinks() {
    let env = env_with("overlay");
    let secret = env.file("secret", b"host secret\n");
    let host = env.root.join("landing");
    fs::create_dir(&host).unwrap();
    crate::harness::chown(&host, user());
    // A hostile container points its paths at host locations.
    env.run_detached(&[
        "--name",
        "evil",
        "busybox",
        "sh",
        "-c",
        &format!(
            "ln -s {} /leak; ln -s {} /out; sleep 1000",
            secret.display(),
            host.display()
        ),
    ]);
    wait_until(Duration::from_secs(10), "the links", || {
        env.nook(&["exec", "evil", "test", "-L", "/out"])
            .output()
            .code
            == 0
    });
    // Reading /leak/. resolves inside the container, where that path does not exist.
    env.nook(&["cp", "evil:/leak/.", &host.display().to_string()])
        .output()
        .code(1)
        .stderr_has("no such file");
    // /leak itself travels as a symlink, not as the host file it names.
    env.nook(&["cp", "evil:/leak", &host.join("l").display().to_string()])
        .ok();
    assert!(
        fs::symlink_metadata(host.join("l"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // Writing to /out/planted lands in the container's /out, a dangling link there.
    let planted = env.file("planted", b"p\n");
    let _ = env
        .nook(&["cp", &planted.display().to_string(), "evil:/out/planted"])
        .output();
    assert!(
        !host.join("planted").exists(),
        "a write escaped to the host"
    );
}

#[test]
fn ps_filters_and_formats() {
    let env = env_with("overlay");
    env.run_detached(&[
        "--name", "alpha", "-l", "tier=web", "busybox", "sleep", "1000",
    ]);
    env.nook(&["run", "--name", "beta", "-l", "tier=db", "busybox", "true"])
        .ok();
    env.nook(&["run", "--name", "gamma", "busybox", "sh", "-c", "exit 2"])
        .output()
        .code(2);
    let names = |filters: &[&str]| {
        let mut args = vec!["ps", "-a", "--format", "json"];
        for f in filters {
            args.extend(["-f", f]);
        }
        let rows: Vec<Value> = serde_json::from_str(&env.nook(&args).ok().stdout).unwrap();
        let mut n: Vec<String> = rows
            .iter()
            .map(|r| r["Names"][0].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(&["status=running"]), ["alpha"]);
    assert_eq!(names(&["status=exited"]), ["beta", "gamma"]);
    assert_eq!(names(&["exited=2"]), ["gamma"]);
    assert_eq!(names(&["label=tier"]), ["alpha", "beta"]);
    assert_eq!(names(&["label=tier=db"]), ["beta"]);
    assert_eq!(names(&["name=alp", "name=gam"]), ["alpha", "gamma"]);
    assert_eq!(names(&["status=exited", "name=beta"]), ["beta"]);
    assert_eq!(names(&["ancestor=busybox"]).len(), 3);
    // without -a, a status filter still looks at every container, as docker's does
    assert_eq!(
        env.nook(&["ps", "-q", "-f", "status=exited"])
            .ok()
            .stdout
            .lines()
            .count(),
        2
    );
    let table = env.nook(&["ps"]).ok().stdout;
    assert!(
        table.starts_with("CONTAINER ID") && table.contains("alpha") && !table.contains("beta"),
        "{table}"
    );
    env.nook(&["ps", "-f", "colour=blue"])
        .output()
        .code(125)
        .stderr_has("unknown filter");
    env.nook(&["ps", "-f", "status=sleeping"])
        .output()
        .code(125)
        .stderr_has("status");
    env.nook(&["ps", "-f", "noequals"]).output().code(125);
}

#[test]
fn rename_and_top() {
    let env = env_with("overlay");
    env.run_detached(&[
        "--name",
        "old",
        "busybox",
        "sh",
        "-c",
        "sleep 1000 & sleep 1000; true",
    ]);
    env.nook(&["rename", "old", "new"]).ok();
    assert_eq!(status(&env, "new"), "running");
    env.nook(&["inspect", "old"]).output().code(1);
    // the old name is free again, the new one is taken
    env.nook(&["create", "--name", "old", "busybox", "true"])
        .ok();
    env.nook(&["rename", "old", "new"])
        .output()
        .code(125)
        .stderr_has("already in use");
    env.nook(&["rename", "old", "bad name"])
        .output()
        .code(125)
        .stderr_has("invalid");
    let top = env.nook(&["top", "new"]).ok().stdout;
    assert!(top.starts_with("PID"), "{top}");
    assert_eq!(
        top.lines().filter(|l| l.ends_with(" sleep 1000")).count(),
        2,
        "{top}"
    );
    assert_eq!(top.lines().count(), 4, "sh and two sleeps: {top}");
    env.nook(&["top", "old"])
        .output()
        .code(125)
        .stderr_has("not running");
}

/// `--stop-timeout` is recorded and is what `stop` waits without `-t` (a PID 1 that ignores
/// SIGTERM is killed: 137); `--label-file` adds KEY=VALUE lines (comments skipped, a bare
/// KEY empty), with `-l` after them.
#[test]
fn stop_timeout_and_label_files() {
    let env = env_with("overlay");
    let labels = env.file("labels", b"a=1\n# a comment\n\nb\n");
    env.run_detached(&[
        "--name",
        "t",
        "--stop-timeout",
        "1",
        "--label-file",
        labels.to_str().unwrap(),
        "-l",
        "c=3",
        "busybox",
        "sleep",
        "100",
    ]);
    let v = env.inspect("t");
    assert_eq!(v["Config"]["StopTimeout"], 1);
    assert_eq!(
        v["Config"]["Labels"],
        serde_json::json!({"a": "1", "b": "", "c": "3"})
    );
    env.nook(&["stop", "t"]).ok();
    assert_eq!(env.inspect("t")["State"]["ExitCode"], 137);
    env.nook(&["rm", "t"]).ok();
}

/// `nook events`: what the CLI and the monitors did, in docker's shapes, followed as it
/// happens (a reader started first sees what comes after), filtered, and read back for a
/// time range.
#[test]
fn events_tell_what_happened() {
    let env = env_with("overlay");
    let start = chrono::Utc::now();
    let until = (start + chrono::Duration::seconds(8)).to_rfc3339();
    let mut follower = env
        .nook(&[
            "events",
            "--until",
            &until,
            "--format",
            "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
        ])
        .spawn();
    std::thread::sleep(Duration::from_millis(300));
    env.nook(&[
        "run", "--rm", "--name", "once", "-l", "app=demo", "busybox", "sh", "-c", "exit 3",
    ])
    .output()
    .code(3);
    env.nook(&["volume", "create", "vol1"]).ok();
    env.nook(&["volume", "rm", "vol1"]).ok();
    env.nook(&["network", "create", "net1"]).ok();
    env.nook(&["network", "rm", "net1"]).ok();
    env.run_detached(&["--name", "web", "busybox", "sleep", "100"]);
    env.nook(&["exec", "web", "true"]).ok();
    env.nook(&["rename", "web", "web2"]).ok();
    env.nook(&["kill", "web2"]).ok();
    env.nook(&["rm", "web2"]).ok();
    let (status, out, err) =
        crate::harness::wait_with_timeout(&mut follower, Duration::from_secs(30), "events");
    assert!(status.success(), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    let expected = [
        "container create once",
        "container start once",
        "container die once",
        "container destroy once",
        "volume create <no value>",
        "volume destroy <no value>",
        "network create net1",
        "network destroy net1",
        "container create web",
        "container start web",
        "container exec_start: true web",
        "container exec_die web",
        "container rename web2",
        "container kill web2",
        "container die web2",
        "container destroy web2",
    ];
    assert_eq!(lines, expected, "{out}");

    // A time range, filtered, as JSON: the failed run's status and labels.
    let since = start.to_rfc3339();
    let dies = env
        .nook(&[
            "events",
            "--since",
            &since,
            "--until",
            "0s",
            "-f",
            "event=die",
            "-f",
            "label=app=demo",
            "--format",
            "json",
        ])
        .ok()
        .stdout;
    let dies: Vec<Value> = dies
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dies.len(), 1, "{dies:?}");
    assert_eq!(dies[0]["Actor"]["Attributes"]["exitCode"], "3");
    assert_eq!(dies[0]["Actor"]["Attributes"]["name"], "once");
    assert_eq!(dies[0]["from"], "busybox");
    let plain = env
        .nook(&[
            "events",
            "--since",
            &since,
            "--until",
            "0s",
            "-f",
            "type=volume",
        ])
        .ok()
        .stdout;
    assert!(
        plain
            .lines()
            .next()
            .is_some_and(|l| l.ends_with(" volume create vol1 (driver=local)")),
        "{plain}"
    );
    env.nook(&["events", "-f", "colour=red"])
        .output()
        .code(125)
        .stderr_has("invalid filter");
    env.nook(&["events", "--since", "yesterday"])
        .output()
        .code(125)
        .stderr_has("--since");
}

/// Health checks, from the image's HEALTHCHECK and from `--health-*`: run by a process beside
/// the monitor, shown by `ps` (status and `health=` filter), `inspect` and `events`; `nook
/// healthcheck run`; the start period; and nothing left once the container goes.
#[test]
fn health_checks_run_beside_the_container() {
    let env = env_with("overlay");
    let dir = env.root.join("hc");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("Containerfile"),
        "FROM busybox\nHEALTHCHECK --interval=200ms --retries=2 CMD test -e /tmp/ok\n",
    )
    .unwrap();
    env.own(&dir);
    env.nook(&["build", "-q", "-t", "hcimg", dir.to_str().unwrap()])
        .ok();
    let id = env.run_detached(&["--name", "h", "hcimg", "sleep", "100"]);
    let status = |name: &str| {
        env.nook(&[
            "ps",
            "-a",
            "-f",
            &format!("name={name}"),
            "--format",
            "{{.Status}}",
        ])
        .ok()
        .stdout
    };
    wait_until(Duration::from_secs(15), "unhealthy", || {
        status("h").contains("(unhealthy)")
    });
    assert_eq!(
        env.nook(&["ps", "-q", "--no-trunc", "-f", "health=unhealthy"])
            .ok()
            .stdout,
        format!("{id}\n")
    );
    env.nook(&["exec", "h", "touch", "/tmp/ok"]).ok();
    wait_until(Duration::from_secs(15), "healthy", || {
        status("h").contains("(healthy)")
    });
    let seen = env
        .nook(&[
            "inspect",
            "-f",
            "{{.State.Health.Status}} {{.State.Health.FailingStreak}} {{json .Config.Healthcheck.Test}}",
            "h",
        ])
        .ok();
    assert_eq!(
        seen.stdout, "healthy 0 [\"CMD-SHELL\",\"test -e /tmp/ok\"]\n",
        "{seen}"
    );
    let run = env.nook(&["healthcheck", "run", "h"]).ok();
    assert_eq!(run.stdout, "healthy\n");
    env.nook(&["exec", "h", "rm", "/tmp/ok"]).ok();
    env.nook(&["healthcheck", "run", "h"]).output().code(1);
    let changes = env
        .nook(&[
            "events",
            "--since",
            "5m",
            "--until",
            "0s",
            "-f",
            "container=h",
            "-f",
            "event=health_status",
            "--format",
            "{{.Action}}",
        ])
        .ok()
        .stdout;
    assert!(
        changes.contains("health_status: unhealthy\nhealth_status: healthy\n"),
        "{changes}"
    );

    // The flags: a check of one's own, failures in the start period not counted.
    env.run_detached(&[
        "--name",
        "slow",
        "--health-cmd",
        "exit 1",
        "--health-interval",
        "100ms",
        "--health-retries",
        "1",
        "--health-start-period",
        "60s",
        "busybox",
        "sleep",
        "100",
    ]);
    std::thread::sleep(Duration::from_millis(1200));
    assert!(
        status("slow").contains("(health: starting)"),
        "{}",
        status("slow")
    );
    let log = env
        .nook(&["inspect", "-f", "{{len .State.Health.Log}}", "slow"])
        .ok()
        .stdout;
    assert!(log.trim().parse::<u32>().unwrap() >= 2, "checks ran: {log}");
    env.run_detached(&[
        "--name",
        "none",
        "--no-healthcheck",
        "hcimg",
        "sleep",
        "100",
    ]);
    assert_eq!(
        env.nook(&["inspect", "-f", "{{json .State.Health}}", "none"])
            .ok()
            .stdout,
        "null\n"
    );
    env.nook(&["healthcheck", "run", "none"])
        .output()
        .code(125)
        .stderr_has("has no health check");
    env.nook(&[
        "run",
        "--rm",
        "--health-cmd",
        "true",
        "--health-interval",
        "5x",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("--health-interval");
    env.nook(&["healthcheck", "run", "nosuch"]).output().code(1);
    env.nook(&["rm", "-f", "h", "slow", "none"]).ok();
    wait_until(Duration::from_secs(10), "no health checker left", || {
        !crate::harness::processes()
            .iter()
            .any(|p| p.contains("__health") && p.contains(&id))
    });
}

/// `attach`: a detached container's output from now on and, started with -i, our input to
/// it (a pipe or its terminal); the detach keys leave it running; its exit status is ours.
#[test]
fn attach_feeds_and_follows_a_detached_container() {
    let env = env_with("overlay");
    env.run_detached(&[
        "-i",
        "--name",
        "echoer",
        "busybox",
        "sh",
        "-c",
        "while read l; do echo \"got $l\"; [ \"$l\" = bye ] && exit 7; done",
    ]);
    let out = env
        .nook(&["attach", "echoer"])
        .stdin(b"hello\nbye\n")
        .output()
        .code(7);
    assert_eq!(out.stdout, "got hello\ngot bye\n", "{out}");

    // Ctrl-p ctrl-q: detached, the container goes on, and takes input at the next attach.
    env.run_detached(&[
        "-i",
        "--name",
        "reader",
        "busybox",
        "sh",
        "-c",
        "while read l; do echo \"got $l\"; done",
    ]);
    let out = env
        .nook(&["attach", "reader"])
        .stdin(b"one\n\x10\x11")
        .output()
        .code(0);
    assert!(out.stderr.contains("read escape sequence"), "{out}");
    assert_eq!(status(&env, "reader"), "running");
    env.nook(&["attach", "--detach-keys", "ctrl-x", "reader"])
        .stdin(b"two\n\x18")
        .ok();
    wait_until(Duration::from_secs(10), "both lines", || {
        env.nook(&["logs", "reader"]).ok().stdout == "got one\ngot two\n"
    });

    // With a terminal: what is typed reaches its shell.
    env.run_detached(&["-it", "--name", "term", "busybox", "sh"]);
    let out = env
        .nook(&["attach", "term"])
        .stdin(b"echo from-$((40+2))\nexit 3\n")
        .output()
        .code(3);
    assert!(out.stdout.contains("from-42"), "{out}");

    env.nook(&["attach", "echoer"])
        .output()
        .code(125)
        .stderr_has("not running");
    env.nook(&["attach", "nosuch"]).output().code(1);
    env.nook(&["rm", "-f", "echoer", "reader", "term"]).ok();
}
