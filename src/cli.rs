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
    Run(Lazy<Box<RunArgs>>),
    /// Create a container without starting it
    Create(Lazy<Box<RunArgs>>),
    /// Start containers in the background
    Start(Lazy<StartArgs>),
    /// Stop containers: their stop signal, then SIGKILL after a grace period
    Stop(Lazy<StopArgs>),
    /// Stop and start containers again
    Restart(Lazy<StopArgs>),
    /// Send a signal to containers
    Kill(Lazy<KillArgs>),
    /// Wait for containers to exit and print their exit status
    Wait(Lazy<WaitArgs>),
    /// Show a container's output
    Logs(Lazy<LogsArgs>),
    /// Run a command in a running container
    Exec(Lazy<ExecArgs>),
    /// Follow a running container's output, and feed it your input (when it was started with
    /// -i); ctrl-p ctrl-q leaves it running
    Attach(Lazy<AttachArgs>),
    /// Show details of containers or images as JSON
    Inspect(Lazy<InspectArgs>),
    /// Copy files between a container and the host
    Cp(Lazy<CpArgs>),
    /// Rename a container
    Rename(Lazy<RenameArgs>),
    /// Show the processes of a container
    Top(Lazy<TopArgs>),
    /// Show a container's published ports
    Port(Lazy<PortArgs>),
    /// Make an image of a container: its image, what it changed on top, and how it ran
    Commit(Lazy<CommitArgs>),
    /// List what a container changed in its image's files (A added, C changed, D deleted)
    Diff(Lazy<ContainerArg>),
    /// Write a container's filesystem as a tar archive
    Export(Lazy<ExportArgs>),
    /// List containers
    Ps(Lazy<PsArgs>),
    /// Show what running containers use: CPU, memory, network, block I/O, processes
    Stats(Lazy<StatsArgs>),
    /// Freeze every process of containers (cgroup freezer)
    Pause(Lazy<ContainersArgs>),
    /// Thaw paused containers
    Unpause(Lazy<ContainersArgs>),
    /// Change the resource limits of containers, running or not
    Update(Lazy<UpdateArgs>),
    /// Remove containers
    Rm(Lazy<RmArgs>),
    /// Manage containers
    #[command(subcommand)]
    Container(Lazy<ContainerCommand>),
    // (`about` alone: a doc comment here would replace the long description of the arguments.)
    #[command(
        about = "Run a command in a sandbox: the host's system read-only, the project writable, \
                 no home, no network, no privileges"
    )]
    Sandbox(Lazy<SandboxArgs>),
    #[command(about = "Build an image from a Containerfile (or Dockerfile)")]
    Build(Lazy<BuildArgs>),
    /// Manage the build cache
    #[command(subcommand)]
    Builder(Lazy<BuilderCommand>),
    #[command(
        about = "Trust a project's nook.toml, so that what it opens in the sandbox's walls (and \
                 what a dev shell runs) is honoured for those exact contents; or list and forget \
                 trusted files"
    )]
    Trust(Lazy<TrustArgs>),
    #[command(
        about = "Enter a dev shell: a profile's tools (built once, then cached), as yourself, \
                 in your project"
    )]
    Shell(Lazy<ShellArgs>),
    #[command(
        about = "Resolve a profile and write its nook.lock, or check that the lock is current"
    )]
    Lock(Lazy<LockArgs>),
    /// List, show and check dev-shell profiles
    #[command(subcommand)]
    Profile(Lazy<ProfileCommand>),
    /// Manage volumes
    #[command(subcommand)]
    Volume(Lazy<VolumeCommand>),
    /// Manage user networks, on which containers reach each other by name
    #[command(subcommand)]
    Network(Lazy<NetworkCommand>),
    /// List images
    Images(Lazy<ImagesArgs>),
    /// Create an image from a root filesystem tarball
    Import(Lazy<ImportArgs>),
    /// Load images from a docker-archive, oci-archive or OCI layout directory
    Load(Lazy<LoadArgs>),
    /// Pull an image from a registry
    Pull(Lazy<PullArgs>),
    /// Log in to a registry (credentials go to ~/.config/nook/auth.json)
    Login(Lazy<LoginArgs>),
    /// Log out of a registry
    Logout(Lazy<LogoutArgs>),
    /// Push an image to a registry
    Push(Lazy<PushArgs>),
    /// Give an image another name
    Tag(Lazy<TagArgs>),
    /// Remove images (and what no other image or container uses)
    Rmi(Lazy<RmiArgs>),
    /// Write images to a docker-archive or oci-archive
    Save(Lazy<SaveArgs>),
    /// Show how an image was made, layer by layer
    History(Lazy<HistoryArgs>),
    /// Manage images
    #[command(subcommand)]
    Image(Lazy<ImageCommand>),
    /// Manage nook's store
    #[command(subcommand)]
    System(Lazy<SystemCommand>),
    /// Check that this machine has what rootless containers need, and say how to fix what is missing
    Doctor,
    /// Print what nook knows about this machine and its store, as JSON
    Info(Lazy<InfoArgs>),
    /// Print nook's version (docker's shape: Client and Server, which are both nook)
    Version(Lazy<VersionArgs>),
    /// Show what happened to containers, images, volumes and networks, as it happens
    Events(Lazy<EventsArgs>),
    /// Run a container's health check now
    #[command(subcommand)]
    Healthcheck(Lazy<HealthcheckCommand>),
    /// Run multi-container applications from compose files
    Compose(Lazy<ComposeArgs>),
    /// Print a shell completion script
    Completion(Lazy<CompletionArgs>),
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
    /// keep-id: your uid and gid are the same inside (or keep-id:uid=N,gid=N: those are
    /// you), so files you own on the host are yours inside; the command runs as you, with a
    /// line for you in /etc/passwd
    #[arg(long, value_name = "MODE")]
    pub userns: Option<String>,
    /// The pid namespace: private (the default: the container sees only its own processes)
    /// or host (it sees, and may signal, those of yours on the host)
    #[arg(long, value_name = "MODE")]
    pub pid: Option<String>,
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
    /// seccomp=unconfined|PROFILE.json (docker's format; default: docker's default profile),
    /// no-new-privileges[=true|false]
    #[arg(long, value_name = "OPTION")]
    pub security_opt: Vec<String>,
    /// Every capability of the container's user namespace, no seccomp filter, no masked
    /// kernel paths (the host stays as protected as from any process of yours)
    #[arg(long)]
    pub privileged: bool,
    /// Write the container id to this file
    #[arg(long, value_name = "FILE")]
    pub cidfile: Option<PathBuf>,
    /// Run in the background and print the container id
    #[arg(short, long)]
    pub detach: bool,
    /// Restart policy, carried out by the container's monitor: no, always, on-failure[:MAX]
    #[arg(long, default_value = "no", value_name = "POLICY")]
    pub restart: String,
    /// Mount a volume or host path (a missing host directory is created)
    #[arg(
        short = 'v',
        long = "volume",
        value_name = "[SOURCE:]TARGET[:ro|rw|nocopy]"
    )]
    pub volumes: Vec<String>,
    /// Mount, docker style: type=bind|volume|tmpfs,source=...,target=...[,readonly]
    #[arg(long = "mount", value_name = "SPEC")]
    pub mounts: Vec<String>,
    /// Mount a tmpfs
    #[arg(long, value_name = "PATH[:size=SIZE,mode=MODE]")]
    pub tmpfs: Vec<String>,
    /// Add a supplementary group (a name in the image's /etc/group, or a number); keep-groups
    /// keeps your own instead (files of your groups stay open to you; inside they show as
    /// nogroup)
    #[arg(long = "group-add", value_name = "GROUP")]
    pub group_add: Vec<String>,
    /// Give the container a host device, or a directory of them (bound in: what it may do
    /// with it is what the device's permissions let you do)
    #[arg(long = "device", value_name = "HOST[:CONTAINER][:PERMISSIONS]")]
    pub devices: Vec<String>,
    /// Signal `stop` sends first (default: the image's STOPSIGNAL, else SIGTERM)
    #[arg(long, value_name = "SIGNAL")]
    pub stop_signal: Option<String>,
    /// Seconds `stop` waits after the stop signal before SIGKILL, unless it is given -t
    /// (default 10)
    #[arg(long, value_name = "SECONDS")]
    pub stop_timeout: Option<u64>,
    /// Set a label
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Size of /dev/shm (64m by default, as docker's)
    #[arg(long, value_name = "SIZE")]
    pub shm_size: Option<String>,
    /// A resource limit of its processes: NAME=SOFT[:HARD], e.g. nofile=1024:2048 (-1:
    /// unlimited); no higher than your own hard limit
    #[arg(long = "ulimit", value_name = "NAME=SOFT[:HARD]")]
    pub ulimits: Vec<String>,
    /// Read labels from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub label_file: Vec<PathBuf>,
    /// Set a kernel setting of the container's own namespaces: net.* (not with --network
    /// host), kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*
    #[arg(long = "sysctl", value_name = "KEY=VALUE")]
    pub sysctls: Vec<String>,
    /// Where the output goes: the container's log file (json-file, k8s-file and local all
    /// mean it) or none (kept nowhere; `logs` shows nothing)
    #[arg(long, value_name = "DRIVER")]
    pub log_driver: Option<String>,
    /// Bound the log: max-size=SIZE (20m by default) and max-file=N (5): past the size it
    /// moves to an older file, and only N files are kept
    #[arg(long = "log-opt", value_name = "KEY=VALUE")]
    pub log_opts: Vec<String>,
    /// The network: pasta (its own, connected through pasta; the default), none, host,
    /// container:NAME (another container's), or a user network's name (`nook network
    /// create`); repeat it (or separate names with commas) to join several user networks
    #[arg(
        long,
        visible_alias = "net",
        value_name = "NETWORK",
        value_delimiter = ','
    )]
    pub network: Vec<String>,
    /// Publish a port on the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp], ranges allowed
    /// (8000-8010:80-90); without HOSTPORT, a free one
    #[arg(
        short = 'p',
        long = "publish",
        value_name = "[IP:][HOSTPORT:]PORT[/PROTO]"
    )]
    pub publish: Vec<String>,
    /// Publish every port the image exposes, each on a free host port
    #[arg(short = 'P', long)]
    pub publish_all: bool,
    /// A nameserver for the container (instead of the default)
    #[arg(long, value_name = "IP")]
    pub dns: Vec<String>,
    /// A DNS search domain for the container ("." for none)
    #[arg(long, value_name = "DOMAIN")]
    pub dns_search: Vec<String>,
    /// A resolver option for the container (e.g. ndots:2)
    #[arg(long, value_name = "OPTION")]
    pub dns_option: Vec<String>,
    /// Add a line to the container's /etc/hosts; IP may be host-gateway (the host, with
    /// --host-loopback)
    #[arg(long, value_name = "NAME:IP")]
    pub add_host: Vec<String>,
    /// Let the container reach services bound to the host's loopback (127.0.0.1), through
    /// its gateway as host.containers.internal (default: no, or `host_loopback` under
    /// [network] in config.toml)
    #[arg(
        long,
        value_name = "BOOL",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true"
    )]
    pub host_loopback: Option<bool>,
    /// Another name the container has on its user network
    #[arg(long, value_name = "NAME")]
    pub network_alias: Vec<String>,
    #[command(flatten)]
    pub resources: ResourceArgs,
    #[command(flatten)]
    pub health: HealthArgs,
    /// Who makes the container's cgroup (default: systemd when your user manager runs,
    /// else cgroupfs in a delegated subtree)
    #[arg(long, value_enum, value_name = "MANAGER")]
    pub cgroup_manager: Option<crate::cgroups::ManagerKind>,
    /// disabled: no cgroup, so no limits, stats or pause (default: `cgroups` under
    /// [containers] in config.toml, else enabled)
    #[arg(long, value_enum, value_name = "MODE")]
    pub cgroups: Option<crate::cgroups::CgroupsMode>,
    /// When to pull the image from its registry
    #[arg(long, value_enum, default_value_t = PullPolicy::Missing, value_name = "WHEN")]
    pub pull: PullPolicy,
    /// Platform to pull, if pulling (default: this machine's)
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
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
#[command(
    long_about = "Run a command (a build step, an install hook, a test suite) so that it cannot \
                  read your secrets, write outside the project, reach the network or take the \
                  machine down. It sees the host's /usr, /bin, /lib*, /etc and /opt read-only \
                  (or an image's root filesystem), the current directory writable at its own \
                  path, a private /tmp and an empty private home; only lo; no capabilities, \
                  no_new_privs, a session of its own, a seccomp filter, and Landlock where the \
                  kernel has it. A [sandbox] section in the project's nook.toml (here or in a \
                  directory above) sets defaults: ro, rw, net, env_keep, env_clear, env, \
                  timeout, memory, pids_limit, image.\n\nExit status: the command's; 124 at \
                  the timeout; 125 when nook fails; 126 and 127 as docker's.",
    after_help = "Examples:\n  nook sandbox -- make\n  nook sandbox --ro ~/.cargo/registry --rw \
                  ~/.cargo/git -- cargo build --offline\n  nook sandbox --net --timeout 10m -- \
                  npm ci\n  nook sandbox --explain -- ./configure"
)]
pub struct SandboxArgs {
    /// Show a host path read-only, at the same path
    #[arg(long = "ro", value_name = "PATH")]
    pub ro: Vec<PathBuf>,
    /// Show a host path writable, at the same path
    #[arg(long = "rw", value_name = "PATH")]
    pub rw: Vec<PathBuf>,
    /// Let it reach the network, through pasta (default: only lo)
    #[arg(long)]
    pub net: bool,
    /// With --net, let it reach services bound to the host's loopback too (default: never)
    #[arg(long, requires = "net")]
    pub host_loopback: bool,
    /// Use this image's root filesystem instead of the host's system
    #[arg(long, value_name = "IMAGE")]
    pub image: Option<String>,
    /// Pass this variable from your environment too (NAME, or a prefix: NAME*)
    #[arg(long, value_name = "NAME")]
    pub env_keep: Vec<String>,
    /// Pass no variable of yours but PATH (HOME, PWD and TMPDIR are the sandbox's)
    #[arg(long)]
    pub env_clear: bool,
    /// Set a variable
    #[arg(short, long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Stop it after this long (30s, 10m, 2h): exit 124
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Bound its memory (512m, 2g): in all, without swap, in a cgroup of its own where one is
    /// delegated; else the address space of each process
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Bound its number of processes (in a cgroup of its own where one is delegated)
    #[arg(long, value_name = "N")]
    pub pids_limit: Option<u64>,
    /// Read the policy from this file instead of the nearest nook.toml (you name it, so it
    /// needs no `nook trust`)
    #[arg(long, value_name = "FILE", conflicts_with = "no_project")]
    pub config: Option<PathBuf>,
    /// Ignore the project's nook.toml
    #[arg(long)]
    pub no_project: bool,
    /// Let the command write the files your tools run code from (.git, .hg, .jj, .envrc,
    /// .direnv, .vscode, .idea, .devcontainer), read-only by default
    #[arg(long)]
    pub unprotect_tool_files: bool,
    /// Print the walls it would run behind, and run nothing
    #[arg(long)]
    pub explain: bool,
    /// The command and its arguments
    #[arg(trailing_var_arg = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
#[command(
    long_about = "A project's nook.toml may open the sandbox's walls (show more of your files, \
                  let the network in, pass your environment). Since the code it confines could \
                  have written it, nook honours that only from a file you own and have trusted: \
                  read it, then `nook trust`. The trust holds for that path and those exact \
                  contents (SHA-256); any change needs it again. What only tightens the walls \
                  (limits, a timeout) is honoured without trust."
)]
pub struct TrustArgs {
    /// List the files you trust
    #[arg(long, conflicts_with_all = ["forget", "file"])]
    pub list: bool,
    /// Forget FILE: what it opens is no longer honoured
    #[arg(long)]
    pub forget: bool,
    /// The file (default: the nook.toml the sandbox would use here)
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Enter a dev shell: the environment a TOML profile describes (a base image, \
                  packages, set-up steps, variables), built once with nook build's step \
                  engine and cached step by step, then entered in milliseconds. Inside you are \
                  yourself (your name, uid and gid; files you make in the project are yours), \
                  the project is at its own path, and your home is the profile's own volume \
                  (your real home stays out unless the profile says home = \"host\"). The \
                  profile is the project's nook.toml (here or above), a file you name, or a \
                  profile by name: yours in ~/.config/nook/profiles, or one of nook's (debian, \
                  c, python, rust, node). What it resolved to is pinned in nook.lock. A \
                  project's profile is used only once you trust it (`nook trust`).\n\n\
                  Profile format (schema = 1): description; extends = [\"NAME\", ...]; \
                  [base] image; [packages] install = [...] (apt, apk or dnf, as the image has); \
                  [[setup]] name, run, inputs = [project files, hashed into the step's key, \
                  shown under /nook/inputs where it runs], env, network = true|false, cache = \
                  [directories kept between builds, never in the layer]; [env] (with $VAR \
                  from the image and your environment); [user] home = \"volume\" | \"host\" | \
                  \"tmpfs\", shell; [workspace] mount = \"git-root\" | \"dir\" | \"none\", \
                  readonly; [network] mode = \"pasta\" | \"none\" | \"host\", ports, \
                  host_loopback; [user] dotfiles = [\"~/.gitconfig\", ...]; [[mount]] type = \
                  \"bind\" | \"volume\" | \"tmpfs\", source, target, readonly; [cache] NAME = \
                  \"PATH\" (volumes shared by your profiles); [hooks] on_home_create, on_enter; \
                  [tasks.NAME] run, depends, description (nook shell -t NAME); [limits] memory, \
                  cpus, pids; [host] ssh_agent, timezone, locale, display, gpu; [sandbox] level = \
                  \"standard\" | \"strict\" | \"none\" (and nook sandbox's policy). Unknown keys are refused. Two shells of one profile share one \
                  session (localhost, /tmp, processes); the last one out ends it.\n\n\
                  Exit status: the command's (or the shell's); 125 when nook fails.",
    after_help = "Examples:\n  nook shell\n  nook shell rust\n  nook shell -- make test\n  \
                  nook shell --locked -- cargo test"
)]
pub struct ShellArgs {
    /// Use only what nook.lock pins: refuse to enter when the profile and its lock differ
    #[arg(long)]
    pub locked: bool,
    /// Let set-up steps and the shell reach services on this machine's loopback (a package
    /// mirror or proxy of yours)
    #[arg(long)]
    pub host_loopback: bool,
    /// Run the profile's task NAME (after the tasks it depends on) instead of a shell
    #[arg(short, long, value_name = "NAME", conflicts_with = "command")]
    pub task: Option<String>,
    /// The profile: a name (nook profile ls), a file, or a directory with a nook.toml
    /// (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
    /// A command to run instead of the shell (its exit status is nook's)
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Resolve a profile (its base image to a digest, its packages to versions, \
                  each step to a key), build what is not built yet, and write nook.lock next \
                  to the project's nook.toml (for a profile named, in nook's data directory). \
                  With --check, build nothing and exit 1 when the lock is missing or does not \
                  match the profile (for CI)."
)]
pub struct LockArgs {
    /// Exit 1, saying what differs, when the lock does not match the profile
    #[arg(long, conflicts_with = "update")]
    pub check: bool,
    /// Resolve again and write the lock: the base pulled anew, package sets to the versions
    /// the mirror has now, set-up steps run anew. With =LAYER (base, packages, packages:FROM
    /// or a set-up step's name), only from that layer on
    #[arg(long, value_name = "LAYER", num_args = 0..=1, require_equals = true)]
    pub update: Option<Option<String>>,
    /// Let set-up steps reach services on this machine's loopback
    #[arg(long)]
    pub host_loopback: bool,
    /// The profile (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// List the profiles you can enter by name: yours, then nook's
    Ls,
    /// Show a profile with what it extends folded in, and where each part comes from
    Show(ProfileArgs),
    /// Check a profile (syntax, keys, values, what it extends) without building it
    Check(ProfileArgs),
    /// Build a profile again, every step (or those from --from on) run anew, the lock's
    /// versions kept
    Rebuild(ProfileRebuildArgs),
    /// Remove a profile's built image and records (its home volume too, with --home)
    Rm(ProfileRmArgs),
    /// Remove what profiles left that nothing uses any more (everything built, with --all);
    /// homes and locks stay
    Prune(ProfilePruneArgs),
    /// Push a profile's built image to a registry, for teammates and CI to pull
    Push(ProfileImageArgs),
    /// Pull a profile's image that someone built (nook profile push) and use it: its layers
    /// must be the ones the profile's lock records
    Pull(ProfileImageArgs),
}

#[derive(Debug, Args)]
pub struct ProfileImageArgs {
    /// Where the image is (registry/repository:tag)
    #[arg(value_name = "REFERENCE")]
    pub reference: String,
    /// The profile (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
    /// No progress
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ProfileRebuildArgs {
    /// Let set-up steps reach services on this machine's loopback
    #[arg(long)]
    pub host_loopback: bool,
    /// Run again only from this layer on (packages, packages:FROM or a set-up step's name)
    #[arg(long, value_name = "LAYER")]
    pub from: Option<String>,
    /// The profile (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProfileRmArgs {
    /// Remove the profile's home volume too (what you kept in its home is lost)
    #[arg(long)]
    pub home: bool,
    /// The profile (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
pub struct ProfilePruneArgs {
    /// Remove every profile's image and records, not only the unused ones
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct ProfileArgs {
    /// The profile (default: the project's nook.toml, here or above)
    #[arg(value_name = "PROFILE")]
    pub profile: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Build an image from a Containerfile (or Dockerfile) and a context directory, \
                  rootless: each RUN runs in a container with the same walls as `nook run`, \
                  each step is cached by its instruction, the build args it sees and the \
                  content of what it copies, and the image is tagged only when the build \
                  succeeds.",
    after_help = "Examples:\n  nook build -t app:1.0 .\n  nook build -f Dockerfile.dev --target \
                  test --build-arg VERSION=2 .\n  tar -c . | nook build -t app -\n  \
                  nook build -t tool - < Containerfile"
)]
pub struct BuildArgs {
    /// Name the image (repeatable)
    #[arg(short, long = "tag", value_name = "NAME[:TAG]")]
    pub tags: Vec<String>,
    /// The Containerfile (default: CONTEXT/Containerfile, else CONTEXT/Dockerfile); - reads it
    /// from standard input
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Set a build arg (KEY alone takes your environment's value)
    #[arg(long = "build-arg", value_name = "KEY[=VALUE]")]
    pub build_args: Vec<String>,
    /// Build this stage (and what it needs), not the last
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Run every step, using no cache
    #[arg(long)]
    pub no_cache: bool,
    /// When to pull base images (--pull alone: always)
    #[arg(
        long,
        value_enum,
        default_value_t = PullPolicy::Missing,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "always",
        value_name = "WHEN"
    )]
    pub pull: PullPolicy,
    /// The network of RUN steps: pasta (the default), none or host
    #[arg(long, value_name = "NETWORK", default_value = "pasta")]
    pub network: String,
    /// Let RUN steps reach services bound to the host's loopback, through their gateway as
    /// host.containers.internal, and ADD fetch from this machine's own addresses
    #[arg(long)]
    pub host_loopback: bool,
    /// The platform to build for (only this machine's)
    #[arg(long, value_name = "OS/ARCH")]
    pub platform: Option<String>,
    /// Add a label to the image
    #[arg(long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Write the image's id to this file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Print only the image's id (a failing step's output still shows)
    #[arg(short, long)]
    pub quiet: bool,
    /// A secret for RUN --mount=type=secret: id=NAME,src=FILE (never in the image)
    #[arg(long = "secret", value_name = "id=NAME,src=FILE")]
    pub secrets: Vec<String>,
    /// Times in the image no later than this (seconds since 1970; default:
    /// $SOURCE_DATE_EPOCH): two builds of the same context give the same image
    #[arg(long, value_name = "SECONDS", env = "SOURCE_DATE_EPOCH")]
    pub timestamp: Option<u64>,
    /// The build context: a directory, or - (a tar, or a Containerfile alone, on standard
    /// input)
    #[arg(value_name = "CONTEXT")]
    pub context: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum BuilderCommand {
    /// Remove the build cache (its layers go when no image uses them)
    Prune(BuilderPruneArgs),
}

#[derive(Debug, Args)]
pub struct BuilderPruneArgs {
    /// Do not ask (nook never asks; accepted for docker's sake)
    #[arg(short, long)]
    pub force: bool,
    /// Everything (the default: the cache has nothing else)
    #[arg(short, long)]
    pub all: bool,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Stay attached: show the output and exit with the container's status
    #[arg(short, long)]
    pub attach: bool,
    /// Containers: names, ids or unique id prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Seconds to wait after the stop signal before SIGKILL (default: the container's
    /// --stop-timeout, else 10)
    #[arg(short, long, value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Containers: names, ids or unique id prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KillArgs {
    /// The signal (name or number). With KILL, kill returns once the containers have stopped
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    /// Containers: names, ids or unique id prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Containers: names, ids or unique id prefixes
    #[arg(required = true, value_name = "CONTAINER")]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Keep printing new output until the container stops
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines
    #[arg(short = 'n', long, value_name = "N")]
    pub tail: Option<usize>,
    /// Only output since a time (RFC 3339) or for a duration back (e.g. 10m, 2h)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Prefix each line with its time
    #[arg(short, long)]
    pub timestamps: bool,
    /// The container
    pub container: String,
}

#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct ExecArgs {
    /// Start the command and return: it runs on in the container, its output discarded
    #[arg(short, long, conflicts_with_all = ["interactive", "tty"])]
    pub detach: bool,
    /// Keep standard input open and pass it to the command
    #[arg(short, long)]
    pub interactive: bool,
    /// Give the command a terminal
    #[arg(short, long)]
    pub tty: bool,
    /// Set an environment variable (KEY alone takes its value from your environment)
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Read environment variables from a file of KEY=VALUE lines
    #[arg(long, value_name = "FILE")]
    pub env_file: Vec<PathBuf>,
    /// Working directory (default: the container's)
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// User to run as (default: the container's)
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// The container
    pub container: String,
    /// The command and its arguments
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CpArgs {
    /// What to copy: a host path, or CONTAINER:PATH
    pub source: String,
    /// Where to: a host path, or CONTAINER:PATH
    pub destination: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The container
    pub container: String,
    /// Its new name
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ComposeArgs {
    /// A compose file (repeat to merge several, later ones over earlier ones; default:
    /// compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml here or above)
    #[arg(short, long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The project's name (default: COMPOSE_PROJECT_NAME, the file's `name:`, or the
    /// directory's)
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project: Option<String>,
    /// Read variables from this file instead of .env beside the compose file
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Run the services of this profile too
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    #[command(subcommand)]
    pub command: ComposeCommand,
}

#[derive(Debug, Subcommand)]
pub enum ComposeCommand {
    /// Print the project as nook reads it: files merged, variables filled in, extensions gone
    Config(ComposeConfigArgs),
    /// Create and start the services' containers (networks and volumes first; a service
    /// after those it depends on); unchanged ones are left running
    Up(ComposeUpArgs),
    /// Stop and remove the project's containers and networks (and with -v its volumes)
    Down(ComposeDownArgs),
    /// List the project's containers
    Ps(ComposePsArgs),
    /// Show the services' output, each line prefixed with its container
    Logs(ComposeLogsArgs),
    /// Run a command in a service's running container
    #[command(disable_help_flag = true)]
    Exec(ComposeExecArgs),
    /// Run a one-off command in a new container of a service (its dependencies started first)
    #[command(disable_help_flag = true)]
    Run(ComposeRunArgs),
    /// Start the services' existing containers
    Start(ComposeServicesArgs),
    /// Stop the services' containers
    Stop(ComposeStopArgs),
    /// Stop and start the services' containers
    Restart(ComposeStopArgs),
    /// Send a signal to the services' containers
    Kill(ComposeKillArgs),
    /// Freeze the services' containers
    Pause(ComposeServicesArgs),
    /// Thaw the services' containers
    Unpause(ComposeServicesArgs),
    /// Remove the services' stopped containers
    Rm(ComposeRmArgs),
    /// List the compose projects that have containers
    Ls,
    /// Build the images of the services that have `build:`
    Build(ComposeServicesArgs),
    /// Pull the services' images
    Pull(ComposeServicesArgs),
    /// Push the images of the services that name one (`image:`) to their registries
    Push(ComposePushArgs),
    /// List the images the project's containers run
    Images(ComposeServicesArgs),
    /// Show the processes of the services' running containers
    Top(ComposeServicesArgs),
    /// Print the host address a service's port is published on
    Port(ComposePortArgs),
    /// Follow a service's container's output (and pass it your input if it was started
    /// with stdin_open)
    Attach(ComposeAttachArgs),
}

#[derive(Debug, Args)]
pub struct ComposeAttachArgs {
    /// Which replica (default 1)
    #[arg(long, default_value_t = 1)]
    pub index: usize,
    #[command(flatten)]
    pub how: AttachOptions,
    /// The service
    pub service: String,
}

#[derive(Debug, Args)]
pub struct ComposePortArgs {
    /// Which replica (default 1)
    #[arg(long, default_value_t = 1)]
    pub index: usize,
    /// The service
    pub service: String,
    /// The port in the container: PORT[/tcp|/udp]
    pub port: String,
}

#[derive(Debug, Args)]
pub struct ComposePushArgs {
    /// Go on with the other images when one cannot be pushed (and exit 0)
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeServicesArgs {
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeStopArgs {
    /// Seconds to wait before SIGKILL
    #[arg(short = 't', long = "timeout", value_name = "SECONDS")]
    pub time: Option<u64>,
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeKillArgs {
    /// The signal (default SIGKILL)
    #[arg(short, long, default_value = "KILL")]
    pub signal: String,
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeRmArgs {
    /// Stop them first if they run
    #[arg(short, long)]
    pub stop: bool,
    /// Do not ask (nook never asks; accepted for docker compose's sake)
    #[arg(short, long)]
    pub force: bool,
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeExecArgs {
    /// No terminal, even when standard input is one
    #[arg(short = 'T', long = "no-tty")]
    pub no_tty: bool,
    /// Start the command and return
    #[arg(short, long)]
    pub detach: bool,
    /// Set an environment variable
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Run as this user
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Working directory inside
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Which replica (default 1)
    #[arg(long, default_value_t = 1)]
    pub index: usize,
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// The service
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeRunArgs {
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Run it in the background and print its id
    #[arg(short, long)]
    pub detach: bool,
    /// No terminal, even when standard input is one
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Set an environment variable
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Run as this user
    #[arg(short, long, value_name = "USER[:GROUP]")]
    pub user: Option<String>,
    /// Working directory inside
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Publish the service's ports too
    #[arg(long)]
    pub service_ports: bool,
    /// Do not start the services it depends on
    #[arg(long)]
    pub no_deps: bool,
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    pub help: Option<bool>,
    /// The service
    pub service: String,
    /// The command and its arguments (default: the service's)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeConfigArgs {
    /// Print the services' names only
    #[arg(long)]
    pub services: bool,
    /// Print the volumes' names only
    #[arg(long)]
    pub volumes: bool,
}

#[derive(Debug, Args)]
pub struct ComposeUpArgs {
    /// Start them and return (otherwise follow their output until they all stop)
    #[arg(short, long)]
    pub detach: bool,
    /// Make every container anew, changed or not
    #[arg(long)]
    pub force_recreate: bool,
    /// Build the images of services with `build:` first, even when they exist
    #[arg(long)]
    pub build: bool,
    /// Not the services they depend on
    #[arg(long)]
    pub no_deps: bool,
    /// Run N replicas of SERVICE (instead of its deploy.replicas)
    #[arg(long, value_name = "SERVICE=N")]
    pub scale: Vec<String>,
    /// With -d: return once every container runs and those with a health check are
    /// healthy (exit 1 if one exits or turns unhealthy)
    #[arg(long)]
    pub wait: bool,
    /// How long --wait waits, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    pub wait_timeout: u64,
    /// Only these services (and those they depend on)
    pub services: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeDownArgs {
    /// Remove the named volumes the file declares, and anonymous volumes
    #[arg(short, long)]
    pub volumes: bool,
    /// Remove containers of services no longer in the file too
    #[arg(long)]
    pub remove_orphans: bool,
    /// Seconds each container gets to stop before SIGKILL (default: its stop_grace_period,
    /// else 10)
    #[arg(short = 't', long = "timeout", value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ComposePsArgs {
    /// Stopped containers too
    #[arg(short, long)]
    pub all: bool,
    /// Print container ids only
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the services' names only
    #[arg(long)]
    pub services: bool,
    /// table, json (an object per line, as docker compose prints it), or a Go template
    /// (`{{.Name}}`, `{{.Service}}`, `{{.State}}`, `{{.Status}}`, `{{.Ports}}`, ...)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Only these services
    #[arg(value_name = "SERVICES")]
    pub only: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ComposeLogsArgs {
    /// Keep printing new output until the containers stop
    #[arg(short, long)]
    pub follow: bool,
    /// Only the last N lines of each container (or "all")
    #[arg(short = 'n', long, value_name = "N", default_value = "all")]
    pub tail: String,
    /// Print each line's time before it
    #[arg(short, long)]
    pub timestamps: bool,
    /// Lines since this time (RFC 3339, a Unix time, or a duration such as 10m before now)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Do not colour the prefixes (they are coloured only on a terminal)
    #[arg(long)]
    pub no_color: bool,
    /// Print the lines without the container's name before them
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Only these services
    pub services: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum HealthcheckCommand {
    /// Run the container's health check once and record the result: exit 0 when it passed,
    /// 1 when it failed
    Run(ContainerArg),
}

#[derive(Debug, Args)]
pub struct AttachArgs {
    #[command(flatten)]
    pub how: AttachOptions,
    /// The container
    pub container: String,
}

/// How `attach` (and `compose attach`) connects you.
#[derive(Debug, Args)]
pub struct AttachOptions {
    /// Do not pass your input to the container
    #[arg(long)]
    pub no_stdin: bool,
    /// Pass the signals you get (SIGINT, SIGTERM, ...) on to the container (not with a
    /// terminal, whose keys reach it directly)
    #[arg(long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub sig_proxy: bool,
    /// The keys that leave the container running and end the attach: ctrl-LETTER or
    /// characters, comma-separated
    #[arg(long, default_value = "ctrl-p,ctrl-q", value_name = "KEYS")]
    pub detach_keys: String,
}

#[derive(Debug, Args)]
pub struct ContainerArg {
    /// The container
    pub container: String,
}

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Who made the image
    #[arg(short, long)]
    pub author: Option<String>,
    /// Apply a Containerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE,
    /// LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL)
    #[arg(short, long, value_name = "INSTRUCTION")]
    pub change: Vec<String>,
    /// Comment recorded in the image history
    #[arg(short, long)]
    pub message: Option<String>,
    /// Freeze a running container while its files are read (needs its cgroup)
    #[arg(short, long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub pause: bool,
    /// The container
    pub container: String,
    /// Name for the image (e.g. myapp:1.0; short names are local: localhost/myapp:1.0)
    pub reference: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The container
    pub container: String,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The container
    pub container: String,
    /// Only this port: PORT[/tcp|/udp]
    pub port: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum NetworkCommand {
    /// Create a network
    Create(NetworkCreateArgs),
    /// List networks
    Ls(NetworkLsArgs),
    /// Show details of networks (and their running members) as JSON
    Inspect(InspectArgs),
    /// Remove networks (not while a container is on them)
    Rm(NetworkNamesArgs),
    /// Remove every network no container is on
    Prune,
}

#[derive(Debug, Args)]
pub struct NetworkCreateArgs {
    /// The IPv4 subnet, e.g. 10.90.0.0/24 (default: a free /24 in 10.89.0.0/16)
    #[arg(long, value_name = "CIDR")]
    pub subnet: Option<String>,
    /// Members reach only each other: no way out, no published ports
    #[arg(long)]
    pub internal: bool,
    /// Set a label
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// The network's name
    pub name: String,
}

#[derive(Debug, Args)]
pub struct NetworkLsArgs {
    /// Print names only
    #[arg(short, long)]
    pub quiet: bool,
    /// Only networks that match: name=PART, id=PREFIX, driver=, type=builtin|custom,
    /// label=KEY[=VALUE]
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// table (the default), json, or a Go template ('{{.Name}}'; 'table ...' with a header
    /// row)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct NetworkNamesArgs {
    /// Networks
    #[arg(required = true, value_name = "NETWORK")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print one sample and exit
    #[arg(long)]
    pub no_stream: bool,
    /// table (default), json (one object per container and sample), or a Go template
    /// ('{{.Name}} {{.CPUPerc}}'; 'table ...' with a header row)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The containers (default: all running ones)
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ContainersArgs {
    /// The containers
    #[arg(required = true)]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub resources: ResourceArgs,
    /// The containers
    #[arg(required = true)]
    pub containers: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TopArgs {
    /// The container
    pub container: String,
}

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// List containers
    Ls(PsArgs),
    /// Run a command in a new container
    Run(Box<RunArgs>),
    /// Create a container without starting it
    Create(Box<RunArgs>),
    /// Start containers in the background
    Start(StartArgs),
    /// Stop containers: their stop signal, then SIGKILL after a grace period
    Stop(StopArgs),
    /// Stop and start containers again
    Restart(StopArgs),
    /// Send a signal to containers
    Kill(KillArgs),
    /// Wait for containers to exit and print their exit status
    Wait(WaitArgs),
    /// Show a container's output
    Logs(LogsArgs),
    /// Run a command in a running container
    Exec(ExecArgs),
    /// Follow a running container's output, and feed it your input (when it was started with
    /// -i); ctrl-p ctrl-q leaves it running
    Attach(AttachArgs),
    /// Copy files between a container and the host
    Cp(CpArgs),
    /// Rename a container
    Rename(RenameArgs),
    /// Show the processes of a container
    Top(TopArgs),
    /// Show a container's published ports
    Port(PortArgs),
    /// Make an image of a container: its image, what it changed on top, and how it ran
    Commit(CommitArgs),
    /// List what a container changed in its image's files (A added, C changed, D deleted)
    Diff(ContainerArg),
    /// Write a container's filesystem as a tar archive
    Export(ExportArgs),
    /// Show details of containers as JSON
    Inspect(InspectArgs),
    /// Remove containers
    Rm(RmArgs),
    /// Remove all stopped containers
    Prune,
}

#[derive(Debug, Subcommand)]
pub enum VolumeCommand {
    /// Create a volume
    Create(VolumeCreateArgs),
    /// List volumes
    Ls(VolumeLsArgs),
    /// Show details of volumes as JSON
    Inspect(InspectArgs),
    /// Remove volumes (not while a container uses them)
    Rm(VolumeRmArgs),
    /// Remove volumes no container uses (anonymous ones, or all with --all)
    Prune(VolumePruneArgs),
}

#[derive(Debug, Args)]
pub struct VolumePruneArgs {
    /// Remove named volumes too, not just anonymous ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not ask (nook never asks; accepted for docker's sake)
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VolumeCreateArgs {
    /// Set a label
    #[arg(short = 'l', long = "label", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// The name (default: a random one)
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct VolumeLsArgs {
    /// Print names only
    #[arg(short, long)]
    pub quiet: bool,
    /// table (the default), json, or a Go template ('{{.Name}}'; 'table ...' with a header
    /// row)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct VolumeRmArgs {
    /// Say nothing of volumes that do not exist
    #[arg(short, long)]
    pub force: bool,
    /// Volumes
    #[arg(required = true, value_name = "VOLUME")]
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullPolicy {
    /// Pull even if the image is here
    Always,
    /// Pull only if the image is not here
    Missing,
    /// Never pull: fail if the image is not here
    Never,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Platform to pull from a multi-platform image (default: this machine's)
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Print only the image id
    #[arg(short, long)]
    pub quiet: bool,
    /// The image: [registry/]name[:tag|@digest] (short names use the default registry)
    pub reference: String,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// User name (asked for on a terminal when not given)
    #[arg(short, long)]
    pub username: Option<String>,
    /// Password (visible in the process list: prefer --password-stdin)
    #[arg(short, long)]
    pub password: Option<String>,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// The registry, as host[:port]
    pub registry: String,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The registry, as host[:port]
    pub registry: String,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// List images
    Ls(ImagesArgs),
    /// Show images' details as JSON
    Inspect(InspectArgs),
    /// Remove unused images
    Prune(PruneArgs),
    /// Remove images
    Rm(RmiArgs),
    /// Give an image another name
    Tag(TagArgs),
    /// Show how an image was made, layer by layer
    History(HistoryArgs),
    /// Pull an image from a registry
    Pull(PullArgs),
    /// Push an image to a registry
    Push(PushArgs),
    /// Write images to a docker-archive or oci-archive
    Save(SaveArgs),
    /// Load images from an archive or OCI layout directory
    Load(LoadArgs),
    /// Create an image from a root filesystem tarball
    Import(ImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// Show how much disk images and containers use
    Df,
    /// Verify every blob and layer against its digest; with --repair, fix what is broken
    Check(CheckArgs),
    /// Print what nook knows about this machine and its store, as JSON
    Info(InfoArgs),
    /// Remove stopped containers, unused networks, untagged images and the build cache
    Prune(SystemPruneArgs),
    /// Show what happened to containers, images, volumes and networks, as it happens
    Events(EventsArgs),
    /// End the processes that hold your user namespace, so the next command makes a new one
    #[command(
        name = "reset-userns",
        long_about = "End the processes that hold your user namespace (one per id map, as \
                      podman's pause process), so that the next command makes a new one with \
                      the map /etc/subuid and /etc/subgid give now. nook notices a changed map \
                      by itself; this is for when you want the holders gone. Running \
                      containers keep the namespace they are in. Set NOOK_USERNS_HOLDER=0 to \
                      use no holder at all (each container then maps its ids with newuidmap \
                      and newgidmap)."
    )]
    ResetUserns,
}

#[derive(Debug, Args)]
#[command(
    long_about = "Show what happened to containers, images, volumes and networks, as it \
                  happens. With no daemon, nook's commands and container monitors record \
                  events in the store's event log (the latest few megabytes are kept); this \
                  prints the new ones until interrupted, or those of a time range with \
                  --since and --until."
)]
pub struct EventsArgs {
    /// Show events from this time on (RFC 3339, Unix seconds, or 10m, 2h, 1d ago)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Stop at this time (as --since); one in the past prints what happened and returns
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only events that match: type=, event=, container=, image=, volume=, network=,
    /// label=KEY[=VALUE] (repeat a key for any of its values)
    #[arg(short, long, value_name = "KEY=VALUE")]
    pub filter: Vec<String>,
    /// json (one object a line), or a Go template ('{{.Type}} {{.Action}} {{.Actor.ID}}')
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct SystemPruneArgs {
    /// Remove every image no container uses, not just untagged ones
    #[arg(short, long)]
    pub all: bool,
    /// Remove anonymous volumes no container uses too
    #[arg(long)]
    pub volumes: bool,
    /// Do not ask (nook never asks; accepted for docker's sake)
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Print only the manifest digest
    #[arg(short, long)]
    pub quiet: bool,
    /// The image to push
    pub image: String,
    /// Where to push it (default: the image's own name): registry/name[:tag]
    pub destination: Option<String>,
}

#[derive(Debug, Args)]
pub struct TagArgs {
    /// The image
    pub source: String,
    /// New names (short names are local: localhost/NAME)
    #[arg(required = true)]
    pub targets: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RmiArgs {
    /// Remove an image with several names, and the stopped containers that use it
    #[arg(short, long)]
    pub force: bool,
    /// Images: names or ids
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    /// Remove every image no container uses, not just untagged ones
    #[arg(short, long)]
    pub all: bool,
    /// Do not ask (nook never asks; accepted for docker's sake)
    #[arg(short, long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SaveArgs {
    /// Write to this file (default: standard output, if it is not a terminal)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Archive format
    #[arg(long, value_enum, default_value_t = crate::image::save::Format::DockerArchive)]
    pub format: crate::image::save::Format,
    /// Images: names or ids
    #[arg(required = true, value_name = "IMAGE")]
    pub images: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// json (the default), or a Go template over docker's fields and nook's own
    /// ('{{.Driver}}', '{{.ServerVersion}}', '{{json .SecurityOptions}}', '{{.store.root}}')
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Do not truncate ids and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// Print the image id of each layer only (<missing> for those not images themselves)
    #[arg(short, long)]
    pub quiet: bool,
    /// Sizes and times for people (the default); false prints bytes and RFC 3339 times
    #[arg(short = 'H', long, action = ArgAction::Set, num_args = 0..=1, require_equals = true,
          default_value_t = true, default_missing_value = "true", value_name = "BOOL")]
    pub human: bool,
    /// table (the default), json (a line each), or a Go template over docker's fields: ID,
    /// CreatedSince, CreatedAt, CreatedBy, Size, Comment
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The image
    pub image: String,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Print each through this Go template (`{{.State.Pid}}`, `{{json .Config}}`), as
    /// docker's -f does; `json` (the default) prints them as a JSON array
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Names or ids
    #[arg(required = true, value_name = "NAME")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Remove what is broken, unpack again layers whose blob is sound, drop images that
    /// cannot be made whole
    #[arg(long)]
    pub repair: bool,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Show all containers (default: running ones only)
    #[arg(short, long)]
    pub all: bool,
    /// Show the N containers created last (all states)
    #[arg(short = 'n', long = "last", value_name = "N")]
    pub last: Option<usize>,
    /// Show the container created last (all states)
    #[arg(short, long)]
    pub latest: bool,
    /// Print container ids only
    #[arg(short, long)]
    pub quiet: bool,
    /// Do not truncate ids and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// table (the default), json, or a Go template: '{{.Names}}', or with a header row
    /// 'table {{.ID}}\t{{.Status}}' (fields as docker's: ID, Image, Command, CreatedAt,
    /// RunningFor, Ports, State, Status, Names, Labels, Mounts, Networks)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Show only containers that match: status=, name=, id=, ancestor=, label=KEY[=VALUE],
    /// exited=CODE, health=, network=, volume=NAME|PATH, publish=PORT[/PROTO]
    #[arg(short, long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Show what each container wrote (its writable layer) and, as virtual, that with its
    /// image
    #[arg(short, long)]
    pub size: bool,
}

#[derive(Debug, Args)]
pub struct RmArgs {
    /// Stop running containers (SIGKILL) and remove them
    #[arg(short, long)]
    pub force: bool,
    /// Remove the containers' anonymous volumes too
    #[arg(short, long)]
    pub volumes: bool,
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
    /// Every image (nook keeps no intermediate images; accepted for docker's sake)
    #[arg(short, long)]
    pub all: bool,
    /// Only images that match: dangling=true|false, reference=PATTERN (* and ? as in a
    /// shell: 'busy*', '*:1.0'), label=KEY[=VALUE], before=IMAGE, since=IMAGE
    #[arg(short, long = "filter", value_name = "KEY=VALUE")]
    pub filters: Vec<String>,
    /// table (the default), json, or a Go template: '{{.Repository}}:{{.Tag}}', or with a
    /// header row 'table {{.ID}}\t{{.Repository}}' (fields as docker's: ID, Repository, Tag,
    /// Digest, CreatedSince, CreatedAt, Size)
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Only the images of this repository (and tag)
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub reference: Option<String>,
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
pub struct VersionArgs {
    /// A Go template ('{{.Client.Version}}'), or json
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The command to complete (default: the name nook was run as, e.g. docker through a
    /// link of that name)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The shell
    pub shell: clap_complete::Shell,
}

/// The clap command tree (for parsing, man pages and completions), with docker's way with
/// boolean flags: each also takes `=true` or `=false` (`-t=false`, `--rm=true`), and may be
/// given again.
pub fn command() -> clap::Command {
    EAGER.set(true);
    let cmd = parsing();
    EAGER.set(false);
    cmd
}

/// The command line as clap parses it: a subcommand's arguments are only made once it is
/// the one given (see [`Lazy`]).
fn parsing() -> clap::Command {
    boolean_values(<Cli as clap::CommandFactory>::command())
}

thread_local! {
    /// Make every subcommand's arguments at once (for man pages and completions, which read
    /// them all), as clap does by itself.
    static EAGER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A subcommand's arguments, made only when clap needs them: when it is the subcommand
/// parsed, or for help, man pages and completions. clap otherwise makes every subcommand's
/// arguments (hundreds of them) at each start of nook, most of a millisecond.
#[derive(Debug)]
pub struct Lazy<T>(pub T);

impl<T> std::ops::Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: clap::FromArgMatches> clap::FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: clap::Command) -> clap::Command {
        match EAGER.get() {
            true => made::<T>(cmd),
            false => cmd.defer(made::<T>),
        }
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        match EAGER.get() {
            true => made_for_update::<T>(cmd),
            false => cmd.defer(made_for_update::<T>),
        }
    }
}

/// A group of subcommands (`nook container ...`), made only when it is the one given.
impl<T: Subcommand> Subcommand for Lazy<T> {
    fn augment_subcommands(cmd: clap::Command) -> clap::Command {
        match EAGER.get() {
            true => keep_about(cmd, T::augment_subcommands),
            false => cmd.defer(|cmd| keep_about(cmd, T::augment_subcommands)),
        }
    }
    fn augment_subcommands_for_update(cmd: clap::Command) -> clap::Command {
        match EAGER.get() {
            true => keep_about(cmd, T::augment_subcommands_for_update),
            false => cmd.defer(|cmd| keep_about(cmd, T::augment_subcommands_for_update)),
        }
    }
    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}

fn made<T: Args>(cmd: clap::Command) -> clap::Command {
    keep_about(cmd, T::augment_args)
}

fn made_for_update<T: Args>(cmd: clap::Command) -> clap::Command {
    keep_about(cmd, T::augment_args_for_update)
}

/// Add the arguments, keeping the subcommand's own line of help: made first, it is not
/// to be replaced by that of a group of arguments flattened into it.
fn keep_about(cmd: clap::Command, augment: fn(clap::Command) -> clap::Command) -> clap::Command {
    let about = cmd.get_about().cloned();
    let cmd = boolean_values(augment(cmd));
    match about {
        Some(about) => cmd.about(about),
        None => cmd,
    }
}

fn boolean_values(cmd: clap::Command) -> clap::Command {
    use clap::ArgAction;
    cmd.args_override_self(true)
        .mut_args(|a| match a.get_action() {
            ArgAction::SetTrue => a
                .action(ArgAction::Set)
                .num_args(0..=1)
                .require_equals(true)
                .default_missing_value("true")
                .default_value("false")
                .value_name("BOOL")
                .hide_default_value(true)
                .hide_possible_values(true),
            _ => a,
        })
        .mut_subcommands(boolean_values)
}

/// Parse a command line with [`command`].
pub fn parse(args: &[std::ffi::OsString]) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let matches = parsing().try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// docker's health check flags; each overrides that part of the image's HEALTHCHECK.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Health check")]
pub struct HealthArgs {
    /// Command that tells whether the container is healthy, run in it by /bin/sh -c (exit 0:
    /// healthy); `ps`, `inspect` and `events` show the result
    #[arg(long, value_name = "COMMAND")]
    pub health_cmd: Option<String>,
    /// Time between checks (default 30s)
    #[arg(long, value_name = "DURATION")]
    pub health_interval: Option<String>,
    /// Longest a check may run before it counts as failed (default 30s)
    #[arg(long, value_name = "DURATION")]
    pub health_timeout: Option<String>,
    /// Failures in a row that make the container unhealthy (default 3)
    #[arg(long, value_name = "N")]
    pub health_retries: Option<u32>,
    /// Time the container has to start, during which failures do not count (default 0s)
    #[arg(long, value_name = "DURATION")]
    pub health_start_period: Option<String>,
    /// Time between checks during the start period (default 5s)
    #[arg(long, value_name = "DURATION")]
    pub health_start_interval: Option<String>,
    /// Run no health check, not even the image's
    #[arg(long)]
    pub no_healthcheck: bool,
}

/// Resource limits (cgroup v2); an asked-for limit that cannot be enforced is an error.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Resource limits")]
pub struct ResourceArgs {
    /// Memory limit (512m, 2g); the container's processes are OOM-killed beyond it
    #[arg(short = 'm', long, value_name = "SIZE")]
    pub memory: Option<String>,
    /// Memory and swap together (-1: unlimited swap)
    #[arg(long, value_name = "SIZE", allow_hyphen_values = true)]
    pub memory_swap: Option<String>,
    /// Memory kept for the container under pressure (memory.low)
    #[arg(long, value_name = "SIZE")]
    pub memory_reservation: Option<String>,
    /// CPU time, in CPUs (0.5: half a core)
    #[arg(long, value_name = "N")]
    pub cpus: Option<String>,
    /// Relative CPU weight, 1-10000 (default 100)
    #[arg(long, value_name = "WEIGHT")]
    pub cpu_weight: Option<u64>,
    /// Relative CPU weight in cgroup v1 shares, 2-262144 (converted to a weight)
    #[arg(short = 'c', long, value_name = "SHARES")]
    pub cpu_shares: Option<u64>,
    /// CPUs it may run on (0-3, 0,2)
    #[arg(long, value_name = "LIST")]
    pub cpuset_cpus: Option<String>,
    /// Most processes it may have; 0 or -1: no limit (default 2048 where cgroups are given)
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub pids_limit: Option<i64>,
    /// Relative block I/O weight, 1-10000
    #[arg(long, value_name = "WEIGHT")]
    pub io_weight: Option<u64>,
}

impl ResourceArgs {
    pub fn requested(&self) -> crate::cgroups::Requested<'_> {
        crate::cgroups::Requested {
            memory: self.memory.as_deref(),
            memory_swap: self.memory_swap.as_deref(),
            memory_reservation: self.memory_reservation.as_deref(),
            cpus: self.cpus.as_deref(),
            cpu_weight: self.cpu_weight,
            cpu_shares: self.cpu_shares,
            cpuset_cpus: self.cpuset_cpus.as_deref(),
            pids_limit: self.pids_limit,
            io_weight: self.io_weight,
        }
    }
}
