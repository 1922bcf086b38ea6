//! Unpacking one layer tar into a directory that overlayfs (or fuse-overlayfs) can stack.
//!
//! Runs as root of a user namespace with the user's id map, so owners land on disk as the
//! mapped host ids. Every path is resolved under the layer root with `openat2`
//! (`RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS`): an entry can neither climb out with `..` or an
//! absolute path, nor write through a symlink an earlier entry planted. OCI whiteouts
//! (`.wh.NAME`) become 0/0 character devices and `.wh..wh..opq` becomes the
//! `user.overlay.opaque` xattr, the forms overlayfs understands with `userxattr`.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::runtime::idmap::KeepId;
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, OpenHow, ResolveFlag, openat, openat2};
use nix::sys::stat::{
    FchmodatFlags, Mode, SFlag, UtimensatFlags, fchmod, fstatat, futimens, makedev, mkdirat,
    mknodat, utimensat,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{Gid, Uid, UnlinkatFlags, fchown, fchownat, linkat, symlinkat, unlinkat};
use serde::{Deserialize, Serialize};
use tar::EntryType;
use xattr::FileExt;

use super::digest::{Digest, HashingReader};

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer is not a valid tar archive: {0}")]
    Tar(io::Error),
    #[error(
        "layer is compressed with {0}, which nook cannot read; use gzip, zstd or no compression"
    )]
    Compression(&'static str),
    #[error(
        "layer entry {path:?} has {why}; the archive may be malicious, so nothing was imported"
    )]
    UnsafePath { path: PathBuf, why: &'static str },
    #[error(
        "layer entry {path:?} would be written through the symbolic link {link:?}; \
         the archive may be malicious, so nothing was imported"
    )]
    ThroughSymlink { path: PathBuf, link: PathBuf },
    #[error("layer entry {path:?} is a hard link to {target:?}, which is not in this layer")]
    LinkTarget { path: PathBuf, target: PathBuf },
    #[error(
        "layer entry {path:?} is owned by {kind} {id}, but your id map has only {kind}s 0-{max}.\n  \
         {hint}"
    )]
    Unmapped {
        path: PathBuf,
        kind: &'static str,
        id: u64,
        max: u64,
        hint: String,
    },
    #[error(
        "no space left on the device that holds nook's store (unpacking {0:?}).\n  \
         Fix: free some space (`nook image prune` removes unused images), then try again"
    )]
    NoSpace(PathBuf),
    #[error("cannot {action} {path:?} in the layer: {source}")]
    Fs {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error("layer content does not match its diff id: expected {expected}, got {got}")]
    DiffId { expected: Digest, got: Digest },
}

fn fs_err<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(Errno) -> UnpackError + 'a {
    move |e| io_err(action, path, io::Error::from(e))
}

fn io_err(action: &'static str, path: &Path, source: io::Error) -> UnpackError {
    if source.raw_os_error() == Some(libc::ENOSPC) {
        return UnpackError::NoSpace(path.to_path_buf());
    }
    UnpackError::Fs {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Limits of the id map the unpacker runs under, for clear errors.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IdLimits {
    pub uids: u64,
    pub gids: u64,
    /// Set when the user has no subordinate ranges.
    pub single: bool,
    /// Unpack for keep-id containers: owners as that map puts them on the host.
    #[serde(default)]
    pub keep: Option<crate::runtime::idmap::KeepId>,
}

/// What one unpack found.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct UnpackReport {
    pub diffid: Option<Digest>,
    /// Bytes of the uncompressed tar stream.
    pub size: u64,
    pub entries: u64,
    /// Device nodes a user namespace cannot create (skipped, as rootless podman does).
    pub skipped_devices: Vec<String>,
    /// Extended attributes that could not be kept (trusted.*, or refused by the filesystem).
    pub skipped_xattrs: Vec<String>,
}

/// Unpack the (possibly gzip- or zstd-compressed) layer `input` into the empty directory
/// `dest`, returning what was found, including the diff id of the uncompressed stream.
pub fn unpack_layer(
    input: impl Read,
    dest: &Path,
    ids: &IdLimits,
) -> Result<UnpackReport, UnpackError> {
    let mut hashing = HashingReader::new(decompress(input)?);
    let root = openat(
        nix::fcntl::AT_FDCWD,
        dest,
        OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(fs_err("open", dest))?;
    let mut unpacker = Unpacker {
        root,
        ids: ids.clone(),
        report: UnpackReport::default(),
        dir_times: Vec::new(),
        cached_parent: None,
        buf: vec![0; COPY_BUF],
    };
    {
        let mut archive = tar::Archive::new(&mut hashing);
        for entry in archive.entries().map_err(UnpackError::Tar)? {
            let mut entry = entry.map_err(UnpackError::Tar)?;
            unpacker.entry(&mut entry)?;
        }
    }
    unpacker.finish_dirs()?;
    let (diffid, size) = hashing.finish().map_err(UnpackError::Tar)?;
    let mut report = unpacker.report;
    report.diffid = Some(diffid);
    report.size = size;
    Ok(report)
}

/// Wrap `input` in the decompressor its first bytes call for, buffered on both sides: the
/// stream is inflated in large pieces, whatever size its reader asks for (a tar reader,
/// 512-byte headers). An uncompressed stream passes through one buffer, not two.
pub fn decompress<'a>(input: impl Read + 'a) -> Result<Box<dyn BufRead + 'a>, UnpackError> {
    let mut buffered = BufReader::with_capacity(COPY_BUF, input);
    let head = buffered.fill_buf().map_err(UnpackError::Tar)?;
    Ok(match head {
        [0x1f, 0x8b, ..] => Box::new(BufReader::with_capacity(
            COPY_BUF,
            flate2::read::MultiGzDecoder::new(buffered),
        )),
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Box::new(BufReader::with_capacity(
            COPY_BUF,
            zstd::stream::read::Decoder::with_buffer(buffered).map_err(UnpackError::Tar)?,
        )),
        [0xfd, b'7', b'z', b'X', b'Z', 0, ..] => return Err(UnpackError::Compression("xz")),
        [b'B', b'Z', b'h', ..] => return Err(UnpackError::Compression("bzip2")),
        _ => Box::new(buffered),
    })
}

struct Unpacker {
    root: OwnedFd,
    ids: IdLimits,
    report: UnpackReport,
    /// Directory mtimes, applied at the end (adding entries would change them).
    dir_times: Vec<(PathBuf, TimeSpec)>,
    /// The last parent directory opened, reused while entries stay in one directory, and
    /// whether it is setgid (new entries then take its group).
    cached_parent: Option<(PathBuf, Rc<File>, bool)>,
    /// File contents pass through here, so a large file is written in few system calls
    /// (`io::copy` would write 8 KiB at a time).
    buf: Vec<u8>,
}

/// The unit of reading and inflating layers, and of writing file contents.
const COPY_BUF: usize = 256 * 1024;

const WHITEOUT_PREFIX: &str = ".wh.";
const OPAQUE_MARKER: &str = ".wh..wh..opq";
const OPAQUE_XATTR: &str = "user.overlay.opaque";

impl Unpacker {
    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<(), UnpackError> {
        self.report.entries += 1;
        let raw_path = entry.path().map_err(UnpackError::Tar)?.into_owned();
        let Some(path) = clean_path(&raw_path)? else {
            return Ok(()); // the layer root itself ("./")
        };
        let parent_path = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let name = path
            .file_name()
            .expect("clean paths end in a name")
            .to_os_string();
        let name_str = name.to_string_lossy();

        if name_str == OPAQUE_MARKER {
            let (dir, _) = self.parent(&parent_path, &path)?;
            dir.set_xattr(OPAQUE_XATTR, b"y")
                .map_err(|e| io_err("mark opaque", &parent_path, e))?;
            return Ok(());
        }
        if let Some(hidden) = name_str.strip_prefix(WHITEOUT_PREFIX) {
            if matches!(hidden, "" | "." | "..") {
                return Err(UnpackError::UnsafePath {
                    path: path.clone(),
                    why: "a whiteout of '.', '..' or nothing",
                });
            }
            let hidden = OsString::from(hidden);
            let target = parent_path.join(&hidden);
            let (dir, _) = self.parent(&parent_path, &path)?;
            remove_existing(&dir, &hidden, &target)?;
            mknodat(
                dir.as_fd(),
                hidden.as_os_str(),
                SFlag::S_IFCHR,
                Mode::empty(),
                makedev(0, 0),
            )
            .map_err(fs_err("create whiteout", &target))?;
            return Ok(());
        }

        let header = entry.header().clone();
        let kind = header.entry_type();
        let mut uid = header.uid().map_err(UnpackError::Tar)?;
        let mut gid = header.gid().map_err(UnpackError::Tar)?;
        let mut mtime = header.mtime().unwrap_or(0) as i64;
        let mode =
            Mode::from_bits_truncate((header.mode().map_err(UnpackError::Tar)? & 0o7777) as _);
        let mut xattrs: Vec<(String, Vec<u8>)> = Vec::new();
        if let Some(pax) = entry.pax_extensions().map_err(UnpackError::Tar)? {
            for ext in pax {
                let ext = ext.map_err(UnpackError::Tar)?;
                let Ok(key) = ext.key() else { continue };
                if let Some(attr) = key.strip_prefix("SCHILY.xattr.") {
                    xattrs.push((attr.to_string(), ext.value_bytes().to_vec()));
                } else if key == "uid" {
                    uid = ext.value().ok().and_then(|v| v.parse().ok()).unwrap_or(uid);
                } else if key == "gid" {
                    gid = ext.value().ok().and_then(|v| v.parse().ok()).unwrap_or(gid);
                } else if key == "mtime" {
                    mtime = ext
                        .value()
                        .ok()
                        .and_then(|v| v.split('.').next()?.parse().ok())
                        .unwrap_or(mtime);
                }
            }
        }
        self.check_ids(&path, uid, gid)?;
        let (uid, gid) = match self.ids.keep {
            Some(k) => (
                KeepId::owner(k.uid, uid as u32),
                KeepId::owner(k.gid, gid as u32),
            ),
            None => (uid as u32, gid as u32),
        };
        let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
        let times = TimeSpec::new(mtime, 0);
        let (dir, parent_setgid) = self.parent(&parent_path, &path)?;

        // Entries are created by root of the user namespace, so they belong to 0:0 already
        // (unless the directory is setgid); ownership and special mode bits cost a syscall
        // each, on a hot path, so they are set only when they differ.
        let owned_by_root = uid.as_raw() == 0 && gid.as_raw() == 0 && !parent_setgid;
        let plain_mode = Mode::from_bits_truncate(mode.bits() & 0o777);
        let special_bits = mode.bits() & 0o7000 != 0;
        match kind {
            EntryType::Directory => {
                let fresh = match mkdirat(dir.as_fd(), name.as_os_str(), plain_mode) {
                    Ok(()) => true,
                    Err(Errno::EEXIST) => {
                        match fstatat(dir.as_fd(), name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW) {
                            Ok(st) if SFlag::from_bits_truncate(st.st_mode) == SFlag::S_IFDIR => {
                                false
                            }
                            _ => {
                                remove_existing(&dir, &name, &path)?;
                                mkdirat(dir.as_fd(), name.as_os_str(), plain_mode)
                                    .map_err(fs_err("create directory", &path))?;
                                true
                            }
                        }
                    }
                    Err(e) => return Err(fs_err("create directory", &path)(e)),
                };
                if !(fresh && owned_by_root && !special_bits && xattrs.is_empty()) {
                    let fd = open_beneath(dir.as_fd(), &name).map_err(fs_err("open", &path))?;
                    let file = File::from(fd);
                    if !(fresh && owned_by_root) {
                        fchown(&file, Some(uid), Some(gid))
                            .map_err(fs_err("set the owner of", &path))?;
                    }
                    if !fresh || special_bits || !owned_by_root {
                        fchmod(&file, mode).map_err(fs_err("set the mode of", &path))?;
                    }
                    self.set_xattrs(&file, &path, &xattrs);
                }
                self.dir_times.push((path.clone(), times));
            }
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                let create = || {
                    openat(
                        dir.as_fd(),
                        name.as_os_str(),
                        OFlag::O_CREAT
                            | OFlag::O_EXCL
                            | OFlag::O_WRONLY
                            | OFlag::O_NOFOLLOW
                            | OFlag::O_CLOEXEC,
                        plain_mode,
                    )
                };
                let fd = match create() {
                    Err(Errno::EEXIST) => {
                        remove_existing(&dir, &name, &path)?;
                        create()
                    }
                    other => other,
                }
                .map_err(fs_err("create", &path))?;
                let mut file = File::from(fd);
                copy_contents(entry, &mut file, &mut self.buf)
                    .map_err(|e| io_err("write", &path, e))?;
                if !owned_by_root {
                    fchown(&file, Some(uid), Some(gid))
                        .map_err(fs_err("set the owner of", &path))?;
                }
                // chown clears setuid and setgid, so special bits go on last.
                if special_bits {
                    fchmod(&file, mode).map_err(fs_err("set the mode of", &path))?;
                }
                self.set_xattrs(&file, &path, &xattrs);
                futimens(&file, &times, &times).map_err(fs_err("set the time of", &path))?;
            }
            EntryType::Symlink => {
                let target = link_target(entry, &path, "a symbolic link without a target")?;
                remove_existing(&dir, &name, &path)?;
                symlinkat(target.as_os_str(), dir.as_fd(), name.as_os_str())
                    .map_err(fs_err("create symbolic link", &path))?;
                chown_entry(&dir, &name, uid, gid, &path)?;
                utimensat(
                    dir.as_fd(),
                    name.as_os_str(),
                    &times,
                    &times,
                    UtimensatFlags::NoFollowSymlink,
                )
                .map_err(fs_err("set the time of", &path))?;
            }
            EntryType::Link => {
                let raw_target = link_target(entry, &path, "a hard link without a target")?;
                let target = clean_path(&raw_target)?.ok_or(UnpackError::LinkTarget {
                    path: path.clone(),
                    target: raw_target.clone(),
                })?;
                let target_parent = target.parent().unwrap_or(Path::new(""));
                let target_dir =
                    self.open_existing_dir(target_parent)
                        .map_err(|_| UnpackError::LinkTarget {
                            path: path.clone(),
                            target: raw_target.clone(),
                        })?;
                let target_name = target.file_name().expect("clean paths end in a name");
                if target == path {
                    return Ok(());
                }
                remove_existing(&dir, &name, &path)?;
                linkat(
                    target_dir.as_fd(),
                    target_name,
                    dir.as_fd(),
                    name.as_os_str(),
                    AtFlags::empty(),
                )
                .map_err(|e| match e {
                    Errno::ENOENT => UnpackError::LinkTarget {
                        path: path.clone(),
                        target: raw_target.clone(),
                    },
                    e => fs_err("create hard link", &path)(e),
                })?;
            }
            EntryType::Char | EntryType::Block => {
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                remove_existing(&dir, &name, &path)?;
                if kind == EntryType::Char && major == 0 && minor == 0 {
                    // Already in overlay form: a whiteout.
                    mknodat(
                        dir.as_fd(),
                        name.as_os_str(),
                        SFlag::S_IFCHR,
                        Mode::empty(),
                        makedev(0, 0),
                    )
                    .map_err(fs_err("create whiteout", &path))?;
                } else {
                    self.report
                        .skipped_devices
                        .push(format!("/{}", path.display()));
                }
            }
            EntryType::Fifo => {
                remove_existing(&dir, &name, &path)?;
                mknodat(dir.as_fd(), name.as_os_str(), SFlag::S_IFIFO, mode, 0)
                    .map_err(fs_err("create fifo", &path))?;
                chown_entry(&dir, &name, uid, gid, &path)?;
                nix::sys::stat::fchmodat(
                    dir.as_fd(),
                    name.as_os_str(),
                    mode,
                    FchmodatFlags::FollowSymlink,
                )
                .map_err(fs_err("set the mode of", &path))?;
            }
            // Metadata records (pax, GNU long names) are consumed by the tar reader; anything
            // else carries no file.
            _ => {}
        }
        Ok(())
    }

    fn check_ids(&self, path: &Path, uid: u64, gid: u64) -> Result<(), UnpackError> {
        let hint = if self.ids.single {
            "You have no subordinate id range. Fix: sudo usermod --add-subuids 100000-165535 \
             --add-subgids 100000-165535 $USER"
                .to_string()
        } else {
            "Fix: give your user a larger range in /etc/subuid and /etc/subgid (65536 ids is usual)"
                .to_string()
        };
        for (kind, id, count) in [("uid", uid, self.ids.uids), ("gid", gid, self.ids.gids)] {
            if id >= count {
                return Err(UnpackError::Unmapped {
                    path: path.to_path_buf(),
                    kind,
                    id,
                    max: count - 1,
                    hint,
                });
            }
        }
        Ok(())
    }

    fn set_xattrs(&mut self, file: &File, path: &Path, xattrs: &[(String, Vec<u8>)]) {
        for (key, value) in xattrs {
            // The overlay's own attributes are nook's to set: a layer must not forge
            // opaque markers or redirects.
            let allowed = (key.starts_with("user.") && !key.starts_with("user.overlay."))
                || key == "security.capability";
            if !allowed || file.set_xattr(key, value).is_err() {
                self.report
                    .skipped_xattrs
                    .push(format!("{key} on /{}", path.display()));
            }
        }
    }

    /// The directory that holds `path`, created (root-owned, 0755) if the archive did not list
    /// it first. Never follows a symlink.
    fn parent(&mut self, parent: &Path, path: &Path) -> Result<(Rc<File>, bool), UnpackError> {
        if let Some((cached, file, setgid)) = &self.cached_parent
            && cached == parent
        {
            return Ok((file.clone(), *setgid));
        }
        let file = Rc::new(self.open_dir_creating(parent, path)?);
        let setgid = nix::sys::stat::fstat(&*file)
            .map(|st| st.st_mode & libc::S_ISGID != 0)
            .map_err(fs_err("inspect", parent))?;
        self.cached_parent = Some((parent.to_path_buf(), file.clone(), setgid));
        Ok((file, setgid))
    }

    fn open_existing_dir(&self, rel: &Path) -> Result<File, Errno> {
        let rel: &Path = if rel.as_os_str().is_empty() {
            Path::new(".")
        } else {
            rel
        };
        open_beneath(self.root.as_fd(), rel.as_os_str()).map(File::from)
    }

    fn open_dir_creating(&self, rel: &Path, entry: &Path) -> Result<File, UnpackError> {
        match self.open_existing_dir(rel) {
            Ok(f) => return Ok(f),
            Err(Errno::ENOENT) => {}
            Err(e) => return Err(self.explain_resolve(rel, entry, e)),
        }
        // Walk down, creating what is missing.
        let mut dir = self
            .open_existing_dir(Path::new(""))
            .map_err(fs_err("open", rel))?;
        let mut sofar = PathBuf::new();
        for comp in rel.components() {
            let Component::Normal(name) = comp else {
                continue;
            };
            sofar.push(name);
            match open_beneath(dir.as_fd(), name) {
                Ok(fd) => dir = File::from(fd),
                Err(Errno::ENOENT) => {
                    mkdirat(dir.as_fd(), name, Mode::from_bits_truncate(0o755))
                        .map_err(fs_err("create directory", &sofar))?;
                    dir = File::from(
                        open_beneath(dir.as_fd(), name).map_err(fs_err("open", &sofar))?,
                    );
                }
                Err(e) => return Err(self.explain_resolve(&sofar, entry, e)),
            }
        }
        Ok(dir)
    }

    fn explain_resolve(&self, rel: &Path, entry: &Path, e: Errno) -> UnpackError {
        match e {
            // A symlink met on the way shows as ELOOP, or as ENOTDIR when it is the last part.
            Errno::ELOOP | Errno::EXDEV | Errno::ENOTDIR => {
                // Find the component that is a symlink, for the message.
                let mut sofar = PathBuf::new();
                for comp in rel.components() {
                    sofar.push(comp);
                    if let Ok(st) = fstatat(
                        self.root.as_fd(),
                        sofar.as_path(),
                        AtFlags::AT_SYMLINK_NOFOLLOW,
                    ) && SFlag::from_bits_truncate(st.st_mode) == SFlag::S_IFLNK
                    {
                        return UnpackError::ThroughSymlink {
                            path: entry.to_path_buf(),
                            link: sofar,
                        };
                    }
                }
                match e {
                    Errno::ENOTDIR => UnpackError::UnsafePath {
                        path: entry.to_path_buf(),
                        why: "a parent that is not a directory",
                    },
                    _ => UnpackError::ThroughSymlink {
                        path: entry.to_path_buf(),
                        link: rel.to_path_buf(),
                    },
                }
            }
            e => fs_err("open", rel)(e),
        }
    }

    fn finish_dirs(&mut self) -> Result<(), UnpackError> {
        self.cached_parent = None;
        for (path, times) in self.dir_times.drain(..).rev() {
            // The directory may have been replaced by a later entry; only real directories count.
            if let Ok(fd) = open_beneath(self.root.as_fd(), path.as_os_str()) {
                futimens(&fd, &times, &times).map_err(fs_err("set the time of", &path))?;
            }
        }
        Ok(())
    }
}

/// Copy all of `from` into `to` through `buf`, writing only full buffers (and the rest).
fn copy_contents(from: &mut impl Read, to: &mut File, buf: &mut [u8]) -> io::Result<()> {
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match from.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        io::Write::write_all(to, &buf[..filled])?;
        if filled < buf.len() {
            return Ok(());
        }
    }
}

/// Give `name` in `dir` (a symlink or fifo: not opened) its owner.
fn chown_entry(
    dir: &File,
    name: &OsStr,
    uid: Uid,
    gid: Gid,
    path: &Path,
) -> Result<(), UnpackError> {
    fchownat(
        dir.as_fd(),
        name,
        Some(uid),
        Some(gid),
        AtFlags::AT_SYMLINK_NOFOLLOW,
    )
    .map_err(fs_err("set the owner of", path))
}

/// The target of a link entry.
fn link_target<R: Read>(
    entry: &tar::Entry<'_, R>,
    path: &Path,
    missing: &'static str,
) -> Result<PathBuf, UnpackError> {
    match entry.link_name().map_err(UnpackError::Tar)? {
        Some(target) => Ok(target.into_owned()),
        None => Err(UnpackError::UnsafePath {
            path: path.to_path_buf(),
            why: missing,
        }),
    }
}

/// Open a directory below `dir`, refusing symlinks, `..` escapes and magic links.
fn open_beneath(dir: impl AsFd, rel: &OsStr) -> Result<OwnedFd, Errno> {
    let how = OpenHow::new()
        .flags(OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW)
        .resolve(
            ResolveFlag::RESOLVE_BENEATH
                | ResolveFlag::RESOLVE_NO_SYMLINKS
                | ResolveFlag::RESOLVE_NO_MAGICLINKS,
        );
    openat2(dir, rel, how)
}

/// Remove whatever is at `name` in `dir` (a directory tree included), so an entry can replace it.
fn remove_existing(dir: &File, name: &OsStr, path: &Path) -> Result<(), UnpackError> {
    match fstatat(dir.as_fd(), name, AtFlags::AT_SYMLINK_NOFOLLOW) {
        Err(Errno::ENOENT) => Ok(()),
        Err(e) => Err(fs_err("inspect", path)(e)),
        Ok(st) if SFlag::from_bits_truncate(st.st_mode) == SFlag::S_IFDIR => {
            let sub = File::from(open_beneath(dir.as_fd(), name).map_err(fs_err("open", path))?);
            remove_tree_contents(&sub, path)?;
            unlinkat(dir.as_fd(), name, UnlinkatFlags::RemoveDir).map_err(fs_err("remove", path))
        }
        Ok(_) => {
            unlinkat(dir.as_fd(), name, UnlinkatFlags::NoRemoveDir).map_err(fs_err("remove", path))
        }
    }
}

fn remove_tree_contents(dir: &File, path: &Path) -> Result<(), UnpackError> {
    let fd = dir.try_clone().map_err(|e| UnpackError::Fs {
        action: "open",
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut listing = nix::dir::Dir::from_fd(OwnedFd::from(fd)).map_err(fs_err("list", path))?;
    let names: Vec<OsString> = listing
        .iter()
        .filter_map(|e| e.ok())
        .map(|e| OsStr::from_bytes(e.file_name().to_bytes()).to_os_string())
        .filter(|n| n != "." && n != "..")
        .collect();
    for name in names {
        remove_existing(dir, &name, &path.join(&name))?;
    }
    Ok(())
}

/// A tar path as a relative path of normal components, or `None` for the root itself.
/// Absolute paths and `..` are refused: a layer never needs them.
fn clean_path(raw: &Path) -> Result<Option<PathBuf>, UnpackError> {
    let mut out = PathBuf::new();
    for comp in raw.components() {
        match comp {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(UnpackError::UnsafePath {
                    path: raw.to_path_buf(),
                    why: "a '..' component",
                });
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(UnpackError::UnsafePath {
                    path: raw.to_path_buf(),
                    why: "an absolute path",
                });
            }
        }
    }
    Ok((!out.as_os_str().is_empty()).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_paths() {
        assert_eq!(
            clean_path(Path::new("./a/b")).unwrap(),
            Some(PathBuf::from("a/b"))
        );
        assert_eq!(clean_path(Path::new("./")).unwrap(), None);
        assert!(clean_path(Path::new("a/../../etc")).is_err());
        assert!(clean_path(Path::new("/etc/passwd")).is_err());
    }

    /// Contents arrive in uneven pieces (as from a tar entry over a decompressor); what is
    /// written is exactly them, at every size around the buffer's.
    #[test]
    fn contents_are_copied_whole() {
        struct Uneven<'a>(&'a [u8], usize);
        impl Read for Uneven<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.1 = self.1 % 7 + 1;
                let n = buf.len().min(self.0.len()).min(self.1 * 1000);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let dir = std::env::temp_dir().join(format!("nook-copy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut buf = vec![0; 4096];
        for size in [0, 1, 4095, 4096, 4097, 3 * 4096, 20_000] {
            let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
            let path = dir.join("f");
            let mut file = File::create(&path).unwrap();
            copy_contents(&mut Uneven(&data, 0), &mut file, &mut buf).unwrap();
            drop(file);
            assert_eq!(std::fs::read(&path).unwrap(), data, "size {size}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn detects_compression() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, b"plain text").unwrap();
        let gz = gz.finish().unwrap();
        let mut out = String::new();
        decompress(&gz[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "plain text");
        let zst = zstd::encode_all(&b"plain text"[..], 1).unwrap();
        out.clear();
        decompress(&zst[..])
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, "plain text");
        assert!(matches!(
            decompress(&b"\xfd7zXZ\0rest"[..]),
            Err(UnpackError::Compression("xz"))
        ));
    }
}
