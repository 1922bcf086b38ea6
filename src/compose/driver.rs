//! Bringing a compose project up and down with nook's own verbs: a network per project (and
//! those the file defines), its named volumes, and a container per service replica, named
//! `PROJECT-SERVICE-N` and labelled as docker compose labels them, so that a second `up`
//! finds them again: an unchanged service is left running, a changed one is made anew.
//! Every container is made by `nook run -d`, so each flag is checked as the verb checks it
//! and each container has its own monitor: nothing stays running for the project itself.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, Instant};

use super::model::{Mount, Service};
use super::{ComposeError, Project};
use crate::container::{ContainerConfig, Containers, Status};
use crate::image::store::Store;

pub const PROJECT_LABEL: &str = "com.docker.compose.project";
pub const SERVICE_LABEL: &str = "com.docker.compose.service";
pub const NUMBER_LABEL: &str = "com.docker.compose.container-number";
pub const HASH_LABEL: &str = "com.docker.compose.config-hash";
pub const ONEOFF_LABEL: &str = "com.docker.compose.oneoff";

/// How long `up` waits for a dependency to become healthy or to complete.
const DEPENDENCY_WAIT: Duration = Duration::from_secs(120);

/// The named volume a service mount uses, if it uses one.
pub fn named_volume(m: &Mount) -> Option<String> {
    match m {
        Mount::Short(s) => {
            let (source, _) = s.split_once(':')?;
            let named =
                !source.is_empty() && !source.starts_with(['/', '.', '~']) && !source.contains('/');
            named.then(|| source.to_string())
        }
        Mount::Long(l) if l.kind == "volume" => l.source.clone(),
        Mount::Long(_) => None,
    }
}

/// The services in the order they start (each after those it depends on); a cycle is an
/// error that names it.
pub fn order(p: &Project) -> Result<Vec<String>, ComposeError> {
    fn visit(
        p: &Project,
        name: &str,
        path: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Result<(), ComposeError> {
        if done.iter().any(|d| d == name) {
            return Ok(());
        }
        if let Some(at) = path.iter().position(|n| n == name) {
            let mut cycle = path[at..].to_vec();
            cycle.push(name.to_string());
            return Err(ComposeError::Project(format!(
                "the services depend on each other in a circle: {}",
                cycle.join(" -> ")
            )));
        }
        path.push(name.to_string());
        if let Some(s) = p.doc.services.get(name) {
            for (dep, _) in s.dependencies() {
                visit(p, &dep, path, done)?;
            }
        }
        path.pop();
        done.push(name.to_string());
        Ok(())
    }
    let mut done = Vec::new();
    for name in p.doc.services.keys() {
        visit(p, name, &mut Vec::new(), &mut done)?;
    }
    Ok(done)
}

/// A service's settings as a digest: what tells an unchanged service from a changed one.
fn config_hash(service: &Service) -> String {
    let bytes = serde_json::to_vec(service).expect("services serialize");
    crate::image::digest::Digest::of(&bytes).hex()[..16].to_string()
}

fn replicas(s: &Service) -> usize {
    s.scale.unwrap_or_else(|| declared_replicas(s))
}

fn declared_replicas(s: &Service) -> usize {
    s.deploy
        .as_ref()
        .and_then(|d| d.replicas.as_ref())
        .and_then(|r| r.to_string().parse().ok())
        .unwrap_or(1)
}

/// The name of replica `n` of service `name`.
fn container_name(p: &Project, name: &str, s: &Service, n: usize) -> String {
    match &s.container_name {
        Some(c) => c.clone(),
        None => format!("{}-{name}-{n}", p.name),
    }
}

/// The networks a service is on (project-scoped names) with its aliases on each.
fn networks_of(p: &Project, s: &Service) -> Vec<(String, Vec<String>)> {
    let entries = s
        .networks
        .as_ref()
        .map(|n| n.entries())
        .unwrap_or_else(|| vec![("default".to_string(), Vec::new())]);
    entries
        .into_iter()
        .map(|(key, aliases)| {
            let def = p.doc.networks.get(&key).cloned().flatten();
            (p.scoped(&key, def.as_ref()), aliases)
        })
        .collect()
}

/// A container of a service other than its replicas: `compose run`'s.
pub struct OneOff {
    /// `nook run` flags of its own (`--rm`, `-i`, `-t`, `-e`, ...), before the service's.
    pub flags: Vec<String>,
    /// Its command instead of the service's, when given.
    pub command: Vec<String>,
    /// Publish the service's ports too (`--service-ports`).
    pub ports: bool,
}

/// `nook run` arguments for replica `n` of service `name` (detached), or for a one-off
/// container of it.
pub fn run_args(
    store: &Store,
    p: &Project,
    name: &str,
    s: &Service,
    n: usize,
    one_off: Option<&OneOff>,
) -> Result<Vec<String>, ComposeError> {
    let mut a: Vec<String> = vec!["run".into()];
    match one_off {
        None => a.push("-d".into()),
        Some(o) => a.extend(o.flags.iter().cloned()),
    }
    let mut flag = |f: &str, v: String| {
        a.push(format!("--{f}"));
        a.push(v);
    };
    match one_off {
        None => {
            flag("name", container_name(p, name, s, n));
            flag("label", format!("{NUMBER_LABEL}={n}"));
            flag("label", format!("{HASH_LABEL}={}", config_hash(s)));
        }
        Some(_) => {
            flag(
                "name",
                format!(
                    "{}-{name}-run-{}",
                    p.name,
                    crate::image::store::random_hex(6)
                ),
            );
            flag("label", format!("{ONEOFF_LABEL}=True"));
        }
    }
    flag("label", format!("{PROJECT_LABEL}={}", p.name));
    flag("label", format!("{SERVICE_LABEL}={name}"));
    for l in s.labels.items() {
        flag("label", l);
    }
    for e in s.environment.items() {
        flag("env", e);
    }
    if let Some(files) = &s.env_file {
        for f in files.to_vec() {
            flag("env-file", p.host_path(&f).display().to_string());
        }
    }
    match (&s.network_mode, networks_of(p, s).as_slice()) {
        (Some(mode), _) => match s.network_service() {
            // The network of that service's first container (started before this one).
            Some(other) => {
                let Some(def) = p.doc.services.get(other) else {
                    return Err(ComposeError::Project(format!(
                        "service {name:?}: network_mode {mode:?} names no service here"
                    )));
                };
                flag(
                    "network",
                    format!("container:{}", container_name(p, other, def, 1)),
                )
            }
            None => flag("network", mode.clone()),
        },
        (None, []) => {
            return Err(ComposeError::Project(format!(
                "service {name:?} is on no network: give it one under networks:, or \
                 network_mode: none"
            )));
        }
        (None, nets) => {
            for (net, _) in nets {
                flag("network", net.clone());
            }
            // Reachable by the service's name, as with docker compose, and by its aliases
            // (those given on any of its networks hold on all of them).
            let mut aliases = vec![name.to_string()];
            for (_, more) in nets {
                for al in more {
                    if !aliases.contains(al) {
                        aliases.push(al.clone());
                    }
                }
            }
            for al in aliases {
                flag("network-alias", al);
            }
        }
    }
    if one_off.is_none_or(|o| o.ports) {
        for port in &s.ports {
            flag("publish", port.flag());
        }
    }
    for m in &s.volumes {
        match m {
            Mount::Short(spec) => {
                let mut parts: Vec<String> = spec.split(':').map(str::to_string).collect();
                match named_volume(m) {
                    Some(v) => {
                        let def = p.doc.volumes.get(&v).cloned().flatten();
                        parts[0] = p.scoped(&v, def.as_ref());
                    }
                    // A relative host path is the project directory's.
                    None if parts.len() > 1 && parts[0].starts_with('.') => {
                        parts[0] = p.host_path(&parts[0]).display().to_string();
                    }
                    None => {}
                }
                flag("volume", parts.join(":"));
            }
            Mount::Long(l) => match l.kind.as_str() {
                "tmpfs" => flag("tmpfs", l.target.clone()),
                "volume" | "bind" => {
                    let source = match (l.kind.as_str(), &l.source) {
                        ("volume", Some(v)) => {
                            let def = p.doc.volumes.get(v).cloned().flatten();
                            p.scoped(v, def.as_ref())
                        }
                        ("bind", Some(src)) if src.starts_with('.') => {
                            p.host_path(src).display().to_string()
                        }
                        (_, Some(src)) => src.clone(),
                        (_, None) => String::new(),
                    };
                    let mut spec = match source.is_empty() {
                        true => l.target.clone(),
                        false => format!("{source}:{}", l.target),
                    };
                    if l.read_only {
                        spec.push_str(":ro");
                    }
                    flag("volume", spec);
                }
                other => {
                    return Err(ComposeError::Project(format!(
                        "service {name:?}: volume type {other:?} is not supported (use \
                         volume, bind or tmpfs)"
                    )));
                }
            },
        }
    }
    for v in super::files::volumes(store, p, name, s)? {
        flag("volume", v);
    }
    if let Some(t) = &s.tmpfs {
        for x in t.to_vec() {
            flag("tmpfs", x);
        }
    }
    if let Some(h) = &s.healthcheck {
        if h.disable {
            a.push("--no-healthcheck".into());
        } else {
            let mut flag = |f: &str, v: String| {
                a.push(format!("--{f}"));
                a.push(v);
            };
            if let Some(test) = &h.test {
                let words = test.to_vec();
                match words.split_first() {
                    Some((first, rest)) if first == "CMD-SHELL" => {
                        flag("health-cmd", rest.join(" "))
                    }
                    Some((first, rest)) if first == "CMD" => flag(
                        "health-cmd",
                        rest.iter()
                            .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    Some((first, _)) if first == "NONE" => {}
                    // A plain string: run by the shell.
                    _ => flag("health-cmd", words.join(" ")),
                }
            }
            for (f, v) in [
                ("health-interval", &h.interval),
                ("health-timeout", &h.timeout),
                ("health-start-period", &h.start_period),
                ("health-start-interval", &h.start_interval),
            ] {
                if let Some(v) = v {
                    flag(f, v.clone());
                }
            }
            if let Some(r) = &h.retries {
                flag("health-retries", r.to_string());
            }
        }
    }
    let mut flag = |f: &str, v: String| {
        a.push(format!("--{f}"));
        a.push(v);
    };
    let options: [(&str, Option<String>); 11] = [
        ("restart", s.restart.clone()),
        ("user", s.user.as_ref().map(|u| u.to_string())),
        ("workdir", s.working_dir.clone()),
        ("hostname", s.hostname.clone()),
        ("stop-signal", s.stop_signal.clone()),
        (
            "stop-timeout",
            s.stop_grace_period
                .as_deref()
                .map(|g| {
                    crate::container::health::parse_duration("stop_grace_period", g)
                        .map(|d| d.as_secs().to_string())
                        .map_err(|e| ComposeError::Project(format!("service {name:?}: {e}")))
                })
                .transpose()?,
        ),
        (
            "memory",
            s.mem_limit
                .as_ref()
                .map(|m| m.to_string())
                .or_else(|| limit(s, |l| l.memory.as_ref())),
        ),
        (
            "cpus",
            s.cpus
                .as_ref()
                .map(|c| c.to_string())
                .or_else(|| limit(s, |l| l.cpus.as_ref())),
        ),
        (
            "pids-limit",
            s.pids_limit
                .as_ref()
                .map(|c| c.to_string())
                .or_else(|| limit(s, |l| l.pids.as_ref())),
        ),
        ("shm-size", s.shm_size.as_ref().map(|c| c.to_string())),
        (
            "entrypoint",
            s.entrypoint.as_ref().and_then(|e| {
                let words = e.to_vec();
                // One program: `--entrypoint` takes one word (the rest go before the command).
                words.first().cloned()
            }),
        ),
    ];
    for (f, v) in options {
        if let Some(v) = v {
            flag(f, v);
        }
    }
    for (f, on) in [
        ("init", s.init),
        ("read-only", s.read_only),
        ("privileged", s.privileged),
        ("tty", s.tty),
        ("interactive", s.stdin_open),
    ] {
        if on == Some(true) {
            a.push(format!("--{f}"));
        }
    }
    let mut flag = |f: &str, v: String| {
        a.push(format!("--{f}"));
        a.push(v);
    };
    for c in &s.cap_add {
        flag("cap-add", c.clone());
    }
    for c in &s.cap_drop {
        flag("cap-drop", c.clone());
    }
    for c in &s.security_opt {
        flag("security-opt", c.clone());
    }
    for d in &s.devices {
        flag("device", d.clone());
    }
    if let Some(dns) = &s.dns {
        for d in dns.to_vec() {
            flag("dns", d);
        }
    }
    for h in s.extra_hosts.items() {
        // Mapping form `name: ip` came out as `name=ip`.
        flag("add-host", h.replacen('=', ":", 1));
    }
    for sc in s.sysctls.items() {
        flag("sysctl", sc);
    }
    if let Some(logging) = &s.logging {
        if let Some(d) = &logging.driver {
            flag("log-driver", d.clone());
        }
        for (k, v) in &logging.options {
            flag("log-opt", format!("{k}={v}"));
        }
    }
    for (k, u) in &s.ulimits {
        let v = match u {
            super::model::Ulimit::Single(n) => format!("{k}={n}"),
            super::model::Ulimit::Pair { soft, hard } => format!("{k}={soft}:{hard}"),
        };
        flag("ulimit", v);
    }
    a.push(image_of(p, name, s));
    let entry_rest: Vec<String> = s
        .entrypoint
        .as_ref()
        .map(|e| e.to_vec().into_iter().skip(1).collect())
        .unwrap_or_default();
    a.extend(entry_rest);
    match one_off.filter(|o| !o.command.is_empty()) {
        Some(o) => a.extend(o.command.iter().cloned()),
        None => a.extend(s.command.iter().flat_map(|c| c.to_vec())),
    }
    Ok(a)
}

/// The image a service runs: its `image:`, or (built, without one) `PROJECT-SERVICE`.
pub fn image_of(p: &Project, name: &str, s: &Service) -> String {
    s.image
        .clone()
        .unwrap_or_else(|| format!("{}-{name}", p.name))
}

/// Build the image of every chosen service that has a `build:` and (unless `always`) lacks
/// its image, with `nook build`.
pub fn build(
    store: &Store,
    p: &Project,
    nook: &Nook,
    services: &[String],
    always: bool,
) -> Result<(), ComposeError> {
    let index = crate::image::index::ImageIndex::load(store)
        .map_err(|e| ComposeError::Project(e.to_string()))?;
    for name in services {
        let s = &p.doc.services[name];
        let Some(b) = &s.build else { continue };
        let image = image_of(p, name, s);
        if !always && index.resolve(&image).is_ok() {
            continue;
        }
        let spec = b.spec();
        let mut a: Vec<String> = vec!["build".into(), "-q".into(), "-t".into(), image.clone()];
        let context = p.host_path(&spec.context);
        if let Some(f) = &spec.dockerfile {
            a.extend(["-f".into(), context.join(f).display().to_string()]);
        }
        for arg in spec.args.items() {
            a.extend(["--build-arg".into(), arg]);
        }
        for l in spec.labels.items() {
            a.extend(["--label".into(), l]);
        }
        if let Some(t) = &spec.target {
            a.extend(["--target".into(), t.clone()]);
        }
        a.push(context.display().to_string());
        nook.run(&a).map_err(|e| {
            ComposeError::Project(format!("service {name}: cannot build {image}: {e}"))
        })?;
        say("Image", &image, "Built");
    }
    Ok(())
}

fn limit(
    s: &Service,
    pick: impl Fn(&super::model::Limits) -> Option<&super::model::Scalar>,
) -> Option<String> {
    let limits = s.deploy.as_ref()?.resources.as_ref()?.limits.as_ref()?;
    pick(limits).map(|v| v.to_string())
}

/// The project's containers, oldest first.
pub fn containers(store: &Store, project: &str) -> Result<Vec<ContainerConfig>, ComposeError> {
    let all = Containers::new(store)
        .list()
        .map_err(|e| ComposeError::Project(e.to_string()))?;
    Ok(all
        .into_iter()
        .filter(|c| c.labels.get(PROJECT_LABEL).is_some_and(|p| p == project))
        .collect())
}

/// Runs nook's own verbs for the project, as the same user with the same settings.
pub struct Nook {
    pub storage_driver: Option<String>,
}

impl Nook {
    /// `nook ARGS`, not yet run.
    pub fn command(&self, args: &[String]) -> Command {
        let mut cmd = Command::new("/proc/self/exe");
        if let Some(d) = &self.storage_driver {
            cmd.args(["--storage-driver", d]);
        }
        cmd.args(args);
        cmd
    }

    /// `nook ARGS`; its error output when it fails.
    pub fn run(&self, args: &[String]) -> Result<String, String> {
        let out = self
            .command(args)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("cannot run nook: {e}"))?;
        match out.status.success() {
            true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
            false => Err(String::from_utf8_lossy(&out.stderr)
                .trim()
                .trim_start_matches("Error: ")
                .to_string()),
        }
    }
}

/// What `up` does.
pub struct Up {
    pub services: Vec<String>,
    pub force_recreate: bool,
    pub no_deps: bool,
    /// Build the images of services with `build:` even when they exist.
    pub build: bool,
}

/// Say what happened to an object, as docker compose does (on stderr).
pub fn say(kind: &str, name: &str, what: &str) {
    eprintln!(" {kind} {name}  {what}");
}

/// What an `up` made, to be taken away again if it fails.
enum Made {
    Network(String),
    Volume(String),
    Container(String),
}

/// Bring the project up: networks, volumes, then each service after its dependencies.
/// When something cannot be made (a bad setting, a missing image, a port in use), what
/// this `up` made is removed again; when a dependency does not become healthy or complete,
/// what runs is left for `logs` to explain, as docker compose leaves it.
pub fn up(store: &Store, p: &Project, nook: &Nook, how: &Up) -> Result<(), ComposeError> {
    let mut made = Vec::new();
    let result = bring_up(store, p, nook, how, &mut made);
    if result.is_err() {
        for m in made.iter().rev() {
            let (kind, args): (&str, Vec<&str>) = match m {
                Made::Container(n) => ("Container", vec!["rm", "-f", n]),
                Made::Network(n) => ("Network", vec!["network", "rm", n]),
                Made::Volume(n) => ("Volume", vec!["volume", "rm", n]),
            };
            let name = args.last().copied().unwrap_or_default();
            let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
            if nook.run(&args).is_ok() {
                say(kind, name, "Removed");
            }
        }
    }
    result
}

fn bring_up(
    store: &Store,
    p: &Project,
    nook: &Nook,
    how: &Up,
    made: &mut Vec<Made>,
) -> Result<(), ComposeError> {
    let active: BTreeMap<&String, &Service> = p.active().collect();
    for wanted in &how.services {
        if !p.doc.services.contains_key(wanted) {
            return Err(ComposeError::Project(format!("no such service: {wanted}")));
        }
    }
    // The services asked for, and (unless --no-deps) what they depend on.
    let mut chosen: Vec<String> = match how.services.is_empty() {
        true => active.keys().map(|s| s.to_string()).collect(),
        false => how.services.clone(),
    };
    if !how.no_deps {
        let mut i = 0;
        while i < chosen.len() {
            for (d, _) in p.doc.services[&chosen[i]].dependencies() {
                if !chosen.contains(&d) {
                    chosen.push(d);
                }
            }
            i += 1;
        }
    }
    let order: Vec<String> = order(p)?
        .into_iter()
        .filter(|s| chosen.contains(s))
        .collect();
    build(store, p, nook, &order, how.build)?;
    // Images first, as docker compose pulls them: one that cannot be had stops `up`
    // before anything is made.
    let index = crate::image::index::ImageIndex::load(store)
        .map_err(|e| ComposeError::Project(e.to_string()))?;
    for name in &order {
        let s = &p.doc.services[name];
        let image = image_of(p, name, s);
        if s.build.is_none() && index.resolve(&image).is_err() {
            nook.run(&["pull".into(), "-q".into(), image.clone()])
                .map_err(|e| ComposeError::Project(format!("service {name}: {e}")))?;
            say("Image", &image, "Pulled");
        }
    }
    let fail = |what: String| ComposeError::Project(what);
    let users = crate::network::user::Networks::new(store);
    let mut made_networks = Vec::new();
    for name in &order {
        for (net, _) in networks_of(p, &p.doc.services[name]) {
            if p.doc.services[name].network_mode.is_some() || made_networks.contains(&net) {
                continue;
            }
            let key = p
                .doc
                .networks
                .iter()
                .find(|(k, d)| p.scoped(k, d.as_ref()) == net)
                .map(|(_, d)| d.clone().unwrap_or_default())
                .unwrap_or_default();
            if users.get(&net).is_err() {
                if key.external == Some(true) {
                    return Err(fail(format!(
                        "network {net} is external but does not exist: create it with \
                         `nook network create {net}`"
                    )));
                }
                let mut args = vec!["network".to_string(), "create".to_string()];
                if key.internal == Some(true) {
                    args.push("--internal".into());
                }
                args.extend([
                    "--label".to_string(),
                    format!("{PROJECT_LABEL}={}", p.name),
                    net.clone(),
                ]);
                nook.run(&args)
                    .map_err(|e| fail(format!("network {net}: {e}")))?;
                say("Network", &net, "Created");
                made.push(Made::Network(net.clone()));
            }
            made_networks.push(net);
        }
    }
    let volumes = crate::container::volume::Volumes::new(store);
    for (key, def) in &p.doc.volumes {
        let name = p.scoped(key, def.as_ref());
        let used = order.iter().any(|s| {
            p.doc.services[s]
                .volumes
                .iter()
                .any(|m| named_volume(m).as_deref() == Some(key))
        });
        if !used || volumes.get(&name).is_ok() {
            continue;
        }
        if def.as_ref().and_then(|d| d.external) == Some(true) {
            return Err(fail(format!(
                "volume {name} is external but does not exist: create it with `nook volume \
                 create {name}`"
            )));
        }
        nook.run(&[
            "volume".into(),
            "create".into(),
            "--label".into(),
            format!("{PROJECT_LABEL}={}", p.name),
            name.clone(),
        ])
        .map_err(|e| fail(format!("volume {name}: {e}")))?;
        say("Volume", &name, "Created");
        made.push(Made::Volume(name));
    }
    let existing = containers(store, &p.name)?;
    let box_containers = Containers::new(store);
    for name in &order {
        let s = &p.doc.services[name];
        for (dep, condition) in s.dependencies() {
            if let Err(e) = wait_for(store, p, &dep, &condition) {
                made.clear();
                return Err(e);
            }
        }
        let hash = config_hash(s);
        let count = replicas(s);
        for n in 1..=count {
            let cname = container_name(p, name, s, n);
            let found = existing.iter().find(|c| {
                c.labels.get(SERVICE_LABEL) == Some(name)
                    && c.labels
                        .get(NUMBER_LABEL)
                        .is_some_and(|x| x == &n.to_string())
            });
            if let Some(c) = found {
                let same = c.labels.get(HASH_LABEL) == Some(&hash) && !how.force_recreate;
                let running = box_containers
                    .load_state(&c.id)
                    .is_ok_and(|st| st.status == Status::Running);
                match (same, running) {
                    (true, true) => {
                        say("Container", &cname, "Running");
                        continue;
                    }
                    (true, false) => {
                        nook.run(&["start".into(), c.id.clone()])
                            .map_err(|e| fail(format!("service {name}: {e}")))?;
                        say("Container", &cname, "Started");
                        continue;
                    }
                    (false, _) => {
                        nook.run(&["rm".into(), "-f".into(), c.id.clone()])
                            .map_err(|e| fail(format!("service {name}: {e}")))?;
                        say("Container", &cname, "Recreated");
                    }
                }
            }
            nook.run(&run_args(store, p, name, s, n, None)?)
                .map_err(|e| fail(format!("service {name}: {e}")))?;
            say("Container", &cname, "Started");
            made.push(Made::Container(cname));
        }
        // Replicas beyond the count (after a scale down) go.
        for c in existing.iter().filter(|c| {
            c.labels.get(SERVICE_LABEL) == Some(name)
                && c.labels
                    .get(NUMBER_LABEL)
                    .and_then(|x| x.parse::<usize>().ok())
                    .is_some_and(|x| x > count)
        }) {
            nook.run(&["rm".into(), "-f".into(), c.id.clone()])
                .map_err(|e| fail(format!("service {name}: {e}")))?;
            say("Container", &c.name, "Removed");
        }
    }
    let orphans: Vec<&str> = existing
        .iter()
        .filter(|c| {
            c.labels
                .get(SERVICE_LABEL)
                .is_some_and(|s| !p.doc.services.contains_key(s))
        })
        .map(|c| c.name.as_str())
        .collect();
    if !orphans.is_empty() {
        eprintln!(
            "warning: found containers of services no longer in the file ({}): remove them \
             with `nook compose down --remove-orphans`",
            orphans.join(", ")
        );
    }
    Ok(())
}

/// Wait until service `dep`'s containers meet `condition`.
fn wait_for(store: &Store, p: &Project, dep: &str, condition: &str) -> Result<(), ComposeError> {
    if condition == "service_started" {
        return Ok(());
    }
    let deadline = Instant::now() + DEPENDENCY_WAIT;
    let containers = Containers::new(store);
    loop {
        let mine: Vec<ContainerConfig> = containers_of(store, p, dep)?;
        let met = !mine.is_empty()
            && mine.iter().all(|c| {
                let state = containers.load_state(&c.id).ok();
                match condition {
                    "service_healthy" => crate::container::health::load(store, &c.id)
                        .is_some_and(|h| h.status == "healthy"),
                    _ => {
                        state.is_some_and(|s| s.status == Status::Exited && s.exit_code == Some(0))
                    }
                }
            });
        if met {
            return Ok(());
        }
        let failed = mine.iter().any(|c| {
            let state = containers.load_state(&c.id).ok();
            match condition {
                "service_healthy" => {
                    c.health.is_none()
                        || state.is_some_and(|s| s.status == Status::Exited)
                        || crate::container::health::load(store, &c.id)
                            .is_some_and(|h| h.status == "unhealthy")
                }
                _ => state.is_some_and(|s| {
                    s.status == Status::Exited && s.exit_code.is_some_and(|c| c != 0)
                }),
            }
        });
        if failed || Instant::now() > deadline {
            return Err(ComposeError::Project(format!(
                "dependency {dep} did not become {}: see `nook compose ps` and `nook compose \
                 logs {dep}`",
                match condition {
                    "service_healthy" =>
                        "healthy (it has no health check, is unhealthy, or exited)",
                    _ => "complete successfully",
                }
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The containers of service `service`.
pub fn containers_of(
    store: &Store,
    p: &Project,
    service: &str,
) -> Result<Vec<ContainerConfig>, ComposeError> {
    Ok(containers(store, &p.name)?
        .into_iter()
        .filter(|c| c.labels.get(SERVICE_LABEL).is_some_and(|s| s == service))
        .collect())
}

/// What `down` removes, and how long containers get to stop.
pub struct Down {
    pub volumes: bool,
    pub remove_orphans: bool,
    pub timeout: Option<u64>,
}

/// Take the project down: its containers, the networks it made and (with `volumes`) the
/// named volumes it made.
pub fn down(store: &Store, p: &Project, nook: &Nook, how: &Down) -> Result<(), ComposeError> {
    let fail = |what: String| ComposeError::Project(what);
    let doomed: Vec<ContainerConfig> = containers(store, &p.name)?
        .into_iter()
        .rev()
        .filter(|c| {
            how.remove_orphans
                || c.labels
                    .get(SERVICE_LABEL)
                    .is_some_and(|s| p.doc.services.contains_key(s))
        })
        .collect();
    // Stopped first, all at once, with their stop signal and grace period (a database gets
    // to shut down cleanly), as docker compose does.
    if !doomed.is_empty() {
        let mut stop = vec!["stop".to_string()];
        if let Some(t) = how.timeout {
            stop.extend(["-t".to_string(), t.to_string()]);
        }
        stop.extend(doomed.iter().map(|c| c.id.clone()));
        nook.run(&stop)
            .map_err(|e| fail(format!("cannot stop the containers: {e}")))?;
    }
    let volumes = how.volumes;
    for c in &doomed {
        let mut args = vec!["rm".to_string(), "-f".to_string()];
        if volumes {
            args.push("-v".into());
        }
        args.push(c.id.clone());
        nook.run(&args)
            .map_err(|e| fail(format!("{}: {e}", c.name)))?;
        say("Container", &c.name, "Removed");
    }
    let users = crate::network::user::Networks::new(store);
    let mut keys: Vec<(String, Option<super::model::Resource>)> = p
        .doc
        .networks
        .iter()
        .map(|(k, d)| (k.clone(), d.clone()))
        .collect();
    if !keys.iter().any(|(k, _)| k == "default") {
        keys.push(("default".into(), None));
    }
    for (key, def) in keys {
        let name = p.scoped(&key, def.as_ref());
        if def.as_ref().and_then(|d| d.external) == Some(true) || users.get(&name).is_err() {
            continue;
        }
        nook.run(&["network".into(), "rm".into(), name.clone()])
            .map_err(|e| fail(format!("network {name}: {e}")))?;
        say("Network", &name, "Removed");
    }
    if volumes {
        let store_volumes = crate::container::volume::Volumes::new(store);
        for (key, def) in &p.doc.volumes {
            let name = p.scoped(key, def.as_ref());
            if def.as_ref().and_then(|d| d.external) == Some(true)
                || store_volumes.get(&name).is_err()
            {
                continue;
            }
            nook.run(&["volume".into(), "rm".into(), name.clone()])
                .map_err(|e| fail(format!("volume {name}: {e}")))?;
            say("Volume", &name, "Removed");
        }
    }
    super::files::remove(store, &p.name).map_err(|e| {
        fail(format!(
            "cannot remove the project's configs and secrets: {e}"
        ))
    })
}
