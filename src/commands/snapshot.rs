//! `commit`, `diff`, `export`: a container's filesystem as an image, a list of changes or a
//! tarball.

use std::io::{self, IsTerminal, Write};

use anyhow::{Context as _, bail};

use super::{Context, warn};
use crate::cgroups::Placed;
use crate::cli::{CommitArgs, ContainerArg, ExportArgs, GlobalArgs};
use crate::container::snapshot::{self, Commit};
use crate::container::{Containers, Status};
use crate::image::import::Changes;
use crate::image::reference::{LOCAL_DOMAIN, Reference};

/// A running container's cgroup, frozen until dropped.
struct Frozen(Placed);

impl Drop for Frozen {
    fn drop(&mut self) {
        if let Err(e) = self.0.freeze(false) {
            warn(&format!("cannot unpause the container again: {e}"));
        }
    }
}

pub fn commit(global: &GlobalArgs, args: &CommitArgs) -> anyhow::Result<i32> {
    let changes = Changes::parse(&args.change)?;
    let names = match &args.reference {
        Some(r) => vec![Reference::parse(r)?.qualified(LOCAL_DOMAIN).to_string()],
        None => Vec::new(),
    };
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let config = containers.load_config(&id)?;
    let state = containers.load_state(&id)?;
    // As docker: a running container is paused while its files are read, so that they are
    // read as of one moment (when it has a cgroup to freeze, and is not paused already).
    let _frozen = match (&state.cgroup, args.pause) {
        (Some(placed), true)
            if state.status == Status::Running && !super::resources::is_paused(&state) =>
        {
            placed
                .freeze(true)
                .with_context(|| format!("cannot pause container {}", args.container))?;
            Some(Frozen(placed.clone()))
        }
        _ => None,
    };
    let record = snapshot::commit(
        &ctx.store,
        &config,
        &Commit {
            changes: &changes,
            message: args.message.as_deref(),
            author: args.author.as_deref(),
            names,
        },
    )
    .with_context(|| format!("cannot commit container {}", args.container))?;
    crate::events::container(&ctx.store, &config, "commit", &[]);
    println!("{}", record.id);
    Ok(0)
}

pub fn diff(global: &GlobalArgs, args: &ContainerArg) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let config = containers.load_config(&id)?;
    let changes = snapshot::diff(&ctx.store, &config)
        .with_context(|| format!("cannot list the changes of container {}", args.container))?;
    let mut out = io::stdout().lock();
    for c in changes {
        writeln!(out, "{} {}", c.kind, c.path)?;
    }
    Ok(0)
}

pub fn export(global: &GlobalArgs, args: &ExportArgs) -> anyhow::Result<i32> {
    if args.output.is_none() && io::stdout().is_terminal() {
        bail!("refusing to write a tar archive to a terminal: give -o FILE or redirect the output");
    }
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let config = containers.load_config(&id)?;
    let scratch = snapshot::export(&ctx.store, &config)
        .with_context(|| format!("cannot export container {}", args.container))?;
    crate::events::container(&ctx.store, &config, "export", &[]);
    let mut tar = std::fs::File::open(scratch.tarball()).context("cannot read the export")?;
    match &args.output {
        Some(path) => crate::image::save::write_whole(
            path,
            |e| e,
            |mut out| io::copy(&mut tar, &mut out).and_then(|_| out.flush()),
        )
        .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            io::copy(&mut tar, &mut io::stdout().lock()).context("cannot write the export")?;
        }
    }
    Ok(0)
}
