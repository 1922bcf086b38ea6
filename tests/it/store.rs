//! Getting images into the store: `import` and `load` in every format docker, podman and
//! skopeo write, ownership of unpacked files, and bad input of every kind, after which the
//! store must hold nothing half-imported.

use std::fs;
use std::os::unix::fs::FileTypeExt;

use serde_json::{Value, json};

use crate::harness::{Env, host_uid, make_readable, nosub_user, require, user};
use crate::images::{
    Image, Tar, busybox_rootfs, docker_archive, docker25_archive, tar_dir, write_oci_layout,
};

/// No image, blob, layer or scratch file is left.
#[track_caller]
fn assert_store_empty(env: &Env) {
    for sub in ["blobs/sha256", "layers", "tmp"] {
        assert_eq!(
            env.store_entries(sub),
            Vec::<String>::new(),
            "{sub} should be empty"
        );
    }
    let index = fs::read_to_string(env.store().join("images.json")).unwrap_or_default();
    assert!(
        !index.contains("\"id\""),
        "no image should be recorded: {index}"
    );
}

fn images_json(env: &Env) -> Vec<Value> {
    let out = env.nook(&["images", "--format", "json"]).ok();
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn import_then_list_and_run() {
    let env = Env::new();
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    let out = env.nook(&["import", tar.to_str().unwrap(), "busybox"]).ok();
    let id = out
        .stdout
        .trim()
        .strip_prefix("sha256:")
        .unwrap()
        .to_string();
    let list = env.nook(&["images"]).ok();
    assert!(list.stdout.contains("localhost/busybox"), "{list}");
    assert!(list.stdout.contains(&id[..12]), "{list}");
    let q = env.nook(&["images", "-q"]).ok();
    assert_eq!(q.stdout.trim(), &id[..12]);
    env.nook(&["run", "--rm", "busybox", "echo", "hello"])
        .ok()
        .stdout_has("hello");
    // by id prefix and by qualified name too
    env.nook(&["run", "--rm", &id[..8], "true"]).ok();
    env.nook(&["run", "--rm", "localhost/busybox:latest", "true"])
        .ok();
}

#[test]
fn import_compressed_and_from_stdin_share_the_layer() {
    let env = Env::new();
    let plain = busybox_rootfs().finish();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    let gz_file = env.file("rootfs.tar.gz", &gz.finish().unwrap());
    env.nook(&["import", gz_file.to_str().unwrap(), "one"]).ok();
    let zst = zstd::encode_all(&plain[..], 3).unwrap();
    env.nook(&["import", "-", "two"]).stdin(&zst).ok();
    assert_eq!(
        env.store_entries("layers").len(),
        1,
        "the same content is one layer"
    );
    env.nook(&["run", "--rm", "two", "true"]).ok();
}

#[test]
fn import_changes_set_the_image_config() {
    let env = Env::new();
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    env.nook(&[
        "import",
        "--change",
        r#"CMD ["sh", "-c", "echo $GREETING from $(pwd) as $(id -un)"]"#,
        "--change",
        "ENV GREETING=hello",
        "--change",
        "WORKDIR /home/app",
        "--change",
        "USER app",
        "-m",
        "made by a test",
        tar.to_str().unwrap(),
        "configured:1",
    ])
    .ok();
    env.nook(&["run", "--rm", "configured:1"])
        .ok()
        .stdout_has("hello from /home/app as app");
    // a CMD on the command line replaces the image's
    env.nook(&["run", "--rm", "configured:1", "echo", "override"])
        .ok()
        .stdout_has("override");
    env.nook(&["import", "--change", "RUN make", tar.to_str().unwrap(), "x"])
        .output()
        .code(125)
        .stderr_has("--change");
}

#[test]
fn unpacked_files_belong_to_mapped_ids() {
    let env = Env::new();
    env.busybox("busybox");
    let layers = env.store_entries("layers");
    assert_eq!(layers.len(), 1);
    let diff = env.store().join("layers").join(&layers[0]).join("diff");
    let u = user();
    let sub = u.subuid.unwrap();
    // container root is the user; container uid 1000 is subuid start + 999
    assert_eq!(host_uid(&diff.join("bin/busybox")), u.uid);
    assert_eq!(host_uid(&diff.join("home/app")), sub + 999);
    assert_eq!(host_uid(&diff.join("home/app/.profile")), sub + 999);
    let mode = fs::metadata(diff.join("tmp")).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o7777,
        0o1777
    );
}

#[test]
fn load_docker_archive_with_tags() {
    let env = Env::new();
    let image = Image::new(
        vec![busybox_rootfs().finish()],
        json!({"Cmd": ["echo", "from-archive"]}),
    );
    let archive = env.file(
        "image.tar",
        &docker_archive(&[(&["busybox:1.0", "example.test/tools/bb:2"], &image)]),
    );
    let out = env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    assert!(
        out.stdout.contains("Loaded image: localhost/busybox:1.0"),
        "{out}"
    );
    assert!(
        out.stdout.contains("Loaded image: example.test/tools/bb:2"),
        "{out}"
    );
    let listed = images_json(&env);
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0]["Id"],
        image.id(),
        "the image id is the config digest, as in docker"
    );
    env.nook(&["run", "--rm", "busybox:1.0"])
        .ok()
        .stdout_has("from-archive");
    env.nook(&["run", "--rm", "example.test/tools/bb:2"])
        .ok()
        .stdout_has("from-archive");
    // loading again is a no-op that keeps one image
    env.nook(&["load", "-q", "-i", archive.to_str().unwrap()])
        .ok();
    assert_eq!(images_json(&env).len(), 1);
}

#[test]
fn load_docker25_archive() {
    let env = Env::new();
    let image = Image::new(
        vec![busybox_rootfs().finish()],
        json!({"Cmd": ["echo", "docker25"]}),
    );
    let archive = env.file("d25.tar", &docker25_archive("modern:25", &image));
    env.nook(&["load", "-i", archive.to_str().unwrap()])
        .ok()
        .stdout_has("localhost/modern:25");
    assert_eq!(images_json(&env)[0]["Id"], image.id());
    env.nook(&["run", "--rm", "modern:25"])
        .ok()
        .stdout_has("docker25");
}

#[test]
fn load_oci_layout_dir_and_compressed_oci_archive() {
    let env = Env::new();
    let extra = Tar::new()
        .dir("data", 0o755, 0, 0)
        .file("data/hello", b"hi\n", 0o644, 0, 0)
        .finish();
    let image = Image::new(
        vec![busybox_rootfs().finish(), extra],
        json!({"Cmd": ["cat", "/data/hello"]}),
    )
    .gzip_layer(0)
    .zstd_layer(1);
    let dir = env.root.join("layout");
    write_oci_layout(&dir, &[("localhost/layered:3", &image)]);
    crate::harness::chown(&env.root, env.user);
    make_readable(&dir);
    env.nook(&["load", "-i", dir.to_str().unwrap()])
        .ok()
        .stdout_has("localhost/layered:3");
    env.nook(&["run", "--rm", "layered:3"])
        .ok()
        .stdout_has("hi");

    let other = Env::new();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar_dir(&dir)).unwrap();
    let archive = other.file("image.oci.tar.gz", &gz.finish().unwrap());
    other
        .nook(&["load"])
        .stdin(&fs::read(&archive).unwrap())
        .ok()
        .stdout_has("localhost/layered:3");
    other
        .nook(&["run", "--rm", "layered:3"])
        .ok()
        .stdout_has("hi");
}

#[test]
fn images_saved_by_podman_load_and_run() {
    require("podman");
    let env = Env::new();
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    let podman = |args: &[&str]| {
        let mut cmd = env.command("podman");
        cmd.arg("--root")
            .arg(env.root.join("podman-root"))
            .arg("--runroot")
            .arg(env.root.join("podman-run"))
            .arg("--storage-driver=vfs")
            .args(args);
        crate::harness::Run::new(cmd, format!("podman {}", args.join(" ")))
    };
    podman(&[
        "import",
        "--change",
        "CMD [\"echo\",\"podman-made\"]",
        tar.to_str().unwrap(),
        "pbox:7",
    ])
    .ok();
    let podman_id = podman(&["images", "--no-trunc", "--format", "{{.ID}}", "pbox:7"]).ok();
    let podman_id = podman_id
        .stdout
        .trim()
        .trim_start_matches("sha256:")
        .to_string();
    for (format, file) in [
        ("docker-archive", "p.docker.tar"),
        ("oci-archive", "p.oci.tar"),
    ] {
        let path = env.root.join(file);
        podman(&[
            "save",
            "--format",
            format,
            "-o",
            path.to_str().unwrap(),
            "pbox:7",
        ])
        .ok();
        let fresh = Env::new();
        let copy = fresh.file(file, &fs::read(&path).unwrap());
        fresh
            .nook(&["load", "-i", copy.to_str().unwrap()])
            .ok()
            .stdout_has("pbox:7");
        let listed = images_json(&fresh);
        assert_eq!(
            listed[0]["Id"],
            podman_id.as_str(),
            "{format}: same image id as podman"
        );
        fresh
            .nook(&["run", "--rm", "pbox:7"])
            .ok()
            .stdout_has("podman-made");
    }
}

#[test]
fn skopeo_converted_archives_load() {
    require("skopeo");
    let env = Env::new();
    let image = Image::new(
        vec![busybox_rootfs().finish()],
        json!({"Cmd": ["echo", "via-skopeo"]}),
    );
    let dir = env.root.join("layout");
    write_oci_layout(&dir, &[("v1", &image)]);
    let out = env.root.join("docker.tar");
    let status = std::process::Command::new("skopeo")
        .args(["--insecure-policy", "copy"])
        .arg(format!("oci:{}:v1", dir.display()))
        .arg(format!(
            "docker-archive:{}:localhost/skopeo-made:v1",
            out.display()
        ))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    crate::harness::chown(&out, env.user);
    env.nook(&["load", "-i", out.to_str().unwrap()])
        .ok()
        .stdout_has("localhost/skopeo-made:v1");
    env.nook(&["run", "--rm", "skopeo-made:v1"])
        .ok()
        .stdout_has("via-skopeo");
}

#[test]
fn unknown_images_and_bad_references_are_clear_errors() {
    let env = Env::new();
    env.nook(&["run", "--rm", "nothere"])
        .output()
        .code(125)
        .stderr_has("not in the local store");
    env.nook(&["run", "--rm", "Bad/Name"])
        .output()
        .code(125)
        .stderr_has("lowercase");
    env.nook(&["run", "--rm", "busybox:-x"])
        .output()
        .code(125)
        .stderr_has("invalid reference");
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    env.nook(&["import", tar.to_str().unwrap(), "UPPER"])
        .output()
        .code(125)
        .stderr_has("lowercase");
    env.nook(&["import", "/nonexistent.tar"])
        .output()
        .code(125)
        .stderr_has("cannot open");
    assert_store_empty(&env);
}

#[test]
fn corrupt_and_truncated_archives_leave_nothing_behind() {
    let env = Env::new();
    let junk = env.file("junk.tar", &vec![0x42; 4096]);
    env.nook(&["load", "-i", junk.to_str().unwrap()])
        .output()
        .code(125);
    let image = Image::new(vec![busybox_rootfs().finish()], json!({}));
    let archive = docker_archive(&[(&["cut:1"], &image)]);
    let cut = env.file("cut.tar", &archive[..archive.len() / 2]);
    env.nook(&["load", "-i", cut.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has("corrupt or truncated");
    let not_tar = env.file("rootfs.tar", b"this is not a tarball at all, just text\n");
    env.nook(&["import", not_tar.to_str().unwrap(), "x"])
        .output()
        .code(125);
    let empty_dir = env.root.join("empty");
    fs::create_dir(&empty_dir).unwrap();
    env.nook(&["load", "-i", empty_dir.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has("not an image archive");
    assert_store_empty(&env);
}

#[test]
fn tampered_blobs_and_layers_are_refused() {
    let env = Env::new();
    // A layer blob whose bytes no longer match the manifest's digest.
    let image = Image::new(vec![busybox_rootfs().finish()], json!({}));
    let dir = env.root.join("layout");
    write_oci_layout(&dir, &[("localhost/tampered:1", &image)]);
    let blob = dir
        .join("blobs/sha256")
        .join(crate::images::sha256(&image.layers[0]));
    let mut bytes = fs::read(&blob).unwrap();
    let n = bytes.len();
    bytes[n - 2000] ^= 0xff;
    fs::write(&blob, &bytes).unwrap();
    make_readable(&dir);
    env.nook(&["load", "-i", dir.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has("does not match");
    assert_store_empty(&env);

    // A config whose diff id does not describe the layer.
    let mut liar = Image::new(vec![busybox_rootfs().finish()], json!({}));
    let mut config: Value = serde_json::from_slice(&liar.config).unwrap();
    config["rootfs"]["diff_ids"][0] = json!(format!("sha256:{}", "0".repeat(64)));
    liar.config = serde_json::to_vec(&config).unwrap();
    let archive = env.file("liar.tar", &docker_archive(&[(&["liar:1"], &liar)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has("diff id");
    assert_store_empty(&env);
}

/// Hostile layers: each is refused as a whole, nothing lands outside the layer, and the
/// store is left as it was.
#[test]
fn hostile_layers_are_refused() {
    let env = Env::new();
    let outside = env.root.join("escaped");
    // A directory outside any layer that symlinks in the archives point at.
    let sandbox = env.root.join("sandbox");
    fs::create_dir(&sandbox).unwrap();
    fs::write(sandbox.join("victim"), b"keep").unwrap();
    crate::harness::chown(&sandbox, env.user);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "dotdot",
            Tar::new().raw_file(b"../escaped", b"x").finish(),
            "'..'",
        ),
        (
            "deep-dotdot",
            Tar::new()
                .dir("a", 0o755, 0, 0)
                .raw_file(b"a/../../escaped", b"x")
                .finish(),
            "'..'",
        ),
        (
            "absolute",
            Tar::new().raw_file(b"/etc/escaped", b"x").finish(),
            "absolute",
        ),
        (
            "symlink-then-file",
            Tar::new()
                .symlink("link", outside.parent().unwrap().to_str().unwrap())
                .file("link/escaped", b"x", 0o644, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "relative-symlink-then-file",
            Tar::new()
                .symlink("up", "../../../../..")
                .file("up/escaped", b"x", 0o644, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "hardlink-outside",
            Tar::new()
                .raw_hardlink("pw", b"../../../../../../etc/passwd")
                .finish(),
            "'..'",
        ),
        (
            "hardlink-missing",
            Tar::new().hardlink("pw", "etc/shadow").finish(),
            "not in this layer",
        ),
        (
            "hardlink-through-symlink",
            Tar::new()
                .symlink("d", "/etc")
                .hardlink("x", "d/passwd")
                .finish(),
            "not in this layer",
        ),
        (
            "whiteout-of-dotdot",
            Tar::new()
                .dir("a", 0o755, 0, 0)
                .raw_file(b"a/.wh...", b"")
                .finish(),
            "whiteout of",
        ),
        (
            "whiteout-of-dot",
            Tar::new()
                .dir("a", 0o755, 0, 0)
                .raw_file(b"a/.wh..", b"")
                .finish(),
            "whiteout of",
        ),
        (
            "whiteout-through-symlink",
            Tar::new()
                .symlink("s", sandbox.to_str().unwrap())
                .file("s/.wh.victim", b"", 0o644, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "opaque-through-symlink",
            Tar::new()
                .symlink("s", sandbox.to_str().unwrap())
                .file("s/.wh..wh..opq", b"", 0o644, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "dir-through-symlink",
            Tar::new()
                .symlink("s", sandbox.to_str().unwrap())
                .dir("s/newdir", 0o755, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "symlink-loop-parent",
            Tar::new()
                .symlink("a", "b")
                .symlink("b", "a")
                .file("a/x", b"x", 0o644, 0, 0)
                .finish(),
            "symbolic link",
        ),
        (
            "long-name-dotdot",
            Tar::new()
                .raw_long_name(
                    format!("{}/../../../escaped", "d".repeat(120)).as_bytes(),
                    b"x",
                )
                .finish(),
            "'..'",
        ),
        (
            "pax-path-dotdot",
            Tar::new().pax_path("../escaped", b"x").finish(),
            "'..'",
        ),
        (
            "pax-path-absolute",
            Tar::new().pax_path("/etc/escaped", b"x").finish(),
            "absolute",
        ),
        (
            "owner-outside-the-map",
            Tar::new()
                .file("f", b"x", 0o4755, 4_000_000_000, 0)
                .finish(),
            "your id map has only uids",
        ),
    ];
    for (name, tar, why) in cases {
        let f = env.file(&format!("{name}.tar"), &tar);
        env.nook(&["import", f.to_str().unwrap(), name])
            .output()
            .code(125)
            .stderr_has(why);
        assert!(!outside.exists(), "{name}: a file escaped the layer");
        assert_eq!(fs::read(sandbox.join("victim")).unwrap(), b"keep", "{name}");
        assert_eq!(
            fs::read_dir(&sandbox).unwrap().count(),
            1,
            "{name}: nothing new outside"
        );
        assert!(
            xattr::get(&sandbox, "user.overlay.opaque")
                .unwrap()
                .is_none(),
            "{name}"
        );
        assert!(!std::path::Path::new("/etc/escaped").exists());
        assert_store_empty(&env);
    }
}

#[test]
fn layers_cannot_set_overlay_attributes() {
    let env = Env::new();
    let tar = busybox_rootfs()
        .dir("data", 0o755, 0, 0)
        .file_with_xattrs(
            "data/f",
            &[
                ("user.overlay.redirect", b"/etc"),
                ("user.overlay.opaque", b"y"),
                ("trusted.overlay.opaque", b"y"),
                ("user.kept", b"yes"),
            ],
        )
        .finish();
    let f = env.file("x.tar", &tar);
    env.nook(&["import", f.to_str().unwrap(), "attrs"])
        .ok()
        .stderr_has("extended attribute");
    let layer = &env.store_entries("layers")[0];
    let file = env.store().join("layers").join(layer).join("diff/data/f");
    assert_eq!(
        xattr::get(&file, "user.kept").unwrap().as_deref(),
        Some(&b"yes"[..])
    );
    for forged in [
        "user.overlay.redirect",
        "user.overlay.opaque",
        "trusted.overlay.opaque",
    ] {
        assert!(
            xattr::get(&file, forged).unwrap_or(None).is_none(),
            "{forged} must not be set"
        );
    }
}

#[test]
fn device_nodes_are_skipped_with_a_note() {
    let env = Env::new();
    let tar = busybox_rootfs()
        .dir("dev", 0o755, 0, 0)
        .char_device("dev/sda", 8, 0)
        .finish();
    let f = env.file("dev.tar", &tar);
    env.nook(&["import", f.to_str().unwrap(), "withdev"])
        .ok()
        .stderr_has("device node");
    env.nook(&["run", "--rm", "withdev", "true"]).ok();
}

#[test]
fn whiteouts_are_stored_in_overlay_form() {
    let env = Env::new();
    let upper = Tar::new()
        .dir("etc", 0o755, 0, 0)
        .whiteout("etc/group")
        .dir("home", 0o755, 0, 0)
        .opaque("home")
        .finish();
    let image = Image::new(vec![busybox_rootfs().finish(), upper], json!({}));
    let archive = env.file("w.tar", &docker_archive(&[(&["w:1"], &image)]));
    env.nook(&["load", "-i", archive.to_str().unwrap()]).ok();
    let layer = env
        .store()
        .join("layers")
        .join(image.diff_ids[1].trim_start_matches("sha256:"))
        .join("diff");
    let wh = fs::symlink_metadata(layer.join("etc/group")).unwrap();
    assert!(
        wh.file_type().is_char_device(),
        "a whiteout is a 0/0 character device"
    );
    assert_eq!(std::os::unix::fs::MetadataExt::rdev(&wh), 0);
    assert!(!layer.join("etc/.wh.group").exists());
    assert_eq!(
        xattr::get(layer.join("home"), "user.overlay.opaque")
            .unwrap()
            .as_deref(),
        Some(&b"y"[..])
    );
    assert!(!layer.join("home/.wh..wh..opq").exists());
}

#[test]
fn without_subordinate_ids_other_owners_are_refused_with_the_fix() {
    let env = Env::for_user(nosub_user());
    // busybox_rootfs has /home/app owned by uid 1000, which a single-id map cannot hold.
    let tar = env.file("rootfs.tar", &busybox_rootfs().finish());
    env.nook(&["import", tar.to_str().unwrap(), "bb"])
        .output()
        .code(125)
        .stderr_has("usermod --add-subuids");
    assert_store_empty(&env);
    // An all-root image works, with a warning that says how to get a range.
    let root_only = Tar::new()
        .dir("bin", 0o755, 0, 0)
        .file(
            "bin/busybox",
            &fs::read("/bin/busybox").unwrap(),
            0o755,
            0,
            0,
        )
        .symlink("bin/sh", "busybox")
        .symlink("bin/id", "busybox")
        .symlink("bin/cat", "busybox")
        .finish();
    let tar = env.file("rootonly.tar", &root_only);
    env.nook(&["import", tar.to_str().unwrap(), "rootonly"])
        .ok()
        .stderr_has("usermod");
    let out = env
        .nook(&[
            "run",
            "--rm",
            "rootonly",
            "sh",
            "-c",
            "id -u; cat /proc/self/uid_map",
        ])
        .ok();
    assert!(out.stdout.starts_with("0\n"), "{out}");
    assert_eq!(out.stdout.lines().count(), 2, "a single-id map: {out}");
    env.nook(&["run", "--rm", "-u", "1000", "rootonly", "id"])
        .output()
        .code(125)
        .stderr_has("usermod");
}
