//! One function per verb: parse-level checks, then calls into the library. Errors carry
//! what to do about them; `main` prints them and exits 125.

pub mod build;
pub mod compose;
pub mod container;
pub mod copy;
pub mod exec;
pub mod format;
pub mod image;
pub mod lifecycle;
pub mod network;
pub mod registry;
pub mod resources;
pub mod run;
pub mod sandbox;
pub mod shell;
pub mod snapshot;
pub mod system;
pub mod template;
pub mod volume;

use anyhow::Context as _;

use crate::cli::{
    BuilderCommand, Cli, Command, ContainerCommand, GlobalArgs, HealthcheckCommand, ImageCommand,
    Lazy, NetworkCommand, SystemCommand, VolumeCommand,
};
use crate::config::{self, Config};
use crate::image::store::Store;
use crate::runtime::driver::DriverChoice;
use crate::runtime::launch::EarlyKeeper;

/// What most commands need: the user's configuration and store.
pub struct Context {
    pub config: Config,
    pub store: Store,
    pub driver: DriverChoice,
}

impl Context {
    pub fn open(global: &GlobalArgs) -> anyhow::Result<Self> {
        let config = Config::load()?;
        let store = Store::open(&config::data_root()?)?;
        crate::image::settle::resume(&store);
        Ok(Self {
            driver: global.storage_driver.unwrap_or(config.storage.driver),
            config,
            store,
        })
    }
}

/// `KEY=VALUE` labels (a bare KEY has an empty value, as with docker).
pub fn parse_labels(items: &[String]) -> std::collections::BTreeMap<String, String> {
    items
        .iter()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap_or((l, ""));
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// docker's way with commands on several objects: the name of each that worked on stdout,
/// an error for each that did not on stderr, and exit 1 if any did not. With `missing_ok`
/// (`rm -f`, `volume rm -f`), an object that does not exist is no error and says nothing.
pub fn report_each(
    names: &[String],
    outcomes: impl IntoIterator<Item = anyhow::Result<()>>,
    missing_ok: bool,
) -> anyhow::Result<i32> {
    let mut failed = false;
    for (name, outcome) in names.iter().zip(outcomes) {
        match outcome {
            Ok(()) => println!("{name}"),
            Err(e) if missing_ok && is_missing(&e) => {}
            Err(e) => {
                eprintln!("Error: {e:#}");
                failed = true;
            }
        }
    }
    Ok(if failed { 1 } else { 0 })
}

/// Is `e` about an object that does not exist (a container, volume, network or image)?
pub fn is_missing(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<crate::container::ContainerError>(),
            Some(crate::container::ContainerError::NotFound(_))
        ) || matches!(
            c.downcast_ref::<crate::container::volume::VolumeError>(),
            Some(crate::container::volume::VolumeError::NotFound(_))
        ) || matches!(
            c.downcast_ref::<crate::network::user::UserNetError>(),
            Some(crate::network::user::UserNetError::NotFound(_))
        )
    })
}

/// docker's status for a verb on one object that does not exist: 1 (the error said first).
fn missing_exits_1(result: anyhow::Result<i32>) -> anyhow::Result<i32> {
    match result {
        Err(e) if is_missing(&e) => {
            eprintln!("Error: {e:#}");
            Ok(1)
        }
        other => other,
    }
}

/// Print a warning on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Run the parsed command line (with `keeper_ahead`, for `nook run`: see
/// [`run::keeper_ahead`]); returns the exit status.
pub fn dispatch(cli: Cli, keeper_ahead: Option<EarlyKeeper>) -> anyhow::Result<i32> {
    let global = &cli.global;
    match cli.command {
        Command::Run(args) => run::run(global, *args.0, keeper_ahead),
        Command::Create(args) => run::create(global, *args.0),
        Command::Start(args) => lifecycle::start(global, &args),
        Command::Stop(args) => lifecycle::stop(global, &args),
        Command::Restart(args) => lifecycle::restart(global, &args),
        Command::Kill(args) => lifecycle::kill(global, &args),
        Command::Wait(args) => missing_exits_1(lifecycle::wait(global, &args)),
        Command::Logs(args) => missing_exits_1(lifecycle::logs(global, &args)),
        Command::Exec(args) => exec::exec(global, &args),
        Command::Attach(args) => missing_exits_1(lifecycle::attach(global, &args)),
        Command::Inspect(args) => container::inspect_any(global, &args),
        Command::Cp(args) => missing_exits_1(copy::cp(global, &args)),
        Command::Rename(args) => missing_exits_1(container::rename(global, &args)),
        Command::Top(args) => missing_exits_1(container::top(global, &args)),
        Command::Port(args) => missing_exits_1(container::port(global, &args)),
        Command::Commit(args) => missing_exits_1(snapshot::commit(global, &args)),
        Command::Diff(args) => missing_exits_1(snapshot::diff(global, &args)),
        Command::Export(args) => missing_exits_1(snapshot::export(global, &args)),
        Command::Network(sub) => match sub.0 {
            NetworkCommand::Create(args) => network::create(global, &args),
            NetworkCommand::Ls(args) => network::ls(global, &args),
            NetworkCommand::Inspect(args) => network::inspect(global, &args),
            NetworkCommand::Rm(args) => network::rm(global, &args),
            NetworkCommand::Prune => network::prune(global),
        },
        Command::Ps(args) => container::ps(global, &args),
        Command::Stats(args) => resources::stats(global, &args),
        Command::Pause(args) => resources::pause(global, &args, true),
        Command::Unpause(args) => resources::pause(global, &args, false),
        Command::Update(args) => resources::update(global, &args),
        Command::Rm(args) => container::rm(global, &args),
        Command::Container(sub) => match sub.0 {
            ContainerCommand::Ls(args) => container::ps(global, &args),
            ContainerCommand::Run(args) => run::run(global, *args, None),
            ContainerCommand::Create(args) => run::create(global, *args),
            ContainerCommand::Start(args) => lifecycle::start(global, &args),
            ContainerCommand::Stop(args) => lifecycle::stop(global, &args),
            ContainerCommand::Restart(args) => lifecycle::restart(global, &args),
            ContainerCommand::Kill(args) => lifecycle::kill(global, &args),
            ContainerCommand::Wait(args) => missing_exits_1(lifecycle::wait(global, &args)),
            ContainerCommand::Logs(args) => missing_exits_1(lifecycle::logs(global, &args)),
            ContainerCommand::Exec(args) => exec::exec(global, &args),
            ContainerCommand::Attach(args) => missing_exits_1(lifecycle::attach(global, &args)),
            ContainerCommand::Cp(args) => missing_exits_1(copy::cp(global, &args)),
            ContainerCommand::Rename(args) => missing_exits_1(container::rename(global, &args)),
            ContainerCommand::Top(args) => missing_exits_1(container::top(global, &args)),
            ContainerCommand::Port(args) => missing_exits_1(container::port(global, &args)),
            ContainerCommand::Commit(args) => missing_exits_1(snapshot::commit(global, &args)),
            ContainerCommand::Diff(args) => missing_exits_1(snapshot::diff(global, &args)),
            ContainerCommand::Export(args) => missing_exits_1(snapshot::export(global, &args)),
            ContainerCommand::Inspect(args) => container::inspect(global, &args),
            ContainerCommand::Rm(args) => container::rm(global, &args),
            ContainerCommand::Prune => container::prune(global),
        },
        Command::Sandbox(args) => sandbox::sandbox(global, args.0),
        Command::Trust(args) => sandbox::trust(global, &args),
        Command::Shell(args) => shell::shell(global, &args),
        Command::Lock(args) => shell::lock(global, &args),
        Command::Profile(sub) => shell::profile(global, &sub),
        Command::Build(args) => build::build(global, &args),
        Command::Builder(Lazy(BuilderCommand::Prune(args))) => build::prune(global, &args),
        Command::Volume(sub) => match sub.0 {
            VolumeCommand::Create(args) => volume::create(global, &args),
            VolumeCommand::Ls(args) => volume::ls(global, &args),
            VolumeCommand::Inspect(args) => volume::inspect(global, &args),
            VolumeCommand::Rm(args) => volume::rm(global, &args),
            VolumeCommand::Prune(args) => volume::prune(global, &args),
        },
        Command::Images(args) => image::images(global, &args),
        Command::Import(args) => image::import(global, &args),
        Command::Load(args) => image::load(global, &args),
        Command::Pull(args) => registry::pull(global, &args),
        Command::Login(args) => registry::login(global, &args),
        Command::Logout(args) => registry::logout(global, &args),
        Command::Push(args) => registry::push(global, &args),
        Command::Tag(args) => image::tag(global, &args),
        Command::Rmi(args) => image::rmi(global, &args),
        Command::Save(args) => image::save(global, &args),
        Command::History(args) => image::history(global, &args),
        Command::Image(sub) => match sub.0 {
            ImageCommand::Ls(args) => image::images(global, &args),
            ImageCommand::Inspect(args) => image::inspect(global, &args),
            ImageCommand::Prune(args) => image::prune(global, &args),
            ImageCommand::Rm(args) => image::rmi(global, &args),
            ImageCommand::Tag(args) => image::tag(global, &args),
            ImageCommand::History(args) => image::history(global, &args),
            ImageCommand::Pull(args) => registry::pull(global, &args),
            ImageCommand::Push(args) => registry::push(global, &args),
            ImageCommand::Save(args) => image::save(global, &args),
            ImageCommand::Load(args) => image::load(global, &args),
            ImageCommand::Import(args) => image::import(global, &args),
        },
        Command::System(sub) => match sub.0 {
            SystemCommand::Df => system::df(global),
            SystemCommand::Check(args) => system::check(global, &args),
            SystemCommand::Info(args) => system::info(global, &args),
            SystemCommand::Prune(args) => system::prune(global, &args),
            SystemCommand::Events(args) => system::events(global, &args),
            SystemCommand::ResetUserns => system::reset_userns(),
        },
        Command::Doctor => system::doctor(global),
        Command::Info(args) => system::info(global, &args),
        Command::Version(args) => system::version(&args),
        Command::Events(args) => system::events(global, &args),
        Command::Compose(args) => compose::compose(global, &args),
        Command::Healthcheck(Lazy(HealthcheckCommand::Run(args))) => {
            missing_exits_1(container::healthcheck(global, &args))
        }
        Command::Completion(args) => {
            let invoked = std::env::args_os()
                .next()
                .and_then(|a| {
                    let p = std::path::PathBuf::from(a);
                    Some(p.file_name()?.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| "nook".to_string());
            let name = args.0.name.clone().unwrap_or(invoked);
            // Made whole first: the generator panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(args.shell, &mut crate::cli::command(), name, &mut script);
            match std::io::Write::write_all(&mut std::io::stdout(), &script) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
                _ => Ok(0),
            }
        }
    }
}

/// nook's internal subcommands, run by nook itself in a fresh process (`/proc/self/exe
/// NAME ...`): parsed by hand, as they are not for people and sit on the hot path.
pub fn internal(args: &[std::ffi::OsString]) -> Option<i32> {
    use crate::container::monitor::{self, DETACH_FLAG, MONITOR_COMMAND};
    use crate::network::hub::{self, HUB_COMMAND};
    use crate::runtime::jobs::{self, JOB_COMMAND};
    let name = args.get(1)?.to_str()?;
    if name == crate::runtime::holder::HOLD_COMMAND {
        return Some(crate::runtime::holder::serve());
    }
    if name == JOB_COMMAND {
        return Some(jobs::serve());
    }
    if name == crate::image::settle::SETTLE_COMMAND {
        return Some(crate::image::settle::serve());
    }
    if name == crate::build::step::STEP_COMMAND {
        return Some(crate::build::step::serve());
    }
    if name == shell::WATCH_COMMAND {
        // __session NAME ID
        let (Some(session), Some(id)) = (
            args.get(2).and_then(|a| a.to_str()),
            args.get(3).and_then(|a| a.to_str()),
        ) else {
            eprintln!("Error: usage: nook {} NAME ID", shell::WATCH_COMMAND);
            return Some(125);
        };
        return Some(shell::watch_session(session, id));
    }
    if name == crate::cgroups::systemd::SCOPE_COMMAND {
        return Some(crate::cgroups::systemd::serve_scope());
    }
    if name == crate::container::health::HEALTH_COMMAND {
        // __health STORE-ROOT ID MONITOR-PID
        let (Some(root), Some(id), Some(monitor)) = (
            args.get(2),
            args.get(3).and_then(|a| a.to_str()),
            args.get(4)
                .and_then(|a| a.to_str())
                .and_then(|p| p.parse().ok()),
        ) else {
            eprintln!(
                "Error: usage: nook {} STORE-ROOT ID MONITOR-PID",
                crate::container::health::HEALTH_COMMAND
            );
            return Some(125);
        };
        return Some(match Store::at(std::path::Path::new(root)) {
            Ok(store) => crate::container::health::serve(&store, id, monitor),
            Err(e) => {
                eprintln!("Error: {e}");
                125
            }
        });
    }
    if name == crate::network::forward::FORWARD_COMMAND {
        // __forward PID (the ports on stdin)
        let Some(pid) = args.get(2).and_then(|a| a.to_str()) else {
            eprintln!(
                "Error: usage: nook {} PID",
                crate::network::forward::FORWARD_COMMAND
            );
            return Some(125);
        };
        return Some(crate::network::forward::serve(pid));
    }
    if name == HUB_COMMAND {
        // __network STORE-ROOT NAME
        let (Some(root), Some(net)) = (args.get(2), args.get(3).and_then(|a| a.to_str())) else {
            eprintln!("Error: usage: nook {HUB_COMMAND} STORE-ROOT NETWORK");
            return Some(125);
        };
        return Some(hub::serve(std::path::Path::new(root), net));
    }
    if name != MONITOR_COMMAND {
        return None;
    }
    // __monitor STORE-ROOT CONTAINER-ID [--detach]
    let (Some(root), Some(id)) = (args.get(2), args.get(3).and_then(|a| a.to_str())) else {
        eprintln!("Error: usage: nook {MONITOR_COMMAND} STORE-ROOT CONTAINER-ID [{DETACH_FLAG}]");
        return Some(125);
    };
    let detached = args.get(4).is_some_and(|a| a == DETACH_FLAG);
    let outcome = Store::at(std::path::Path::new(root))
        .context("the container's store")
        .map_err(|e| (125, format!("{e:#}")))
        .and_then(|store| {
            monitor::run(&store, id, detached).map_err(|e| (e.exit_code(), e.to_string()))
        });
    Some(match outcome {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("Error: {message}");
            code
        }
    })
}
