//! Layers a build makes, as tar streams: the writable layer a RUN step left (its whiteouts
//! and opaque directories turned into OCI's `.wh.` entries), and what a COPY or ADD puts in
//! place. Both run as root of a user namespace with the user's id map (`nook
//! __userns-job`), so that files of every owner are read, and written, with the owners a
//! container sees. Sources and the tree they go into may be hostile: every file is opened
//! from its directory's descriptor without following links, and every path in the stage is
//! resolved inside its root.
//!
//! The same walks serve `nook commit` (a container's writable layer), `nook export` (its whole
//! filesystem) and `nook diff` (what its writable layer changed).

use std::collections::{BTreeSet, HashMap};
use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::image::digest::{Digest, HashingWriter};
use crate::runtime::confine::{self, ConfineError, Create, Root};
use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag, openat, readlinkat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat, fstatat};
use serde::{Deserialize, Serialize};

/// What a layer's tar came to.
#[derive(Debug, Serialize, Deserialize)]
pub struct Archived {
    pub diffid: Digest,
    pub size: u64,
    /// Entries written (0: the step changed nothing).
    pub entries: u64,
}

/// A tar stream being written to a file, hashed as it goes.
struct TarOut {
    builder: tar::Builder<HashingWriter<io::BufWriter<File>>>,
    /// Every time in the layer, when the build asks for reproducible output.
    epoch: Option<u64>,
    entries: u64,
    /// Hard links: (device, inode) to the first path.
    links: HashMap<(u64, u64), PathBuf>,
}

/// What a tar header takes of a file.
#[derive(Clone, Copy)]
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: u64,
}

impl Meta {
    fn of(st: &FileStat) -> Meta {
        Meta {
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            mtime: u64::try_from(st.st_mtime).unwrap_or(0),
        }
    }
}

fn errno(e: nix::errno::Errno) -> io::Error {
    io::Error::from(e)
}

fn kind(st: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(st.st_mode & SFlag::S_IFMT.bits())
}

impl TarOut {
    fn create(output: &Path, epoch: Option<u64>) -> io::Result<TarOut> {
        let file = File::create(output)?;
        let mut builder = tar::Builder::new(HashingWriter::new(io::BufWriter::with_capacity(
            256 * 1024,
            file,
        )));
        builder.mode(tar::HeaderMode::Complete);
        builder.follow_symlinks(false);
        Ok(TarOut {
            builder,
            epoch,
            entries: 0,
            links: HashMap::new(),
        })
    }

    fn header(&self, m: Meta, kind: tar::EntryType, owner: Option<(u32, u32)>) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_mode(m.mode);
        let (uid, gid) = owner.unwrap_or((m.uid, m.gid));
        h.set_uid(u64::from(uid));
        h.set_gid(u64::from(gid));
        h.set_mtime(self.epoch.map_or(m.mtime, |e| m.mtime.min(e)));
        h.set_size(0);
        h
    }

    /// Write the entry at `dir`/`name` (not following a link) as `path` in the layer;
    /// directories with what they hold.
    /// `src` is its path beneath what is copied (for the ignore rules).
    fn tree(
        &mut self,
        dir: &OwnedFd,
        name: &OsStr,
        path: &Path,
        src: &Path,
        how: &Placing,
    ) -> io::Result<()> {
        if how.ignored(src) {
            return Ok(());
        }
        let st = fstatat(dir, name, AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?;
        if how.skip.contains(path) && is_empty(dir, name, &st) {
            return Ok(());
        }
        self.entry(dir, name, path, &st, how)?;
        if kind(&st) == SFlag::S_IFDIR {
            let sub = openat(
                dir,
                name,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            )
            .map_err(errno)?;
            for child in sorted_names(&sub)? {
                self.tree(&sub, &child, &path.join(&child), &src.join(&child), how)?;
            }
        }
        Ok(())
    }

    /// Write the one entry at `dir`/`name` as `path`.
    fn entry(
        &mut self,
        dir: &OwnedFd,
        name: &OsStr,
        path: &Path,
        st: &FileStat,
        how: &Placing,
    ) -> io::Result<()> {
        let mut m = Meta::of(st);
        if let Some(mode) = how.chmod {
            m.mode = mode;
        }
        match kind(st) {
            SFlag::S_IFDIR => {
                let mut h = self.header(m, tar::EntryType::Directory, how.owner);
                self.builder.append_data(&mut h, path, io::empty())?;
                if how.overlay && is_opaque(dir, name) {
                    let mut w = self.header(m, tar::EntryType::Regular, Some((0, 0)));
                    w.set_mode(0o644);
                    self.builder
                        .append_data(&mut w, path.join(".wh..wh..opq"), io::empty())?;
                }
            }
            SFlag::S_IFREG => {
                if st.st_nlink > 1
                    && let Some(first) = self.links.get(&(st.st_dev, st.st_ino)).cloned()
                {
                    let mut h = self.header(m, tar::EntryType::Link, how.owner);
                    self.builder.append_link(&mut h, path, first)?;
                } else {
                    let fd = openat(
                        dir,
                        name,
                        OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK | OFlag::O_CLOEXEC,
                        Mode::empty(),
                    )
                    .map_err(errno)?;
                    let now = fstat(&fd).map_err(errno)?;
                    if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                        return Err(io::Error::other(format!(
                            "{} changed while it was being archived",
                            path.display()
                        )));
                    }
                    let size = u64::try_from(now.st_size).unwrap_or(0);
                    let mut h = self.header(m, tar::EntryType::Regular, how.owner);
                    h.set_size(size);
                    let data = File::from(fd).take(size).chain(io::repeat(0)).take(size);
                    self.builder.append_data(&mut h, path, data)?;
                    if st.st_nlink > 1 {
                        self.links
                            .insert((st.st_dev, st.st_ino), path.to_path_buf());
                    }
                }
            }
            SFlag::S_IFLNK => {
                let target = readlinkat(dir, name).map_err(errno)?;
                let mut h = self.header(m, tar::EntryType::Symlink, how.owner);
                self.builder.append_link(&mut h, path, target)?;
            }
            SFlag::S_IFCHR if how.overlay && st.st_rdev == 0 => {
                // overlayfs's whiteout: OCI's `.wh.NAME`.
                let hidden = format!(".wh.{}", name.to_string_lossy());
                let parent = path.parent().unwrap_or(Path::new(""));
                let mut h = self.header(m, tar::EntryType::Regular, Some((0, 0)));
                h.set_mode(0o644);
                self.builder
                    .append_data(&mut h, parent.join(hidden), io::empty())?;
            }
            SFlag::S_IFIFO => {
                let mut h = self.header(m, tar::EntryType::Fifo, how.owner);
                self.builder.append_data(&mut h, path, io::empty())?;
            }
            // Sockets and device nodes: nothing a user namespace made can be kept.
            _ => return Ok(()),
        }
        self.entries += 1;
        Ok(())
    }

    /// A directory entry (a parent the layer needs).
    fn dir(&mut self, path: &Path, m: Meta) -> io::Result<()> {
        let mut h = self.header(m, tar::EntryType::Directory, None);
        self.builder.append_data(&mut h, path, io::empty())?;
        self.entries += 1;
        Ok(())
    }

    /// A file of ours (`COPY <<EOF`).
    fn file(&mut self, path: &Path, data: &[u8], mode: u32, owner: (u32, u32)) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(mode);
        h.set_uid(u64::from(owner.0));
        h.set_gid(u64::from(owner.1));
        h.set_mtime(self.epoch.unwrap_or_else(now));
        h.set_size(data.len() as u64);
        self.builder.append_data(&mut h, path, data)?;
        self.entries += 1;
        Ok(())
    }

    fn finish(self) -> io::Result<Archived> {
        let entries = self.entries;
        let mut out = self.builder.into_inner()?;
        out.flush()?;
        let (file, diffid, size) = out.finish();
        // Scratch: read once into a blob (synced there) and removed.
        file.into_inner().map_err(|e| e.into_error())?;
        Ok(Archived {
            diffid,
            size,
            entries,
        })
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// How entries are written.
#[derive(Default)]
struct Placing {
    /// Every entry's owner (`--chown`), else its own.
    owner: Option<(u32, u32)>,
    /// Every entry's permission bits (`--chmod`).
    chmod: Option<u32>,
    /// The tree is an overlayfs upper directory: its whiteouts and opaque markers count.
    overlay: bool,
    /// Paths (as written) left out when they are empty.
    skip: BTreeSet<PathBuf>,
    /// The build context's ignore rules, for sources at `.1` in it.
    ignore: Option<(super::context::Context, PathBuf)>,
}

impl Placing {
    /// Is the source at `rel` (beneath the copied one) left out by the ignore file?
    fn ignored(&self, rel: &Path) -> bool {
        self.ignore.as_ref().is_some_and(|(ctx, base)| {
            let parts: Vec<String> = base
                .join(rel)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            ctx.ignored(&parts)
        })
    }
}

/// An empty directory or an empty regular file (a mount point a step's set-up made)?
fn is_empty(dir: &OwnedFd, name: &OsStr, st: &FileStat) -> bool {
    match kind(st) {
        SFlag::S_IFREG => st.st_size == 0,
        SFlag::S_IFDIR => openat(
            dir,
            name,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .ok()
        .and_then(|d| sorted_names(&d).ok())
        .is_some_and(|n| n.is_empty()),
        _ => false,
    }
}

fn is_opaque(dir: &OwnedFd, name: &OsStr) -> bool {
    let path = format!(
        "/proc/self/fd/{}/{}",
        dir.as_raw_fd(),
        name.to_string_lossy()
    );
    xattr::get(&path, "user.overlay.opaque")
        .ok()
        .flatten()
        .is_some_and(|v| v == b"y")
}

fn sorted_names(dir: &OwnedFd) -> io::Result<Vec<OsString>> {
    let mut names = Vec::new();
    for e in nix::dir::Dir::openat(
        dir,
        ".",
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(errno)?
    .iter()
    {
        let e = e.map_err(errno)?;
        let n = e.file_name().to_bytes();
        if n != b"." && n != b".." {
            names.push(OsStr::from_bytes(n).to_os_string());
        }
    }
    names.sort();
    Ok(names)
}

/// The layer a RUN step made: its writable directory `upper` as a tar at `output`, leaving
/// out `skip` (mount points the step's set-up made, empty). `epoch` caps every time.
pub fn archive_upper(
    upper: &Path,
    skip: &[String],
    output: &Path,
    epoch: Option<u64>,
) -> io::Result<Archived> {
    let mut out = TarOut::create(output, epoch)?;
    let root = nix::fcntl::open(
        upper,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(errno)?;
    let how = Placing {
        overlay: true,
        skip: skip
            .iter()
            .map(|s| PathBuf::from(s.trim_start_matches('/')))
            .collect(),
        ..Placing::default()
    };
    for name in sorted_names(&root)? {
        out.tree(&root, &name, Path::new(&name), Path::new(&name), &how)?;
    }
    out.finish()
}

/// Write the tree at `root` (a container's whole filesystem, mounted) as a tar at `output`.
pub fn archive_tree(root: &Path, output: &Path) -> io::Result<Archived> {
    let mut out = TarOut::create(output, None)?;
    let dir = nix::fcntl::open(
        root,
        OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
        Mode::empty(),
    )
    .map_err(errno)?;
    for name in sorted_names(&dir)? {
        out.tree(
            &dir,
            &name,
            Path::new(&name),
            Path::new(&name),
            &Placing::default(),
        )?;
    }
    out.finish()
}

/// One path a container changed, as `docker diff` shows it.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `A` added, `C` changed, `D` deleted.
    pub kind: char,
    /// Absolute, as the container sees it.
    pub path: String,
}

/// What a container's writable directory `upper` changed in the image whose layer trees are
/// `lowers` (topmost first), leaving out `skip` (empty mount points nook made). A directory
/// counts as changed when something beneath it is, or when it hides what was beneath it.
pub fn changes(upper: &Path, lowers: &[PathBuf], skip: &[String]) -> io::Result<Vec<Change>> {
    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    let root = nix::fcntl::open(upper, flags, Mode::empty()).map_err(errno)?;
    let lowers = lowers
        .iter()
        .filter_map(|l| nix::fcntl::open(l, flags, Mode::empty()).ok())
        .collect::<Vec<_>>();
    let skip: BTreeSet<PathBuf> = skip
        .iter()
        .map(|s| PathBuf::from(s.trim_start_matches('/')))
        .collect();
    // Directories made only to hold a mount point are nook's too.
    let holders: BTreeSet<PathBuf> = skip
        .iter()
        .flat_map(|p| p.ancestors().skip(1).map(Path::to_path_buf))
        .collect();
    let mut out = Vec::new();
    let walk = Walk {
        lowers: &lowers,
        skip: &skip,
        holders: &holders,
    };
    walk.changes(&root, Path::new(""), &mut out)?;
    Ok(out)
}

/// What [`changes`] compares a writable directory with.
struct Walk<'a> {
    lowers: &'a [OwnedFd],
    skip: &'a BTreeSet<PathBuf>,
    holders: &'a BTreeSet<PathBuf>,
}

impl Walk<'_> {
    fn changes(&self, dir: &OwnedFd, at: &Path, out: &mut Vec<Change>) -> io::Result<()> {
        for name in sorted_names(dir)? {
            let path = at.join(&name);
            let st = fstatat(dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(errno)?;
            if self.skip.contains(&path) && is_empty(dir, &name, &st) {
                continue;
            }
            let shown = format!("/{}", path.display());
            let is_whiteout = kind(&st) == SFlag::S_IFCHR && st.st_rdev == 0;
            if is_whiteout {
                out.push(Change {
                    kind: 'D',
                    path: shown,
                });
                continue;
            }
            let existed = in_lowers(self.lowers, &path);
            let mark = out.len();
            if kind(&st) == SFlag::S_IFDIR {
                let sub = openat(
                    dir,
                    name.as_os_str(),
                    OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map_err(errno)?;
                self.changes(&sub, &path, out)?;
                let touched = out.len() > mark || is_opaque(dir, &name);
                if !touched && (existed || self.holders.contains(&path)) {
                    continue;
                }
            }
            out.insert(
                mark,
                Change {
                    kind: if existed { 'C' } else { 'A' },
                    path: shown,
                },
            );
        }
        Ok(())
    }
}

/// Is `path` in the image the layer trees `lowers` stack to (topmost first)? Looked up
/// beneath each tree without following links; a whiteout hides what lies below it.
fn in_lowers(lowers: &[OwnedFd], path: &Path) -> bool {
    let parts: Vec<&OsStr> = path.iter().collect();
    for lower in lowers {
        let mut dir: Option<OwnedFd> = None;
        for (i, part) in parts.iter().enumerate() {
            let here = dir.as_ref().unwrap_or(lower);
            let Ok(st) = fstatat(here, *part, AtFlags::AT_SYMLINK_NOFOLLOW) else {
                break;
            };
            if kind(&st) == SFlag::S_IFCHR && st.st_rdev == 0 {
                return false;
            }
            if i + 1 == parts.len() {
                return true;
            }
            if kind(&st) != SFlag::S_IFDIR {
                return false;
            }
            match openat(
                here,
                *part,
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::empty(),
            ) {
                Ok(d) => dir = Some(d),
                Err(_) => break,
            }
        }
    }
    false
}

/// What a COPY or ADD copies.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Sources {
    /// Paths (components) under a host directory (the build context, already matched).
    Paths {
        root: PathBuf,
        paths: Vec<Vec<String>>,
    },
    /// Patterns in a stage's (or image's) root filesystem, mounted at `root`.
    InRoot {
        root: PathBuf,
        patterns: Vec<String>,
    },
    /// Files of the instruction's own (`COPY <<EOF /dest`): name and contents.
    Inline(Vec<(String, String)>),
}

/// A COPY or ADD, as the job that writes its layer gets it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CopySpec {
    pub sources: Sources,
    /// Where they go (absolute, in the stage).
    pub dest: String,
    /// The stage's root filesystem, mounted (None: `FROM scratch` so far).
    pub stage_root: Option<PathBuf>,
    /// `--chown` (names resolved in the stage's /etc/passwd and /etc/group).
    pub chown: Option<String>,
    pub chmod: Option<u32>,
    /// ADD: local tar archives are unpacked at the destination.
    pub unpack_archives: bool,
    pub epoch: Option<u64>,
}

/// Why a COPY cannot be done, in docker's words.
fn refused(msg: impl Into<String>) -> io::Error {
    io::Error::other(msg.into())
}

/// Write the layer of a COPY or ADD at `output`.
pub fn archive_copy(spec: &CopySpec, output: &Path) -> io::Result<Archived> {
    let stage = match &spec.stage_root {
        Some(r) => Some(Root::open(r).map_err(|e| refused(e.to_string()))?),
        None => None,
    };
    // As docker: files from the context are root's, those of a stage keep their owners,
    // unless --chown says otherwise.
    let owner = match (&spec.chown, &spec.sources) {
        (Some(c), _) => Some(resolve_owner(stage.as_ref(), c)?),
        (None, Sources::InRoot { .. }) => None,
        (None, _) => Some((0, 0)),
    };
    // Each source: a directory (its entries go), or one entry.
    let mut items: Vec<Item> = Vec::new();
    match &spec.sources {
        Sources::Paths { root, paths } => {
            let context = Root::open(root).map_err(|e| refused(e.to_string()))?;
            for p in paths {
                items.push(Item::at(&context, p).map_err(|e| match e {
                    ConfineError::Missing { path } => refused(format!(
                        "{path}: no such file or directory in the build context (a link \
                         that leads out of the context leads nowhere)"
                    )),
                    e => refused(e.to_string()),
                })?);
            }
        }
        Sources::InRoot { root, patterns } => {
            let r = Root::open(root).map_err(|e| refused(e.to_string()))?;
            for pattern in patterns {
                let found = expand_in_root(&r, pattern)?;
                if found.is_empty() {
                    return Err(refused(format!(
                        "{pattern}: no such file or directory in the stage"
                    )));
                }
                items.extend(found);
            }
        }
        Sources::Inline(_) => {}
    }
    let inline_count = match &spec.sources {
        Sources::Inline(files) => files.len(),
        _ => 0,
    };
    let many = items.len() + inline_count > 1;
    if many && !spec.dest.ends_with('/') {
        return Err(refused(format!(
            "copying more than one source to {}: the destination must be a directory, \
             ending with /",
            spec.dest
        )));
    }
    let dest = resolve_dest(stage.as_ref(), spec.stage_root.as_deref(), &spec.dest)?;
    let mut out = TarOut::create(output, spec.epoch)?;
    // Nothing to copy (WORKDIR): the destination is made if it is missing, else nothing is.
    if items.is_empty() && inline_count == 0 && dest.exists {
        return out.finish();
    }
    let mut how = Placing {
        owner,
        chmod: spec.chmod,
        ..Placing::default()
    };
    // Parents of the destination keep what the stage has (a layer's directory entry
    // replaces the one beneath it).
    // (As docker: a lone directory's contents go into the destination, made if need be.)
    let lone_dir = matches!(items.as_slice(), [item] if item.is_dir());
    let dest_is_dir = dest.is_dir || spec.dest.ends_with('/') || many || lone_dir;
    let dir_path = if dest_is_dir {
        dest.path.clone()
    } else {
        dest.path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    parents(
        &mut out,
        stage.as_ref(),
        &dir_path,
        owner,
        dest_is_dir && !dest.exists,
    )?;
    if let Sources::Inline(files) = &spec.sources {
        for (name, contents) in files {
            let target = if dest_is_dir {
                dir_path.join(name)
            } else {
                dest.path.clone()
            };
            out.file(
                &target,
                contents.as_bytes(),
                spec.chmod.unwrap_or(0o644),
                owner.unwrap_or((0, 0)),
            )?;
        }
    }
    for item in &items {
        if spec.unpack_archives && item.is_file() && is_archive(item)? {
            unpack_archive(
                &mut out,
                item,
                &dir_path_for_archive(&dest, &dir_path, dest_is_dir),
            )?;
            continue;
        }
        if let Sources::Paths { root, .. } = &spec.sources {
            let ctx = super::context::Context::open(root).map_err(|e| refused(e.to_string()))?;
            how.ignore = Some((ctx, item.rel.clone()));
        }
        if item.is_dir() {
            // A directory's contents go into the destination.
            let dir = item.open_dir()?;
            for child in sorted_names(&dir)? {
                out.tree(
                    &dir,
                    &child,
                    &dir_path.join(&child),
                    Path::new(&child),
                    &how,
                )?;
            }
        } else {
            let target = if dest_is_dir {
                dir_path.join(&item.as_name)
            } else {
                dest.path.clone()
            };
            out.entry(&item.dir, &item.name, &target, &item.stat, &how)?;
        }
    }
    out.finish()
}

/// Where an archive ADD unpacks: always a directory.
fn dir_path_for_archive(dest: &Dest, dir_path: &Path, dest_is_dir: bool) -> PathBuf {
    if dest_is_dir {
        dir_path.to_path_buf()
    } else {
        dest.path.clone()
    }
}

/// One source entry: its directory, its name there, the name it gets at the destination
/// (its own, when it was reached through a link), what it is, and its path in the context
/// (for the ignore rules; empty for a stage's).
struct Item {
    dir: OwnedFd,
    name: OsString,
    as_name: OsString,
    stat: FileStat,
    rel: PathBuf,
}

impl Item {
    /// What `rel` names in `root`, its links followed inside it (as docker does for the
    /// sources it is given; links within a copied directory are copied as links).
    fn at(root: &Root, rel: &[String]) -> Result<Item, ConfineError> {
        let path = rel.join("/");
        let io = |source: Errno| ConfineError::Io {
            path: path.clone(),
            what: "open",
            source,
        };
        let (dir, name) = root.open_final(&path)?;
        let dir = confine::reopen(dir.as_fd(), OFlag::O_RDONLY | OFlag::O_DIRECTORY).map_err(io)?;
        let stat = fstatat(&dir, name.as_os_str(), AtFlags::AT_SYMLINK_NOFOLLOW).map_err(io)?;
        Ok(Item {
            dir,
            as_name: rel.last().map_or_else(|| name.clone(), OsString::from),
            name,
            stat,
            rel: rel.iter().collect(),
        })
    }

    fn is_dir(&self) -> bool {
        kind(&self.stat) == SFlag::S_IFDIR
    }

    fn is_file(&self) -> bool {
        kind(&self.stat) == SFlag::S_IFREG
    }

    fn open_dir(&self) -> io::Result<OwnedFd> {
        openat(
            &self.dir,
            self.name.as_os_str(),
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno)
    }

    fn open_file(&self) -> io::Result<File> {
        openat(
            &self.dir,
            self.name.as_os_str(),
            OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map(File::from)
        .map_err(errno)
    }
}

/// A source pattern inside a mounted root: its directory resolved in the root (links
/// followed inside it), its last component matched as a glob, and each match followed too.
fn expand_in_root(root: &Root, pattern: &str) -> io::Result<Vec<Item>> {
    let parts = super::context::clean_path(pattern);
    let Some((last, dirs)) = parts.split_last() else {
        return Ok(vec![
            Item::at(root, &[]).map_err(|e| refused(e.to_string()))?,
        ]);
    };
    let names: Vec<String> = if last.contains(['*', '?', '[']) {
        let parent = root
            .open_path(&dirs.join("/"), Create::Nothing)
            .map_err(|e| refused(e.to_string()))?;
        let dir = confine::reopen(parent.as_fd(), OFlag::O_RDONLY | OFlag::O_DIRECTORY)
            .map_err(|e| refused(format!("{pattern}: {e}")))?;
        sorted_names(&dir)?
            .into_iter()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| super::context::glob_match(last, n))
            .collect()
    } else {
        vec![last.clone()]
    };
    let mut out = Vec::new();
    for name in names {
        let mut rel = dirs.to_vec();
        rel.push(name);
        match Item::at(root, &rel) {
            Ok(mut item) => {
                // (Not from the context: no ignore rules apply.)
                item.rel = PathBuf::new();
                out.push(item);
            }
            Err(ConfineError::Missing { .. }) => continue,
            Err(e) => return Err(refused(e.to_string())),
        }
    }
    Ok(out)
}

/// The destination, resolved in the stage.
struct Dest {
    /// Where the entries go, relative to the root (no leading /).
    path: PathBuf,
    exists: bool,
    is_dir: bool,
}

fn resolve_dest(stage: Option<&Root>, mounted: Option<&Path>, dest: &str) -> io::Result<Dest> {
    let lexical: PathBuf = super::context::clean_path(dest).iter().collect();
    let (Some(root), Some(mounted)) = (stage, mounted) else {
        return Ok(Dest {
            path: lexical,
            exists: false,
            is_dir: false,
        });
    };
    // The longest part of the path that exists, resolved inside the root; the rest as given.
    let parts = super::context::clean_path(dest);
    for n in (0..=parts.len()).rev() {
        let head = parts[..n].join("/");
        match root.open_path(&head, Create::Nothing) {
            Ok(fd) => {
                let real = fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))?;
                let rel = real
                    .strip_prefix(mounted)
                    .unwrap_or(Path::new(""))
                    .to_path_buf();
                let mut path = rel;
                path.extend(&parts[n..]);
                return Ok(Dest {
                    path,
                    exists: n == parts.len(),
                    is_dir: n == parts.len() && confine::is_dir(fd.as_fd()),
                });
            }
            Err(confine::ConfineError::Missing { .. }) => continue,
            Err(e) => return Err(refused(e.to_string())),
        }
    }
    Ok(Dest {
        path: lexical,
        exists: false,
        is_dir: false,
    })
}

/// Directory entries for `dir` and each directory above it: the stage's own metadata where
/// it has them, else root's 0755 (the destination itself, made new, gets `--chown`).
fn parents(
    out: &mut TarOut,
    stage: Option<&Root>,
    dir: &Path,
    owner: Option<(u32, u32)>,
    new_dest: bool,
) -> io::Result<()> {
    let mut sofar = PathBuf::new();
    let comps: Vec<_> = dir.components().collect();
    for (i, c) in comps.iter().enumerate() {
        sofar.push(c);
        let existing = stage.and_then(|r| {
            let fd = r
                .open_path(&sofar.to_string_lossy(), Create::Nothing)
                .ok()?;
            fstat(&fd).ok()
        });
        let mut m = match existing {
            Some(st) => Meta::of(&st),
            None => Meta {
                mode: 0o755,
                uid: 0,
                gid: 0,
                mtime: out.epoch.unwrap_or_else(now),
            },
        };
        if new_dest
            && i + 1 == comps.len()
            && let Some((u, g)) = owner
        {
            (m.uid, m.gid) = (u, g);
        }
        out.dir(&sofar, m)?;
    }
    Ok(())
}

/// `user[:group]` for `--chown`, names looked up in the stage.
fn resolve_owner(stage: Option<&Root>, spec: &str) -> io::Result<(u32, u32)> {
    let read = |path: &str| -> String {
        let Some(root) = stage else {
            return String::new();
        };
        root.open_path(path, Create::Nothing)
            .ok()
            .and_then(|fd| confine::reopen(fd.as_fd(), OFlag::O_RDONLY).ok())
            .and_then(|fd| io::read_to_string(File::from(fd)).ok())
            .unwrap_or_default()
    };
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let u = crate::runtime::process::resolve_user(user, &read("/etc/passwd"), &read("/etc/group"))
        .map_err(|e| refused(format!("--chown={spec}: {}", e.message)))?;
    let gid = match group {
        None => u.uid,
        Some(g) => {
            let with = crate::runtime::process::resolve_user(
                &format!("{user}:{g}"),
                &read("/etc/passwd"),
                &read("/etc/group"),
            )
            .map_err(|e| refused(format!("--chown={spec}: {}", e.message)))?;
            with.gid
        }
    };
    // docker: a user alone gives its uid as the group too, unless the user is named.
    let gid = match (group, user.parse::<u32>()) {
        (None, Err(_)) => u.gid,
        _ => gid,
    };
    Ok((u.uid, gid))
}

/// Is the file a tar archive (plain, gzip or zstd)?
fn is_archive(item: &Item) -> io::Result<bool> {
    let mut head = [0u8; 512];
    let mut f = item.open_file()?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(match &head[..n] {
        [0x1f, 0x8b, ..] | [0x28, 0xb5, 0x2f, 0xfd, ..] => true,
        h if h.len() >= 262 => &h[257..262] == b"ustar",
        _ => false,
    })
}

/// ADD of a local archive: its entries beneath `dest`, owners as the archive has them.
fn unpack_archive(out: &mut TarOut, item: &Item, dest: &Path) -> io::Result<()> {
    let stream =
        crate::image::unpack::decompress(item.open_file()?).map_err(|e| refused(e.to_string()))?;
    let mut archive = tar::Archive::new(stream);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = entry.path()?.into_owned();
        // Plain names only: `..` and absolute paths stay beneath the destination.
        let rel: PathBuf = super::context::clean_path(&raw.to_string_lossy())
            .into_iter()
            .filter(|c| c != "..")
            .collect();
        if rel.as_os_str().is_empty() {
            continue;
        }
        // A header of ours, from what the archive's says (its fields may be blank).
        let src = entry.header();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(src.entry_type());
        h.set_mode(src.mode().unwrap_or(0o644) & 0o7777);
        h.set_uid(src.uid().unwrap_or(0));
        h.set_gid(src.gid().unwrap_or(0));
        let mtime = src.mtime().unwrap_or(0);
        h.set_mtime(out.epoch.map_or(mtime, |e| mtime.min(e)));
        h.set_size(match src.entry_type().is_file() {
            true => entry.size(),
            false => 0,
        });
        let target = dest.join(&rel);
        match h.entry_type() {
            tar::EntryType::Link => {
                let Some(to) = entry.link_name()? else {
                    continue;
                };
                let to: PathBuf = super::context::clean_path(&to.to_string_lossy())
                    .into_iter()
                    .filter(|c| c != "..")
                    .collect();
                out.builder.append_link(&mut h, &target, dest.join(to))?;
            }
            tar::EntryType::Symlink => {
                let Some(to) = entry.link_name()? else {
                    continue;
                };
                out.builder.append_link(&mut h, &target, to)?;
            }
            tar::EntryType::Regular
            | tar::EntryType::Continuous
            | tar::EntryType::Directory
            | tar::EntryType::Fifo => {
                out.builder.append_data(&mut h, &target, &mut entry)?;
            }
            _ => continue,
        }
        out.entries += 1;
    }
    Ok(())
}
