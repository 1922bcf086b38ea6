//! Copying trees between the host and a container (`nook cp`), as a tar stream between a
//! sender and a receiver. The container's side runs inside the container's own mount
//! namespace (a running container's, joined; a stopped one's, mounted for the copy), rooted
//! at the container's root, so its symlinks resolve as the container sees them and can never
//! lead out of it. The host's side refuses archive paths that climb out of the destination
//! or pass through a symlink.
//!
//! The stream's first entry is the source itself, named by its base name; with docker's
//! rules the receiver decides where that lands (see [`receive_tree`]).

use std::ffi::OsString;
use std::fs;
use std::io::{self, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat, readlinkat};
use nix::sys::stat::{
    FileStat, Mode, SFlag, UtimensatFlags, fchmod, fstat, fstatat, futimens, mkdirat, utimensat,
};
use nix::sys::time::TimeSpec;
use nix::unistd::{UnlinkatFlags, unlinkat};

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("{0}: no such file or directory")]
    NotFound(String),
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: io::Error },
    #[error("cannot copy a directory onto {0}, which is not a directory")]
    DirOntoFile(String),
    #[error("{0} is not a directory (a destination ending in / must be one)")]
    NotADirectory(String),
    #[error("cannot create {0}: its parent directory does not exist")]
    NoParent(String),
    #[error("the archive is not a valid tar stream: {0}")]
    BadArchive(io::Error),
    #[error("the archive is empty")]
    Empty,
    #[error("refusing the archive entry {0:?}: {1}")]
    Unsafe(String, &'static str),
}

/// The base name a source travels under (`/` travels as `.`).
fn travel_name(src: &Path) -> PathBuf {
    src.file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn errno(e: Errno) -> io::Error {
    io::Error::from(e)
}

fn file_kind(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

const DIR: OFlag = OFlag::O_RDONLY
    .union(OFlag::O_DIRECTORY)
    .union(OFlag::O_NOFOLLOW)
    .union(OFlag::O_CLOEXEC);

/// A directory and a name in it: where an entry is, opened from that directory's descriptor
/// without following a link in its place (unless asked, for the source itself).
struct At {
    dir: OwnedFd,
    name: OsString,
}

impl At {
    /// The parent of `path` (its links followed: the path the user named) and its last name;
    /// `/` and paths ending in `..` are their own directory, named `.`.
    fn of(path: &Path) -> io::Result<At> {
        let (parent, name) = match (path.parent(), path.file_name()) {
            (Some(p), Some(n)) => (
                if p.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    p
                },
                n.to_os_string(),
            ),
            _ => (path, OsString::from(".")),
        };
        let dir = nix::fcntl::open(
            parent,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno)?;
        Ok(At { dir, name })
    }

    fn stat(&self, follow: bool) -> io::Result<FileStat> {
        let flags = match follow {
            true => AtFlags::empty(),
            false => AtFlags::AT_SYMLINK_NOFOLLOW,
        };
        fstatat(&self.dir, self.name.as_os_str(), flags).map_err(errno)
    }
}

/// Write the tree at `src` as a tar stream. Symlinks in it travel as themselves; `src`
/// itself is followed when `follow` (docker's `SRC/.`: the directory a link names).
/// Sockets, fifos and device nodes are skipped. Every entry is opened from its directory's
/// descriptor without following links, so a tree that changes meanwhile (a directory
/// swapped for a link to your home) sends nothing from outside it.
pub fn send_tree(src: &Path, follow: bool, out: impl Write) -> Result<(), CopyError> {
    let shown = src.display().to_string();
    let read_err = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => CopyError::NotFound(shown.clone()),
        _ => CopyError::Read {
            path: shown.clone(),
            source: e,
        },
    };
    let at = At::of(src).map_err(read_err)?;
    let st = at.stat(follow).map_err(read_err)?;
    let mut builder = tar::Builder::new(out);
    builder.mode(tar::HeaderMode::Complete);
    append(&mut builder, &at, follow, &travel_name(src), &st)?;
    builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(|e| CopyError::Write {
            path: "the copy stream".to_string(),
            source: e,
        })
}

fn header(st: &FileStat, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(st.st_mode & 0o7777);
    h.set_uid(u64::from(st.st_uid));
    h.set_gid(u64::from(st.st_gid));
    h.set_mtime(u64::try_from(st.st_mtime).unwrap_or(0));
    h.set_size(size);
    h
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    at: &At,
    follow: bool,
    name: &Path,
    st: &FileStat,
) -> Result<(), CopyError> {
    let read_err = |e: io::Error| CopyError::Read {
        path: name.display().to_string(),
        source: e,
    };
    let write_err = |e: io::Error| CopyError::Write {
        path: "the copy stream".to_string(),
        source: e,
    };
    let nofollow = if follow {
        OFlag::empty()
    } else {
        OFlag::O_NOFOLLOW
    };
    match file_kind(st) {
        SFlag::S_IFDIR => {
            let dir = openat(
                &at.dir,
                at.name.as_os_str(),
                (DIR - OFlag::O_NOFOLLOW) | nofollow,
                Mode::empty(),
            )
            .map_err(|e| read_err(errno(e)))?;
            let now = fstat(&dir).map_err(|e| read_err(errno(e)))?;
            if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                return Err(read_err(io::Error::other("it changed while being copied")));
            }
            let mut h = header(st, tar::EntryType::Directory, 0);
            builder
                .append_data(&mut h, name, io::empty())
                .map_err(write_err)?;
            let mut children: Vec<OsString> = Vec::new();
            for e in nix::dir::Dir::openat(&dir, ".", DIR, Mode::empty())
                .map_err(|e| read_err(errno(e)))?
                .iter()
            {
                let e = e.map_err(|e| read_err(errno(e)))?;
                let n = e.file_name().to_bytes();
                if n != b"." && n != b".." {
                    children.push(OsString::from(std::ffi::OsStr::from_bytes(n)));
                }
            }
            children.sort();
            for child in children {
                let child_at = At {
                    dir: dir.try_clone().map_err(read_err)?,
                    name: child.clone(),
                };
                let child_st = child_at.stat(false).map_err(read_err)?;
                append(builder, &child_at, false, &name.join(&child), &child_st)?;
            }
        }
        SFlag::S_IFLNK => {
            let target =
                readlinkat(&at.dir, at.name.as_os_str()).map_err(|e| read_err(errno(e)))?;
            let mut h = header(st, tar::EntryType::Symlink, 0);
            builder
                .append_link(&mut h, name, &target)
                .map_err(write_err)?;
        }
        SFlag::S_IFREG => {
            // Non-blocking: a fifo put in the file's place must not hang the copy.
            let fd = openat(
                &at.dir,
                at.name.as_os_str(),
                OFlag::O_RDONLY | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC | nofollow,
                Mode::empty(),
            )
            .map_err(|e| read_err(errno(e)))?;
            let now = fstat(&fd).map_err(|e| read_err(errno(e)))?;
            if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                return Err(read_err(io::Error::other("it changed while being copied")));
            }
            let size = u64::try_from(now.st_size).unwrap_or(0);
            let mut h = header(&now, tar::EntryType::Regular, size);
            // A file that shrinks meanwhile is padded with zeros: the stream stays whole.
            let data = fs::File::from(fd)
                .take(size)
                .chain(io::repeat(0))
                .take(size);
            builder.append_data(&mut h, name, data).map_err(write_err)?;
        }
        _ => {}
    }
    Ok(())
}

/// Where an archive lands: entries are made beneath the directory `base`, or, for the
/// archive's first entry when `top` is set, as that name in `base` (the destination
/// itself).
struct Landing {
    base: OwnedFd,
    top: Option<OsString>,
}

/// docker's rules, for a source that is a directory or not, and `dest` as it is now:
/// a directory goes into an existing directory under its own name, or becomes `dest`
/// (its contents, with `contents`: `SRC/.`); anything else goes into an existing directory
/// under its own name, or becomes the file `dest`. `dest`'s own links are followed (the
/// path the user named), nothing after.
fn landing(
    dest: &Path,
    trailing_slash: bool,
    source_is_dir: bool,
    contents: bool,
) -> Result<Landing, CopyError> {
    let shown = || dest.display().to_string();
    let write_err = |e: io::Error| CopyError::Write {
        path: shown(),
        source: e,
    };
    let at = At::of(dest).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => CopyError::NoParent(shown()),
        _ => write_err(e),
    })?;
    let existing = match at.stat(true) {
        Ok(st) => Some(file_kind(&st) == SFlag::S_IFDIR),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(write_err(e)),
    };
    if existing.is_none() && trailing_slash && !source_is_dir {
        return Err(CopyError::NotADirectory(shown()));
    }
    let into = |at: &At| -> Result<OwnedFd, CopyError> {
        openat(
            &at.dir,
            at.name.as_os_str(),
            DIR - OFlag::O_NOFOLLOW,
            Mode::empty(),
        )
        .map_err(|e| write_err(errno(e)))
    };
    match (source_is_dir, existing) {
        (true, Some(false)) => Err(CopyError::DirOntoFile(shown())),
        // Into the directory, under the source's own name.
        (true, Some(true)) if !contents => Ok(Landing {
            base: into(&at)?,
            top: None,
        }),
        (false, Some(true)) => Ok(Landing {
            base: into(&at)?,
            top: None,
        }),
        // Its contents into the directory.
        (true, Some(true)) => Ok(Landing {
            base: into(&at)?,
            top: Some(OsString::from(".")),
        }),
        // As the destination itself.
        _ => Ok(Landing {
            base: at.dir,
            top: Some(at.name),
        }),
    }
}

/// The entry's path as plain names only (no `..`, no root), its first (the source's own
/// name) replaced by `top` when set.
fn relative(path: &Path, top: Option<&OsString>) -> Result<Vec<OsString>, CopyError> {
    let shown = || path.display().to_string();
    let mut out = Vec::new();
    for (i, c) in path.components().enumerate() {
        match c {
            Component::Normal(_) if i == 0 && top.is_some() => {
                out.push(top.cloned().unwrap_or_default())
            }
            Component::Normal(n) => out.push(n.to_os_string()),
            Component::CurDir if i == 0 && top.is_some() => {
                out.push(top.cloned().unwrap_or_default())
            }
            Component::CurDir => {}
            Component::ParentDir => return Err(CopyError::Unsafe(shown(), "it climbs with ..")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(CopyError::Unsafe(shown(), "it is absolute"));
            }
        }
    }
    // `top` of "." means the base itself.
    out.retain(|n| n != ".");
    Ok(out)
}

/// The directory an entry at `rel` goes in (opened component by component from `base`,
/// never through a link: a directory of the copy swapped for a link by whoever else writes
/// there stops the copy), and its name; `None` for the base itself.
fn open_parent(base: &OwnedFd, rel: &[OsString]) -> Result<Option<At>, CopyError> {
    let Some((name, dirs)) = rel.split_last() else {
        return Ok(None);
    };
    let shown = || {
        rel.iter()
            .map(|n| n.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    };
    let mut dir = base.try_clone().map_err(|e| CopyError::Write {
        path: shown(),
        source: e,
    })?;
    for d in dirs {
        dir = match openat(&dir, d.as_os_str(), DIR, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::ELOOP) | Err(Errno::ENOTDIR) => {
                return Err(CopyError::Unsafe(
                    shown(),
                    "it would be written through a symbolic link",
                ));
            }
            Err(e) => {
                return Err(CopyError::Write {
                    path: shown(),
                    source: errno(e),
                });
            }
        };
    }
    Ok(Some(At {
        dir,
        name: name.clone(),
    }))
}

/// Unpack a stream made by [`send_tree`] (or `tar`) at `dest`, by docker's rules (see
/// [`landing`]); `contents` is set when the source was named `SRC/.`. Modes and times are
/// kept; owners are the caller's. Everything is written from descriptors without following
/// links, so whoever else writes in `dest` meanwhile (a container it is shared with) cannot
/// lead a write, or a change of mode, anywhere else.
pub fn receive_tree(
    input: impl Read,
    dest: &Path,
    trailing_slash: bool,
    contents: bool,
) -> Result<(), CopyError> {
    let mut archive = tar::Archive::new(input);
    let mut entries = archive.entries().map_err(CopyError::BadArchive)?;
    let mut landing: Option<Landing> = None;
    // Directory modes and times are set last, so a read-only directory can still be filled.
    let mut dirs: Vec<(Vec<OsString>, u32, i64)> = Vec::new();
    for entry in &mut entries {
        let mut entry = entry.map_err(CopyError::BadArchive)?;
        let path = entry.path().map_err(CopyError::BadArchive)?.into_owned();
        let kind = entry.header().entry_type();
        let land = match &landing {
            Some(l) => l,
            None => landing.insert(self::landing(
                dest,
                trailing_slash,
                kind.is_dir(),
                contents,
            )?),
        };
        let rel = relative(&path, land.top.as_ref())?;
        let shown = || path.display().to_string();
        let write_err = |e: Errno| CopyError::Write {
            path: shown(),
            source: errno(e),
        };
        let mode = entry.header().mode().unwrap_or(0o644) & 0o7777;
        let mtime = entry.header().mtime().unwrap_or(0) as i64;
        let times = [TimeSpec::new(mtime, 0), TimeSpec::new(mtime, 0)];
        let at = open_parent(&land.base, &rel)?;
        match kind {
            tar::EntryType::Directory => {
                if let Some(at) = &at {
                    match at.stat(false) {
                        Ok(st) if file_kind(&st) == SFlag::S_IFDIR => {}
                        Ok(_) => return Err(CopyError::DirOntoFile(shown())),
                        Err(_) => mkdirat(
                            &at.dir,
                            at.name.as_os_str(),
                            Mode::from_bits_truncate(0o700),
                        )
                        .map_err(write_err)?,
                    }
                    let dir = openat(&at.dir, at.name.as_os_str(), DIR, Mode::empty())
                        .map_err(write_err)?;
                    fchmod(&dir, Mode::from_bits_truncate(0o700 | mode)).map_err(write_err)?;
                }
                dirs.push((rel, mode, mtime));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Symlink => {
                let Some(at) = at else {
                    return Err(CopyError::DirOntoFile(dest.display().to_string()));
                };
                // What is there is replaced, never written through (a link) or into (a directory).
                match at.stat(false) {
                    Ok(st) if file_kind(&st) == SFlag::S_IFDIR => {
                        return Err(CopyError::Unsafe(shown(), "a directory is in its place"));
                    }
                    Ok(_) => unlinkat(&at.dir, at.name.as_os_str(), UnlinkatFlags::NoRemoveDir)
                        .map_err(write_err)?,
                    Err(_) => {}
                }
                if kind == tar::EntryType::Symlink {
                    let target = entry
                        .link_name()
                        .map_err(CopyError::BadArchive)?
                        .ok_or_else(|| CopyError::Unsafe(shown(), "a link without a target"))?;
                    nix::unistd::symlinkat(target.as_ref(), &at.dir, at.name.as_os_str())
                        .map_err(write_err)?;
                    let _ = utimensat(
                        &at.dir,
                        at.name.as_os_str(),
                        &times[0],
                        &times[1],
                        UtimensatFlags::NoFollowSymlink,
                    );
                } else {
                    let fd = openat(
                        &at.dir,
                        at.name.as_os_str(),
                        OFlag::O_WRONLY
                            | OFlag::O_CREAT
                            | OFlag::O_EXCL
                            | OFlag::O_NOFOLLOW
                            | OFlag::O_CLOEXEC,
                        Mode::from_bits_truncate(0o600),
                    )
                    .map_err(write_err)?;
                    let mut file = fs::File::from(fd);
                    io::copy(&mut entry, &mut file).map_err(|e| CopyError::Write {
                        path: shown(),
                        source: e,
                    })?;
                    fchmod(&file, Mode::from_bits_truncate(mode)).map_err(write_err)?;
                    futimens(&file, &times[0], &times[1]).map_err(write_err)?;
                }
            }
            // Metadata records of the tar format itself.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            _ => {
                return Err(CopyError::Unsafe(
                    shown(),
                    "only directories, files and symbolic links are copied",
                ));
            }
        }
    }
    // The archive ends at its first zero block, but a writer may send more (the second zero
    // block, a record's padding): read it all, or the writer's last write fails on a closed
    // pipe as though the copy had.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(CopyError::BadArchive)?;
    let Some(land) = landing else {
        return Err(CopyError::Empty);
    };
    for (rel, mode, mtime) in dirs.into_iter().rev() {
        let shown = rel
            .iter()
            .map(|n| n.to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let err = |e: Errno| CopyError::Write {
            path: shown.clone(),
            source: errno(e),
        };
        let dir = match open_parent(&land.base, &rel)? {
            Some(at) => openat(&at.dir, at.name.as_os_str(), DIR, Mode::empty()).map_err(err)?,
            None => land.base.try_clone().map_err(|e| CopyError::Write {
                path: shown.clone(),
                source: e,
            })?,
        };
        let t = TimeSpec::new(mtime, 0);
        futimens(&dir, &t, &t).map_err(err)?;
        fchmod(&dir, Mode::from_bits_truncate(mode)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn tree(root: &Path) {
        fs::create_dir_all(root.join("src/sub")).unwrap();
        fs::write(root.join("src/a"), b"A").unwrap();
        fs::write(root.join("src/sub/b"), b"B").unwrap();
        std::os::unix::fs::symlink("a", root.join("src/link")).unwrap();
        fs::set_permissions(root.join("src/a"), fs::Permissions::from_mode(0o751)).unwrap();
    }

    fn shuttle(src: &Path, dest: &Path, trailing: bool, contents: bool) -> Result<(), CopyError> {
        let mut buf = Vec::new();
        send_tree(src, contents, &mut buf)?;
        receive_tree(&buf[..], dest, trailing, contents)
    }

    #[test]
    fn docker_placement_rules() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        tree(r);
        // a directory onto a missing path becomes it
        shuttle(&r.join("src"), &r.join("copy"), false, false).unwrap();
        assert_eq!(fs::read(r.join("copy/sub/b")).unwrap(), b"B");
        assert_eq!(fs::read_link(r.join("copy/link")).unwrap(), Path::new("a"));
        assert_eq!(
            fs::metadata(r.join("copy/a")).unwrap().permissions().mode() & 0o777,
            0o751
        );
        // ... into an existing directory under its own name
        shuttle(&r.join("src"), &r.join("copy"), false, false).unwrap();
        assert_eq!(fs::read(r.join("copy/src/a")).unwrap(), b"A");
        // ... or its contents, with SRC/.
        fs::create_dir(r.join("flat")).unwrap();
        shuttle(&r.join("src"), &r.join("flat"), false, true).unwrap();
        assert_eq!(fs::read(r.join("flat/a")).unwrap(), b"A");
        // a file into a directory, or onto a new name
        shuttle(&r.join("src/a"), &r.join("flat/sub"), false, false).unwrap();
        assert_eq!(fs::read(r.join("flat/sub/a")).unwrap(), b"A");
        shuttle(&r.join("src/a"), &r.join("renamed"), false, false).unwrap();
        assert_eq!(fs::read(r.join("renamed")).unwrap(), b"A");
        // errors
        assert!(matches!(
            shuttle(&r.join("src"), &r.join("renamed"), false, false),
            Err(CopyError::DirOntoFile(_))
        ));
        assert!(matches!(
            shuttle(&r.join("src/a"), &r.join("nodir"), true, false),
            Err(CopyError::NotADirectory(_))
        ));
        assert!(matches!(
            shuttle(&r.join("src/a"), &r.join("no/such/place"), false, false),
            Err(CopyError::NoParent(_))
        ));
        assert!(matches!(
            shuttle(&r.join("missing"), &r.join("x"), false, false),
            Err(CopyError::NotFound(_))
        ));
    }

    /// `tar` pads its archives to a record of 10 KiB; a copy reads to the end of its input, so
    /// that whoever writes it never meets a closed pipe.
    #[test]
    fn the_input_is_read_to_its_end() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        tree(r);
        let mut buf = Vec::new();
        send_tree(&r.join("src/a"), false, &mut buf).unwrap();
        buf.resize(buf.len() + 10240, 0);
        let mut input = io::Cursor::new(&buf[..]);
        receive_tree(&mut input, &r.join("dest"), false, false).unwrap();
        assert_eq!(input.position(), buf.len() as u64);
        assert_eq!(fs::read(r.join("dest")).unwrap(), b"A");
    }

    #[test]
    fn hostile_archives_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        fs::create_dir(r.join("dest")).unwrap();
        fs::create_dir(r.join("outside")).unwrap();
        // a symlink to outside, then a file through it
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
        h.set_size(0);
        b.append_data(&mut h, "top", io::empty()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        b.append_link(&mut h, "top/esc", r.join("outside")).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        b.append_data(&mut h, "top/esc/planted", &b"x"[..]).unwrap();
        let bytes = b.into_inner().unwrap();
        let err = receive_tree(&bytes[..], &r.join("dest"), false, false).unwrap_err();
        assert!(matches!(err, CopyError::Unsafe(..)), "{err}");
        assert!(!r.join("outside/planted").exists());
        assert!(matches!(
            relative(Path::new("a/../../etc"), None),
            Err(CopyError::Unsafe(..))
        ));
    }

    /// A directory of the copy that is a link by the time it is written (another writer
    /// swapped it): nothing is written, and no mode changed, through it.
    #[test]
    fn links_in_the_destination_are_never_followed() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        fs::create_dir_all(r.join("src/sub")).unwrap();
        fs::write(r.join("src/sub/planted"), b"x").unwrap();
        fs::set_permissions(r.join("src/sub"), fs::Permissions::from_mode(0o777)).unwrap();
        let victim = r.join("victim");
        fs::create_dir(&victim).unwrap();
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o700)).unwrap();
        fs::create_dir_all(r.join("dest/src")).unwrap();
        std::os::unix::fs::symlink(&victim, r.join("dest/src/sub")).unwrap();
        let mut buf = Vec::new();
        send_tree(&r.join("src"), false, &mut buf).unwrap();
        assert!(receive_tree(&buf[..], &r.join("dest"), false, false).is_err());
        assert_eq!(
            fs::metadata(&victim).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert!(!victim.join("planted").exists());
        // A source whose directory is a link sends what the link is, not what it leads to.
        std::os::unix::fs::symlink(&victim, r.join("src/link")).unwrap();
        fs::write(victim.join("secret"), b"s").unwrap();
        let mut buf = Vec::new();
        send_tree(&r.join("src"), false, &mut buf).unwrap();
        let names: Vec<String> = tar::Archive::new(&buf[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert!(names.contains(&"src/link".to_string()), "{names:?}");
        assert!(!names.iter().any(|n| n.contains("secret")), "{names:?}");
    }
}
