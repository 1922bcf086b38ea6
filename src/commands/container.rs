//! `nook ps`, `rm`, `container prune`, `rename`, `top` and `inspect`.

use std::time::Duration;

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::Context;
use super::format::{ago, human_duration, human_size, since, table};
use super::lifecycle;
use crate::cli::{
    ContainerArg, GlobalArgs, InspectArgs, PortArgs, PsArgs, RenameArgs, RmArgs, TopArgs,
};
use crate::container::health::{self, Health};
use crate::container::volume::Volumes;
use crate::container::{ContainerConfig, ContainerState, Containers, Status};
use crate::network::Proto;
use crate::runtime::launch::MountKind;

pub(super) fn status_text(state: &ContainerState, health: Option<&Health>) -> String {
    let exited = || match state.exit_code {
        Some(code) => format!("({code}) {}", ago(state.finished_at.as_deref())),
        None => "(unknown)".to_string(),
    };
    match state.status {
        Status::Created => "Created".to_string(),
        Status::Running => format!(
            "Up {}{}{}",
            human_duration(state.started_at.as_deref().map_or(0, since)),
            if super::resources::is_paused(state) {
                " (Paused)"
            } else {
                ""
            },
            // As docker's: "(healthy)", "(unhealthy)", "(health: starting)".
            match health.map(|h| h.status.as_str()) {
                Some("starting") => " (health: starting)".to_string(),
                Some(status) => format!(" ({status})"),
                None => String::new(),
            }
        ),
        Status::Restarting => format!("Restarting {}", exited()),
        Status::Exited => format!("Exited {}", exited()),
    }
}

pub(super) fn status_name(status: Status) -> &'static str {
    match status {
        Status::Created => "created",
        Status::Running => "running",
        Status::Restarting => "restarting",
        Status::Exited => "exited",
    }
}

pub(super) fn command_text(config: &ContainerConfig, full: bool) -> String {
    let cmd = config.process.args.join(" ");
    if full || cmd.chars().count() <= 20 {
        format!("\"{cmd}\"")
    } else {
        format!("\"{}…\"", cmd.chars().take(19).collect::<String>())
    }
}

/// `ps --filter KEY=VALUE`: filters with the same key match if any does; different keys
/// must all match, as with docker.
struct Filters(Vec<(String, String)>);

const FILTER_KEYS: &[&str] = &[
    "status", "name", "id", "ancestor", "label", "exited", "health", "network", "volume", "publish",
];

impl Filters {
    fn parse(specs: &[String]) -> anyhow::Result<Self> {
        let mut out = Vec::new();
        for spec in specs {
            let Some((k, v)) = spec.split_once('=') else {
                bail!(
                    "invalid filter {spec:?}: use KEY=VALUE (keys: {})",
                    FILTER_KEYS.join(", ")
                );
            };
            if !FILTER_KEYS.contains(&k) {
                bail!("unknown filter {k:?} (keys: {})", FILTER_KEYS.join(", "));
            }
            if k == "status" && !["created", "running", "restarting", "exited"].contains(&v) {
                bail!("invalid status filter {v:?}: use created, running, restarting or exited");
            }
            if k == "exited" && v.parse::<i32>().is_err() {
                bail!("invalid exited filter {v:?}: use an exit code, e.g. exited=0");
            }
            if k == "health" && !["starting", "healthy", "unhealthy", "none"].contains(&v) {
                bail!("invalid health filter {v:?}: use starting, healthy, unhealthy or none");
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(Self(out))
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    fn matches(&self, c: &ContainerConfig, s: &ContainerState, health: Option<&Health>) -> bool {
        FILTER_KEYS.iter().all(|key| {
            let mut values = self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
            let mut first = values.next().into_iter().chain(values).peekable();
            if first.peek().is_none() {
                return true;
            }
            first.any(|v| match *key {
                "status" => status_name(s.status) == v,
                "name" => c.name.contains(v.as_str()),
                "id" => c.id.starts_with(v.as_str()),
                "ancestor" => {
                    c.image == *v
                        || c.image_id.to_string() == *v
                        || c.image_id.hex().starts_with(v.as_str())
                }
                "label" => match v.split_once('=') {
                    Some((lk, lv)) => c.labels.get(lk).is_some_and(|x| x == lv),
                    None => c.labels.contains_key(v.as_str()),
                },
                "exited" => s.status == Status::Exited && s.exit_code == v.parse().ok(),
                "health" => health.map_or("none", |h| h.status.as_str()) == v,
                "network" => c.network.mode.name() == *v,
                // A volume by its name, or a mount by where it is in the container.
                "volume" => c.mounts.iter().any(|m| {
                    m.target == *v
                        || matches!(&m.kind, MountKind::Bind { volume: Some(n), .. } if n == v)
                }),
                // A published container port: 80, 80/tcp, or a range's member.
                "publish" => {
                    let (port, proto) = v.split_once('/').unwrap_or((v, "tcp"));
                    s.ports().iter().any(|p| {
                        p.container_port.to_string() == port && p.proto.to_string() == proto
                    })
                }
                _ => false,
            })
        })
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
    labels: std::collections::BTreeMap<String, String>,
    /// With --size: what it wrote, and that with its image.
    #[serde(skip_serializing_if = "Option::is_none")]
    size_rw: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size_root_fs: Option<u64>,
}

/// `ps --size`: for each container, the bytes of its writable layer and of that and its
/// image together (read in the user namespace, where every file can be).
fn sizes(
    store: &crate::image::store::Store,
    configs: &[&ContainerConfig],
) -> anyhow::Result<Vec<(u64, u64)>> {
    use crate::runtime::jobs::{self, Job, JobOutput};
    let containers = Containers::new(store);
    let paths = configs.iter().map(|c| containers.upper(&c.id)).collect();
    let JobOutput::Usage(written) = jobs::run(&Job::Usage { paths })? else {
        bail!("nook's namespace helper gave an unexpected answer");
    };
    Ok(configs
        .iter()
        .zip(written)
        .map(|(c, rw)| {
            let image: u64 = c
                .layers
                .iter()
                .filter_map(|d| store.layer_meta(d).ok())
                .map(|m| m.size)
                .sum();
            (rw, rw + image)
        })
        .collect())
}

pub fn ps(global: &GlobalArgs, args: &PsArgs) -> anyhow::Result<i32> {
    let filters = Filters::parse(&args.filters)?;
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    // Filtering on a status means every container, as with docker.
    let last = if args.latest { Some(1) } else { args.last };
    let all = args.all || last.is_some() || filters.has("status") || filters.has("exited");
    let mut rows = Vec::new();
    for config in containers.list()?.into_iter().rev() {
        let Ok(state) = containers.load_state(&config.id) else {
            continue;
        };
        let health = crate::container::health::load(&ctx.store, &config.id)
            .filter(|_| config.health.is_some());
        if (!all && state.status != Status::Running)
            || !filters.matches(&config, &state, health.as_ref())
        {
            continue;
        }
        rows.push((config, state, health));
    }
    if let Some(n) = last {
        rows.truncate(n);
    }
    let sized = match args.size {
        true => sizes(
            &ctx.store,
            &rows.iter().map(|(c, _, _)| c).collect::<Vec<_>>(),
        )?,
        false => Vec::new(),
    };
    let size_text = |i: usize| {
        sized
            .get(i)
            .map(|(rw, all)| format!("{} (virtual {})", human_size(*rw), human_size(*all)))
            .unwrap_or_default()
    };
    let id_text = |id: &str| {
        if args.no_trunc {
            id.to_string()
        } else {
            id[..12].to_string()
        }
    };
    if args.quiet {
        for (config, _, _) in &rows {
            println!("{}", id_text(&config.id));
        }
        return Ok(0);
    }
    let shape = super::template::Shape::parse(args.format.as_deref())?;
    if let super::template::Shape::Json = shape {
        let out: Vec<ContainerJson> = rows
            .iter()
            .enumerate()
            .map(|(i, (c, s, h))| ContainerJson {
                id: c.id.clone(),
                names: vec![c.name.clone()],
                image: c.image.clone(),
                image_id: c.image_id.hex().to_string(),
                command: c.process.args.clone(),
                created: c.created.clone(),
                state: s.status,
                status: status_text(s, h.as_ref()),
                exit_code: s.exit_code,
                pid: s.running_init().map(|p| p.pid),
                labels: c.labels.clone(),
                size_rw: sized.get(i).map(|s| s.0),
                size_root_fs: sized.get(i).map(|s| s.1),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    if let super::template::Shape::Template { template, table } = shape {
        let fields: Vec<serde_json::Value> = rows
            .iter()
            .enumerate()
            .map(|(i, (c, s, h))| {
                let volumes: Vec<&str> = c
                    .mounts
                    .iter()
                    .filter_map(|m| match &m.kind {
                        crate::runtime::launch::MountKind::Bind {
                            volume: Some(v), ..
                        } => Some(v.as_str()),
                        _ => None,
                    })
                    .collect();
                serde_json::json!({
                    "ID": id_text(&c.id),
                    "Image": c.image,
                    "Command": command_text(c, args.no_trunc),
                    "CreatedAt": super::format::go_time(Some(&c.created)),
                    "RunningFor": ago(Some(&c.created)),
                    "Ports": ports_text(s),
                    "State": status_name(s.status),
                    "Status": status_text(s, h.as_ref()),
                    "Names": c.name,
                    "Labels": super::format::labels_text(&c.labels),
                    "Mounts": volumes.join(","),
                    "LocalVolumes": volumes.len().to_string(),
                    "Networks": c.network.mode.name(),
                    "Size": size_text(i),
                })
            })
            .collect();
        let headers = [
            ("ID", "CONTAINER ID"),
            ("Image", "IMAGE"),
            ("Command", "COMMAND"),
            ("CreatedAt", "CREATED AT"),
            ("RunningFor", "CREATED"),
            ("Ports", "PORTS"),
            ("State", "STATE"),
            ("Status", "STATUS"),
            ("Names", "NAMES"),
            ("Labels", "LABELS"),
            ("Mounts", "MOUNTS"),
            ("LocalVolumes", "LOCAL VOLUMES"),
            ("Networks", "NETWORKS"),
            ("Size", "SIZE"),
        ];
        print!(
            "{}",
            super::template::rows(&template, table, &fields, &headers)?
        );
        return Ok(0);
    }
    let lines: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, (c, s, h))| {
            let mut line = vec![
                id_text(&c.id),
                c.image.clone(),
                command_text(c, args.no_trunc),
                ago(Some(&c.created)),
                status_text(s, h.as_ref()),
                ports_text(s),
                c.name.clone(),
            ];
            if args.size {
                line.push(size_text(i));
            }
            line
        })
        .collect();
    let mut header = vec![
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    if args.size {
        header.push("SIZE");
    }
    print!("{}", table(&header, &lines));
    Ok(0)
}

/// docker's PORTS: each published port while the container runs, `0.0.0.0:8080->80/tcp`.
pub(super) fn ports_text(state: &ContainerState) -> String {
    state
        .ports()
        .iter()
        .map(|p| format!("{}->{}/{}", p.host_side(), p.container_port, p.proto))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn rm(global: &GlobalArgs, args: &RmArgs) -> anyhow::Result<i32> {
    lifecycle::each(
        global,
        &args.containers,
        args.force,
        |ctx, containers, config| remove_one(ctx, containers, config, args.force, args.volumes),
    )
}

pub(crate) fn remove_one(
    ctx: &Context,
    containers: &Containers<'_>,
    config: &ContainerConfig,
    force: bool,
    volumes: bool,
) -> anyhow::Result<()> {
    if containers.monitor_alive(&config.id) {
        if !force {
            bail!(
                "container {} is running: stop it first (nook stop {}), or remove it with \
                 `nook rm -f {}`",
                config.name,
                config.name,
                config.name
            );
        }
        lifecycle::stop_container(containers, config, Duration::ZERO)?;
    }
    containers.remove(config)?;
    if volumes {
        Volumes::new(&ctx.store).remove_anonymous(&config.mounts)?;
    }
    Ok(())
}

pub fn prune(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    for id in Containers::new(&ctx.store).prune()? {
        println!("{id}");
    }
    Ok(0)
}

pub fn rename(global: &GlobalArgs, args: &RenameArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    containers.rename(&id, &args.name)?;
    Ok(0)
}

pub fn top(global: &GlobalArgs, args: &TopArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let state = containers.load_state(&id)?;
    let config = containers.load_config(&id)?;
    let (Some(init), Some((entry, _pidfd))) = (state.running_init(), state.entry(config.init))
    else {
        bail!("container {} is not running", args.container);
    };
    let init = init.pid;
    let pidns = |pid: &str| std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok();
    let ns = pidns(&entry.to_string()).context("cannot read the container's pid namespace")?;
    // On the host's pid namespace, the container's processes are its PID 1's descendants.
    let parent = |pid: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')?
                    .1
                    .split_whitespace()
                    .nth(1)?
                    .parse::<i32>()
                    .ok()
            })
    };
    let descends = |pid: &str| {
        let mut at = pid.parse::<i32>().ok();
        for _ in 0..64 {
            match at {
                Some(p) if p == init => return true,
                Some(p) if p > 1 => at = parent(&p.to_string()),
                _ => return false,
            }
        }
        false
    };
    let mut rows = Vec::new();
    for entry in std::fs::read_dir("/proc")?.flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        // (nook's own PID 1, under --init, does not show its namespaces.)
        let inside = match config.pid_host {
            true => descends(&pid),
            false => pid == init.to_string() || pidns(&pid).as_ref() == Some(&ns),
        };
        if !pid.bytes().all(|b| b.is_ascii_digit()) || !inside {
            continue;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.split_whitespace().next().unwrap_or("").to_string())
                .unwrap_or_default()
        };
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|b| {
                String::from_utf8_lossy(&b)
                    .replace('\0', " ")
                    .trim()
                    .to_string()
            })
            .unwrap_or_default();
        // NSpid: the pid as the host sees it, then as the container does.
        let inner = status
            .lines()
            .find_map(|l| l.strip_prefix("NSpid:"))
            .and_then(|v| v.split_whitespace().last().map(str::to_string))
            .unwrap_or_default();
        rows.push(vec![pid.clone(), inner, field("Uid:"), field("PPid:"), cmd]);
    }
    rows.sort_by_key(|r| r[0].parse::<u32>().unwrap_or(0));
    print!(
        "{}",
        table(
            &["PID", "CONTAINER PID", "HOST UID", "PPID", "COMMAND"],
            &rows
        )
    );
    Ok(0)
}

/// `nook healthcheck run`: the container's check, once; 0 when it passed, 1 when not.
pub fn healthcheck(global: &GlobalArgs, args: &ContainerArg) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let config = containers.load_config(&containers.resolve(&args.container)?)?;
    let health = health::run_once(&ctx.store, &config)?;
    let passed = health.log.last().is_some_and(|p| p.exit_code == 0);
    println!("{}", health.status);
    Ok(if passed { 0 } else { 1 })
}

/// `nook port`: the running container's published ports, as docker prints them.
pub fn port(global: &GlobalArgs, args: &PortArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    let id = containers.resolve(&args.container)?;
    let state = containers.load_state(&id)?;
    let wanted = args
        .port
        .as_deref()
        .map(|p| {
            let (port, proto) = p.split_once('/').unwrap_or((p, "tcp"));
            Ok::<_, anyhow::Error>((
                port.parse::<u16>()
                    .with_context(|| format!("invalid port {p:?}: use PORT[/tcp|/udp]"))?,
                proto.parse::<Proto>().map_err(anyhow::Error::msg)?,
            ))
        })
        .transpose()?;
    let shown: Vec<_> = state
        .ports()
        .iter()
        .filter(|b| wanted.is_none_or(|(p, proto)| b.container_port == p && b.proto == proto))
        .collect();
    if let (Some(p), true) = (&args.port, shown.is_empty()) {
        bail!(
            "no public port {p} is published for container {}",
            args.container
        );
    }
    for b in shown {
        match wanted {
            // docker prints only the host side when asked about one port
            Some(_) => println!("{}", b.to_string().split(" -> ").nth(1).unwrap_or("")),
            None => println!("{b}"),
        }
    }
    Ok(0)
}

/// docker-shaped details of a container.
pub fn describe(containers: &Containers<'_>, id: &str) -> anyhow::Result<serde_json::Value> {
    let c = containers.load_config(id)?;
    let s = containers.load_state(id)?;
    let status = s.status;
    let paused = super::resources::is_paused(&s);
    // (Outside the json! below: its nesting is at the macro's recursion limit.)
    let health_state = c
        .health
        .as_ref()
        .map(|_| health::load(containers.store(), &c.id).map(|h| h.docker_json()));
    let health_check = c.health.as_ref().map(health::HealthCheck::docker_json);
    let sysctls = serde_json::to_value(&c.sysctls)?;
    let limits = c
        .cgroup
        .as_ref()
        .map(|g| g.limits.clone())
        .unwrap_or_default();
    let max = |m: Option<crate::cgroups::Max>| match m {
        Some(crate::cgroups::Max::Limit(n)) => n as i64,
        Some(crate::cgroups::Max::Unlimited) => -1,
        None => 0,
    };
    let mounts: Vec<serde_json::Value> = c
        .mounts
        .iter()
        .map(|m| match &m.kind {
            MountKind::Bind { source, volume, .. } => serde_json::json!({
                "Type": if volume.is_some() { "volume" } else { "bind" },
                "Name": volume,
                "Source": source,
                "Destination": m.target,
                "RW": !m.read_only,
            }),
            MountKind::Tmpfs { size, mode, .. } => serde_json::json!({
                "Type": "tmpfs",
                "Destination": m.target,
                "Size": size,
                "Mode": mode.map(|m| format!("{m:o}")),
                "RW": !m.read_only,
            }),
        })
        .collect();
    let extra_hosts: Vec<String> = c
        .network
        .extra_hosts
        .iter()
        .map(|h| {
            let ip = h.ip.map_or("host-gateway".to_string(), |i| i.to_string());
            format!("{}:{ip}", h.name)
        })
        .collect();
    let port_bindings: serde_json::Map<String, serde_json::Value> = c
        .network
        .ports
        .iter()
        .map(|p| {
            (
                format!("{}/{}", p.container_port, p.proto),
                serde_json::json!({
                    "HostIp": p.host_ip.map(|i| i.to_string()).unwrap_or_default(),
                    "HostPort": p.host_port.map(|h| h.to_string()).unwrap_or_default(),
                }),
            )
        })
        .collect();
    let ulimits: Vec<serde_json::Value> = c
        .security
        .ulimits
        .iter()
        .map(|u| serde_json::json!({"Name": u.name, "Soft": u.soft, "Hard": u.hard}))
        .collect();
    let group_add: Vec<String> = c
        .process
        .groups
        .iter()
        .cloned()
        .chain(c.security.keep_groups.then(|| "keep-groups".to_string()))
        .collect();
    let log_config = match c.log.max_size {
        0 => serde_json::json!({"Type": "none", "Config": {}}),
        size => serde_json::json!({"Type": "k8s-file", "Config": {
            "max-size": size.to_string(),
            "max-file": c.log.max_file.to_string(),
        }}),
    };
    let host_config = serde_json::json!({
        "LogConfig": log_config,
        "Memory": limits.memory.unwrap_or(0),
        "MemorySwap": match (limits.memory, limits.swap) {
            (_, Some(crate::cgroups::Max::Unlimited)) => -1,
            (Some(m), Some(crate::cgroups::Max::Limit(s))) => (m + s) as i64,
            _ => 0,
        },
        "MemoryReservation": limits.memory_low.unwrap_or(0),
        "NanoCpus": limits.cpu_quota.map_or(0, |q| q * 1_000_000_000 / crate::cgroups::CPU_PERIOD_US),
        "CpuWeight": limits.cpu_weight.unwrap_or(0),
        "CpusetCpus": limits.cpuset_cpus.clone().unwrap_or_default(),
        "PidsLimit": max(limits.pids),
        "IOWeight": limits.io_weight.unwrap_or(0),
        "CgroupManager": c.cgroup.as_ref().map(|g| g.manager),
        "CgroupPath": s.cgroup.as_ref().filter(|_| status == Status::Running).map(|p| &p.path),
        "AutoRemove": c.auto_remove,
        "ReadonlyRootfs": c.read_only,
        "RestartPolicy": c.restart.to_string(),
        "CapAdd": c.capabilities,
        "ShmSize": c.shm_size.unwrap_or(64 << 20),
        "Sysctls": sysctls,
        "PidMode": if c.pid_host { "host" } else { "" },
        "Ulimits": ulimits,
        "GroupAdd": group_add,
        "Privileged": c.privileged,
        "SecurityOpt": c.security_opt,
        "Init": c.init,
        "NetworkMode": c.network.mode.name(),
        "PortBindings": port_bindings,
        "PublishAllPorts": c.network.publish_all,
        "Dns": c.network.dns,
        "DnsSearch": c.network.dns_search,
        "ExtraHosts": extra_hosts,
    });
    Ok(serde_json::json!({
        "Id": c.id,
        // As docker has it: with a leading slash.
        "Name": format!("/{}", c.name),
        "Created": c.created,
        "NetworkSettings": network_settings(&c, &s),
        "Path": c.process.args.first(),
        "Args": c.process.args.get(1..),
        "State": {
            "Status": if paused { "paused".to_string() } else { status_name(status).to_string() },
            "Running": status == Status::Running,
            "Paused": paused,
            "OOMKilled": s.oom_killed,
            "Restarting": status == Status::Restarting,
            "Pid": s.running_init().map_or(0, |p| p.pid),
            "ExitCode": s.exit_code.unwrap_or(if status == Status::Exited { -1 } else { 0 }),
            "Error": s.error,
            "StartedAt": s.started_at,
            "FinishedAt": s.finished_at,
            "Health": health_state,
        },
        "Image": c.image_id.to_string(),
        "ImageName": c.image,
        "RestartCount": s.restart_count,
        "Driver": c.driver.as_str(),
        "LogPath": containers.log(id),
        "Mounts": mounts,
        "Config": {
            "Hostname": c.hostname,
            "User": c.process.user,
            "Env": c.process.env,
            "Cmd": c.process.args,
            "WorkingDir": c.process.cwd,
            "Tty": c.process.terminal,
            "OpenStdin": c.process.interactive,
            "Image": c.image,
            "Labels": c.labels,
            "StopSignal": c.stop_signal,
            "StopTimeout": c.stop_timeout,
            "Healthcheck": health_check,
        },
        "HostConfig": host_config,
    }))
}

/// docker's `NetworkSettings`: addresses and the ports bound, while the container runs.
fn network_settings(c: &ContainerConfig, s: &ContainerState) -> serde_json::Value {
    let running = s.network.as_ref().filter(|_| s.status == Status::Running);
    let mut ports = serde_json::Map::new();
    for b in s.ports() {
        let key = format!("{}/{}", b.container_port, b.proto);
        let entry = serde_json::json!({
            "HostIp": b.host_ip.map_or("0.0.0.0".to_string(), |i| i.to_string()),
            "HostPort": b.host_port.to_string(),
        });
        match ports.entry(key).or_insert_with(|| serde_json::json!([])) {
            serde_json::Value::Array(v) => v.push(entry),
            _ => unreachable!("inserted as an array"),
        }
    }
    let mut networks = serde_json::Map::new();
    if let Some(n) = running {
        for (i, name) in c.network.user_networks().into_iter().enumerate() {
            let address = match i {
                0 => n.network_address,
                _ => n
                    .other_addresses
                    .iter()
                    .find(|(other, _)| other == name)
                    .map(|(_, a)| *a),
            };
            networks.insert(
                name.to_string(),
                serde_json::json!({
                    "IPAddress": address.map(|a| a.to_string()),
                    "Aliases": c.network.aliases,
                }),
            );
        }
    }
    serde_json::json!({
        "IPAddress": running.and_then(|n| n.address).map(|a| a.to_string()).unwrap_or_default(),
        "Gateway": running.and_then(|n| n.gateway).map(|a| a.to_string()).unwrap_or_default(),
        "Ports": ports,
        "Networks": networks,
    })
}

/// `nook container inspect`: containers only.
pub fn inspect(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    super::template::inspect(&args.names, args.format.as_deref(), |spec| {
        describe(&containers, &containers.resolve(spec)?)
    })
}

/// `nook inspect`: each name is a container if one has it, else an image, as with docker.
pub fn inspect_any(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let containers = Containers::new(&ctx.store);
    super::template::inspect(&args.names, args.format.as_deref(), |spec| match containers
        .resolve(spec)
    {
        Ok(id) => describe(&containers, &id),
        Err(crate::container::ContainerError::NotFound(_)) => {
            super::image::describe_image(&ctx, spec)
                .map_err(|_| anyhow::anyhow!("No such object: {spec}"))
        }
        Err(e) => Err(e.into()),
    })
}
