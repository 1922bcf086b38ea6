//! Durability of exactly what nook wrote to the store, off the critical path.
//!
//! A pull (or load, import, build, repair) writes layers and blobs through the page cache and
//! moves them under their final names at once. Just before that, it records which in
//! `pending/` (durably, with the boot they were written in); just after, it hands the record
//! to a background `nook __settle`, which `fdatasync`s their files and `fsync`s their
//! directories (nothing else on the filesystem: a `syncfs` made a pull wait for every other
//! program's unwritten data) and then removes the record. So:
//! - a pull never waits for writeback, its own or anybody else's;
//! - a record left by a process that died in this boot is settled by the next nook command;
//! - a record from an earlier boot means the machine went down before its files reached the
//!   disk. The next nook command removes those layers, checks those blobs against their
//!   digests, unpacks again each layer whose blob is sound and drops the images that cannot be
//!   made whole (what `system check --repair` does, for just these).
//!
//! A record is locked (flock) by whoever works on it: its writer until the hand-off, then a
//! settler. A record nobody holds is free for the next command to take up.

use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::manage::{self, ManageError};
use super::store::{self, Store, StoreError};
use crate::runtime::jobs::{self, Job, JobError};

/// The hidden subcommand that writes pending records back.
pub const SETTLE_COMMAND: &str = "__settle";

#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Manage(#[from] ManageError),
    #[error("{path} is not a record nook wrote: {why}")]
    Record { path: PathBuf, why: String },
}

/// What a record says: blobs and trees (layers) that appeared before they reached the disk.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    boot: String,
    #[serde(default)]
    blobs: Vec<Digest>,
    /// Relative to the store's root.
    #[serde(default)]
    trees: Vec<PathBuf>,
}

/// A record of files about to appear in the store before they are on disk, held (locked)
/// until [`hand_off`]. Dropped without a hand-off, it stays for the next command to settle.
pub struct Pending {
    _lock: File,
}

impl Pending {
    /// Record durably that `blobs` and `trees` (paths in the store) are about to appear.
    pub fn begin(store: &Store, blobs: &[Digest], trees: &[PathBuf]) -> Result<Self, StoreError> {
        let record = Record {
            boot: crate::container::boot_id(),
            blobs: blobs.to_vec(),
            trees: trees
                .iter()
                .map(|t| t.strip_prefix(store.root()).unwrap_or(t).to_path_buf())
                .collect(),
        };
        let dir = store.pending_dir();
        let path = dir.join(format!("{}.json", store::random_hex(16)));
        // Written in tmp/ (scratch of a live process is nobody else's to sweep), then moved in.
        let tmp = store.tmp_path("pending-record");
        let io = |action, e| StoreError::io(action, &tmp, e);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| io("cannot create", e))?;
        // Locked before it has its name: nobody takes it up while its files are still moving.
        let written = file
            .lock()
            .and_then(|()| file.write_all(&serde_json::to_vec(&record).expect("records serialize")))
            .and_then(|()| file.sync_data())
            .map_err(|e| io("cannot write", e))
            .and_then(|()| fs::rename(&tmp, &path).map_err(|e| io("cannot rename", e)))
            .and_then(|()| store::sync_dir(&dir));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            let _ = fs::remove_file(&path);
            return Err(e);
        }
        Ok(Self { _lock: file })
    }
}

/// Have what `pending` records written back by a `nook __settle` in the background, then let
/// go of the records (the settler waits for that).
pub fn hand_off(pending: Vec<Pending>) {
    if !pending.is_empty() {
        spawn_settler();
    }
}

/// Start `nook __settle` as a daemon: in a session of its own (a ^C or a hang-up meant for the
/// command that started it must not stop it), away from the caller's pipes, and never the
/// caller's child (see [`crate::sys::detach`]).
fn spawn_settler() {
    let mut cmd = Command::new("/proc/self/exe");
    cmd.arg(SETTLE_COMMAND)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    crate::sys::detach(&mut cmd);
    // Not started: the records stay, and the next command starts one.
    if let Ok(mut child) = cmd.spawn() {
        let _ = child.wait();
    }
}

/// The body of `nook __settle`: write back every record of this boot that nobody holds
/// (waiting for its writer's hand-off), and remove each once its files are on disk.
pub fn serve() -> i32 {
    let Some(store) = crate::config::data_root()
        .ok()
        .and_then(|r| Store::at(&r).ok())
    else {
        return 1;
    };
    let mut status = 0;
    for (path, file) in records(&store) {
        if file.lock().is_err() || !still_there(&file) {
            continue;
        }
        let outcome = read(&path).and_then(|record| {
            if record.boot != crate::container::boot_id() {
                // The machine went down first: a foreground command checks these.
                return Ok(());
            }
            settle(&store, &record)?;
            forget(&store, &path)
        });
        if outcome.is_err() {
            status = 1;
        }
    }
    status
}

/// Take up the records nobody holds, before a command uses the store: a record of this boot
/// goes to a new settler; one from an earlier boot is checked now, with a word to the user.
pub fn resume(store: &Store) {
    let mut orphans = false;
    let mut stale = Vec::new();
    for (path, file) in records(store) {
        if file.try_lock().is_err() || !still_there(&file) {
            continue;
        }
        match read(&path) {
            Ok(record) if record.boot == crate::container::boot_id() => orphans = true,
            Ok(record) => stale.push((path, record, file)),
            Err(e) => {
                // Said once: a record that cannot be read cannot be acted on.
                crate::commands::warn(&format!(
                    "{e}; removed it\n  Fix: run `nook system check --repair`, which checks \
                     every blob and layer"
                ));
                let _ = forget(store, &path);
            }
        }
    }
    if orphans {
        spawn_settler();
    }
    if !stale.is_empty()
        && let Err(e) = recover(store, &stale)
    {
        crate::commands::warn(&format!(
            "cannot check what nook wrote just before the machine went down: {e}\n  \
             Fix: run `nook system check --repair`"
        ));
    }
}

/// The records in `pending/`, each opened (to lock).
fn records(store: &Store) -> Vec<(PathBuf, File)> {
    let Ok(dir) = fs::read_dir(store.pending_dir()) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, File)> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| File::open(&p).ok().map(|f| (p, f)))
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// Does the locked record still have its name (another settler may have finished it)?
fn still_there(file: &File) -> bool {
    file.metadata().is_ok_and(|m| m.nlink() > 0)
}

fn read(path: &Path) -> Result<Record, SettleError> {
    let bad = |why: String| SettleError::Record {
        path: path.to_path_buf(),
        why,
    };
    let bytes = fs::read(path).map_err(|e| bad(e.to_string()))?;
    let record: Record = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    // Only paths inside the store: no `..`, nothing absolute.
    if let Some(t) = record
        .trees
        .iter()
        .find(|t| !t.components().all(|c| matches!(c, Component::Normal(_))))
    {
        return Err(bad(format!("{} is outside the store", t.display())));
    }
    Ok(record)
}

/// Write back the record's files, then the directories that name them.
fn settle(store: &Store, record: &Record) -> Result<(), SettleError> {
    let trees: Vec<PathBuf> = record
        .trees
        .iter()
        .map(|t| store.root().join(t))
        .filter(|t| t.exists())
        .collect();
    if !trees.is_empty() {
        jobs::run(&Job::Settle {
            paths: trees.clone(),
        })?;
    }
    for blob in &record.blobs {
        let path = store.blob_path(blob);
        match File::open(&path).and_then(|f| f.sync_data()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(StoreError::io("cannot write to disk", &path, e).into());
            }
            _ => {}
        }
    }
    if !record.blobs.is_empty() {
        store::sync_dir(&store.blobs_dir())?;
    }
    sync_parents(&trees)
}

/// Make durable the directories that name `trees` (that they are there, or gone).
fn sync_parents(trees: &[PathBuf]) -> Result<(), SettleError> {
    let parents: BTreeSet<&Path> = trees.iter().filter_map(|t| t.parent()).collect();
    for dir in parents.into_iter().filter(|d| d.is_dir()) {
        store::sync_dir(dir)?;
    }
    Ok(())
}

/// Remove a record whose work is done (durably: it must not come back after a crash, nor go
/// before its work is on disk).
fn forget(store: &Store, path: &Path) -> Result<(), SettleError> {
    fs::remove_file(path).map_err(|e| StoreError::io("cannot remove", path, e))?;
    Ok(store::sync_dir(&store.pending_dir())?)
}

/// What records of an earlier boot name may be lost or torn: remove their trees, and repair
/// the store as `system check --repair` does, with only their blobs in doubt.
fn recover(store: &Store, stale: &[(PathBuf, Record, File)]) -> Result<(), SettleError> {
    let trees: Vec<PathBuf> = stale
        .iter()
        .flat_map(|(_, r, _)| r.trees.iter().map(|t| store.root().join(t)))
        .collect();
    let blobs: HashSet<Digest> = stale
        .iter()
        .flat_map(|(_, r, _)| r.blobs.iter().cloned())
        .collect();
    eprintln!(
        "nook: the machine went down before {} layer(s) and {} blob(s) nook had just written \
         reached the disk; checking them",
        trees.len(),
        blobs.len()
    );
    let aside: Vec<PathBuf> = trees
        .iter()
        .map(|t| store.move_aside(t, "unsettled"))
        .collect();
    jobs::remove_trees(&aside)?;
    sync_parents(&trees)?;
    let report = manage::check(store, true, Some(&blobs))?;
    for repair in &report.repairs {
        eprintln!("nook: {repair}");
    }
    for (path, _, _) in stale {
        forget(store, path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record may only name trees inside the store.
    #[test]
    fn records_name_only_paths_in_the_store() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("r.json");
        for (trees, ok) in [
            (r#"["layers/abc"]"#, true),
            (r#"["../../home/u/.ssh"]"#, false),
            (r#"["/etc"]"#, false),
            (r#"["layers/./abc"]"#, true),
            (r#"["layers/x/../../.."]"#, false),
        ] {
            fs::write(&path, format!(r#"{{"boot":"b","trees":{trees}}}"#)).unwrap();
            assert_eq!(read(&path).is_ok(), ok, "{trees}");
        }
        fs::write(&path, "not json").unwrap();
        assert!(read(&path).is_err());
    }
}
