//! What a user trusts a tool by, beyond each feature working: a container cannot fill the
//! disk through nook (its log is bounded), and hostile names never reach outside the store.

use std::fs;

use crate::harness::{Env, env_with};

/// The total size of a container's log files (`ctr.log` and the older `ctr.log.N`).
fn log_bytes(env: &Env, id: &str) -> u64 {
    fs::read_dir(env.store().join("containers").join(id))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("ctr.log"))
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

/// A container writing 1 GiB to its output: the log stays within the default bounds (5
/// files of 20 MiB, docker's local driver's), `logs` still shows the latest lines; a
/// container's own `--log-opt` (or config.toml) bounds it tighter, `--log-driver none`
/// keeps nothing; docker's spelling shows in `inspect`.
#[test]
fn a_gigabyte_of_output_stays_within_the_log_limits() {
    let env = env_with("overlay");
    let flood = "head -c 1073741824 /dev/zero | tr '\\0' x; echo; echo the-end";
    let id = env.run_detached(&["busybox", "sh", "-c", flood]);
    env.nook(&["wait", &id]).ok().stdout_has("0");
    let kept = log_bytes(&env, &id);
    assert!(kept <= (5 * 20) << 20, "{kept} bytes of log kept");
    assert!(
        kept >= (4 * 20) << 20,
        "the files are used to their limit: {kept}"
    );
    assert_eq!(
        env.nook(&["logs", "--tail", "1", &id]).ok().stdout,
        "the-end\n"
    );
    let flood_small = "head -c 10485760 /dev/zero | tr '\\0' x; echo; echo the-end";
    let tight = env.run_detached(&[
        "--log-opt",
        "max-size=1m",
        "--log-opt",
        "max-file=2",
        "busybox",
        "sh",
        "-c",
        flood_small,
    ]);
    env.nook(&["wait", &tight]).ok();
    assert!(log_bytes(&env, &tight) <= 2 << 20);
    env.nook(&["inspect", "-f", "{{json .HostConfig.LogConfig}}", &tight])
        .ok()
        .stdout_has(r#"{"Config":{"max-file":"2","max-size":"1048576"},"Type":"k8s-file"}"#);
    let none = env.run_detached(&["--log-driver", "none", "busybox", "echo", "lost"]);
    env.nook(&["wait", &none]).ok();
    assert_eq!(env.nook(&["logs", &none]).ok().stdout, "");
    env.write_config("[containers]\nlog_max_size = \"512k\"\nlog_max_file = 1\n");
    let configured = env.run_detached(&["busybox", "sh", "-c", flood_small]);
    env.nook(&["wait", &configured]).ok();
    assert!(log_bytes(&env, &configured) <= 512 << 10);
    assert_eq!(
        env.nook(&["logs", "--tail", "1", &configured]).ok().stdout,
        "the-end\n"
    );
    env.nook(&[
        "run",
        "--rm",
        "--log-opt",
        "max-size=huge",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("invalid --log-opt max-size \"huge\"");
    env.nook(&["run", "--rm", "--log-driver", "syslog", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("unsupported --log-driver \"syslog\"");
}

/// Names and paths from a hostile script: `..`, `/`, newlines, leading dots and dashes,
/// very long strings, as container, volume and network names and image references, are
/// refused with a clear message and make nothing; `cp` paths with `..` stay in the
/// container. (A NUL cannot be passed in an argument at all.)
#[test]
fn hostile_names_and_paths_are_refused_or_confined() {
    let env = env_with("overlay");
    let long = "a".repeat(300);
    let before: Vec<Vec<String>> = ["containers", "volumes", "networks"]
        .iter()
        .map(|d| env.store_entries(d))
        .collect();
    for bad in ["../x", "a/b", "a\nb", ".x", "a b", "x/../../y", &long] {
        for (args, says) in [
            (
                vec!["create", "--name", bad, "busybox", "true"],
                "invalid container name",
            ),
            (vec!["volume", "create", bad], "invalid volume name"),
            (vec!["network", "create", bad], "invalid network name"),
        ] {
            env.nook(&args).output().code(125).stderr_has(says);
        }
    }
    for bad in ["../x", "a\nb", ".x", "x/../../y", "UPPER", &long] {
        env.nook(&["tag", "busybox", bad])
            .output()
            .code(125)
            .stderr_has("a reference looks like");
    }
    let after: Vec<Vec<String>> = ["containers", "volumes", "networks"]
        .iter()
        .map(|d| env.store_entries(d))
        .collect();
    assert_eq!(before, after);
    // `..` in a container path climbs to the container's root, never the host's.
    let secret = env.file("secret", b"host secret\n");
    let id = env.run_detached(&["busybox", "sleep", "1000"]);
    let climb = format!("{id}:/../../../../..{}", secret.display());
    let dest = env.root.join("copied");
    env.nook(&["cp", &climb, dest.to_str().unwrap()])
        .output()
        .code(1)
        .stderr_has("no such file");
    assert!(!dest.exists());
    let into = env.file("into", b"in\n");
    env.nook(&[
        "cp",
        into.to_str().unwrap(),
        &format!("{id}:/../../../../../tmp/landed"),
    ])
    .ok();
    assert!(!std::path::Path::new("/tmp/landed").exists());
    env.nook(&["exec", &id, "cat", "/tmp/landed"])
        .ok()
        .stdout_has("in");
    env.nook(&["rm", "-f", &id]).ok();
}

/// Many commands at once, as a busy CI box or a script runs them, ten rounds of: 50 `run
/// --rm`, 10 pulls of the same image (removed before each round, so each round pulls), 10
/// `rm -f` of running containers and 10 volume create-and-remove. Not one fails; every
/// name and id is unique; nothing is left behind: no container, monitor, pasta or helper
/// process, no temporary file, no volume, no mount.
#[test]
fn a_concurrency_soak_fails_nothing_and_leaks_nothing() {
    use std::collections::BTreeSet;
    use std::time::Duration;
    const ROUNDS: usize = 10;
    let server = crate::registry_server::RegistryServer::start();
    let env = env_with("overlay");
    let image = format!("{}/soak/busybox:1", server.addr);
    env.nook(&["push", "busybox", &image]).ok();
    let nook = crate::harness::nook_bin();
    let mut ids = BTreeSet::new();
    let mut failures = Vec::new();
    for round in 0..ROUNDS {
        let _ = env.nook(&["rmi", &image]).output();
        let doomed: Vec<String> = (0..10)
            .map(|i| {
                env.run_detached(&[
                    "--name",
                    &format!("doomed-{round}-{i}"),
                    "busybox",
                    "sleep",
                    "1000",
                ])
            })
            .collect();
        ids.extend(doomed.iter().cloned());
        let mut children = Vec::new();
        for i in 0..50 {
            let name = format!("run-{round}-{i}");
            let run = env.nook(&["run", "--rm", "--name", &name, "busybox", "echo", &name]);
            children.push((name.clone(), Some(name), run.spawn()));
        }
        for i in 0..10 {
            children.push((
                format!("pull {i}"),
                None,
                env.nook(&["pull", "-q", &image]).spawn(),
            ));
        }
        for id in &doomed {
            children.push((
                format!("rm -f {id}"),
                None,
                env.nook(&["rm", "-f", id]).spawn(),
            ));
        }
        for i in 0..10 {
            let mut sh = env.command("sh");
            let v = format!("soak-{round}-{i}");
            sh.args([
                "-c",
                &format!("\"$0\" volume create {v} >/dev/null && \"$0\" volume rm {v} >/dev/null"),
                nook.to_str().unwrap(),
            ]);
            let label = format!("volume {v}");
            children.push((
                label.clone(),
                None,
                crate::harness::Run::new(sh, label).spawn(),
            ));
        }
        for (label, echo, mut child) in children {
            let (status, out, err) =
                crate::harness::wait_with_timeout(&mut child, Duration::from_secs(300), &label);
            let echoed = echo.is_none_or(|e| out == format!("{e}\n"));
            if !status.success() || !echoed {
                failures.push(format!("round {round}: {label}: {status}: {out}{err}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(ids.len(), ROUNDS * 10, "every id unique");
    crate::harness::wait_until(Duration::from_secs(30), "every process to end", || {
        env.store_processes().is_empty()
    });
    assert!(env.container_ids().is_empty(), "{:?}", env.container_ids());
    assert_eq!(env.store_entries("tmp"), Vec::<String>::new());
    let volumes = env.nook(&["volume", "ls", "-q"]).ok().stdout;
    assert!(!volumes.contains("soak-"), "{volumes}");
    let store = env.store().display().to_string();
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains(&store), "{mounts}");
    // The store is consistent, and the next command of each kind works.
    env.nook(&["system", "check"]).ok();
    env.nook(&["run", "--rm", &image, "true"]).ok();
}

/// The store on a small tmpfs, unmounted when the test ends (before its directory goes).
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(env: &Env, megabytes: u32) -> Self {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m,mode=0700")])
            .arg("tmpfs")
            .arg(&env.data)
            .status()
            .unwrap();
        assert!(status.success(), "mount a tmpfs on {}", env.data.display());
        env.own(&env.data);
        SmallDisk(env.data.clone())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Random bytes (they do not compress: a layer of them is as big in the registry).
fn noise(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

/// Every verb that writes, with the store on a full disk (a 32 MiB tmpfs): pull, import,
/// load, build, commit, a container filling its writable layer or a volume, a container's
/// log. Each says so clearly (exit 125; a container's own failure is its own status),
/// leaves nothing half-written, and once space is freed the store is consistent and works.
#[test]
fn a_full_disk_fails_cleanly_and_the_store_recovers() {
    use crate::images::{Image, Tar, busybox_rootfs};
    let server = crate::registry_server::RegistryServer::start();
    let big = Image::new(
        vec![
            busybox_rootfs().finish(),
            Tar::new()
                .file("noise", &noise(40 << 20), 0o644, 0, 0)
                .finish(),
        ],
        serde_json::json!({"Cmd": ["true"]}),
    );
    crate::registry::publish(&server, &big, "big:1");
    crate::registry::publish(
        &server,
        &crate::registry::two_layer_image("small\n"),
        "small:1",
    );
    let (big_ref, small_ref) = (
        format!("{}/big:1", server.addr),
        format!("{}/small:1", server.addr),
    );
    // An archive of the big image, made where there is room.
    let roomy = Env::new();
    roomy.nook(&["pull", &big_ref]).ok();
    let archive = roomy.root.join("big.tar");
    roomy
        .nook(&["save", "-o", archive.to_str().unwrap(), &big_ref])
        .ok();
    let big_tar = roomy.file(
        "big-rootfs.tar",
        &Tar::new()
            .file("noise", &noise(40 << 20), 0o644, 0, 0)
            .finish(),
    );

    let env = Env::new();
    let _disk = SmallDisk::mount(&env, 32);
    env.busybox("busybox");
    let full = "no space left on the device that holds nook's store";
    let images_before = env.nook(&["images", "-q"]).ok().stdout;
    let clean = |env: &Env| {
        assert_eq!(
            env.store_entries("tmp"),
            Vec::<String>::new(),
            "nothing half-written"
        );
        assert_eq!(env.nook(&["images", "-q"]).ok().stdout, images_before);
    };
    env.nook(&["pull", &big_ref])
        .output()
        .code(125)
        .stderr_has(full);
    clean(&env);
    env.nook(&["import", big_tar.to_str().unwrap(), "big"])
        .output()
        .code(125)
        .stderr_has(full);
    clean(&env);
    env.own(&archive);
    env.nook(&["load", "-i", archive.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has(full);
    clean(&env);
    let ctx = env.root.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(
        ctx.join("Containerfile"),
        "FROM busybox\nRUN dd if=/dev/zero of=/big bs=1M count=18 2>/dev/null\n",
    )
    .unwrap();
    env.own(&ctx);
    env.nook(&["build", "-q", "-t", "fat", ctx.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has(full);
    clean(&env);
    // A container that fills the disk fails its own way, and its exit is still recorded.
    env.nook(&[
        "run",
        "--name",
        "filler",
        "busybox",
        "sh",
        "-c",
        "dd if=/dev/zero of=/big bs=1M count=100 2>/dev/null; exit 3",
    ])
    .output()
    .code(3);
    env.nook(&["ps", "-a", "--format", "{{.Status}}", "-f", "name=filler"])
        .ok()
        .stdout_has("Exited (3)");
    env.nook(&["commit", "filler", "filled"])
        .output()
        .code(125)
        .stderr_has(full);
    clean(&env);
    // A container that fills the disk through a volume, then talks: its output is kept
    // as far as there is room, and its exit is recorded.
    env.nook(&["rm", "-f", "filler"]).ok();
    env.nook(&[
        "run",
        "-d",
        "--name",
        "talker",
        "-v",
        "data:/data",
        "busybox",
        "sh",
        "-c",
        "dd if=/dev/zero of=/data/fill bs=1M count=100 2>/dev/null; i=0; while [ $i -lt 2000 ]; do echo line $i; i=$((i+1)); done; exit 4",
    ])
    .ok();
    env.nook(&["wait", "talker"]).ok().stdout_has("4");
    env.nook(&["logs", "talker"]).ok();
    // Space freed: the store is consistent and every verb works again.
    env.nook(&["rm", "-f", "talker"]).ok();
    env.nook(&["volume", "rm", "data"]).ok();
    env.nook(&["system", "check"]).ok().stdout_has("consistent");
    env.nook(&["pull", &small_ref]).ok();
    env.nook(&["run", "--rm", &small_ref, "cat", "/srv/message"])
        .ok()
        .stdout_has("small");
    fs::write(
        ctx.join("Containerfile"),
        "FROM busybox\nRUN echo built > /built\n",
    )
    .unwrap();
    env.nook(&["build", "-q", "-t", "thin", ctx.to_str().unwrap()])
        .ok();
    env.nook(&["run", "--rm", "thin", "cat", "/built"])
        .ok()
        .stdout_has("built");
}

/// Pids of every descendant of `pid` now.
fn descendants(pid: i32) -> Vec<i32> {
    let mut parent = std::collections::HashMap::new();
    for entry in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        let Ok(stat) = fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        if let Some(ppid) = stat
            .rsplit_once(") ")
            .and_then(|(_, rest)| rest.split(' ').nth(1))
            .and_then(|s| s.parse::<i32>().ok())
        {
            parent.insert(p, ppid);
        }
    }
    let mut out = Vec::new();
    let mut frontier = vec![pid];
    while let Some(p) = frontier.pop() {
        for (child, _) in parent.iter().filter(|(_, pp)| **pp == p) {
            out.push(*child);
            frontier.push(*child);
        }
    }
    out
}

/// kill -9 at any moment: pull, import, load, run, run -d, rm, rmi, volume create/rm, build
/// and shell entry in turn, each killed (nook itself, or one of its helpers: a job, a keeper,
/// pasta, fuse-overlayfs, the container; now and then a running container's monitor or the
/// user's namespace holder) after a random delay. After each: `system check` finds the store consistent and `ps -a` tells
/// the truth (every container it calls running has a live monitor); every few, everything is
/// removed and no process, mount, scratch file or unsettled record is left. NOOK_KILLS sets the count (CI
/// runs fewer than the 500 of RELIABILITY.md); the seed is printed to replay a run.
#[test]
fn kill_nine_at_any_moment_leaves_a_consistent_store() {
    use crate::images::{Image, Tar, busybox_rootfs};
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    use std::time::Duration;
    let kills: usize = std::env::var("NOOK_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let mut seed: u64 = std::env::var("NOOK_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("NOOK_KILL_SEED={seed}");
    let mut random = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    let server = crate::registry_server::RegistryServer::start();
    let layered = Image::new(
        vec![
            busybox_rootfs().finish(),
            Tar::new()
                .file("noise", &noise(4 << 20), 0o644, 0, 0)
                .finish(),
        ],
        serde_json::json!({"Cmd": ["true"]}),
    );
    crate::registry::publish(&server, &layered, "kill/app:1");
    let pulled = format!("{}/kill/app:1", server.addr);
    let env = env_with("overlay");
    let rootfs = env.file(
        "rootfs.tar",
        &busybox_rootfs()
            .file("noise", &noise(4 << 20), 0o644, 0, 0)
            .finish(),
    );
    let archive = env.root.join("saved.tar");
    env.nook(&["save", "-o", archive.to_str().unwrap(), "busybox"])
        .ok();
    let ctx = env.root.join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(
        ctx.join("Containerfile"),
        "FROM busybox\nRUN echo built > /built\nCOPY f /f\n",
    )
    .unwrap();
    fs::write(ctx.join("f"), noise(1 << 20)).unwrap();
    let project = env.root.join("project");
    fs::create_dir_all(&project).unwrap();
    fs::write(
        project.join("nook.toml"),
        "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n",
    )
    .unwrap();
    env.own(&ctx);
    env.own(&project);
    env.nook(&["trust", project.join("nook.toml").to_str().unwrap()])
        .ok();

    let running = |env: &Env| -> Vec<String> {
        env.nook(&["ps", "-q", "--no-trunc"])
            .ok()
            .stdout
            .lines()
            .map(String::from)
            .collect()
    };
    let (mut survived, mut finished_first) = (0, 0);
    let mut k = 0;
    while survived < kills {
        k += 1;
        // Set up what the verb needs, unkilled; then the verb, killed.
        let args: Vec<String> = match k % 11 {
            0 => {
                let _ = env.nook(&["rmi", "-f", &pulled]).output();
                vec!["pull".into(), pulled.clone()]
            }
            1 => vec![
                "import".into(),
                rootfs.display().to_string(),
                "imported".into(),
            ],
            2 => vec!["load".into(), "-i".into(), archive.display().to_string()],
            3 => ["run", "--rm", "busybox", "sh", "-c", "echo hi; sleep 0.1"]
                .map(String::from)
                .to_vec(),
            4 => ["run", "-d", "busybox", "sleep", "1000"]
                .map(String::from)
                .to_vec(),
            5 => {
                let id = env.run_detached(&["busybox", "sleep", "1000"]);
                vec!["rm".into(), "-f".into(), id]
            }
            6 => {
                let _ = env
                    .nook(&["import", rootfs.to_str().unwrap(), "doomed"])
                    .output();
                vec!["rmi".into(), "doomed".into()]
            }
            7 => vec!["volume".into(), "create".into(), format!("v{k}")],
            8 => {
                let _ = env.nook(&["volume", "create", &format!("w{k}")]).output();
                vec!["volume".into(), "rm".into(), format!("w{k}")]
            }
            9 => vec![
                "build".into(),
                "-q".into(),
                "-t".into(),
                format!("built{k}"),
                ctx.display().to_string(),
            ],
            _ => ["shell", "--", "true"].map(String::from).to_vec(),
        };
        let label = format!("kill {k}: nook {}", args.join(" "));
        let mut cmd = env.command(crate::harness::nook_bin());
        cmd.args(&args).current_dir(&project);
        let mut child = crate::harness::Run::new(cmd, label.clone()).spawn();
        std::thread::sleep(Duration::from_millis(random(200)));
        let nook = child.id() as i32;
        // Done before the kill: it counts as no kill.
        let landed = child.try_wait().unwrap().is_none();
        let helpers = descendants(nook);
        let victim = match (random(3), helpers.as_slice()) {
            (0, [_, ..]) => helpers[random(helpers.len() as u64) as usize],
            (1, _) if k % 5 == 0 => running(&env)
                .first()
                .and_then(|id| {
                    fs::read(env.store().join("containers").join(id).join("state.json")).ok()
                })
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|s| s["monitor"]["pid"].as_i64())
                .map(|p| p as i32)
                .filter(|p| *p > 0)
                .unwrap_or(nook),
            // The user's namespace holder: the next command makes it again.
            (2, _) if k % 7 == 3 => fs::read(env.runtime.join("nook/userns/0-0.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|r| r["pid"].as_i64())
                .map_or(nook, |p| p as i32),
            _ => nook,
        };
        if landed {
            let _ = kill(Pid::from_raw(victim), Signal::SIGKILL);
        }
        let (_, _, err) =
            crate::harness::wait_with_timeout(&mut child, Duration::from_secs(120), &label);
        assert!(!err.contains("panicked"), "{label}: {err}");
        match landed {
            true => survived += 1,
            false => finished_first += 1,
        }
        // The store is consistent, and ps -a tells the truth.
        env.nook(&["system", "check"]).ok();
        for id in running(&env) {
            let state = env.store().join("containers").join(&id).join("state.json");
            let Ok(bytes) = fs::read(&state) else {
                // Removed since (a `run --rm` whose nook was killed: its monitor goes on,
                // and removes it when it ends).
                continue;
            };
            let state: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let monitor = state["monitor"]["pid"].as_i64().unwrap_or(0);
            assert!(
                monitor > 0 && std::path::Path::new(&format!("/proc/{monitor}")).exists(),
                "{label}: ps calls {id} running, but its monitor is gone"
            );
        }
        if k % 11 == 10 || survived == kills {
            // Everything removed: nothing is left behind.
            let all = env.nook(&["ps", "-aq", "--no-trunc"]).ok().stdout;
            let ids: Vec<&str> = all.lines().collect();
            if !ids.is_empty() {
                let mut rm = vec!["rm", "-f", "-v"];
                rm.extend(ids);
                env.nook(&rm).ok();
            }
            env.nook(&["volume", "prune", "-f", "-a"]).ok();
            crate::harness::wait_until(Duration::from_secs(20), "every process to end", || {
                env.store_processes().is_empty()
            });
            assert!(env.container_ids().is_empty(), "{label}");
            env.nook(&["system", "check"]).ok();
            assert_eq!(env.store_entries("tmp"), Vec::<String>::new(), "{label}");
            // What killed commands made visible before it reached the disk is written back
            // by a settler a later command starts.
            crate::harness::wait_until(Duration::from_secs(20), "pending/ to empty", || {
                env.store_entries("pending").is_empty()
            });
            let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
            assert!(
                !mounts.contains(&env.store().display().to_string()),
                "{label}"
            );
        }
    }
    // The next command of each kind works.
    env.nook(&["pull", &pulled]).ok();
    env.nook(&["import", rootfs.to_str().unwrap(), "again"])
        .ok();
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    env.nook(&["run", "--rm", "busybox", "echo", "fine"])
        .ok()
        .stdout_has("fine");
    env.nook(&["build", "-q", "-t", "final", ctx.to_str().unwrap()])
        .ok();
    env.nook(&["volume", "create", "last"]).ok();
    env.nook(&["volume", "rm", "last"]).ok();
    let mut shell = env.command(crate::harness::nook_bin());
    shell
        .args(["shell", "--", "echo", "shelled"])
        .current_dir(&project);
    crate::harness::Run::new(shell, "shell".into())
        .ok()
        .stdout_has("shelled");
    println!("{survived} kills survived ({finished_first} commands ended before their kill)");
}
