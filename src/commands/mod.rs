//! One function per verb: parse-level checks, then calls into the library. Errors carry
//! what to do about them; `main` prints them and exits 125.

pub mod container;
pub mod format;
pub mod image;
pub mod run;
pub mod system;

use anyhow::Context as _;

use crate::cli::{Cli, Command, GlobalArgs};
use crate::config::{self, Config};
use crate::image::store::Store;
use crate::runtime::driver::DriverChoice;

/// What most commands need: the user's configuration and store.
pub struct Context {
    pub store: Store,
    pub driver: DriverChoice,
}

impl Context {
    pub fn open(global: &GlobalArgs) -> anyhow::Result<Self> {
        let config = Config::load()?;
        let store = Store::open(&config::data_root()?)?;
        Ok(Self {
            store,
            driver: global.storage_driver.unwrap_or(config.storage.driver),
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
        Command::Run(args) => run::run(global, args),
        Command::Ps(args) => container::ps(global, &args),
        Command::Rm(args) => container::rm(global, &args),
        Command::Images(args) => image::images(global, &args),
        Command::Import(args) => image::import(global, &args),
        Command::Load(args) => image::load(global, &args),
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
        Command::Monitor { root, id } => {
            let store = Store::open(&root).context("the container's store")?;
            match crate::container::monitor::run(&store, &id) {
                Ok(code) => Ok(code),
                Err(e) => {
                    eprintln!("Error: {e}");
                    Ok(e.exit_code())
                }
            }
        }
        Command::UsernsJob => Ok(crate::runtime::jobs::serve()),
    }
}
