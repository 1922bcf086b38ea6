//! Volumes: `volumes/<name>/_data` (what containers see) and `volumes/<name>/meta.json`, and
//! the parsing of docker's `-v`, `--mount` and `--tmpfs` into mounts.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ContainerError, Containers, names};
use crate::image::store::{Store, StoreError, random_hex, write_atomic};
use crate::runtime::jobs::{self, JobError};
use crate::runtime::launch::{MountKind, MountSpec};

#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("no such volume: {0} (`nook volume ls` lists them)")]
    NotFound(String),
    #[error(
        "invalid volume name {0:?}: use letters, digits and _ . - (starting with a letter or digit)"
    )]
    BadName(String),
    #[error("volume {name} is in use by container(s) {}: remove them first", .containers.join(", "))]
    InUse {
        name: String,
        containers: Vec<String>,
    },
    #[error("invalid {flag} {value:?}: {why}")]
    BadMount {
        flag: &'static str,
        value: String,
        why: String,
    },
    #[error("bind mount source {0} does not exist")]
    MissingSource(PathBuf),
    #[error("cannot create {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("two mounts at {0}")]
    Duplicate(String),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Volume {
    pub name: String,
    /// RFC 3339.
    pub created: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Made for one container (an image's VOLUME, or `-v /path`), not named by the user.
    #[serde(default)]
    pub anonymous: bool,
}

pub struct Volumes<'a> {
    store: &'a Store,
}

impl<'a> Volumes<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    /// Held while volumes are created or removed, and while a container that uses them is
    /// being created, so no volume goes while a new container is about to use it.
    pub fn lock(&self) -> Result<fs::File, VolumeError> {
        Ok(self.store.lock("volumes")?)
    }

    fn root(&self) -> PathBuf {
        self.store.root().join("volumes")
    }

    fn dir(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// What containers mount.
    pub fn data(&self, name: &str) -> PathBuf {
        self.dir(name).join("_data")
    }

    pub fn get(&self, name: &str) -> Result<Volume, VolumeError> {
        let bytes = fs::read(self.dir(name).join("meta.json"))
            .map_err(|_| VolumeError::NotFound(name.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|_| VolumeError::NotFound(name.to_string()))
    }

    /// Create `name` (or a random name); an existing volume of that name is returned as is.
    pub fn create(
        &self,
        name: Option<&str>,
        labels: BTreeMap<String, String>,
        anonymous: bool,
    ) -> Result<Volume, VolumeError> {
        let name = match name {
            Some(n) if !names::valid(n) => return Err(VolumeError::BadName(n.to_string())),
            Some(n) => n.to_string(),
            None => random_hex(32),
        };
        if let Ok(v) = self.get(&name) {
            return Ok(v);
        }
        let volume = Volume {
            name: name.clone(),
            created: super::now_rfc3339(),
            labels,
            anonymous,
        };
        let staging = self.store.tmp_path("volume");
        let made = (|| {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(staging.join("_data"))
                .map_err(|source| VolumeError::Create {
                    path: staging.clone(),
                    source,
                })?;
            write_atomic(
                &staging.join("meta.json"),
                &serde_json::to_vec_pretty(&volume).expect("serializes"),
            )?;
            fs::create_dir_all(self.root()).map_err(|source| VolumeError::Create {
                path: self.root(),
                source,
            })?;
            fs::rename(&staging, self.dir(&name))
                .map_err(|e| StoreError::io("cannot create", &self.dir(&name), e))?;
            Ok(())
        })();
        match made {
            Ok(()) => {
                crate::events::emit(
                    self.store,
                    "volume",
                    "create",
                    &name,
                    &[("driver", "local")],
                );
                Ok(volume)
            }
            // Made by someone else meanwhile.
            Err(_) if self.get(&name).is_ok() => {
                let _ = fs::remove_dir_all(&staging);
                self.get(&name)
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&staging);
                Err(e)
            }
        }
    }

    pub fn list(&self) -> Vec<Volume> {
        let mut out: Vec<Volume> = fs::read_dir(self.root())
            .map(|d| {
                d.flatten()
                    .filter_map(|e| self.get(&e.file_name().to_string_lossy()).ok())
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Names of containers whose mounts use volume `name`.
    pub fn users(&self, name: &str) -> Result<Vec<String>, VolumeError> {
        Ok(Containers::new(self.store)
            .list()?
            .into_iter()
            .filter(|c| {
                c.mounts.iter().any(
                    |m| matches!(&m.kind, MountKind::Bind { volume: Some(v), .. } if v == name),
                )
            })
            .map(|c| c.name)
            .collect())
    }

    /// Remove a volume no container uses (its files may belong to mapped ids).
    pub fn remove(&self, name: &str) -> Result<(), VolumeError> {
        self.get(name)?;
        let users = self.users(name)?;
        if !users.is_empty() {
            return Err(VolumeError::InUse {
                name: name.to_string(),
                containers: users,
            });
        }
        let doomed = self.store.tmp_path("removed-volume");
        fs::rename(self.dir(name), &doomed)
            .map_err(|e| StoreError::io("cannot remove", &self.dir(name), e))?;
        jobs::remove_trees(&[doomed])?;
        crate::events::emit(
            self.store,
            "volume",
            "destroy",
            name,
            &[("driver", "local")],
        );
        Ok(())
    }

    /// Remove the anonymous volumes of a removed container's `mounts` (named ones stay, as
    /// with docker), unless another container uses them.
    pub fn remove_anonymous(&self, mounts: &[MountSpec]) -> Result<(), VolumeError> {
        let _lock = self.lock()?;
        for m in mounts {
            if let MountKind::Bind {
                volume: Some(name), ..
            } = &m.kind
                && self.get(name).is_ok_and(|v| v.anonymous)
                && self.users(name)?.is_empty()
            {
                self.remove(name)?;
            }
        }
        Ok(())
    }

    /// Remove unused volumes: anonymous ones, or all with `all`.
    pub fn prune(&self, all: bool) -> Result<Vec<String>, VolumeError> {
        let mut removed = Vec::new();
        for v in self.list() {
            if (all || v.anonymous) && self.users(&v.name)?.is_empty() {
                self.remove(&v.name)?;
                removed.push(v.name);
            }
        }
        Ok(removed)
    }
}

/// What a `-v`, `--mount` or `--tmpfs` asks for, before volumes exist.
#[derive(Debug, PartialEq, Eq)]
pub enum Wanted {
    Bind {
        source: PathBuf,
        create: bool,
    },
    Volume {
        name: Option<String>,
        copy_up: bool,
    },
    Tmpfs {
        size: Option<String>,
        mode: Option<u32>,
        uid: Option<u32>,
        gid: Option<u32>,
    },
}

fn bad(flag: &'static str, value: &str, why: impl Into<String>) -> VolumeError {
    VolumeError::BadMount {
        flag,
        value: value.to_string(),
        why: why.into(),
    }
}

fn absolute_target(flag: &'static str, value: &str, target: &str) -> Result<String, VolumeError> {
    if !target.starts_with('/') {
        return Err(bad(
            flag,
            value,
            format!("the container path {target:?} is not absolute"),
        ));
    }
    let trimmed = target.trim_end_matches('/');
    Ok(if trimmed.is_empty() { "/" } else { trimmed }.to_string())
}

/// `-v [SOURCE:]TARGET[:OPTIONS]`: SOURCE is a host path (absolute, or starting with `.`,
/// made absolute against `cwd`) or a volume name; alone, TARGET gets an anonymous volume.
fn parse_volume_flag(value: &str, cwd: &Path) -> Result<(String, Wanted, bool), VolumeError> {
    const FLAG: &str = "-v";
    let parts: Vec<&str> = value.split(':').collect();
    let (source, target, opts) = match parts.as_slice() {
        [t] => (None, *t, ""),
        [s, t] if t.starts_with('/') => (Some(*s), *t, ""),
        [t, o] => (None, *t, *o),
        [s, t, o] => (Some(*s), *t, *o),
        _ => return Err(bad(FLAG, value, "expected [SOURCE:]TARGET[:OPTIONS]")),
    };
    let target = absolute_target(FLAG, value, target)?;
    let (mut read_only, mut copy_up) = (false, true);
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o {
            "ro" => read_only = true,
            "rw" => read_only = false,
            "nocopy" => copy_up = false,
            // SELinux relabelling and propagation: nothing to do for nook.
            "z" | "Z" | "rprivate" | "private" => {}
            other => {
                return Err(bad(
                    FLAG,
                    value,
                    format!("unknown option {other:?} (use ro, rw or nocopy)"),
                ));
            }
        }
    }
    let wanted = match source {
        None => Wanted::Volume {
            name: None,
            copy_up,
        },
        Some(s) if s.starts_with('/') || s.starts_with('.') => Wanted::Bind {
            source: cwd.join(s),
            create: true,
        },
        Some(s) if names::valid(s) => Wanted::Volume {
            name: Some(s.to_string()),
            copy_up,
        },
        Some(s) => {
            return Err(bad(
                FLAG,
                value,
                format!("{s:?} is neither an absolute path nor a volume name"),
            ));
        }
    };
    Ok((target, wanted, read_only))
}

/// `--mount type=bind|volume|tmpfs,source=...,target=...[,readonly]...`
fn parse_mount_flag(value: &str, cwd: &Path) -> Result<(String, Wanted, bool), VolumeError> {
    const FLAG: &str = "--mount";
    let mut kv = BTreeMap::new();
    let mut read_only = false;
    for field in value.split(',') {
        match field.split_once('=') {
            Some((k, v)) => {
                kv.insert(k.trim().to_string(), v.trim().to_string());
            }
            None if matches!(field.trim(), "readonly" | "ro") => read_only = true,
            None if field.trim() == "volume-nocopy" => {
                kv.insert("volume-nocopy".to_string(), "true".to_string());
            }
            None => return Err(bad(FLAG, value, format!("{field:?} is not key=value"))),
        }
    }
    if let Some(v) = kv.remove("readonly").or_else(|| kv.remove("ro")) {
        read_only = v != "false" && v != "0";
    }
    let target = kv
        .remove("target")
        .or_else(|| kv.remove("destination"))
        .or_else(|| kv.remove("dst"))
        .ok_or_else(|| bad(FLAG, value, "no target"))?;
    let target = absolute_target(FLAG, value, &target)?;
    let source = kv.remove("source").or_else(|| kv.remove("src"));
    let kind = kv.remove("type").unwrap_or_else(|| "volume".to_string());
    let wanted = match kind.as_str() {
        "bind" => {
            let s = source.ok_or_else(|| bad(FLAG, value, "a bind mount needs a source"))?;
            Wanted::Bind {
                source: cwd.join(s),
                create: false,
            }
        }
        "volume" => Wanted::Volume {
            name: source,
            copy_up: kv.remove("volume-nocopy").is_none_or(|v| v == "false"),
        },
        "tmpfs" => Wanted::Tmpfs {
            size: kv.remove("tmpfs-size"),
            mode: kv
                .remove("tmpfs-mode")
                .map(|m| {
                    u32::from_str_radix(&m, 8).map_err(|_| bad(FLAG, value, "tmpfs-mode is octal"))
                })
                .transpose()?,
            uid: None,
            gid: None,
        },
        other => {
            return Err(bad(
                FLAG,
                value,
                format!("unknown type {other:?} (bind, volume or tmpfs)"),
            ));
        }
    };
    if let Some(k) = kv.keys().next() {
        return Err(bad(FLAG, value, format!("unknown key {k:?}")));
    }
    Ok((target, wanted, read_only))
}

/// `--tmpfs /path[:size=64m,mode=1777,uid=N,gid=N]`
fn parse_tmpfs_flag(value: &str) -> Result<(String, Wanted, bool), VolumeError> {
    const FLAG: &str = "--tmpfs";
    let (target, opts) = value.split_once(':').unwrap_or((value, ""));
    let target = absolute_target(FLAG, value, target)?;
    let (mut size, mut mode, mut read_only) = (None, None, false);
    let (mut uid, mut gid) = (None, None);
    let id = |v: &str| {
        v.parse::<u32>()
            .map(Some)
            .map_err(|_| bad(FLAG, value, "uid and gid are numbers"))
    };
    for o in opts.split(',').filter(|o| !o.is_empty()) {
        match o.split_once('=') {
            Some(("size", s)) => size = Some(s.to_string()),
            Some(("mode", m)) => {
                mode =
                    Some(u32::from_str_radix(m, 8).map_err(|_| bad(FLAG, value, "mode is octal"))?)
            }
            Some(("uid", v)) => uid = id(v)?,
            Some(("gid", v)) => gid = id(v)?,
            None if o == "ro" => read_only = true,
            None if matches!(o, "rw" | "noexec" | "exec" | "nosuid" | "nodev") => {}
            _ => {
                return Err(bad(
                    FLAG,
                    value,
                    format!("unknown option {o:?} (use size=, mode=, uid=, gid= or ro)"),
                ));
            }
        }
    }
    Ok((
        target,
        Wanted::Tmpfs {
            size,
            mode,
            uid,
            gid,
        },
        read_only,
    ))
}

/// The mount flags of `run` and `create`.
pub struct MountFlags<'a> {
    pub volumes: &'a [String],
    pub mounts: &'a [String],
    pub tmpfs: &'a [String],
    pub devices: &'a [String],
}

/// `--device HOST[:CONTAINER][:PERMISSIONS]`: a host device node (or a directory of them,
/// such as /dev/dri) bound in at CONTAINER (default: the same path). A user namespace can
/// neither make device nodes nor keep a device cgroup, so what the container may do with
/// it is what the node's own permissions let you do; PERMISSIONS (r, w, m) are accepted as
/// docker takes them and change nothing.
fn parse_device_flag(value: &str) -> Result<(String, Wanted, bool), VolumeError> {
    const FLAG: &str = "--device";
    let parts: Vec<&str> = value.split(':').collect();
    let is_perms = |p: &str| !p.is_empty() && p.chars().all(|c| "rwm".contains(c));
    let (host, target) = match parts.as_slice() {
        [host] => (*host, *host),
        [host, p] if is_perms(p) => (*host, *host),
        [host, target] | [host, target, _] => (*host, *target),
        _ => return Err(bad(FLAG, value, "use HOST[:CONTAINER][:PERMISSIONS]")),
    };
    if let [_, _, p] = parts.as_slice()
        && !is_perms(p)
    {
        return Err(bad(FLAG, value, "permissions are letters of rwm"));
    }
    if !host.starts_with('/') {
        return Err(bad(FLAG, value, "the host path must be absolute"));
    }
    let target = absolute_target(FLAG, value, target)?;
    use std::os::unix::fs::FileTypeExt;
    let kind = fs::metadata(host)
        .map_err(|e| bad(FLAG, value, format!("{host}: {e}")))?
        .file_type();
    if !(kind.is_char_device() || kind.is_block_device() || kind.is_dir()) {
        return Err(bad(
            FLAG,
            value,
            format!("{host} is not a device (nor a directory of them)"),
        ));
    }
    // What the container may do with a device is what you may: one you cannot open is of no
    // use there either.
    use nix::unistd::{AccessFlags, access};
    if !kind.is_dir() && access(host, AccessFlags::R_OK | AccessFlags::W_OK).is_err() {
        return Err(bad(
            FLAG,
            value,
            format!(
                "you cannot open {host} (its mode and group do not let you): ask for access \
                 (on most machines a group such as video, render or kvm), or leave it out"
            ),
        ));
    }
    Ok((
        target,
        Wanted::Bind {
            source: PathBuf::from(host),
            create: false,
        },
        false,
    ))
}

/// What `-v`, `--mount`, `--tmpfs` and `--device` flags ask for: (target, what, read-only)
/// each, no target twice.
pub fn parse_flags(
    flags: &MountFlags<'_>,
    cwd: &Path,
) -> Result<Vec<(String, Wanted, bool)>, VolumeError> {
    let mut wanted = Vec::new();
    for d in flags.devices {
        wanted.push(parse_device_flag(d)?);
    }
    for v in flags.volumes {
        wanted.push(parse_volume_flag(v, cwd)?);
    }
    for m in flags.mounts {
        wanted.push(parse_mount_flag(m, cwd)?);
    }
    for t in flags.tmpfs {
        wanted.push(parse_tmpfs_flag(t)?);
    }
    let mut seen = std::collections::HashSet::new();
    for (target, _, _) in &wanted {
        if !seen.insert(target.clone()) {
            return Err(VolumeError::Duplicate(target.clone()));
        }
    }
    Ok(wanted)
}

/// Turn `-v`, `--mount`, `--tmpfs` and `--device` flags, and the image's VOLUME paths nothing
/// else covers, into mounts, creating the volumes (and missing `-v` host directories) they
/// need.
pub fn resolve_mounts(
    store: &Store,
    flags: &MountFlags<'_>,
    image_volumes: &[String],
    cwd: &Path,
) -> Result<Vec<MountSpec>, VolumeError> {
    let mut wanted = parse_flags(flags, cwd)?;
    let seen: std::collections::HashSet<String> =
        wanted.iter().map(|(target, _, _)| target.clone()).collect();
    for path in image_volumes {
        let target = path.trim_end_matches('/').to_string();
        if !target.is_empty() && !seen.contains(&target) {
            wanted.push((
                target,
                Wanted::Volume {
                    name: None,
                    copy_up: true,
                },
                false,
            ));
        }
    }
    let volumes = Volumes::new(store);
    let mut mounts = Vec::new();
    for (target, want, read_only) in wanted {
        let kind = match want {
            Wanted::Bind { source, create } => {
                if !source.exists() {
                    if !create {
                        return Err(VolumeError::MissingSource(source));
                    }
                    // As docker does for -v: make the missing host directory.
                    fs::create_dir_all(&source).map_err(|e| VolumeError::Create {
                        path: source.clone(),
                        source: e,
                    })?;
                }
                MountKind::Bind {
                    source,
                    volume: None,
                    copy_up: false,
                }
            }
            Wanted::Volume { name, copy_up } => {
                let anonymous = name.is_none();
                let v = volumes.create(name.as_deref(), BTreeMap::new(), anonymous)?;
                MountKind::Bind {
                    source: volumes.data(&v.name),
                    volume: Some(v.name),
                    copy_up,
                }
            }
            Wanted::Tmpfs {
                size,
                mode,
                uid,
                gid,
            } => MountKind::Tmpfs {
                size,
                mode,
                uid,
                gid,
            },
        };
        mounts.push(MountSpec {
            target,
            kind,
            read_only,
        });
    }
    Ok(mounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_flags() {
        let cwd = Path::new("/work");
        let (t, w, ro) = parse_volume_flag("data:/var/lib/db:ro", cwd).unwrap();
        assert_eq!(t, "/var/lib/db");
        assert!(ro);
        assert_eq!(
            w,
            Wanted::Volume {
                name: Some("data".into()),
                copy_up: true
            }
        );
        let (_, w, _) = parse_volume_flag("./src:/src", cwd).unwrap();
        assert_eq!(
            w,
            Wanted::Bind {
                source: PathBuf::from("/work/./src"),
                create: true
            }
        );
        let (t, w, _) = parse_volume_flag("/cache", cwd).unwrap();
        assert_eq!(
            (t.as_str(), w),
            (
                "/cache",
                Wanted::Volume {
                    name: None,
                    copy_up: true
                }
            )
        );
        let (_, w, _) = parse_volume_flag("v:/x:nocopy", cwd).unwrap();
        assert_eq!(
            w,
            Wanted::Volume {
                name: Some("v".into()),
                copy_up: false
            }
        );
        assert!(parse_volume_flag("v:relative", cwd).is_err());
        assert!(parse_volume_flag("a:/b:bogus", cwd).is_err());
        assert!(parse_volume_flag("a:b:c:d", cwd).is_err());
    }

    #[test]
    fn mount_and_tmpfs_flags() {
        let cwd = Path::new("/work");
        let (t, w, ro) =
            parse_mount_flag("type=bind,source=/etc,target=/host-etc,readonly", cwd).unwrap();
        assert_eq!((t.as_str(), ro), ("/host-etc", true));
        assert_eq!(
            w,
            Wanted::Bind {
                source: PathBuf::from("/etc"),
                create: false
            }
        );
        let (_, w, _) = parse_mount_flag(
            "type=tmpfs,dst=/scratch,tmpfs-size=64m,tmpfs-mode=1770",
            cwd,
        )
        .unwrap();
        assert_eq!(
            w,
            Wanted::Tmpfs {
                size: Some("64m".into()),
                mode: Some(0o1770),
                uid: None,
                gid: None,
            }
        );
        let (_, w, _) = parse_mount_flag("src=cache,target=/c,volume-nocopy", cwd).unwrap();
        assert_eq!(
            w,
            Wanted::Volume {
                name: Some("cache".into()),
                copy_up: false
            }
        );
        assert!(parse_mount_flag("type=bind,target=/x", cwd).is_err());
        assert!(parse_mount_flag("type=nfs,target=/x", cwd).is_err());
        assert!(parse_mount_flag("source=a,target=/x,color=blue", cwd).is_err());
        let (t, w, _) = parse_tmpfs_flag("/run/app:size=1m,mode=700,uid=1000,gid=10").unwrap();
        assert_eq!(t, "/run/app");
        assert_eq!(
            w,
            Wanted::Tmpfs {
                size: Some("1m".into()),
                mode: Some(0o700),
                uid: Some(1000),
                gid: Some(10),
            }
        );
        assert!(parse_tmpfs_flag("/x:uid=me").is_err());
        assert!(parse_tmpfs_flag("relative").is_err());
    }
}
