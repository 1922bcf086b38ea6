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
                let doc = compose::canonical::document(&project)?;
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
                tail: "all".into(),
                timestamps: false,
                since: None,
                no_color: false,
                no_log_prefix: false,
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
            ps_of(&ctx, &project, ps)
        }
        ComposeCommand::Logs(logs) => {
            let ctx = Context::open(global)?;
            logs_of(&ctx, &project, logs, None)
        }
        ComposeCommand::Attach(at) => {
            let ctx = Context::open(global)?;
            let target = replica(&ctx, &project, &at.service, at.index)?;
            let mut a: Vec<String> = vec![
                "attach".into(),
                format!("--sig-proxy={}", at.how.sig_proxy),
                "--detach-keys".into(),
                at.how.detach_keys.clone(),
            ];
            if at.how.no_stdin {
                a.push("--no-stdin".into());
            }
            a.push(target.id);
            Err(become_nook(&nook, &a))
        }
        ComposeCommand::Exec(e) => {
            let ctx = Context::open(global)?;
            let target = replica(&ctx, &project, &e.service, e.index)?;
            let mut a: Vec<String> = vec!["exec".into()];
            a.extend(process_flags(
                e.detach,
                e.no_tty,
                &e.env,
                e.user.as_deref(),
                e.workdir.as_deref(),
            ));
            a.push(target.id);
            a.extend(e.command.iter().cloned());
            Err(become_nook(&nook, &a))
        }
        ComposeCommand::Run(r) => {
            let ctx = Context::open(global)?;
            let Some(service) = project.doc.services.get(&r.service) else {
                anyhow::bail!("no such service: {}", r.service);
            };
            let names: Vec<String> = service.dependencies().into_iter().map(|(d, _)| d).collect();
            if !r.no_deps && !names.is_empty() {
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
            flags.extend(process_flags(
                r.detach,
                r.no_tty,
                &r.env,
                r.user.as_deref(),
                r.workdir.as_deref(),
            ));
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
            let a = driver::run_args(&ctx.store, &project, &r.service, service, 1, Some(&one_off))?;
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
        ComposeCommand::Push(s) => {
            for wanted in &s.services {
                if !project.doc.services.contains_key(wanted) {
                    anyhow::bail!("no such service: {wanted}");
                }
            }
            let mut failed = false;
            for (name, service) in project.active() {
                if !s.services.is_empty() && !s.services.contains(name) {
                    continue;
                }
                // A service without `image:` has only a local name to push to.
                let Some(image) = &service.image else {
                    continue;
                };
                match nook.run(&["push".into(), "-q".into(), image.clone()]) {
                    Ok(_) => driver::say("Image", image, "Pushed"),
                    Err(e) if s.ignore_push_failures => {
                        eprintln!("warning: service {name}: {e}");
                    }
                    Err(e) => {
                        eprintln!("Error: service {name}: {e}");
                        failed = true;
                        break;
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
            let target = replica(&ctx, &project, &pa.service, pa.index)?;
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
/// leaves out what is not set; a network is named even without options (`default: null`).
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
            for (key, item) in m.iter_mut() {
                match (key.as_str(), item) {
                    (Some("networks"), Value::Mapping(nets)) => {
                        for options in nets.values_mut() {
                            prune(options);
                            if empty(options) {
                                *options = Value::Null;
                            }
                        }
                    }
                    (_, item) => prune(item),
                }
            }
            m.retain(|_, item| !empty(item));
        }
        Value::Sequence(s) => s.iter_mut().for_each(prune),
        _ => {}
    }
}

/// `compose ps`: the project's containers as docker compose lists them.
fn ps_of(ctx: &Context, p: &Project, ps: &crate::cli::ComposePsArgs) -> anyhow::Result<i32> {
    use super::container::{command_text, ports_text, status_name, status_text};
    use super::template::Shape;
    let shape = Shape::parse(ps.format.as_deref())?;
    let containers = Containers::new(&ctx.store);
    let mut rows = Vec::new();
    for c in chosen(ctx, p, &ps.only)? {
        let Ok(state) = containers.load_state(&c.id) else {
            continue;
        };
        if !ps.all && state.status != Status::Running {
            continue;
        }
        let health =
            crate::container::health::load(&ctx.store, &c.id).filter(|_| c.health.is_some());
        let service = c.labels.get(SERVICE_LABEL).cloned().unwrap_or_default();
        let publishers: Vec<serde_json::Value> = state
            .ports()
            .iter()
            .map(|port| {
                serde_json::json!({
                    "URL": port.host_ip.map_or("0.0.0.0".to_string(), |ip| ip.to_string()),
                    "TargetPort": port.container_port,
                    "PublishedPort": port.host_port,
                    "Protocol": port.proto.to_string(),
                })
            })
            .collect();
        rows.push(serde_json::json!({
            "ID": c.id,
            "Name": c.name,
            "Names": c.name,
            "Image": c.image,
            "Command": command_text(&c, false),
            "Project": p.name,
            "Service": service,
            "Created": chrono::DateTime::parse_from_rfc3339(&c.created).map_or(0, |t| t.timestamp()),
            "RunningFor": ago(Some(&c.created)),
            "State": status_name(state.status),
            "Status": status_text(&state, health.as_ref()),
            "Health": health.as_ref().map(|h| h.status.clone()).unwrap_or_default(),
            "ExitCode": state.exit_code.unwrap_or(0),
            "Publishers": publishers,
            "Ports": ports_text(&state),
            "Labels": super::format::labels_text(&c.labels),
        }));
    }
    if ps.quiet || ps.services {
        let mut seen = Vec::new();
        for r in &rows {
            let field = if ps.quiet { &r["ID"] } else { &r["Service"] };
            let text = field.as_str().unwrap_or_default().to_string();
            if !seen.contains(&text) {
                println!("{text}");
                seen.push(text);
            }
        }
        return Ok(0);
    }
    match shape {
        Shape::Json => {
            for r in &rows {
                println!("{r}");
            }
        }
        Shape::Template { template, table } => {
            let headers = [
                ("ID", "CONTAINER ID"),
                ("Name", "NAME"),
                ("Names", "NAME"),
                ("Image", "IMAGE"),
                ("Command", "COMMAND"),
                ("Project", "PROJECT"),
                ("Service", "SERVICE"),
                ("Created", "CREATED"),
                ("RunningFor", "CREATED"),
                ("State", "STATE"),
                ("Status", "STATUS"),
                ("Health", "HEALTH"),
                ("ExitCode", "EXIT CODE"),
                ("Ports", "PORTS"),
                ("Labels", "LABELS"),
            ];
            print!(
                "{}",
                super::template::rows(&template, table, &rows, &headers)?
            );
        }
        Shape::Table => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    ["Name", "Image", "Service", "Status", "Ports"]
                        .iter()
                        .map(|f| r[*f].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .collect();
            print!(
                "{}",
                table(&["NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"], &cells)
            );
        }
    }
    Ok(0)
}

/// The `nook exec`/`nook run` flags of `compose exec` and `compose run`: detached, or with
/// your input (and a terminal when yours is one, unless -T); environment, user, directory.
fn process_flags(
    detach: bool,
    no_tty: bool,
    env: &[String],
    user: Option<&str>,
    workdir: Option<&str>,
) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    if detach {
        a.push("-d".into());
    } else {
        a.push("-i".into());
        if !no_tty && std::io::stdin().is_terminal() {
            a.push("-t".into());
        }
    }
    for v in env {
        a.extend(["-e".into(), v.clone()]);
    }
    for (flag, value) in [("-u", user), ("-w", workdir)] {
        if let Some(v) = value {
            a.extend([flag.into(), v.to_string()]);
        }
    }
    a
}

/// Replica `index` of `service`.
fn replica(
    ctx: &Context,
    p: &Project,
    service: &str,
    index: usize,
) -> anyhow::Result<ContainerConfig> {
    chosen(ctx, p, &[service.to_string()])?
        .into_iter()
        .find(|c| c.labels.get(driver::NUMBER_LABEL) == Some(&index.to_string()))
        .ok_or_else(|| {
            anyhow::anyhow!("service {service} has no container {index} (`nook compose up` first)")
        })
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

/// One container's log as `compose logs` reads it: the next record held back until it is
/// the oldest of all, so that the containers' lines come out in the order they were written.
struct Feed {
    id: String,
    prefix: String,
    reader: Option<LogReader>,
    next: Option<crate::container::logs::Entry>,
    partial: Vec<u8>,
}

/// docker compose's colours for the prefixes, one service after another.
const COLOURS: [&str; 6] = ["36", "33", "32", "35", "34", "96"];

/// Every chosen container's output, a line at a time, prefixed with its name (as docker
/// compose prints it, coloured on a terminal), the containers' lines merged in time order;
/// following until all have stopped when asked.
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
    let tail: Option<usize> = match args.tail.as_str() {
        "all" | "-1" => None,
        n => Some(n.parse().map_err(|_| {
            anyhow::anyhow!("invalid --tail {n:?}: give a number of lines or \"all\"")
        })?),
    };
    let since = super::lifecycle::since_flag(args.since.as_deref())?;
    let containers = Containers::new(&ctx.store);
    let chosen = chosen(ctx, p, &args.services)?;
    let width = chosen.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let colour = !args.no_color && std::io::stdout().is_terminal();
    let services: Vec<&String> = p.doc.services.keys().collect();
    let open = |id: &str| {
        let path = containers.log(id);
        match tail {
            Some(n) => LogReader::tail(&path, n),
            None => LogReader::open(&path),
        }
        .ok()
    };
    let mut feeds: Vec<Feed> = chosen
        .iter()
        .map(|c| {
            let prefix = match args.no_log_prefix {
                true => String::new(),
                false => {
                    let text = format!("{:width$}  |", c.name);
                    let service = c.labels.get(SERVICE_LABEL);
                    match services.iter().position(|s| Some(*s) == service) {
                        Some(i) if colour => {
                            format!("\x1b[{}m{text}\x1b[0m ", COLOURS[i % COLOURS.len()])
                        }
                        _ => format!("{text} "),
                    }
                }
            };
            Feed {
                id: c.id.clone(),
                prefix,
                reader: open(&c.id),
                next: None,
                partial: Vec::new(),
            }
        })
        .collect();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    loop {
        let running = chosen.iter().any(|c| {
            containers
                .load_state(&c.id)
                .is_ok_and(|s| matches!(s.status, Status::Running | Status::Restarting))
        });
        for f in &mut feeds {
            if f.reader.is_none() {
                // A container whose log did not exist yet.
                f.reader = open(&f.id);
            }
        }
        // What every log holds now, oldest line first.
        loop {
            for f in &mut feeds {
                if let (None, Some(r)) = (&f.next, &mut f.reader) {
                    f.next = r.next_entry()?;
                }
            }
            let Some(f) = feeds
                .iter_mut()
                .filter(|f| f.next.is_some())
                .min_by_key(|f| f.next.as_ref().map(|e| e.time))
            else {
                break;
            };
            let e = f.next.take().expect("chosen for its entry");
            if since.is_some_and(|s| e.time < s) {
                continue;
            }
            f.partial.extend_from_slice(&e.content);
            if !e.full {
                continue;
            }
            let mut line = f.prefix.clone().into_bytes();
            if args.timestamps {
                line.extend_from_slice(
                    e.time
                        .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
                        .as_bytes(),
                );
                line.push(b' ');
            }
            line.append(&mut f.partial);
            line.push(b'\n');
            if out.write_all(&line).is_err() {
                return Ok(0);
            }
        }
        if out.flush().is_err() {
            return Ok(0);
        }
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
