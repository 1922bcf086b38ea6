//! Pulling from and pushing to a real registry (Debian's docker-registry on loopback), with
//! skopeo and podman as independent clients, and faults injected by a proxy.

use std::fs;
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Env, require, wait_with_timeout};
use crate::images::{Image, Tar, busybox_rootfs, sha256, write_oci_layout};
use crate::registry_server::{Fault, FaultProxy, RegistryServer};

/// A busybox image with one more layer (so there is something to share and to fault).
pub(crate) fn two_layer_image(message: &str) -> Image {
    let extra = Tar::new()
        .dir("srv", 0o755, 0, 0)
        .file("srv/message", message.as_bytes(), 0o644, 0, 0)
        .finish();
    Image::new(
        vec![busybox_rootfs().finish(), extra],
        json!({"Cmd": ["cat", "/srv/message"]}),
    )
}

/// Put `image` in the registry as `repo:tag` (through skopeo, a client that is not nook).
pub(crate) fn publish(server: &RegistryServer, image: &Image, repo_tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[("t", image)]);
    server.push_with_skopeo(&format!("oci:{}:t", dir.path().display()), repo_tag, false);
}

/// The layer blob digests (hex) of `repo_tag` as the registry stores them (skopeo compresses
/// layers on the way in, so they are not the tarballs' digests).
fn registry_layers(server: &RegistryServer, repo_tag: &str) -> Vec<String> {
    let out = std::process::Command::new("skopeo")
        .args(["inspect", "--raw", "--tls-verify=false"])
        .arg(format!("docker://{}/{repo_tag}", server.addr))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value = serde_json::from_slice(&out.stdout).unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["digest"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:")
                .to_string()
        })
        .collect()
}

fn images_json(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.nook(&["images", "--format", "json"]).ok().stdout).unwrap()
}

/// Nothing but complete images: no stray blobs, layers or scratch files.
#[track_caller]
fn assert_store_consistent(env: &Env) {
    env.nook(&["system", "check"]).ok();
    assert!(
        env.store_entries("tmp").is_empty(),
        "tmp/ is not empty: {:?}",
        env.store_entries("tmp")
    );
}

#[test]
fn pull_run_and_pull_again() {
    let server = RegistryServer::start();
    let image = two_layer_image("pulled\n");
    publish(&server, &image, "tools/msg:1");
    let env = Env::new();
    let reference = format!("{}/tools/msg:1", server.addr);
    let out = env.nook(&["pull", &reference]).ok();
    assert_eq!(out.stdout.trim(), format!("sha256:{}", image.id()));
    assert_eq!(out.stderr, "", "quiet when not on a terminal: {out}");
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("pulled");
    let listed = images_json(&env);
    assert_eq!(listed[0]["Names"][0], reference.as_str());
    // Already here: nothing is fetched again.
    let blobs_before = env.store_entries("blobs/sha256");
    env.nook(&["pull", &reference]).ok();
    assert_eq!(env.store_entries("blobs/sha256"), blobs_before);
    // By digest too.
    let digest = listed[0]["Digest"].as_str().unwrap().to_string();
    let by_digest = format!("{}/tools/msg@{digest}", server.addr);
    env.nook(&["run", "--rm", &by_digest])
        .ok()
        .stdout_has("pulled");
}

#[test]
fn run_pulls_missing_images_and_honours_the_pull_policy() {
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("v1\n"), "app:latest");
    let env = Env::new();
    let reference = format!("{}/app", server.addr);
    env.nook(&["run", "--rm", "--pull", "never", &reference])
        .output()
        .code(125)
        .stderr_has("not in the local store");
    env.nook(&["run", "--rm", &reference]).ok().stdout_has("v1");
    publish(&server, &two_layer_image("v2\n"), "app:latest");
    env.nook(&["run", "--rm", &reference]).ok().stdout_has("v1");
    env.nook(&["run", "--rm", "--pull", "always", &reference])
        .ok()
        .stdout_has("v2");
}

/// Unconfigured, short names mean Docker Hub (official images under `library/`), as with
/// docker; here Docker Hub is reached through a mirror on the host's loopback (nothing goes
/// out), which also shows `[registries.mirrors]` for docker.io.
#[test]
fn short_names_mean_docker_hub_by_default() {
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("hub\n"), "library/tool:2");
    let env = Env::new();
    env.write_config_as_is(&format!(
        "[registries.mirrors]\n\"docker.io\" = [\"{}\"]\n",
        server.addr
    ));
    env.nook(&["pull", "-q", "tool:2"]).ok();
    env.nook(&["images", "--format", "{{.Repository}}:{{.Tag}}"])
        .ok()
        .stdout_has("docker.io/library/tool:2");
    env.nook(&["run", "--rm", "tool:2"]).ok().stdout_has("hub");
    env.nook(&["run", "--rm", "docker.io/library/tool:2"])
        .ok()
        .stdout_has("hub");
}

#[test]
fn short_names_use_the_configured_default_registry() {
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("short\n"), "library/tool:2");
    let env = Env::new();
    env.nook(&["pull", "tool:2"])
        .output()
        .code(125)
        .stderr_has("no default registry");
    env.write_config(&format!("[registries]\ndefault = \"{}\"\n", server.addr));
    env.nook(&["pull", "library/tool:2"]).ok();
    env.nook(&["run", "--rm", "tool:2"])
        .ok()
        .stdout_has("short");
}

#[test]
fn multi_platform_index_and_zstd_layers() {
    let server = RegistryServer::start();
    let env = Env::new();
    // amd64 (this machine, when x86_64) is busybox with a zstd layer; the other is a stub.
    let native = two_layer_image("native\n").zstd_layer(1);
    let foreign_arch = if crate::images::arch() == "arm64" {
        "s390x"
    } else {
        "arm64"
    };
    let mut foreign = Image::new(
        vec![Tar::new().file("marker", b"foreign", 0o644, 0, 0).finish()],
        json!({}),
    );
    let mut cfg: Value = serde_json::from_slice(&foreign.config).unwrap();
    cfg["architecture"] = json!(foreign_arch);
    foreign.config = serde_json::to_vec(&cfg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_oci_index(
        dir.path(),
        &[(crate::images::arch(), &native), (foreign_arch, &foreign)],
    );
    server.push_with_skopeo(
        &format!("oci:{}:multi", dir.path().display()),
        "multi:1",
        true,
    );

    let reference = format!("{}/multi:1", server.addr);
    let out = env.nook(&["pull", &reference]).ok();
    assert_eq!(out.stdout.trim(), format!("sha256:{}", native.id()));
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("native");
    let out = env
        .nook(&[
            "pull",
            "--platform",
            &format!("linux/{foreign_arch}"),
            &reference,
        ])
        .ok();
    assert_eq!(out.stdout.trim(), format!("sha256:{}", foreign.id()));
    env.nook(&["pull", "--platform", "linux/mips64le", &reference])
        .output()
        .code(125)
        .stderr_has(&format!("linux/{foreign_arch}"));
    env.nook(&["pull", "--platform", "linux", &reference])
        .output()
        .code(125)
        .stderr_has("os/arch");
}

/// An OCI layout whose index.json holds one image index with a manifest per platform.
fn write_oci_index(dir: &std::path::Path, images: &[(&str, &Image)]) {
    write_oci_layout(
        dir,
        &images.iter().map(|(a, i)| (*a, *i)).collect::<Vec<_>>(),
    );
    let index: Value = serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifests: Vec<Value> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .zip(images)
        .map(|(m, (arch, _))| {
            let mut m = m.clone();
            m["platform"] = json!({"os": "linux", "architecture": arch});
            m.as_object_mut().unwrap().remove("annotations");
            m
        })
        .collect();
    let nested = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests,
    }))
    .unwrap();
    fs::write(dir.join("blobs/sha256").join(sha256(&nested)), &nested).unwrap();
    let top = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": format!("sha256:{}", sha256(&nested)),
        "size": nested.len(),
        "annotations": {"org.opencontainers.image.ref.name": "multi"},
    }]});
    fs::write(dir.join("index.json"), serde_json::to_vec(&top).unwrap()).unwrap();
}

#[test]
fn authentication_with_login_and_with_docker_credentials() {
    let server = RegistryServer::start_with_auth("alice", "s3cret");
    publish(&server, &two_layer_image("private\n"), "private/app:1");
    let env = Env::new();
    let reference = format!("{}/private/app:1", server.addr);
    env.nook(&["pull", &reference])
        .output()
        .code(125)
        .stderr_has(&format!("nook login {}", server.addr));
    env.nook(&["login", "-u", "alice", "--password-stdin", &server.addr])
        .stdin(b"wrong\n")
        .output()
        .code(125)
        .stderr_has("refused the credentials of alice");
    env.nook(&["login", "-u", "alice", "--password-stdin", &server.addr])
        .stdin(b"s3cret\n")
        .ok()
        .stdout_has("Login Succeeded");
    let auth_file = env.config.join("nook/auth.json");
    let mode = fs::metadata(&auth_file).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o600
    );
    env.nook(&["pull", &reference]).ok();
    env.nook(&["logout", &server.addr]).ok();
    env.nook(&[
        "pull",
        "--quiet",
        &format!("{}/private/app:missing", server.addr),
    ])
    .output()
    .code(125)
    .stderr_has("nook login");

    // A user logged in with docker is logged in with nook.
    let docker = env.home.join(".docker");
    fs::create_dir_all(&docker).unwrap();
    use base64::Engine as _;
    let token = base64::engine::general_purpose::STANDARD.encode("alice:s3cret");
    fs::write(
        docker.join("config.json"),
        serde_json::to_vec(&json!({"auths": {format!("http://{}", server.addr): {"auth": token}}}))
            .unwrap(),
    )
    .unwrap();
    crate::harness::chown(&docker, env.user);
    crate::harness::chown(&docker.join("config.json"), env.user);
    env.nook(&["rmi", &reference]).ok();
    env.nook(&["pull", &reference]).ok();
}

#[test]
fn large_blobs_are_pushed_in_chunks_when_configured() {
    let server = RegistryServer::start();
    let proxy = FaultProxy::start(&server.addr);
    let env = Env::new();
    env.write_config("[registries]\nupload_chunk_mb = 1\n");
    env.busybox("busybox");
    let dest = format!("{}/chunked/busybox:1", proxy.addr);
    env.nook(&["push", "busybox", &dest]).ok();
    assert!(
        proxy.requests("PATCH", "/blobs/uploads/") >= 2,
        "the 2 MB layer went in 1 MiB chunks"
    );
    let other = Env::new();
    other
        .nook(&["run", "--rm", &dest, "echo", "whole"])
        .ok()
        .stdout_has("whole");
}

#[test]
fn unsupported_media_types_are_refused() {
    let server = RegistryServer::start();
    let dir = tempfile::tempdir().unwrap();
    let image = two_layer_image("x\n");
    write_oci_layout(dir.path(), &[("t", &image)]);
    // Rewrite the manifest's first layer as something that is not a filesystem layer.
    let index: Value =
        serde_json::from_slice(&fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    let old = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let mut manifest: Value =
        serde_json::from_slice(&fs::read(dir.path().join("blobs/sha256").join(&old)).unwrap())
            .unwrap();
    manifest["layers"][0]["mediaType"] = json!("application/vnd.example.model+bin");
    let bytes = serde_json::to_vec(&manifest).unwrap();
    fs::write(dir.path().join("blobs/sha256").join(sha256(&bytes)), &bytes).unwrap();
    let mut index = index;
    index["manifests"][0]["digest"] = json!(format!("sha256:{}", sha256(&bytes)));
    index["manifests"][0]["size"] = json!(bytes.len());
    fs::write(
        dir.path().join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    server.push_with_skopeo(
        &format!("oci:{}:t", dir.path().display()),
        "artifact:1",
        false,
    );
    let env = Env::new();
    env.nook(&["pull", &format!("{}/artifact:1", server.addr)])
        .output()
        .code(125)
        .stderr_has("application/vnd.example.model+bin");
    assert_store_consistent(&env);
}

#[test]
fn pull_shows_progress_on_a_terminal() {
    require("script");
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("tty\n"), "tty:1");
    let env = Env::new();
    let command = format!(
        "{} pull {}/tty:1",
        crate::harness::nook_bin().display(),
        server.addr
    );
    let mut cmd = env.command("script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm");
    let out = crate::harness::Run::new(cmd, "script nook pull".into()).ok();
    assert!(out.stdout.contains("Copying blob"), "{out}");
    assert!(out.stdout.contains("Pulling"), "{out}");
}

#[test]
fn unknown_tags_and_repositories_are_clear_errors() {
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("x\n"), "exists:1");
    let env = Env::new();
    env.nook(&["pull", &format!("{}/exists:2", server.addr)])
        .output()
        .code(125)
        .stderr_has("not found");
    env.nook(&["pull", &format!("{}/nothere:1", server.addr)])
        .output()
        .code(125)
        .stderr_has("not found");
    env.nook(&["pull", "127.0.0.1:1/nothing:1"])
        .output()
        .code(125)
        .stderr_has("cannot reach registry");
    assert_store_consistent(&env);
}

#[test]
fn server_errors_cut_and_stalled_transfers_are_retried() {
    let server = RegistryServer::start();
    let image = two_layer_image("survived\n");
    publish(&server, &image, "flaky:1");
    let proxy = FaultProxy::start(&server.addr);
    let env = Env::new();
    env.write_config("[registries]\nstall_timeout = 2\n");
    let layers = registry_layers(&server, "flaky:1");
    let big = layers[0].clone();
    proxy.inject("/manifests/", Fault::Status(500), 1);
    proxy.inject(&big, Fault::Cut(300_000), 1);
    proxy.inject(&big, Fault::Stall(600_000, Duration::from_secs(6)), 1);
    proxy.inject(&layers[1], Fault::Status(503), 2);
    let reference = format!("{}/flaky:1", proxy.addr);
    env.nook(&["pull", &reference]).ok();
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("survived");
    assert!(
        proxy.gets(&big) >= 3,
        "the big layer was resumed: {} requests",
        proxy.gets(&big)
    );
    assert_store_consistent(&env);
}

#[test]
fn corrupt_blobs_fail_cleanly() {
    let server = RegistryServer::start();
    let image = two_layer_image("never\n");
    publish(&server, &image, "bad:1");
    let proxy = FaultProxy::start(&server.addr);
    proxy.inject(&registry_layers(&server, "bad:1")[0], Fault::Corrupt, 100);
    let env = Env::new();
    env.nook(&["pull", &format!("{}/bad:1", proxy.addr)])
        .output()
        .code(125)
        .stderr_has("digest");
    assert!(images_json(&env).is_empty());
    assert!(
        env.store_entries("layers").is_empty(),
        "{:?}",
        env.store_entries("layers")
    );
    assert_store_consistent(&env);
}

#[test]
fn a_registry_killed_mid_pull_leaves_a_clean_store() {
    let mut server = RegistryServer::start();
    let image = two_layer_image("again\n");
    publish(&server, &image, "dying:1");
    let proxy = FaultProxy::start(&server.addr);
    // The big layer stalls; the registry dies while it does.
    proxy.inject(
        &registry_layers(&server, "dying:1")[0],
        Fault::Stall(100_000, Duration::from_secs(3)),
        1,
    );
    let env = Env::new();
    let reference = format!("{}/dying:1", proxy.addr);
    let mut pull = env.nook(&["pull", &reference]).spawn();
    std::thread::sleep(Duration::from_millis(800));
    server.stop();
    let (status, _, err) = wait_with_timeout(&mut pull, Duration::from_secs(120), "nook pull");
    assert_eq!(crate::harness::exit_code(status), 125, "{err}");
    assert!(
        err.contains("cannot reach registry") || err.contains("did not arrive whole"),
        "{err}"
    );
    assert!(images_json(&env).is_empty());
    assert_store_consistent(&env);
    server.restart();
    env.nook(&["pull", &reference]).ok();
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("again");
}

/// Put a record in the store's `pending/` as nook writes one: these blobs and layers (hex)
/// appeared in boot `boot` before they reached the disk.
fn pending_record(env: &Env, boot: &str, blobs: &[String], layers: &[String]) {
    let record = json!({
        "boot": boot,
        "blobs": blobs.iter().map(|b| format!("sha256:{b}")).collect::<Vec<_>>(),
        "trees": layers.iter().map(|l| format!("layers/{l}")).collect::<Vec<_>>(),
    });
    let path = env
        .store()
        .join("pending")
        .join(format!("{boot}-{}.json", blobs.len()));
    fs::write(&path, record.to_string()).unwrap();
    crate::harness::chown(&path, env.user);
}

fn wait_settled(env: &Env) {
    crate::harness::wait_until(Duration::from_secs(20), "pending/ to empty", || {
        env.store_entries("pending").is_empty()
    });
}

/// A pull returns without waiting for writeback (its own or other programs'): it records
/// what it made visible in `pending/`, and a background settler writes exactly that back and
/// clears the record. A record whose settler died is taken up by the next command; one from
/// an earlier boot (the machine went down first) has its layers unpacked again from sound
/// blobs, and images whose blobs were torn are dropped, with a word to the user.
#[test]
fn a_pull_is_written_back_after_it_returns_and_checked_after_a_crash() {
    let server = RegistryServer::start();
    publish(&server, &two_layer_image("settled\n"), "settle:1");
    let env = Env::new();
    let reference = format!("{}/settle:1", server.addr);
    env.nook(&["pull", &reference]).ok();
    wait_settled(&env);
    let layers = env.store_entries("layers");
    let blobs = registry_layers(&server, "settle:1");
    assert_eq!((layers.len(), blobs.len()), (2, 2), "{layers:?} {blobs:?}");

    // A settler that never ran (killed with its pull): the next command starts one.
    let boot = fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    pending_record(&env, boot.trim(), &blobs, &layers);
    env.nook(&["images"]).ok();
    wait_settled(&env);

    // The machine went down before the layers reached the disk: one is torn (its file
    // came back empty), and both are unpacked again from their blobs, which are sound.
    let message = layers
        .iter()
        .map(|l| env.store().join("layers").join(l).join("diff/srv/message"))
        .find(|m| m.exists())
        .expect("one layer holds /srv/message");
    fs::write(&message, "").unwrap();
    pending_record(&env, "an-earlier-boot", &blobs, &layers);
    let out = env.nook(&["run", "--rm", &reference]).ok();
    assert_eq!(out.stdout, "settled\n", "{out}");
    assert!(
        out.stderr
            .contains("went down before 2 layer(s) and 2 blob(s)"),
        "{out}"
    );
    assert!(out.stderr.contains("unpacked again from its blob"), "{out}");
    wait_settled(&env);
    assert_store_consistent(&env);

    // A blob torn too: what cannot be made whole goes, and a pull brings it back.
    let blob = env.store().join("blobs/sha256").join(&blobs[1]);
    let mut bytes = fs::read(&blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&blob, bytes).unwrap();
    pending_record(&env, "an-earlier-boot", &blobs[1..], &[]);
    let out = env.nook(&["images", "--format", "json"]).ok();
    assert!(
        out.stderr
            .contains("is missing or corrupt (pull or load it again)"),
        "{out}"
    );
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&out.stdout).unwrap(),
        Vec::<Value>::new()
    );
    wait_settled(&env);
    assert_store_consistent(&env);
    env.nook(&["pull", &reference]).ok();
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("settled");
    wait_settled(&env);

    // A record that cannot be read is said once, with the fix, and goes.
    let garbled = env.store().join("pending/garbled.json");
    fs::write(&garbled, "{\"boot\": 7").unwrap();
    crate::harness::chown(&garbled, env.user);
    env.nook(&["images"])
        .ok()
        .stderr_has("is not a record nook wrote")
        .stderr_has("nook system check --repair");
    assert!(env.store_entries("pending").is_empty());
    assert_eq!(env.nook(&["images"]).ok().stderr, "");
}

#[test]
fn concurrent_pulls_fetch_each_layer_once() {
    let server = RegistryServer::start();
    let image = two_layer_image("shared\n");
    publish(&server, &image, "shared:1");
    let proxy = FaultProxy::start(&server.addr);
    let env = Env::new();
    let reference = format!("{}/shared:1", proxy.addr);
    let pulls: Vec<_> = (0..4)
        .map(|_| env.nook(&["pull", &reference]).spawn())
        .collect();
    for mut p in pulls {
        let (status, _, err) = wait_with_timeout(&mut p, Duration::from_secs(120), "nook pull");
        assert_eq!(crate::harness::exit_code(status), 0, "{err}");
    }
    for layer in registry_layers(&server, "shared:1") {
        assert_eq!(proxy.gets(&layer), 1, "each layer is downloaded once");
    }
    assert_eq!(images_json(&env).len(), 1);
    env.nook(&["run", "--rm", &reference])
        .ok()
        .stdout_has("shared");
    assert_store_consistent(&env);
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_a_consistent_store() {
    let server = RegistryServer::start();
    // A layer of incompressible data larger than the filesystem nook's store is on.
    let mut noise = vec![0u8; 6 << 20];
    let mut x: u64 = 0x9e3779b97f4a7c15;
    for b in noise.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let big = Tar::new().file("noise", &noise, 0o644, 0, 0).finish();
    let image = Image::new(vec![busybox_rootfs().finish(), big], json!({}));
    publish(&server, &image, "huge:1");
    let env = Env::new();
    let small = env.root.join("small");
    fs::create_dir(&small).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m,mode=0755"])
        .arg("tmpfs")
        .arg(&small)
        .status()
        .unwrap();
    assert!(mounted.success());
    crate::harness::chown(&small, env.user);
    let out = env
        .nook(&["pull", &format!("{}/huge:1", server.addr)])
        .env("XDG_DATA_HOME", &small)
        .output();
    let check = env
        .nook(&["system", "check"])
        .env("XDG_DATA_HOME", &small)
        .output();
    let tmp_left = fs::read_dir(small.join("nook/tmp"))
        .map(|d| d.count())
        .unwrap_or(0);
    let _ = std::process::Command::new("umount").arg(&small).status();
    assert_eq!(out.code, 125, "{out}");
    assert!(
        out.stderr.contains("no space left") && out.stderr.contains("nook image prune"),
        "{out}"
    );
    assert_eq!(check.code, 0, "{check}");
    assert_eq!(tmp_left, 0);
}

#[test]
fn images_pushed_by_nook_are_read_by_skopeo_and_podman() {
    require("podman");
    let server = RegistryServer::start();
    let env = Env::new();
    env.busybox("busybox");
    let dest = format!("{}/pushed/busybox:nook", server.addr);
    env.nook(&["push", "busybox", &dest]).ok();
    // Pushing again finds every blob there.
    env.nook(&["push", "busybox", &dest]).ok();
    let out = std::process::Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", &format!("docker://{dest}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let inspected: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(inspected["Layers"].as_array().unwrap().len(), 1);

    let mut cmd = env.command("podman");
    cmd.arg("--root")
        .arg(env.root.join("podman-root"))
        .arg("--runroot")
        .arg(env.root.join("podman-run"))
        .arg("--storage-driver=vfs")
        .args(["pull", "--tls-verify=false", &dest]);
    crate::harness::Run::new(cmd, "podman pull".into()).ok();

    // A second repository on the same registry gets the layer by cross-repository mount.
    let proxy = FaultProxy::start(&server.addr);
    let first = format!("{}/pushed/busybox:nook", proxy.addr);
    env.nook(&["tag", "busybox", &first]).ok();
    env.nook(&[
        "push",
        "busybox",
        &format!("{}/other/busybox:1", proxy.addr),
    ])
    .ok();
    assert!(
        proxy.requests("POST", "mount=") >= 1,
        "a mount was asked for"
    );
    assert_eq!(
        proxy.requests("PUT", "/blobs/uploads/"),
        0,
        "nothing was uploaded"
    );
}
