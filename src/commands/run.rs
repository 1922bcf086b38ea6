//! `nook run`: resolve the image, settle the container's configuration the way docker does
//! (ENTRYPOINT + CMD, environment, user, working directory), create the container, then
//! become its monitor: in this process when it is single-threaded and runs from a file no
//! container can change, else by executing nook again (same pid; from a sealed copy).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};
use oci_spec::image::ImageConfiguration;

use super::{Context, lifecycle, parse_labels};
use crate::cli::{GlobalArgs, HealthArgs, PullPolicy, RunArgs};
use crate::container::health::HealthCheck;
use crate::container::monitor::MONITOR_COMMAND;
use crate::container::volume::{self, Volumes};
use crate::container::{ContainerConfig, Containers, RestartPolicy, now_rfc3339};
use crate::image::digest::Digest;
use crate::image::index::{ImageIndex, IndexError};
use crate::image::reference::Reference;
use crate::network::user::Networks;
use crate::network::{self, NetworkConfig, NetworkMode};
use crate::runtime::idmap::KeepId;
use crate::runtime::launch::{DEFAULT_PATH, EarlyKeeper, EarlyRoot, ProcessSpec};
use crate::runtime::launch::{MountKind, Security};
use crate::runtime::rootfs::Driver;
use crate::runtime::seccomp;
use crate::runtime::{caps, driver};

/// Set `key` in a `KEY=VALUE` list, replacing an earlier value.
pub(crate) fn set_env(env: &mut Vec<String>, key: &str, value: &str) {
    let entry = format!("{key}={value}");
    match env.iter_mut().find(|e| e.split('=').next() == Some(key)) {
        Some(e) => *e = entry,
        None => env.push(entry),
    }
}

/// Apply one `KEY=VALUE` (or bare `KEY`, taken from nook's own environment) setting.
pub(crate) fn apply_env(env: &mut Vec<String>, item: &str) -> anyhow::Result<()> {
    match item.split_once('=') {
        Some(("", _)) => bail!("invalid environment variable {item:?}: the name is empty"),
        Some((k, v)) => set_env(env, k, v),
        None => {
            if let Ok(v) = std::env::var(item) {
                set_env(env, item, &v);
            }
        }
    }
    Ok(())
}

pub(crate) fn read_env_file(env: &mut Vec<String>, path: &Path) -> anyhow::Result<()> {
    let text = fs::read_to_string(path)
        .with_context(|| format!("cannot read env file {}", path.display()))?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        apply_env(env, line).with_context(|| format!("{}:{}", path.display(), n + 1))?;
    }
    Ok(())
}

/// The labels of `--label-file` files (KEY=VALUE lines, `#` comments), then of `-l`.
fn label_lines(args: &RunArgs) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for file in &args.label_file {
        let text = fs::read_to_string(file)
            .with_context(|| format!("cannot read label file {}", file.display()))?;
        lines.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(String::from),
        );
    }
    lines.extend(args.labels.iter().cloned());
    Ok(lines)
}

/// Settle a new container's configuration from the flags and its image, as docker does
/// (all but its mounts); also returns the image's VOLUME paths.
fn container_config(
    ctx: &Context,
    args: &RunArgs,
) -> anyhow::Result<(ContainerConfig, Vec<String>)> {
    if let Some(w) = &args.workdir
        && !w.starts_with('/')
    {
        bail!("the working directory {w:?} is not an absolute path");
    }
    let capabilities = if args.privileged {
        caps::resolve(&["ALL".to_string()], &[])?
    } else {
        caps::resolve(&args.cap_add, &args.cap_drop)?
    };
    let mut security = security_options(ctx, args, &capabilities)?;
    let restart: RestartPolicy = args.restart.parse().map_err(anyhow::Error::msg)?;
    if args.rm && restart != RestartPolicy::No {
        bail!(
            "--rm and --restart {restart} exclude each other: a removed container cannot restart"
        );
    }
    if let Some(s) = &args.stop_signal {
        lifecycle::parse_signal(s)?;
    }
    if let Some(path) = &args.cidfile
        && path.exists()
    {
        bail!(
            "container id file {} already exists; make sure no other container uses it, or delete it",
            path.display()
        );
    }
    // Limits are settled first: one that cannot be enforced fails before any pull.
    let asked = args
        .resources
        .requested()
        .limits(&crate::cgroups::Limits::default())?;
    let unlimited = asked.pids == Some(crate::cgroups::Max::Unlimited);
    let cgroup = crate::cgroups::plan(
        &crate::cgroups::Host::probe(),
        args.cgroups.unwrap_or(ctx.config.containers.cgroups),
        args.cgroup_manager.or(ctx.config.containers.cgroup_manager),
        asked,
    )?;
    // Where no cgroup bounds its processes, the container still gets podman's default
    // number of them, as an rlimit counted in its own user namespace (per user id inside).
    // (An `--ulimit nproc` of the user's is that bound instead.)
    let own_nproc = security.ulimits.iter().any(|u| u.name == "nproc");
    if !unlimited && !own_nproc && cgroup.as_ref().is_none_or(|c| c.limits.pids.is_none()) {
        security.pids_rlimit = Some(crate::cgroups::DEFAULT_PIDS_LIMIT);
        warn_once(
            ctx,
            "no-pids-cgroup",
            &format!(
                "no cgroup with the pids controller is delegated to you here, so containers' \
                 processes are bounded by RLIMIT_NPROC instead ({} per user id inside; \
                 --pids-limit -1 for none), and their memory and CPU are not bounded at all. \
                 `nook doctor` says how to get cgroup v2 delegation. (Said once.)",
                crate::cgroups::DEFAULT_PIDS_LIMIT
            ),
        );
    }
    let keep_id = args
        .userns
        .as_deref()
        .map(parse_userns)
        .transpose()?
        .flatten();
    let index = ImageIndex::load(&ctx.store)?;
    // A short name with no default registry can only mean a local image.
    let pullable = Reference::parse(&args.image)
        .is_ok_and(|r| r.domain.is_some() || ctx.config.registries.default_registry().is_some());
    let local = match args.pull {
        PullPolicy::Always => None,
        PullPolicy::Missing | PullPolicy::Never => match index.resolve(&args.image) {
            Ok(r) => Some(r.clone()),
            Err(IndexError::NotFound(_)) if args.pull == PullPolicy::Missing && pullable => None,
            Err(e) => return Err(e.into()),
        },
    };
    let image = match local {
        Some(record) => record,
        None => {
            super::registry::pull_image(ctx, &args.image, args.platform.as_deref(), false)?.record
        }
    };
    let config_bytes = ctx.store.read_blob(&image.id)?;
    let image_config = ImageConfiguration::from_reader(&config_bytes[..])
        .with_context(|| format!("the config of image {} is invalid", image.id.short()))?;
    let layers = image_config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| d.parse::<Digest>())
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("the config of image {} is invalid", image.id.short()))?;
    let defaults = image_config.config().clone().unwrap_or_default();

    // ENTRYPOINT and CMD, as docker combines them.
    let entrypoint = match &args.entrypoint {
        Some(e) if e.is_empty() => Vec::new(),
        Some(e) => vec![e.clone()],
        None => defaults.entrypoint().clone().unwrap_or_default(),
    };
    let cmd = if !args.command.is_empty() {
        args.command.clone()
    } else if args.entrypoint.is_some() {
        Vec::new()
    } else {
        defaults.cmd().clone().unwrap_or_default()
    };
    let argv: Vec<String> = entrypoint.into_iter().chain(cmd).collect();
    if argv.is_empty() {
        bail!(
            "no command to run: image {} has neither ENTRYPOINT nor CMD; give one after the image name",
            args.image
        );
    }

    let id = Containers::new_id();
    let network = network_config(ctx, args, &defaults)?;
    let sysctls = sysctls(&args.sysctls, &network.mode)?;
    if let Some(keep) = keep_id {
        if matches!(
            network.mode,
            NetworkMode::User { .. } | NetworkMode::Container { .. }
        ) {
            bail!(
                "--userns keep-id cannot join another user namespace (a user network's or \
                 a container's): use --network pasta, none or host"
            );
        }
        // Its layers, unpacked again with the owners its map gives them (once per layer).
        let mapping = crate::runtime::idmap::IdMap::for_current_user()?;
        if mapping.map.keep_id(keep).is_none() {
            return Err(crate::container::ContainerError::KeepId { uid: keep.uid }.into());
        }
        crate::image::manage::keep_layers(&ctx.store, &image, keep)?;
    }
    let hostname = match (&args.hostname, &network.mode) {
        (Some(h), _) => h.clone(),
        // As docker: the host's network, the host's name.
        (None, NetworkMode::Host) => nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| id[..12].to_string()),
        (None, _) => id[..12].to_string(),
    };
    let mut env = defaults.env().clone().unwrap_or_default();
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        set_env(&mut env, "PATH", DEFAULT_PATH);
    }
    set_env(&mut env, "HOSTNAME", &hostname);
    if args.tty && !env.iter().any(|e| e.starts_with("TERM=")) {
        set_env(&mut env, "TERM", "xterm");
    }
    for file in &args.env_file {
        read_env_file(&mut env, file)?;
    }
    for item in &args.env {
        apply_env(&mut env, item)?;
    }
    let driver = driver::choose(&ctx.store, ctx.driver)?;
    let config = ContainerConfig {
        id: id.clone(),
        // As docker: `--name /web` is web (the slash its inspect shows).
        name: args
            .name
            .as_deref()
            .map(|n| n.strip_prefix('/').unwrap_or(n).to_string())
            .unwrap_or_default(),
        created: now_rfc3339(),
        image: args.image.clone(),
        image_id: image.id.clone(),
        layers,
        driver,
        process: ProcessSpec {
            args: argv,
            env,
            cwd: args
                .workdir
                .clone()
                .or_else(|| defaults.working_dir().clone().filter(|w| !w.is_empty()))
                .unwrap_or_else(|| "/".to_string()),
            user: args
                .user
                .clone()
                .or_else(|| keep_id.map(|k| format!("{}:{}", k.uid, k.gid)))
                .or_else(|| defaults.user().clone())
                .unwrap_or_default(),
            groups: args
                .group_add
                .iter()
                .filter(|g| *g != KEEP_GROUPS)
                .cloned()
                .collect(),
            terminal: args.tty,
            interactive: args.interactive,
        },
        hostname,
        read_only: args.read_only,
        read_only_tmpfs: args.read_only_tmpfs,
        init: args.init,
        auto_remove: args.rm,
        capabilities,
        restart,
        mounts: Vec::new(),
        stop_signal: args
            .stop_signal
            .clone()
            .or_else(|| defaults.stop_signal().clone()),
        stop_timeout: args.stop_timeout,
        labels: parse_labels(&label_lines(args)?),
        network,
        security,
        privileged: args.privileged,
        security_opt: args.security_opt.clone(),
        cgroup,
        keep_id,
        shm_size: args
            .shm_size
            .as_deref()
            .map(|s| {
                crate::cgroups::parse_size(s)
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        anyhow::anyhow!("invalid --shm-size {s:?}: use a size (64m, 1g)")
                    })
            })
            .transpose()?,
        health: health_check(&args.health, &config_bytes)?,
        sysctls,
        pid_host: match args.pid.as_deref() {
            None | Some("" | "private") => false,
            Some("host") => true,
            Some(other) => {
                bail!("invalid --pid {other:?}: use host (the host's processes in view) or private")
            }
        },
        log: log_limits(&ctx.config.containers, args)?,
    };
    Ok((config, defaults.volumes().clone().unwrap_or_default()))
}

/// How much output the container keeps: config.toml's `log_max_size`/`log_max_file` (else
/// docker's local driver's 20m × 5), with `--log-opt` over them; `--log-driver none` keeps
/// nothing.
fn log_limits(
    defaults: &crate::config::ContainerDefaults,
    args: &RunArgs,
) -> anyhow::Result<crate::container::logs::LogLimits> {
    let size = |what: &str, s: &str| {
        crate::cgroups::parse_size(s)
            .ok_or_else(|| anyhow::anyhow!("invalid {what} {s:?}: use a size (10m, 1g)"))
    };
    let count = |what: &str, n: u32| match n {
        0 => Err(anyhow::anyhow!("invalid {what} 0: keep at least 1 file")),
        n => Ok(n),
    };
    let mut limits = crate::container::logs::LogLimits::default();
    if let Some(s) = &defaults.log_max_size {
        limits.max_size = size("log_max_size in config.toml", s)?;
    }
    if let Some(n) = defaults.log_max_file {
        limits.max_file = count("log_max_file in config.toml", n)?;
    }
    for opt in &args.log_opts {
        match opt.split_once('=') {
            Some(("max-size", v)) => limits.max_size = size("--log-opt max-size", v)?,
            Some(("max-file", v)) => {
                let n = v.parse().map_err(|_| {
                    anyhow::anyhow!("invalid --log-opt max-file {v:?}: give a number of files")
                })?;
                limits.max_file = count("--log-opt max-file", n)?;
            }
            _ => bail!(
                "unsupported --log-opt {opt:?}: nook's log takes max-size=SIZE and max-file=N"
            ),
        }
    }
    match args.log_driver.as_deref() {
        None | Some("json-file" | "k8s-file" | "local") => {}
        Some("none") => limits.max_size = 0,
        Some(other) => bail!(
            "unsupported --log-driver {other:?}: nook keeps output in a file (json-file, \
             k8s-file or local) or not at all (none)"
        ),
    }
    Ok(limits)
}

/// `--sysctl KEY=VALUE`s, checked as docker checks them: only settings of the container's own
/// namespaces (its network's unless it shares the host's or another container's, its IPC's),
/// which a user namespace may set; the host's own stay out of reach.
fn sysctls(items: &[String], network: &NetworkMode) -> anyhow::Result<BTreeMap<String, String>> {
    const IPC: &[&str] = &[
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    let mut out = BTreeMap::new();
    for item in items {
        let Some((key, value)) = item.split_once('=') else {
            bail!("invalid --sysctl {item:?}: use KEY=VALUE (net.ipv4.ip_forward=1)");
        };
        let key = key.trim().replace('/', ".");
        let shared_net = matches!(network, NetworkMode::Host | NetworkMode::Container { .. });
        if key.starts_with("net.") && shared_net {
            bail!(
                "--sysctl {key}: the container shares another network namespace \
                 (--network {}), whose settings are not its own to change",
                network.name()
            );
        }
        let allowed =
            key.starts_with("net.") || key.starts_with("fs.mqueue.") || IPC.contains(&key.as_str());
        if !allowed {
            bail!(
                "--sysctl {key}: not a setting of the container's own namespaces, so it would \
                 change the host; allowed: net.*, kernel.msg*, kernel.sem, kernel.shm*, \
                 fs.mqueue.*"
            );
        }
        out.insert(key, value.to_string());
    }
    Ok(out)
}

/// The container's health check: the image's HEALTHCHECK (from its raw config: the OCI type
/// has no such field) with what the `--health-*` flags override.
fn health_check(args: &HealthArgs, image_config: &[u8]) -> anyhow::Result<Option<HealthCheck>> {
    use crate::container::health::parse_duration;
    if args.no_healthcheck {
        if args.health_cmd.is_some() {
            bail!("--no-healthcheck and --health-cmd contradict each other: give one");
        }
        return Ok(None);
    }
    let raw: serde_json::Value = serde_json::from_slice(image_config).unwrap_or_default();
    let image = HealthCheck::from_image(raw["config"].get("Healthcheck"));
    let timed = args.health_interval.is_some()
        || args.health_timeout.is_some()
        || args.health_retries.is_some()
        || args.health_start_period.is_some()
        || args.health_start_interval.is_some();
    let mut check = match (&args.health_cmd, image) {
        (Some(cmd), image) => HealthCheck {
            test: vec!["CMD-SHELL".to_string(), cmd.clone()],
            ..image.unwrap_or_default()
        },
        (None, Some(image)) => image,
        (None, None) if timed => bail!(
            "the --health-* timings need a check: give --health-cmd (the image has no HEALTHCHECK)"
        ),
        (None, None) => return Ok(None),
    };
    let ns = |flag, v: &Option<String>, into: &mut u64| -> anyhow::Result<()> {
        if let Some(v) = v {
            *into = parse_duration(flag, v)?.as_nanos() as u64;
        }
        Ok(())
    };
    ns(
        "--health-interval",
        &args.health_interval,
        &mut check.interval,
    )?;
    ns("--health-timeout", &args.health_timeout, &mut check.timeout)?;
    ns(
        "--health-start-period",
        &args.health_start_period,
        &mut check.start_period,
    )?;
    ns(
        "--health-start-interval",
        &args.health_start_interval,
        &mut check.start_interval,
    )?;
    if let Some(r) = args.health_retries {
        check.retries = r;
    }
    Ok(Some(check))
}

/// `--userns`: `keep-id[:uid=N,gid=N]` (the ids that are you inside), or `host`/empty for
/// nook's usual map (root inside is you).
fn parse_userns(mode: &str) -> anyhow::Result<Option<KeepId>> {
    let you = KeepId::current();
    let opts = match mode.split_once(':') {
        None if mode == "keep-id" => return Ok(Some(you)),
        None if mode.is_empty() || mode == "host" => return Ok(None),
        Some(("keep-id", opts)) => opts,
        _ => bail!("--userns {mode}: use keep-id or keep-id:uid=N,gid=N"),
    };
    let mut keep = you;
    for opt in opts.split(',') {
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        let n: u32 = value
            .parse()
            .map_err(|_| anyhow::anyhow!("--userns {mode}: {opt:?} is not KEY=NUMBER"))?;
        match key {
            "uid" => keep.uid = n,
            "gid" => keep.gid = n,
            _ => bail!("--userns {mode}: unknown option {key:?} (uid and gid are known)"),
        }
    }
    Ok(Some(keep))
}

/// Print `message` as a warning the first time `what` happens with this store.
fn warn_once(ctx: &Context, what: &str, message: &str) {
    let marker = ctx.store.root().join(format!("warned-{what}"));
    if fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&marker)
        .is_ok()
    {
        eprintln!("warning: {message}");
    }
}

/// `--ulimit NAME=SOFT[:HARD]` (-1: unlimited), checked against your own hard limit: a user
/// namespace cannot raise it.
fn parse_ulimit(spec: &str) -> anyhow::Result<crate::runtime::launch::Ulimit> {
    use crate::runtime::launch::{Ulimit, ulimit_resource};
    let bad = |why: &str| anyhow::anyhow!("invalid --ulimit {spec:?}: {why}");
    let (name, values) = spec
        .split_once('=')
        .ok_or_else(|| bad("use NAME=SOFT[:HARD]"))?;
    let resource = ulimit_resource(name).ok_or_else(|| {
        bad(
            "unknown name (as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, \
             nofile, nproc, rss, rtprio, rttime, sigpending, stack)",
        )
    })?;
    let number = |v: &str| -> anyhow::Result<u64> {
        match v {
            "-1" | "unlimited" => Ok(u64::MAX),
            v => v.parse().map_err(|_| bad("limits are numbers, or -1")),
        }
    };
    let (soft, hard) = match values.split_once(':') {
        Some((s, h)) => (number(s)?, number(h)?),
        None => (number(values)?, number(values)?),
    };
    if soft > hard {
        return Err(bad("the soft limit is above the hard one"));
    }
    let (_, yours) = nix::sys::resource::getrlimit(resource)?;
    if hard > yours {
        let shown = |n: u64| match n {
            u64::MAX => "unlimited".to_string(),
            n => n.to_string(),
        };
        return Err(bad(&format!(
            "your own hard limit of {name} is {}, and a container cannot raise it (ask for \
             at most that, or raise yours: ulimit -H, /etc/security/limits.conf)",
            shown(yours)
        )));
    }
    Ok(Ulimit {
        name: name.to_string(),
        soft,
        hard,
    })
}

/// `--group-add keep-groups` (podman's): keep your own supplementary groups.
const KEEP_GROUPS: &str = "keep-groups";

/// `--security-opt` and `--privileged`: the seccomp programs (compiled now, for the
/// capabilities the container keeps), no_new_privs, masked paths.
fn security_options(
    ctx: &Context,
    args: &RunArgs,
    capabilities: &[String],
) -> anyhow::Result<Security> {
    let mut profile = Some(None);
    let mut no_new_privileges = false;
    for opt in &args.security_opt {
        // docker takes KEY=VALUE and KEY:VALUE
        let (key, value) = opt
            .split_once(['=', ':'])
            .map_or((opt.as_str(), None), |(k, v)| (k, Some(v)));
        match (key, value) {
            ("seccomp", Some("unconfined")) => profile = None,
            ("seccomp", Some(path)) if !path.is_empty() => {
                profile = Some(Some(std::path::PathBuf::from(path)))
            }
            ("no-new-privileges", None | Some("true")) => no_new_privileges = true,
            ("no-new-privileges", Some("false")) => no_new_privileges = false,
            // nook applies no SELinux label or AppArmor profile: turning them off is a no-op.
            ("label", Some("disable")) | ("apparmor", Some("unconfined")) => {}
            _ => bail!(
                "unsupported --security-opt {opt:?}: use seccomp=unconfined, seccomp=PROFILE.json, \
                 or no-new-privileges[=true|false]"
            ),
        }
    }
    let cache = ctx.store.root().join("seccomp-cache");
    let seccomp = match (args.privileged, profile) {
        (true, _) | (false, None) => None,
        (false, Some(None)) => {
            Some(seccomp::Profile::default_for_containers().compile_cached(capabilities, &cache)?)
        }
        (false, Some(Some(path))) => {
            Some(seccomp::Profile::from_file(&path)?.compile_cached(capabilities, &cache)?)
        }
    };
    let keep_groups = args.group_add.iter().any(|g| g == KEEP_GROUPS);
    if keep_groups && args.group_add.len() > 1 {
        bail!("--group-add {KEEP_GROUPS} cannot be given with other groups");
    }
    if let Some(g) = args
        .group_add
        .iter()
        .find(|g| g.is_empty() || g.contains([':', '\n']))
    {
        bail!("--group-add {g:?}: give a group's name or number");
    }
    Ok(Security {
        seccomp,
        no_new_privileges,
        masked_paths: !args.privileged,
        pids_rlimit: None,
        ulimits: args
            .ulimits
            .iter()
            .map(|u| parse_ulimit(u))
            .collect::<anyhow::Result<_>>()?,
        keep_groups,
    })
}

/// The container's network from its flags (and `[network] default` in config.toml), checked
/// for what contradicts itself.
fn network_config(
    ctx: &Context,
    args: &RunArgs,
    image: &oci_spec::image::Config,
) -> anyhow::Result<NetworkConfig> {
    let (first, also) = match args.network.split_first() {
        Some((first, also)) => (first.as_str(), also),
        None => (
            ctx.config.network.default.as_deref().unwrap_or("pasta"),
            &[][..],
        ),
    };
    let mode: NetworkMode = first.parse()?;
    let mut seen = vec![first];
    for other in also {
        if !matches!(
            (&mode, other.parse::<NetworkMode>()?),
            (NetworkMode::User { .. }, NetworkMode::User { .. })
        ) {
            bail!(
                "--network {first} --network {other}: only user networks can be combined (a \
                 container has one network of its own, the host's or another container's)"
            );
        }
        if seen.contains(&other.as_str()) {
            bail!("--network {other} is given twice");
        }
        seen.push(other);
    }
    let mut ports = Vec::new();
    for p in &args.publish {
        ports.extend(network::ports::parse(p)?);
    }
    let own = match &mode {
        // pasta, for the outside, unless every network is internal.
        NetworkMode::User { .. } => {
            let mut outside = false;
            for name in &seen {
                outside |= !Networks::new(&ctx.store).get(name)?.internal;
            }
            outside
        }
        NetworkMode::Pasta => true,
        NetworkMode::Container { name } => {
            Containers::new(&ctx.store).resolve(name)?;
            if args.hostname.is_some() || !args.dns.is_empty() || !args.add_host.is_empty() {
                bail!(
                    "--hostname, --dns and --add-host cannot be given with --network container:{name}: \
                     the container shares that one's network and its /etc files"
                );
            }
            false
        }
        NetworkMode::None | NetworkMode::Host => false,
    };
    if (!ports.is_empty() || args.publish_all) && !own {
        bail!(
            "--publish needs a network of the container's own with a way out (pasta, or a user \
             network that is not internal), not --network {}",
            mode.name()
        );
    }
    if !args.network_alias.is_empty() && !matches!(mode, NetworkMode::User { .. }) {
        bail!("--network-alias needs a user network (--network NAME; see `nook network create`)");
    }
    let dns = args
        .dns
        .iter()
        .map(|d| {
            d.parse()
                .with_context(|| format!("invalid --dns {d:?}: not an IP address"))
        })
        .collect::<anyhow::Result<_>>()?;
    let extra_hosts = args
        .add_host
        .iter()
        .map(|h| h.parse())
        .collect::<Result<_, _>>()?;
    Ok(NetworkConfig {
        mode,
        ports,
        publish_all: args.publish_all,
        exposed: network::ports::parse_exposed(&image.exposed_ports().clone().unwrap_or_default()),
        dns,
        dns_search: args.dns_search.clone(),
        dns_options: args.dns_option.clone(),
        extra_hosts,
        aliases: args.network_alias.clone(),
        host_loopback: args
            .host_loopback
            .unwrap_or(ctx.config.network.host_loopback),
        also: also.to_vec(),
    })
}

/// Create the container, its volumes and its cidfile; on failure nothing is left.
fn create_container(
    ctx: &Context,
    args: &RunArgs,
    early: Option<&mut EarlyKeeper>,
) -> anyhow::Result<ContainerConfig> {
    let (mut config, image_volumes) = container_config(ctx, args)?;
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    let volumes = Volumes::new(&ctx.store);
    // No volume may go between being resolved and the container that uses it being recorded.
    let _lock = volumes.lock()?;
    let flags = volume::MountFlags {
        volumes: &args.volumes,
        mounts: &args.mounts,
        tmpfs: &args.tmpfs,
        devices: &args.devices,
    };
    config.mounts = volume::resolve_mounts(&ctx.store, &flags, &image_volumes, &cwd)?;
    let containers = Containers::new(&ctx.store);
    // A keeper forked ahead mounts the root filesystem while the container is recorded.
    let ahead = |config: &ContainerConfig, dir: &Path| {
        if let Some(keeper) = early
            && config.driver == Driver::Overlay
            && config.keep_id.is_none()
        {
            let root = EarlyRoot {
                lowers: config.root_lowers(&ctx.store),
                dir: dir.to_path_buf(),
                moved_to: containers.dir(&config.id),
                volatile: config.auto_remove,
                rootfs: ctx.store.mount_point(),
                keep_groups: keeper.mapping().map.is_single() || config.security.keep_groups,
            };
            keeper.mount_root(root);
        }
    };
    let created = containers
        .create_with(&mut config, ahead)
        .map_err(anyhow::Error::from)
        .and_then(|()| match &args.cidfile {
            Some(path) => fs::write(path, &config.id).with_context(|| {
                let _ = containers.remove(&config);
                format!("cannot write the container id to {}", path.display())
            }),
            None => Ok(()),
        });
    if let Err(e) = created {
        // Anonymous volumes made for this container have no other user.
        for m in &config.mounts {
            if let MountKind::Bind {
                volume: Some(name), ..
            } = &m.kind
                && volumes.get(name).is_ok_and(|v| v.anonymous)
            {
                let _ = volumes.remove(name);
            }
        }
        return Err(e);
    }
    Ok(config)
}

pub fn create(global: &GlobalArgs, args: RunArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let config = create_container(&ctx, &args, None)?;
    println!("{}", config.id);
    Ok(0)
}

/// Whether a container of `args` has the common namespaces for which a keeper is forked
/// ahead ([`EarlyKeeper`]): its own network, with pasta (true) or none (false), and the
/// user's id map; `None` for other containers, whose keeper is forked at their launch. A
/// guess from the flags: the launch checks it against the container as recorded.
fn early_network(ctx: &Context, args: &RunArgs) -> Option<bool> {
    if args.userns.is_some() || args.network.len() > 1 {
        return None;
    }
    let network = match args.network.first() {
        Some(n) => n.as_str(),
        None => ctx.config.network.default.as_deref().unwrap_or("pasta"),
    };
    match network.parse::<NetworkMode>() {
        Ok(NetworkMode::Pasta) => Some(true),
        Ok(NetworkMode::None) => Some(false),
        _ => None,
    }
}

/// Fork a keeper ahead for a container whose monitor this process will be.
fn fork_early_keeper() -> Option<EarlyKeeper> {
    let mapping = crate::runtime::idmap::IdMap::for_current_user().ok()?;
    EarlyKeeper::fork(mapping)
}

/// Whether the monitor can run in this process, not in nook executed again: single-threaded,
/// from a file no container can change (see [`crate::runtime::sealed`]).
fn monitors_here(program: &crate::runtime::sealed::Program) -> bool {
    program.is_this_process() && crate::sys::thread_count().is_ok_and(|n| n == 1)
}

/// `nook run`'s keeper, forked first thing when the command line's first word is `run` and
/// this process can be the container's monitor: the keeper then makes the container's
/// namespaces while the command line is parsed, half a millisecond, as well as while the
/// image is resolved and the container recorded. [`run`] ends it if the flags ask for a
/// container it cannot serve (with other namespaces), and none is forked for a command
/// line that may ask for a detached one: ending a keeper unused costs `run -d` more than
/// the keeper saves.
pub fn keeper_ahead(args: &[std::ffi::OsString]) -> Option<EarlyKeeper> {
    let run = args.get(1).is_some_and(|a| a == "run");
    if !run || args.iter().any(|a| may_detach(a)) {
        return None;
    }
    if !monitors_here(&crate::runtime::sealed::program()) {
        return None;
    }
    fork_early_keeper()
}

/// Whether `arg`, before the command line is parsed, may be the detach flag: `--detach`,
/// `-d`, or `d` among short flags (`-itd`), unless `=false`. A guess on the safe side: an
/// argument of the container's command that looks like one only costs the early keeper.
fn may_detach(arg: &std::ffi::OsStr) -> bool {
    let Some(arg) = arg.to_str() else {
        return false;
    };
    let (flag, value) = arg.split_once('=').unwrap_or((arg, ""));
    if value == "false" {
        return false;
    }
    match flag.strip_prefix("--") {
        Some(long) => long == "detach",
        None => flag.strip_prefix('-').is_some_and(|short| {
            short.contains('d') && short.chars().all(|c| c.is_ascii_alphabetic())
        }),
    }
}

/// The container `args` asks for, created and ready to start.
fn created(
    ctx: &Context,
    args: &RunArgs,
    early: Option<&mut EarlyKeeper>,
) -> anyhow::Result<ContainerConfig> {
    let config = create_container(ctx, args, early)?;
    // A port that cannot be published fails the run before the container is started (and,
    // as a mistake, leaves nothing behind).
    if let Err(e) = network::ports::settle(&config.network.ports, false, &[]) {
        let _ = Containers::new(&ctx.store).remove(&config);
        return Err(e.into());
    }
    Ok(config)
}

/// `run -d` that prints nothing: the container's id.
pub(crate) fn start_quietly(ctx: &Context, args: &RunArgs) -> anyhow::Result<String> {
    let config = created(ctx, args, None)?;
    lifecycle::start_detached(&ctx.store, &config.id)
        .map_err(|failure| anyhow::anyhow!(failure.message))?;
    Ok(config.id)
}

/// `nook run`; `ahead`, the keeper [`keeper_ahead`] forked, if any.
pub fn run(global: &GlobalArgs, args: RunArgs, ahead: Option<EarlyKeeper>) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    // In the foreground, this process becomes the container's monitor (below), and the
    // container's keeper makes its namespaces (from now, if not forked already) while the
    // image is resolved and the container recorded.
    let program = (!args.detach).then(crate::runtime::sealed::program);
    let in_process = program.as_ref().is_some_and(monitors_here);
    let mut early = match (in_process, early_network(&ctx, &args)) {
        (true, Some(pasta)) => ahead.or_else(fork_early_keeper).map(|mut keeper| {
            if pasta {
                keeper.make_tap();
            }
            keeper
        }),
        _ => None,
    };
    let config = created(&ctx, &args, early.as_mut())?;
    lifecycle::warn_if_offline(&config);
    if args.detach {
        return match lifecycle::start_detached(&ctx.store, &config.id) {
            Ok(()) => {
                println!("{}", config.id);
                Ok(0)
            }
            Err(failure) => {
                eprintln!("Error: {}", failure.message);
                Ok(failure.code)
            }
        };
    }
    // Become the container's monitor: same pid, terminal and stdio.
    let program = program.unwrap_or_else(crate::runtime::sealed::program);
    if monitors_here(&program) {
        // Already what a monitor must be (single-threaded, from a file no container can
        // change): the monitor runs here, without starting nook again.
        return Ok(
            match crate::container::monitor::run_config(&ctx.store, &config, false, early) {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("Error: {e}");
                    e.exit_code()
                }
            },
        );
    }
    // Otherwise by executing nook again; returns only on failure.
    // This process becomes the monitor: the same pid, from the copy.
    drop(early);
    crate::runtime::sealed::register(&program, std::process::id() as i32);
    let err = Command::new(program.path())
        .arg0("nook")
        .arg(MONITOR_COMMAND)
        .arg(ctx.store.root())
        .arg(&config.id)
        .exec();
    let _ = Containers::new(&ctx.store).remove(&config);
    Err(err).context("cannot start the container monitor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detached_run_is_guessed_from_the_raw_command_line() {
        for arg in ["-d", "--detach", "-itd", "-dit", "--detach=true", "-d=true"] {
            assert!(may_detach(arg.as_ref()), "{arg}");
        }
        for arg in [
            "-d=false",
            "--detach=false",
            "-it",
            "--rm",
            "busybox",
            "--dns",
            "-",
        ] {
            assert!(!may_detach(arg.as_ref()), "{arg}");
        }
    }

    #[test]
    fn environment_merges_like_docker() {
        let mut env = vec!["PATH=/bin".to_string(), "A=1".to_string()];
        apply_env(&mut env, "A=2").unwrap();
        apply_env(&mut env, "B=x=y").unwrap();
        apply_env(&mut env, "NOOK_SURELY_UNSET_VARIABLE").unwrap();
        assert_eq!(env, vec!["PATH=/bin", "A=2", "B=x=y"]);
        assert!(apply_env(&mut env, "=oops").is_err());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("env");
        fs::write(&f, "# comment\n\nC=3\n  D=four words\n").unwrap();
        read_env_file(&mut env, &f).unwrap();
        assert_eq!(&env[3..], &["C=3".to_string(), "D=four words".to_string()]);
    }
}
