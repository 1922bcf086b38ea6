//! Volumes, bind mounts and tmpfs: `-v`, `--mount`, `--tmpfs` and `nook volume`.

use std::fs;

use serde_json::{Value, json};

use crate::harness::{Env, env_with, host_uid, user};
use crate::images::{Image, Tar, busybox_rootfs, docker_archive};

fn sh(env: &Env, flags: &[&str], script: &str) -> crate::harness::Output {
    let mut args = vec!["run", "--rm"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&["busybox", "sh", "-c", script]);
    env.nook(&args).output()
}

fn volume_data(env: &Env, name: &str) -> std::path::PathBuf {
    env.store().join("volumes").join(name).join("_data")
}

#[test]
fn named_volumes_are_filled_from_the_image_and_keep_their_data() {
    let env = env_with("overlay");
    let u = user();
    // an empty named volume takes what the image has at the path, with its owners
    let out = sh(
        &env,
        &["-v", "home:/home"],
        "ls -lan /home/app; echo kept > /home/note",
    )
    .ok();
    assert!(out.stdout.contains(".profile"), "{out}");
    let data = volume_data(&env, "home");
    assert_eq!(host_uid(&data.join("app")), u.subuid.unwrap() + 999);
    assert_eq!(
        host_uid(&data.join("app/.profile")),
        u.subuid.unwrap() + 999
    );
    assert_eq!(host_uid(&data.join("note")), u.uid);
    // the next container sees what the last one wrote; the image is not copied again
    let out = sh(
        &env,
        &["-v", "home:/home"],
        "cat /home/note; rm /home/app/.profile; ls -A /home/app | wc -l",
    )
    .ok();
    assert_eq!(out.stdout, "kept\n0\n");
    let out = sh(
        &env,
        &["--mount", "type=volume,source=home,target=/home"],
        "ls -A /home/app | wc -l",
    )
    .ok();
    assert_eq!(out.stdout, "0\n", "a volume is filled only while empty");
    // files written by a container user get that user's mapped id on the host
    sh(
        &env,
        &["-v", "home:/home", "-u", "app"],
        "echo mine > /home/app/mine",
    )
    .ok();
    assert_eq!(host_uid(&data.join("app/mine")), u.subuid.unwrap() + 999);
    // nocopy leaves a new volume empty
    let out = sh(&env, &["-v", "bare:/home:nocopy"], "ls -A /home | wc -l").ok();
    assert_eq!(out.stdout, "0\n");
    // read-only
    let out = sh(&env, &["-v", "home:/home:ro"], "touch /home/x");
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("Read-only file system"), "{out}");
    let vols = env.nook(&["volume", "ls", "-q"]).ok().stdout;
    // (an empty volume over /etc holds only what the container's network puts there)
    let out = sh(&env, &["-v", "etc:/etc:nocopy"], "ls /etc | tr '\\n' ' '").ok();
    assert_eq!(out.stdout, "hostname hosts resolv.conf ");
    assert_eq!(vols, "bare\nhome\n");
}

#[test]
fn bind_mounts_are_the_host_directory_and_really_read_only() {
    let env = env_with("fuse-overlayfs");
    let u = user();
    let dir = env.root.join("project");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("src.c"), "int main;\n").unwrap();
    crate::harness::chown(&dir, u);
    crate::harness::chown(&dir.join("src.c"), u);
    let bind = format!("{}:/src", dir.display());
    let out = sh(
        &env,
        &["-v", &bind],
        "cat /src/src.c; echo built > /src/out; mkdir /src/d; chown 1000 /src/d",
    )
    .ok();
    assert_eq!(out.stdout, "int main;\n");
    assert_eq!(fs::read_to_string(dir.join("out")).unwrap(), "built\n");
    assert_eq!(
        host_uid(&dir.join("out")),
        u.uid,
        "container root is the user"
    );
    assert_eq!(host_uid(&dir.join("d")), u.subuid.unwrap() + 999);
    // read-only, and remounting it read-write from inside fails too
    let ro = format!("{bind}:ro");
    let out = sh(
        &env,
        &["-v", &ro],
        "touch /src/new; echo touch=$?; mount -o remount,rw /src; echo remount=$?; touch /src/new2; echo again=$?",
    );
    assert!(
        out.stdout.contains("touch=1") && out.stdout.contains("again=1"),
        "{out}"
    );
    assert!(!dir.join("new").exists() && !dir.join("new2").exists());
    let mount = format!("type=bind,source={},target=/m,readonly", dir.display());
    let out = sh(&env, &["--mount", &mount], "echo x > /m/y");
    assert_ne!(out.code, 0);
    assert!(!dir.join("y").exists());
    // a single file, and a missing -v source directory is created as docker does
    let file_bind = format!("{}:/etc/app.conf:ro", dir.join("src.c").display());
    assert_eq!(
        sh(&env, &["-v", &file_bind], "cat /etc/app.conf")
            .ok()
            .stdout,
        "int main;\n"
    );
    let missing = env.root.join("made-by-v");
    let out = sh(
        &env,
        &["-v", &format!("{}:/new", missing.display())],
        "touch /new/f",
    )
    .ok();
    assert!(missing.join("f").exists(), "{out}");
    // --mount does not create it
    let mount = format!(
        "type=bind,source={},target=/x",
        env.root.join("absent").display()
    );
    sh(&env, &["--mount", &mount], "true")
        .code(125)
        .stderr_has("does not exist");
}

/// `--device`: host device nodes (or a directory of them) bound in, usable inside; what is
/// no device is refused.
#[test]
fn devices_are_bound_in() {
    let env = env_with("overlay");
    let out = sh(
        &env,
        &[
            "--device",
            "/dev/fuse",
            "--device",
            "/dev/net:/dev/tuns:rwm",
        ],
        "test -c /dev/fuse && test -c /dev/tuns/tun && : < /dev/tuns/tun && echo usable",
    )
    .ok();
    assert_eq!(out.stdout, "usable\n", "{out}");
    // A device of root's alone (a null device made here, mode 600): not yours to open.
    let private = env.root.join("private-null");
    let made = std::process::Command::new("mknod")
        .arg(&private)
        .args(["-m", "600", "c", "1", "3"])
        .status()
        .unwrap();
    assert!(made.success());
    let private = private.to_str().unwrap().to_string();
    for (flag, says) in [
        (private.as_str(), "you cannot open"),
        ("/etc/passwd", "is not a device"),
        ("/dev/no-such-device", "No such file"),
        ("/dev/fuse:/dev/f:rwx", "letters of rwm"),
        ("dev/fuse", "must be absolute"),
    ] {
        let out = sh(&env, &["--device", flag], "true").code(125);
        assert!(out.stderr.contains(says), "{flag}: {out}");
    }
    assert!(env.container_ids().is_empty());
}

#[test]
fn tmpfs_mounts_have_their_size_and_mode() {
    let env = env_with("overlay");
    let out = sh(&env, &["--tmpfs", "/scratch:size=2m,mode=700", "--mount", "type=tmpfs,target=/t2"], "grep -E ' /(scratch|t2) ' /proc/mounts; stat -c %a /scratch; dd if=/dev/zero of=/scratch/big bs=1M count=3 2>&1; true").ok();
    assert!(
        out.stdout.contains("/scratch tmpfs") && out.stdout.contains("size=2048k"),
        "{out}"
    );
    assert!(out.stdout.contains("/t2 tmpfs"), "{out}");
    assert!(out.stdout.contains("\n700\n"), "{out}");
    assert!(out.stdout.contains("No space left"), "{out}");
    // Its owner, as docker's --tmpfs takes it.
    let out = sh(
        &env,
        &["--tmpfs", "/mine:uid=1000,gid=2000,mode=700"],
        "stat -c '%u %g %a' /mine",
    )
    .ok();
    assert_eq!(out.stdout, "1000 2000 700\n", "{out}");
    // /dev/shm: docker's 64 MiB, or --shm-size.
    let out = sh(&env, &[], "df -k /dev/shm | tail -1").ok();
    assert!(out.stdout.contains(" 65536 "), "{out}");
    let out = sh(&env, &["--shm-size", "8m"], "df -k /dev/shm | tail -1").ok();
    assert!(out.stdout.contains(" 8192 "), "{out}");
    sh(&env, &["--shm-size", "0"], "true")
        .code(125)
        .stderr_has("invalid --shm-size");
}

#[test]
fn image_volumes_get_anonymous_volumes() {
    let env = Env::new();
    let data = Tar::new()
        .dir("var", 0o755, 0, 0)
        .dir("var/lib", 0o755, 0, 0)
        .dir("var/lib/db", 0o750, 1000, 1000)
        .file("var/lib/db/seed", b"seed\n", 0o640, 1000, 1000)
        .finish();
    let image = Image::new(
        vec![busybox_rootfs().finish(), data],
        json!({"Volumes": {"/var/lib/db": {}}, "Cmd": ["sh"]}),
    );
    let archive = env.file("db.tar", &docker_archive(&[(&["db:1"], &image)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    let id = env
        .nook(&["create", "db:1", "cat", "/var/lib/db/seed"])
        .ok()
        .stdout;
    let id = id.trim();
    let record = env.inspect(id);
    let mounts = record["Mounts"].as_array().unwrap();
    assert_eq!(mounts.len(), 1, "{record}");
    assert_eq!(mounts[0]["Type"], "volume");
    assert_eq!(mounts[0]["Destination"], "/var/lib/db");
    let name = mounts[0]["Name"].as_str().unwrap().to_string();
    assert_eq!(name.len(), 64, "an anonymous volume has a generated name");
    let out = env.nook(&["start", "-a", id]).output().code(0);
    assert_eq!(out.stdout, "seed\n");
    let vol: Vec<Value> =
        serde_json::from_str(&env.nook(&["volume", "inspect", &name]).ok().stdout).unwrap();
    assert_eq!(vol[0]["Anonymous"], true);
    // a -v at the same path replaces it; rm -v removes the anonymous one, not named ones
    let other = env
        .nook(&["create", "-v", "named:/var/lib/db", "db:1"])
        .ok()
        .stdout;
    env.nook(&["rm", "-v", id, other.trim()]).ok();
    assert_eq!(env.nook(&["volume", "ls", "-q"]).ok().stdout, "named\n");
}

#[test]
fn volumes_in_use_stay_and_mistakes_are_clear() {
    let env = env_with("overlay");
    env.nook(&["volume", "create", "-l", "team=db", "keep"])
        .ok()
        .stdout_has("keep");
    // creating it again is fine (docker does the same)
    env.nook(&["volume", "create", "keep"]).ok();
    let info: Vec<Value> =
        serde_json::from_str(&env.nook(&["volume", "inspect", "keep"]).ok().stdout).unwrap();
    assert_eq!(info[0]["Labels"]["team"], "db");
    assert!(
        info[0]["Mountpoint"]
            .as_str()
            .unwrap()
            .ends_with("volumes/keep/_data")
    );
    env.nook(&[
        "create", "--name", "user", "-v", "keep:/k", "busybox", "true",
    ])
    .ok();
    env.nook(&["volume", "rm", "keep"])
        .output()
        .code(1)
        .stderr_has("in use");
    env.nook(&["volume", "prune", "-a"]).ok();
    assert!(
        env.nook(&["volume", "ls", "-q"])
            .ok()
            .stdout
            .contains("keep")
    );
    env.nook(&["rm", "user"]).ok();
    env.nook(&["volume", "rm", "keep"]).ok();
    assert!(!env.store().join("volumes/keep").exists());
    env.nook(&["volume", "rm", "keep"])
        .output()
        .code(1)
        .stderr_has("no such volume");
    env.nook(&["volume", "create", "bad/name"])
        .output()
        .code(125)
        .stderr_has("invalid volume name");
    // bad flags: exit 125, and nothing half-made (no container, no volume)
    for bad in [
        vec!["-v", "data:relative"],
        vec!["-v", "a:/b:bogus"],
        vec!["-v", "a:/b:c:d"],
        vec!["--mount", "type=nfs,target=/x"],
        vec!["--mount", "source=a,target=/x,colour=blue"],
        vec!["--tmpfs", "/t:size=1m,uid=me"],
        vec!["--tmpfs", "/t:size=1m,colour=5"],
        vec!["-v", "v1:/same", "-v", "v2:/same"],
    ] {
        let mut args = vec!["run", "--rm"];
        args.extend(bad.iter().copied());
        args.extend(["busybox", "true"]);
        env.nook(&args).output().code(125);
    }
    assert!(env.container_ids().is_empty());
    assert_eq!(env.nook(&["volume", "ls", "-q"]).ok().stdout, "");
    // a run that fails after making its anonymous volumes takes them away again
    env.nook(&[
        "run", "-v", "/anon", "--name", "bad name", "busybox", "true",
    ])
    .output()
    .code(125);
    assert_eq!(env.nook(&["volume", "ls", "-q"]).ok().stdout, "");
}
