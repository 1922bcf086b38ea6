//! `nook run`: resolve the image, settle the container's configuration the way docker does
//! (ENTRYPOINT + CMD, environment, user, working directory), create the container, then
//! become its monitor by re-executing nook (a fresh single-threaded process, same pid).

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use oci_spec::image::ImageConfiguration;

use super::Context;
use crate::cli::{GlobalArgs, PullPolicy, RunArgs};
use crate::container::monitor::MONITOR_COMMAND;
use crate::container::{ContainerConfig, Containers, now_rfc3339};
use crate::image::digest::Digest;
use crate::image::index::{ImageIndex, IndexError};
use crate::image::reference::Reference;
use crate::runtime::launch::{DEFAULT_PATH, ProcessSpec};
use crate::runtime::{caps, driver};

/// Set `key` in a `KEY=VALUE` list, replacing an earlier value.
fn set_env(env: &mut Vec<String>, key: &str, value: &str) {
    let entry = format!("{key}={value}");
    match env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
        Some(e) => *e = entry,
        None => env.push(entry),
    }
}

/// Apply one `KEY=VALUE` (or bare `KEY`, taken from nook's own environment) setting.
fn apply_env(env: &mut Vec<String>, item: &str) -> anyhow::Result<()> {
    match item.split_once('=') {
        Some(("", _)) => bail!("invalid environment variable {item:?}: the name is empty"),
        Some((k, v)) => set_env(env, k, v),
        None => {
            if let Ok(v) = std::env::var(item) {
                set_env(env, item, &v);
            }
        }
    }
    Ok(())
}

fn read_env_file(env: &mut Vec<String>, path: &Path) -> anyhow::Result<()> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read env file {}", path.display()))?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        apply_env(env, line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
    }
    Ok(())
}

pub fn run(global: &GlobalArgs, args: RunArgs) -> anyhow::Result<i32> {
    if let Some(w) = &args.workdir
        && !w.starts_with('/')
    {
        bail!("the working directory {w:?} is not an absolute path");
    }
    let capabilities = caps::resolve(&args.cap_add, &args.cap_drop)?;
    if let Some(path) = &args.cidfile
        && path.exists()
    {
        bail!(
            "container id file {} already exists; make sure no other container uses it, or delete it",
            path.display()
        );
    }
    let ctx = Context::open(global)?;
    let index = ImageIndex::load(&ctx.store)?;
    // A short name with no default registry can only mean a local image.
    let pullable = Reference::parse(&args.image)
        .is_ok_and(|r| r.domain.is_some() || ctx.config.registries.default.is_some());
    let local = match args.pull {
        PullPolicy::Always => None,
        PullPolicy::Missing | PullPolicy::Never => match index.resolve(&args.image) {
            Ok(r) => Some(r.clone()),
            Err(IndexError::NotFound(_)) if args.pull == PullPolicy::Missing && pullable => None,
            Err(e) => return Err(e.into()),
        },
    };
    let image = match local {
        Some(record) => record,
        None => {
            super::registry::pull_image(&ctx, &args.image, args.platform.as_deref(), false)?.record
        }
    };
    let config_bytes = ctx.store.read_blob(&image.id)?;
    let image_config = ImageConfiguration::from_reader(&config_bytes[..])
        .with_context(|| format!("the config of image {} is invalid", image.id.short()))?;
    let layers = image_config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| d.parse::<Digest>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("the config of image {} is invalid", image.id.short()))?;
    let defaults = image_config.config().clone().unwrap_or_default();

    // ENTRYPOINT and CMD, as docker combines them.
    let entrypoint = match &args.entrypoint {
        Some(e) if e.is_empty() => Vec::new(),
        Some(e) => vec![e.clone()],
        None => defaults.entrypoint().clone().unwrap_or_default(),
    };
    let cmd = if !args.command.is_empty() {
        args.command.clone()
    } else if args.entrypoint.is_some() {
        Vec::new()
    } else {
        defaults.cmd().clone().unwrap_or_default()
    };
    let argv: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
    if argv.is_empty() {
        bail!(
            "no command to run: image {} has neither ENTRYPOINT nor CMD; give one after the image name",
            args.image
        );
    }

    let id = Containers::new_id();
    let hostname = args
        .hostname
        .clone()
        .unwrap_or_else(|| id[..12].to_string());
    let mut env = defaults.env().clone().unwrap_or_default();
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        set_env(&mut env, "PATH", DEFAULT_PATH);
    }
    set_env(&mut env, "HOSTNAME", &hostname);
    if args.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        set_env(&mut env, "TERM", "xterm");
    }
    for file in &args.env_file {
        read_env_file(&mut env, file)?;
    }
    for item in &args.env {
        apply_env(&mut env, item)?;
    }

    let driver = driver::choose(&ctx.store, ctx.driver)?;
    let mut config = ContainerConfig {
        id: id.clone(),
        name: args.name.clone().unwrap_or_default(),
        created: now_rfc3339(),
        image: args.image.clone(),
        image_id: image.id.clone(),
        layers,
        driver,
        process: ProcessSpec {
            args: argv,
            env,
            cwd: args
                .workdir
                .clone()
                .or_else(|| defaults.working_dir().clone().filter(|w| !w.is_empty()))
                .unwrap_or_else(|| "/".to_string()),
            user: args
                .user
                .clone()
                .or_else(|| defaults.user().clone())
                .unwrap_or_default(),
            terminal: args.tty,
            interactive: args.interactive,
        },
        hostname,
        read_only: args.read_only,
        read_only_tmpfs: args.read_only_tmpfs,
        init: args.init,
        auto_remove: args.rm,
        capabilities,
    };
    let containers = Containers::new(&ctx.store);
    containers.create(&mut config)?;
    if let Some(path) = &args.cidfile
        && let Err(e) = fs::write(path, &id)
    {
        let _ = containers.remove(&config);
        return Err(e)
            .with_context(|| format!("cannot write the container id to {}", path.display()));
    }
    // Replace this process with the monitor; this returns only if that fails.
    let err = Command::new("/proc/self/exe")
        .arg0("nook")
        .arg(MONITOR_COMMAND)
        .arg(ctx.store.root())
        .arg(&id)
        .exec();
    let _ = containers.remove(&config);
    Err(err).context("cannot start the container monitor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_merges_like_docker() {
        let mut env = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        apply_env(&mut env, "A=2").unwrap();
        apply_env(&mut env, "B=x=y").unwrap();
        apply_env(&mut env, "NOOK_SURELY_UNSET_VARIABLE").unwrap();
        assert_eq!(env, vec!["PATH=/bin", "A=2", "B=x=y"]);
        assert!(apply_env(&mut env, "=oops").is_err());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        fs::write(&f, "# comment\n\nC=3\n  D=four words\n").unwrap();
        read_env_file(&mut env, &f).unwrap();
        assert_eq!(&env[3..], &["C=3".to_string(), "D=four words".to_string()]);
    }
}
