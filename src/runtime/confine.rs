//! Paths inside a container's root filesystem, resolved as the kernel resolves them after
//! `pivot_root` (every symbolic link, `..` and absolute path kept inside the root), but one
//! component at a time from descriptors, before the container runs: no link, however long
//! its chain and however it changes meanwhile, leads out of the root, and a chain that is
//! too long is an error, never a fall-through to the host's tree. What is found is a
//! descriptor, and mounts and copies go to that descriptor, never to a path looked up again.
//!
//! The image decides what its tree holds (`/etc/hosts -> /home/you/.bashrc`, `/data -> /l1
//! -> ... -> /l40 -> ...`): all of it is treated as hostile.

use std::ffi::{OsStr, OsString};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, open, openat, openat2, readlinkat};
use nix::sys::stat::{Mode, SFlag, fstat, mkdirat};

/// How many symbolic links one resolution may follow (the kernel's limit).
pub const MAX_LINKS: usize = 40;

#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    #[error(
        "{path} in the container leads through more than {MAX_LINKS} symbolic links: refused \
         (the image's tree is broken or hostile)"
    )]
    TooManyLinks { path: String },
    #[error("{path} in the container: {at} is not a directory")]
    NotADirectory { path: String, at: String },
    #[error("{path} in the container: no such file or directory")]
    Missing { path: String },
    #[error(
        "{path} in the container leads through {at}, a link of /proc to an open file or \
         directory of a process: refused"
    )]
    MagicLink { path: String, at: String },
    #[error("{path} in the container: {what}: {source}")]
    Io {
        path: String,
        what: &'static str,
        source: Errno,
    },
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: Errno },
}

/// What to make where a path (or a directory on the way to it) does not exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// Nothing: a missing path is [`ConfineError::Missing`].
    Nothing,
    /// Directories (mode 0755), the last one included.
    Dir,
    /// Directories on the way, and an empty file (mode 0644) at the end.
    File,
}

/// The root directory of a tree whose contents are not trusted.
pub struct Root {
    fd: OwnedFd,
}

fn components(path: &OsStr) -> impl DoubleEndedIterator<Item = OsString> + '_ {
    path.as_bytes()
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty())
        .map(|c| OsStr::from_bytes(c).to_os_string())
}

impl Root {
    /// Open the directory at `path` (a path of the host's, trusted) as a root.
    pub fn open(path: &Path) -> Result<Root, ConfineError> {
        open(
            path,
            OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map(|fd| Root { fd })
        .map_err(|source| ConfineError::Open {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// An `O_PATH` descriptor of what `path` (absolute or relative: both from the root)
    /// names in the tree, following its links inside the tree, after making what `create`
    /// asks for where something is missing (on the way, or at the end: a dangling link's
    /// target is made too, inside the tree, as docker does).
    pub fn open_path(&self, path: &str, create: Create) -> Result<OwnedFd, ConfineError> {
        let err = |what: &'static str| {
            move |source: Errno| ConfineError::Io {
                path: path.to_string(),
                what,
                source,
            }
        };
        // The kernel resolves the whole path in one call as the walk below does (links and
        // `..` kept inside the tree, magic links refused, the same limit on links); the walk
        // is for what it cannot do: make what is missing, say what is wrong (every error
        // lands there), or a kernel without openat2.
        let how = OpenHow::new()
            .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
            .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
        if let Ok(fd) = openat2(&self.fd, path, how) {
            return Ok(fd);
        }
        // The directories from the root down to where the walk is (empty: at the root).
        let mut stack: Vec<OwnedFd> = Vec::new();
        let mut todo: Vec<OsString> = components(OsStr::new(path)).rev().collect();
        let (mut links, mut retries) = (0, 0);
        while let Some(name) = todo.pop() {
            if name == "." {
                continue;
            }
            if name == ".." {
                stack.pop();
                continue;
            }
            let dir = stack.last().map_or(self.fd.as_fd(), |d| d.as_fd());
            let last = todo.is_empty();
            match openat(
                dir,
                name.as_os_str(),
                OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            ) {
                Ok(fd) => {
                    let kind = fstat(&fd).map_err(err("stat"))?.st_mode & SFlag::S_IFMT.bits();
                    if kind == SFlag::S_IFLNK.bits() {
                        // /proc/PID/{fd/N,cwd,root,exe,...} lead to what a process holds,
                        // wherever it is: never followed (as RESOLVE_NO_MAGICLINKS).
                        if is_magic(&fd, &name) {
                            return Err(ConfineError::MagicLink {
                                path: path.to_string(),
                                at: name.to_string_lossy().into_owned(),
                            });
                        }
                        links += 1;
                        if links > MAX_LINKS {
                            return Err(ConfineError::TooManyLinks {
                                path: path.to_string(),
                            });
                        }
                        // Read from the descriptor: the very link that was opened.
                        let target = readlinkat(&fd, "").map_err(err("read a link"))?;
                        if target.as_bytes().first() == Some(&b'/') {
                            stack.clear();
                        }
                        todo.extend(components(&target).rev());
                    } else if kind == SFlag::S_IFDIR.bits() || last {
                        stack.push(fd);
                    } else {
                        return Err(ConfineError::NotADirectory {
                            path: path.to_string(),
                            at: name.to_string_lossy().into_owned(),
                        });
                    }
                }
                Err(Errno::ENOENT) if create != Create::Nothing => {
                    let made = if last && create == Create::File {
                        openat(
                            dir,
                            name.as_os_str(),
                            OFlag::O_CREAT
                                | OFlag::O_EXCL
                                | OFlag::O_WRONLY
                                | OFlag::O_NOFOLLOW
                                | OFlag::O_CLOEXEC,
                            Mode::from_bits_truncate(0o644),
                        )
                        .map(drop)
                    } else {
                        mkdirat(dir, name.as_os_str(), Mode::from_bits_truncate(0o755))
                    };
                    match made {
                        // Somebody else made it meanwhile: look again (a bounded number of times).
                        Ok(()) | Err(Errno::EEXIST) if retries < MAX_LINKS => {
                            retries += 1;
                            todo.push(name);
                        }
                        Ok(()) | Err(Errno::EEXIST) => {
                            return Err(ConfineError::Io {
                                path: path.to_string(),
                                what: "create",
                                source: Errno::EEXIST,
                            });
                        }
                        Err(e) => return Err(err("create")(e)),
                    }
                }
                Err(Errno::ENOENT) => {
                    return Err(ConfineError::Missing {
                        path: path.to_string(),
                    });
                }
                Err(e) => return Err(err("open")(e)),
            }
        }
        match stack.pop() {
            Some(fd) => Ok(fd),
            None => self.fd.try_clone().map_err(|e| ConfineError::Io {
                path: path.to_string(),
                what: "open",
                source: Errno::from_raw(e.raw_os_error().unwrap_or(libc::EBADF)),
            }),
        }
    }

    /// What `path` names, its last link followed too (inside the tree): an `O_PATH`
    /// descriptor of its directory and its name there (`.` for a directory reached by `..`
    /// or the root).
    pub fn open_final(&self, path: &str) -> Result<(OwnedFd, OsString), ConfineError> {
        let mut path = PathBuf::from(path);
        for _ in 0..=MAX_LINKS {
            let (parent, name) = match (path.parent(), path.file_name()) {
                (Some(parent), Some(name)) => (parent.to_path_buf(), name.to_os_string()),
                _ => {
                    let dir = self.open_path(&path.to_string_lossy(), Create::Nothing)?;
                    return Ok((dir, OsString::from(".")));
                }
            };
            let shown = path.to_string_lossy().into_owned();
            let dir = self.open_path(&parent.to_string_lossy(), Create::Nothing)?;
            let st = nix::sys::stat::fstatat(
                &dir,
                name.as_os_str(),
                nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW,
            )
            .map_err(|e| match e {
                Errno::ENOENT => ConfineError::Missing {
                    path: shown.clone(),
                },
                source => ConfineError::Io {
                    path: shown.clone(),
                    what: "stat",
                    source,
                },
            })?;
            if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFLNK.bits() {
                return Ok((dir, name));
            }
            let target = readlinkat(&dir, name.as_os_str()).map_err(|source| ConfineError::Io {
                path: shown,
                what: "read a link",
                source,
            })?;
            path = parent.join(target);
        }
        Err(ConfineError::TooManyLinks {
            path: path.to_string_lossy().into_owned(),
        })
    }
}

/// Is the link `fd` (named `name`) one of procfs's magic links? Of its links only `self` and
/// `thread-self` are ordinary ones.
fn is_magic(fd: &OwnedFd, name: &OsStr) -> bool {
    use nix::sys::statfs::{PROC_SUPER_MAGIC, fstatfs};
    fstatfs(fd).is_ok_and(|s| s.filesystem_type() == PROC_SUPER_MAGIC)
        && name != "self"
        && name != "thread-self"
}

/// Open what an `O_PATH` descriptor refers to again, for reading or writing (`flags`), through
/// its `/proc/self/fd` link: the same file, whatever its path has become.
pub fn reopen(fd: BorrowedFd<'_>, flags: OFlag) -> Result<OwnedFd, Errno> {
    open(
        format!("/proc/self/fd/{}", fd.as_raw_fd()).as_str(),
        flags | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
}

/// Is the descriptor a directory?
pub fn is_dir(fd: BorrowedFd<'_>) -> bool {
    fstat(fd).is_ok_and(|st| st.st_mode & SFlag::S_IFMT.bits() == SFlag::S_IFDIR.bits())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::symlink;

    fn real(fd: &OwnedFd) -> PathBuf {
        fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).unwrap()
    }

    #[test]
    fn links_stay_inside_the_root() {
        let d = tempfile::tempdir().unwrap();
        let (root, outside) = (d.path().join("root"), d.path().join("outside"));
        fs::create_dir_all(root.join("etc")).unwrap();
        fs::create_dir_all(outside.join("secret")).unwrap();
        let r = Root::open(&root).unwrap();
        // absolute and climbing links, and .., are the root's
        symlink(&outside, root.join("abs")).unwrap();
        symlink("../../../..", root.join("etc/up")).unwrap();
        let fd = r.open_path("/abs/secret", Create::Dir).unwrap();
        assert!(real(&fd).starts_with(&root), "{:?}", real(&fd));
        assert!(!outside.join("secret").join("x").exists());
        let fd = r.open_path("/etc/up/../etc", Create::Nothing).unwrap();
        assert_eq!(real(&fd), root.join("etc"));
        // a dangling link's target is made inside
        symlink("/made/here", root.join("dangling")).unwrap();
        let fd = r.open_path("dangling", Create::File).unwrap();
        assert_eq!(real(&fd), root.join("made/here"));
        assert!(root.join("made/here").is_file());
        // a chain of 41 links is refused, 40 are followed
        for i in 0..41 {
            symlink(format!("/l{}", i + 1), root.join(format!("l{i}"))).unwrap();
        }
        fs::create_dir(root.join("l41")).unwrap();
        assert!(matches!(
            r.open_path("/l0", Create::Dir),
            Err(ConfineError::TooManyLinks { .. })
        ));
        assert_eq!(
            real(&r.open_path("/l1", Create::Nothing).unwrap()),
            root.join("l41")
        );
        // a loop, too
        symlink("loop", root.join("loop")).unwrap();
        assert!(matches!(
            r.open_path("/loop/x", Create::Dir),
            Err(ConfineError::TooManyLinks { .. })
        ));
        // a file on the way, and a missing path without creation
        fs::write(root.join("etc/file"), "").unwrap();
        assert!(matches!(
            r.open_path("/etc/file/x", Create::Dir),
            Err(ConfineError::NotADirectory { .. })
        ));
        assert!(matches!(
            r.open_path("/nope", Create::Nothing),
            Err(ConfineError::Missing { .. })
        ));
        // magic links are links like any other: their text is a path inside the root
        symlink("/proc/self/root/etc", root.join("magic")).unwrap();
        assert!(r.open_path("/magic", Create::Nothing).is_err());
        assert_eq!(real(&r.open_path("/", Create::Nothing).unwrap()), root);
    }
}
