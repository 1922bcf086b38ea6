//! Containers on disk: `containers/<id>/{config.json,state.json,upper,work}` and
//! `containers/names/<name>` (a symlink to the id, created atomically, so two `run --name X`
//! racing cannot both win).

pub mod copy;
pub mod health;
pub mod identity;
pub mod logs;
pub mod monitor;
pub mod names;
pub mod net;
pub mod snapshot;
pub mod volume;

use std::fs;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, symlink};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::image::digest::Digest;
use crate::image::store::{INIT_LAYER_DIRS, Store, StoreError, random_hex, replace_file};
use crate::runtime::idmap::{IdMap, KeepId};
use crate::runtime::launch::{MountSpec, ProcessSpec};
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
    #[error(transparent)]
    Remove(#[from] crate::runtime::jobs::JobError),
    #[error(
        "--userns keep-id needs subordinate ids up to {uid} (your uid) in /etc/subuid and \
         /etc/subgid.\n  Fix: sudo usermod --add-subuids 100000-165535 --add-subgids \
         100000-165535 $USER"
    )]
    KeepId { uid: u32 },
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
    #[serde(default)]
    pub restart: RestartPolicy,
    #[serde(default)]
    pub mounts: Vec<MountSpec>,
    /// The signal `stop` sends first (default SIGTERM).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    /// Seconds `stop` waits before SIGKILL (`--stop-timeout`; default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u64>,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub network: crate::network::NetworkConfig,
    #[serde(default)]
    pub security: crate::runtime::launch::Security,
    /// `--privileged`: every capability, no seccomp, no masked paths.
    #[serde(default)]
    pub privileged: bool,
    /// The `--security-opt` values given, as given (for inspect).
    #[serde(default)]
    pub security_opt: Vec<String>,
    /// Its cgroup and limits, when it gets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<crate::cgroups::CgroupConfig>,
    /// `--userns keep-id`: these ids inside are you.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_id: Option<KeepId>,
    /// `--shm-size`, in bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shm_size: Option<u64>,
    /// `--pid host`: no pid namespace of its own; the host's processes are in view.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pid_host: bool,
    /// `--sysctl` settings of its namespaces.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub sysctls: std::collections::BTreeMap<String, String>,
    /// Its health check (`--health-*`, or the image's HEALTHCHECK).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<health::HealthCheck>,
    /// How much of its output is kept (containers made before limits: the defaults).
    #[serde(default)]
    pub log: logs::LogLimits,
}

impl ContainerConfig {
    /// The id map of its user namespace, from the user's `map`.
    pub fn idmap(&self, map: IdMap) -> Result<IdMap, ContainerError> {
        match self.keep_id {
            None => Ok(map),
            Some(keep) => map
                .keep_id(keep)
                .ok_or(ContainerError::KeepId { uid: keep.uid }),
        }
    }

    /// The layers of its root filesystem, topmost first: its image's, under the store's init
    /// layer (see [`Store::init_layer`]) when that can go there. It cannot for a keep-id
    /// container, whose root would see the init layer's directories as the user's, nor over
    /// an image with something else than a directory where the init layer has one, which it
    /// would hide.
    pub fn root_lowers(&self, store: &Store) -> Vec<PathBuf> {
        let mut lowers = self.lowers(store);
        if self.keep_id.is_none()
            && INIT_LAYER_DIRS
                .iter()
                .all(|name| a_directory_or_nothing(&lowers, name))
            && let Some(init) = store.init_layer()
        {
            lowers.insert(0, init);
        }
        lowers
    }

    /// Its image's layer trees, topmost first (as its id map needs them).
    pub fn lowers(&self, store: &Store) -> Vec<PathBuf> {
        self.layers
            .iter()
            .rev()
            .map(|d| match self.keep_id {
                Some(keep) => store.keep_layer_diff(d, keep),
                None => store.layer_diff(d),
            })
            .collect()
    }
}

/// The file a container's monitor locked in nooks from before its lock was the container's
/// directory (see `Containers::monitor_lock`): a container one of them started may still run.
const EARLIER_MONITOR_LOCK: &str = "monitor.lock";

/// Whether someone holds a lock (flock) on `path`.
fn locked(path: &Path) -> bool {
    match fs::File::open(path) {
        Ok(f) => matches!(f.try_lock_shared(), Err(fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// Whether `/NAME` is a directory, or absent, in the image of these layers (topmost first):
/// the topmost layer that has an entry for it decides (a whiteout, a character device, is
/// an absence).
fn a_directory_or_nothing(lowers: &[PathBuf], name: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    for layer in lowers {
        match fs::symlink_metadata(layer.join(name)) {
            Ok(meta) => return meta.is_dir() || meta.file_type().is_char_device(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return false,
        }
    }
    true
}

/// When the monitor starts a container again after it exits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "name")]
pub enum RestartPolicy {
    #[default]
    No,
    /// After a non-zero exit, at most `max` times (unlimited when `None`).
    OnFailure {
        max: Option<u32>,
    },
    Always,
}

impl std::str::FromStr for RestartPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            None if s == "no" => Ok(RestartPolicy::No),
            None if s == "always" => Ok(RestartPolicy::Always),
            None if s == "on-failure" => Ok(RestartPolicy::OnFailure { max: None }),
            Some(("on-failure", n)) => n
                .parse()
                .map(|max| RestartPolicy::OnFailure { max: Some(max) })
                .map_err(|_| format!("invalid retry count {n:?} in --restart on-failure:N")),
            _ => Err(format!(
                "invalid restart policy {s:?}: use no, always, on-failure or on-failure:N"
            )),
        }
    }
}

impl std::fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestartPolicy::No => f.write_str("no"),
            RestartPolicy::Always => f.write_str("always"),
            RestartPolicy::OnFailure { max: None } => f.write_str("on-failure"),
            RestartPolicy::OnFailure { max: Some(n) } => write!(f, "on-failure:{n}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Running,
    /// Exited, and its monitor waits to start it again (restart policy).
    Restarting,
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

    /// Process `pid` that started at `start_ticks`, on this boot.
    pub fn at(pid: i32, start_ticks: u64) -> Self {
        Self {
            pid,
            start_ticks,
            boot_id: boot_id(),
        }
    }

    pub fn is_alive(&self) -> bool {
        self.boot_id == boot_id() && start_ticks(self.pid) == Some(self.start_ticks)
    }

    /// A pidfd for the process, if it is still the one recorded: checked after the pidfd is
    /// open, so the descriptor cannot refer to a process that reused the pid.
    pub fn open(&self) -> Option<std::os::fd::OwnedFd> {
        let fd = crate::sys::pidfd_open(nix::unistd::Pid::from_raw(self.pid)).ok()?;
        self.is_alive().then_some(fd)
    }
}

/// Field `n` (1-based, as proc(5) numbers them, from 3 on) of /proc/PID/stat.
fn stat_field(pid: i32, n: usize) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; fields resume after its closing ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split(' ').nth(n - 3)?.parse().ok()
}

fn start_ticks(pid: i32) -> Option<u64> {
    stat_field(pid, 22)
}

/// This boot of the machine (`/proc/sys/kernel/random/boot_id`).
pub(crate) fn boot_id() -> String {
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
    /// Why it could not start, or why its status is unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Starts by the restart policy.
    #[serde(default)]
    pub restart_count: u32,
    /// How it is reached while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<NetworkState>,
    /// Its cgroup while it runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroup: Option<crate::cgroups::Placed>,
    /// The last run ended with a process killed for want of memory.
    #[serde(default)]
    pub oom_killed: bool,
}

/// A running container's addresses and published ports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkState {
    /// Its address (as pasta gives it: the host's), if it has one.
    pub address: Option<std::net::IpAddr>,
    pub gateway: Option<std::net::IpAddr>,
    pub ports: Vec<crate::network::PortBinding>,
    /// Its address on its (first) user network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_address: Option<std::net::Ipv4Addr>,
    /// Its addresses on its further user networks, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_addresses: Vec<(String, std::net::Ipv4Addr)>,
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
            error: None,
            restart_count: 0,
            network: None,
            cgroup: None,
            oom_killed: false,
        }
    }

    /// The container's PID 1 while it runs.
    pub fn running_init(&self) -> Option<&ProcessId> {
        self.init
            .as_ref()
            .filter(|_| self.status == Status::Running)
    }

    /// A process in all of the running container's namespaces that nook may enter and
    /// inspect, as its host pid and a pidfd: its PID 1, or, under `--init` (where PID 1 is
    /// nook's own and closed to everyone), the first child of PID 1.
    pub fn entry(&self, init: bool) -> Option<(i32, std::os::fd::OwnedFd)> {
        let pid1 = self.running_init()?;
        let fd = pid1.open()?;
        if !init {
            return Some((pid1.pid, fd));
        }
        let children = fs::read_to_string(format!("/proc/{0}/task/{0}/children", pid1.pid)).ok()?;
        children
            .split_whitespace()
            .filter_map(|c| c.parse::<i32>().ok())
            .find_map(|pid| {
                let fd = crate::sys::pidfd_open(nix::unistd::Pid::from_raw(pid)).ok()?;
                // Checked once the pidfd is open: still PID 1's child, not a recycled pid.
                let parent = stat_field(pid, 4).and_then(|p| i32::try_from(p).ok());
                (parent == Some(pid1.pid) && pid1.is_alive()).then_some((pid, fd))
            })
    }

    /// The published ports while it runs.
    pub fn ports(&self) -> &[crate::network::PortBinding] {
        match (&self.network, self.status) {
            (Some(n), Status::Running) => &n.ports,
            _ => &[],
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
    pub fn store(&self) -> &'a Store {
        self.store
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
    /// The fifo `nook attach` writes a detached `-i` container's input to, while it runs.
    pub fn attach_fifo(&self, id: &str) -> PathBuf {
        self.dir(id).join("attach.fifo")
    }
    pub fn log(&self, id: &str) -> PathBuf {
        self.dir(id).join("ctr.log")
    }
    /// What the container has only while it runs, written again at each start:
    /// `$XDG_RUNTIME_DIR/nook/containers/<id>/` (a tmpfs in a login session), as podman's
    /// run directory.
    pub fn run_dir(&self, id: &str) -> PathBuf {
        crate::config::runtime_root(self.store.root())
            .join("containers")
            .join(id)
    }
    /// The container's own `/etc/hosts`, `/etc/resolv.conf` or `/etc/hostname`, in its run
    /// directory.
    pub fn etc_file(&self, id: &str, name: &str) -> PathBuf {
        self.run_dir(id).join(name)
    }
    /// Present while the user has stopped the container: the restart policy then waits.
    pub fn stop_marker(&self, id: &str) -> PathBuf {
        self.dir(id).join("stopped-by-user")
    }
    /// Locked (flock) by the container's monitor for as long as it lives, and by nothing
    /// else: the kernel drops the lock when the monitor dies, however it dies, so a held lock
    /// is proof of a live monitor, and no second monitor can start the container. It is the
    /// container's directory itself, which is there anyway: no lock file is made at each
    /// start.
    fn monitor_lock(&self, id: &str) -> PathBuf {
        self.dir(id)
    }

    /// Is a monitor watching the container now?
    pub fn monitor_alive(&self, id: &str) -> bool {
        locked(&self.monitor_lock(id)) || locked(&self.dir(id).join(EARLIER_MONITOR_LOCK))
    }

    /// Shared-locked by each `nook wait` (and `start -a`) until it has read the exit status;
    /// the monitor of a `--rm` container takes it exclusively before removing the record.
    /// The first waiter makes it: a container that nobody waits for has none.
    fn wait_lock(&self, id: &str) -> PathBuf {
        self.dir(id).join("wait.lock")
    }

    /// Keep the container's record until this guard drops (see [`Self::wait_lock`]).
    pub fn hold_for_waiting(&self, id: &str) -> Result<fs::File, ContainerError> {
        let path = self.wait_lock(id);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StoreError::io("cannot open", &path, e))?;
        file.lock_shared()
            .map_err(|e| StoreError::io("cannot lock", &path, e))?;
        Ok(file)
    }

    /// Wait until every `nook wait` has read the exit status: `None` if none has begun (a
    /// waiter that begins later finds the exit status, or the container gone, as it would
    /// a moment later), or the lock cannot be taken.
    pub fn wait_until_read(&self, id: &str) -> Option<fs::File> {
        let file = fs::File::open(self.wait_lock(id)).ok()?;
        file.lock().ok()?;
        Some(file)
    }

    /// Become the container's monitor: `None` if another monitor already is.
    pub fn take_monitor_lock(&self, id: &str) -> Result<Option<fs::File>, ContainerError> {
        let path = self.monitor_lock(id);
        let file = fs::File::open(&path).map_err(|e| StoreError::io("cannot open", &path, e))?;
        match file.try_lock() {
            // (a monitor of a nook from before the lock was the directory's)
            Ok(()) if locked(&self.dir(id).join(EARLIER_MONITOR_LOCK)) => Ok(None),
            Ok(()) => Ok(Some(file)),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(StoreError::io("cannot lock", &path, e).into()),
        }
    }

    /// A new container id: 64 hex digits, as docker's.
    pub fn new_id() -> String {
        random_hex(32)
    }

    /// Create the container's directory and reserve its name. The config's `name` must be
    /// set; an empty one gets a generated name.
    pub fn create(&self, config: &mut ContainerConfig) -> Result<(), ContainerError> {
        self.create_with(config, |_, _| {})
    }

    /// [`Self::create`], calling `made` as soon as the container's directory exists (not yet
    /// where it goes: its path is given) with its empty writable layer (`upper`, `work`).
    pub fn create_with(
        &self,
        config: &mut ContainerConfig,
        made: impl FnOnce(&ContainerConfig, &Path),
    ) -> Result<(), ContainerError> {
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
            made(config, &staging);
            // Nothing else looks into the staging directory: written in place, not renamed.
            write_new_json(&staging.join("config.json"), config)?;
            write_new_json(&staging.join("state.json"), &ContainerState::created())?;
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
        crate::events::container(self.store, config, "create", &[]);
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

    /// Give container `id` the name `new`: reserved first (so it cannot be taken meanwhile),
    /// then recorded, then the old name released.
    pub fn rename(&self, id: &str, new: &str) -> Result<(), ContainerError> {
        if !names::valid(new) {
            return Err(ContainerError::BadName(new.to_string()));
        }
        let mut config = self.load_config(id)?;
        if config.name == new {
            return Ok(());
        }
        self.reserve_name(new, id)?;
        let old = std::mem::replace(&mut config.name, new.to_string());
        if let Err(e) = write_json(&self.dir(id).join("config.json"), &config) {
            let _ = fs::remove_file(self.names_dir().join(new));
            return Err(e);
        }
        let link = self.names_dir().join(&old);
        if fs::read_link(&link).is_ok_and(|owner| owner == Path::new(id)) {
            let _ = fs::remove_file(&link);
        }
        crate::events::container(self.store, &config, "rename", &[("oldName", &old)]);
        Ok(())
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

    /// Replace a container's config (atomically).
    pub fn save_config(&self, config: &ContainerConfig) -> Result<(), ContainerError> {
        write_json(&self.dir(&config.id).join("config.json"), config)
    }

    pub fn load_config(&self, id: &str) -> Result<ContainerConfig, ContainerError> {
        read_json(&self.dir(id).join("config.json"))
    }

    /// The container's state as it really is: one recorded as running or restarting whose
    /// monitor is gone (killed, or the machine rebooted) has exited, with an unknown status.
    pub fn load_state(&self, id: &str) -> Result<ContainerState, ContainerError> {
        let mut state: ContainerState = match read_json(&self.dir(id).join("state.json")) {
            Ok(state) => state,
            // It is not waited for on disk (see `save_state`): a power cut soon after it was
            // written may leave it empty.
            Err(ContainerError::Parse { .. }) => ContainerState {
                status: Status::Exited,
                error: Some(
                    "the container's state was lost when the machine went down".to_string(),
                ),
                ..ContainerState::created()
            },
            Err(e) => return Err(e),
        };
        let was = state.status;
        if matches!(was, Status::Running | Status::Restarting) && !self.monitor_alive(id) {
            state.status = Status::Exited;
            // Between two runs, the last exit status stands; during a run, it is unknown.
            if was == Status::Running {
                state.exit_code = None;
                state.error.get_or_insert_with(|| {
                    "the container's monitor ended without recording how the container exited \
                     (killed, or the machine restarted)"
                        .to_string()
                });
            }
        }
        Ok(state)
    }

    /// Record the container's state. It changes several times in a short life (created,
    /// running, exited, and then gone with `--rm`), so it is exchanged into place without
    /// waiting for the disk or making the filesystem write it back early.
    pub fn save_state(
        &self,
        config: &ContainerConfig,
        state: &ContainerState,
    ) -> Result<(), ContainerError> {
        let bytes = serde_json::to_vec_pretty(state).expect("records always serialize");
        let dir = self.dir(&config.id);
        let path = dir.join("state.json");
        // A container that filled the disk still has its exit recorded, from a spare kept
        // beside it; one removed as it exits (--rm) is not worth the blocks that costs at
        // every start, as its exit status goes to whoever started it.
        match config.auto_remove {
            true => crate::image::store::replace_file_unreserved(&path, &bytes),
            false => {
                crate::image::store::replace_file_reserved(&path, &bytes, &dir.join("state.spare"))
            }
        }
        .map_err(ContainerError::from)
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

    /// Whether the container still has the name `config` gives it (it may have been renamed
    /// since `config` was read).
    pub fn still_named(&self, config: &ContainerConfig) -> bool {
        fs::read_link(self.names_dir().join(&config.name))
            .is_ok_and(|id| id == Path::new(&config.id))
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
    /// Remove every container that is not running; their ids.
    pub fn prune(&self) -> Result<Vec<String>, ContainerError> {
        let mut removed = Vec::new();
        for config in self.list()? {
            if !self.monitor_alive(&config.id) {
                self.remove(&config)?;
                removed.push(config.id);
            }
        }
        Ok(removed)
    }

    pub fn remove(&self, config: &ContainerConfig) -> Result<(), crate::runtime::jobs::JobError> {
        self.remove_after(config, || {})
    }

    /// [`Self::remove`], for a container whose writable layer (`upper`, `work`) its keeper
    /// is deleting until `layer_gone` returns: the rest goes meanwhile.
    pub fn remove_after(
        &self,
        config: &ContainerConfig,
        layer_gone: impl FnOnce(),
    ) -> Result<(), crate::runtime::jobs::JobError> {
        use crate::runtime::jobs;
        // Made again at a start: it goes first, so that no run directory outlives its
        // container.
        let _ = fs::remove_dir_all(self.run_dir(&config.id));
        // Rename first, so a half-removed container never shows up as one.
        let target = self
            .store
            .move_aside(&self.dir(&config.id), "removed-container");
        if self.still_named(config) {
            let _ = fs::remove_file(self.names_dir().join(&config.name));
        }
        crate::events::container(self.store, config, "destroy", &[]);
        // (Whatever cannot go now goes below: the layer too, if its keeper is gone.)
        if let Ok(dir) = jobs::open_dir(&target)
            && let Ok(names) = jobs::dir_names(&dir)
        {
            for name in names.iter().filter(|n| *n != "upper" && *n != "work") {
                let _ = jobs::remove_tree_in(&dir, name);
            }
        }
        layer_gone();
        jobs::remove_trees(&[target])
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

/// Write a new file (none may be there yet) in one go.
fn write_new_json<T: Serialize>(path: &Path, value: &T) -> Result<(), ContainerError> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let bytes = serde_json::to_vec_pretty(value).expect("records always serialize");
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| StoreError::io("cannot write", path, e).into())
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ContainerError> {
    let bytes = fs::read(path).map_err(|e| StoreError::io("cannot read", path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ContainerError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lock on the container's directory, and the lock file of a monitor started by a
    /// nook from before: either is a live monitor, and no second one takes over.
    #[test]
    fn a_live_monitor_is_seen_whichever_nook_started_it() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::open(d.path()).unwrap();
        let containers = Containers::new(&store);
        let id = "a".repeat(64);
        fs::create_dir_all(containers.upper(&id)).unwrap();
        assert!(!containers.monitor_alive(&id));
        let ours = containers
            .take_monitor_lock(&id)
            .unwrap()
            .expect("no monitor yet");
        assert!(containers.monitor_alive(&id));
        assert!(containers.take_monitor_lock(&id).unwrap().is_none());
        drop(ours);
        assert!(!containers.monitor_alive(&id));
        let earlier = fs::File::create(containers.dir(&id).join(EARLIER_MONITOR_LOCK)).unwrap();
        earlier.lock().unwrap();
        assert!(containers.monitor_alive(&id));
        assert!(containers.take_monitor_lock(&id).unwrap().is_none());
    }
}
