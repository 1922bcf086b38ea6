//! `nook pull`, `nook login`, `nook logout`.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context as _, bail};

use super::{Context, warn};
use crate::cli::{GlobalArgs, LoginArgs, LogoutArgs, PullArgs, PushArgs};
use crate::config::Config;
use crate::image::pull::{self, Platform, Pulled};
use crate::image::reference::Reference;
use crate::progress::Progress;
use crate::registry::{Registry, auth};

/// Pull `spec` for `platform` (the host's when `None`), with progress unless `quiet`.
pub fn pull_image(
    ctx: &Context,
    spec: &str,
    platform: Option<&str>,
    quiet: bool,
) -> anyhow::Result<Pulled> {
    let settings = &ctx.config.registries;
    let reference = pull::qualify(&Reference::parse(spec)?, settings)?;
    let platform = match platform {
        Some(p) => p.parse::<Platform>()?,
        None => Platform::host(),
    };
    let progress = Progress::new(quiet);
    if !quiet {
        progress.println(&format!("Pulling {reference}"));
    }
    let pulled = pull::pull(&ctx.store, settings, &reference, &platform, &progress)
        .with_context(|| format!("cannot pull {reference}"))?;
    for n in &pulled.notes {
        warn(n);
    }
    let name = reference.to_string();
    crate::events::emit(&ctx.store, "image", "pull", &name, &[("name", &name)]);
    if !quiet && !pulled.fetched {
        progress.println(&format!("{reference} is up to date"));
    }
    Ok(pulled)
}

pub fn pull(global: &GlobalArgs, args: &PullArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    super::image::warn_about_mapping()?;
    let pulled = pull_image(&ctx, &args.reference, args.platform.as_deref(), args.quiet)?;
    println!("{}", pulled.record.id);
    Ok(0)
}

fn prompt(question: &str, secret: bool) -> anyhow::Result<String> {
    use nix::sys::termios::{LocalFlags, SetArg, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{question}");
    std::io::stderr().flush()?;
    let saved = if secret { tcgetattr(&stdin).ok() } else { None };
    if let Some(t) = &saved {
        let mut quiet = t.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        tcsetattr(&stdin, SetArg::TCSANOW, &quiet)?;
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = &saved {
        let _ = tcsetattr(&stdin, SetArg::TCSANOW, t);
        eprintln!();
    }
    read?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn login(_global: &GlobalArgs, args: &LoginArgs) -> anyhow::Result<i32> {
    let config = Config::load()?;
    let interactive = std::io::stdin().is_terminal();
    let username = match &args.username {
        Some(u) => u.clone(),
        None if interactive && !args.password_stdin => prompt("Username: ", false)?,
        None => bail!("give a user name with --username"),
    };
    let password = match (&args.password, args.password_stdin) {
        (Some(_), true) => bail!("--password and --password-stdin exclude each other"),
        (Some(p), false) => p.clone(),
        (None, true) => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\n', '\r']).to_string()
        }
        (None, false) if interactive => prompt("Password: ", true)?,
        (None, false) => bail!("give the password with --password-stdin"),
    };
    if username.is_empty() || password.is_empty() {
        bail!("the user name and password must not be empty");
    }
    let host = args
        .registry
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_end_matches('/');
    let creds = auth::Credentials { username, password };
    let registry = Registry::connect_as(host, host, &config.registries, Some(creds.clone()))?;
    registry
        .check_login()
        .with_context(|| format!("cannot log in to {host}"))?;
    let path = auth::store(host, &creds)?;
    println!(
        "Login Succeeded! (credentials stored in {})",
        path.display()
    );
    Ok(0)
}

pub fn logout(_global: &GlobalArgs, args: &LogoutArgs) -> anyhow::Result<i32> {
    if auth::remove(&args.registry)? {
        println!("Removed login credentials for {}", args.registry);
        Ok(0)
    } else {
        bail!("not logged in to {} (in nook's auth file)", args.registry)
    }
}

pub fn push(global: &GlobalArgs, args: &PushArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let index = crate::image::index::ImageIndex::load(&ctx.store)?;
    let image = index.resolve(&args.image)?.clone();
    let dest_spec = args.destination.as_deref().unwrap_or(&args.image);
    let dest = pull::qualify(&Reference::parse(dest_spec)?, &ctx.config.registries)?;
    let progress = Progress::new(args.quiet);
    progress.println(&format!("Pushing {dest}"));
    let digest =
        crate::image::push::push(&ctx.store, &ctx.config.registries, &image, &dest, &progress)
            .with_context(|| format!("cannot push {dest}"))?;
    let name = dest.to_string();
    crate::events::emit(&ctx.store, "image", "push", &name, &[("name", &name)]);
    if args.quiet {
        println!("{digest}");
    } else {
        eprintln!("Pushed {dest}@{digest}");
    }
    Ok(0)
}
