//! `nook compose config|up|down|ps|logs`.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use super::format::{ago, table};
use super::{Context, warn};
use crate::cli::{ComposeArgs, ComposeCommand, ComposeLogsArgs, GlobalArgs};
use crate::compose::driver::{self, Nook, SERVICE_LABEL};
use crate::compose::{self, Project};
use crate::container::logs::LogReader;
use crate::container::{ContainerConfig, Containers, Status};

pub fn compose(global: &GlobalArgs, args: &ComposeArgs) -> anyhow::Result<i32> {
    if let ComposeCommand::Ls = args.command {
        return ls(global);
    }
    let mut project = compose::load(&compose::Options {
        files: args.files.clone(),
        project: args.project.clone(),
        env_file: args.env_file.clone(),
        profiles: args.profiles.clone(),
    })?;
    for name in &project.unset {
        warn(&format!(
            "the {name} variable is not set: it stands for an empty string"
        ));
    }
    let nook = Nook {
        // The flag's own spelling of the choice, as clap parses it back.
        storage_driver: global
            .storage_driver
            .and_then(|d| clap::ValueEnum::to_possible_value(&d).map(|v| v.get_name().to_string())),
    };
    match &args.command {
        ComposeCommand::Config(c) => {
            if c.services {
                project.doc.services.keys().for_each(|s| println!("{s}"));
            } else if c.volumes {
                project.doc.volumes.keys().for_each(|v| println!("{v}"));
            } else {
                let mut doc = project.doc.clone();
                doc.name = Some(project.name.clone());
                // Each network and volume under the name it has in nook, as docker compose
                // prints them; the default network when a service uses it.
                let uses_default = project.doc.services.values().any(|s| {
                    s.network_mode.is_none()
                        && s.networks
                            .as_ref()
                            .is_none_or(|n| n.entries().iter().any(|(k, _)| k == "default"))
                });
                if uses_default {
                    doc.networks.entry("default".into()).or_insert(None);
                }
                for (key, def) in doc.networks.iter_mut().chain(doc.volumes.iter_mut()) {
                    let mut d = def.clone().unwrap_or_default();
                    d.name = Some(project.scoped(key, def.as_ref()));
                    *def = Some(d);
                }
                let mut value = serde_yaml_ng::to_value(&doc)?;
                prune(&mut value);
                print!("{}", serde_yaml_ng::to_string(&value)?);
            }
            Ok(0)
        }
        ComposeCommand::Up(up) => {
            for item in &up.scale {
                let parsed = item
                    .split_once('=')
                    .and_then(|(s, n)| Some((s, n.parse::<usize>().ok()?)));
                let Some((service, n)) = parsed else {
                    anyhow::bail!("invalid --scale {item:?}: use SERVICE=N");
                };
                let Some(s) = project.doc.services.get_mut(service) else {
                    anyhow::bail!("--scale {item}: no such service: {service}");
                };
                s.scale = Some(n);
            }
            let ctx = Context::open(global)?;
            driver::up(
                &ctx.store,
                &project,
                &nook,
                &driver::Up {
                    services: up.services.clone(),
                    force_recreate: up.force_recreate,
                    no_deps: up.no_deps,
                    build: up.build,
                },
            )?;
            if up.detach {
                return match up.wait {
                    true => wait_ready(&ctx, &project, &up.services, up.wait_timeout),
                    false => Ok(0),
                };
            }
            let logs = ComposeLogsArgs {
                follow: true,
                services: up.services.clone(),
            };
            logs_of(&ctx, &project, &logs, Some(&nook))
        }
        ComposeCommand::Down(down) => {
            let ctx = Context::open(global)?;
            driver::down(
                &ctx.store,
                &project,
                &nook,
                &driver::Down {
                    volumes: down.volumes,
                    remove_orphans: down.remove_orphans,
                    timeout: down.timeout,
                },
            )?;
            Ok(0)
        }
        ComposeCommand::Ps(ps) => {
            let ctx = Context::open(global)?;
            let containers = Containers::new(&ctx.store);
            let mut rows = Vec::new();
            for c in chosen(&ctx, &project, &ps.services)? {
                let Ok(state) = containers.load_state(&c.id) else {
                    continue;
                };
                if !ps.all && state.status != Status::Running {
                    continue;
                }
                if ps.quiet {
                    println!("{}", c.id);
                    continue;
                }
                let health = crate::container::health::load(&ctx.store, &c.id)
                    .filter(|_| c.health.is_some())
                    .map(|h| format!(" ({})", h.status))
                    .unwrap_or_default();
                let status = match state.status {
                    Status::Running => format!("Up {}{health}", since_text(&state)),
                    Status::Exited => format!(
                        "Exited ({}) {}",
                        state.exit_code.map_or("?".to_string(), |c| c.to_string()),
                        ago(state.finished_at.as_deref())
                    ),
                    Status::Created => "Created".to_string(),
                    Status::Restarting => "Restarting".to_string(),
                };
                let ports: Vec<String> = state
                    .ports()
                    .iter()
                    .map(|p| format!("{}->{}/{}", p.host_side(), p.container_port, p.proto))
                    .collect();
                rows.push(vec![
                    c.name.clone(),
                    c.image.clone(),
                    c.labels.get(SERVICE_LABEL).cloned().unwrap_or_default(),
                    status,
                    ports.join(", "),
                ]);
            }
            if !ps.quiet {
                print!(
                    "{}",
                    table(&["NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"], &rows)
                );
            }
            Ok(0)
        }
        ComposeCommand::Logs(logs) => {
            let ctx = Context::open(global)?;
            logs_of(&ctx, &project, logs, None)
        }
        ComposeCommand::Exec(e) => {
            let ctx = Context::open(global)?;
            let target = chosen(&ctx, &project, std::slice::from_ref(&e.service))?
                .into_iter()
                .find(|c| c.labels.get(driver::NUMBER_LABEL) == Some(&e.index.to_string()))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "service {} has no container {} (`nook compose up` first)",
                        e.service,
                        e.index
                    )
                })?;
            let mut a: Vec<String> = vec!["exec".into()];
            if e.detach {
                a.push("-d".into());
            } else {
                a.push("-i".into());
                if !e.no_tty && std::io::stdin().is_terminal() {
                    a.push("-t".into());
                }
            }
            for v in &e.env {
                a.extend(["-e".into(), v.clone()]);
            }
            if let Some(u) = &e.user {
                a.extend(["-u".into(), u.clone()]);
            }
            if let Some(w) = &e.workdir {
                a.extend(["-w".into(), w.clone()]);
            }
            a.push(target.id);
            a.extend(e.command.iter().cloned());
            Err(become_nook(&nook, &a))
        }
        ComposeCommand::Run(r) => {
            let ctx = Context::open(global)?;
            let Some(service) = project.doc.services.get(&r.service) else {
                anyhow::bail!("no such service: {}", r.service);
            };
            if !r.no_deps
                && let Some(deps) = &service.depends_on
            {
                let names = deps.all().into_iter().map(|(d, _)| d).collect();
                driver::up(
                    &ctx.store,
                    &project,
                    &nook,
                    &driver::Up {
                        services: names,
                        force_recreate: false,
                        no_deps: false,
                        build: false,
                    },
                )?;
            }
            let mut flags: Vec<String> = Vec::new();
            if r.rm {
                flags.push("--rm".into());
            }
            if r.detach {
                flags.push("-d".into());
            } else {
                flags.push("-i".into());
                if !r.no_tty && std::io::stdin().is_terminal() {
                    flags.push("-t".into());
                }
            }
            for v in &r.env {
                flags.extend(["-e".into(), v.clone()]);
            }
            if let Some(u) = &r.user {
                flags.extend(["-u".into(), u.clone()]);
            }
            if let Some(w) = &r.workdir {
                flags.extend(["-w".into(), w.clone()]);
            }
            let one_off = driver::OneOff {
                flags,
                command: r.command.clone(),
                ports: r.service_ports,
            };
            driver::build(
                &ctx.store,
                &project,
                &nook,
                std::slice::from_ref(&r.service),
                false,
            )?;
            let a = driver::run_args(&project, &r.service, service, 1, Some(&one_off))?;
            Err(become_nook(&nook, &a))
        }
        ComposeCommand::Start(s) => {
            each(global, &project, &nook, &s.services, &["start"], "Started")
        }
        ComposeCommand::Pause(s) => {
            each(global, &project, &nook, &s.services, &["pause"], "Paused")
        }
        ComposeCommand::Unpause(s) => each(
            global,
            &project,
            &nook,
            &s.services,
            &["unpause"],
            "Unpaused",
        ),
        ComposeCommand::Stop(s) | ComposeCommand::Restart(s) => {
            let restart = matches!(args.command, ComposeCommand::Restart(_));
            let mut verb = vec![if restart { "restart" } else { "stop" }.to_string()];
            if let Some(t) = s.time {
                verb.extend(["-t".to_string(), t.to_string()]);
            }
            let verb: Vec<&str> = verb.iter().map(String::as_str).collect();
            each(
                global,
                &project,
                &nook,
                &s.services,
                &verb,
                if restart { "Restarted" } else { "Stopped" },
            )
        }
        ComposeCommand::Kill(k) => each(
            global,
            &project,
            &nook,
            &k.services,
            &["kill", "-s", &k.signal],
            "Killed",
        ),
        ComposeCommand::Rm(r) => {
            if r.stop {
                each(global, &project, &nook, &r.services, &["stop"], "Stopped")?;
            }
            let ctx = Context::open(global)?;
            let containers = Containers::new(&ctx.store);
            for c in chosen(&ctx, &project, &r.services)? {
                let stopped = containers
                    .load_state(&c.id)
                    .is_ok_and(|s| s.status != Status::Running);
                if stopped {
                    nook.run(&["rm".into(), c.id.clone()])
                        .map_err(|e| anyhow::anyhow!("{}: {e}", c.name))?;
                    driver::say("Container", &c.name, "Removed");
                }
            }
            Ok(0)
        }
        ComposeCommand::Build(b) => {
            let ctx = Context::open(global)?;
            let services: Vec<String> = match b.services.is_empty() {
                true => project.active().map(|(n, _)| n.clone()).collect(),
                false => b.services.clone(),
            };
            for s in &services {
                if !project.doc.services.contains_key(s) {
                    anyhow::bail!("no such service: {s}");
                }
            }
            driver::build(&ctx.store, &project, &nook, &services, true)?;
            Ok(0)
        }
        ComposeCommand::Pull(s) => {
            let mut failed = false;
            for (name, service) in project.active() {
                if (!s.services.is_empty() && !s.services.contains(name)) || service.build.is_some()
                {
                    continue;
                }
                let image = driver::image_of(&project, name, service);
                match nook.run(&["pull".into(), "-q".into(), image.clone()]) {
                    Ok(_) => driver::say("Image", &image, "Pulled"),
                    Err(e) => {
                        eprintln!("Error: service {name}: {e}");
                        failed = true;
                    }
                }
            }
            Ok(if failed { 1 } else { 0 })
        }
        ComposeCommand::Images(s) => {
            let ctx = Context::open(global)?;
            let index = crate::image::index::ImageIndex::load(&ctx.store)?;
            let rows: Vec<Vec<String>> = chosen(&ctx, &project, &s.services)?
                .iter()
                .map(|c| {
                    let (repo, tag) = index
                        .resolve(&c.image_id.to_string())
                        .ok()
                        .and_then(|r| r.names.first().cloned())
                        .and_then(|n| {
                            n.rsplit_once(':')
                                .map(|(a, b)| (a.to_string(), b.to_string()))
                        })
                        .unwrap_or_else(|| ("<none>".into(), "<none>".into()));
                    vec![c.name.clone(), repo, tag, c.image_id.short().to_string()]
                })
                .collect();
            print!(
                "{}",
                table(&["CONTAINER", "REPOSITORY", "TAG", "IMAGE ID"], &rows)
            );
            Ok(0)
        }
        ComposeCommand::Top(s) => {
            let ctx = Context::open(global)?;
            let containers = Containers::new(&ctx.store);
            for c in chosen(&ctx, &project, &s.services)? {
                let running = containers
                    .load_state(&c.id)
                    .is_ok_and(|st| st.status == Status::Running);
                if !running {
                    continue;
                }
                let top = nook
                    .run(&["top".into(), c.id.clone()])
                    .map_err(|e| anyhow::anyhow!("{}: {e}", c.name))?;
                println!("{}\n{top}", c.name);
            }
            Ok(0)
        }
        ComposeCommand::Port(pa) => {
            let ctx = Context::open(global)?;
            let target = chosen(&ctx, &project, std::slice::from_ref(&pa.service))?
                .into_iter()
                .find(|c| c.labels.get(driver::NUMBER_LABEL) == Some(&pa.index.to_string()))
                .ok_or_else(|| {
                    anyhow::anyhow!("service {} has no container {}", pa.service, pa.index)
                })?;
            Err(become_nook(
                &nook,
                &["port".into(), target.id, pa.port.clone()],
            ))
        }
        ComposeCommand::Ls => unreachable!("handled before the project is read"),
    }
}

/// `up --wait`: until every chosen container runs (and is healthy, when it has a check).
fn wait_ready(
    ctx: &Context,
    p: &Project,
    services: &[String],
    timeout: u64,
) -> anyhow::Result<i32> {
    let containers = Containers::new(&ctx.store);
    let deadline = std::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let mut ready = true;
        for c in chosen(ctx, p, services)? {
            let state = containers.load_state(&c.id)?;
            let health = crate::container::health::load(&ctx.store, &c.id)
                .filter(|_| c.health.is_some())
                .map(|h| h.status);
            let failed = state.status == Status::Exited && state.exit_code != Some(0);
            if failed || health.as_deref() == Some("unhealthy") {
                eprintln!(
                    "Error: container {} {}",
                    c.name,
                    match health.as_deref() {
                        Some("unhealthy") => "is unhealthy",
                        _ => "exited",
                    }
                );
                return Ok(1);
            }
            // (A service that ran to completion is ready too.)
            ready &= (state.status == Status::Running
                && health.as_deref().is_none_or(|h| h == "healthy"))
                || state.status == Status::Exited;
        }
        if ready {
            return Ok(0);
        }
        if std::time::Instant::now() > deadline {
            eprintln!("Error: the containers were not ready after {timeout} s");
            return Ok(1);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Turn this process into `nook ARGS` (a terminal, signals and the exit status pass
/// straight through); returns only if that fails.
fn become_nook(nook: &Nook, args: &[String]) -> anyhow::Error {
    use std::os::unix::process::CommandExt;
    let err = nook.command(args).arg0("nook").exec();
    anyhow::Error::from(err).context("cannot run nook")
}

/// `nook VERB... CONTAINER` for each of the services' containers, each said as `done`.
fn each(
    global: &GlobalArgs,
    p: &Project,
    nook: &Nook,
    services: &[String],
    verb: &[&str],
    done: &str,
) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let mut failed = false;
    for c in chosen(&ctx, p, services)? {
        let mut a: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
        a.push(c.id.clone());
        match nook.run(&a) {
            Ok(_) => driver::say("Container", &c.name, done),
            Err(e) => {
                eprintln!("Error: {}: {e}", c.name);
                failed = true;
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}

/// `compose ls`: every project that has containers, with how many run.
fn ls(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let mut projects: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    for c in containers.list()? {
        let Some(p) = c.labels.get(driver::PROJECT_LABEL) else {
            continue;
        };
        let running = containers
            .load_state(&c.id)
            .is_ok_and(|s| s.status == Status::Running);
        let entry = projects.entry(p.clone()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(running);
    }
    let rows: Vec<Vec<String>> = projects
        .into_iter()
        .map(|(name, (all, running))| {
            let status = match running {
                0 => format!("exited({all})"),
                n if n == all => format!("running({n})"),
                n => format!("running({n}), exited({})", all - n),
            };
            vec![name, status]
        })
        .collect();
    print!("{}", table(&["NAME", "STATUS"], &rows));
    Ok(0)
}

/// Drop what says nothing (nulls, empty lists and mappings), as docker compose's config
/// leaves out what is not set.
fn prune(v: &mut serde_yaml_ng::Value) {
    use serde_yaml_ng::Value;
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        _ => false,
    };
    match v {
        Value::Mapping(m) => {
            for (_, item) in m.iter_mut() {
                prune(item);
            }
            m.retain(|_, item| !empty(item));
        }
        Value::Sequence(s) => s.iter_mut().for_each(prune),
        _ => {}
    }
}

fn since_text(state: &crate::container::ContainerState) -> String {
    super::format::human_duration(state.started_at.as_deref().map_or(0, super::format::since))
}

/// The project's containers of `services` (all when empty).
fn chosen(ctx: &Context, p: &Project, services: &[String]) -> anyhow::Result<Vec<ContainerConfig>> {
    for s in services {
        if !p.doc.services.contains_key(s) {
            anyhow::bail!("no such service: {s}");
        }
    }
    Ok(driver::containers(&ctx.store, &p.name)?
        .into_iter()
        .filter(|c| {
            services.is_empty()
                || c.labels
                    .get(SERVICE_LABEL)
                    .is_some_and(|s| services.contains(s))
        })
        .collect())
}

/// Every chosen container's output, a line at a time, prefixed with its name (as docker
/// compose prints it); following until all have stopped when asked.
/// With `stop_on_signal` (a foreground `up`), SIGINT or SIGTERM stops the containers, as
/// docker compose does, and the status is 130.
fn logs_of(
    ctx: &Context,
    p: &Project,
    args: &ComposeLogsArgs,
    stop_on_signal: Option<&Nook>,
) -> anyhow::Result<i32> {
    let signals = match stop_on_signal {
        Some(_) => Some(crate::runtime::relay::signal_fd()?),
        None => None,
    };
    let containers = Containers::new(&ctx.store);
    let chosen = chosen(ctx, p, &args.services)?;
    let width = chosen.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut readers: Vec<(String, Option<LogReader>, Vec<u8>)> = chosen
        .iter()
        .map(|c| {
            let reader = LogReader::open(&containers.log(&c.id)).ok();
            (c.name.clone(), reader, Vec::new())
        })
        .collect();
    let mut out = std::io::stdout().lock();
    loop {
        let running = chosen.iter().any(|c| {
            containers
                .load_state(&c.id)
                .is_ok_and(|s| matches!(s.status, Status::Running | Status::Restarting))
        });
        for (name, reader, partial) in &mut readers {
            if reader.is_none() {
                // A container whose log did not exist yet.
                let id = &chosen.iter().find(|c| &c.name == name).expect("chosen").id;
                *reader = LogReader::open(&containers.log(id)).ok();
            }
            let Some(r) = reader else { continue };
            while let Some(e) = r.next_entry()? {
                partial.extend_from_slice(&e.content);
                if e.full {
                    let line = String::from_utf8_lossy(partial).into_owned();
                    partial.clear();
                    if writeln!(out, "{name:width$}  | {line}").is_err() {
                        return Ok(0);
                    }
                }
            }
        }
        let _ = out.flush();
        if !args.follow || !running {
            return Ok(0);
        }
        let interrupted = signals.as_ref().is_some_and(|fd| {
            crate::runtime::relay::pending(fd).iter().any(|s| {
                matches!(
                    s,
                    nix::sys::signal::Signal::SIGINT | nix::sys::signal::Signal::SIGTERM
                )
            })
        });
        if let (true, Some(nook)) = (interrupted, stop_on_signal) {
            eprintln!("Gracefully stopping...");
            let mut stop: Vec<String> = vec!["stop".into()];
            stop.extend(chosen.iter().map(|c| c.id.clone()));
            if let Err(e) = nook.run(&stop) {
                eprintln!("Error: {e}");
            }
            for c in &chosen {
                driver::say("Container", &c.name, "Stopped");
            }
            return Ok(130);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
