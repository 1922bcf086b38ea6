//! The command line, defined once: parsing, `--help`, the man pages in `man/` and the shell
//! completions are all generated from these definitions.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::runtime::driver::DriverChoice;

#[derive(Debug, Parser)]
#[command(
    name = "nook",
    version,
    about = "Rootless, daemonless containers and sandboxes",
    long_about = "nook runs containers as an ordinary user: no root, no daemon. Images live under \
                  $XDG_DATA_HOME/nook; containers get a user namespace mapped from your \
                  /etc/subuid and /etc/subgid ranges, and a root filesystem stacked with overlayfs.\n\n\
                  Exit status: 125 when nook itself fails, 126 when the command cannot be \
                  executed, 127 when it is not found, otherwise the command's own status \
                  (128+N when signal N ended it).",
    after_help = "Run `nook doctor` to check that this machine has what rootless containers need."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// How container filesystems are stacked (default: `driver` under [storage] in
    /// config.toml, else auto: kernel overlayfs when a probe mount works, fuse-overlayfs otherwise)
    #[arg(
        long,
        global = true,
        value_enum,
        env = "NOOK_STORAGE_DRIVER",
        value_name = "DRIVER"
    )]
    pub storage_driver: Option<DriverChoice>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a command in a new container
    Run(RunArgs),
    /// List containers
    Ps(PsArgs),
    /// Remove containers
    Rm(RmArgs),
    /// List images
    Images(ImagesArgs),
    /// Create an image from a root filesystem tarball
    Import(ImportArgs),
    /// Load images from a docker-archive, oci-archive or OCI layout directory
    Load(LoadArgs),
    /// Check that this machine has what rootless containers need, and say how to fix what is missing
    Doctor,
    /// Print what nook knows about this machine and its store, as JSON
    Info,
    /// Print a shell completion script
    Completion(CompletionArgs),
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct RunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Keep standard input open and pass it to the container
    #[arg(short, long)]
    pub interactive: bool,
    /// Give the container a terminal (a pseudo-TTY that follows resizes)
    #[arg(short, long)]
    pub tty: bool,
    /// Set an environment variable (KEY alone takes its value from your environment)
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Read environment variables from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Working directory inside the container (created if missing)
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User to run as: a name or uid, optionally with :group or :gid
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Container host name (default: the first 12 digits of its id)
    #[arg(short = 'h', long, value_name = "NAME")]
    pub hostname: Option<String>,
    /// Override the image's ENTRYPOINT ("" clears it)
    #[arg(long, value_name = "COMMAND")]
    pub entrypoint: Option<String>,
    /// Mount the container's root filesystem read-only
    #[arg(long)]
    pub read_only: bool,
    /// With --read-only, mount writable tmpfs on /tmp, /var/tmp and /run
    #[arg(long, action = ArgAction::Set, default_value_t = true, value_name = "BOOL")]
    pub read_only_tmpfs: bool,
    /// Name the container
    #[arg(long)]
    pub name: Option<String>,
    /// Run a small init as PID 1 that forwards signals and reaps zombies
    #[arg(long)]
    pub init: bool,
    /// Add a Linux capability (e.g. NET_RAW, or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_add: Vec<String>,
    /// Drop a Linux capability (e.g. CHOWN, or ALL)
    #[arg(long, value_name = "CAP")]
    pub cap_drop: Vec<String>,
    /// Write the container id to this file
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// The image: a name (busybox, localhost/app:1.0) or an image id
    pub image: String,
    /// The command and its arguments (default: the image's ENTRYPOINT and CMD)
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default: running ones only)
    #[arg(short, long)]
    pub all: bool,
    /// Print container ids only
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate ids and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Stop running containers (SIGKILL) and remove them
    #[arg(short, long)]
    pub force: bool,
    /// Containers: names, ids or unique id prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Print image ids only
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate ids
    #[arg(long)]
    pub no_trunc: bool,
    /// Show manifest digests
    #[arg(long)]
    pub digests: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE,
    /// LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// Comment recorded in the image history
    #[arg(short, long)]
    pub message: Option<String>,
    /// Tarball of a root filesystem (plain, gzip or zstd); - reads standard input
    pub file: PathBuf,
    /// Name for the image (e.g. mytools:1.0; short names are local: localhost/mytools:1.0)
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Archive or OCI layout directory to read (default: standard input)
    #[arg(short, long, value_name = "ARCHIVE")]
    pub input: Option<PathBuf>,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

/// The clap command tree (for man pages and completions).
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
