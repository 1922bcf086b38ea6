//! `nook cp`: copy between the host and a container, running or not, by docker's rules.
//! `-` as the source reads a tar stream from standard input (unpacked into a directory); as
//! the destination, writes one to standard output.

use std::fs::File;
use std::io::{self, PipeWriter};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use nix::sched::CloneFlags;

use super::Context;
use crate::cli::{CpArgs, GlobalArgs};
use crate::container::copy::{CopyError, receive_tree, send_tree};
use crate::container::{ContainerConfig, Containers};
use crate::runtime::idmap::IdMap;
use crate::runtime::rootfs::{self, Driver, Layers};
use crate::runtime::userns::{self, UsernsError, WorkChild};

/// One end of a copy.
#[derive(Debug, PartialEq, Eq)]
enum End {
    /// Standard input or output, as a tar stream.
    Stream,
    Host(String),
    Container {
        spec: String,
        path: String,
    },
}

impl End {
    /// docker's reading: `NAME:PATH` is in a container unless what precedes the colon looks
    /// like a path (it holds a `/`, or starts with `.`).
    fn parse(arg: &str) -> Self {
        if arg == "-" {
            return End::Stream;
        }
        match arg.split_once(':') {
            Some((name, path))
                if !name.is_empty() && !name.contains('/') && !name.starts_with('.') =>
            {
                let path = if path.starts_with('/') {
                    path.to_string()
                } else {
                    format!("/{path}")
                };
                End::Container {
                    spec: name.to_string(),
                    path,
                }
            }
            _ => End::Host(arg.to_string()),
        }
    }
}

/// `SRC/.` means the directory's contents; the path to read is SRC itself.
fn split_contents(path: &str) -> (PathBuf, bool) {
    match path.strip_suffix("/.") {
        Some(dir) if !dir.is_empty() => (PathBuf::from(dir), true),
        Some(_) => (PathBuf::from("/"), true),
        None => (PathBuf::from(path), path == "/"),
    }
}

pub fn cp(global: &GlobalArgs, args: &CpArgs) -> anyhow::Result<i32> {
    let (src, dest) = (End::parse(&args.source), End::parse(&args.destination));
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    match (src, dest) {
        (End::Container { spec, path }, dest @ (End::Host(_) | End::Stream)) => {
            let config = containers.load_config(&containers.resolve(&spec)?)?;
            let (data_r, data_w) = io::pipe().context("cannot create a pipe")?;
            let (src_path, contents) = split_contents(&path);
            // The container's side is a forked child: its copy of our receiving end would let
            // it write on (and block) after we stopped reading.
            let receiving_end = data_r.as_raw_fd();
            let guard = in_container(&ctx, &containers, &config, move || {
                let _ = nix::unistd::close(receiving_end);
                send_tree(&src_path, contents, data_w).map_err(|e| match e {
                    CopyError::NotFound(_) => format!("{MISSING}{e}"),
                    e => e.to_string(),
                })
            })?;
            let received = match &dest {
                End::Stream => io::copy(&mut &data_r, &mut io::stdout().lock())
                    .map(drop)
                    .context("cannot write to standard output"),
                End::Host(p) => receive_tree(&data_r, Path::new(p), p.ends_with('/'), contents)
                    .map_err(anyhow::Error::from),
                End::Container { .. } => unreachable!("matched above"),
            };
            drop(data_r);
            finish(guard, &spec, received)
        }
        (src @ (End::Host(_) | End::Stream), End::Container { spec, path }) => {
            let config = containers.load_config(&containers.resolve(&spec)?)?;
            if let End::Host(p) = &src
                && let Err(e) = std::fs::symlink_metadata(split_contents(p).0)
            {
                // As docker: a missing source is exit 1, before anything starts.
                let why = match e.kind() {
                    io::ErrorKind::NotFound => "no such file or directory".to_string(),
                    _ => e.to_string(),
                };
                eprintln!("Error: {p}: {why}");
                return Ok(1);
            }
            let (data_r, data_w) = io::pipe().context("cannot create a pipe")?;
            // The container's side is a forked child: its copy of our sending end would keep
            // the stream open (and the copy waiting) however ours ends.
            let sending_end = data_w.as_raw_fd();
            let from_stream = src == End::Stream;
            let contents = match &src {
                End::Host(p) => split_contents(p).1,
                _ => false,
            };
            let dest = PathBuf::from(&path);
            let trailing = path.ends_with('/');
            let guard = in_container(&ctx, &containers, &config, move || {
                let _ = nix::unistd::close(sending_end);
                if from_stream && !dest.is_dir() {
                    return Err(format!(
                        "{}: a tar stream is unpacked into a directory, and there is none",
                        dest.display()
                    ));
                }
                receive_tree(data_r, &dest, trailing, contents).map_err(|e| e.to_string())
            })?;
            let sent = send_host(&src, data_w);
            finish(guard, &spec, sent)
        }
        (End::Container { .. }, End::Container { .. }) => {
            bail!("cannot copy from one container to another: copy to the host first")
        }
        _ => bail!("one of SOURCE and DESTINATION must be CONTAINER:PATH"),
    }
}

/// Feed the host's side of a copy into the container.
fn send_host(src: &End, data_w: PipeWriter) -> anyhow::Result<()> {
    match src {
        End::Stream => io::copy(&mut io::stdin().lock(), &mut &data_w)
            .map(drop)
            .context("cannot read standard input"),
        End::Host(p) => {
            let (path, contents) = split_contents(p);
            send_tree(&path, contents, data_w).map_err(anyhow::Error::from)
        }
        End::Container { .. } => unreachable!("the source is on the host"),
    }
}

/// The container's side of a copy, and what keeps the container as it is meanwhile.
struct Guard {
    child: WorkChild<()>,
    /// Held for a stopped container: it cannot be started while its files are mounted here.
    _monitor_lock: Option<File>,
}

/// How the container's side marks "the path you named is not there", which is exit 1 (as
/// docker's), not 125.
const MISSING: &str = "missing: ";

/// Report the container side's error first: when it fails, ours is only its echo (a
/// closed pipe).
fn finish(guard: Guard, spec: &str, ours: anyhow::Result<()>) -> anyhow::Result<i32> {
    match guard.child.finish() {
        Err(UsernsError::Work(message)) => match message.strip_prefix(MISSING) {
            Some(missing) => {
                eprintln!("Error: in container {spec}: {missing}");
                Ok(1)
            }
            None => bail!("in container {spec}: {message}"),
        },
        Err(e) => Err(e.into()),
        Ok(()) => ours.map(|()| 0),
    }
}

/// Start `work` inside the container's root filesystem: the running container's own mount
/// namespace, or, for a stopped one, its layers and volumes mounted in a private one.
fn in_container(
    ctx: &Context,
    containers: &Containers<'_>,
    config: &ContainerConfig,
    work: impl FnOnce() -> Result<(), String>,
) -> anyhow::Result<Guard> {
    let state = containers.load_state(&config.id)?;
    if let Some((_, pidfd)) = state.entry(config.init) {
        let child = userns::spawn_joined(
            pidfd.as_fd(),
            CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWNS,
            work,
        )?;
        return Ok(Guard {
            child,
            _monitor_lock: None,
        });
    }
    let Some(lock) = containers.take_monitor_lock(&config.id)? else {
        bail!(
            "container {} is starting or stopping; try again in a moment",
            config.name
        );
    };
    let map = config.idmap(IdMap::for_current_user()?.map)?;
    let lowers = config.root_lowers(&ctx.store);
    let (upper, work_dir) = (containers.upper(&config.id), containers.work(&config.id));
    let root = ctx.store.mount_point();
    let fuse_log = containers.dir(&config.id).join("fuse-overlayfs.log");
    let (driver, mounts) = (config.driver, config.mounts.clone());
    let child = userns::spawn_in_userns(&map, CloneFlags::CLONE_NEWNS, move || {
        use nix::mount::{MsFlags, mount};
        mount::<str, str, str, str>(None, "/", None, MsFlags::MS_REC | MsFlags::MS_PRIVATE, None)
            .map_err(|e| format!("cannot make mounts private: {e}"))?;
        let layers = Layers {
            lowers: &lowers,
            upper: &upper,
            work: &work_dir,
            // What is copied in stays with the container.
            volatile: false,
        };
        // A fuse-overlayfs daemon dies with this process.
        let _fuse = match driver {
            Driver::Overlay => rootfs::mount_overlay(&layers, &root).map(|()| None),
            Driver::FuseOverlayfs => {
                rootfs::mount_fuse_overlay(&layers, &root, &fuse_log).map(Some)
            }
        }
        .map_err(|e| e.to_string())?;
        rootfs::mount_volumes(&root, &mounts).map_err(|e| e.to_string())?;
        nix::unistd::chroot(&root).map_err(|e| format!("chroot: {e}"))?;
        std::env::set_current_dir("/").map_err(|e| format!("chdir: {e}"))?;
        let done = work();
        // What the kernel still caches must reach the writable layer before the daemon ends.
        let _ = File::open("/").map(|f| nix::unistd::syncfs(f.as_fd()));
        done
    })?;
    Ok(Guard {
        child,
        _monitor_lock: Some(lock),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_parse_like_docker() {
        assert_eq!(
            End::parse("web:/etc/hosts"),
            End::Container {
                spec: "web".into(),
                path: "/etc/hosts".into()
            }
        );
        assert_eq!(
            End::parse("web:etc"),
            End::Container {
                spec: "web".into(),
                path: "/etc".into()
            }
        );
        assert_eq!(End::parse("./a:b"), End::Host("./a:b".into()));
        assert_eq!(End::parse("/tmp/x:y"), End::Host("/tmp/x:y".into()));
        assert_eq!(End::parse("plain"), End::Host("plain".into()));
        assert_eq!(End::parse("-"), End::Stream);
        assert_eq!(split_contents("/data/."), (PathBuf::from("/data"), true));
        assert_eq!(split_contents("/data"), (PathBuf::from("/data"), false));
        assert_eq!(split_contents("/"), (PathBuf::from("/"), true));
    }
}
