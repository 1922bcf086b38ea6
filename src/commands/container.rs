//! `nook ps`, `nook rm`.

use std::time::{Duration, Instant};

use anyhow::bail;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::Serialize;

use super::Context;
use super::format::{ago, human_duration, since, table};
use crate::cli::{Format, GlobalArgs, PsArgs, RmArgs};
use crate::container::{ContainerConfig, ContainerState, Containers, Status};

fn status_text(state: &ContainerState) -> String {
    match state.effective_status() {
        Status::Created => "Created".to_string(),
        Status::Running => format!(
            "Up {}",
            human_duration(state.started_at.as_deref().map_or(0, since))
        ),
        Status::Exited => match state.exit_code {
            Some(code) => format!("Exited ({code}) {}", ago(state.finished_at.as_deref())),
            None => "Exited (unknown)".to_string(),
        },
    }
}

fn command_text(config: &ContainerConfig, full: bool) -> String {
    let cmd = config.process.args.join(" ");
    if full || cmd.chars().count() <= 20 {
        format!("\"{cmd}\"")
    } else {
        format!("\"{}…\"", cmd.chars().take(19).collect::<String>())
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ContainerJson {
    id: String,
    names: Vec<String>,
    image: String,
    image_id: String,
    command: Vec<String>,
    created: String,
    state: Status,
    status: String,
    exit_code: Option<i32>,
    pid: Option<i32>,
}

pub fn ps(global: &GlobalArgs, args: &PsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let mut rows = Vec::new();
    for config in containers.list()?.into_iter().rev() {
        let Ok(state) = containers.load_state(&config.id) else {
            continue;
        };
        if !args.all && state.effective_status() != Status::Running {
            continue;
        }
        rows.push((config, state));
    }
    let id_text = |id: &str| {
        if args.no_trunc {
            id.to_string()
        } else {
            id[..12].to_string()
        }
    };
    if args.quiet {
        for (config, _) in &rows {
            println!("{}", id_text(&config.id));
        }
        return Ok(0);
    }
    if args.format == Format::Json {
        let out: Vec<ContainerJson> = rows
            .iter()
            .map(|(c, s)| ContainerJson {
                id: c.id.clone(),
                names: vec![c.name.clone()],
                image: c.image.clone(),
                image_id: c.image_id.hex().to_string(),
                command: c.process.args.clone(),
                created: c.created.clone(),
                state: s.effective_status(),
                status: status_text(s),
                exit_code: s.exit_code,
                pid: s
                    .init
                    .as_ref()
                    .filter(|_| s.effective_status() == Status::Running)
                    .map(|p| p.pid),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|(c, s)| {
            vec![
                id_text(&c.id),
                c.image.clone(),
                command_text(c, args.no_trunc),
                ago(Some(&c.created)),
                status_text(s),
                c.name.clone(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                "CONTAINER ID",
                "IMAGE",
                "COMMAND",
                "CREATED",
                "STATUS",
                "NAMES"
            ],
            &lines
        )
    );
    Ok(0)
}

pub fn rm(global: &GlobalArgs, args: &RmArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let mut failed = Vec::new();
    for spec in &args.containers {
        match remove_one(&containers, spec, args.force) {
            Ok(()) => println!("{spec}"),
            Err(e) => {
                eprintln!("Error: {e:#}");
                failed.push(spec.clone());
            }
        }
    }
    if !failed.is_empty() {
        bail!("could not remove: {}", failed.join(", "));
    }
    Ok(0)
}

fn remove_one(containers: &Containers<'_>, spec: &str, force: bool) -> anyhow::Result<()> {
    let id = containers.resolve(spec)?;
    let config = containers.load_config(&id)?;
    let state = containers.load_state(&id)?;
    if state.effective_status() == Status::Running {
        if !force {
            bail!(
                "container {spec} is running: stop it first, or remove it with `nook rm -f {spec}`"
            );
        }
        if let Some(init) = state.init.as_ref().filter(|p| p.is_alive()) {
            let _ = kill(Pid::from_raw(init.pid), Signal::SIGKILL);
        }
        // Let the monitor record the exit (and clean up, for --rm containers).
        let deadline = Instant::now() + Duration::from_secs(10);
        while state.monitor.as_ref().is_some_and(|m| m.is_alive()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    containers.remove(&config)?;
    Ok(())
}
