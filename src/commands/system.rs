//! `nook doctor`, `nook info`, `nook system ...`, `nook events`.

use anyhow::Context as _;
use serde::Serialize;

use super::format::{human_size, table};
use super::template::Shape;
use crate::cli::{CheckArgs, EventsArgs, GlobalArgs, InfoArgs, SystemPruneArgs};
use crate::config::{self, Config};
use crate::container::Containers;
use crate::doctor::{self, Check, Level};
use crate::image::index::ImageIndex;
use crate::image::store::Store;
use crate::runtime::idmap::IdMap;

fn open_store() -> Option<Store> {
    Store::open(&config::data_root().ok()?).ok()
}

pub fn doctor(_global: &GlobalArgs) -> anyhow::Result<i32> {
    let store = open_store();
    let checks = doctor::run_checks(store.as_ref());
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for c in &checks {
        let mark = match c.level {
            Level::Ok => "ok  ",
            Level::Warn => "warn",
            Level::Fail => "FAIL",
        };
        println!("[{mark}] {:width$}  {}", c.name, c.detail);
        if let (Some(fix), true) = (&c.fix, c.level != Level::Ok) {
            println!("       {:width$}  fix: {fix}", "");
        }
    }
    let failed = checks.iter().filter(|c| c.level == Level::Fail).count();
    if failed == 0 {
        println!("\nnook can run rootless containers here.");
        Ok(0)
    } else {
        println!("\n{failed} problem(s) stop rootless containers here; apply the fixes above.");
        Ok(1)
    }
}

#[derive(Serialize)]
struct Info {
    version: &'static str,
    host: Host,
    user: Option<IdMap>,
    /// The processes holding the user's namespaces (`NOOK_USERNS_HOLDER=0`: none is used).
    userns_holders: Vec<crate::runtime::holder::Held>,
    store: Option<StoreInfo>,
    checks: Vec<Check>,
}

#[derive(Serialize)]
struct Host {
    kernel: String,
    arch: &'static str,
}

#[derive(Serialize)]
struct StoreInfo {
    root: String,
    config_file: Option<String>,
    storage_driver: String,
    images: usize,
    containers: usize,
}

/// `nook version`: docker's shape (a daemonless tool is its own server, as podman has it).
pub fn version(args: &crate::cli::VersionArgs) -> anyhow::Result<i32> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let kernel = nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default();
    let part = serde_json::json!({
        "Version": env!("CARGO_PKG_VERSION"),
        "Os": "linux",
        "Arch": arch,
        "KernelVersion": kernel,
    });
    let all = serde_json::json!({ "Client": part, "Server": part });
    match super::template::Shape::parse(args.format.as_deref())? {
        super::template::Shape::Template { template, .. } => {
            print!(
                "{}",
                super::template::each(&template, std::slice::from_ref(&all))?
            )
        }
        super::template::Shape::Json => println!("{all}"),
        super::template::Shape::Table => {
            for title in ["Client", "Server"] {
                println!("{title}:");
                println!(
                    " Version:\t{}",
                    part["Version"].as_str().unwrap_or_default()
                );
                println!(" OS/Arch:\tlinux/{arch}");
                if title == "Server" {
                    println!(" Kernel:\t{kernel}");
                }
            }
        }
    }
    Ok(0)
}

/// `nook system reset-userns`.
pub fn reset_userns() -> anyhow::Result<i32> {
    let ended = crate::runtime::holder::reset()?;
    match ended {
        0 => println!("No namespace holder was running."),
        1 => println!("Ended 1 namespace holder; running containers keep their namespace."),
        n => println!("Ended {n} namespace holders; running containers keep their namespace."),
    }
    Ok(0)
}

pub fn info(global: &GlobalArgs, args: &InfoArgs) -> anyhow::Result<i32> {
    let shape = Shape::parse(args.format.as_deref())?;
    let store = open_store();
    let driver = global
        .storage_driver
        .or_else(|| Config::load().ok().map(|c| c.storage.driver))
        .unwrap_or_default();
    let store_info = store.as_ref().map(|s| StoreInfo {
        root: s.root().display().to_string(),
        config_file: config::config_path().ok().map(|p| p.display().to_string()),
        storage_driver: format!("{driver:?}").to_lowercase(),
        images: ImageIndex::load(s).map(|i| i.images.len()).unwrap_or(0),
        containers: Containers::new(s).list().map(|l| l.len()).unwrap_or(0),
    });
    let info = Info {
        version: env!("CARGO_PKG_VERSION"),
        host: Host {
            kernel: nix::sys::utsname::uname()
                .map(|u| u.release().to_string_lossy().into_owned())
                .unwrap_or_default(),
            arch: std::env::consts::ARCH,
        },
        user: IdMap::for_current_user().ok().map(|m| m.map),
        userns_holders: crate::runtime::holder::list(),
        store: store_info,
        checks: doctor::run_checks(store.as_ref()),
    };
    match shape {
        Shape::Template { template, .. } => {
            let fields = docker_info(store.as_ref(), &info, driver)?;
            print!("{}", super::template::each(&template, &[fields])?);
        }
        Shape::Json | Shape::Table => println!("{}", serde_json::to_string_pretty(&info)?),
    }
    Ok(0)
}

/// What `info --format` templates see: docker's fields (as a rootless docker reports them),
/// with nook's own report's beside them.
fn docker_info(
    store: Option<&Store>,
    info: &Info,
    driver: crate::runtime::driver::DriverChoice,
) -> anyhow::Result<serde_json::Value> {
    use crate::container::Status;
    let states: Vec<crate::container::ContainerState> = store
        .map(|s| {
            let containers = Containers::new(s);
            containers
                .list()
                .unwrap_or_default()
                .iter()
                .filter_map(|c| containers.load_state(&c.id).ok())
                .collect()
        })
        .unwrap_or_default();
    let paused = states
        .iter()
        .filter(|s| super::resources::is_paused(s))
        .count();
    let count = |want: Status| states.iter().filter(|s| s.status == want).count();
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024);
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|r| {
            r.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        })
        .unwrap_or_else(|| "Linux".to_string());
    let mut fields = serde_json::json!({
        "ServerVersion": info.version,
        "Containers": states.len(),
        "ContainersRunning": count(Status::Running) - paused,
        "ContainersPaused": paused,
        "ContainersStopped": count(Status::Exited) + count(Status::Created),
        "Images": info.store.as_ref().map_or(0, |s| s.images),
        "Driver": match store.and_then(|s| crate::runtime::driver::choose(s, driver).ok()) {
            Some(crate::runtime::rootfs::Driver::FuseOverlayfs) => "fuse-overlayfs",
            _ => "overlay",
        },
        "DockerRootDir": info.store.as_ref().map(|s| s.root.clone()),
        "KernelVersion": info.host.kernel,
        "OperatingSystem": os,
        "OSType": "linux",
        "Architecture": info.host.arch,
        "NCPU": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "MemTotal": memory,
        "Name": nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        "CgroupVersion": "2",
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=rootless"],
        "Rootless": true,
    });
    if let (serde_json::Value::Object(out), serde_json::Value::Object(own)) =
        (&mut fields, serde_json::to_value(info)?)
    {
        out.extend(own);
    }
    Ok(fields)
}

pub fn df(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = super::Context::open(global)?;
    let u = crate::image::manage::usage(&ctx.store)?;
    let pct = |part: u64, whole: u64| (part * 100).checked_div(whole).unwrap_or(0);
    let rows = vec![
        vec![
            "Images".to_string(),
            u.images.to_string(),
            u.images_active.to_string(),
            human_size(u.layers_bytes),
            format!(
                "{} ({}%)",
                human_size(u.layers_reclaimable),
                pct(u.layers_reclaimable, u.layers_bytes)
            ),
        ],
        vec![
            "Blobs (for push, save)".to_string(),
            String::new(),
            String::new(),
            human_size(u.blobs_bytes),
            String::new(),
        ],
        vec![
            "Containers".to_string(),
            u.containers.to_string(),
            u.containers_running.to_string(),
            String::new(),
            String::new(),
        ],
    ];
    print!(
        "{}",
        table(&["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"], &rows)
    );
    Ok(0)
}

pub fn check(global: &GlobalArgs, args: &CheckArgs) -> anyhow::Result<i32> {
    let ctx = super::Context::open(global)?;
    let report = crate::image::manage::check(&ctx.store, args.repair, None)?;
    for p in &report.problems {
        println!("problem: {p}");
    }
    for r in &report.repairs {
        println!("repaired: {r}");
    }
    for c in &report.cleaned {
        println!("removed the leftover scratch of an ended process: {c}");
    }
    println!(
        "checked {} images, {} blobs, {} layers: {}",
        report.images,
        report.blobs,
        report.layers,
        if report.problems.is_empty() {
            "the store is consistent".to_string()
        } else {
            format!(
                "{} problem(s); `nook system check --repair` fixes them",
                report.problems.len()
            )
        }
    );
    Ok(if report.problems.is_empty() { 0 } else { 1 })
}

/// docker's `system prune`: stopped containers first (their images and volumes are then
/// unused), then networks, the build cache, images, and with --volumes anonymous volumes.
pub fn prune(global: &GlobalArgs, args: &SystemPruneArgs) -> anyhow::Result<i32> {
    let ctx = super::Context::open(global)?;
    let section = |title: &str, items: &[String]| {
        if !items.is_empty() {
            println!("Deleted {title}:");
            for i in items {
                println!("{i}");
            }
            println!();
        }
    };
    section("Containers", &Containers::new(&ctx.store).prune()?);
    section(
        "Networks",
        &crate::network::user::Networks::new(&ctx.store).prune()?,
    );
    if args.volumes {
        let volumes = crate::container::volume::Volumes::new(&ctx.store);
        let _lock = volumes.lock()?;
        section("Volumes", &volumes.prune(false)?);
    }
    let (entries, cache_freed) = crate::image::manage::prune_build_cache(&ctx.store)?;
    let (images, image_freed) = crate::image::manage::prune(&ctx.store, args.all)?;
    let images: Vec<String> = images.iter().map(|d| d.to_string()).collect();
    section("Images", &images);
    if entries > 0 {
        println!("Deleted build cache entries: {entries}\n");
    }
    println!(
        "Total reclaimed space: {}",
        human_size(cache_freed.bytes + image_freed.bytes)
    );
    Ok(0)
}

/// `nook events`: the event log's matching events (from `--since`, else from now), followed
/// until `--until` or until interrupted.
pub fn events(global: &GlobalArgs, args: &EventsArgs) -> anyhow::Result<i32> {
    use crate::events::{self, Filter, Reader};
    use std::io::Write;
    let filter = Filter::parse(&args.filter)?;
    let shape = Shape::parse(args.format.as_deref())?;
    let time = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(events::parse_time)
            .transpose()
            .with_context(|| flag.to_string())
    };
    let (since, until) = (time("--since", &args.since)?, time("--until", &args.until)?);
    let ctx = super::Context::open(global)?;
    let (earlier, mut reader) = Reader::open(&ctx.store)?;
    let earlier = match since {
        Some(_) => earlier,
        None => {
            reader.skip_to_end();
            Vec::new()
        }
    };
    let in_range = |e: &events::Event| {
        since.is_none_or(|s| e.time_nano >= s.timestamp_nanos_opt().unwrap_or(0))
            && until.is_none_or(|u| e.time_nano <= u.timestamp_nanos_opt().unwrap_or(i64::MAX))
    };
    let mut out = std::io::stdout().lock();
    let mut show = |batch: Vec<events::Event>| -> anyhow::Result<bool> {
        for e in batch.iter().filter(|e| in_range(e) && filter.matches(e)) {
            let text = match &shape {
                Shape::Json => format!("{}\n", serde_json::to_string(e)?),
                Shape::Template { template, .. } => {
                    super::template::each(template, &[template_fields(e)])?
                }
                Shape::Table => format!("{}\n", e.line()),
            };
            // A reader that went away (`| head`) ends the command, as docker's.
            if out
                .write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .is_err()
            {
                return Ok(false);
            }
        }
        Ok(true)
    };
    if !show(earlier)? {
        return Ok(0);
    }
    loop {
        if until.is_some_and(|u| chrono::Utc::now() > u) {
            // What was written up to the end of the range, then stop.
            show(reader.next_events()?)?;
            return Ok(0);
        }
        if !show(reader.next_events()?)? {
            return Ok(0);
        }
        std::thread::sleep(events::POLL);
    }
}

/// An event as docker's templates see it: its Go field names.
fn template_fields(e: &crate::events::Event) -> serde_json::Value {
    serde_json::json!({
        "Type": e.kind,
        "Action": e.action,
        "Actor": { "ID": e.actor.id, "Attributes": e.actor.attributes },
        "Scope": e.scope,
        "Time": e.time,
        "TimeNano": e.time_nano,
        "Status": e.status.clone().unwrap_or_default(),
        "ID": e.id.clone().unwrap_or_default(),
        "From": e.from.clone().unwrap_or_default(),
    })
}
