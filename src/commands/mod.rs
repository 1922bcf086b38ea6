//! One function per verb: parse-level checks, then calls into the library. Errors carry
//! what to do about them; `main` prints them and exits 125.

pub mod container;
pub mod format;
pub mod image;
pub mod registry;
pub mod run;
pub mod system;

use anyhow::Context as _;

use crate::cli::{Cli, Command, GlobalArgs, ImageCommand, SystemCommand};
use crate::config::{self, Config};
use crate::image::store::Store;
use crate::runtime::driver::DriverChoice;

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
        Ok(Self {
            driver: global.storage_driver.unwrap_or(config.storage.driver),
            config,
            store,
        })
    }
}

/// Print a warning on stderr.
pub fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Run the parsed command line; returns the exit status.
pub fn dispatch(cli: Cli) -> anyhow::Result<i32> {
    let global = &cli.global;
    match cli.command {
        Command::Run(args) => run::run(global, *args),
        Command::Ps(args) => container::ps(global, &args),
        Command::Rm(args) => container::rm(global, &args),
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
        Command::Image(sub) => match sub {
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
        Command::System(sub) => match sub {
            SystemCommand::Df => system::df(global),
            SystemCommand::Check(args) => system::check(global, &args),
            SystemCommand::Info => system::info(global),
        },
        Command::Doctor => system::doctor(global),
        Command::Info => system::info(global),
        Command::Completion(args) => {
            clap_complete::generate(
                args.shell,
                &mut crate::cli::command(),
                "nook",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}

/// nook's internal subcommands, run by nook itself in a fresh process (`/proc/self/exe
/// NAME ...`): parsed by hand, as they are not for people and sit on the hot path.
pub fn internal(args: &[std::ffi::OsString]) -> Option<i32> {
    use crate::container::monitor::{self, MONITOR_COMMAND};
    use crate::runtime::jobs::{self, JOB_COMMAND};
    let name = args.get(1)?.to_str()?;
    if name == JOB_COMMAND {
        return Some(jobs::serve());
    }
    if name != MONITOR_COMMAND {
        return None;
    }
    // __monitor STORE-ROOT CONTAINER-ID
    let (Some(root), Some(id)) = (args.get(2), args.get(3).and_then(|a| a.to_str())) else {
        eprintln!("Error: usage: nook {MONITOR_COMMAND} STORE-ROOT CONTAINER-ID");
        return Some(125);
    };
    let outcome = Store::at(std::path::Path::new(root))
        .context("the container's store")
        .map_err(|e| (125, format!("{e:#}")))
        .and_then(|store| monitor::run(&store, id).map_err(|e| (e.exit_code(), e.to_string())));
    Some(match outcome {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("Error: {message}");
            code
        }
    })
}
