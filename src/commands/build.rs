//! `nook build` and `nook builder prune`: the flags turned into a build, the context and
//! Containerfile found, and the build run in this process (single-threaded: it starts the
//! RUN steps' containers itself; base images are pulled by a `nook pull` of their own).

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use super::Context;
use crate::build::{self, Options, Runtime, step::Network};
use crate::cli::{BuildArgs, BuilderPruneArgs, GlobalArgs, PullPolicy};
use crate::runtime::idmap::IdMap;
use crate::runtime::launch::Security;
use crate::runtime::{caps, driver, seccomp};

pub fn build(global: &GlobalArgs, args: &BuildArgs) -> anyhow::Result<i32> {
    // The RUN steps' containers are started from this process: it must not be a file they
    // could change (CVE-2019-5736).
    crate::runtime::sealed::reexec_if_exposed();
    let ctx = Context::open(global)?;
    if let Some(p) = &args.platform {
        let here = format!("linux/{}", crate::image::import::host_arch());
        if *p != here {
            bail!("--platform {p}: nook builds only for this machine ({here})");
        }
    }
    let network = match args.network.as_str() {
        "pasta" | "default" | "bridge" | "slirp4netns" => Network::Pasta,
        "none" => Network::None,
        "host" => Network::Host,
        other => bail!("--network {other}: use pasta, none or host"),
    };
    let scratch = ctx.store.tmp_path("build-context");
    let (context, containerfile, file_name) = sources(args, &scratch)?;
    let outcome = (|| {
        let opts = Options {
            containerfile,
            file_name,
            context,
            tags: args.tags.clone(),
            build_args: build_args(&args.build_args)?,
            target: args.target.clone(),
            fresh_from: args.no_cache.then_some(1),
            pull: match args.pull {
                PullPolicy::Always => "always",
                PullPolicy::Missing => "missing",
                PullPolicy::Never => "never",
            }
            .to_string(),
            network,
            host_loopback: args.host_loopback,
            labels: args
                .labels
                .iter()
                .map(|l| match l.split_once('=') {
                    Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                    _ => bail!("--label {l}: use KEY=VALUE"),
                })
                .collect::<anyhow::Result<_>>()?,
            quiet: args.quiet,
            epoch: args.timestamp,
            secrets: secrets(&args.secrets)?,
            platform: args.platform.clone(),
        };
        let record = build::build(&ctx.store, &opts, &runtime(&ctx, network)?)?;
        Ok::<_, anyhow::Error>(record)
    })();
    let _ = crate::runtime::jobs::remove_trees(&[scratch]);
    let record = outcome?;
    if let Some(path) = &args.iidfile {
        fs::write(path, record.id.to_string())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !args.quiet {
        for name in &record.names {
            eprintln!("COMMIT {name}");
        }
    }
    println!("{}", record.id);
    Ok(0)
}

/// What RUN steps need of this machine (with `network` as the build's default).
pub(crate) fn runtime(ctx: &Context, network: Network) -> anyhow::Result<Runtime> {
    let caps = caps::resolve(&[], &[])?;
    let mapping = IdMap::for_current_user()?;
    if let Some(w) = &mapping.warning {
        eprintln!("warning: {w}");
    }
    Ok(Runtime {
        idmap: mapping.map,
        driver: driver::choose(&ctx.store, ctx.driver)?,
        security: Security {
            seccomp: Some(
                seccomp::Profile::default_for_containers()
                    .compile_cached(&caps, &ctx.store.root().join("seccomp-cache"))?,
            ),
            no_new_privileges: false,
            masked_paths: true,
            // Steps run without a cgroup: podman's number of processes, as an rlimit.
            pids_rlimit: Some(crate::cgroups::DEFAULT_PIDS_LIMIT),
            ulimits: Vec::new(),
            keep_groups: false,
        },
        caps,
        pasta: match network {
            // Offline, pasta cannot start: the steps get their loopback only.
            Network::Pasta if crate::network::host::offline() => {
                super::warn(
                    "the build's steps have no outside network: this machine has no interface \
                     with a default route (it is offline)",
                );
                None
            }
            Network::Pasta => Some(crate::network::pasta::features(
                &ctx.store.root().join("pasta-features.json"),
            )?),
            _ => None,
        },
        pull: Box::new(pull),
    })
}

/// Pull `name` with a `nook pull` of its own.
pub(crate) fn pull(name: &str) -> Result<(), String> {
    let out = std::process::Command::new("/proc/self/exe")
        .args(["pull", "--quiet", name])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run nook pull: {e}"))?;
    match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr)
            .trim()
            .trim_start_matches("Error: ")
            .to_string()),
    }
}

/// The context directory (if any), the Containerfile's text and its name in messages.
fn sources(args: &BuildArgs, scratch: &Path) -> anyhow::Result<(Option<PathBuf>, String, String)> {
    let from_stdin = args.context.as_os_str() == "-";
    let mut context = Some(args.context.clone());
    let mut stdin_file = None;
    if from_stdin {
        if args.file.as_deref() == Some(Path::new("-")) {
            bail!("the context and the Containerfile cannot both come from standard input");
        }
        let mut data = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut data)
            .context("cannot read standard input")?;
        if is_tar(&data) {
            fs::create_dir_all(scratch)?;
            let reader = crate::image::unpack::decompress(&data[..])?;
            tar::Archive::new(reader)
                .unpack(scratch)
                .context("cannot unpack the build context from standard input")?;
            context = Some(scratch.to_path_buf());
        } else {
            // A Containerfile alone: nothing to copy from.
            context = None;
            stdin_file = Some(String::from_utf8(data).context("the Containerfile is not UTF-8")?);
        }
    }
    if let Some(dir) = &context
        && !dir.is_dir()
    {
        bail!(
            "the build context {} is not a directory (give a directory, or - for standard input)",
            dir.display()
        );
    }
    let (text, name) = match (&args.file, stdin_file) {
        (_, Some(text)) => (text, "Containerfile".to_string()),
        (Some(f), None) if f.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut text)
                .context("cannot read the Containerfile from standard input")?;
            (text, "Containerfile".to_string())
        }
        (Some(f), None) => (
            fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?,
            f.display().to_string(),
        ),
        (None, None) => {
            let dir = context.as_deref().expect("a context when no text came");
            let found = ["Containerfile", "Dockerfile"]
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
                .with_context(|| {
                    format!(
                        "no Containerfile or Dockerfile in {}: give one with -f",
                        dir.display()
                    )
                })?;
            let name = found
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                fs::read_to_string(&found)
                    .with_context(|| format!("cannot read {}", found.display()))?,
                name,
            )
        }
    };
    Ok((context, text, name))
}

fn is_tar(data: &[u8]) -> bool {
    matches!(data, [0x1f, 0x8b, ..] | [0x28, 0xb5, 0x2f, 0xfd, ..])
        || data.get(257..262) == Some(b"ustar")
}

/// `--build-arg K=V` (or `K`: from the environment, when set there).
fn build_args(items: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        match item.split_once('=') {
            Some((k, v)) if !k.is_empty() => {
                out.insert(k.to_string(), v.to_string());
            }
            None if !item.is_empty() => {
                if let Ok(v) = std::env::var(item) {
                    out.insert(item.clone(), v);
                }
            }
            _ => bail!("--build-arg {item}: use KEY=VALUE"),
        }
    }
    Ok(out)
}

/// `--secret id=NAME,src=FILE`.
fn secrets(items: &[String]) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for item in items {
        let kv: BTreeMap<&str, &str> = item.split(',').filter_map(|p| p.split_once('=')).collect();
        let (Some(id), Some(src)) = (kv.get("id"), kv.get("src").or(kv.get("source"))) else {
            bail!("--secret {item}: use id=NAME,src=FILE");
        };
        let path = fs::canonicalize(src).with_context(|| format!("--secret {item}: {src}"))?;
        out.insert(id.to_string(), path);
    }
    Ok(out)
}

pub fn prune(global: &GlobalArgs, _args: &BuilderPruneArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let (entries, freed) = crate::image::manage::prune_build_cache(&ctx.store)?;
    println!(
        "Removed {entries} cache entries; freed {} layers, {} blobs, {:.1} MB",
        freed.layers,
        freed.blobs,
        freed.bytes as f64 / 1e6
    );
    let _ = std::io::stdout().flush();
    Ok(0)
}
