//! `stats`, `pause`, `unpause`, `update`: what a container's cgroup tells and takes.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use super::Context;
use super::format::{human_size, table};
use crate::cgroups::{self, Placed, v2::Stats};
use crate::cli::{ContainersArgs, GlobalArgs, StatsArgs, UpdateArgs};
use crate::container::{ContainerConfig, ContainerState, Containers, Status};

/// The cgroup of a running container, or why there is none.
fn running_cgroup(
    containers: &Containers<'_>,
    name: &str,
) -> anyhow::Result<(ContainerConfig, ContainerState, Placed)> {
    let id = containers.resolve(name)?;
    let config = containers.load_config(&id)?;
    let state = containers.load_state(&id)?;
    if state.status != Status::Running {
        bail!("container {name} is not running");
    }
    let Some(placed) = state.cgroup.clone() else {
        bail!(
            "container {name} has no cgroup: it was created where cgroups are not available, \
             or with --cgroups disabled (`nook doctor` tells which)"
        );
    };
    Ok((config, state, placed))
}

/// Is the container's cgroup frozen?
pub fn is_paused(state: &ContainerState) -> bool {
    state.status == Status::Running
        && state.cgroup.as_ref().is_some_and(|p| {
            cgroups::v2::read_key(&p.path.join("cgroup.events"), "frozen") == Some(1)
        })
}

pub fn pause(global: &GlobalArgs, args: &ContainersArgs, frozen: bool) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let mut failed = false;
    for name in &args.containers {
        let done = running_cgroup(&containers, name).and_then(|(config, state, placed)| {
            match (frozen, is_paused(&state)) {
                (true, true) => bail!("container {name} is already paused"),
                (false, false) => bail!("container {name} is not paused"),
                _ => {
                    placed.freeze(frozen)?;
                    let action = if frozen { "pause" } else { "unpause" };
                    crate::events::container(&ctx.store, &config, action, &[]);
                    Ok(())
                }
            }
        });
        match done {
            Ok(()) => println!("{name}"),
            Err(e) => {
                eprintln!("Error: {e:#}");
                failed = true;
            }
        }
    }
    Ok(if failed { 125 } else { 0 })
}

pub fn update(global: &GlobalArgs, args: &UpdateArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    // Every container is checked before any is changed.
    let mut plans = Vec::new();
    for name in &args.containers {
        let id = containers.resolve(name)?;
        let mut config = containers.load_config(&id)?;
        let Some(cg) = config.cgroup.as_mut() else {
            bail!(
                "container {name} has no cgroup, so its limits cannot change: it was created \
                 where cgroups are not available, or with --cgroups disabled"
            );
        };
        let change = args.resources.requested().limits(&cg.limits)?;
        if change.is_empty() {
            bail!("nothing to update: give a limit (--memory, --cpus, --pids-limit, ...)");
        }
        let state = containers.load_state(&id)?;
        let placed = state.cgroup.filter(|_| state.status == Status::Running);
        if let Some(p) = &placed {
            let missing = change.missing(&cgroups::v2::controllers(&p.path));
            if !missing.is_empty() {
                bail!(
                    "container {name}'s cgroup has no {} controller: {}",
                    missing.join(", "),
                    cgroups::DELEGATE_FIX
                );
            }
        }
        cg.limits = cg.limits.merged(&change);
        plans.push((name, config, placed, change));
    }
    for (name, config, placed, change) in plans {
        if let Some(p) = placed {
            p.update(&change)
                .with_context(|| format!("cannot update container {name}"))?;
        }
        containers.save_config(&config)?;
        println!("{name}");
    }
    Ok(0)
}

/// One container's figures at one moment.
struct Sample {
    at: Instant,
    stats: Stats,
    net: (u64, u64),
}

fn sample(placed: &Placed, init: Option<i32>) -> Sample {
    Sample {
        at: Instant::now(),
        stats: placed.stats(),
        net: init.map_or((0, 0), net_bytes),
    }
}

/// Bytes received and sent on the container's interfaces but lo.
fn net_bytes(pid: i32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/net/dev")).unwrap_or_default();
    text.lines()
        .skip(2)
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim() != "lo")
        .fold((0, 0), |(rx, tx), (_, v)| {
            let f: Vec<u64> = v
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            (
                rx + f.first().copied().unwrap_or(0),
                tx + f.get(8).copied().unwrap_or(0),
            )
        })
}

struct Row {
    id: String,
    name: String,
    cpu_percent: f64,
    now: Sample,
}

impl Row {
    fn json(&self) -> serde_json::Value {
        let s = &self.now.stats;
        serde_json::json!({
            "ID": self.id,
            "Name": self.name,
            "CPUPerc": format!("{:.2}%", self.cpu_percent),
            "CPUPercent": self.cpu_percent,
            "MemUsage": s.memory_bytes,
            "MemLimit": s.memory_limit,
            "PIDs": s.pids,
            "PIDsLimit": s.pids_limit,
            "NetInput": self.now.net.0,
            "NetOutput": self.now.net.1,
            "BlockInput": s.io_read_bytes,
            "BlockOutput": s.io_write_bytes,
            "OOMKills": s.oom_kills,
        })
    }

    /// docker's template fields: the table's cells by name.
    fn fields(&self) -> serde_json::Value {
        let c = self.cells();
        serde_json::json!({
            "Container": c[0],
            "ID": c[0],
            "Name": c[1],
            "CPUPerc": c[2],
            "MemUsage": c[3],
            "MemPerc": c[4],
            "NetIO": c[5],
            "BlockIO": c[6],
            "PIDs": c[7],
        })
    }

    fn cells(&self) -> Vec<String> {
        let s = &self.now.stats;
        let limit = s.memory_limit;
        vec![
            self.id[..12].to_string(),
            self.name.clone(),
            format!("{:.2}%", self.cpu_percent),
            format!(
                "{} / {}",
                human_size(s.memory_bytes),
                limit.map_or("unlimited".to_string(), human_size)
            ),
            limit.map_or("--".to_string(), |l| {
                format!("{:.2}%", s.memory_bytes as f64 * 100.0 / l.max(1) as f64)
            }),
            format!(
                "{} / {}",
                human_size(self.now.net.0),
                human_size(self.now.net.1)
            ),
            format!(
                "{} / {}",
                human_size(s.io_read_bytes),
                human_size(s.io_write_bytes)
            ),
            match s.pids_limit {
                Some(l) => format!("{} / {l}", s.pids),
                None => s.pids.to_string(),
            },
        ]
    }
}

pub fn stats(global: &GlobalArgs, args: &StatsArgs) -> anyhow::Result<i32> {
    let shape = super::template::Shape::parse(args.format.as_deref())?;
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let targets: Vec<(String, String, Placed, Option<i32>)> = if args.containers.is_empty() {
        containers
            .list()?
            .into_iter()
            .filter_map(|c| {
                let s = containers.load_state(&c.id).ok()?;
                let init = s.running_init().map(|p| p.pid);
                let placed = s.cgroup.filter(|_| s.status == Status::Running)?;
                Some((c.id, c.name, placed, init))
            })
            .collect()
    } else {
        args.containers
            .iter()
            .map(|n| {
                running_cgroup(&containers, n)
                    .map(|(c, s, p)| (c.id, c.name, p, s.running_init().map(|p| p.pid)))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let online = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    // What each container's CPU time was, and when: the base of the next CPU %.
    let mut last: Vec<(Instant, u64)> = targets
        .iter()
        .map(|(_, _, p, i)| {
            let s = sample(p, *i);
            (s.at, s.stats.cpu_usage_us)
        })
        .collect();
    let terminal = std::io::stdout().is_terminal();
    let interval = if args.no_stream {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(1)
    };
    loop {
        std::thread::sleep(interval);
        let mut rows = Vec::new();
        for ((id, name, placed, init), before) in targets.iter().zip(last.iter_mut()) {
            let now = sample(placed, *init);
            let wall = now.at.duration_since(before.0).as_micros().max(1) as f64;
            let used = now.stats.cpu_usage_us.saturating_sub(before.1) as f64;
            // As docker: 100% is one CPU busy.
            let cpu_percent = (used / wall * 100.0).min(online * 100.0);
            *before = (now.at, now.stats.cpu_usage_us);
            rows.push(Row {
                id: id.clone(),
                name: name.clone(),
                cpu_percent,
                now,
            });
        }
        let mut out = std::io::stdout().lock();
        if let super::template::Shape::Json = shape {
            for r in &rows {
                writeln!(out, "{}", r.json())?;
            }
        } else if let super::template::Shape::Template { template, table } = &shape {
            let fields: Vec<serde_json::Value> = rows.iter().map(Row::fields).collect();
            let headers = [
                ("Container", "CONTAINER"),
                ("ID", "CONTAINER ID"),
                ("Name", "NAME"),
                ("CPUPerc", "CPU %"),
                ("MemUsage", "MEM USAGE / LIMIT"),
                ("MemPerc", "MEM %"),
                ("NetIO", "NET I/O"),
                ("BlockIO", "BLOCK I/O"),
                ("PIDs", "PIDS"),
            ];
            write!(
                out,
                "{}",
                super::template::rows(template, *table, &fields, &headers)?
            )?;
        } else {
            if terminal && !args.no_stream {
                // Clear the screen, as docker's live view does.
                write!(out, "\x1b[2J\x1b[H")?;
            }
            let cells: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
            write!(
                out,
                "{}",
                table(
                    &[
                        "CONTAINER ID",
                        "NAME",
                        "CPU %",
                        "MEM USAGE / LIMIT",
                        "MEM %",
                        "NET I/O",
                        "BLOCK I/O",
                        "PIDS"
                    ],
                    &cells
                )
            )?;
        }
        out.flush()?;
        if args.no_stream {
            return Ok(0);
        }
    }
}
