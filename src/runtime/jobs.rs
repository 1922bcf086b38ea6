//! Store work that must run inside the user's user namespace, done by a fresh, single-threaded
//! `nook __userns-job` process (the CLI may have threads, e.g. an HTTP client's): the job goes
//! in on stdin as JSON, the result comes back on stdout.

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

use nix::fcntl::OFlag;
use nix::sched::CloneFlags;
use nix::sys::stat::Mode;
use serde::{Deserialize, Serialize};

use super::idmap::IdMap;
use super::rootfs;
use super::userns::{self, UsernsError};
use crate::image::digest::Digest;
use crate::image::store::{LayerMeta, StoreError};
use crate::image::unpack::{self, IdLimits, UnpackReport};

/// The hidden subcommand that runs jobs.
pub const JOB_COMMAND: &str = "__userns-job";

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("cannot start nook's namespace helper ({JOB_COMMAND}): {0}")]
    Spawn(io::Error),
    #[error("nook's namespace helper gave no answer (it exited with {0})")]
    NoAnswer(std::process::ExitStatus),
    #[error("{0}")]
    Failed(String),
}

#[derive(Debug, Serialize, Deserialize)]
pub enum Job {
    /// Unpack a layer into `staging` and check its diff id; then, with `dest`, rename it there.
    /// The layer is the blob file `blob`, or (when `None`) the bytes that follow the job on
    /// stdin, unpacked as they arrive.
    Unpack {
        blob: Option<PathBuf>,
        staging: PathBuf,
        dest: Option<PathBuf>,
        expected: Option<Digest>,
        /// Owners for keep-id containers ([`IdLimits::keep`]).
        #[serde(default)]
        keep: Option<super::idmap::KeepId>,
    },
    /// Remove these trees (they hold files owned by mapped ids).
    Remove { paths: Vec<PathBuf> },
    /// Write back every file and directory of these trees (layers just made), and nothing
    /// else on their filesystem.
    Settle { paths: Vec<PathBuf> },
    /// Try a kernel overlayfs mount in a user namespace, with scratch dirs under `dir`.
    ProbeOverlay { dir: PathBuf },
    /// Write the layer a build's RUN step left in `upper` as a tar at `output` (the empty
    /// mount points among `skip` left out).
    ArchiveUpper {
        upper: PathBuf,
        skip: Vec<String>,
        output: PathBuf,
        epoch: Option<u64>,
        /// The map of a keep-id container's namespace, whose owners the layer must keep.
        #[serde(default)]
        keep: Option<super::idmap::KeepId>,
    },
    /// What a container's writable directory `upper` changed in the image `lowers` stack to
    /// (topmost first), for `nook diff`.
    ListChanges {
        upper: PathBuf,
        lowers: Vec<PathBuf>,
        skip: Vec<String>,
        keep: Option<super::idmap::KeepId>,
    },
    /// The bytes of the files in each of these trees (containers' writable layers).
    Usage { paths: Vec<PathBuf> },
    /// Write a container's whole filesystem (`root`, mounted for the job over a scratch upper directory) as a tar
    /// at `output`, for `nook export`.
    ArchiveRoot {
        root: StageMount,
        output: PathBuf,
        keep: Option<super::idmap::KeepId>,
    },
    /// Write the layer of a build's COPY or ADD at `output`, with `mounts` (stages' root
    /// filesystems, read through a private mount namespace) in place first.
    ArchiveCopy {
        spec: crate::build::layer::CopySpec,
        mounts: Vec<StageMount>,
        output: PathBuf,
    },
}

impl Job {
    /// The keep-id map the job's namespace must have, for a keep-id container's files.
    fn keep(&self) -> Option<super::idmap::KeepId> {
        match self {
            Job::ArchiveUpper { keep, .. }
            | Job::ListChanges { keep, .. }
            | Job::ArchiveRoot { keep, .. } => *keep,
            _ => None,
        }
    }
}

/// A stage's root filesystem, mounted for a job.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StageMount {
    /// Topmost first.
    pub lowers: Vec<PathBuf>,
    pub driver: rootfs::Driver,
    /// Where it is mounted.
    pub at: PathBuf,
    /// Scratch space for overlayfs's upper and work directories (left empty).
    pub scratch: PathBuf,
}

#[derive(Debug, Serialize, Deserialize)]
pub enum JobOutput {
    Unpacked(UnpackReport),
    Removed,
    Settled,
    /// `Err` holds why the kernel refused.
    Overlay(Result<(), String>),
    Archived(crate::build::layer::Archived),
    Changes(Vec<crate::build::layer::Change>),
    Usage(Vec<u64>),
}

/// A running `nook __userns-job` process. Killed if dropped unfinished.
pub struct Helper {
    child: Option<Child>,
    stdin: Option<ChildStdin>,
}

impl Helper {
    /// Start a helper on `job` (sent as the first line of its stdin).
    pub fn start(job: &Job) -> Result<Self, JobError> {
        let mut child = Command::new("/proc/self/exe")
            .arg(JOB_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(JobError::Spawn)?;
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // A layer streams through this pipe: a larger one (up to the 1 MiB an ordinary user
        // may ask for) lets the download run further ahead of the unpacking.
        let _ = nix::fcntl::fcntl(&stdin, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
        let mut line = serde_json::to_vec(job).expect("jobs always serialize");
        line.push(b'\n');
        // A helper that died early shows up in finish() as a missing answer.
        let _ = stdin.write_all(&line);
        Ok(Self {
            child: Some(child),
            stdin: Some(stdin),
        })
    }

    /// Where to write the layer of an `Unpack` job without a blob file.
    pub fn input(&mut self) -> &mut ChildStdin {
        self.stdin.as_mut().expect("input stays open until finish")
    }

    /// Close the input and wait for the answer.
    pub fn finish(mut self) -> Result<JobOutput, JobError> {
        drop(self.stdin.take());
        let child = self.child.take().expect("finish runs once");
        let out = child.wait_with_output().map_err(JobError::Spawn)?;
        match serde_json::from_slice::<Result<JobOutput, String>>(&out.stdout) {
            Ok(r) => r.map_err(JobError::Failed),
            Err(_) => Err(JobError::NoAnswer(out.status)),
        }
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            drop(self.stdin.take());
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Run `job` in a `nook __userns-job` process and return its result.
pub fn run(job: &Job) -> Result<JobOutput, JobError> {
    Helper::start(job)?.finish()
}

/// Move an unpacked layer from `staging` to its place `dest`. If another process got there
/// first, theirs is as good as ours, and `staging` goes.
pub fn commit_layer(staging: &Path, dest: &Path) -> Result<(), String> {
    match fs::rename(staging, dest) {
        Ok(()) => Ok(()),
        Err(_) if dest.join("meta.json").is_file() => {
            let _ = remove_trees(&[staging.to_path_buf()]);
            Ok(())
        }
        Err(e) => Err(format!("cannot move the layer to {}: {e}", dest.display())),
    }
}

/// Remove trees that may hold files owned by mapped ids: directly when the user can, in the
/// user namespace otherwise.
pub fn remove_trees(paths: &[PathBuf]) -> Result<(), JobError> {
    let left: Vec<PathBuf> = paths
        .iter()
        .filter(|p| remove_tree(p).is_err())
        .cloned()
        .collect();
    if left.is_empty() {
        return Ok(());
    }
    run(&Job::Remove { paths: left }).map(drop)
}

/// How deep [`remove_tree`] descends before it moves what lies deeper up to the top.
const REMOVE_DEPTH: usize = 128;

/// Remove the tree at `path` (gone already is fine), links as links, holding a bounded number
/// of descriptors and never a path longer than a name, however deep the tree: a directory
/// deeper than [`REMOVE_DEPTH`] is first moved up beside `path` and removed on its own. (A
/// container can make a tree thousands of levels deep; one descriptor per level, as
/// `remove_dir_all` holds, runs out.) Directories of the user's without permissions
/// (overlayfs leaves `work/work` at 0000) are opened up first.
pub fn remove_tree(path: &Path) -> io::Result<()> {
    let (parent, name) = match (path.parent(), path.file_name()) {
        (Some(p), Some(n)) => (p, n),
        _ => return Err(io::Error::from(io::ErrorKind::InvalidInput)),
    };
    match open_dir(parent) {
        Ok(top) => remove_tree_in(&top, name),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Open a directory to remove trees in (see [`remove_tree_in`]).
pub fn open_dir(path: &Path) -> io::Result<OwnedFd> {
    Ok(nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?)
}

/// [`remove_tree`] of `name` in the directory `top`, wherever that directory is now.
pub fn remove_tree_in(top: &OwnedFd, name: &std::ffi::OsStr) -> io::Result<()> {
    let mut pending: Vec<std::ffi::OsString> = vec![name.to_os_string()];
    let mut moved = 0usize;
    while let Some(name) = pending.pop() {
        let mut spill = |dir: &OwnedFd, deep: &std::ffi::OsStr| -> io::Result<()> {
            moved += 1;
            let up = std::ffi::OsString::from(format!(".{}-deep-{moved}", name.to_string_lossy()));
            nix::fcntl::renameat(dir, deep, top, up.as_os_str())?;
            pending.push(up);
            Ok(())
        };
        match remove_at(top, &name, 0, &mut spill) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            other => other?,
        }
    }
    Ok(())
}

fn remove_at(
    dir: &OwnedFd,
    name: &std::ffi::OsStr,
    depth: usize,
    spill: &mut dyn FnMut(&OwnedFd, &std::ffi::OsStr) -> io::Result<()>,
) -> io::Result<()> {
    use nix::sys::stat::{FchmodatFlags, SFlag, fchmodat, fstatat};
    use nix::unistd::{UnlinkatFlags, unlinkat};
    let st = fstatat(dir, name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW)?;
    if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFDIR.bits() {
        return Ok(unlinkat(dir, name, UnlinkatFlags::NoRemoveDir)?);
    }
    if depth >= REMOVE_DEPTH {
        return spill(dir, name);
    }
    if st.st_uid == nix::unistd::geteuid().as_raw() && st.st_mode & 0o700 != 0o700 {
        fchmodat(
            dir,
            name,
            Mode::from_bits_truncate((st.st_mode & 0o7777) | 0o700),
            FchmodatFlags::NoFollowSymlink,
        )?;
    }
    let sub = nix::fcntl::openat(dir, name, DIR_FLAGS, Mode::empty())?;
    for n in dir_names(&sub)? {
        remove_at(&sub, &n, depth + 1, spill)?;
    }
    drop(sub);
    Ok(unlinkat(dir, name, UnlinkatFlags::RemoveDir)?)
}

/// The bytes of the files and links in the tree at `path` (a file with several links
/// counted once), read without following links, holding a descriptor per level.
fn tree_size(path: &Path) -> io::Result<u64> {
    use nix::sys::stat::SFlag;
    fn walk(
        dir: &OwnedFd,
        seen: &mut std::collections::HashSet<(u64, u64)>,
        depth: usize,
    ) -> io::Result<u64> {
        let mut total = 0;
        for (name, st, kind) in dir_entries(dir)? {
            if kind == SFlag::S_IFDIR {
                // A tree deeper than this is a container's mischief: what lies below is not counted.
                if depth < REMOVE_DEPTH {
                    let sub = nix::fcntl::openat(dir, name.as_os_str(), DIR_FLAGS, Mode::empty())?;
                    total += walk(&sub, seen, depth + 1)?;
                }
            } else if st.st_nlink <= 1 || seen.insert((st.st_dev, st.st_ino)) {
                total += u64::try_from(st.st_size).unwrap_or(0);
            }
        }
        Ok(total)
    }
    let top = nix::fcntl::open(
        path,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )?;
    walk(&top, &mut std::collections::HashSet::new(), 0)
}

/// The body of `nook __userns-job`: returns the process exit code.
pub fn serve() -> i32 {
    let outcome: Result<JobOutput, String> = (|| {
        let mut input = BufReader::with_capacity(256 * 1024, io::stdin());
        let mut line = String::new();
        input
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the job: {e}"))?;
        let job: Job = serde_json::from_str(&line).map_err(|e| format!("malformed job: {e}"))?;
        let mapping = IdMap::for_current_user().map_err(|e| e.to_string())?;
        let map = match job.keep() {
            None => mapping.map,
            Some(keep) => mapping
                .map
                .keep_id(keep)
                .ok_or_else(|| format!("your id map has no room for uid {} inside", keep.uid))?,
        };
        let ids = IdLimits {
            uids: map.uid_count(),
            gids: map.gid_count(),
            single: map.is_single(),
            keep: None,
        };
        let extra = match job {
            Job::ProbeOverlay { .. } | Job::ArchiveCopy { .. } | Job::ArchiveRoot { .. } => {
                CloneFlags::CLONE_NEWNS
            }
            _ => CloneFlags::empty(),
        };
        userns::run_in_userns(&map, extra, move || execute(job, &ids, input)).map_err(|e| match e {
            UsernsError::Work(s) => s,
            e => e.to_string(),
        })
    })();
    let mut stdout = io::stdout().lock();
    let written = serde_json::to_writer(&mut stdout, &outcome).is_ok() && stdout.flush().is_ok();
    match (written, outcome.is_ok()) {
        (true, true) => 0,
        _ => 1,
    }
}

/// Runs inside the user namespace, as its root. `input` is the rest of stdin.
fn execute(job: Job, ids: &IdLimits, input: impl Read) -> Result<JobOutput, String> {
    match job {
        Job::Unpack {
            blob,
            staging,
            dest,
            expected,
            keep,
        } => {
            let ids = &IdLimits {
                keep,
                ..ids.clone()
            };
            let layer: Box<dyn Read> = match &blob {
                Some(path) => Box::new(
                    fs::File::open(path)
                        .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
                ),
                None => Box::new(input),
            };
            // Written back later: the caller records the layer as pending first
            // (`image::settle`).
            let report = unpack_into(layer, &staging, expected.as_ref(), ids)
                .and_then(|r| match &dest {
                    Some(d) => commit_layer(&staging, d).map(|()| r),
                    None => Ok(r),
                })
                .inspect_err(|_| {
                    let _ = fs::remove_dir_all(&staging);
                })?;
            Ok(JobOutput::Unpacked(report))
        }
        Job::Remove { paths } => {
            for p in paths {
                remove_tree(&p).map_err(|e| format!("cannot remove {}: {e}", p.display()))?;
            }
            Ok(JobOutput::Removed)
        }
        Job::Settle { paths } => {
            for p in &paths {
                settle_tree(p)
                    .map_err(|e| StoreError::io("cannot write to disk", p, e).to_string())?;
            }
            Ok(JobOutput::Settled)
        }
        Job::ProbeOverlay { dir } => Ok(JobOutput::Overlay(rootfs::probe_overlay(&dir))),
        Job::ArchiveUpper {
            upper,
            skip,
            output,
            epoch,
            keep: _,
        } => crate::build::layer::archive_upper(&upper, &skip, &output, epoch)
            .map(JobOutput::Archived)
            .map_err(|e| archive_failed(Some("cannot archive the step's layer"), e, &output)),
        Job::ArchiveCopy {
            spec,
            mounts,
            output,
        } => {
            let _held = mount_stages(&mounts)?;
            crate::build::layer::archive_copy(&spec, &output)
                .map(JobOutput::Archived)
                .map_err(|e| archive_failed(None, e, &output))
        }
        Job::Usage { paths } => Ok(JobOutput::Usage(
            paths.iter().map(|p| tree_size(p).unwrap_or(0)).collect(),
        )),
        Job::ListChanges {
            upper,
            lowers,
            skip,
            keep: _,
        } => crate::build::layer::changes(&upper, &lowers, &skip)
            .map(JobOutput::Changes)
            .map_err(|e| format!("cannot list the container's changes: {e}")),
        Job::ArchiveRoot {
            root,
            output,
            keep: _,
        } => {
            let _held = mount_stages(std::slice::from_ref(&root))?;
            crate::build::layer::archive_tree(&root.at, &output)
                .map(JobOutput::Archived)
                .map_err(|e| {
                    archive_failed(
                        Some("cannot archive the container's filesystem"),
                        e,
                        &output,
                    )
                })
        }
    }
}

/// An archive job's failure as the user reads it: a full disk (the archive is written in
/// the store) said as the store says it, with what to do.
fn archive_failed(what: Option<&str>, e: io::Error, output: &Path) -> String {
    match (e.raw_os_error(), what) {
        (Some(libc::ENOSPC), _) => {
            crate::image::store::StoreError::io("cannot write", output, e).to_string()
        }
        (_, Some(what)) => format!("{what}: {e}"),
        (_, None) => e.to_string(),
    }
}

/// Mount each stage's root filesystem where it goes (in this job's own mount namespace);
/// what is returned keeps fuse-overlayfs daemons alive.
fn mount_stages(mounts: &[StageMount]) -> Result<Vec<rootfs::FuseMount>, String> {
    use nix::mount::{MsFlags, mount};
    mount::<str, str, str, str>(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
        .map_err(|e| format!("cannot make mounts private: {e}"))?;
    let mut held = Vec::new();
    for m in mounts {
        let (upper, work) = (m.scratch.join("upper"), m.scratch.join("work"));
        for d in [&m.at, &upper, &work] {
            fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        let layers = rootfs::Layers {
            lowers: &m.lowers,
            upper: &upper,
            work: &work,
            volatile: true,
        };
        match m.driver {
            rootfs::Driver::Overlay => rootfs::mount_overlay(&layers, &m.at),
            rootfs::Driver::FuseOverlayfs => {
                rootfs::mount_fuse_overlay(&layers, &m.at, &m.scratch.join("fuse.log"))
                    .map(|f| held.push(f))
            }
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(held)
}

/// Where an `Unpack` job puts the layer's files in its staging directory.
pub fn staged_diff(staging: &Path) -> PathBuf {
    staging.join("diff")
}

/// Unpack `layer` into `staging/diff`, check its diff id and write `staging/meta.json`.
fn unpack_into(
    layer: impl Read,
    staging: &Path,
    expected: Option<&Digest>,
    ids: &IdLimits,
) -> Result<UnpackReport, String> {
    // Modes come from the archive, exactly.
    nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    let diff = staged_diff(staging);
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(&diff)
        .map_err(|e| StoreError::io("cannot create", &diff, e).to_string())?;
    let report = unpack::unpack_layer(layer, &diff, ids).map_err(|e| e.to_string())?;
    let diffid = report.diffid.clone().expect("unpack reports a diff id");
    if let Some(want) = expected
        && *want != diffid
    {
        return Err(unpack::UnpackError::DiffId {
            expected: want.clone(),
            got: diffid,
        }
        .to_string());
    }
    let meta = LayerMeta {
        diffid,
        size: report.size,
    };
    let meta_path = staging.join("meta.json");
    fs::write(
        &meta_path,
        serde_json::to_vec(&meta).expect("meta serializes"),
    )
    // (A full disk may strike here as well as in the files: the same advice.)
    .map_err(|e| StoreError::io("cannot write", &meta_path, e).to_string())?;
    Ok(report)
}

/// How many descriptors [`settle_tree`] gathers before writing them back, several at once.
const SETTLE_BATCH: usize = 256;
/// How many `fdatasync`s run at once: the filesystem's journal commits them together.
const SETTLE_THREADS: usize = 8;

/// Make the tree at `path` durable: `fdatasync` of every regular file and `fsync` of every
/// directory, walked without following links (gone already is fine). A tree deeper than
/// [`REMOVE_DEPTH`] (an image's mischief) has its whole filesystem synced instead.
pub fn settle_tree(path: &Path) -> io::Result<()> {
    use nix::sys::stat::SFlag;
    fn walk(dir: &OwnedFd, depth: usize, batch: &mut Vec<OwnedFd>) -> io::Result<bool> {
        let mut whole = true;
        for (name, _, kind) in dir_entries(dir)? {
            if kind == SFlag::S_IFDIR {
                if depth >= REMOVE_DEPTH {
                    whole = false;
                    continue;
                }
                let sub = nix::fcntl::openat(dir, name.as_os_str(), DIR_FLAGS, Mode::empty())?;
                whole &= walk(&sub, depth + 1, batch)?;
                batch.push(sub);
            } else if kind == SFlag::S_IFREG {
                // Non-blocking and no links followed: a file swapped for a fifo or a link
                // since the stat cannot stall or redirect the walk.
                let flags = OFlag::O_RDONLY
                    | OFlag::O_NOFOLLOW
                    | OFlag::O_NONBLOCK
                    | OFlag::O_NOCTTY
                    | OFlag::O_CLOEXEC;
                batch.push(nix::fcntl::openat(
                    dir,
                    name.as_os_str(),
                    flags,
                    Mode::empty(),
                )?);
            }
            if batch.len() >= SETTLE_BATCH {
                write_back(std::mem::take(batch))?;
            }
        }
        Ok(whole)
    }
    let top = match nix::fcntl::open(path, DIR_FLAGS, Mode::empty()) {
        Ok(fd) => fd,
        Err(nix::errno::Errno::ENOENT) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut batch = Vec::new();
    let whole = walk(&top, 0, &mut batch)?;
    if !whole {
        nix::unistd::syncfs(top.as_fd())?;
    }
    batch.push(top);
    write_back(batch)
}

/// How the tree walkers open a directory: never through a link.
const DIR_FLAGS: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_NOFOLLOW)
    .union(OFlag::O_CLOEXEC);

/// The names in the directory `dir` (without `.` and `..`), read before anything changes it.
pub fn dir_names(dir: &OwnedFd) -> io::Result<Vec<std::ffi::OsString>> {
    let mut names = Vec::new();
    for entry in nix::dir::Dir::openat(dir, ".", DIR_FLAGS, Mode::empty())?.iter() {
        let n = entry?.file_name().to_bytes().to_vec();
        if n != b"." && n != b".." {
            names.push(std::ffi::OsString::from_vec(n));
        }
    }
    Ok(names)
}

/// [`dir_names`], each with its own status (a link's, not its target's) and kind.
fn dir_entries(
    dir: &OwnedFd,
) -> io::Result<
    Vec<(
        std::ffi::OsString,
        nix::sys::stat::FileStat,
        nix::sys::stat::SFlag,
    )>,
> {
    use nix::sys::stat::{SFlag, fstatat};
    dir_names(dir)?
        .into_iter()
        .map(|name| {
            let st = fstatat(
                dir,
                name.as_os_str(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )?;
            let kind = SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits());
            Ok((name, st, kind))
        })
        .collect()
}

/// `fdatasync` each of `fds`, [`SETTLE_THREADS`] at a time.
fn write_back(fds: Vec<OwnedFd>) -> io::Result<()> {
    let chunk = fds.len().div_ceil(SETTLE_THREADS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = fds
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .try_for_each(|fd| nix::unistd::fdatasync(fd).map_err(io::Error::from))
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("fdatasync does not panic"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settling walks files, directories, a fifo (which must not block it), links (not
    /// followed, even dangling) and a tree deeper than [`REMOVE_DEPTH`]; a missing tree is
    /// fine.
    #[test]
    fn trees_settle_whatever_they_hold() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("layer");
        let mut deep = root.join("diff");
        for i in 0..REMOVE_DEPTH + 3 {
            deep = deep.join(format!("d{i}"));
        }
        fs::create_dir_all(&deep).unwrap();
        fs::write(deep.join("bottom"), b"x").unwrap();
        fs::write(root.join("meta.json"), b"{}").unwrap();
        nix::unistd::mkfifo(&root.join("fifo"), Mode::from_bits_truncate(0o600)).unwrap();
        std::os::unix::fs::symlink("/nonexistent", root.join("dangling")).unwrap();
        settle_tree(&root).unwrap();
        settle_tree(&d.path().join("gone")).unwrap();
    }

    /// A tree deeper than [`REMOVE_DEPTH`], with a path far beyond PATH_MAX, files, links
    /// and a directory without permissions on the way, goes whole.
    #[test]
    fn deep_trees_are_removed() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("tree");
        fs::create_dir(&root).unwrap();
        let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
        let mut dir = nix::fcntl::open(&root, flags, Mode::empty()).unwrap();
        for i in 0..1500 {
            let name = format!("level-{i:04}");
            nix::sys::stat::mkdirat(&dir, name.as_str(), Mode::from_bits_truncate(0o755)).unwrap();
            nix::fcntl::openat(
                &dir,
                "file",
                OFlag::O_CREAT | OFlag::O_WRONLY,
                Mode::from_bits_truncate(0o644),
            )
            .unwrap();
            nix::unistd::symlinkat("/", &dir, "link").unwrap();
            dir = nix::fcntl::openat(&dir, name.as_str(), flags, Mode::empty()).unwrap();
        }
        nix::sys::stat::mkdirat(&dir, "closed", Mode::empty()).unwrap();
        drop(dir);
        remove_tree(&root).unwrap();
        assert!(fs::read_dir(d.path()).unwrap().next().is_none());
        remove_tree(&root).unwrap();
    }

    /// A keeper opens the container's directory when it has its spec, and deletes the
    /// writable layer there after the exit, when the monitor may have renamed it.
    #[test]
    fn trees_are_removed_where_their_directory_went() {
        let d = tempfile::tempdir().unwrap();
        let (dir, moved) = (d.path().join("container"), d.path().join("aside"));
        fs::create_dir_all(dir.join("upper/etc")).unwrap();
        fs::write(dir.join("upper/etc/passwd"), "x").unwrap();
        fs::write(dir.join("config.json"), "{}").unwrap();
        let held = open_dir(&dir).unwrap();
        fs::rename(&dir, &moved).unwrap();
        remove_tree_in(&held, std::ffi::OsStr::new("upper")).unwrap();
        assert_eq!(dir_names(&held).unwrap(), vec!["config.json"]);
        assert!(moved.join("config.json").is_file() && !moved.join("upper").exists());
    }
}
