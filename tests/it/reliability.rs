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
