//! `nook sandbox`: settle the policy (flags, the project's nook.toml), then build and run
//! the sandbox in this process (it stays single-threaded: an image to pull is pulled by a
//! `nook pull` of its own).

use anyhow::{Context as _, bail};

use super::Context;
use crate::cli::{GlobalArgs, SandboxArgs, TrustArgs};
use crate::image::digest::Digest;
use crate::image::index::ImageIndex;
use crate::runtime::driver;
use crate::runtime::idmap::IdMap;
use crate::runtime::seccomp::Profile;
use crate::sandbox::launch::{self, ImageRoot, Setup};
use crate::sandbox::{Policy, Project, Request, Trust};
use crate::trust::TrustStore;

pub fn sandbox(global: &GlobalArgs, args: SandboxArgs) -> anyhow::Result<i32> {
    // This process builds the sandbox and runs the command: it must not be a file the
    // command could change.
    crate::runtime::sealed::reexec_if_exposed();
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    let ctx = Context::open(global)?;
    let project = project_file(&ctx, &cwd, args.config.as_deref(), args.no_project)?;
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
            unprotect_tool_files: args.unprotect_tool_files,
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
    let seccomp =
        Profile::for_sandbox().compile_cached(&[], &ctx.store.root().join("seccomp-cache"))?;
    let image = match &policy.image {
        Some(name) => Some(image_root(&ctx, name)?),
        None => None,
    };
    let offline = policy.net && crate::network::host::offline();
    if offline {
        super::warn(
            "the sandbox has no outside network: this machine has no interface with a default \
             route (it is offline)",
        );
    }
    let pasta = match policy.net && !offline {
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
    let outcome = launch::run(&policy, &setup);
    quarantine_new_tool_files(&policy);
    match outcome {
        Ok(code) => Ok(code),
        Err(e) => {
            eprintln!("Error: {e}");
            Ok(e.exit_code())
        }
    }
}

/// The project's policy file: the one you named, none (`--no-project`), or the nearest
/// nook.toml of yours above `cwd`, trusted if you trust its contents.
fn project_file(
    ctx: &Context,
    cwd: &std::path::Path,
    named: Option<&std::path::Path>,
    none: bool,
) -> anyhow::Result<Option<Project>> {
    if let Some(path) = named {
        return Ok(Some(Project::read(path, Trust::Given)?));
    }
    if none {
        return Ok(None);
    }
    let mut passed = Vec::new();
    let found = Project::find(cwd, &mut passed)?;
    for p in passed {
        eprintln!("nook sandbox: not taking policy from {p}");
    }
    let Some(mut project) = found else {
        return Ok(None);
    };
    if let Some(t) = TrustStore::load(ctx.store.root())?.trusts(&project.path, &project.sha256) {
        project.trust = Trust::Trusted(t.at.clone());
    }
    Ok(Some(project))
}

/// A file your tools run code from that the command made where the project had none (a
/// `.git` with a hook) is moved aside, and you are told: nothing of it runs until you look.
fn quarantine_new_tool_files(policy: &Policy) {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    for path in &policy.absent {
        if std::fs::symlink_metadata(path).is_err() {
            continue;
        }
        let mut aside = path.as_os_str().to_owned();
        aside.push(format!(".nook-untrusted-{stamp}"));
        match std::fs::rename(path, &aside) {
            Ok(()) => eprintln!(
                "nook sandbox: the command made {}, which your tools would run code from; it \
                 is now {}: look at it before you use it (--unprotect-tool-files lets the \
                 command make it)",
                path.display(),
                std::path::Path::new(&aside).display()
            ),
            Err(e) => eprintln!(
                "nook sandbox: warning: the command made {}, which your tools would run code \
                 from, and it could not be moved aside ({e}): look at it before you use it",
                path.display()
            ),
        }
    }
}

/// `nook trust [FILE]`, `--list`, `--forget FILE`.
pub fn trust(global: &GlobalArgs, args: &TrustArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let mut store = TrustStore::load(ctx.store.root())?;
    if args.list {
        for (path, t) in store.list() {
            let now = match crate::trust::Checked::read(path, true) {
                Ok(c) if c.sha256 == t.sha256 => "trusted",
                Ok(_) => "changed since: not trusted",
                Err(_) => "gone",
            };
            println!("{}\t{}\t{}\t{now}", path.display(), &t.sha256[..12], t.at);
        }
        return Ok(0);
    }
    let path = match &args.file {
        Some(f) => f.clone(),
        None => {
            let cwd = std::env::current_dir().context("cannot find the current directory")?;
            let mut passed = Vec::new();
            match Project::find(&cwd, &mut passed)? {
                Some(p) => p.path,
                None => bail!("no nook.toml of yours here or above: name the file"),
            }
        }
    };
    if args.forget {
        if !store.forget(&path)? {
            eprintln!("{} was not trusted", path.display());
        }
        return Ok(0);
    }
    let project = Project::read(&path, Trust::Untrusted)?;
    store.add(&project.path, &project.sha256)?;
    let opens = project.sandbox.opens();
    println!(
        "trusted {} (sha256 {}){}",
        project.path.display(),
        &project.sha256[..12],
        match opens.is_empty() {
            true => String::new(),
            false => format!(": it opens {}", opens.join(", ")),
        }
    );
    Ok(0)
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
