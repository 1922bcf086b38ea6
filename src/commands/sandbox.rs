//! `nook sandbox`: settle the policy (flags, the project's nook.toml), then build and run
//! the sandbox in this process (it stays single-threaded: an image to pull is pulled by a
//! `nook pull` of its own).

use anyhow::{Context as _, bail};

use super::Context;
use crate::cli::{GlobalArgs, SandboxArgs};
use crate::image::digest::Digest;
use crate::image::index::ImageIndex;
use crate::runtime::driver;
use crate::runtime::idmap::IdMap;
use crate::runtime::seccomp::Profile;
use crate::sandbox::launch::{self, ImageRoot, Setup};
use crate::sandbox::{Policy, Project, Request};

pub fn sandbox(global: &GlobalArgs, args: SandboxArgs) -> anyhow::Result<i32> {
    // This process builds the sandbox and runs the command: it must not be a file the
    // command could change.
    crate::runtime::sealed::reexec_if_exposed();
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    let project = match &args.config {
        Some(path) => Some(Project::read(path)?),
        None => Project::find(&cwd)?,
    };
    let environment: Vec<(String, String)> = std::env::vars().collect();
    let mut policy = Policy::settle(
        Request {
            ro: args.ro,
            rw: args.rw,
            net: args.net,
            host_loopback: args.host_loopback,
            image: args.image,
            env_keep: args.env_keep,
            env_clear: args.env_clear,
            env: args.env,
            timeout: args.timeout,
            memory: args.memory,
            pids_limit: args.pids_limit,
            command: args.command,
        },
        project.as_ref(),
        &cwd,
        &environment,
    )?;
    policy.limit_with_cgroups(&crate::cgroups::Host::probe());
    if args.explain {
        print!("{}", policy.explain());
        return Ok(0);
    }
    if policy.command.is_empty() {
        bail!(crate::sandbox::SandboxError::NoCommand);
    }
    let ctx = Context::open(global)?;
    let seccomp =
        Profile::for_sandbox().compile_cached(&[], &ctx.store.root().join("seccomp-cache"))?;
    let image = match &policy.image {
        Some(name) => Some(image_root(&ctx, name)?),
        None => None,
    };
    let pasta = match policy.net {
        true => Some((
            crate::network::pasta::features(&ctx.store.root().join("pasta-features.json"))?,
            crate::config::runtime_root(ctx.store.root()),
        )),
        false => None,
    };
    if let Some((_, dir)) = &pasta {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let setup = Setup {
        seccomp,
        image,
        pasta,
    };
    match launch::run(&policy, &setup) {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("Error: {e}");
            Ok(e.exit_code())
        }
    }
}

/// The layers of image `name` (pulled first by a `nook pull` of its own, if it is missing and
/// pullable: this process must stay single-threaded).
fn image_root(ctx: &Context, name: &str) -> anyhow::Result<ImageRoot> {
    let index = ImageIndex::load(&ctx.store)?;
    let record = match index.resolve(name) {
        Ok(r) => r.clone(),
        Err(e) => {
            let status = std::process::Command::new("/proc/self/exe")
                .args(["pull", "--quiet", name])
                .stdout(std::process::Stdio::null())
                .status()
                .context("cannot run nook pull")?;
            if !status.success() {
                return Err(anyhow::Error::from(e).context(format!("image {name} is not here")));
            }
            ImageIndex::load(&ctx.store)?.resolve(name)?.clone()
        }
    };
    let config =
        oci_spec::image::ImageConfiguration::from_reader(&ctx.store.read_blob(&record.id)?[..])
            .with_context(|| format!("the config of image {name} is invalid"))?;
    let layers = config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| d.parse::<Digest>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("the config of image {name} is invalid"))?;
    Ok(ImageRoot {
        lowers: layers
            .iter()
            .rev()
            .map(|d| ctx.store.layer_diff(d))
            .collect(),
        driver: driver::choose(&ctx.store, ctx.driver)?,
        idmap: IdMap::for_current_user()?.map,
    })
}
