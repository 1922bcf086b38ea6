//! A keep-id container's `/etc/passwd` and `/etc/group`: the image's, with a line for you
//! (your name, your home, your shell where the image has it), as podman writes them, so that
//! `id`, `whoami`, `ls -l` and programs that look you up by uid find a name. Written per
//! container into its directory and bound over the image's.

use std::fs;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, openat};
use nix::sys::stat::{Mode, SFlag, fstat};

use crate::runtime::idmap::KeepId;
use crate::runtime::launch::{MountKind, MountSpec};

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("cannot look up your user (uid {0}) in the password database")]
    Unknown(u32),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Who you are, as a keep-id container shows you.
#[derive(Clone, Debug)]
pub struct You {
    pub name: String,
    pub group: String,
    pub home: PathBuf,
    pub shell: PathBuf,
    pub gecos: String,
}

impl You {
    /// The caller, from the host's password and group databases.
    pub fn current() -> Result<You, IdentityError> {
        let uid = nix::unistd::getuid();
        let user = nix::unistd::User::from_uid(uid)
            .ok()
            .flatten()
            .ok_or(IdentityError::Unknown(uid.as_raw()))?;
        let group = nix::unistd::Group::from_gid(user.gid)
            .ok()
            .flatten()
            .map(|g| g.name)
            .unwrap_or_else(|| user.name.clone());
        // Your home is where $HOME says, as for every other program of yours.
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|h| h.is_absolute())
            .unwrap_or(user.dir);
        Ok(You {
            name: user.name,
            group,
            home,
            shell: user.shell,
            gecos: user.gecos.to_string_lossy().into_owned(),
        })
    }
}

/// Open `name` in the directory `dir` without following a link: `None` unless it is what
/// `want` says (a directory or a regular file).
fn open_plain(dir: &OwnedFd, name: &str, want: SFlag) -> Option<OwnedFd> {
    let flags = OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC | OFlag::O_NONBLOCK;
    let fd = openat(dir, name, flags, Mode::empty()).ok()?;
    let st = fstat(&fd).ok()?;
    (st.st_mode & SFlag::S_IFMT.bits() == want.bits()).then_some(fd)
}

/// The image's `etc/<name>` as its layers (`lowers`, topmost first) stack it.
pub fn image_etc_file(lowers: &[PathBuf], name: &str) -> Option<String> {
    image_file(lowers, &["etc", name])
}

/// The file at `path` (its components) as the layers stack it. Nothing is followed: a link
/// on the way (in a hostile image, to a file of yours) counts as no file.
pub fn image_file(lowers: &[PathBuf], path: &[&str]) -> Option<String> {
    let (name, dirs) = path.split_last()?;
    'layers: for lower in lowers {
        let Ok(mut dir) = nix::fcntl::open(
            lower.as_path(),
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        ) else {
            continue;
        };
        for d in dirs {
            // A layer with a whiteout or anything else at the path hides the layers below.
            match nix::sys::stat::fstatat(&dir, *d, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW) {
                Err(_) => continue 'layers,
                Ok(st) if st.st_mode & SFlag::S_IFMT.bits() != SFlag::S_IFDIR.bits() => {
                    return None;
                }
                Ok(_) => {}
            }
            dir = open_plain(&dir, d, SFlag::S_IFDIR)?;
        }
        if nix::sys::stat::fstatat(&dir, *name, nix::fcntl::AtFlags::AT_SYMLINK_NOFOLLOW).is_err() {
            continue;
        }
        let file = open_plain(&dir, name, SFlag::S_IFREG)?;
        let mut text = String::new();
        fs::File::from(file)
            .take(4 << 20)
            .read_to_string(&mut text)
            .ok()?;
        return Some(text);
    }
    None
}

/// `text` (a passwd or group file) with `line` in place of any entry that has its name or id
/// (inside you are you, whatever the image called that id).
fn with_entry(text: &str, name: &str, id: u32, line: String) -> String {
    let mut out = String::new();
    for l in text.lines() {
        let mut f = l.split(':');
        let n = f.next();
        let i = f.nth(1).and_then(|i| i.parse::<u32>().ok());
        if n != Some(name) && i != Some(id) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The passwd and group files of a keep-id container, from the image's.
pub fn files(lowers: &[PathBuf], you: &You, keep: KeepId) -> (String, String) {
    let shell = if image_has(lowers, &you.shell) {
        you.shell.clone()
    } else {
        PathBuf::from("/bin/sh")
    };
    let passwd = with_entry(
        &image_etc_file(lowers, "passwd").unwrap_or_default(),
        &you.name,
        keep.uid,
        format!(
            "{}:x:{}:{}:{}:{}:{}",
            you.name,
            keep.uid,
            keep.gid,
            you.gecos.replace([':', '\n'], " "),
            you.home.display(),
            shell.display()
        ),
    );
    let group = with_entry(
        &image_etc_file(lowers, "group").unwrap_or_default(),
        &you.group,
        keep.gid,
        format!("{}:x:{}:{}", you.group, keep.gid, you.name),
    );
    (passwd, group)
}

/// Does some layer have a file at `path`? Links are followed inside each layer only (and a
/// merged /usr counts: /bin/zsh is also looked for as /usr/bin/zsh).
pub fn image_has(lowers: &[PathBuf], path: &Path) -> bool {
    let rel = path.to_string_lossy();
    let usr = format!("/usr{rel}");
    lowers.iter().any(|l| {
        crate::runtime::confine::Root::open(l).is_ok_and(|root| {
            [rel.as_ref(), usr.as_str()].iter().any(|p| {
                root.open_path(p, crate::runtime::confine::Create::Nothing)
                    .is_ok()
            })
        })
    })
}

/// Write the files into `dir` and say where they go.
pub fn mounts(
    dir: &Path,
    lowers: &[PathBuf],
    you: &You,
    keep: KeepId,
) -> Result<Vec<MountSpec>, IdentityError> {
    let (passwd, group) = files(lowers, you, keep);
    let mut out = Vec::new();
    for (name, text) in [("passwd", passwd), ("group", group)] {
        let path = dir.join(name);
        crate::network::files::rewrite(&path, &text).map_err(|source| IdentityError::Write {
            path: path.clone(),
            source,
        })?;
        out.push(MountSpec {
            target: format!("/etc/{name}"),
            kind: MountKind::Bind {
                source: path,
                volume: None,
                copy_up: false,
            },
            read_only: false,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn you_are_added_once_and_links_are_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let (top, bottom) = (d.path().join("top"), d.path().join("bottom"));
        fs::create_dir_all(top.join("etc")).unwrap();
        fs::create_dir_all(bottom.join("etc")).unwrap();
        fs::create_dir_all(bottom.join("bin")).unwrap();
        fs::write(bottom.join("bin/bash"), "").unwrap();
        fs::write(bottom.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
        fs::write(bottom.join("etc/group"), "root:x:0:\nstaff:x:1000:\n").unwrap();
        let you = You {
            name: "alice".into(),
            group: "alice".into(),
            home: "/home/alice".into(),
            shell: "/bin/bash".into(),
            gecos: "Alice: A".into(),
        };
        let keep = KeepId {
            uid: 1000,
            gid: 1000,
        };
        let lowers = vec![top.clone(), bottom.clone()];
        let (passwd, group) = files(&lowers, &you, keep);
        assert_eq!(
            passwd,
            "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice  A:/home/alice:/bin/bash\n"
        );
        // gid 1000 was the image's staff: it is yours inside.
        assert_eq!(group, "root:x:0:\nalice:x:1000:alice\n");
        // A link in the top layer, to a file of the host's, is no file.
        std::os::unix::fs::symlink(bottom.join("etc/group"), top.join("etc/passwd")).unwrap();
        assert_eq!(image_etc_file(&lowers, "passwd"), None);
        fs::remove_dir_all(top.join("etc")).unwrap();
        std::os::unix::fs::symlink(bottom.join("etc"), top.join("etc")).unwrap();
        assert_eq!(image_etc_file(&lowers, "passwd"), None);
        let (passwd, _) = files(
            &lowers[1..],
            &You {
                shell: "/bin/zsh".into(),
                ..you
            },
            keep,
        );
        assert!(passwd.ends_with(":/home/alice:/bin/sh\n"), "{passwd}");
    }
}
