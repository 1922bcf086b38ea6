//! Copying trees between the host and a container (`nook cp`), as a tar stream between a
//! sender and a receiver. The container's side runs inside the container's own mount
//! namespace (a running container's, joined; a stopped one's, mounted for the copy), rooted
//! at the container's root, so its symlinks resolve as the container sees them and can never
//! lead out of it. The host's side refuses archive paths that climb out of the destination
//! or pass through a symlink.
//!
//! The stream's first entry is the source itself, named by its base name; with docker's
//! rules the receiver decides where that lands (see [`receive_tree`]).

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

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

/// Write the tree at `src` as a tar stream. Symlinks in it travel as themselves; `src`
/// itself is followed when `follow` (docker's `SRC/.`: the directory a link names).
/// Sockets, fifos and device nodes are skipped.
pub fn send_tree(src: &Path, follow: bool, out: impl Write) -> Result<(), CopyError> {
    let shown = src.display().to_string();
    let stat = if follow {
        fs::metadata(src)
    } else {
        fs::symlink_metadata(src)
    };
    let meta = stat.map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => CopyError::NotFound(shown.clone()),
        _ => CopyError::Read {
            path: shown.clone(),
            source: e,
        },
    })?;
    let mut builder = tar::Builder::new(out);
    builder.follow_symlinks(false);
    builder.mode(tar::HeaderMode::Complete);
    append(&mut builder, src, &travel_name(src), &meta)?;
    builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(|e| CopyError::Write {
            path: "the copy stream".to_string(),
            source: e,
        })
}

fn append<W: Write>(
    builder: &mut tar::Builder<W>,
    path: &Path,
    name: &Path,
    meta: &fs::Metadata,
) -> Result<(), CopyError> {
    let read_err = |e: io::Error| CopyError::Read {
        path: path.display().to_string(),
        source: e,
    };
    let kind = meta.file_type();
    if kind.is_socket() || kind.is_fifo() || kind.is_block_device() || kind.is_char_device() {
        return Ok(());
    }
    if kind.is_dir() {
        // (From the metadata that was asked for: a followed link's directory, as a directory.)
        builder.append_dir(name, path).map_err(read_err)?;
    } else {
        builder
            .append_path_with_name(path, name)
            .map_err(read_err)?;
    }
    if kind.is_dir() {
        let mut children: Vec<_> = fs::read_dir(path)
            .map_err(read_err)?
            .collect::<Result<_, _>>()
            .map_err(read_err)?;
        children.sort_by_key(|e| e.file_name());
        for child in children {
            let child_meta = child.metadata().map_err(read_err)?;
            append(
                builder,
                &child.path(),
                &name.join(child.file_name()),
                &child_meta,
            )?;
        }
    }
    Ok(())
}

/// Where an archive lands.
struct Landing {
    /// Joined with each entry's path...
    base: PathBuf,
    /// ...after its first component (the source's name) is removed, when set.
    strip_root: bool,
}

/// docker's rules, for a source that is a directory or not, and `dest` as it is now:
/// a directory goes into an existing directory under its own name, or becomes `dest`
/// (its contents, with `contents`: `SRC/.`); anything else goes into an existing directory
/// under its own name, or becomes the file `dest`.
fn landing(
    dest: &Path,
    trailing_slash: bool,
    source_is_dir: bool,
    contents: bool,
) -> Result<Landing, CopyError> {
    let shown = || dest.display().to_string();
    let existing = fs::metadata(dest).ok();
    let dest_is_dir = existing.as_ref().is_some_and(|m| m.is_dir());
    if existing.is_none() {
        if trailing_slash && !source_is_dir {
            return Err(CopyError::NotADirectory(shown()));
        }
        let parent = dest.parent().unwrap_or(Path::new("/"));
        if !parent.as_os_str().is_empty() && !parent.is_dir() {
            return Err(CopyError::NoParent(shown()));
        }
    }
    match (source_is_dir, dest_is_dir) {
        (true, false) if existing.is_some() => Err(CopyError::DirOntoFile(shown())),
        (true, true) if !contents => Ok(Landing {
            base: dest.to_path_buf(),
            strip_root: false,
        }),
        (false, true) => Ok(Landing {
            base: dest.to_path_buf(),
            strip_root: false,
        }),
        _ => Ok(Landing {
            base: dest.to_path_buf(),
            strip_root: true,
        }),
    }
}

/// The entry's path as plain names only (no `..`, no root), without the source's own name
/// when `strip_root`.
fn relative(path: &Path, strip_root: bool) -> Result<PathBuf, CopyError> {
    let shown = || path.display().to_string();
    let mut out = PathBuf::new();
    for (i, c) in path.components().enumerate() {
        match c {
            Component::Normal(n) if !(strip_root && i == 0) => out.push(n),
            Component::Normal(_) | Component::CurDir => {}
            Component::ParentDir => return Err(CopyError::Unsafe(shown(), "it climbs with ..")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(CopyError::Unsafe(shown(), "it is absolute"));
            }
        }
    }
    Ok(out)
}

/// Refuse to write through a symlink between `base` and `rel`'s last component.
fn check_no_symlink(base: &Path, rel: &Path) -> Result<(), CopyError> {
    let mut at = base.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for c in parts.iter().take(parts.len().saturating_sub(1)) {
        at.push(c);
        if fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(CopyError::Unsafe(
                rel.display().to_string(),
                "it would be written through a symbolic link",
            ));
        }
    }
    Ok(())
}

/// Unpack a stream made by [`send_tree`] (or `tar`) at `dest`, by docker's rules (see
/// [`landing`]); `contents` is set when the source was named `SRC/.`. Modes and times are
/// kept; owners are the caller's.
pub fn receive_tree(
    input: impl Read,
    dest: &Path,
    trailing_slash: bool,
    contents: bool,
) -> Result<(), CopyError> {
    let mut archive = tar::Archive::new(input);
    let mut entries = archive.entries().map_err(CopyError::BadArchive)?;
    let mut landing: Option<Landing> = None;
    // Directory modes are set last, so a read-only directory can still be filled.
    let mut dirs: Vec<(PathBuf, u32, i64)> = Vec::new();
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
        let rel = relative(&path, land.strip_root)?;
        check_no_symlink(&land.base, &rel)?;
        // (Joining an empty path would add a slash.)
        let out = if rel.as_os_str().is_empty() {
            land.base.clone()
        } else {
            land.base.join(&rel)
        };
        let write_err = |e: io::Error| CopyError::Write {
            path: out.display().to_string(),
            source: e,
        };
        match kind {
            tar::EntryType::Directory => {
                match fs::symlink_metadata(&out) {
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => {
                        return Err(CopyError::DirOntoFile(out.display().to_string()));
                    }
                    Err(_) => fs::create_dir(&out).map_err(write_err)?,
                }
                let mode = entry.header().mode().unwrap_or(0o755);
                let mtime = entry.header().mtime().unwrap_or(0) as i64;
                fs::set_permissions(&out, fs::Permissions::from_mode(0o700 | mode))
                    .map_err(write_err)?;
                dirs.push((out, mode, mtime));
            }
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::Symlink => {
                entry.set_preserve_permissions(true);
                entry.set_preserve_mtime(true);
                entry.unpack(&out).map_err(write_err)?;
            }
            // Metadata records of the tar format itself.
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => {}
            _ => {
                return Err(CopyError::Unsafe(
                    path.display().to_string(),
                    "only directories, files and symbolic links are copied",
                ));
            }
        }
    }
    if landing.is_none() {
        return Err(CopyError::Empty);
    }
    for (dir, mode, mtime) in dirs.into_iter().rev() {
        let err = |e: io::Error| CopyError::Write {
            path: dir.display().to_string(),
            source: e,
        };
        let t = nix::sys::time::TimeSpec::new(mtime, 0);
        nix::sys::stat::utimensat(
            nix::fcntl::AT_FDCWD,
            &dir,
            &t,
            &t,
            nix::sys::stat::UtimensatFlags::NoFollowSymlink,
        )
        .map_err(|e| err(e.into()))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(mode & 0o7777)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            relative(Path::new("a/../../etc"), false),
            Err(CopyError::Unsafe(..))
        ));
    }
}
