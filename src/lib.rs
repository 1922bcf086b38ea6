//! nook: rootless, daemonless containers, dev shells and sandboxes.
//!
//! `unsafe` code lives only in [`sys`].
#![deny(unsafe_code)]

pub mod build;
pub mod cgroups;
pub mod cli;
pub mod commands;
pub mod compose;
pub mod config;
pub mod container;
pub mod doctor;
pub mod events;
pub mod image;
pub mod network;
pub mod profile;
pub mod progress;
pub mod registry;
pub mod runtime;
pub mod sandbox;
pub mod sys;
pub mod trust;

/// Parse the command line, run it, and return the process exit status: 125 for nook's own
/// errors (bad flags included, as docker does), otherwise what the command returned.
pub fn main_entry() -> i32 {
    // Whatever descriptors the caller leaked to us (an `flock` on your home, a shell's open
    // files) must reach no container or helper of ours: nook never needs one.
    let _ = sys::close_fds_except(&[]);
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(code) = commands::internal(&args) {
        return code;
    }
    // (Before the command line is parsed: see keeper_ahead.)
    let keeper_ahead = commands::run::keeper_ahead(&args);
    let cli = match cli::parse(&args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = match e.kind() {
                clap::error::ErrorKind::DisplayHelp
                | clap::error::ErrorKind::DisplayVersion
                | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => 125,
            };
            let _ = e.print();
            return code;
        }
    };
    match commands::dispatch(cli, keeper_ahead) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Error: {e:#}");
            125
        }
    }
}
