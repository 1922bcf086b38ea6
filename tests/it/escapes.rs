//! The container escape battery: each test is an attack by a hostile image, container or
//! caller that must fail, named for what it tries, with the defence (and the CVE it
//! answers) in its comment. The sandbox's own battery is in `sandbox.rs`.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use crate::harness::{Env, Output, Run, Terminal, chown, env_with, nook_bin, wait_until};
use crate::images::{Tar, busybox_programs, busybox_rootfs, busybox_with_libraries_of};
use crate::sandbox::project;

const SECRET: &str = "nook-test-secret";

/// Import `tar` as image `name`, with Containerfile instructions for its config.
fn image(env: &Env, name: &str, tar: Tar, changes: &[&str]) {
    let file = env.file(&format!("{name}.tar"), &tar.finish());
    let mut args = vec!["import"];
    for c in changes {
        args.extend(["--change", c]);
    }
    args.extend([file.to_str().unwrap(), name]);
    env.nook(&args).ok();
}

/// `tar` plus a chain of `n` links `/{prefix}0 -> /{prefix}1 -> ... -> {target}`.
fn chain(mut tar: Tar, prefix: &str, n: usize, target: &str) -> Tar {
    for i in 0..n - 1 {
        tar = tar.symlink(&format!("{prefix}{i}"), &format!("/{prefix}{}", i + 1));
    }
    tar.symlink(&format!("{prefix}{}", n - 1), target)
}

/// Every file under `dir` whose contents hold `needle`.
fn files_with(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(meta) = fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            found.extend(files_with(&p, needle));
        } else if meta.is_file() && fs::read(&p).is_ok_and(|b| contains(&b, needle)) {
            found.push(p);
        }
    }
    found
}

/// Does any file under `dir` hold `needle`?
pub(crate) fn files_hold(dir: &Path, needle: &[u8]) -> bool {
    !files_with(dir, needle).is_empty()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The store and the home hold the secret only where it was planted.
#[track_caller]
fn secret_stays_home(env: &Env) {
    let leaked = files_with(&env.store(), SECRET.as_bytes());
    assert!(
        leaked.is_empty(),
        "the key was copied into the store: {leaked:?}"
    );
}

/// A test's world with the busybox image and a key planted in the user's `~/.ssh`.
fn world() -> Env {
    let env = env_with("overlay");
    project(&env);
    env
}

// ---- 1. paths of the image resolved on the host (symlink chains) ----

/// A `VOLUME` whose path is a chain of 41 links ending at the user's `~/.ssh`: the 41st
/// link was left to the kernel, which resolved it against the host's root, and copy-up
/// copied the keys into the volume. Every container path is now resolved inside the root,
/// one component at a time from descriptors (`confine`), and a chain too long is an error;
/// kept within the kernel's 40 links, it resolves inside (the container's own, empty
/// `/home/.../.ssh`).
#[test]
fn a_volume_behind_a_chain_of_links_cannot_reach_the_home() {
    let env = world();
    let ssh = env.home.join(".ssh").display().to_string();
    for (name, links) in [("long", 42), ("short", 40)] {
        let tar = chain(busybox_rootfs(), "l", links, &ssh);
        image(&env, name, tar, &["VOLUME /l0"]);
    }
    env.nook(&["run", "--rm", "long", "true"])
        .output()
        .code(125)
        .stderr_has("more than 40 symbolic links");
    // Restarted on failure, as in the review: each start tries again.
    let out = env
        .nook(&[
            "run",
            "--restart",
            "on-failure:2",
            "long",
            "sh",
            "-c",
            "exit 1",
        ])
        .output();
    assert_eq!(out.code, 125, "{out}");
    let out = env
        .nook(&["run", "--rm", "short", "sh", "-c", "ls -A /l0; echo listed"])
        .ok();
    assert_eq!(out.stdout, "listed\n", "{out}");
    secret_stays_home(&env);
}

/// `VOLUME /c0/NAME` (and a tmpfs, a file bind, a working directory, `/etc` for the network's
/// files) behind a chain out of the root: nook made directories, and empty files, anywhere
/// the user could write. Nothing is made on the host.
#[test]
fn mount_points_behind_links_create_nothing_on_the_host() {
    let env = world();
    let home = env.home.display().to_string();
    let mut tar = chain(busybox_rootfs(), "c", 42, &home);
    tar = chain(tar, "t", 42, &home);
    tar = chain(tar, "f", 42, &format!("{home}/planted-file"));
    tar = chain(tar, "w", 42, &format!("{home}/planted-workdir"));
    image(&env, "links", tar, &["VOLUME /c0/planted-volume"]);
    // The network's /etc/hosts: one link straight out, and a long chain. Both are hidden
    // under nook's init layer, as under docker's: the container sees its own files.
    let tar = busybox_rootfs().symlink("etc/hosts", &format!("{home}/planted-hosts"));
    let tar =
        chain(tar, "h", 42, &format!("{home}/planted-resolv")).symlink("etc/resolv.conf", "/h0");
    image(&env, "etc-file-links", tar, &[]);
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--network",
            "none",
            "etc-file-links",
            "cat",
            "/etc/hosts",
            "/etc/resolv.conf",
        ])
        .ok();
    assert!(out.stdout.starts_with("127.0.0.1\tlocalhost\n"), "{out}");
    // An /etc that is itself a chain out, which no init layer can cover: the mount points
    // of the network's files are made where it leads, inside the root or nowhere.
    let tar =
        chain(busybox_programs(), "e", 42, &format!("{home}/planted-etc")).symlink("etc", "/e0");
    image(&env, "etc-links", tar, &[]);
    let host_file = env.file("hostfile", b"x");
    let file_bind = format!("{}:/f0", host_file.display());
    let attempts: Vec<Vec<&str>> = vec![
        vec!["run", "--rm", "links", "true"],
        vec![
            "run",
            "--rm",
            "--tmpfs",
            "/t0/planted-tmpfs",
            "links",
            "true",
        ],
        vec!["run", "--rm", "-v", &file_bind, "links", "true"],
        vec!["run", "--rm", "-w", "/w0", "links", "true"],
        vec!["run", "--rm", "--network", "none", "etc-links", "true"],
    ];
    for args in &attempts {
        let out = env.nook(args).output();
        assert_eq!(out.code, 125, "{out}");
        assert!(out.stderr.contains("symbolic links"), "{out}");
    }
    let planted: Vec<String> = fs::read_dir(&env.home)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("planted"))
        .collect();
    assert!(planted.is_empty(), "made on the host: {planted:?}");
}

/// A one-link escape for every kind of mount point (absolute and climbing links): each
/// resolves inside the container, and the container sees its own file, never the host's.
#[test]
fn single_links_out_of_the_root_land_inside() {
    let env = world();
    let home = env.home.display().to_string();
    let tar = busybox_rootfs()
        .symlink("vol", &format!("{home}/.ssh"))
        .symlink("up", "../../../../../../../..")
        .symlink("etc/hosts", &format!("{home}/.ssh/id_rsa"));
    image(&env, "single", tar, &["VOLUME /vol", "WORKDIR /up/up"]);
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--tmpfs",
            "/up/tmp/x",
            "single",
            "sh",
            "-c",
            "pwd; ls -A /vol; cat /etc/hosts; ls /up/tmp",
        ])
        .ok();
    assert!(!out.stdout.contains(SECRET), "{out}");
    assert!(
        out.stdout.starts_with("/\n"),
        "the workdir is the container's /: {out}"
    );
    assert!(
        out.stdout.contains("x\n"),
        "the tmpfs is the container's /tmp/x: {out}"
    );
    secret_stays_home(&env);
}

/// Copy-up through a link takes the directory it leads to, mode and owner included, not the
/// link's 0777.
#[test]
fn copy_up_through_a_link_keeps_the_directorys_mode() {
    let env = world();
    let tar = busybox_rootfs()
        .dir("real", 0o750, 1000, 1000)
        .file("real/data", b"payload", 0o640, 1000, 1000)
        .symlink("data", "/real");
    image(&env, "linked", tar, &["VOLUME /data"]);
    env.nook(&["volume", "create", "v"]).ok();
    let out = env
        .nook(&[
            "run", "--rm", "-v", "v:/data", "linked", "stat", "-c", "%a %u", "/data/",
        ])
        .ok();
    assert_eq!(out.stdout, "750 1000\n", "{out}");
    let data = env.store().join("volumes/v/_data");
    assert_eq!(fs::metadata(&data).unwrap().mode() & 0o7777, 0o750);
    assert_eq!(fs::read(data.join("data")).unwrap(), b"payload");
}

/// An image whose /proc is a link: proc is mounted where it leads, inside the root, and
/// podman's masks still cover /proc/keys there.
#[test]
fn masks_hold_when_proc_is_a_link() {
    let env = world();
    let tar = busybox_rootfs()
        .dir("elsewhere", 0o755, 0, 0)
        .symlink("proc", "/elsewhere");
    image(&env, "proclink", tar, &[]);
    let out = env
        .nook(&[
            "run",
            "--rm",
            "proclink",
            "sh",
            "-c",
            "wc -c < /proc/keys; echo 1 > /proc/sys/kernel/printk 2>&1 || echo refused",
        ])
        .ok();
    assert_eq!(out.stdout, "0\nrefused\n", "{out}");
}

// ---- 2. descriptors leaked into the container (CVE-2024-21626) ----

/// Run `nook ARGS` from a python wrapper that first leaks the user's home directory as
/// descriptor 9 and the host's `/` as 10 (inheritable), as `flock ~ nook ...` does.
fn with_leaked_fds(env: &Env, args: &[&str]) -> Output {
    let argv: Vec<String> = std::iter::once("nook".to_string())
        .chain(args.iter().map(|a| a.to_string()))
        .collect();
    let wrapper = format!(
        "import os\n\
         for n, p in ((9, {home:?}), (10, '/')):\n\
         \x20   fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY); os.dup2(fd, n, inheritable=True)\n\
         os.execv({nook:?}, {argv:?})\n",
        home = env.home.display().to_string(),
        nook = nook_bin().display().to_string(),
    );
    let mut cmd = env.command("python3");
    cmd.args(["-c", &wrapper]);
    Run::new(cmd, format!("nook {} (with leaked fds)", args.join(" "))).output()
}

/// `--init`: nook is the container's PID 1 and kept every descriptor its caller passed in
/// (the home directory, read-write, at /proc/1/fd/3). Every descriptor is now closed at
/// nook's start and in init (not only marked close-on-exec), and init is not dumpable.
#[test]
fn descriptors_of_the_caller_do_not_reach_the_container() {
    let env = world();
    for init in [&["--init"][..], &[]] {
        let mut args = vec!["run", "--rm"];
        args.extend(init);
        args.extend([
            "busybox",
            "sh",
            "-c",
            "ls /proc/self/fd | tr '\\n' ' '; echo; ls /proc/1/fd 2>&1 | tr '\\n' ' '; echo; \
             cat /proc/1/fd/9/.ssh/id_rsa /proc/self/fd/9/.ssh/id_rsa 2>&1; \
             ls /proc/1/fd/10/ 2>&1; cat /proc/1/environ 2>&1; echo",
        ]);
        let out = with_leaked_fds(&env, &args);
        assert_eq!(out.code, 0, "{out}");
        assert!(!out.stdout.contains(SECRET), "{out}");
        // 0-2 and the directory ls itself opened.
        assert!(out.stdout.starts_with("0 1 2 3 \n"), "{out}");
        if !init.is_empty() {
            // nook's PID 1 is closed to the container.
            assert!(out.stdout.contains("Permission denied"), "{out}");
        }
    }
}

/// `WORKDIR /proc/self/fd/9` (or `-w`), with a descriptor leaked to it: the working
/// directory is resolved inside the root and checked to be there; the container does not
/// start in the host's tree. (The leaked descriptor never reaches the container; whether its
/// number is one init has of its own depends on nook's workings, so the link of /proc is
/// also tried through one init surely has: its stdout.)
#[test]
fn a_workdir_through_a_leaked_descriptor_is_refused() {
    let env = world();
    image(&env, "fdwd", busybox_rootfs(), &["WORKDIR /proc/self/fd/9"]);
    for (args, refusal) in [
        (
            vec!["run", "--rm", "fdwd", "sh", "-c", "pwd; cat .ssh/id_rsa"],
            "cannot use /proc/self/fd/9 as the working directory",
        ),
        (
            vec![
                "run",
                "--rm",
                "-w",
                "/proc/1/fd/1",
                "busybox",
                "sh",
                "-c",
                "cat .ssh/id_rsa",
            ],
            "a link of /proc",
        ),
    ] {
        let out = with_leaked_fds(&env, &args);
        assert!(!out.stdout.contains(SECRET), "{out}");
        assert_eq!(out.code, 125, "{out}");
        assert!(out.stderr.contains(refusal), "{out}");
    }
    let id = env.run_detached(&["busybox", "sleep", "100"]);
    let out = with_leaked_fds(
        &env,
        &[
            "exec",
            "-w",
            "/proc/self/fd/9",
            &id,
            "sh",
            "-c",
            "pwd; cat .ssh/id_rsa",
        ],
    );
    assert!(!out.stdout.contains(SECRET), "{out}");
    assert_eq!(out.code, 126, "{out}");
    assert!(out.stderr.contains("a link of /proc"), "{out}");
    env.nook(&["rm", "-f", &id]).ok();
}

/// The monitor and pasta of a detached container hold nothing of their caller's.
#[test]
fn the_monitor_and_pasta_hold_nothing_of_the_caller() {
    let env = world();
    let out = with_leaked_fds(&env, &["run", "-d", "busybox", "sleep", "100"]);
    assert_eq!(out.code, 0, "{out}");
    let id = out.stdout.trim().to_string();
    let monitor = env.state(&id)["monitor"]["pid"].as_i64().unwrap();
    let children =
        fs::read_to_string(format!("/proc/{monitor}/task/{monitor}/children")).unwrap_or_default();
    let mut pids = vec![monitor.to_string()];
    pids.extend(children.split_whitespace().map(str::to_string));
    for pid in &pids {
        for fd in fs::read_dir(format!("/proc/{pid}/fd")).unwrap().flatten() {
            let target = fs::read_link(fd.path()).unwrap_or_default();
            assert!(
                target != env.home && target != Path::new("/"),
                "process {pid} holds {} as fd {:?}",
                target.display(),
                fd.file_name()
            );
        }
    }
    env.nook(&["rm", "-f", &id]).ok();
}

// ---- 3. nook's own binary, reached through /proc/self/exe (CVE-2019-5736) ----

/// A nook binary the user owns (as `cargo install` leaves it), copied for the test.
fn user_owned_nook(env: &Env) -> PathBuf {
    let bin = env.root.join("nook");
    fs::copy(nook_bin(), &bin).unwrap();
    chown(&bin, env.user);
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// `nook exec C /bin/evil`, where evil's interpreter is `#!/proc/self/exe`: the kernel runs
/// the file of the process executing it, nook's, inside the container, and the container
/// then reaches it through `/proc/PID/exe` to make it setuid and world-writable or to write
/// it. Where the container could change the file (the user owns it), the processes that
/// enter the container run from a sealed in-memory copy: nothing to change. Under --init,
/// PID 1 (nook, executed afresh in the container's user namespace) is not dumpable either.
#[test]
fn nooks_binary_cannot_be_changed_from_a_container() {
    let env = world();
    let bin = user_owned_nook(&env);
    let before = fs::read(&bin).unwrap();
    // The interpreter's argument makes nook wait on its stdin, so that it can be found.
    let attack = "for p in /proc/[0-9]*; do \
                    e=$(readlink $p/exe 2>/dev/null); \
                    case \"$e\" in */nook|*memfd:*) echo found $e; \
                      chmod 4777 $p/exe && echo chmodded; \
                      echo pwned >> $p/exe && echo wrote;; esac; \
                  done";
    // The libraries nook loads, so that the kernel can run it in there.
    let tar = busybox_with_libraries_of(&bin)
        .file("bin/evil", b"#!/proc/self/exe __userns-job\n", 0o755, 0, 0)
        .file(
            "bin/attack",
            format!("#!/bin/sh\n{attack}\n").as_bytes(),
            0o755,
            0,
            0,
        );
    image(&env, "evil", tar, &[]);
    let nook = |args: &[&str]| {
        let mut cmd = env.command(&bin);
        cmd.args(args);
        Run::new(cmd, format!("user-owned nook {}", args.join(" ")))
    };
    let out = nook(&["run", "-d", "--init", "evil", "sleep", "1000"]).ok();
    let id = out.stdout.trim().to_string();
    // Its monitor runs from the copy, and offers it to later commands.
    let monitor = env.state(&id)["monitor"]["pid"].as_i64().unwrap();
    let exe = fs::read_link(format!("/proc/{monitor}/exe")).unwrap();
    assert!(
        exe.to_string_lossy().starts_with("/memfd:nook"),
        "{}",
        exe.display()
    );
    let registered = fs::read_dir(env.runtime.join("nook"))
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("sealed-"));
    assert!(registered, "the monitor's copy is not offered");
    // PID 1 is nook under --init.
    let out = nook(&[
        "exec",
        &id,
        "sh",
        "-c",
        "chmod 4777 /proc/1/exe 2>&1; echo x >> /proc/1/exe 2>&1; readlink /proc/1/exe 2>&1",
    ])
    .output();
    assert!(out.stdout.contains("Permission denied"), "{out}");
    assert!(!out.stdout.contains("/nook"), "{out}");
    // A nook started by the shebang, kept waiting on its stdin.
    let mut cmd = env.command(&bin);
    cmd.args(["exec", "-i", &id, "/bin/evil"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut evil = cmd.spawn().unwrap();
    let found = || {
        nook(&["exec", &id, "/bin/attack"])
            .output()
            .stdout
            .contains("found")
    };
    wait_until(
        Duration::from_secs(20),
        "the shebang's nook in the container",
        found,
    );
    let out = nook(&["exec", &id, "/bin/attack"]).output();
    drop(evil.stdin.take());
    let _ = evil.wait();
    assert!(out.stdout.contains("memfd:"), "not a sealed copy: {out}");
    assert!(!out.stdout.contains("wrote"), "{out}");
    let meta = fs::metadata(&bin).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o755, "the binary's mode changed");
    assert!(fs::read(&bin).unwrap() == before, "the binary changed");
    nook(&["rm", "-f", &id]).ok();
}

// ---- 4. the caller's terminal handed to the container ----

/// `nook exec C sh -c 'setsid sh -c "... <&3" 3<&0 &'` from a terminal, without -t: the
/// container kept the user's terminal and read what was typed after `nook exec` returned.
/// Without -t, stdin, stdout and stderr are pipes that nook relays (a new pty with -t).
#[test]
fn exec_without_a_tty_keeps_no_hold_on_the_users_terminal() {
    let env = world();
    let id = env.run_detached(&["busybox", "sleep", "1000"]);
    let out = env
        .nook(&[
            "exec",
            &id,
            "sh",
            "-c",
            "for n in 0 1 2; do readlink /proc/self/fd/$n; done",
        ])
        .ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines.len() == 3 && lines[1..].iter().all(|l| l.starts_with("pipe:")),
        "{out}"
    );
    let nook = nook_bin().display().to_string();
    // Its stdout, which was the user's terminal, read for what is typed afterwards.
    let steal = "setsid sh -c \"sleep 2; dd bs=1 count=30 <&3 of=/tmp/stolen 2>/dev/null\" \
                 3>&1 >/dev/null 2>&1 &";
    let term = Terminal::start(
        &env,
        100,
        30,
        &format!("{nook} exec {id} sh -c '{steal}'; echo EXEC-DONE; sleep 60"),
    );
    term.wait_for("EXEC-DONE");
    term.keys("typed-after-exec-SECRET");
    term.keys("Enter");
    std::thread::sleep(Duration::from_secs(4));
    let out = env
        .nook(&[
            "exec",
            &id,
            "sh",
            "-c",
            "cat /tmp/stolen 2>/dev/null; echo end",
        ])
        .ok();
    assert!(
        !out.stdout.contains("SECRET"),
        "keystrokes reached the container: {out}"
    );
    // And `run -i` without -t feeds a pipe, too.
    let out = env
        .nook(&[
            "run",
            "--rm",
            "-i",
            "busybox",
            "readlink",
            "/proc/self/fd/0",
        ])
        .stdin(b"")
        .ok();
    assert!(out.stdout.starts_with("pipe:"), "{out}");
    env.nook(&["rm", "-f", &id]).ok();
}

/// A process that does not read its input must not stop its output from being relayed:
/// input is fed without blocking.
#[test]
fn input_and_output_flow_at_once() {
    let env = env_with("overlay");
    let input: Vec<u8> = (0..2_000_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    let out = env
        .nook(&["run", "--rm", "-i", "busybox", "sh", "-c", "cat; echo end"])
        .stdin(&input)
        .ok();
    assert_eq!(out.stdout.len(), input.len() + 4);
    let id = env.run_detached(&["busybox", "sleep", "1000"]);
    let out = env.nook(&["exec", "-i", &id, "cat"]).stdin(&input).ok();
    assert_eq!(out.stdout.len(), input.len());
    env.nook(&["rm", "-f", &id]).ok();
}

// ---- 7. read-only mounts made writable from inside ----

/// A directory of the user's named `name`, holding `f` ("original"), and the `-v` flag that
/// binds it read-only at /ro.
fn read_only_bind(env: &Env, name: &str) -> (PathBuf, String) {
    let dir = env.root.join(name);
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("f"), "original").unwrap();
    chown(&dir, env.user);
    let bind = format!("{}:/ro:ro", dir.display());
    (dir, bind)
}

/// `mount -o remount,rw,bind /ro` with CAP_SYS_ADMIN (or --privileged) wrote the host file
/// behind a `:ro` bind. The container's mounts now belong to a child user namespace, so the
/// kernel locks them: read-only stays read-only, and nothing can be unmounted to uncover
/// what lies beneath (the masks over /proc included).
#[test]
fn read_only_binds_cannot_be_made_writable() {
    let env = world();
    let (dir, bind) = read_only_bind(&env, "ro");
    let attack = "mount -o remount,rw,bind /ro 2>&1; mount -o remount,rw /ro 2>&1; \
                  echo changed > /ro/f 2>&1; umount /ro 2>&1; umount -l /ro 2>&1; \
                  umount /proc/keys 2>&1; mount -o remount,rw /proc/sys 2>&1; \
                  mount -o remount,rw / 2>&1; echo x > /etc/probe 2>&1; \
                  wc -c < /proc/keys; cat /ro/f";
    for flags in [&["--cap-add", "SYS_ADMIN"][..], &["--privileged"]] {
        let mut args = vec!["run", "--rm", "--read-only", "-v", &bind];
        args.extend(flags);
        args.extend(["busybox", "sh", "-c", attack]);
        let out = env.nook(&args).output();
        assert_eq!(
            fs::read_to_string(dir.join("f")).unwrap(),
            "original",
            "{out}"
        );
        assert!(out.stdout.ends_with("original"), "{out}");
        assert!(!Path::new(&env.store()).join("probe").exists());
    }
}

/// A container without CAP_SYS_ADMIN gets no locked copy of its mount namespace (it could
/// not unmount or remount anything in its own), and a user namespace it makes itself (with
/// seccomp off, which lets it) gets a copy the kernel locks: as root there, it still cannot
/// make a `:ro` bind writable, unmask /proc or remount the root.
#[test]
fn mounts_hold_without_sys_admin_and_in_a_nested_user_namespace() {
    let env = world();
    let (dir, bind) = read_only_bind(&env, "ro-nested");
    let attack = "mount -o remount,rw,bind /ro; mount -o remount,rw /ro; umount /proc/keys; \
                  umount -l /ro; mount -o remount,rw /; echo changed > /ro/f; \
                  wc -c < /proc/keys; cat /ro/f; echo";
    let nested = format!(
        "{attack}; unshare -Urm sh -c 'id -u; {}'",
        attack.replace("; echo", "")
    );
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--read-only",
            "--security-opt",
            "seccomp=unconfined",
            "-v",
            &bind,
            "busybox",
            "sh",
            "-c",
            &nested,
        ])
        .output();
    assert_eq!(fs::read_to_string(dir.join("f")).unwrap(), "original");
    // Masked /proc/keys is empty, the bind unchanged, both before and after becoming root
    // of a user namespace of its own (which it did: uid 0).
    assert_eq!(out.stdout, "0\noriginal\n0\n0\noriginal", "{out}");
}

/// `--privileged` and `--cap-add SYS_ADMIN` still have their user namespace's powers over
/// what is theirs: a fresh tmpfs can be mounted, and its hostname set.
#[test]
fn locked_mounts_leave_the_containers_own_powers() {
    let env = env_with("overlay");
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--cap-add",
            "SYS_ADMIN",
            "busybox",
            "sh",
            "-c",
            "mkdir -p /mnt/t && mount -t tmpfs none /mnt/t && echo ok > /mnt/t/f && cat /mnt/t/f \
             && hostname inner && hostname",
        ])
        .ok();
    assert_eq!(out.stdout, "ok\ninner\n", "{out}");
}

// ---- 8. `nook cp` to the host led by a link the container swapped in ----

/// `nook cp c:/data DEST` where DEST is also bound into the container: the container swaps
/// each directory it sees arrive for a link to a directory of the user's, and the copy's
/// final chmod followed it (the home went 0700 to 0777, a mode the container chose). Every
/// write and change of mode on the host now goes through descriptors, never a link.
#[test]
fn cp_to_the_host_is_not_led_by_swapped_links() {
    let env = world();
    let shared = env.root.join("shared");
    let victim = env.root.join("victim");
    for d in [&shared, &victim] {
        fs::create_dir(d).unwrap();
        chown(d, env.user);
    }
    fs::set_permissions(&victim, fs::Permissions::from_mode(0o700)).unwrap();
    let mut tar = busybox_rootfs().dir("data", 0o777, 0, 0);
    for i in 0..100 {
        tar = tar.dir(&format!("data/d{i}"), 0o777, 0, 0).file(
            &format!("data/d{i}/f"),
            b"from the container",
            0o666,
            0,
            0,
        );
    }
    // A large file sorted after the directories keeps the copy going after the last of
    // them is filled, so the swap lands before the directories' modes are set.
    let tar = tar.file("data/zz", &vec![7u8; 16 << 20], 0o644, 0, 0);
    image(&env, "swapper", tar, &[]);
    // Once the last small file has arrived, the first directory (already filled) becomes a
    // link: what remains of the copy is the large file and setting the directories' modes.
    let swap = format!(
        "while :; do for o in /shared/out*; do \
           if [ -f $o/data/d99/f ] && [ ! -L $o/data/d0 ]; then \
             mv $o/data/d0 $o/aside && ln -s {} $o/data/d0; fi; done; done",
        victim.display()
    );
    let bind = format!("{}:/shared", shared.display());
    let id = env.run_detached(&["-v", &bind, "swapper", "sh", "-c", &swap]);
    let mut raced = 0;
    for i in 0..40 {
        if raced > 0 && i >= 10 {
            break;
        }
        let dest = shared.join(format!("out{i}"));
        fs::create_dir(&dest).unwrap();
        chown(&dest, env.user);
        let out = env
            .nook(&["cp", &format!("{id}:/data"), dest.to_str().unwrap()])
            .output();
        raced += usize::from(out.code != 0);
    }
    env.nook(&["rm", "-f", &id]).ok();
    assert!(raced > 0, "the container never swapped a directory in time");
    assert_eq!(
        fs::metadata(&victim).unwrap().mode() & 0o777,
        0o700,
        "the victim's mode changed"
    );
    let planted: Vec<_> = fs::read_dir(&victim).unwrap().flatten().collect();
    assert!(planted.is_empty(), "written through a link: {planted:?}");
}

/// `nook cp` of a missing host file fails at once, exit 1, as docker's does (it hung: the
/// container's side held the stream open).
#[test]
fn cp_of_a_missing_file_fails_at_once() {
    let env = env_with("overlay");
    let id = env.run_detached(&["busybox", "sleep", "100"]);
    env.nook(&["cp", "/no/such/file", &format!("{id}:/tmp")])
        .output()
        .code(1)
        .stderr_has("no such file or directory");
    env.nook(&["rm", "-f", &id]).ok();
}

// ---- 9. and 10. resources and what a container learns of the host ----

/// Without a cgroup's pids controller (hybrid cgroups, as here), a container could start
/// thousands of processes: it is bounded by RLIMIT_NPROC in its own user namespace (2048 per
/// user id inside, podman's default), and nook says so once. With cgroups (the VM tier) the
/// cgroup's 2048 bounds it instead.
#[test]
fn a_fork_bomb_is_bounded_without_cgroups() {
    let env = env_with("overlay");
    // The inner shell forks until it cannot; the outer one counts without forking.
    let bomb = "sh -c 'i=0; while [ $i -lt 2500 ]; do sleep 30 & i=$((i+1)); done' 2>/dev/null; \
                set -- /proc/[0-9]*; echo $#";
    let out = env.nook(&["run", "--rm", "busybox", "sh", "-c", bomb]).ok();
    let count: u32 = out.stdout.trim().parse().unwrap();
    assert!((1000..=2049).contains(&count), "{count} processes: {out}");
    let said = out.stderr.contains("RLIMIT_NPROC");
    let again = env.nook(&["run", "--rm", "busybox", "true"]).ok();
    assert!(!again.stderr.contains("RLIMIT_NPROC"), "said once: {again}");
    // Lifted on request.
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--pids-limit",
            "-1",
            "busybox",
            "sh",
            "-c",
            "ulimit -u",
        ])
        .ok();
    if said {
        assert_ne!(out.stdout.trim(), "2048", "{out}");
    }
}

/// A tree 3000 directories deep made in a container: `rm -f` and `system check --repair`
/// ran out of descriptors (one per level) and left files the user could not delete.
#[test]
fn a_deep_tree_does_not_block_removal() {
    let env = env_with("overlay");
    // Three chains of 1000 put one inside the other, each path short enough to name.
    let deep = "chain() { p=$1; i=1; while [ $i -lt 1000 ]; do p=$p/d; i=$((i+1)); done; \
                mkdir -p $p; echo $p; }; \
                a=$(chain a); b=$(chain b); c=$(chain c); mv a $b/ && mv b $c/ && echo made";
    let out = env
        .nook(&["run", "--name", "deep", "busybox", "sh", "-c", deep])
        .ok();
    assert_eq!(out.stdout, "made\n", "{out}");
    // With the usual limit of open files (1024), not this machine's.
    let limited = |args: &[&str]| {
        let mut cmd = env.command("sh");
        cmd.args(["-c", "ulimit -n 1024 && exec \"$0\" \"$@\""])
            .arg(nook_bin())
            .args(args);
        Run::new(cmd, format!("nook {} (1024 files)", args.join(" "))).ok()
    };
    limited(&["system", "check", "--repair"]);
    limited(&["rm", "-f", "deep"]);
    assert!(env.container_ids().is_empty());
    let left: Vec<String> = env.store_entries("tmp");
    assert!(left.is_empty(), "left in the store: {left:?}");
}

/// The container's mountinfo named every layer and the writable layer by their host paths
/// (your home, your name): they are now given relative to the store. Under --init, PID 1's
/// command line (the monitor's, forked) named the store too: it now names the program.
#[test]
fn the_store_path_does_not_show_inside() {
    let env = env_with("overlay");
    let store = env.store().display().to_string();
    let home = env.home.display().to_string();
    let out = env
        .nook(&[
            "run",
            "--rm",
            "busybox",
            "sh",
            "-c",
            "grep ' / / ' /proc/self/mountinfo",
        ])
        .ok();
    assert!(out.stdout.contains("overlay"), "{out}");
    assert!(
        !out.stdout.contains(&store) && !out.stdout.contains(&home),
        "{out}"
    );
    let out = env
        .nook(&["run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline"])
        .ok();
    assert!(out.stdout.starts_with("nook-init -- cat"), "{out}");
    assert!(!out.stdout.contains(&store), "{out}");
}

/// `run --rm` left the anonymous volumes (the image's VOLUMEs, `-v /path`) behind; docker
/// removes them with the container. Named volumes stay.
#[test]
fn run_rm_removes_anonymous_volumes() {
    let env = env_with("overlay");
    image(&env, "withvol", busybox_rootfs(), &["VOLUME /data"]);
    env.nook(&[
        "run",
        "--rm",
        "-v",
        "/cache",
        "-v",
        "kept:/kept",
        "withvol",
        "true",
    ])
    .ok();
    let out = env.nook(&["volume", "ls", "-q"]).ok();
    assert_eq!(out.stdout, "kept\n", "{out}");
}

// ---- 11. a dev shell's inputs that nook trust does not cover ----

/// An image whose `/etc/passwd` and `/etc/group` are links to the user's key and ssh config:
/// with keep-id, nook writes your entries into the container's identity files, and a link
/// followed on the host would have copied the secrets into the store and shown them inside.
/// The image's files are read without following links (a link is no file of entries), and
/// the files are bound where the links lead inside the container's root, so neither happens.
#[test]
fn keep_id_identity_files_do_not_follow_links_of_the_image() {
    let env = world();
    let ssh = env.home.join(".ssh");
    fs::write(ssh.join("config"), SECRET).unwrap();
    chown(&ssh.join("config"), env.user);
    let tar = busybox_rootfs()
        .symlink("etc/passwd", &format!("{}/id_rsa", ssh.display()))
        .symlink(
            "etc/group",
            &format!("../../../../../../..{}/config", ssh.display()),
        );
    image(&env, "linked-ids", tar, &[]);
    let out = env
        .nook(&[
            "run",
            "--rm",
            "--userns",
            "keep-id",
            "linked-ids",
            "sh",
            "-c",
            "id -un; cat /etc/passwd /etc/group",
        ])
        .ok();
    assert!(!out.stdout.contains(SECRET), "{out}");
    assert!(
        out.stdout.starts_with(&format!("{}\n", env.user.name)),
        "{out}"
    );
    secret_stays_home(&env);
}

/// A project's nook.lock comes with the checkout and is not covered by `nook trust` (which
/// hashes nook.toml): a lock whose versions, digests or manager carry shell words would put
/// them into the build. A lock is checked value by value when it is read; such a one is
/// refused as damaged before anything is built or run.
#[test]
fn a_projects_lock_cannot_add_words_to_its_build() {
    let env = world();
    let dir = env.root.join("proj");
    fs::create_dir_all(dir.join(".git")).unwrap();
    fs::write(
        dir.join("nook.toml"),
        "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n\
         [[setup]]\nname = \"s\"\nnetwork = false\nrun = \"true\"\n",
    )
    .unwrap();
    chown(&dir, env.user);
    chown(&dir.join("nook.toml"), env.user);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    env.nook(&["lock"]).current_dir(&dir).ok();
    let lock = fs::read_to_string(dir.join("nook.lock")).unwrap();
    let marker = env.root.join("pwned");
    let evil = format!("\"; touch {} #", marker.display());
    for (from, to) in [
        ("manifest = \"sha256:", format!("manifest = \"{evil}")),
        ("key = \"sha256:", format!("key = \"{evil}")),
        ("platform = \"linux/", format!("platform = \"{evil}")),
    ] {
        fs::write(dir.join("nook.lock"), lock.replacen(from, &to, 1)).unwrap();
        let out = env
            .nook(&["shell", "--", "true"])
            .current_dir(&dir)
            .output()
            .code(125);
        assert!(out.stderr.contains("is damaged"), "{from}: {out}");
        assert!(!marker.exists(), "{from}: {out}");
    }
    assert!(env.container_ids().is_empty());
}
