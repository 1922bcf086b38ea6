//! The cgroup v2 interface files: what a cgroup offers, its limits, freezing, statistics;
//! and the cgroupfs manager, which makes a container's cgroup directly in a subtree that
//! is the user's to write.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::{CgroupError, Limits, ROOT, io_err};

/// Is `dir` the root of a cgroup v2 hierarchy?
pub fn is_unified(dir: &Path) -> bool {
    nix::sys::statfs::statfs(dir)
        .is_ok_and(|s| s.filesystem_type() == nix::sys::statfs::CGROUP2_SUPER_MAGIC)
}

/// The controllers a cgroup's children may use.
pub fn controllers(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("cgroup.controllers"))
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// This process's cgroup (v2).
pub fn own() -> Option<PathBuf> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    let rel = text.lines().find_map(|l| l.strip_prefix("0::"))?;
    Some(Path::new(ROOT).join(rel.trim_start_matches('/')))
}

/// The topmost cgroup at or above this process's own whose processes and controllers `uid`
/// may change: the subtree delegated to it.
pub fn writable_base(uid: u32) -> Option<PathBuf> {
    let ours = |d: &Path| {
        ["cgroup.procs", "cgroup.subtree_control"]
            .iter()
            .all(|f| fs::metadata(d.join(f)).is_ok_and(|m| m.uid() == uid))
    };
    let mut best = None;
    let mut dir = own()?;
    while dir.starts_with(ROOT) && dir != Path::new(ROOT) && ours(&dir) {
        best = Some(dir.clone());
        dir = dir.parent()?.to_path_buf();
    }
    best
}

/// The cgroupfs manager: `base/name` with the controllers the limits need and the limits.
pub fn create(base: &Path, name: &str, limits: &Limits) -> Result<PathBuf, CgroupError> {
    let wanted = limits.controllers();
    let enabled = fs::read_to_string(base.join("cgroup.subtree_control")).unwrap_or_default();
    let missing: Vec<String> = wanted
        .iter()
        .filter(|c| !enabled.split_whitespace().any(|e| e == **c))
        .map(|c| format!("+{c}"))
        .collect();
    if !missing.is_empty() {
        let file = base.join("cgroup.subtree_control");
        fs::write(&file, missing.join(" ")).map_err(|e| CgroupError::Io {
            source: match e.raw_os_error() {
                // The "no internal processes" rule: controllers go to children only of a
                // cgroup that has no processes of its own.
                Some(libc::EBUSY) => std::io::Error::other(format!(
                    "{} has processes of its own, so its children cannot get controllers; \
                     run nook from a child cgroup of it",
                    base.display()
                )),
                _ => e,
            },
            path: file,
        })?;
    }
    let path = base.join(name);
    match fs::create_dir(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
            return Err(io_err(&path)(e));
        }
        _ => {}
    }
    if let Err(e) = write_limits(&path, limits) {
        let _ = fs::remove_dir(&path);
        return Err(e);
    }
    Ok(path)
}

/// Let the leaf below `path` (which holds every process of it) have the controllers of
/// `path` and the same limits, so that the container sees its own figures and limits at
/// its /sys/fs/cgroup (runtimes such as the JVM size themselves from memory.max).
pub fn share_with_leaf(path: &Path, limits: &Limits) -> Result<(), CgroupError> {
    let wanted: Vec<String> = controllers(path)
        .into_iter()
        .filter(|c| ["cpu", "cpuset", "io", "memory", "pids"].contains(&c.as_str()))
        .map(|c| format!("+{c}"))
        .collect();
    if !wanted.is_empty() {
        let file = path.join("cgroup.subtree_control");
        fs::write(&file, wanted.join(" ")).map_err(io_err(&file))?;
    }
    write_limits(&path.join(super::LEAF), limits)
}

/// Write `limits` into the cgroup at `path`.
pub fn write_limits(path: &Path, limits: &Limits) -> Result<(), CgroupError> {
    for (file, value) in limits.files() {
        let f = path.join(file);
        fs::write(&f, &value).map_err(io_err(&f))?;
    }
    Ok(())
}

/// Freeze or thaw the cgroup at `path`, and wait until the kernel says it is so.
pub fn freeze(path: &Path, frozen: bool) -> Result<(), CgroupError> {
    let file = path.join("cgroup.freeze");
    fs::write(&file, if frozen { "1" } else { "0" }).map_err(io_err(&file))?;
    wait_event(path, "frozen", u64::from(frozen), Duration::from_secs(5));
    Ok(())
}

/// Kill every process in the cgroup at `path` and wait (a little) until it is empty.
pub fn kill_all(path: &Path) {
    if read_key(&path.join("cgroup.events"), "populated") != Some(1) {
        return;
    }
    let _ = fs::write(path.join("cgroup.kill"), "1");
    wait_event(path, "populated", 0, Duration::from_secs(2));
}

/// Wait, at most `limit`, until the kernel says `key` is `want` in the cgroup's
/// `cgroup.events`.
fn wait_event(path: &Path, key: &str, want: u64, limit: Duration) {
    let events = path.join("cgroup.events");
    let deadline = Instant::now() + limit;
    // Often a matter of microseconds (a keeper that is exiting): looked at again soon, then
    // less and less often.
    let mut pause = Duration::from_micros(50);
    while read_key(&events, key) != Some(want) && Instant::now() < deadline {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(2));
    }
}

/// The number after `key` in a flat-keyed file (`memory.events`, `cpu.stat`).
pub fn read_key(file: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(file).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// A single-value file: a number, or `max` (None).
fn read_value(file: &Path) -> Option<u64> {
    fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// What a container's cgroup has used.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    /// CPU time, microseconds.
    pub cpu_usage_us: u64,
    pub memory_bytes: u64,
    /// None: no limit.
    pub memory_limit: Option<u64>,
    pub pids: u64,
    pub pids_limit: Option<u64>,
    pub io_read_bytes: u64,
    pub io_write_bytes: u64,
    pub oom_kills: u64,
}

impl Stats {
    pub fn read(path: &Path) -> Stats {
        let (mut read, mut written) = (0, 0);
        if let Ok(io) = fs::read_to_string(path.join("io.stat")) {
            for field in io.split_whitespace() {
                if let Some(n) = field.strip_prefix("rbytes=") {
                    read += n.parse::<u64>().unwrap_or(0);
                } else if let Some(n) = field.strip_prefix("wbytes=") {
                    written += n.parse::<u64>().unwrap_or(0);
                }
            }
        }
        Stats {
            cpu_usage_us: read_key(&path.join("cpu.stat"), "usage_usec").unwrap_or(0),
            memory_bytes: read_value(&path.join("memory.current")).unwrap_or(0),
            memory_limit: read_value(&path.join("memory.max")),
            pids: read_value(&path.join("pids.current")).unwrap_or(0),
            pids_limit: read_value(&path.join("pids.max")),
            io_read_bytes: read,
            io_write_bytes: written,
            oom_kills: read_key(&path.join("memory.events"), "oom_kill").unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_interface_files() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("cpu.stat"), "usage_usec 1500\nuser_usec 1000\n").unwrap();
        fs::write(d.join("memory.current"), "4096\n").unwrap();
        fs::write(d.join("memory.max"), "max\n").unwrap();
        fs::write(d.join("pids.current"), "3\n").unwrap();
        fs::write(d.join("pids.max"), "100\n").unwrap();
        fs::write(
            d.join("memory.events"),
            "low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n",
        )
        .unwrap();
        fs::write(
            d.join("io.stat"),
            "8:0 rbytes=100 wbytes=20 rios=1 wios=1\n8:16 rbytes=1 wbytes=2 rios=1 wios=1\n",
        )
        .unwrap();
        let s = Stats::read(d);
        assert_eq!(
            (s.cpu_usage_us, s.memory_bytes, s.memory_limit),
            (1500, 4096, None)
        );
        assert_eq!((s.pids, s.pids_limit, s.oom_kills), (3, Some(100), 1));
        assert_eq!((s.io_read_bytes, s.io_write_bytes), (101, 22));
        assert_eq!(controllers(d), Vec::<String>::new());
        assert!(!is_unified(d));
    }
}
