//! Resource limits through cgroup v2.
//!
//! A container gets a cgroup of its own when this machine can give one: from the systemd
//! user manager (a transient scope with `Delegate=yes`, see [`systemd`]), or, without a user
//! bus, directly in a delegated subtree that is writable (see [`v2`]). The limits sit on that
//! cgroup; the container's processes live in a leaf below it (`container`), which becomes the
//! root of the container's cgroup namespace.
//!
//! A limit that was asked for and cannot be enforced is an error that says why and how to
//! fix it, never a run without the limit. Defaults (podman's 2048 pids) apply only where a
//! cgroup is given anyway.

pub mod systemd;
pub mod v2;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the v2 hierarchy is mounted on a unified host.
pub const ROOT: &str = "/sys/fs/cgroup";

/// podman's default `--pids-limit`.
pub const DEFAULT_PIDS_LIMIT: u64 = 2048;

/// The leaf, below a container's cgroup, that its processes live in.
pub const LEAF: &str = "container";

#[derive(Debug, thiserror::Error)]
pub enum CgroupError {
    #[error("invalid {flag} value `{value}`: {why}")]
    Invalid {
        flag: &'static str,
        value: String,
        why: &'static str,
    },
    #[error(
        "{what} cannot be enforced here: {why}\n  {fix}\n  To run without limits on purpose: \
         --cgroups disabled (or `cgroups = \"disabled\"` under [containers] in config.toml)"
    )]
    Unavailable {
        what: String,
        why: String,
        fix: String,
    },
    #[error("--cgroups disabled conflicts with {0}: drop one of them")]
    Conflict(String),
    #[error("systemd user manager: {0}")]
    Systemd(String),
    #[error("cgroup {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("this container has no cgroup ({0})")]
    None(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> CgroupError + '_ {
    move |source| CgroupError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A cgroup v2 limit: a number, or no limit (`max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Max {
    Limit(u64),
    Unlimited,
}

impl Max {
    fn file_value(self) -> String {
        match self {
            Max::Limit(n) => n.to_string(),
            Max::Unlimited => "max".to_string(),
        }
    }
}

/// The limits of one container, in cgroup v2 terms.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// `memory.max`, bytes.
    pub memory: Option<u64>,
    /// `memory.swap.max` (docker's `--memory-swap` is memory and swap together).
    pub swap: Option<Max>,
    /// `memory.low`, bytes.
    pub memory_low: Option<u64>,
    /// `cpu.max` quota, microseconds per 100 ms period.
    pub cpu_quota: Option<u64>,
    /// `cpu.weight`, 1..=10000.
    pub cpu_weight: Option<u64>,
    /// `cpuset.cpus`.
    pub cpuset_cpus: Option<String>,
    /// `pids.max`.
    pub pids: Option<Max>,
    /// `io.weight`, 1..=10000.
    pub io_weight: Option<u64>,
}

/// The cpu.max period nook uses, as docker and systemd do.
pub const CPU_PERIOD_US: u64 = 100_000;

impl Limits {
    /// The controllers these limits need.
    pub fn controllers(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.memory.is_some() || self.swap.is_some() || self.memory_low.is_some() {
            out.push("memory");
        }
        if self.cpu_quota.is_some() || self.cpu_weight.is_some() {
            out.push("cpu");
        }
        if self.cpuset_cpus.is_some() {
            out.push("cpuset");
        }
        if self.pids.is_some() {
            out.push("pids");
        }
        if self.io_weight.is_some() {
            out.push("io");
        }
        out
    }

    /// The controllers these limits need that are not among `available`.
    pub fn missing(&self, available: &[String]) -> Vec<&'static str> {
        self.controllers()
            .into_iter()
            .filter(|c| !available.iter().any(|a| a == c))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.controllers().is_empty()
    }

    /// These limits without those that lift a bound (`--pids-limit -1`): what needs a
    /// cgroup to be enforced.
    fn bounding(&self) -> Limits {
        let bound = |m: Option<Max>| m.filter(|m| *m != Max::Unlimited);
        Limits {
            swap: bound(self.swap),
            pids: bound(self.pids),
            ..self.clone()
        }
    }

    /// The flags that set these limits, for messages.
    pub fn flags(&self) -> String {
        let mut out = Vec::new();
        let mut add = |set: bool, flag: &str| {
            if set {
                out.push(flag.to_string())
            }
        };
        add(self.memory.is_some(), "--memory");
        add(self.swap.is_some(), "--memory-swap");
        add(self.memory_low.is_some(), "--memory-reservation");
        add(self.cpu_quota.is_some(), "--cpus");
        add(self.cpu_weight.is_some(), "--cpu-weight");
        add(self.cpuset_cpus.is_some(), "--cpuset-cpus");
        add(self.pids.is_some(), "--pids-limit");
        add(self.io_weight.is_some(), "--io-weight");
        out.join(", ")
    }

    /// `other`'s limits over these.
    pub fn merged(&self, other: &Limits) -> Limits {
        Limits {
            memory: other.memory.or(self.memory),
            swap: other.swap.or(self.swap),
            memory_low: other.memory_low.or(self.memory_low),
            cpu_quota: other.cpu_quota.or(self.cpu_quota),
            cpu_weight: other.cpu_weight.or(self.cpu_weight),
            cpuset_cpus: other.cpuset_cpus.clone().or(self.cpuset_cpus.clone()),
            pids: other.pids.or(self.pids),
            io_weight: other.io_weight.or(self.io_weight),
        }
    }

    /// The interface files and values that set these limits.
    pub fn files(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(m) = self.memory {
            out.push(("memory.max", m.to_string()));
        }
        if let Some(s) = self.swap {
            out.push(("memory.swap.max", s.file_value()));
        }
        if let Some(l) = self.memory_low {
            out.push(("memory.low", l.to_string()));
        }
        if let Some(q) = self.cpu_quota {
            out.push(("cpu.max", format!("{q} {CPU_PERIOD_US}")));
        }
        if let Some(w) = self.cpu_weight {
            out.push(("cpu.weight", w.to_string()));
        }
        if let Some(c) = &self.cpuset_cpus {
            out.push(("cpuset.cpus", c.clone()));
        }
        if let Some(p) = self.pids {
            out.push(("pids.max", p.file_value()));
        }
        if let Some(w) = self.io_weight {
            out.push(("io.weight", format!("default {w}")));
        }
        out
    }
}

/// The limit flags as given on the command line.
#[derive(Clone, Debug, Default)]
pub struct Requested<'a> {
    pub memory: Option<&'a str>,
    pub memory_swap: Option<&'a str>,
    pub memory_reservation: Option<&'a str>,
    pub cpus: Option<&'a str>,
    pub cpu_weight: Option<u64>,
    pub cpu_shares: Option<u64>,
    pub cpuset_cpus: Option<&'a str>,
    pub pids_limit: Option<i64>,
    pub io_weight: Option<u64>,
}

impl Requested<'_> {
    /// Check and convert to cgroup v2 terms. `current` is what a container already has
    /// (for `update`: a new --memory-swap is relative to its --memory).
    pub fn limits(&self, current: &Limits) -> Result<Limits, CgroupError> {
        let invalid = |flag: &'static str, value: &str, why: &'static str| CgroupError::Invalid {
            flag,
            value: value.to_string(),
            why,
        };
        let size = |flag: &'static str, v: &str| {
            parse_size(v).ok_or_else(|| invalid(flag, v, "use bytes, or a number with k, m or g"))
        };
        let memory = self.memory.map(|v| size("--memory", v)).transpose()?;
        if memory.is_some_and(|m| m < 6 << 20) {
            return Err(invalid(
                "--memory",
                self.memory.unwrap_or_default(),
                "the smallest limit a container can start under is 6m",
            ));
        }
        let swap = match self.memory_swap {
            None => None,
            Some("-1") => Some(Max::Unlimited),
            Some(v) => {
                let total = size("--memory-swap", v)?;
                let Some(mem) = memory.or(current.memory) else {
                    return Err(invalid(
                        "--memory-swap",
                        v,
                        "it is memory and swap together, so --memory must be set too",
                    ));
                };
                if total < mem {
                    return Err(invalid(
                        "--memory-swap",
                        v,
                        "it is memory and swap together: it cannot be below --memory",
                    ));
                }
                Some(Max::Limit(total - mem))
            }
        };
        let memory_low = self
            .memory_reservation
            .map(|v| size("--memory-reservation", v))
            .transpose()?;
        let cpu_quota = match self.cpus {
            None => None,
            Some(v) => {
                let cpus: f64 = v
                    .parse()
                    .ok()
                    .filter(|c: &f64| c.is_finite() && *c > 0.0)
                    .ok_or_else(|| invalid("--cpus", v, "a number of CPUs above 0 (0.5, 2)"))?;
                let online = std::thread::available_parallelism().map_or(1, |n| n.get());
                if cpus > online as f64 {
                    return Err(invalid(
                        "--cpus",
                        v,
                        "more CPUs than this machine has online",
                    ));
                }
                // At least 1 ms per period, the kernel's smallest quota.
                Some(((cpus * CPU_PERIOD_US as f64).round() as u64).max(1000))
            }
        };
        let cpu_weight = match (self.cpu_weight, self.cpu_shares) {
            (Some(_), Some(_)) => {
                return Err(CgroupError::Conflict(
                    "--cpu-weight and --cpu-shares set the same thing".to_string(),
                ));
            }
            (Some(w), None) if !(1..=10000).contains(&w) => {
                return Err(invalid("--cpu-weight", &w.to_string(), "from 1 to 10000"));
            }
            (Some(w), None) => Some(w),
            (None, Some(s)) if !(2..=262144).contains(&s) => {
                return Err(invalid("--cpu-shares", &s.to_string(), "from 2 to 262144"));
            }
            // The v1 shares → v2 weight conversion crun and runc use.
            (None, Some(s)) => Some(1 + ((s - 2) * 9999) / 262142),
            (None, None) => None,
        };
        let cpuset_cpus = match self.cpuset_cpus {
            None => None,
            Some(v) if valid_cpu_list(v) => Some(v.to_string()),
            Some(v) => return Err(invalid("--cpuset-cpus", v, "a list of CPUs: 0-3 or 0,2")),
        };
        let pids = self.pids_limit.map(|n| match n {
            n if n <= 0 => Max::Unlimited,
            n => Max::Limit(n as u64),
        });
        let io_weight = match self.io_weight {
            Some(w) if !(1..=10000).contains(&w) => {
                return Err(invalid("--io-weight", &w.to_string(), "from 1 to 10000"));
            }
            w => w,
        };
        Ok(Limits {
            memory,
            swap,
            memory_low,
            cpu_quota,
            cpu_weight,
            cpuset_cpus,
            pids,
            io_weight,
        })
    }
}

fn valid_cpu_list(s: &str) -> bool {
    !s.is_empty()
        && s.split(',').all(|part| {
            let mut ends = part.splitn(2, '-');
            let first = ends.next().and_then(|n| n.parse::<u32>().ok());
            match (first, ends.next()) {
                (Some(_), None) => true,
                (Some(a), Some(b)) => b.parse::<u32>().is_ok_and(|b| b >= a),
                _ => false,
            }
        })
}

/// `512m`, `2g`, `100k`, or bytes; `None` if it is none of these (or zero).
pub fn parse_size(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor: u64 = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return None,
    };
    n.checked_mul(factor).filter(|b| *b > 0)
}

/// Which manager makes the cgroups (`--cgroup-manager`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ManagerKind {
    /// The systemd user manager, over the user's D-Bus session bus
    Systemd,
    /// Directories in a delegated cgroup v2 subtree, written directly
    Cgroupfs,
}

/// Whether containers get cgroups at all (`--cgroups`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CgroupsMode {
    /// Use cgroups where this machine gives them; asked-for limits must be enforced
    #[default]
    Enabled,
    /// Never: no limits (asking for one is an error), no stats, no pause
    Disabled,
}

/// How a container's cgroup is made; chosen when it is created.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CgroupConfig {
    pub manager: ManagerKind,
    pub limits: Limits,
}

/// A container's cgroup while it runs: where it is and, with systemd, its unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    /// The cgroup holding the limits (absolute path under /sys/fs/cgroup).
    pub path: PathBuf,
    /// The systemd scope, when systemd made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Placed {
    /// The leaf the container's processes are in.
    pub fn leaf(&self) -> PathBuf {
        self.path.join(LEAF)
    }

    /// Processes of the container killed by the OOM killer so far.
    pub fn oom_kills(&self) -> u64 {
        v2::read_key(&self.path.join("memory.events"), "oom_kill").unwrap_or(0)
    }

    /// Freeze (or thaw) every process of the container.
    pub fn freeze(&self, frozen: bool) -> Result<(), CgroupError> {
        v2::freeze(&self.path, frozen)
    }

    /// Put `pid` in the container's leaf: directly where this user may move it there (the
    /// caller is in the same delegated subtree), else through systemd, which moves it with
    /// the system manager's help.
    pub fn attach(&self, pid: nix::unistd::Pid) -> Result<(), CgroupError> {
        let procs = self.leaf().join("cgroup.procs");
        match (fs::write(&procs, pid.as_raw().to_string()), &self.unit) {
            (Ok(()), _) => Ok(()),
            (Err(e), Some(unit))
                if matches!(e.raw_os_error(), Some(libc::EACCES | libc::EPERM)) =>
            {
                systemd::attach(unit, LEAF, pid)
            }
            (Err(e), _) => Err(io_err(&procs)(e)),
        }
    }

    /// Change the limits of the running container.
    pub fn update(&self, limits: &Limits) -> Result<(), CgroupError> {
        match &self.unit {
            Some(unit) => systemd::set_limits(unit, limits)?,
            None => v2::write_limits(&self.path, limits)?,
        }
        v2::write_limits(&self.leaf(), limits)
    }

    pub fn stats(&self) -> v2::Stats {
        v2::Stats::read(&self.path)
    }
}

/// What this machine offers, as far as cgroups go.
#[derive(Clone, Debug, Serialize)]
pub struct Host {
    /// `/sys/fs/cgroup` is a cgroup v2 hierarchy (not v1, not hybrid).
    pub unified: bool,
    /// The user's D-Bus session bus, where the systemd user manager listens.
    pub user_bus: Option<String>,
    /// The subtree the systemd user manager owns (user@UID.service), if it exists.
    pub user_manager: Option<PathBuf>,
    /// The topmost cgroup above nook's own that the user may write (for cgroupfs).
    pub writable: Option<PathBuf>,
}

impl Host {
    pub fn probe() -> Host {
        let unified = v2::is_unified(Path::new(ROOT));
        let uid = nix::unistd::getuid().as_raw();
        let user_manager = unified
            .then(|| {
                Path::new(ROOT).join(format!("user.slice/user-{uid}.slice/user@{uid}.service"))
            })
            .filter(|p| p.is_dir());
        Host {
            unified,
            user_bus: systemd::session_bus_address(),
            user_manager,
            writable: unified.then(|| v2::writable_base(uid)).flatten(),
        }
    }

    /// The controllers a manager would give a container here.
    pub fn controllers(&self, manager: ManagerKind) -> Vec<String> {
        let dir = match manager {
            ManagerKind::Systemd => self.user_manager.as_ref(),
            ManagerKind::Cgroupfs => self.writable.as_ref(),
        };
        dir.map(|d| v2::controllers(d)).unwrap_or_default()
    }

    /// The manager to use: the one asked for, else systemd when a user manager runs, else
    /// cgroupfs when a subtree is writable. `Err` says why neither can be used.
    pub fn manager(&self, asked: Option<ManagerKind>) -> Result<ManagerKind, String> {
        if !self.unified {
            return Err(format!(
                "{ROOT} is not a cgroup v2 hierarchy (this machine uses cgroup v1 or the \
                 hybrid layout, whose v2 part has no controllers)"
            ));
        }
        let systemd = match (&self.user_bus, &self.user_manager) {
            (Some(_), Some(_)) => Ok(()),
            (None, _) => Err(
                "there is no D-Bus session bus for the systemd user manager \
                              (DBUS_SESSION_BUS_ADDRESS unset and no $XDG_RUNTIME_DIR/bus)"
                    .to_string(),
            ),
            (Some(_), None) => Err("no systemd user manager runs for you \
                                    (no user@UID.service cgroup)"
                .to_string()),
        };
        let cgroupfs = match &self.writable {
            Some(_) => Ok(()),
            None => Err("no cgroup above nook's own is yours to write".to_string()),
        };
        match asked {
            Some(ManagerKind::Systemd) => systemd.map(|()| ManagerKind::Systemd),
            Some(ManagerKind::Cgroupfs) => cgroupfs.map(|()| ManagerKind::Cgroupfs),
            None => match (systemd, cgroupfs) {
                (Ok(()), _) => Ok(ManagerKind::Systemd),
                (Err(_), Ok(())) => Ok(ManagerKind::Cgroupfs),
                (Err(s), Err(c)) => Err(format!("{s}; and {c}")),
            },
        }
    }
}

/// The systemd drop-in that delegates every controller nook uses to user sessions.
pub const DELEGATE_FIX: &str = "As root: mkdir -p /etc/systemd/system/user@.service.d && printf \
     '[Service]\\nDelegate=cpu cpuset io memory pids\\n' > \
     /etc/systemd/system/user@.service.d/delegate.conf && systemctl daemon-reload; then log in again";

/// Decide a new container's cgroup: `asked` are the limits given on the command line.
/// `Ok(None)`: it runs without one (none asked for and none to be had, or disabled).
pub fn plan(
    host: &Host,
    mode: CgroupsMode,
    manager: Option<ManagerKind>,
    asked: Limits,
) -> Result<Option<CgroupConfig>, CgroupError> {
    if mode == CgroupsMode::Disabled {
        return match asked.bounding().is_empty() {
            true => Ok(None),
            false => Err(CgroupError::Conflict(asked.flags())),
        };
    }
    let kind = match host.manager(manager) {
        Ok(kind) => kind,
        Err(_) if asked.bounding().is_empty() && manager.is_none() => return Ok(None),
        Err(why) => {
            let fix = match host.unified {
                false => "Boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2), as current \
                          distributions do by default"
                    .to_string(),
                true => "Log in through a systemd session (or `loginctl enable-linger $USER`) \
                         so that your user manager runs, or use --cgroup-manager cgroupfs in a \
                         delegated subtree"
                    .to_string(),
            };
            return Err(CgroupError::Unavailable {
                what: match asked.is_empty() {
                    true => "--cgroup-manager".to_string(),
                    false => asked.flags(),
                },
                why,
                fix,
            });
        }
    };
    let available = host.controllers(kind);
    let missing = asked.missing(&available);
    if !missing.is_empty() {
        return Err(CgroupError::Unavailable {
            what: asked.flags(),
            why: format!(
                "the {} controller{} {} not delegated to you (you have: {})",
                missing.join(", "),
                if missing.len() > 1 { "s" } else { "" },
                if missing.len() > 1 { "are" } else { "is" },
                if available.is_empty() {
                    "none".to_string()
                } else {
                    available.join(" ")
                }
            ),
            fix: DELEGATE_FIX.to_string(),
        });
    }
    let mut limits = asked;
    if limits.pids.is_none() && available.iter().any(|c| c == "pids") {
        limits.pids = Some(Max::Limit(DEFAULT_PIDS_LIMIT));
    }
    Ok(Some(CgroupConfig {
        manager: kind,
        limits,
    }))
}

/// Give the container whose first process is `pid` its cgroup: the limits, and `pid` in
/// the leaf. `run` tells runs of one container apart (a restarted one gets a new scope).
pub fn place(
    config: &CgroupConfig,
    id: &str,
    run: u32,
    pid: nix::unistd::Pid,
) -> Result<Placed, CgroupError> {
    let name = match run {
        0 => format!("nook-{id}"),
        n => format!("nook-{id}-{n}"),
    };
    let placed = match config.manager {
        ManagerKind::Systemd => {
            let unit = format!("{name}.scope");
            let path = systemd::start_scope(&unit, pid, &config.limits)?;
            Placed {
                path,
                unit: Some(unit),
            }
        }
        ManagerKind::Cgroupfs => {
            let base = v2::writable_base(nix::unistd::getuid().as_raw()).ok_or_else(|| {
                CgroupError::None("no cgroup above nook's own is writable".to_string())
            })?;
            let path = v2::create(&base, &name, &config.limits)?;
            Placed { path, unit: None }
        }
    };
    let leaf = placed.leaf();
    let moved = match fs::create_dir(&leaf) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(io_err(&leaf)(e)),
        _ => fs::write(leaf.join("cgroup.procs"), pid.as_raw().to_string())
            .map_err(io_err(&leaf))
            .and_then(|()| v2::share_with_leaf(&placed.path, &config.limits)),
    };
    if let Err(e) = moved {
        placed.remove();
        return Err(e);
    }
    Ok(placed)
}

impl Placed {
    /// Remove what nook made (systemd removes its scope once the container is gone). What
    /// is left of a half-started container is killed first: a cgroup with processes cannot
    /// be removed.
    pub fn remove(&self) {
        if self.unit.is_none() {
            v2::kill_all(&self.path);
            let _ = fs::remove_dir(self.leaf());
            let _ = fs::remove_dir(&self.path);
        }
    }
}

/// A cgroup nook placed, removed when this is dropped: at the end of a run and on every
/// error path after the placement.
#[derive(Default)]
pub struct Cleanup(pub Option<Placed>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(p) = &self.0 {
            p.remove();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Requested<'static> {
        Requested::default()
    }

    #[test]
    fn flags_become_cgroup_values() {
        let l = Requested {
            memory: Some("256m"),
            memory_swap: Some("1g"),
            cpus: Some("0.5"),
            cpu_shares: Some(1024),
            pids_limit: Some(100),
            io_weight: Some(200),
            cpuset_cpus: Some("0"),
            ..req()
        }
        .limits(&Limits::default())
        .unwrap();
        assert_eq!(
            l.files(),
            vec![
                ("memory.max", "268435456".to_string()),
                ("memory.swap.max", (768u64 << 20).to_string()),
                ("cpu.max", "50000 100000".to_string()),
                ("cpu.weight", "39".to_string()),
                ("cpuset.cpus", "0".to_string()),
                ("pids.max", "100".to_string()),
                ("io.weight", "default 200".to_string()),
            ]
        );
        assert_eq!(
            l.controllers(),
            vec!["memory", "cpu", "cpuset", "pids", "io"]
        );
        let l = Requested {
            memory_swap: Some("-1"),
            pids_limit: Some(-1),
            ..req()
        }
        .limits(&Limits::default())
        .unwrap();
        assert_eq!(l.swap, Some(Max::Unlimited));
        assert_eq!(l.pids, Some(Max::Unlimited));
    }

    #[test]
    fn bad_values_are_refused() {
        let bad = |r: Requested<'static>| r.limits(&Limits::default()).unwrap_err().to_string();
        assert!(
            bad(Requested {
                memory: Some("lots"),
                ..req()
            })
            .contains("--memory")
        );
        assert!(
            bad(Requested {
                memory: Some("1m"),
                ..req()
            })
            .contains("6m")
        );
        assert!(
            bad(Requested {
                memory_swap: Some("1g"),
                ..req()
            })
            .contains("--memory must")
        );
        assert!(
            bad(Requested {
                memory: Some("1g"),
                memory_swap: Some("512m"),
                ..req()
            })
            .contains("below")
        );
        assert!(
            bad(Requested {
                cpus: Some("0"),
                ..req()
            })
            .contains("--cpus")
        );
        assert!(
            bad(Requested {
                cpus: Some("4096"),
                ..req()
            })
            .contains("online")
        );
        assert!(
            bad(Requested {
                cpu_weight: Some(0),
                ..req()
            })
            .contains("--cpu-weight")
        );
        assert!(
            bad(Requested {
                cpu_weight: Some(5),
                cpu_shares: Some(5),
                ..req()
            })
            .contains("same thing")
        );
        assert!(
            bad(Requested {
                cpuset_cpus: Some("3-1"),
                ..req()
            })
            .contains("--cpuset-cpus")
        );
        assert!(
            bad(Requested {
                io_weight: Some(20000),
                ..req()
            })
            .contains("--io-weight")
        );
        // --memory-swap of an update is relative to the memory the container has.
        let current = Limits {
            memory: Some(100 << 20),
            ..Limits::default()
        };
        let l = Requested {
            memory_swap: Some("300m"),
            ..req()
        }
        .limits(&current)
        .unwrap();
        assert_eq!(l.swap, Some(Max::Limit(200 << 20)));
    }

    fn host(unified: bool, bus: bool, manager: Option<&Path>) -> Host {
        Host {
            unified,
            user_bus: bus.then(|| "unix:path=/run/user/1000/bus".to_string()),
            user_manager: manager.map(Path::to_path_buf),
            writable: None,
        }
    }

    #[test]
    fn limits_that_cannot_be_enforced_are_errors() {
        let memory = Limits {
            memory: Some(64 << 20),
            ..Limits::default()
        };
        // Hybrid or v1: no cgroup without limits, an error with them.
        let hybrid = host(false, true, None);
        assert_eq!(
            plan(&hybrid, CgroupsMode::Enabled, None, Limits::default()).unwrap(),
            None
        );
        let e = plan(&hybrid, CgroupsMode::Enabled, None, memory.clone()).unwrap_err();
        assert!(e.to_string().contains("--memory cannot be enforced"), "{e}");
        assert!(e.to_string().contains("unified_cgroup_hierarchy"), "{e}");
        assert!(e.to_string().contains("--cgroups disabled"), "{e}");
        // Disabled on purpose: fine without limits, a conflict with them.
        assert_eq!(
            plan(&hybrid, CgroupsMode::Disabled, None, Limits::default()).unwrap(),
            None
        );
        let e = plan(&hybrid, CgroupsMode::Disabled, None, memory.clone()).unwrap_err();
        assert!(e.to_string().contains("conflicts with --memory"), "{e}");
        // A user manager whose subtree lacks the controller: the drop-in that delegates it.
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("cgroup.controllers"), "cpu pids\n").unwrap();
        let partial = host(true, true, Some(dir.path()));
        let e = plan(&partial, CgroupsMode::Enabled, None, memory.clone()).unwrap_err();
        assert!(
            e.to_string().contains("memory controller is not delegated"),
            "{e}"
        );
        assert!(
            e.to_string().contains("Delegate=cpu cpuset io memory pids"),
            "{e}"
        );
        // What it has is used, with podman's default pids limit.
        let p = plan(&partial, CgroupsMode::Enabled, None, Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(p.manager, ManagerKind::Systemd);
        assert_eq!(p.limits.pids, Some(Max::Limit(DEFAULT_PIDS_LIMIT)));
        // No bus: systemd cannot be asked for.
        let nobus = host(true, false, Some(dir.path()));
        let e = plan(
            &nobus,
            CgroupsMode::Enabled,
            Some(ManagerKind::Systemd),
            memory,
        )
        .unwrap_err();
        assert!(e.to_string().contains("D-Bus session bus"), "{e}");
    }
}
