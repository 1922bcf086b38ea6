//! The on-disk store under `$XDG_DATA_HOME/nook`:
//!
//! ```text
//! blobs/sha256/<hex>        content-addressed blobs, verified as written (tmp → fsync → rename)
//! layers/<diffid>/diff/     unpacked layer trees (overlay lower dirs), owned by mapped ids
//! layers/<diffid>/meta.json what the unpacker found (size, notes)
//! images.json               the image index (see `index.rs`), replaced atomically
//! containers/<id>/          one directory per container
//! mnt/                      where each container's keeper mounts its root filesystem, in
//!                           its own mount namespace (so the host only ever sees it empty)
//! init/                     a layer over every image: the mount points every container
//!                           has (see `Store::init_layer`)
//! tmp/                      work in progress; never read as content
//! locks/                    flock files
//! pending/                  what was made visible before it reached the disk (`settle.rs`)
//! ```
//! Anything appears under its final name only when complete, so a crash leaves either the
//! old state or the new one, plus debris in `tmp/` that nothing reads. Layers and pulled
//! blobs are written back after they appear, in the background: a record in `pending/`,
//! durable first, says which, so that a machine that goes down before they reach the disk
//! has them checked and made again (see `settle.rs`).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::runtime::idmap::KeepId;
use serde::{Deserialize, Serialize};

use super::digest::{Digest, HashingWriter};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot create the nook store in {path}: {source}\n  \
         Fix: make the directory writable, or point XDG_DATA_HOME at a writable directory"
    )]
    Create { path: PathBuf, source: io::Error },
    #[error("{action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(
        "no space left on the device that holds nook's store (writing {path}).\n  \
         Fix: free some space (`nook image prune` removes unused images), then try again"
    )]
    NoSpace { path: PathBuf },
    #[error("content does not match its digest: expected {expected} ({expected_size}), got {got} ({got_size} bytes)",
        expected_size = .expected_size.map_or("any size".to_string(), |s| format!("{s} bytes")))]
    DigestMismatch {
        expected: Digest,
        expected_size: Option<u64>,
        got: Digest,
        got_size: u64,
    },
    #[error(
        "blob {digest} is missing from the store; run `nook system check` (or pull/load the image again)"
    )]
    MissingBlob { digest: Digest },
    #[error("blob {digest} in the store is corrupt (its content no longer matches its digest)")]
    CorruptBlob { digest: Digest },
    #[error("cannot parse {path}: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: &Path, source: io::Error) -> Self {
        if source.raw_os_error() == Some(libc::ENOSPC) {
            return StoreError::NoSpace {
                path: path.to_path_buf(),
            };
        }
        StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What the unpacker recorded about a layer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LayerMeta {
    pub diffid: Digest,
    /// Size of the uncompressed tar stream.
    pub size: u64,
}

#[derive(Clone, Debug)]
pub struct Store {
    root: PathBuf,
}

/// The directories of the init layer (see [`Store::init_layer`]): an image's entry for each
/// must be a directory (or absent) for the layer to go over it.
pub const INIT_LAYER_DIRS: [&str; 4] = ["etc", "proc", "sys", "dev"];

impl Store {
    /// Open (creating if needed) the store at `root`.
    pub fn open(root: &Path) -> Result<Self, StoreError> {
        let store = Store {
            root: root.to_path_buf(),
        };
        for dir in [
            store.root.clone(),
            store.blobs_dir(),
            store.layers_dir(),
            store.tmp_dir(),
            store.locks_dir(),
            store.pending_dir(),
            store.containers_dir(),
            store.mount_point(),
        ] {
            if !dir.is_dir() {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&dir)
                    .map_err(|source| StoreError::Create {
                        path: dir.clone(),
                        source,
                    })?;
            }
        }
        // A read-only store fails here, with a clear message, rather than halfway through.
        nix::unistd::access(&store.root, nix::unistd::AccessFlags::W_OK).map_err(|e| {
            StoreError::Create {
                path: store.root.clone(),
                source: e.into(),
            }
        })?;
        Ok(store)
    }

    /// The store at `root`, which nook has opened before (for its own helper processes).
    pub fn at(root: &Path) -> Result<Self, StoreError> {
        if !root.join("containers").is_dir() {
            return Err(StoreError::Create {
                path: root.to_path_buf(),
                source: io::Error::from(io::ErrorKind::NotFound),
            });
        }
        Ok(Store {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs/sha256")
    }
    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }
    pub fn locks_dir(&self) -> PathBuf {
        self.root.join("locks")
    }
    pub fn pending_dir(&self) -> PathBuf {
        self.root.join("pending")
    }
    pub fn containers_dir(&self) -> PathBuf {
        self.root.join("containers")
    }
    /// The directory every container's root filesystem is mounted on, each in the private
    /// mount namespace of its keeper. Being shared and never removed, it is never a mount
    /// point the host has to detach when a container's directory goes away.
    pub fn mount_point(&self) -> PathBuf {
        self.root.join("mnt")
    }
    pub fn index_path(&self) -> PathBuf {
        self.root.join("images.json")
    }

    /// `init/`: a layer over every container's image, as docker's "init" layer, holding the
    /// mount points every container has: `/proc`, `/sys` and `/dev`, and the network's
    /// empty `/etc/hosts`, `/etc/hostname` and `/etc/resolv.conf`. They are then not made
    /// in each container's writable layer at each start, and an image's own links there are
    /// not followed. Made once and whole (in `tmp/`, then renamed into place); `None` when
    /// it cannot be made, and each container then gets mount points of its own.
    pub fn init_layer(&self) -> Option<PathBuf> {
        let layer = self.root.join("init");
        if layer.is_dir() {
            return Some(layer);
        }
        let staging = self.tmp_path("init");
        let made = (|| -> io::Result<()> {
            let dirs = INIT_LAYER_DIRS.map(|d| staging.join(d));
            for dir in &dirs {
                fs::create_dir_all(dir)?;
            }
            for name in ["hosts", "hostname", "resolv.conf"] {
                let file = staging.join("etc").join(name);
                File::create_new(&file)?;
                fs::set_permissions(&file, fs::Permissions::from_mode(0o644))?;
            }
            // As an image's, whatever the user's umask.
            for dir in dirs.iter().chain([&staging]) {
                fs::set_permissions(dir, fs::Permissions::from_mode(0o755))?;
            }
            fs::rename(&staging, &layer)
        })();
        if made.is_err() {
            let _ = fs::remove_dir_all(&staging);
        }
        // (another nook may have made it meanwhile)
        layer.is_dir().then_some(layer)
    }

    /// Move `path` into `tmp/` in one step (so that a process killed while removing it
    /// leaves scratch to sweep, never a half-removed layer, container or volume); where it
    /// now is, or `path` itself if it could not be moved.
    pub fn move_aside(&self, path: &Path, what: &str) -> PathBuf {
        let aside = self.tmp_path(what);
        match fs::rename(path, &aside) {
            Ok(()) => aside,
            Err(_) => path.to_path_buf(),
        }
    }

    /// A fresh name in `tmp/` (not created).
    pub fn tmp_path(&self, what: &str) -> PathBuf {
        self.tmp_dir()
            .join(format!("{what}-{}-{}", std::process::id(), random_hex(8)))
    }

    // ---- blobs ----

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs_dir().join(digest.hex())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Read a small blob (manifest, config) and check it against its digest.
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(digest);
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => StoreError::MissingBlob {
                digest: digest.clone(),
            },
            _ => StoreError::io("cannot read", &path, e),
        })?;
        if Digest::of(&bytes) != *digest {
            return Err(StoreError::CorruptBlob {
                digest: digest.clone(),
            });
        }
        Ok(bytes)
    }

    /// Store `bytes` as a blob; returns its digest and whether it was new.
    pub fn put_blob_bytes(&self, bytes: &[u8]) -> Result<(Digest, bool), StoreError> {
        let (digest, _, created) = self.put_blob(bytes, None, None)?;
        Ok((digest, created))
    }

    /// Copy `reader` into the store, verifying digest and size when they are known.
    /// Returns the digest, the size and whether the blob was new.
    pub fn put_blob(
        &self,
        mut reader: impl Read,
        expected: Option<&Digest>,
        expected_size: Option<u64>,
    ) -> Result<(Digest, u64, bool), StoreError> {
        if let Some(d) = expected
            && self.has_blob(d)
        {
            // Still consume the input so callers reading a stream stay in step.
            io::copy(&mut reader, &mut io::sink())
                .map_err(|e| StoreError::io("cannot read the input for", &self.blob_path(d), e))?;
            let size = fs::metadata(self.blob_path(d))
                .map(|m| m.len())
                .unwrap_or(0);
            return Ok((d.clone(), size, false));
        }
        let tmp = self.tmp_path("blob");
        let result = (|| {
            let file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o644)
                .open(&tmp)
                .map_err(|e| StoreError::io("cannot create", &tmp, e))?;
            let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
            io::copy(&mut reader, &mut w).map_err(|e| StoreError::io("cannot write", &tmp, e))?;
            let (buf, digest, size) = w.finish();
            let file = buf
                .into_inner()
                .map_err(|e| StoreError::io("cannot write", &tmp, e.into_error()))?;
            let mismatch =
                expected.is_some_and(|d| *d != digest) || expected_size.is_some_and(|s| s != size);
            if mismatch {
                return Err(StoreError::DigestMismatch {
                    expected: expected.cloned().unwrap_or_else(|| digest.clone()),
                    expected_size,
                    got: digest,
                    got_size: size,
                });
            }
            file.sync_all()
                .map_err(|e| StoreError::io("cannot sync", &tmp, e))?;
            let dest = self.blob_path(&digest);
            let created = !dest.exists();
            fs::rename(&tmp, &dest).map_err(|e| StoreError::io("cannot rename", &dest, e))?;
            sync_dir(&self.blobs_dir())?;
            Ok((digest, size, created))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    pub fn remove_blob(&self, digest: &Digest) -> Result<(), StoreError> {
        let path = self.blob_path(digest);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                Err(StoreError::io("cannot remove", &path, e))
            }
            _ => Ok(()),
        }
    }

    // ---- layers ----

    /// `layers/<hex>`: holds `diff/` (the tree) and `meta.json`.
    pub fn layer_path(&self, diffid: &Digest) -> PathBuf {
        self.layers_dir().join(diffid.hex())
    }

    /// The tree overlayfs stacks.
    pub fn layer_diff(&self, diffid: &Digest) -> PathBuf {
        self.layer_path(diffid).join("diff")
    }

    /// `layers/<hex>/keep-<uid>-<gid>`: the layer unpacked again, with its owners as a keep-id
    /// container of these ids sees them (removed with the layer).
    pub fn keep_layer_path(&self, diffid: &Digest, keep: KeepId) -> PathBuf {
        self.layer_path(diffid)
            .join(format!("keep-{}-{}", keep.uid, keep.gid))
    }

    /// The tree a keep-id container stacks.
    pub fn keep_layer_diff(&self, diffid: &Digest, keep: KeepId) -> PathBuf {
        self.keep_layer_path(diffid, keep).join("diff")
    }

    pub fn has_keep_layer(&self, diffid: &Digest, keep: KeepId) -> bool {
        self.keep_layer_path(diffid, keep)
            .join("meta.json")
            .is_file()
    }

    pub fn has_layer(&self, diffid: &Digest) -> bool {
        self.layer_path(diffid).join("meta.json").is_file()
    }

    pub fn layer_meta(&self, diffid: &Digest) -> Result<LayerMeta, StoreError> {
        let path = self.layer_path(diffid).join("meta.json");
        let bytes = fs::read(&path).map_err(|e| StoreError::io("cannot read", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::Parse { path, source })
    }

    // ---- locks ----

    /// Take an exclusive lock named `name` (released when the guard drops).
    pub fn lock(&self, name: &str) -> Result<File, StoreError> {
        let file = self.lock_file(name)?;
        file.lock().map_err(|e| {
            StoreError::io(
                "cannot lock",
                &self.locks_dir().join(format!("{name}.lock")),
                e,
            )
        })?;
        Ok(file)
    }

    /// Hold off garbage collection while adding to the store (pull, load, import, run):
    /// any number of these run at once; `rmi`, `prune` and `system check --repair` wait.
    pub fn gc_shared(&self) -> Result<File, StoreError> {
        let file = self.lock_file("gc")?;
        file.lock_shared()
            .map_err(|e| StoreError::io("cannot lock", &self.locks_dir().join("gc.lock"), e))?;
        Ok(file)
    }

    /// Take the store for garbage collection: nothing is being added meanwhile.
    pub fn gc_exclusive(&self) -> Result<File, StoreError> {
        let file = self.lock_file("gc")?;
        file.lock()
            .map_err(|e| StoreError::io("cannot lock", &self.locks_dir().join("gc.lock"), e))?;
        Ok(file)
    }

    /// The lock file `locks/<name>.lock` (made if missing), not locked yet.
    pub fn lock_file(&self, name: &str) -> Result<File, StoreError> {
        let path = self.locks_dir().join(format!("{name}.lock"));
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| StoreError::io("cannot open lock", &path, e))
    }

    /// Write `bytes` to `path` atomically (tmp in the same directory, fsync, rename, fsync dir).
    pub fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
        write_atomic(path, bytes)
    }
}

/// Write `bytes` to `path` atomically and durably: a crash or power loss leaves the old
/// content or the new, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_replacing(path, bytes, Replace::Durable)
}

/// Replace `path` atomically (a crashed process never leaves a partial file) but without
/// waiting for the disk: for records that change often and whose loss in a power cut only
/// makes them stale, not for content the store depends on.
pub fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_replacing(path, bytes, Replace::Renamed)
}

/// How a new file takes the place of the old one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replace {
    /// Written back first (fsync, then the directory's).
    Durable,
    /// Renamed over it: ext4 then starts writing the new file back at once
    /// (`auto_da_alloc`), so that a power cut leaves the old or the new, not an empty file.
    Renamed,
    /// Exchanged with it (`RENAME_EXCHANGE`), the old one then removed: nothing is written
    /// back early, so a record that changes several times in a container's life and goes
    /// with it costs no disk I/O, but a power cut soon after may leave it empty. For records
    /// whose readers survive that (a container's state).
    Exchanged,
}

/// Replace `path` as [`replace_file_reserved`] does, without a spare.
pub fn replace_file_unreserved(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_replacing(path, bytes, Replace::Exchanged)
}

/// How much room a record's spare holds (a container's state is about half a KiB).
const SPARE_SIZE: u64 = 16 << 10;

/// Replace `path` as [`replace_file`] does, even on a full disk: when no new file can be
/// made, the record is written into `spare` (a file kept allocated beside it for this, so
/// writing it needs no new space) and that takes `path`'s place. A new spare is made
/// whenever there is room. A container's state is written so: a container that filled the
/// disk still has its exit recorded.
pub fn replace_file_reserved(path: &Path, bytes: &[u8], spare: &Path) -> Result<(), StoreError> {
    match write_replacing(path, bytes, Replace::Exchanged) {
        Ok(()) => {
            if fs::symlink_metadata(spare).is_err() {
                // No room for one now: the next write tries again.
                let _ = make_spare(spare);
            }
            Ok(())
        }
        Err(StoreError::NoSpace { .. }) if bytes.len() as u64 <= SPARE_SIZE && spare.is_file() => {
            let mut f = OpenOptions::new()
                .write(true)
                .open(spare)
                .map_err(|e| StoreError::io("cannot open", spare, e))?;
            f.write_all(bytes)
                .and_then(|()| f.set_len(bytes.len() as u64))
                .map_err(|e| StoreError::io("cannot write", spare, e))?;
            fs::rename(spare, path).map_err(|e| StoreError::io("cannot rename", path, e))
        }
        Err(e) => Err(e),
    }
}

/// A file of [`SPARE_SIZE`] bytes whose space is allocated, made under another name first so
/// that a spare is never short.
fn make_spare(spare: &Path) -> io::Result<()> {
    let mut name = spare.as_os_str().to_owned();
    name.push(format!(".{}", random_hex(4)));
    let tmp = PathBuf::from(name);
    let made = (|| {
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        nix::fcntl::fallocate(
            &f,
            nix::fcntl::FallocateFlags::empty(),
            0,
            SPARE_SIZE as i64,
        )?;
        fs::rename(&tmp, spare)
    })();
    if made.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    made
}

fn write_replacing(path: &Path, bytes: &[u8], how: Replace) -> Result<(), StoreError> {
    let durable = how == Replace::Durable;
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}", std::process::id(), random_hex(4)));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|e| StoreError::io("cannot create", &tmp, e))?;
        f.write_all(bytes)
            .and_then(|_| if durable { f.sync_all() } else { Ok(()) })
            .map_err(|e| StoreError::io("cannot write", &tmp, e))?;
        match how {
            Replace::Exchanged => exchange(&tmp, path),
            _ => fs::rename(&tmp, path),
        }
        .map_err(|e| StoreError::io("cannot rename", path, e))?;
        if durable { sync_dir(dir) } else { Ok(()) }
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Put `new` in the place of `path` by exchanging the two and removing the old file, now at
/// `new`'s name; a plain rename where there is nothing to exchange with, or the filesystem
/// cannot exchange.
fn exchange(new: &Path, path: &Path) -> io::Result<()> {
    use nix::fcntl::{AT_FDCWD, RenameFlags, renameat2};
    match renameat2(AT_FDCWD, new, AT_FDCWD, path, RenameFlags::RENAME_EXCHANGE) {
        Ok(()) => {
            // The old record: a leftover only costs its few bytes, swept with its container.
            let _ = fs::remove_file(new);
            Ok(())
        }
        Err(nix::errno::Errno::ENOENT | nix::errno::Errno::EINVAL | nix::errno::Errno::ENOSYS) => {
            fs::rename(new, path)
        }
        Err(e) => Err(e.into()),
    }
}

pub fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("cannot sync", dir, e))
}

/// `n` random bytes as hex.
pub fn random_hex(n: usize) -> String {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).expect("the kernel's random source is available");
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_verified_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("nook")).unwrap();
        let (d, created) = store.put_blob_bytes(b"hello").unwrap();
        assert!(created);
        assert_eq!(store.read_blob(&d).unwrap(), b"hello");
        let (_, again) = store.put_blob_bytes(b"hello").unwrap();
        assert!(!again);

        let wrong = Digest::of(b"other");
        let err = store
            .put_blob(&b"data"[..], Some(&wrong), None)
            .unwrap_err();
        assert!(matches!(err, StoreError::DigestMismatch { .. }), "{err}");
        let err = store
            .put_blob(&b"data"[..], Some(&Digest::of(b"data")), Some(3))
            .unwrap_err();
        assert!(matches!(err, StoreError::DigestMismatch { .. }), "{err}");
        // nothing is left in tmp/ and no blob appears for failed writes
        assert_eq!(fs::read_dir(store.tmp_dir()).unwrap().count(), 0);
        assert!(!store.has_blob(&Digest::of(b"data")));

        fs::write(store.blob_path(&d), b"tampered").unwrap();
        assert!(matches!(
            store.read_blob(&d),
            Err(StoreError::CorruptBlob { .. })
        ));
    }

    #[test]
    fn unwritable_store_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        fs::write(&file, b"").unwrap();
        let err = Store::open(&file.join("nook")).unwrap_err();
        assert!(err.to_string().contains("XDG_DATA_HOME"), "{err}");
    }
}
