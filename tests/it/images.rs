//! Test images, made here from busybox-static: layer tarballs with exact owners, modes,
//! whiteouts and hostile entries, and the archive formats `nook load` reads (an OCI layout,
//! a docker-archive), written the way docker, podman and skopeo write them.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A layer tarball under construction.
pub struct Tar {
    b: tar::Builder<Vec<u8>>,
}

impl Tar {
    pub fn new() -> Self {
        let mut b = tar::Builder::new(Vec::new());
        b.mode(tar::HeaderMode::Complete);
        Self { b }
    }

    fn header(kind: tar::EntryType, mode: u32, uid: u64, gid: u64, size: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(uid);
        h.set_gid(gid);
        h.set_size(size);
        h.set_mtime(1_700_000_000);
        h
    }

    pub fn dir(mut self, path: &str, mode: u32, uid: u64, gid: u64) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, mode, uid, gid, 0);
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    pub fn file(mut self, path: &str, data: &[u8], mode: u32, uid: u64, gid: u64) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, mode, uid, gid, data.len() as u64);
        self.b.append_data(&mut h, path, data).unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0o777, 0, 0, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, 0);
        self.b.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn char_device(mut self, path: &str, major: u32, minor: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Char, 0o666, 0, 0, 0);
        h.set_device_major(major).unwrap();
        h.set_device_minor(minor).unwrap();
        self.b.append_data(&mut h, path, &[][..]).unwrap();
        self
    }

    /// An OCI whiteout: hides `path` of lower layers.
    pub fn whiteout(self, path: &str) -> Self {
        let p = Path::new(path);
        let name = format!(".wh.{}", p.file_name().unwrap().to_str().unwrap());
        let full = p.parent().unwrap().join(name);
        self.file(full.to_str().unwrap(), b"", 0o644, 0, 0)
    }

    /// An OCI opaque marker: hides everything lower layers have in `dir`.
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), b"", 0o644, 0, 0)
    }

    /// An entry whose name is written raw, bypassing the tar crate's path checks.
    pub fn raw_file(mut self, raw_name: &[u8], data: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, 0o644, 0, 0, data.len() as u64);
        let name = &mut h.as_old_mut().name;
        name.fill(0);
        name[..raw_name.len()].copy_from_slice(raw_name);
        h.set_cksum();
        self.b.append(&h, data).unwrap();
        self
    }

    /// A hard link whose target is written raw.
    pub fn raw_hardlink(mut self, path: &str, raw_target: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0o644, 0, 0, 0);
        h.set_path(path).unwrap();
        let link = &mut h.as_old_mut().linkname;
        link.fill(0);
        link[..raw_target.len()].copy_from_slice(raw_target);
        h.set_cksum();
        self.b.append(&h, &[][..]).unwrap();
        self
    }

    /// A file whose name comes from a GNU long-name record, written raw.
    pub fn raw_long_name(mut self, raw_name: &[u8], data: &[u8]) -> Self {
        let mut long = Self::header(
            tar::EntryType::GNULongName,
            0o644,
            0,
            0,
            raw_name.len() as u64 + 1,
        );
        long.set_path("././@LongLink").unwrap();
        long.set_cksum();
        let mut name = raw_name.to_vec();
        name.push(0);
        self.b.append(&long, &name[..]).unwrap();
        self.file("placeholder", data, 0o644, 0, 0)
    }

    /// A file whose name a pax `path` record overrides, written raw.
    pub fn pax_path(mut self, raw_path: &str, data: &[u8]) -> Self {
        self.b
            .append_pax_extensions([("path", raw_path.as_bytes())])
            .unwrap();
        self.file("innocent", data, 0o644, 0, 0)
    }

    /// A file with extended attributes given as pax records.
    pub fn file_with_xattrs(mut self, path: &str, attrs: &[(&str, &[u8])]) -> Self {
        let records: Vec<(String, &[u8])> = attrs
            .iter()
            .map(|(k, v)| (format!("SCHILY.xattr.{k}"), *v))
            .collect();
        self.b
            .append_pax_extensions(records.iter().map(|(k, v)| (k.as_str(), *v)))
            .unwrap();
        self.file(path, b"x", 0o644, 0, 0)
    }

    pub fn finish(self) -> Vec<u8> {
        self.b.into_inner().unwrap()
    }
}

fn busybox_applets() -> &'static Vec<String> {
    static APPLETS: OnceLock<Vec<String>> = OnceLock::new();
    APPLETS.get_or_init(|| {
        let out = Command::new("/bin/busybox")
            .arg("--list")
            .output()
            .expect("busybox-static is installed");
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            // `busybox --list` names busybox itself: a link to itself would replace the binary.
            .filter(|a| *a != "busybox")
            .map(str::to_string)
            .collect()
    })
}

fn busybox_binary() -> &'static Vec<u8> {
    static BIN: OnceLock<Vec<u8>> = OnceLock::new();
    BIN.get_or_init(|| fs::read("/bin/busybox").expect("busybox-static is installed"))
}

pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\n\
    app:x:1000:1000:app:/home/app:/bin/sh\n\
    nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";
pub const GROUP: &str = "root:x:0:\ntty:x:5:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n";

/// A small Linux root filesystem: busybox and its applets, users root, app (1000) and
/// nobody, a world-writable /tmp and app's home owned by app.
pub fn busybox_rootfs() -> Tar {
    busybox_programs()
        .dir("etc", 0o755, 0, 0)
        .file("etc/passwd", PASSWD.as_bytes(), 0o644, 0, 0)
        .file("etc/group", GROUP.as_bytes(), 0o644, 0, 0)
        .dir("tmp", 0o1777, 0, 0)
        .dir("root", 0o700, 0, 0)
        .dir("home", 0o755, 0, 0)
        .dir("home/app", 0o750, 1000, 1000)
        .file("home/app/.profile", b"# app\n", 0o644, 1000, 1000)
}

/// A root filesystem of busybox alone: `/bin`, and nothing else.
pub fn busybox_programs() -> Tar {
    let mut t = Tar::new()
        .dir("./", 0o755, 0, 0)
        .dir("bin", 0o755, 0, 0)
        .file("bin/busybox", busybox_binary(), 0o755, 0, 0);
    for applet in busybox_applets() {
        t = t.symlink(&format!("bin/{applet}"), "busybox");
    }
    t
}

/// The busybox root filesystem plus programs of the host's, with the shared libraries they
/// load (as `ldd` lists them) at the same paths: for tests that need a real server.
pub fn busybox_with_host_programs(programs: &[&str]) -> Tar {
    let paths: Vec<std::path::PathBuf> = programs
        .iter()
        .map(|program| {
            crate::harness::which(program)
                .unwrap_or_else(|| panic!("{program} is not installed: run scripts/setup-host"))
        })
        .collect();
    with_host_files(&paths, true)
}

/// The busybox root filesystem plus the shared libraries `program` loads (not the program
/// itself), at the host's paths.
pub fn busybox_with_libraries_of(program: &Path) -> Tar {
    with_host_files(&[program.to_path_buf()], false)
}

fn with_host_files(programs: &[std::path::PathBuf], with_programs: bool) -> Tar {
    let mut files: Vec<String> = Vec::new();
    for path in programs {
        if with_programs {
            files.push(path.display().to_string());
        }
        let ldd = Command::new("ldd").arg(path).output().unwrap();
        for line in String::from_utf8_lossy(&ldd.stdout).lines() {
            // "libx.so.1 => /lib/.../libx.so.1 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
            let lib = line
                .split("=>")
                .last()
                .and_then(|s| s.split_whitespace().next())
                .filter(|s| s.starts_with('/'));
            if let Some(lib) = lib {
                files.push(lib.to_string());
            }
        }
    }
    files.sort();
    files.dedup();
    let mut t = busybox_rootfs();
    let mut dirs = std::collections::BTreeSet::new();
    for f in &files {
        let rel = f.trim_start_matches('/');
        let mut parent = Path::new(rel).parent();
        let mut chain = Vec::new();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            chain.push(p.display().to_string());
            parent = p.parent();
        }
        for d in chain.into_iter().rev() {
            if !["bin", "etc", "tmp", "root", "home"].contains(&d.as_str())
                && dirs.insert(d.clone())
            {
                t = t.dir(&d, 0o755, 0, 0);
            }
        }
        t = t.file(rel, &fs::read(f).unwrap(), 0o755, 0, 0);
    }
    t
}

/// An image to write into an archive.
pub struct Image {
    /// Layer blobs as stored (possibly compressed), bottom first.
    pub layers: Vec<Vec<u8>>,
    /// The uncompressed tarballs' digests.
    pub diff_ids: Vec<String>,
    pub config: Vec<u8>,
}

impl Image {
    /// An image of these uncompressed layers with `settings` as its config's "config".
    pub fn new(layers: Vec<Vec<u8>>, settings: Value) -> Self {
        let diff_ids: Vec<String> = layers
            .iter()
            .map(|l| format!("sha256:{}", sha256(l)))
            .collect();
        let config = json!({
            "created": "2024-01-02T03:04:05Z",
            "architecture": arch(),
            "os": "linux",
            "config": settings,
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "nook tests"}],
        });
        Self {
            layers,
            diff_ids,
            config: serde_json::to_vec(&config).unwrap(),
        }
    }

    /// The image id docker and podman show for it (the config's digest).
    pub fn id(&self) -> String {
        sha256(&self.config)
    }

    /// Store the first `n` layers gzip-compressed (blob digest then differs from diff id).
    pub fn gzip_layer(mut self, i: usize) -> Self {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &self.layers[i]).unwrap();
        self.layers[i] = gz.finish().unwrap();
        self
    }

    pub fn zstd_layer(mut self, i: usize) -> Self {
        self.layers[i] = zstd::encode_all(&self.layers[i][..], 3).unwrap();
        self
    }

    fn manifest(&self) -> Vec<u8> {
        let layer_type = |l: &[u8]| match l {
            [0x1f, 0x8b, ..] => "application/vnd.oci.image.layer.v1.tar+gzip",
            [0x28, 0xb5, 0x2f, 0xfd, ..] => "application/vnd.oci.image.layer.v1.tar+zstd",
            _ => "application/vnd.oci.image.layer.v1.tar",
        };
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": format!("sha256:{}", self.id()),
                "size": self.config.len(),
            },
            "layers": self.layers.iter().map(|l| json!({
                "mediaType": layer_type(l),
                "digest": format!("sha256:{}", sha256(l)),
                "size": l.len(),
            })).collect::<Vec<_>>(),
        }))
        .unwrap()
    }
}

pub fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Write an OCI image layout into `dir` with `images` named by the ref.name annotation.
pub fn write_oci_layout(dir: &Path, images: &[(&str, &Image)]) {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let mut manifests = Vec::new();
    for (name, image) in images {
        for blob in image.layers.iter().chain([&image.config]) {
            fs::write(blobs.join(sha256(blob)), blob).unwrap();
        }
        let m = image.manifest();
        fs::write(blobs.join(sha256(&m)), &m).unwrap();
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", sha256(&m)),
            "size": m.len(),
            "annotations": {"org.opencontainers.image.ref.name": name},
        }));
    }
    let index = json!({"schemaVersion": 2, "manifests": manifests});
    fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
}

/// `docker save` as Docker 25 and later write it: an OCI layout plus a manifest.json whose
/// Config and Layers point into blobs/sha256.
pub fn docker25_archive(name: &str, image: &Image) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    write_oci_layout(dir.path(), &[(name, image)]);
    let manifest = json!([{
        "Config": format!("blobs/sha256/{}", image.id()),
        "RepoTags": [name],
        "Layers": image.layers.iter().map(|l| format!("blobs/sha256/{}", sha256(l))).collect::<Vec<_>>(),
    }]);
    fs::write(
        dir.path().join("manifest.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();
    tar_dir(dir.path())
}

/// A tarball of a directory's contents.
pub fn tar_dir(dir: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.append_dir_all(".", dir).unwrap();
    b.into_inner().unwrap()
}

/// A docker-archive (the legacy layout `docker save` wrote for years: `<id>/layer.tar`).
pub fn docker_archive(images: &[(&[&str], &Image)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let add = |b: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut manifest = Vec::new();
    for (tags, image) in images {
        let config_name = format!("{}.json", image.id());
        add(&mut b, &config_name, &image.config);
        let mut layers = Vec::new();
        for layer in &image.layers {
            let name = format!("{}/layer.tar", sha256(layer));
            add(&mut b, &name, layer);
            layers.push(name);
        }
        manifest.push(json!({"Config": config_name, "RepoTags": tags, "Layers": layers}));
    }
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}
