//! `nook run` as a user sees it. The scenarios in `on_both_drivers!` run once with kernel
//! overlayfs and once with fuse-overlayfs.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::json;

use crate::harness::{
    Env, Terminal, dir_entries, env_with, host_uid, processes, user, wait_until, wait_with_timeout,
};
use crate::images::{Image, PASSWD, Tar, busybox_programs, busybox_rootfs, docker_archive};

/// `nook run --rm busybox sh -c SCRIPT`, which must succeed; its stdout.
fn sh(env: &Env, flags: &[&str], script: &str) -> String {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["busybox", "sh", "-c", script]);
    env.nook(&args).ok().stdout
}

/// Run a container that stays (no --rm) and return its id, via --cidfile.
fn run_kept(env: &Env, script: &str) -> String {
    let cidfile = env
        .root
        .join(format!("cid-{}", crate::images::sha256(script.as_bytes())));
    env.nook(&[
        "run",
        "--cidfile",
        cidfile.to_str().unwrap(),
        "busybox",
        "sh",
        "-c",
        script,
    ])
    .output();
    fs::read_to_string(cidfile).unwrap()
}

macro_rules! on_both_drivers {
    ($($name:ident),* $(,)?) => {
        mod overlay {
            $( #[test] fn $name() { super::$name("overlay") } )*
        }
        mod fuse_overlayfs {
            $( #[test] fn $name() { super::$name("fuse-overlayfs") } )*
        }
    };
}

on_both_drivers!(
    identity_and_isolation,
    files_get_mapped_owners_in_the_upper_layer,
    copy_on_write_leaves_the_image_alone,
    mount_points_come_from_the_init_layer,
    whiteouts_and_opaque_dirs_hide_lower_files,
    a_layer_twice_in_an_image,
    exit_codes_follow_docker,
    environment_workdir_user_and_hostname,
    read_only_root,
    kernel_paths_are_masked_or_read_only,
    capabilities_and_no_new_privileges,
    devices_and_stdin,
    removal_leaves_nothing_behind,
    keep_id_makes_you_yourself_inside,
    supplementary_groups_are_added_or_kept,
);

/// `--userns keep-id` (podman's): inside you have your own uid, gid and name; a directory of
/// yours bound in is yours, and what you make there is yours on the host; the image's files
/// keep their owners (root's are root's, not yours).
fn keep_id_makes_you_yourself_inside(driver: &str) {
    let env = env_with(driver);
    let u = user();
    let project = env.root.join("project");
    fs::create_dir(&project).unwrap();
    crate::harness::chown(&project, u);
    let bind = format!("{0}:{0}", project.display());
    let out = sh(
        &env,
        &[
            "--userns",
            "keep-id",
            "-v",
            &bind,
            "-w",
            project.to_str().unwrap(),
        ],
        "id -u; id -g; id -un; stat -c '%u %U' /bin/busybox /home/app .; touch made; \
         cat /proc/self/uid_map; echo ok > /home/app/x 2>/dev/null && echo wrote || echo refused",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], u.uid.to_string(), "{out}");
    assert_eq!(lines[1], u.gid.to_string(), "{out}");
    assert_eq!(lines[2], u.name, "{out}");
    assert_eq!(
        lines[3], "0 root",
        "the image's root files are root's: {out}"
    );
    // The image's user 1000 (app) is someone else, unless your uid is 1000 (the VM's test
    // user): then it is you, under your name.
    let app_is_you = u.uid == 1000;
    let app = if app_is_you {
        format!("1000 {}", u.name)
    } else {
        "1000 app".to_string()
    };
    assert_eq!(lines[4], app, "{out}");
    assert_eq!(lines[5], format!("{} {}", u.uid, u.name), "{out}");
    assert_eq!(host_uid(&project.join("made")), u.uid, "{out}");
    // Root inside is a subordinate id; you are yourself.
    let map: Vec<String> = lines[6..9]
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        map[0],
        format!("0 {} {}", u.subuid.unwrap(), u.uid),
        "{out}"
    );
    assert_eq!(map[1], format!("{0} {0} 1", u.uid), "{out}");
    let written = if app_is_you { "wrote" } else { "refused" };
    assert_eq!(
        lines.last(),
        Some(&written),
        "another user's home is not yours: {out}"
    );
    // Your directories on the way to the store and the project may be closed to everyone
    // but you, with a group that is not yours (a home of mode 700, group users): the
    // container is made all the same. Its processes, and those of exec, have no capability.
    use std::os::unix::fs::PermissionsExt;
    for d in [&env.data, &env.root.join("project")] {
        std::process::Command::new("chown")
            .arg(format!("{}:0", u.uid))
            .arg(d)
            .status()
            .unwrap();
        fs::set_permissions(d, fs::Permissions::from_mode(0o700)).unwrap();
    }
    let caps = sh(
        &env,
        &["--userns", "keep-id", "-v", &bind],
        "grep CapEff /proc/self/status",
    );
    assert_eq!(caps, "CapEff:\t0000000000000000\n");
    let id = env.run_detached(&[
        "--userns", "keep-id", "-v", &bind, "busybox", "sleep", "100",
    ]);
    let out = env
        .nook(&[
            "exec",
            &id,
            "sh",
            "-c",
            "id -u; grep CapEff /proc/self/status",
        ])
        .ok();
    assert_eq!(
        out.stdout,
        format!("{}\nCapEff:\t0000000000000000\n", u.uid)
    );
    env.nook(&["rm", "-f", &id]).ok();
    // A bad mode is refused.
    env.nook(&["run", "--rm", "--userns", "keep-ids", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("use keep-id");
}

/// `--group-add`: groups of the image's by name or number join the user's, for exec too;
/// `keep-groups` (podman's) keeps your own instead, so that a file of a group of yours (here
/// nook-shared, made by the test set-up) stays open to you inside, where it shows as
/// nogroup; without it, the file is closed.
fn supplementary_groups_are_added_or_kept(driver: &str) {
    let env = env_with(driver);
    let out = sh(
        &env,
        &["--user", "4242", "--group-add", "42", "--group-add", "root"],
        "grep Groups: /proc/self/status",
    );
    assert_eq!(out, "Groups:\t0 42 \n");
    let id = env.run_detached(&["--group-add", "42", "busybox", "sleep", "100"]);
    let out = env
        .nook(&["exec", &id, "grep", "Groups:", "/proc/self/status"])
        .ok();
    assert_eq!(out.stdout, "Groups:\t0 42 \n", "{out}");
    let inspect = env.nook(&["inspect", &id]).ok();
    let v: serde_json::Value = serde_json::from_str(&inspect.stdout).unwrap();
    assert_eq!(v[0]["HostConfig"]["GroupAdd"], json!(["42"]));
    env.nook(&["rm", "-f", &id]).ok();

    let shared = nix::unistd::Group::from_name("nook-shared")
        .unwrap()
        .expect("the test set-up makes group nook-shared (scripts/setup-host)");
    let file = env.root.join("shared.txt");
    fs::write(&file, "for the group\n").unwrap();
    nix::unistd::chown(&file, Some(nix::unistd::Uid::from_raw(0)), Some(shared.gid)).unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
    let bind = format!("{}:/shared.txt:ro", file.display());
    let script = "cat /shared.txt 2>/dev/null || echo closed; id -G";
    let kept = sh(
        &env,
        &[
            "--userns",
            "keep-id",
            "--group-add",
            "keep-groups",
            "-v",
            &bind,
        ],
        script,
    );
    let u = user();
    assert_eq!(kept, format!("for the group\n{} 65534\n", u.gid));
    let dropped = sh(&env, &["--userns", "keep-id", "-v", &bind], script);
    assert_eq!(dropped, format!("closed\n{}\n", u.gid));
    env.nook(&[
        "run",
        "--rm",
        "--group-add",
        "keep-groups",
        "--group-add",
        "42",
        "busybox",
        "true",
    ])
    .output()
    .code(125)
    .stderr_has("cannot be given with other groups");
    env.nook(&["run", "--rm", "--group-add", "nosuch", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("unable to find group nosuch");
}

fn identity_and_isolation(driver: &str) {
    let env = env_with(driver);
    let u = user();
    let out = sh(
        &env,
        &[],
        "cat /proc/self/uid_map /proc/self/gid_map; echo pid=$$; hostname; ls -d /proc/[0-9]* | wc -l; grep ' / ' /proc/mounts",
    );
    let lines: Vec<Vec<&str>> = out
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["0", &u.uid.to_string(), "1"], "{out}");
    assert_eq!(
        lines[1],
        ["1", &u.subuid.unwrap().to_string(), "65536"],
        "{out}"
    );
    assert_eq!(lines[2][..2], ["0", &u.gid.to_string()], "{out}");
    assert!(out.contains("pid=1\n"), "the command is PID 1: {out}");
    let hostname = out.lines().nth(5).unwrap();
    assert_eq!(
        hostname.len(),
        12,
        "default hostname is the short id: {out}"
    );
    let procs: usize = out.lines().nth(6).unwrap().trim().parse().unwrap();
    assert!(procs <= 3, "no host processes are visible: {out}");
    let root_fs = if driver == "overlay" {
        " overlay "
    } else {
        "fuse"
    };
    assert!(
        out.lines().last().unwrap().contains(root_fs),
        "root is mounted by {driver}: {out}"
    );
    // without a network: only loopback, and it is up
    let net = sh(
        &env,
        &["--network", "none"],
        "ls /sys/class/net; cat /sys/class/net/lo/operstate",
    );
    assert_eq!(net, "lo\nunknown\n", "{net}");
}

fn files_get_mapped_owners_in_the_upper_layer(driver: &str) {
    let env = env_with(driver);
    let id = run_kept(
        &env,
        "echo a > /rootfile && mkdir /appdir && echo b > /appdir/f && chown -R 1000:1000 /appdir",
    );
    let upper = env.store().join("containers").join(&id).join("upper");
    let u = user();
    assert_eq!(host_uid(&upper.join("rootfile")), u.uid);
    assert_eq!(host_uid(&upper.join("appdir")), u.subuid.unwrap() + 999);
    assert_eq!(host_uid(&upper.join("appdir/f")), u.subuid.unwrap() + 999);
    assert_eq!(
        crate::harness::host_gid(&upper.join("appdir/f")),
        u.subuid.unwrap() + 999
    );
    env.nook(&["rm", &id]).ok();
    assert!(!env.store().join("containers").join(&id).exists());
}

fn copy_on_write_leaves_the_image_alone(driver: &str) {
    let env = env_with(driver);
    let out = sh(
        &env,
        &[],
        "echo intruder:x:5:5::/:/bin/sh >> /etc/passwd && rm /bin/ls && tail -1 /etc/passwd",
    );
    assert!(out.contains("intruder"), "{out}");
    let layer = &env.store_entries("layers")[0];
    let passwd = env
        .store()
        .join("layers")
        .join(layer)
        .join("diff/etc/passwd");
    assert_eq!(
        fs::read_to_string(passwd).unwrap(),
        PASSWD,
        "the image layer is untouched"
    );
    let again = sh(&env, &[], "grep -c intruder /etc/passwd; ls /bin/ls");
    assert!(
        again.starts_with("0\n"),
        "a new container sees the image as it was: {again}"
    );
}

/// An image may hold the same layer twice (a build whose two steps made the same files):
/// it runs, and the upper copy wins over what lies between them.
fn a_layer_twice_in_an_image(driver: &str) {
    let env = env_with(driver);
    let same = Tar::new()
        .dir("data", 0o755, 0, 0)
        .file("data/f", b"same", 0o644, 0, 0)
        .finish();
    let between = Tar::new()
        .dir("data", 0o755, 0, 0)
        .file("data/f", b"between", 0o644, 0, 0)
        .finish();
    let image = Image::new(
        vec![busybox_rootfs().finish(), same.clone(), between, same],
        json!({}),
    );
    let archive = env.file("twice.tar", &docker_archive(&[(&["twice:1"], &image)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    let out = env.nook(&["run", "--rm", "twice:1", "cat", "/data/f"]).ok();
    assert_eq!(out.stdout, "same");
}

/// The mount points every container has (`/proc`, `/sys`, `/dev`, the network's files in
/// `/etc`) come from nook's init layer, not from the container's writable layer; under an
/// image whose `/etc` is a link, where that layer cannot go, the container makes its own.
fn mount_points_come_from_the_init_layer(driver: &str) {
    let env = env_with(driver);
    let id = run_kept(
        &env,
        "cat /etc/hosts /etc/resolv.conf /etc/hostname /proc/1/stat",
    );
    let upper = format!("containers/{id}/upper");
    assert!(env.store().join(&upper).is_dir());
    let made = env.store_entries(&upper);
    assert!(made.is_empty(), "made in the writable layer: {made:?}");
    let tar = busybox_programs()
        .dir("usr", 0o755, 0, 0)
        .dir("usr/etc", 0o755, 0, 0)
        .file("usr/etc/passwd", PASSWD.as_bytes(), 0o644, 0, 0)
        .symlink("etc", "usr/etc");
    let file = env.file("etc-link.tar", &tar.finish());
    env.nook(&["import", file.to_str().unwrap(), "etc-link"])
        .ok();
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--hostname",
            "h1",
            "etc-link",
            "sh",
            "-c",
            "cat /etc/hostname; ls /usr/etc",
        ])
        .ok();
    assert_eq!(
        out.stdout, "h1\nhostname\nhosts\npasswd\nresolv.conf\n",
        "{out}"
    );
}

fn whiteouts_and_opaque_dirs_hide_lower_files(driver: &str) {
    let env = Env::new();
    let mut env = env;
    env.extra_env
        .push(("NOOK_STORAGE_DRIVER".into(), driver.into()));
    let middle = Tar::new()
        .dir("data", 0o755, 0, 0)
        .file("data/keep", b"k", 0o644, 0, 0)
        .file("data/gone", b"g", 0o644, 0, 0)
        .dir("dir", 0o755, 0, 0)
        .file("dir/old1", b"1", 0o644, 0, 0)
        .dir("dir/sub", 0o755, 0, 0)
        .file("dir/sub/old2", b"2", 0o644, 0, 0)
        .finish();
    let top = Tar::new()
        .dir("data", 0o755, 0, 0)
        .whiteout("data/gone")
        .dir("dir", 0o755, 0, 0)
        .opaque("dir")
        .file("dir/new", b"n", 0o644, 0, 0)
        .whiteout("bin/vi")
        .finish();
    let image = Image::new(vec![busybox_rootfs().finish(), middle, top], json!({}));
    let archive = env.file("w.tar", &docker_archive(&[(&["layered:1"], &image)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    let out = env
        .nook(&[
            "run",
            "--rm",
            "layered:1",
            "sh",
            "-c",
            "ls /data; echo --; ls -R /dir; echo --; ls /bin/vi 2>&1 || true",
        ])
        .ok()
        .stdout;
    let mut parts = out.split("--\n");
    assert_eq!(parts.next().unwrap(), "keep\n", "{out}");
    assert_eq!(parts.next().unwrap().trim(), "/dir:\nnew", "{out}");
    assert!(parts.next().unwrap().contains("No such file"), "{out}");
}

fn exit_codes_follow_docker(driver: &str) {
    let env = env_with(driver);
    env.nook(&["run", "--rm", "busybox", "true"])
        .output()
        .code(0);
    env.nook(&["run", "--rm", "busybox", "false"])
        .output()
        .code(1);
    env.nook(&["run", "--rm", "busybox", "sh", "-c", "exit 42"])
        .output()
        .code(42);
    env.nook(&["run", "--rm", "busybox", "no-such-command"])
        .output()
        .code(127)
        .stderr_has("executable file not found");
    env.nook(&["run", "--rm", "busybox", "/no/such/file"])
        .output()
        .code(127);
    env.nook(&["run", "--rm", "busybox", "/etc/passwd"])
        .output()
        .code(126)
        .stderr_has("permission denied");
    env.nook(&["run", "--rm", "busybox", "/etc"])
        .output()
        .code(126);
    env.nook(&["run", "--rm", "-u", "nosuchuser", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("nosuchuser");
    env.nook(&["run", "--rm", "-w", "relative", "busybox", "true"])
        .output()
        .code(125);
    // 128+9: the command was killed (it is not PID 1 with --init, so SIGKILL lands).
    env.nook(&["run", "--rm", "--init", "busybox", "sh", "-c", "kill -9 $$"])
        .output()
        .code(137);
    assert!(
        env.container_ids().is_empty(),
        "--rm removes failed containers too"
    );
}

fn environment_workdir_user_and_hostname(driver: &str) {
    let env = env_with(driver);
    let envfile = env.file("vars.env", b"# comment\nFROM_FILE=1\nSHARED=file\n");
    let out = sh(
        &env,
        &[
            "-e",
            "A=one",
            "-e",
            "SHARED=flag",
            "--env-file",
            envfile.to_str().unwrap(),
            "-w",
            "/made/here",
            "--hostname",
            "box1",
        ],
        "echo $A $FROM_FILE $SHARED; pwd; hostname; echo $HOSTNAME; echo $HOME; echo $PATH",
    );
    assert_eq!(
        out,
        "one 1 flag\n/made/here\nbox1\nbox1\n/root\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    );
    let out = sh(
        &env,
        &["-u", "app"],
        "id; echo $HOME; touch /x 2>&1 || echo denied",
    );
    assert!(
        out.starts_with("uid=1000(app) gid=1000(app) groups=1000(app),2000(extra)\n"),
        "{out}"
    );
    assert!(
        out.contains("/home/app\n") && out.contains("denied"),
        "{out}"
    );
    let out = sh(&env, &["-u", "1234:4321"], "id -u; id -g; echo $HOME");
    assert_eq!(out, "1234\n4321\n/\n");
}

fn read_only_root(driver: &str) {
    let env = env_with(driver);
    let out = sh(
        &env,
        &["--read-only"],
        "touch /x 2>&1; touch /tmp/ok /var/tmp/ok /run/ok && echo writable-tmp",
    );
    assert!(
        out.contains("Read-only file system") && out.contains("writable-tmp"),
        "{out}"
    );
    let out = sh(
        &env,
        &["--read-only", "--read-only-tmpfs=false"],
        "touch /tmp/x 2>&1 || true",
    );
    assert!(out.contains("Read-only file system"), "{out}");
    // A volume beneath one of those tmpfs is not hidden by it: what is written there is in
    // the volume.
    sh(
        &env,
        &[
            "--read-only",
            "-v",
            "under:/tmp/under",
            "-v",
            "sock:/run/app",
        ],
        "echo a > /tmp/under/f && echo b > /run/app/f",
    );
    let out = sh(&env, &["-v", "under:/u", "-v", "sock:/s"], "cat /u/f /s/f");
    assert_eq!(out, "a\nb\n");
}

fn kernel_paths_are_masked_or_read_only(driver: &str) {
    let env = env_with(driver);
    let out = sh(
        &env,
        &[],
        "wc -c < /proc/keys; wc -c < /proc/timer_list; ls /sys/firmware | wc -l; \
         echo x > /proc/sys/kernel/hostname 2>/dev/null || echo sys-ro; \
         touch /sys/x 2>/dev/null || echo sysfs-ro; \
         umount /proc/keys 2>/dev/null || echo locked",
    );
    assert_eq!(out, "0\n0\n0\nsys-ro\nsysfs-ro\nlocked\n");
}

fn capabilities_and_no_new_privileges(driver: &str) {
    let env = env_with(driver);
    let caps = |flags: &[&str]| {
        sh(
            &env,
            flags,
            "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '",
        )
    };
    // podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    // NET_BIND_SERVICE SYS_CHROOT SETFCAP
    // no_new_privs is docker's default too: off, unless asked for
    assert_eq!(
        caps(&[]),
        "CapEff: 00000000800405fb\nCapBnd: 00000000800405fb\nNoNewPrivs: 0\n"
    );
    assert!(caps(&["--security-opt", "no-new-privileges"]).ends_with("NoNewPrivs: 1\n"));
    assert!(
        caps(&["--cap-drop", "ALL"])
            .starts_with("CapEff: 0000000000000000\nCapBnd: 0000000000000000")
    );
    assert!(caps(&["--cap-add", "net_raw"]).starts_with("CapEff: 00000000800425fb"));
    // a non-root user keeps no capabilities, only the bound
    assert!(caps(&["-u", "app"]).starts_with("CapEff: 0000000000000000\nCapBnd: 00000000800405fb"));
    env.nook(&["run", "--rm", "--cap-add", "bogus", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("bogus");
}

fn devices_and_stdin(driver: &str) {
    let env = env_with(driver);
    let out = sh(
        &env,
        &[],
        "echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c; \
         ls /dev/pts/ptmx /dev/shm /dev/mqueue >/dev/null && echo ok; touch /dev/shm/f && echo shm; \
         ls /dev | wc -l",
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(&lines[..4], ["4", "4", "ok", "shm"], "{out}");
    assert!(
        lines[4].trim().parse::<u32>().unwrap() < 20,
        "only the standard devices: {out}"
    );
    let out = env
        .nook(&["run", "--rm", "-i", "busybox", "cat"])
        .stdin(b"piped in\n")
        .ok();
    assert_eq!(out.stdout, "piped in\n");
    let out = env
        .nook(&["run", "--rm", "busybox", "cat"])
        .stdin(b"not passed\n")
        .ok();
    assert_eq!(out.stdout, "", "without -i the container's stdin is empty");
}

fn removal_leaves_nothing_behind(driver: &str) {
    let env = env_with(driver);
    sh(&env, &[], "echo data > /file");
    env.nook(&["run", "--rm", "busybox", "sh", "-c", "exit 3"])
        .output()
        .code(3);
    assert!(env.container_ids().is_empty());
    assert!(
        env.store_entries("tmp").is_empty(),
        "{:?}",
        env.store_entries("tmp")
    );
    // no fuse-overlayfs daemon outlives its container
    let root = env.root.to_string_lossy().into_owned();
    wait_until(Duration::from_secs(10), "fuse-overlayfs to exit", || {
        !processes()
            .iter()
            .any(|cmd| cmd.contains("fuse-overlayfs") && cmd.contains(&root))
    });
    // a kept container shows in ps -a with its status, and rm removes it
    let id = run_kept(&env, "exit 5");
    let ps = env.nook(&["ps", "-a"]).ok();
    assert!(
        ps.stdout.contains(&id[..12]) && ps.stdout.contains("Exited (5)"),
        "{ps}"
    );
    assert!(
        !env.nook(&["ps"]).ok().stdout.contains(&id[..12]),
        "ps lists running containers only"
    );
    env.nook(&["rm", &id[..6]]).ok();
    // a program that cannot be executed leaves a kept container exited, not running
    env.nook(&["run", "--name", "broken", "busybox", "no-such-command"])
        .output()
        .code(127);
    let ps = env.nook(&["ps", "-a"]).ok();
    assert!(ps.stdout.contains("Exited (127)"), "{ps}");
    env.nook(&["rm", "broken"]).ok();
    assert!(env.container_ids().is_empty());
    // nor the run directories of their network files
    let run_dirs = env.runtime.join("nook/containers");
    assert!(run_dirs.is_dir());
    let runs = dir_entries(&run_dirs);
    assert!(runs.is_empty(), "{runs:?}");
}

/// Start `nook run ARGS` in the background and wait until it prints `ready`.
fn start_until_ready(env: &Env, args: &[&str]) -> std::process::Child {
    let mut child = env.nook(args).spawn();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains("ready") {
        let n = std::io::Read::read(&mut stdout, &mut byte).unwrap();
        assert!(
            n == 1,
            "container ended before it was ready: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    child.stdout = Some(stdout);
    child
}

/// A container may use every CPU nook may, and no other: its keeper runs away from nook's
/// own CPU while both have work, and must take them all back before the container exists.
#[test]
fn containers_get_the_cpus_nook_may_use() {
    let env = env_with("overlay");
    let allowed = |status: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let script = "grep Cpus_allowed_list /proc/self/status";
    let ours = allowed(&fs::read_to_string("/proc/self/status").unwrap());
    // A keeper forked ahead (its own network), and one forked at the launch (the host's).
    for network in ["none", "host"] {
        let inside = sh(&env, &["--network", network], script);
        assert_eq!(allowed(&inside), ours, "--network {network}: {inside}");
    }
    let mut cmd = env.command("taskset");
    cmd.args(["-c", "0"])
        .arg(crate::harness::nook_bin())
        .args(["run", "--rm", "busybox", "sh", "-c", script]);
    let inside = crate::harness::Run::new(cmd, "taskset -c 0 nook run".to_string())
        .ok()
        .stdout;
    assert_eq!(
        allowed(&inside),
        "0",
        "a taskset of the user's holds: {inside}"
    );
}

/// A container whose keeper is forked ahead (its own network) has its root filesystem
/// mounted while it is still being recorded, its writable layer found in a directory that is
/// renamed meanwhile; one forked at the launch (the host's network) mounts it after. Either
/// way what the container writes lands in its own writable layer, and `--rm` leaves nothing.
#[test]
fn a_root_mounted_ahead_is_the_containers_own() {
    let env = env_with("overlay");
    let root_mount = "grep ' / / ' /proc/self/mountinfo";
    // A layer named from its directory's descriptor needs the new mount API's `lowerdir+`.
    let can = nook::runtime::rootfs::kernel_at_least(6, 8);
    if !can {
        eprintln!("kernel older than 6.8: no lowerdir+, so no mount ahead");
    }
    for (network, ahead) in [("none", can), ("host", false)] {
        let name = format!("own-{network}");
        let script = format!("echo {network} > /made; {root_mount}");
        let out = env
            .nook(&[
                "run",
                "--name",
                &name,
                "--network",
                network,
                "busybox",
                "sh",
                "-c",
                &script,
            ])
            .ok();
        // Mounted ahead, the writable layer is named from its own directory.
        assert_eq!(
            out.stdout.contains(",upperdir=upper,workdir=work,"),
            ahead,
            "--network {network}: {out}"
        );
        let diff = env.nook(&["diff", &name]).ok();
        assert_eq!(diff.stdout, "A /made\n", "--network {network}: {diff}");
        env.nook(&["rm", &name]).ok();
    }
    let out = sh(
        &env,
        &["--network", "none"],
        &format!("touch /gone; {root_mount}"),
    );
    assert_eq!(out.contains(",upperdir=upper,"), can, "{out}");
    assert!(env.container_ids().is_empty());
    let left: Vec<String> = env.store_entries("tmp");
    assert!(left.is_empty(), "left in the store: {left:?}");
}

/// A container whose spec is too large for one message to a keeper forked ahead (an
/// environment of 70 kB) gets a keeper forked at its launch instead, and starts all the same.
#[test]
fn a_spec_too_large_for_a_message_still_starts() {
    let env = env_with("overlay");
    let big = format!("BIG={}", "x".repeat(70_000));
    let out = sh(&env, &["--network", "none", "-e", &big], "echo ${#BIG}");
    assert_eq!(out, "70000\n");
}

#[test]
fn signals_reach_the_container() {
    let env = env_with("overlay");
    let mut child = start_until_ready(
        &env,
        &[
            "run",
            "--rm",
            "busybox",
            "sh",
            "-c",
            "trap 'echo got-term; exit 42' TERM; echo ready; while true; do sleep 0.05; done",
        ],
    );
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let (status, out, err) = wait_with_timeout(&mut child, Duration::from_secs(20), "nook run");
    assert_eq!(crate::harness::exit_code(status), 42, "{out}{err}");
    assert!(out.contains("got-term"));
}

#[test]
fn init_forwards_signals_and_reaps_orphans() {
    let env = env_with("overlay");
    let out = sh(
        &env,
        &["--init"],
        "sleep 0.1 & sh -c 'sleep 0.1 &' ; sleep 0.5; echo pid=$$; ps -o stat | grep -c Z || true",
    );
    let pid: u32 = out
        .split("pid=")
        .nth(1)
        .and_then(|r| r.lines().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    assert!(pid > 1, "the command is not PID 1 under --init: {out}");
    assert!(out.ends_with("0\n"), "no zombies: {out}");
    let mut child = start_until_ready(
        &env,
        &[
            "run",
            "--rm",
            "--init",
            "busybox",
            "sh",
            "-c",
            "echo ready; sleep 1000",
        ],
    );
    kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM).unwrap();
    let (status, _, err) =
        wait_with_timeout(&mut child, Duration::from_secs(20), "nook run --init");
    assert_eq!(crate::harness::exit_code(status), 143, "{err}");
}

#[test]
fn terminal_is_a_real_pty_that_follows_resizes() {
    let env = env_with("overlay");
    let nook = crate::harness::nook_bin().display().to_string();
    let term = Terminal::start(
        &env,
        100,
        30,
        &format!("{nook} run --rm -it busybox sh; echo NOOK-EXIT=$?; sleep 30"),
    );
    term.wait_for("/ #");
    term.keys("tty; stty size");
    term.keys("Enter");
    term.wait_for("30 100");
    assert!(term.screen().contains("/dev/pts/0"), "{}", term.screen());
    term.resize(120, 40);
    term.keys("stty size; sleep 100");
    term.keys("Enter");
    term.wait_for("40 120");
    // ^C goes through the terminal to the foreground program, not to nook
    term.keys("C-c");
    term.keys("echo still-here; exit 7");
    term.keys("Enter");
    term.wait_for("NOOK-EXIT=7");
    assert!(term.screen().contains("still-here"));
}

#[test]
fn running_containers_need_force_to_remove() {
    let env = env_with("overlay");
    let mut child = start_until_ready(
        &env,
        &[
            "run",
            "--name",
            "busy",
            "busybox",
            "sh",
            "-c",
            "echo ready; sleep 1000",
        ],
    );
    let ps = env.nook(&["ps"]).ok();
    assert!(
        ps.stdout.contains("busy") && ps.stdout.contains("Up "),
        "{ps}"
    );
    env.nook(&["rm", "busy"])
        .output()
        .code(1)
        .stderr_has("rm -f");
    env.nook(&["rm", "-f", "busy"]).ok();
    let (status, _, _) = wait_with_timeout(&mut child, Duration::from_secs(20), "nook run");
    assert_eq!(crate::harness::exit_code(status), 137);
    assert!(env.container_ids().is_empty());
    env.nook(&["rm", "busy"])
        .output()
        .code(1)
        .stderr_has("no such container");
}

#[test]
fn names_are_unique_even_under_a_race() {
    let env = env_with("overlay");
    env.nook(&["run", "--name", "web", "busybox", "true"]).ok();
    env.nook(&["run", "--name", "web", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("already in use");
    env.nook(&["rm", "web"]).ok();
    env.nook(&["run", "--name", "bad name", "busybox", "true"])
        .output()
        .code(125);
    let racers: Vec<_> = (0..6)
        .map(|_| {
            env.nook(&["run", "--rm", "--name", "race", "busybox", "sleep", "1"])
                .spawn()
        })
        .collect();
    let codes: Vec<i32> = racers
        .into_iter()
        .map(|mut c| {
            crate::harness::exit_code(wait_with_timeout(&mut c, Duration::from_secs(60), "racer").0)
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 0).count(),
        1,
        "exactly one wins: {codes:?}"
    );
    assert!(codes.iter().all(|c| *c == 0 || *c == 125), "{codes:?}");
}

/// A directory to be PATH that has only these programs of the host's.
fn path_with(env: &Env, programs: &[&str]) -> PathBuf {
    let bin = env.root.join("bin");
    fs::create_dir(&bin).unwrap();
    for tool in programs {
        std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.join(tool)).unwrap();
    }
    bin
}

#[test]
fn missing_newuidmap_is_explained() {
    let env = env_with("overlay");
    let empty = path_with(&env, &[]);
    // Importing busybox made the namespace holder, with which no id map is written again.
    env.nook(&["run", "--rm", "--network", "none", "busybox", "true"])
        .env("PATH", &empty)
        .ok();
    env.nook(&["system", "reset-userns"]).ok();
    env.nook(&["run", "--rm", "--network", "none", "busybox", "true"])
        .env("PATH", &empty)
        .output()
        .code(125)
        .stderr_has("apt install uidmap");
}

#[test]
fn missing_pasta_is_explained() {
    let env = env_with("overlay");
    let bin = path_with(&env, &["newuidmap", "newgidmap"]);
    env.nook(&["run", "--rm", "busybox", "true"])
        .env("PATH", &bin)
        .output()
        .code(125)
        .stderr_has("apt install passt");
    assert!(env.container_ids().is_empty(), "nothing is left");
    env.nook(&["doctor"])
        .env("PATH", &bin)
        .output()
        .code(1)
        .stdout_has("sudo apt install passt");
    // without a network of its own, a container needs no pasta
    env.nook(&["run", "--rm", "--network", "none", "busybox", "true"])
        .env("PATH", &bin)
        .ok();
}

#[test]
fn missing_fuse_overlayfs_is_explained() {
    let env = env_with("overlay");
    let bin = path_with(&env, &["newuidmap", "newgidmap"]);
    env.nook(&[
        "--storage-driver",
        "fuse-overlayfs",
        "run",
        "--rm",
        "--network",
        "none",
        "busybox",
        "true",
    ])
    .env("PATH", &bin)
    .output()
    .code(125)
    .stderr_has("apt install fuse-overlayfs");
}

#[test]
fn unusable_dev_fuse_is_explained() {
    let env = env_with("fuse-overlayfs");
    // As on machines where /dev/fuse is root's only.
    let fake = env.root.join("fuse-root-only");
    fs::write(&fake, b"").unwrap();
    std::os::unix::fs::chown(&fake, Some(0), Some(0)).unwrap();
    fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    env.nook_with_mount_over("/dev/fuse", &fake, &["run", "--rm", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("sudo chmod 666 /dev/fuse");
    assert!(
        env.container_ids().is_empty(),
        "a failed --rm start leaves no container"
    );
    let doctor = env
        .nook_with_mount_over("/dev/fuse", &fake, &["doctor"])
        .output();
    assert!(
        doctor.stdout.contains("/dev/fuse is not usable"),
        "{doctor}"
    );
}

#[test]
fn entrypoint_and_cmd_combine_like_docker() {
    let env = Env::new();
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    env.nook(&[
        "import",
        "--change",
        r#"ENTRYPOINT ["echo", "entry"]"#,
        "--change",
        r#"CMD ["default-arg"]"#,
        tar.to_str().unwrap(),
        "ep",
    ])
    .ok();
    let run = |args: &[&str]| env.nook(args).ok().stdout;
    assert_eq!(run(&["run", "--rm", "ep"]), "entry default-arg\n");
    assert_eq!(run(&["run", "--rm", "ep", "given"]), "entry given\n");
    // --entrypoint replaces ENTRYPOINT and drops the image's CMD
    assert_eq!(
        run(&["run", "--rm", "--entrypoint", "hostname", "-h", "hn", "ep"]),
        "hn\n"
    );
    assert_eq!(
        run(&["run", "--rm", "--entrypoint", "", "ep", "echo", "plain"]),
        "plain\n"
    );
    env.nook(&["run", "--rm", "--entrypoint", "", "ep"])
        .output()
        .code(125)
        .stderr_has("no command");
}

#[test]
fn storage_driver_comes_from_the_config_file() {
    let env = Env::new();
    env.busybox("busybox");
    env.write_config("[storage]\ndriver = \"fuse-overlayfs\"\n");
    let out = sh(&env, &[], "grep ' / ' /proc/mounts");
    assert!(out.contains("fuse"), "{out}");
    env.write_config("[storage]\ndrvier = \"overlay\"\n");
    env.nook(&["run", "--rm", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("drvier");
}

#[test]
fn unwritable_data_dir_is_explained() {
    let env = Env::new();
    let ro = env.root.join("ro");
    fs::create_dir(&ro).unwrap();
    fs::set_permissions(&ro, std::os::unix::fs::PermissionsExt::from_mode(0o555)).unwrap();
    env.nook(&["images"])
        .env("XDG_DATA_HOME", PathBuf::from(&ro))
        .output()
        .code(125)
        .stderr_has("XDG_DATA_HOME");
}

/// Every container is hardened by default: docker's seccomp profile (no new namespaces, no
/// keyring, no mounts), and podman's masked and read-only kernel paths. --security-opt
/// loosens or replaces the profile; --privileged lifts all three walls.
#[test]
fn containers_are_hardened_by_default() {
    let env = Env::new();
    env.busybox("busybox");
    let probe = "grep -E '^(CapEff|Seccomp):' /proc/self/status | tr -s '\\t' ' '; \
                 unshare -U true 2>/dev/null && echo unshared; \
                 echo h > /proc/sysrq-trigger 2>/dev/null && echo sysrq; \
                 head -c 1 /proc/kcore 2>/dev/null | wc -c; ls /sys/firmware | wc -l";
    assert_eq!(
        sh(&env, &[], probe),
        "CapEff: 00000000800405fb\nSeccomp: 2\n0\n0\n"
    );
    // seccomp off: a user namespace may be made again (the kernel allows it unprivileged)
    assert_eq!(
        sh(&env, &["--security-opt", "seccomp=unconfined"], probe),
        "CapEff: 00000000800405fb\nSeccomp: 0\nunshared\n0\n0\n"
    );
    // --privileged: every capability of the user namespace, no filter, no masks
    let last: u32 = fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let all = format!("{:016x}", (1u64 << (last + 1)) - 1);
    let out = sh(&env, &["--privileged"], probe);
    assert!(
        out.starts_with(&format!("CapEff: {all}\nSeccomp: 0\nunshared\n")),
        "{out}"
    );
    // a profile of one's own, in docker's format
    let profile = env.file(
        "no-mkdir.json",
        br#"{"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    let seccomp = format!("seccomp={}", profile.display());
    env.nook(&[
        "run",
        "--rm",
        "--security-opt",
        &seccomp,
        "busybox",
        "mkdir",
        "/tmp/d",
    ])
    .output()
    .code(1)
    .stderr_has("Operation not permitted");
    // what inspect says
    let id = env.run_detached(&[
        "--security-opt",
        "no-new-privileges",
        "busybox",
        "sleep",
        "30",
    ]);
    let inspected = env.inspect(&id);
    assert_eq!(
        inspected["HostConfig"]["SecurityOpt"],
        json!(["no-new-privileges"])
    );
    assert_eq!(inspected["HostConfig"]["Privileged"], json!(false));
    env.nook(&["rm", "-f", &id]).ok();
    // bad options and profiles
    let bad = env.file("bad.json", b"{ not json");
    let bad_opt = format!("seccomp={}", bad.display());
    for (opt, says) in [
        ("seccomp=/no/such/profile.json", "/no/such/profile.json"),
        (bad_opt.as_str(), "bad.json"),
        ("bogus", "unsupported --security-opt"),
    ] {
        env.nook(&["run", "--rm", "--security-opt", opt, "busybox", "true"])
            .output()
            .code(125)
            .stderr_has(says);
    }
}

/// docker's boolean flags: `--flag`, `--flag=true`, `--flag=false` and `-t=false`, combined
/// short flags (`-it`) and a flag given twice; anything else is a usage error (125).
#[test]
fn boolean_flags_take_true_and_false() {
    let env = env_with("overlay");
    let touch = "touch /x 2>/dev/null && echo writable || echo read-only";
    let run = |flags: &[&str]| {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.extend(["busybox", "sh", "-c", touch]);
        env.nook(&args).ok().stdout
    };
    assert_eq!(
        run(&["--rm=true", "-t=false", "--read-only=false"]),
        "writable\n"
    );
    assert_eq!(run(&["--rm", "--read-only=true"]), "read-only\n");
    assert_eq!(run(&["--rm", "--read-only", "--read-only"]), "read-only\n");
    assert_eq!(run(&["--rm", "-i=false", "--init=false"]), "writable\n");
    assert!(env.container_ids().is_empty());
    env.nook(&["run", "--rm=false", "busybox", "true"]).ok();
    assert_eq!(
        env.container_ids().len(),
        1,
        "--rm=false keeps the container"
    );
    env.nook(&["run", "--rm", "--tty=maybe", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("possible values: true, false");
}

/// `--ulimit`: the container's processes (and those of exec) get the limits; above your own
/// hard limit (which a user namespace cannot raise) or an unknown name is refused (125).
#[test]
fn ulimits_bound_the_containers_processes() {
    let env = env_with("overlay");
    let out = sh(
        &env,
        &["--ulimit", "nofile=100:200", "--ulimit", "core=0"],
        "ulimit -n; ulimit -Hn; ulimit -c",
    );
    assert_eq!(out, "100\n200\n0\n");
    let id = env.run_detached(&["--ulimit", "nofile=64", "busybox", "sleep", "100"]);
    let out = env.nook(&["exec", &id, "sh", "-c", "ulimit -n"]).ok();
    assert_eq!(out.stdout, "64\n");
    assert_eq!(
        env.inspect(&id)["HostConfig"]["Ulimits"],
        json!([{"Name": "nofile", "Soft": 64, "Hard": 64}])
    );
    env.nook(&["rm", "-f", &id]).ok();
    let (_, hard) =
        nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE).unwrap();
    if hard != u64::MAX {
        env.nook(&[
            "run",
            "--rm",
            "--ulimit",
            &format!("nofile=1:{}", hard.saturating_mul(2)),
            "busybox",
            "true",
        ])
        .output()
        .code(125)
        .stderr_has("cannot raise it");
    }
    env.nook(&["run", "--rm", "--ulimit", "bogus=1", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("unknown name");
}

/// `--sysctl`: settings of the container's own network and IPC namespaces are set (the host's
/// stay as they were); the host's own settings, a shared network's, an unknown key and a
/// path that climbs out of /proc/sys are refused (125).
#[test]
fn sysctls_set_the_containers_own_namespaces() {
    let env = env_with("overlay");
    let host = std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start").unwrap();
    let out = sh(
        &env,
        &[
            "--sysctl",
            "net.ipv4.ip_unprivileged_port_start=0",
            "--sysctl",
            "kernel.msgmax=12345",
            "--sysctl",
            "net/ipv4/ping_group_range=0 0",
        ],
        "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/msgmax \
         /proc/sys/net/ipv4/ping_group_range",
    );
    assert_eq!(out, "0\n12345\n0\t0\n");
    assert_eq!(
        std::fs::read_to_string("/proc/sys/net/ipv4/ip_unprivileged_port_start").unwrap(),
        host
    );
    let id = env.run_detached(&["--sysctl", "kernel.shmmni=100", "busybox", "sleep", "100"]);
    assert_eq!(
        env.inspect(&id)["HostConfig"]["Sysctls"],
        json!({"kernel.shmmni": "100"})
    );
    env.nook(&["rm", "-f", &id]).ok();
    for (args, says) in [
        (
            &["--sysctl", "kernel.panic=1"][..],
            "not a setting of the container's own",
        ),
        (
            &["--network", "host", "--sysctl", "net.ipv4.ip_forward=1"],
            "shares another",
        ),
        (&["--sysctl", "net.ipv4.no_such_thing=1"], "No such file"),
        (
            &["--sysctl", "net.ipv4.../../kernel/panic=1"],
            "cannot set sysctl",
        ),
        (&["--sysctl", "net.ipv4.ip_forward"], "use KEY=VALUE"),
    ] {
        let mut all = vec!["run", "--rm"];
        all.extend(args);
        all.extend(["busybox", "true"]);
        env.nook(&all).output().code(125).stderr_has(says);
    }
}

/// `--pid host`: the host's processes are in view (its /proc bound in, with podman's paths
/// still masked and /proc/sys read-only), `top` lists the container's own, `exec` works (as
/// it does on the host's network, whose namespace is not joined again).
#[test]
fn pid_host_shows_the_hosts_processes() {
    let env = env_with("overlay");
    let me = std::process::id();
    let out = sh(
        &env,
        &["--pid", "host"],
        &format!(
            "test -d /proc/{me} && echo sees-host; cat /proc/kcore 2>/dev/null | wc -c; \
             echo 1 > /proc/sys/kernel/panic 2>/dev/null || echo read-only"
        ),
    );
    assert_eq!(out, "sees-host\n0\nread-only\n");
    let id = env.run_detached(&[
        "--pid",
        "host",
        "--network",
        "host",
        "busybox",
        "sh",
        "-c",
        "sleep 300 & sleep 200",
    ]);
    assert_eq!(env.inspect(&id)["HostConfig"]["PidMode"], "host");
    crate::harness::wait_until(Duration::from_secs(10), "both sleeps", || {
        let top = env.nook(&["top", &id]).ok().stdout;
        top.contains("sleep 300") && top.contains("sleep 200")
    });
    let top = env.nook(&["top", &id]).ok().stdout;
    assert_eq!(top.lines().count(), 3, "only the container's: {top}");
    env.nook(&["exec", &id, "sh", "-c", "echo in"])
        .ok()
        .stdout_has("in");
    env.nook(&["rm", "-f", &id]).ok();
    env.nook(&["run", "--rm", "--pid", "container:x", "busybox", "true"])
        .output()
        .code(125)
        .stderr_has("invalid --pid");
}
