//! The user's namespace holder, as podman's pause process: one small process per id map that
//! holds a user namespace with that map. The map is written once, when the holder is made
//! (newuidmap and newgidmap, two setuid programs, run then and not again); containers, build
//! steps, shells, unpacking jobs and network hubs then enter that namespace with `setns` and
//! make their own mount, pid, network, ipc, uts and cgroup namespaces inside it.
//!
//! ```text
//! nook (any command)      spawns `nook __userns`, reads the holder's pid, writes its map
//!  └─ __userns            setsid, unshare(NEWUSER), fork, print the child's pid, exit
//!      └─ holder          waits until nook has recorded it (or exits, if nook died first);
//!                         stdio on /dev/null, drops its code pages, pause() for ever
//! ```
//! `<runtime>/userns/<uid>-<gid>.json` records it (its pid, start time and namespace inode, and
//! the map), one per map: the user's usual map (`0-0`: root inside is you) and keep-id maps
//! (`1000-1000`: you are 1000 inside). A record is trusted only while that pid still has that
//! start time and that namespace, and only for exactly that map, so a holder that died, was
//! killed, or holds an older map (after an edit of /etc/subuid) is replaced transparently; a
//! namespace opened from it stays alive as long as the descriptor or a member does, so a
//! holder that dies later harms no one.
//!
//! Nothing needs the holder: when it cannot be made (or `NOOK_USERNS_HOLDER=0`), callers map
//! ids for each container as before.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader};
use std::os::fd::OwnedFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::sched::CloneFlags;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid};
use serde::{Deserialize, Serialize};

use super::idmap::{IdMap, IdMapError, IdRange};
use crate::sys::{self, Forked};

/// The hidden subcommand that makes a holder.
pub const HOLD_COMMAND: &str = "__userns";

/// Set to `0` to map ids for each container instead (no holder is made or used).
pub const HOLDER_ENV: &str = "NOOK_USERNS_HOLDER";

#[derive(Debug, thiserror::Error)]
pub enum HolderError {
    #[error("cannot {what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(transparent)]
    IdMap(#[from] IdMapError),
    #[error("the namespace holder did not start: {0}")]
    NotStarted(String),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Store(#[from] crate::image::store::StoreError),
}

#[derive(Serialize, Deserialize)]
struct Record {
    pid: i32,
    /// Its start time (/proc/PID/stat), so that a recycled pid is never taken for it.
    start: u64,
    /// The inode of its user namespace.
    inode: u64,
    map: IdMap,
}

/// A running holder, as `nook info` shows it.
#[derive(Serialize)]
pub struct Held {
    pub pid: i32,
    /// The ids inside that are you (`0:0` for the usual map).
    pub you_inside: String,
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
    /// Its private memory (Private_Clean + Private_Dirty of /proc/PID/smaps_rollup).
    pub private_kib: Option<u64>,
}

/// Where the records are: `$XDG_RUNTIME_DIR/nook/userns`, or the store's `run/userns`.
fn dir() -> Result<PathBuf, HolderError> {
    let data = crate::config::data_root()?;
    Ok(crate::config::runtime_root(&data).join("userns"))
}

/// Whether the user has turned holders off.
fn disabled() -> bool {
    std::env::var_os(HOLDER_ENV).is_some_and(|v| v == "0")
}

/// Enter the held user namespace `user` (from [`shared`]) and make the caller's own `others`
/// inside it: every process that uses the holder's namespace comes in this way.
pub fn enter(user: std::os::fd::BorrowedFd<'_>, others: CloneFlags) -> Result<(), String> {
    nix::sched::setns(user, CloneFlags::CLONE_NEWUSER)
        .map_err(|e| format!("cannot join the user namespace: {e}"))?;
    nix::sched::unshare(others).map_err(|e| format!("cannot create namespaces: {e}"))
}

/// The user namespace with `map`, from its holder (made now if none runs); `None` when there is
/// none to be had (turned off, or it cannot be made), and the caller then maps ids itself.
pub fn shared(map: &IdMap) -> Option<OwnedFd> {
    if disabled() {
        return None;
    }
    let dir = dir().ok()?;
    join(&dir, map).ok()
}

/// The file name of `map`'s record: the ids inside that are you.
fn key(map: &IdMap) -> String {
    let (uid, gid) = you_inside(map);
    format!("{uid}-{gid}")
}

fn you_inside(map: &IdMap) -> (u32, u32) {
    let inside = |ranges: &[IdRange], me: u32| {
        ranges
            .iter()
            .find(|r| me >= r.outside && me - r.outside < r.count)
            .map_or(u32::MAX, |r| r.inside + (me - r.outside))
    };
    (
        inside(&map.uids, Uid::current().as_raw()),
        inside(&map.gids, Gid::current().as_raw()),
    )
}

fn join(dir: &Path, map: &IdMap) -> Result<OwnedFd, HolderError> {
    let path = dir.join(format!("{}.json", key(map)));
    if let Some(fd) = read(&path).and_then(|r| (r.map == *map).then(|| open(&r)).flatten()) {
        return Ok(fd);
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| HolderError::Io {
            what: "create",
            path: dir.to_path_buf(),
            source,
        })?;
    // One maker at a time; whoever waited finds the holder made.
    let lock_path = dir.join("lock");
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| HolderError::Io {
            what: "open",
            path: lock_path.clone(),
            source,
        })?;
    lock.lock().map_err(|source| HolderError::Io {
        what: "lock",
        path: lock_path,
        source,
    })?;
    let old = read(&path);
    if let Some(fd) = old
        .as_ref()
        .and_then(|r| (r.map == *map).then(|| open(r)).flatten())
    {
        return Ok(fd);
    }
    // A live holder of another map (/etc/subuid changed) is replaced: its members keep
    // their namespace.
    if let Some(r) = &old
        && open(r).is_some()
    {
        let _ = kill(Pid::from_raw(r.pid), Signal::SIGKILL);
    }
    let (record, fd, mut confirm) = make(map)?;
    let bytes = serde_json::to_vec(&record).expect("a record serializes");
    if let Err(e) = crate::image::store::replace_file(&path, &bytes) {
        let _ = kill(Pid::from_raw(record.pid), Signal::SIGKILL);
        return Err(HolderError::Store(e));
    }
    // Recorded: it may stay. (Had this process died before, the holder would have read
    // end-of-file and gone, leaving no process that no record names.)
    let _ = io::Write::write_all(&mut confirm, CONFIRM);
    Ok(fd)
}

fn read(path: &Path) -> Option<Record> {
    serde_json::from_slice(&fs::read(path).ok()?).ok()
}

/// The namespace of the holder `record` names, if that process still runs and holds it.
fn open(record: &Record) -> Option<OwnedFd> {
    if start_time(record.pid)? != record.start {
        return None;
    }
    let ns = File::open(format!("/proc/{}/ns/user", record.pid)).ok()?;
    let same = ns.metadata().ok()?.ino() == record.inode;
    // Still the same process after the open: the namespace is the one it held.
    (same && start_time(record.pid)? == record.start).then(|| ns.into())
}

/// The start time of process `pid` (field 22 of /proc/PID/stat), in clock ticks since boot.
fn start_time(pid: i32) -> Option<u64> {
    start_field(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Field 22 of a stat line, counted after the command name (which may hold spaces and
/// parentheses).
fn start_field(stat: &str) -> Option<u64> {
    let (_, after) = stat.rsplit_once(')')?;
    let mut fields = after.split_whitespace();
    // A process that has ended (a zombie not yet reaped) holds nothing.
    if matches!(fields.next()?, "Z" | "X") {
        return None;
    }
    fields.nth(18)?.parse().ok()
}

/// What a holder waits to read on its stdin once it is recorded.
const CONFIRM: &[u8] = b"k";

/// Make a holder for `map` and write its map; it stays once [`CONFIRM`] is written to the
/// pipe returned.
fn make(map: &IdMap) -> Result<(Record, OwnedFd, std::process::ChildStdin), HolderError> {
    let not_started = |why: String| HolderError::NotStarted(why);
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg0("nook")
        .arg(HOLD_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // It outlives this command.
    sys::clean_child(&mut cmd, false);
    let mut child = cmd.spawn().map_err(|e| not_started(e.to_string()))?;
    let confirm = child.stdin.take().expect("piped");
    let mut line = String::new();
    let said = BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line);
    let _ = child.wait();
    said.map_err(|e| not_started(e.to_string()))?;
    let pid: i32 = line
        .trim()
        .parse()
        .map_err(|_| not_started(format!("it said {:?}", line.trim())))?;
    let holder = Pid::from_raw(pid);
    let made = (|| {
        map.apply(holder)?;
        let start = start_time(pid).ok_or_else(|| not_started("it ended at once".into()))?;
        let ns_path = PathBuf::from(format!("/proc/{pid}/ns/user"));
        let ns = File::open(&ns_path).map_err(|source| HolderError::Io {
            what: "open",
            path: ns_path.clone(),
            source,
        })?;
        let inode = ns
            .metadata()
            .map_err(|source| HolderError::Io {
                what: "inspect",
                path: ns_path,
                source,
            })?
            .ino();
        let own = fs::metadata("/proc/self/ns/user").map(|m| m.ino()).ok();
        if own == Some(inode) {
            return Err(not_started("it has no user namespace of its own".into()));
        }
        Ok((
            Record {
                pid,
                start,
                inode,
                map: map.clone(),
            },
            OwnedFd::from(ns),
        ))
    })();
    let made = made.map(|(record, ns)| (record, ns, confirm));
    if made.is_err() {
        let _ = kill(holder, Signal::SIGKILL);
    }
    made
}

/// The body of `nook __userns`: make the holder and print its pid. Runs before anything else
/// in the process, so it is single-threaded and small.
pub fn serve() -> i32 {
    let _ = nix::unistd::setsid();
    if let Err(e) = nix::sched::unshare(CloneFlags::CLONE_NEWUSER) {
        println!("cannot create a user namespace: {e}");
        return 1;
    }
    match sys::fork_into(CloneFlags::empty()) {
        Ok(Forked::Parent(pid)) => {
            println!("{pid}");
            0
        }
        Ok(Forked::Child) => hold(),
        Err(e) => {
            println!("cannot fork: {e}");
            1
        }
    }
}

fn hold() -> ! {
    // Its maker records it, then says so; a maker that died first leaves it to go.
    let mut said = [0u8; 1];
    if io::Read::read_exact(&mut io::stdin(), &mut said).is_err() || said != CONFIRM {
        sys::exit_now(1);
    }
    if let Ok(null) = File::options().read(true).write(true).open("/dev/null") {
        let _ = nix::unistd::dup2_stdin(&null);
        let _ = nix::unistd::dup2_stdout(&null);
        let _ = nix::unistd::dup2_stderr(&null);
    }
    let _ = nix::unistd::chdir("/");
    // Its work is done: of the code it ran, it keeps mapped only what `pause` needs.
    sys::unmap_file_pages();
    // It stays dumpable, or nook could not open its namespace (a process made non-dumpable
    // before the namespace existed needs CAP_SYS_PTRACE on the host to be opened). What
    // shares its namespace cannot reach it: containers have pid namespaces of their own, and
    // their processes, which lose the capabilities it has there, could not trace it anyway.
    loop {
        nix::unistd::pause();
    }
}

/// The holders that run now.
pub fn list() -> Vec<Held> {
    let Ok(dir) = dir() else {
        return Vec::new();
    };
    let mut held: Vec<Held> = records(&dir)
        .into_iter()
        .filter(|(_, r)| open(r).is_some())
        .map(|(_, r)| {
            let (uid, gid) = you_inside(&r.map);
            Held {
                pid: r.pid,
                you_inside: format!("{uid}:{gid}"),
                uids: r.map.uids,
                gids: r.map.gids,
                private_kib: private_kib(r.pid),
            }
        })
        .collect();
    held.sort_by_key(|h| h.pid);
    held
}

fn records(dir: &Path) -> Vec<(PathBuf, Record)> {
    fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .filter_map(|p| read(&p).map(|r| (p, r)))
                .collect()
        })
        .unwrap_or_default()
}

fn private_kib(pid: i32) -> Option<u64> {
    let rollup = fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        rollup.lines().find_map(|l| {
            l.strip_prefix(name)?
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
    };
    Some(field("Private_Clean:")? + field("Private_Dirty:")?)
}

/// End every holder (`nook system reset-userns`): the next command makes a new one with the
/// map as /etc/subuid and /etc/subgid now say. Returns how many were running.
pub fn reset() -> Result<usize, HolderError> {
    let dir = dir()?;
    let mut ended = 0;
    for (path, record) in records(&dir) {
        if open(&record).is_some() && kill(Pid::from_raw(record.pid), Signal::SIGKILL).is_ok() {
            ended += 1;
        }
        fs::remove_file(&path).map_err(|source| HolderError::Io {
            what: "remove",
            path,
            source,
        })?;
    }
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_time_is_read_past_the_command_name() {
        // A command name with spaces and parentheses must not shift the fields.
        let line = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 \
                    1000 10 18446744073709551615";
        assert_eq!(start_field(line), Some(98765));
        assert_eq!(start_field("42 (x) S 1"), None);
        assert_eq!(start_field(&line.replace(") S ", ") Z ")), None);
        assert!(start_time(std::process::id() as i32).is_some_and(|t| t > 0));
        assert_eq!(start_time(-1), None);
    }

    #[test]
    fn records_are_keyed_by_the_ids_that_are_you() {
        let me = (Uid::current().as_raw(), Gid::current().as_raw());
        let usual = IdMap {
            user: "u".into(),
            uids: vec![IdRange {
                inside: 0,
                outside: me.0,
                count: 1,
            }],
            gids: vec![IdRange {
                inside: 0,
                outside: me.1,
                count: 1,
            }],
        };
        assert_eq!(key(&usual), "0-0");
        let mut keep = usual.clone();
        keep.uids[0].inside = 1000;
        keep.gids[0].inside = 1000;
        assert_eq!(key(&keep), "1000-1000");
    }
}
