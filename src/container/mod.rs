//! Containers on disk: `containers/<id>/{config.json,state.json,upper,work}` and
//! `containers/names/<name>` (a symlink to the id, created atomically, so two `run --name X`
//! racing cannot both win).

pub mod monitor;
pub mod names;

use std::fs;
use std::os::unix::fs::{DirBuilderExt, symlink};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::image::digest::Digest;
use crate::image::store::{Store, StoreError, random_hex, replace_file};
use crate::runtime::launch::ProcessSpec;
use crate::runtime::rootfs::Driver;

#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the container name {name:?} is already in use by container {id}.\n  \
         Remove that container (nook rm {name}) or choose another name"
    )]
    NameInUse { name: String, id: String },
    #[error(
        "invalid container name {0:?}: use letters, digits and _ . - (starting with a letter or digit)"
    )]
    BadName(String),
    #[error("no such container: {0} (`nook ps -a` lists them)")]
    NotFound(String),
    #[error("container prefix {spec:?} is ambiguous; it matches {}", .ids.join(", "))]
    Ambiguous { spec: String, ids: Vec<String> },
    #[error("cannot parse {path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

/// How a container was asked to run; written once, at creation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContainerConfig {
    pub id: String,
    pub name: String,
    /// RFC 3339.
    pub created: String,
    /// The image as the user named it.
    pub image: String,
    pub image_id: Digest,
    /// Layer diff ids, bottom first.
    pub layers: Vec<Digest>,
    pub driver: Driver,
    pub process: ProcessSpec,
    pub hostname: String,
    pub read_only: bool,
    pub read_only_tmpfs: bool,
    pub init: bool,
    pub auto_remove: bool,
    pub capabilities: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    Exited,
}

/// Where a process that may have ended was, so a recycled pid is never mistaken for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessId {
    pub pid: i32,
    /// Start time in clock ticks since boot (field 22 of /proc/PID/stat).
    pub start_ticks: u64,
    pub boot_id: String,
}

impl ProcessId {
    pub fn of(pid: i32) -> Option<Self> {
        Some(Self {
            pid,
            start_ticks: start_ticks(pid)?,
            boot_id: boot_id(),
        })
    }

    pub fn is_alive(&self) -> bool {
        self.boot_id == boot_id() && start_ticks(self.pid) == Some(self.start_ticks)
    }
}

fn start_ticks(pid: i32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields resume after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(19)?.parse().ok()
}

fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// What happened to a container; rewritten atomically as it changes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContainerState {
    pub status: Status,
    pub monitor: Option<ProcessId>,
    /// The container's PID 1, as the host sees it.
    pub init: Option<ProcessId>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub exit_code: Option<i32>,
}

impl ContainerState {
    fn created() -> Self {
        Self {
            status: Status::Created,
            monitor: None,
            init: None,
            started_at: None,
            finished_at: None,
            exit_code: None,
        }
    }

    /// The status as it really is: a container recorded as running whose monitor is gone
    /// (killed, or the machine rebooted) has exited.
    pub fn effective_status(&self) -> Status {
        match (&self.status, &self.monitor) {
            (Status::Running, Some(m)) if m.is_alive() => Status::Running,
            (Status::Running, _) => Status::Exited,
            (s, _) => *s,
        }
    }
}

pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}

/// The containers part of the store.
pub struct Containers<'a> {
    store: &'a Store,
}

impl<'a> Containers<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    pub fn dir(&self, id: &str) -> PathBuf {
        self.store.containers_dir().join(id)
    }
    fn names_dir(&self) -> PathBuf {
        self.store.containers_dir().join("names")
    }
    pub fn upper(&self, id: &str) -> PathBuf {
        self.dir(id).join("upper")
    }
    pub fn work(&self, id: &str) -> PathBuf {
        self.dir(id).join("work")
    }

    /// A new container id: 64 hex digits, as docker's.
    pub fn new_id() -> String {
        random_hex(32)
    }

    /// Create the container's directory and reserve its name. The config's `name` must be
    /// set; an empty one gets a generated name.
    pub fn create(&self, config: &mut ContainerConfig) -> Result<(), ContainerError> {
        let generated = config.name.is_empty();
        if generated {
            config.name = self.free_generated_name();
        } else if !names::valid(&config.name) {
            return Err(ContainerError::BadName(config.name.clone()));
        }
        // The directory comes first: a name then always points at a container that exists
        // (or one being removed), never at one still being made.
        let staging = self.store.tmp_path("container");
        let dest = self.dir(&config.id);
        let made = (|| {
            for d in [staging.clone(), staging.join("upper"), staging.join("work")] {
                fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&d)
                    .map_err(|e| StoreError::io("cannot create", &d, e))?;
            }
            // The container's root directory takes the upper dir's mode.
            set_mode(&staging.join("upper"), 0o755)?;
            write_json(&staging.join("config.json"), config)?;
            write_json(&staging.join("state.json"), &ContainerState::created())?;
            fs::rename(&staging, &dest).map_err(|e| StoreError::io("cannot create", &dest, e))?;
            Ok(())
        })();
        if let Err(e) = made {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        let mut reserved = self.reserve_name(&config.name, &config.id);
        // A generated name taken by a racing `run` meanwhile: pick another.
        for _ in 0..5 {
            if !(generated && matches!(reserved, Err(ContainerError::NameInUse { .. }))) {
                break;
            }
            config.name = self.free_generated_name();
            write_json(&dest.join("config.json"), config)?;
            reserved = self.reserve_name(&config.name, &config.id);
        }
        if let Err(e) = reserved {
            let _ = fs::remove_dir_all(&dest);
            return Err(e);
        }
        Ok(())
    }

    fn reserve_name(&self, name: &str, id: &str) -> Result<(), ContainerError> {
        let dir = self.names_dir();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| StoreError::io("cannot create", &dir, e))?;
        let link = dir.join(name);
        // The symlink alone is atomic; the lock makes "is the holder gone? then take it" one step.
        let _lock = self.store.lock("names")?;
        if let Ok(owner) = fs::read_link(&link) {
            let owner = owner.to_string_lossy().into_owned();
            if self.dir(&owner).join("config.json").is_file() {
                return Err(ContainerError::NameInUse {
                    name: name.to_string(),
                    id: owner,
                });
            }
            // Left by a container that no longer exists.
            let _ = fs::remove_file(&link);
        }
        symlink(id, &link).map_err(|e| StoreError::io("cannot reserve the name", &link, e).into())
    }

    fn free_generated_name(&self) -> String {
        for attempt in 0.. {
            let mut name = names::generate();
            if attempt >= 10 {
                // Many containers: widen the space.
                name = format!("{name}_{}", random_hex(2));
            }
            if fs::symlink_metadata(self.names_dir().join(&name)).is_err() {
                return name;
            }
        }
        unreachable!("the loop only ends by returning")
    }

    pub fn load_config(&self, id: &str) -> Result<ContainerConfig, ContainerError> {
        read_json(&self.dir(id).join("config.json"))
    }

    pub fn load_state(&self, id: &str) -> Result<ContainerState, ContainerError> {
        read_json(&self.dir(id).join("state.json"))
    }

    pub fn save_state(&self, id: &str, state: &ContainerState) -> Result<(), ContainerError> {
        write_json(&self.dir(id).join("state.json"), state)
    }

    /// Ids of every container, oldest first.
    pub fn list(&self) -> Result<Vec<ContainerConfig>, ContainerError> {
        let dir = self.store.containers_dir();
        let entries = fs::read_dir(&dir).map_err(|e| StoreError::io("cannot list", &dir, e))?;
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.len() == 64
                && name.bytes().all(|b| b.is_ascii_hexdigit())
                && let Ok(c) = self.load_config(&name)
            {
                out.push(c);
            }
        }
        out.sort_by(|a, b| a.created.cmp(&b.created));
        Ok(out)
    }

    /// The container a user means: a full id, a unique id prefix, or a name.
    pub fn resolve(&self, spec: &str) -> Result<String, ContainerError> {
        if let Ok(id) = fs::read_link(self.names_dir().join(spec)) {
            let id = id.to_string_lossy().into_owned();
            if self.dir(&id).join("config.json").is_file() {
                return Ok(id);
            }
        }
        if !spec.is_empty() && spec.bytes().all(|b| b.is_ascii_hexdigit()) {
            let ids: Vec<String> = self
                .list()?
                .into_iter()
                .map(|c| c.id)
                .filter(|id| id.starts_with(spec))
                .collect();
            match ids.len() {
                1 => return Ok(ids[0].clone()),
                0 => {}
                _ => {
                    return Err(ContainerError::Ambiguous {
                        spec: spec.to_string(),
                        ids: ids.iter().map(|i| i[..12].to_string()).collect(),
                    });
                }
            }
        }
        Err(ContainerError::NotFound(spec.to_string()))
    }

    /// Delete the container's files and release its name. Files in the writable layer may
    /// belong to mapped ids, so the tree is removed in the user namespace when needed.
    pub fn remove(&self, config: &ContainerConfig) -> Result<(), crate::runtime::jobs::JobError> {
        // Rename first, so a half-removed container never shows up as one.
        let dir = self.dir(&config.id);
        let doomed = self.store.tmp_path("removed-container");
        let target = match fs::rename(&dir, &doomed) {
            Ok(()) => doomed,
            Err(_) => dir,
        };
        let link = self.names_dir().join(&config.name);
        if fs::read_link(&link).is_ok_and(|id| id == Path::new(&config.id)) {
            let _ = fs::remove_file(&link);
        }
        crate::runtime::jobs::remove_trees(&[target])
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), StoreError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| StoreError::io("cannot set the mode of", path, e))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ContainerError> {
    let bytes = serde_json::to_vec_pretty(value).expect("records always serialize");
    replace_file(path, &bytes).map_err(ContainerError::from)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ContainerError> {
    let bytes = fs::read(path).map_err(|e| StoreError::io("cannot read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ContainerError::Parse {
        path: path.to_path_buf(),
        source,
    })
}
