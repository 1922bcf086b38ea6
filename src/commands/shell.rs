//! `nook shell`, `nook lock` and `nook profile`: a profile found and trusted, made ready
//! (src/profile), then entered as a keep-id container (`nook run --userns keep-id`): you,
//! your project at its own path, the profile's home.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use clap::Parser;
use oci_spec::image::ImageConfiguration;

use super::Context;
use crate::build::step::Network;
use crate::cli::{
    GlobalArgs, LockArgs, ProfileArgs, ProfileCommand, ProfileImageArgs, ProfilePruneArgs,
    ProfileRebuildArgs, ProfileRmArgs, RunArgs, ShellArgs,
};
use crate::image::index::ImageRecord;
use crate::profile::load::{self, Profile};
use crate::profile::schema::{Home, NetworkMode, WorkspaceMount};
use crate::profile::{self as prof, LockMode};
use sha2::Digest as _;

/// Builds and pulls for a profile, as `nook build` and `nook pull` do them.
struct Engine<'a> {
    ctx: &'a Context,
}

/// While it lives, what this process writes to stdout goes to stderr (a build's output must
/// not mix with the output of the command the shell runs).
struct StdoutToStderr(Option<std::os::fd::OwnedFd>);

impl StdoutToStderr {
    fn new() -> Self {
        let saved = nix::unistd::dup(std::io::stdout()).ok();
        if saved.is_some() {
            let _ = nix::unistd::dup2_stdout(std::io::stderr());
        }
        StdoutToStderr(saved)
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        use std::io::Write;
        let _ = std::io::stdout().flush();
        if let Some(fd) = self.0.take() {
            let _ = nix::unistd::dup2_stdout(fd);
        }
    }
}

impl prof::Builder for Engine<'_> {
    fn pull(&self, name: &str) -> Result<(), String> {
        super::build::pull(name)
    }

    fn build(
        &self,
        containerfile: &str,
        context: Option<&Path>,
        tag: &str,
        host_loopback: bool,
        fresh_from: Option<usize>,
    ) -> Result<ImageRecord, prof::BuildFailure> {
        let opts = crate::build::Options {
            containerfile: containerfile.to_string(),
            file_name: "profile".to_string(),
            context: context.map(Path::to_path_buf),
            tags: vec![tag.to_string()],
            build_args: BTreeMap::new(),
            target: None,
            fresh_from,
            pull: "missing".to_string(),
            network: Network::Pasta,
            host_loopback,
            labels: vec![("nook.profile".to_string(), tag.to_string())],
            quiet: false,
            epoch: None,
            secrets: BTreeMap::new(),
            platform: None,
        };
        let rt =
            super::build::runtime(self.ctx, Network::Pasta).map_err(|e| prof::BuildFailure {
                line: None,
                how: format!("{e:#}"),
            })?;
        let _quiet_stdout = StdoutToStderr::new();
        crate::build::build(&self.ctx.store, &opts, &rt).map_err(|e| match e.at() {
            Some((line, how)) => prof::BuildFailure {
                line: Some(line),
                how,
            },
            None => prof::BuildFailure {
                line: None,
                how: e.to_string(),
            },
        })
    }
}

/// Load the profile `spec` names (or the project's), checked to be trusted.
fn load_trusted(ctx: &Context, spec: Option<&str>) -> anyhow::Result<Profile> {
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    let profile = load::load(spec, &cwd)?;
    prof::check_trust(&ctx.store, &profile)?;
    Ok(profile)
}

/// Make the profile ready, saying what changed in its lock.
fn ready(
    ctx: &Context,
    profile: &Profile,
    mode: LockMode,
    host_loopback: bool,
) -> anyhow::Result<prof::Ready> {
    let ready = prof::prepare(&ctx.store, profile, mode, &Engine { ctx }, host_loopback)?;
    if !ready.written.is_empty() {
        eprintln!(
            "nook: wrote {} ({})",
            ready.lock_path.display(),
            ready.written.join("; ")
        );
    }
    for d in &ready.drift {
        eprintln!("warning: {d}");
    }
    Ok(ready)
}

pub fn shell(global: &GlobalArgs, args: &ShellArgs) -> anyhow::Result<i32> {
    // Set-up steps are containers started from this process (CVE-2019-5736).
    crate::runtime::sealed::reexec_if_exposed();
    let ctx = Context::open(global)?;
    let profile = load_trusted(&ctx, args.profile.as_deref())?;
    let mode = if args.locked {
        LockMode::Locked
    } else {
        LockMode::Follow
    };
    let ready = ready(&ctx, &profile, mode, args.host_loopback)?;
    let entry = entry(&ctx, &profile, &ready.image, args)?;
    let session = Session::join(&ctx, &entry)?;
    let code = super::exec::exec(global, &entry.exec_args(&session.id)?);
    session.leave(&ctx);
    code
}

#[derive(Parser)]
#[command(no_binary_name = true, disable_help_flag = true)]
struct RunLine {
    #[command(flatten)]
    args: RunArgs,
}

#[derive(Parser)]
#[command(no_binary_name = true, disable_help_flag = true)]
struct ExecLine {
    #[command(flatten)]
    args: crate::cli::ExecArgs,
}

/// How to enter a profile: its session's container (the same for every shell of this
/// profile, project and build), and the shell's own process in it.
struct Entry {
    /// `nook run` flags, image and command of the session's container.
    session: Vec<String>,
    /// Its name: the profile's, and a digest of the line (another build, project or
    /// setting is another session).
    name: String,
    /// `nook exec` flags before the container, and the command after it.
    exec: Vec<String>,
    command: Vec<String>,
}

impl Entry {
    fn exec_args(&self, id: &str) -> anyhow::Result<crate::cli::ExecArgs> {
        let line: Vec<&str> = self
            .exec
            .iter()
            .map(String::as_str)
            .chain([id])
            .chain(self.command.iter().map(String::as_str))
            .collect();
        Ok(ExecLine::try_parse_from(&line)
            .map_err(|e| anyhow::anyhow!("nook shell made a bad exec line {line:?}: {e}"))?
            .args)
    }
}

/// A shell's membership of its profile's session. The session's container runs while any
/// shell holds its members lock (shared); the gate lock orders joining and leaving, so that
/// the last shell to leave stops it and a shell that joins never finds it half gone.
struct Session {
    id: String,
    name: String,
    member: std::fs::File,
}

impl Session {
    fn lock_file(ctx: &Context, name: &str, what: &str) -> anyhow::Result<std::fs::File> {
        Ok(ctx.store.lock_file(&format!("{name}.{what}"))?)
    }

    fn join(ctx: &Context, entry: &Entry) -> anyhow::Result<Session> {
        let gate = Self::lock_file(ctx, &entry.name, "gate")?;
        gate.lock().context("cannot take the session's lock")?;
        let member = Self::lock_file(ctx, &entry.name, "members")?;
        member
            .lock_shared()
            .context("cannot take the session's lock")?;
        let containers = crate::container::Containers::new(&ctx.store);
        let running = containers.resolve(&entry.name).ok().and_then(|id| {
            let state = containers.load_state(&id).ok()?;
            state.running_init().map(|_| id)
        });
        let id = match running {
            Some(id) => id,
            None => {
                // One whose last shell was killed: gone first.
                if let Ok(id) = containers.resolve(&entry.name) {
                    end(ctx, &id);
                }
                let parsed = RunLine::try_parse_from(&entry.session).map_err(|e| {
                    anyhow::anyhow!("nook shell made a bad run line {:?}: {e}", entry.session)
                })?;
                let id = super::run::start_quietly(ctx, &parsed.args)?;
                Self::watch(&entry.name, &id);
                id
            }
        };
        Ok(Session {
            id,
            name: entry.name.clone(),
            member,
        })
    }

    /// Leave behind a watcher that ends the session once no shell is in it, should the last
    /// one be killed before it can end it itself (`nook __session NAME ID`, [`watch_session`]).
    /// Without it (it could not start), the next entry ends such a session.
    fn watch(name: &str, id: &str) {
        use std::process::{Command, Stdio};
        let mut cmd = Command::new("/proc/self/exe");
        std::os::unix::process::CommandExt::arg0(&mut cmd, "nook");
        cmd.args([WATCH_COMMAND, name, id])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Not waited for: it lives as long as the session, and is reparented when this
        // shell leaves first.
        let _ = cmd.spawn();
    }

    /// The last shell out ends the session.
    fn leave(self, ctx: &Context) {
        let Ok(gate) = Self::lock_file(ctx, &self.name, "gate") else {
            return;
        };
        if gate.lock().is_err() {
            return;
        }
        // Only a member alone can hold the lock alone.
        if self.member.try_lock().is_ok() {
            end(ctx, &self.id);
        }
    }
}

/// The internal command of a session's watcher.
pub const WATCH_COMMAND: &str = "__session";

/// The body of `nook __session NAME ID`: wait until no shell is in session `NAME` (they hold
/// its members lock shared; a killed one drops it with its descriptors), then, under the
/// gate, end it if it is still container `ID`: the shells' own way out when none could.
pub fn watch_session(name: &str, id: &str) -> i32 {
    // Its own session: a ^C or a hang-up meant for the shell's terminal is not for it.
    let _ = nix::unistd::setsid();
    let Ok(ctx) = Context::open(&GlobalArgs {
        storage_driver: None,
    }) else {
        return 125;
    };
    let (Ok(gate), Ok(members)) = (
        Session::lock_file(&ctx, name, "gate"),
        Session::lock_file(&ctx, name, "members"),
    ) else {
        return 125;
    };
    loop {
        // Granted once every shell has let go; then checked again under the gate, which
        // a shell joining holds until it is a member.
        if members.lock().is_err() || members.unlock().is_err() || gate.lock().is_err() {
            return 125;
        }
        if members.try_lock().is_ok() {
            let containers = crate::container::Containers::new(&ctx.store);
            if containers.resolve(name).is_ok_and(|current| current == id) {
                end(&ctx, id);
            }
            return 0;
        }
        if gate.unlock().is_err() {
            return 125;
        }
    }
}

/// End a session: its name is free at once (a shell that comes now starts another), and
/// its container is killed and then removed by its monitor, without this shell waiting.
fn end(ctx: &Context, id: &str) {
    let containers = crate::container::Containers::new(&ctx.store);
    let ended = format!("nook-shell-ended-{}", &id[..12.min(id.len())]);
    if let Ok(config) = containers.load_config(id)
        && containers.rename(id, &ended).is_ok()
        && !super::lifecycle::kill_now(&containers, &config)
        && let Ok(config) = containers.load_config(id)
    {
        // Not running (its last shell was killed, or it failed): removed here.
        let _ = super::container::remove_one(ctx, &containers, &config, true, false);
    }
}

/// The top of the git work tree `dir` is in.
fn git_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| std::fs::symlink_metadata(d.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// The image's environment, as `NAME=value` pairs.
fn image_env(ctx: &Context, image: &ImageRecord) -> anyhow::Result<Vec<(String, String)>> {
    let bytes = ctx.store.read_blob(&image.id)?;
    let config = ImageConfiguration::from_reader(&bytes[..])
        .with_context(|| format!("the config of image {} is invalid", image.id.short()))?;
    Ok(config
        .config()
        .as_ref()
        .and_then(|c| c.env().clone())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect())
}

/// PID 1's program in a session's container: it waits, and ends on SIGTERM.
const SESSION_KEEPER: &str = "trap 'exit 0' TERM; while :; do sleep 86400 & wait $!; done";

/// How to enter `profile` (built as `image`).
fn entry(
    ctx: &Context,
    profile: &Profile,
    image: &ImageRecord,
    args: &ShellArgs,
) -> anyhow::Result<Entry> {
    let you = crate::container::identity::You::current()?;
    let home = you.home.to_string_lossy().into_owned();
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    // You, with your own supplementary groups (a device or project of a group of yours
    // stays open to you).
    let mut line: Vec<String> = [
        "-d",
        "--rm",
        "--init",
        "--userns",
        "keep-id",
        "--group-add",
        "keep-groups",
    ]
    .map(String::from)
    .to_vec();
    let mut add = |flag: &str, value: String| {
        line.push(flag.to_string());
        line.push(value);
    };
    add("--hostname", profile.name.clone());
    add("--label", format!("nook.shell={}", profile.name));
    // The project, at its own path.
    let workspace = match profile.workspace {
        WorkspaceMount::None => None,
        WorkspaceMount::Dir => Some(profile.dir.clone()),
        WorkspaceMount::GitRoot => {
            Some(git_root(&profile.dir).unwrap_or_else(|| profile.dir.clone()))
        }
    };
    if let Some(ws) = &workspace {
        if profile.home != Home::Host && you.home.starts_with(ws) {
            bail!(
                "the project directory would be {}, which holds your home: the shell would see \
                 all your files. Run nook shell in a project's directory, or set [workspace] \
                 mount = \"none\" (or [user] home = \"host\", if that is what you mean)",
                ws.display()
            );
        }
        let ro = if profile.readonly { ":ro" } else { "" };
        add("-v", format!("{0}:{0}{ro}", ws.display()));
    }
    match profile.home {
        Home::Volume => add("-v", format!("nook-home-{}:{home}", profile.name)),
        Home::Host => add("-v", format!("{home}:{home}")),
        Home::Tmpfs => {
            let keep = crate::runtime::idmap::KeepId::current();
            add(
                "--tmpfs",
                format!("{home}:mode=700,uid={},gid={}", keep.uid, keep.gid),
            );
        }
    }
    // The network.
    add(
        "--network",
        match profile.network {
            NetworkMode::Pasta => "pasta",
            NetworkMode::None => "none",
            NetworkMode::Host => "host",
        }
        .to_string(),
    );
    let strict = profile.level == crate::profile::schema::Level::Strict;
    if strict && (profile.network != NetworkMode::None || !profile.ports.is_empty()) {
        bail!(
            "{}: [sandbox] level = \"strict\" has no network: set [network] mode = \"none\" \
             (and no ports), or another level",
            profile.origin.shown()
        );
    }
    if strict && profile.host.ssh_agent == Some(true) {
        bail!(
            "{}: [sandbox] level = \"strict\" passes no ssh agent: drop [host] ssh_agent, or \
             choose another level",
            profile.origin.shown()
        );
    }
    match profile.level {
        crate::profile::schema::Level::None => {
            line.extend(["--security-opt", "seccomp=unconfined"].map(String::from));
        }
        crate::profile::schema::Level::Standard => {}
        crate::profile::schema::Level::Strict => {
            line.extend(["--read-only", "--security-opt", "no-new-privileges"].map(String::from))
        }
    }
    if profile.host_loopback || args.host_loopback {
        line.push("--host-loopback".into());
    }
    for p in &profile.ports {
        line.push("-p".into());
        line.push(p.clone());
    }
    // The environment: who you are, the profile's variables ($VAR from these, the image's
    // environment, then yours).
    let mut vars: Vec<(String, String)> = vec![
        ("HOME".into(), home.clone()),
        ("USER".into(), you.name.clone()),
        ("LOGNAME".into(), you.name.clone()),
        ("NOOK_SHELL".into(), "1".into()),
        ("NOOK_PROFILE".into(), profile.name.clone()),
        // Debian's prompt shows it: (nook:rust)you@rust:~$
        ("debian_chroot".into(), format!("nook:{}", profile.name)),
    ];
    let base_env = image_env(ctx, image)?;
    let own = vars.clone();
    for (k, v) in &profile.env {
        let lookup = |name: &str| {
            own.iter()
                .chain(&base_env)
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    (name == "PATH").then(|| crate::runtime::launch::DEFAULT_PATH.to_string())
                })
                .or_else(|| std::env::var(name).ok())
        };
        vars.push((k.clone(), load::expand(v, &lookup)));
    }
    for (k, v) in vars {
        line.push("-e".into());
        line.push(format!("{k}={v}"));
    }
    extras(profile, &you, &mut line)?;
    line.push(image.id.to_string());
    line.extend(["/bin/sh", "-c", SESSION_KEEPER].map(String::from));
    let digest = hex::encode(sha2::Sha256::digest(line.join("\0").as_bytes()));
    let name = format!("nook-shell-{}-{}", profile.name, &digest[..12]);
    line.splice(0..0, ["--name".to_string(), name.clone()]);

    // The shell's own process: your terminal, the directory you are in.
    let mut exec: Vec<String> = vec!["-i".into()];
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        exec.push("-t".into());
        if let Ok(term) = std::env::var("TERM") {
            exec.extend(["-e".to_string(), format!("TERM={term}")]);
        }
    }
    let workdir = match &workspace {
        Some(ws) if cwd.starts_with(ws) => cwd.clone(),
        Some(ws) => ws.clone(),
        None => you.home.clone(),
    };
    exec.extend(["-w".to_string(), workdir.display().to_string()]);
    let mut command = match &args.task {
        Some(name) => vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            tasks_script(profile, name)?,
        ],
        None if args.command.is_empty() => vec![shell_for(ctx, profile, image, &you)?],
        None => args.command.clone(),
    };
    if let Some(script) = hooks_script(profile) {
        let mut wrapped = vec![
            "/bin/sh".to_string(),
            "-c".to_string(),
            script,
            "nook".into(),
        ];
        wrapped.append(&mut command);
        command = wrapped;
    }
    Ok(Entry {
        session: line,
        name,
        exec,
        command,
    })
}

/// `~/PATH` as a path of your home.
fn in_home(you: &crate::container::identity::You, path: &str) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => you.home.join(rest),
        None => PathBuf::from(path),
    }
}

/// A host path for a `-v` flag: where it really is (its links followed), which must be
/// there and fit the flag.
fn host_source(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(path).ok()?;
    let s = real.to_str()?.to_string();
    (!s.contains([':', ','])).then_some(s)
}

/// The session flags of dotfiles, mounts, caches, limits and host integration.
fn extras(
    profile: &Profile,
    you: &crate::container::identity::You,
    line: &mut Vec<String>,
) -> anyhow::Result<()> {
    let mut add = |flag: &str, value: String| {
        line.push(flag.to_string());
        line.push(value);
    };
    let shown = |p: &Path| p.display().to_string();
    if profile.home != Home::Host {
        for d in &profile.dotfiles {
            let at = in_home(you, d);
            match host_source(&at) {
                Some(real) => add("-v", format!("{real}:{}:ro", shown(&at))),
                None => eprintln!("note: {d} is not there (or not usable): not shown"),
            }
        }
    }
    for m in &profile.mounts {
        let target = shown(&in_home(you, &m.target));
        let ro = if m.readonly { ":ro" } else { "" };
        let source = m.source.as_deref().unwrap_or_default();
        match m.kind {
            crate::profile::schema::MountType::Bind => {
                let at = match source.strip_prefix("~/") {
                    Some(_) => in_home(you, source),
                    None => profile.dir.join(source),
                };
                let real = host_source(&at).with_context(|| {
                    format!("[[mount]] source {source}: {} is not there", at.display())
                })?;
                add("-v", format!("{real}:{target}{ro}"));
            }
            crate::profile::schema::MountType::Volume => {
                add("-v", format!("{source}:{target}{ro}"));
            }
            crate::profile::schema::MountType::Tmpfs => add("--tmpfs", target),
        }
    }
    for (name, path) in &profile.cache {
        add(
            "-v",
            format!("nook-cache-{name}:{}", shown(&in_home(you, path))),
        );
    }
    if let Some(m) = &profile.limits.memory {
        add("--memory", m.clone());
    }
    match &profile.limits.cpus {
        Some(crate::profile::schema::Cpus::Whole(n)) => add("--cpus", n.to_string()),
        Some(crate::profile::schema::Cpus::Part(n)) => add("--cpus", n.to_string()),
        None => {}
    }
    if let Some(n) = profile.limits.pids {
        add("--pids-limit", n.to_string());
    }
    let host = &profile.host;
    if host.ssh_agent == Some(true) {
        const AGENT: &str = "/run/nook/ssh-agent.sock";
        match std::env::var_os("SSH_AUTH_SOCK").and_then(|s| host_source(Path::new(&s))) {
            Some(sock) => {
                add("-v", format!("{sock}:{AGENT}"));
                add("-e", format!("SSH_AUTH_SOCK={AGENT}"));
            }
            None => eprintln!("note: no ssh agent to pass (SSH_AUTH_SOCK is not set, or gone)"),
        }
    }
    if host.timezone == Some(true) {
        if let Some(zone) = host_source(Path::new("/etc/localtime")) {
            add("-v", format!("{zone}:/etc/localtime:ro"));
        }
        if let Ok(tz) = std::env::var("TZ") {
            add("-e", format!("TZ={tz}"));
        }
    }
    if host.display == Some(true) {
        display(you, &mut add);
    }
    if host.gpu == Some(true) {
        const DRI: &str = "/dev/dri";
        match Path::new(DRI).is_dir() {
            true => add("--device", DRI.to_string()),
            false => eprintln!("note: no GPU to pass (this machine has no {DRI})"),
        }
    }
    if host.locale == Some(true) {
        for (k, v) in std::env::vars() {
            if k == "LANG" || k == "LANGUAGE" || k.starts_with("LC_") {
                add("-e", format!("{k}={v}"));
            }
        }
    }
    Ok(())
}

/// Your Wayland and X11 sockets, where you have them (`add` takes a flag and its value).
fn display(you: &crate::container::identity::You, add: &mut dyn FnMut(&str, String)) {
    let mut shown = false;
    if let (Some(runtime), Ok(name)) = (
        crate::config::runtime_dir(),
        std::env::var("WAYLAND_DISPLAY"),
    ) && !name.contains('/')
        && let Some(sock) = host_source(&runtime.join(&name))
    {
        const RUNTIME: &str = "/run/nook/display";
        add("-v", format!("{sock}:{RUNTIME}/{name}"));
        add("-e", format!("XDG_RUNTIME_DIR={RUNTIME}"));
        add("-e", format!("WAYLAND_DISPLAY={name}"));
        shown = true;
    }
    if let Ok(d) = std::env::var("DISPLAY")
        && let Some(x11) = host_source(Path::new("/tmp/.X11-unix"))
    {
        add("-v", format!("{x11}:/tmp/.X11-unix"));
        add("-e", format!("DISPLAY={d}"));
        if let Some(auth) = std::env::var_os("XAUTHORITY")
            .map(PathBuf::from)
            .or_else(|| Some(you.home.join(".Xauthority")))
            .and_then(|p| host_source(&p))
        {
            add("-v", format!("{auth}:/run/nook/Xauthority:ro"));
            add("-e", "XAUTHORITY=/run/nook/Xauthority".to_string());
        }
        shown = true;
    }
    if !shown {
        eprintln!("note: no display to pass (neither $WAYLAND_DISPLAY nor $DISPLAY is set)");
    }
}

/// The script that runs task `name` after what it depends on, each in the project.
fn tasks_script(profile: &Profile, name: &str) -> anyhow::Result<String> {
    let mut script = String::new();
    for (task, t) in profile.task_order(name)? {
        script.push_str(&format!(
            "echo {} >&2\n/bin/sh -c {} || exit $?\n",
            crate::profile::plan::single_quoted(&format!("nook: task {task}")),
            crate::profile::plan::single_quoted(&t.run)
        ));
    }
    Ok(script)
}

/// The hooks, run before the shell or command (`"$@"`): on_home_create once per home (not
/// in your real home), on_enter each time.
fn hooks_script(profile: &Profile) -> Option<String> {
    let h = &profile.hooks;
    if h.on_home_create.is_none() && h.on_enter.is_none() {
        return None;
    }
    let mut script = String::new();
    if let Some(create) = &h.on_home_create
        && profile.home != Home::Host
    {
        script.push_str(&format!(
            "if [ ! -e \"$HOME/.nook-home-created\" ]; then\n\
             \x20 /bin/sh -c {} || {{ echo 'nook: on_home_create failed' >&2; exit 125; }}\n\
             \x20 : > \"$HOME/.nook-home-created\"\n\
             fi\n",
            crate::profile::plan::single_quoted(create)
        ));
    }
    if let Some(enter) = &h.on_enter {
        script.push_str(&format!(
            "/bin/sh -c {} || {{ echo 'nook: on_enter failed' >&2; exit 125; }}\n",
            crate::profile::plan::single_quoted(enter)
        ));
    }
    script.push_str("exec \"$@\"\n");
    Some(script)
}

/// The shell to enter: the profile's, else your login shell where the image has it, else
/// bash, else sh.
fn shell_for(
    ctx: &Context,
    profile: &Profile,
    image: &ImageRecord,
    you: &crate::container::identity::You,
) -> anyhow::Result<String> {
    if let Some(s) = &profile.shell {
        return Ok(s.clone());
    }
    let (_, layers) = crate::image::manage::image_parts(&ctx.store, image)
        .map_err(|why| anyhow::anyhow!("image {}: {why}", image.id.short()))?;
    let lowers: Vec<PathBuf> = layers
        .iter()
        .rev()
        .map(|(_, d)| ctx.store.layer_diff(d))
        .collect();
    let has = |p: &Path| crate::container::identity::image_has(&lowers, p);
    Ok([you.shell.as_path(), Path::new("/bin/bash")]
        .into_iter()
        .find(|p| p.is_absolute() && has(p))
        .unwrap_or(Path::new("/bin/sh"))
        .display()
        .to_string())
}

pub fn lock(global: &GlobalArgs, args: &LockArgs) -> anyhow::Result<i32> {
    crate::runtime::sealed::reexec_if_exposed();
    let ctx = Context::open(global)?;
    let profile = load_trusted(&ctx, args.profile.as_deref())?;
    if args.check {
        return match prof::check_lock(&ctx.store, &profile)? {
            None => {
                println!(
                    "{} is current",
                    prof::lock::path_for(&profile, ctx.store.root()).display()
                );
                Ok(0)
            }
            Some(differences) => {
                eprintln!(
                    "{} does not match {}:\n  {}",
                    prof::lock::path_for(&profile, ctx.store.root()).display(),
                    profile.origin.shown(),
                    differences.join("\n  ")
                );
                Ok(1)
            }
        };
    }
    let mode = match &args.update {
        Some(layer) => LockMode::Update(prof::layer_index(&profile, layer.as_deref())?),
        None => LockMode::Follow,
    };
    let ready = ready(&ctx, &profile, mode, args.host_loopback)?;
    if ready.written.is_empty() {
        println!("{} is current", ready.lock_path.display());
    }
    Ok(0)
}

pub fn profile(global: &GlobalArgs, command: &ProfileCommand) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir().context("cannot find the current directory")?;
    match command {
        ProfileCommand::Ls => {
            for (name, origin) in load::known() {
                let p = load::load(Some(&name), &cwd);
                let description = match &p {
                    Ok(p) => p.description.clone(),
                    Err(e) => format!("(broken: {e})"),
                };
                let from = match origin {
                    load::Origin::Shipped(_) => "nook".to_string(),
                    o => o.shown(),
                };
                println!("{name}\t{from}\t{description}");
            }
            Ok(0)
        }
        ProfileCommand::Rebuild(ProfileRebuildArgs {
            host_loopback,
            from,
            profile,
        }) => {
            crate::runtime::sealed::reexec_if_exposed();
            let ctx = Context::open(global)?;
            let p = load_trusted(&ctx, profile.as_deref())?;
            let from = prof::layer_index(&p, from.as_deref())?;
            let r = ready(&ctx, &p, LockMode::Rebuild(from), *host_loopback)?;
            println!("{}", r.image.id);
            Ok(0)
        }
        ProfileCommand::Rm(ProfileRmArgs { home, profile }) => {
            let ctx = Context::open(global)?;
            let p = load::load(profile.as_deref(), &cwd)?;
            let tag = prof::tag(&p);
            let index = crate::image::index::ImageIndex::load(&ctx.store)?;
            let mut ids = Vec::new();
            if let Ok(image) = index.resolve(&tag) {
                ids.push(image.id.to_string());
                crate::image::manage::remove(&ctx.store, std::slice::from_ref(&tag), false)?;
                println!("removed {tag}");
            }
            prof::forget_entries(&ctx.store, &ids, false);
            // The lock of a profile entered by name is nook's record; a project's is yours.
            if !matches!(p.origin, load::Origin::Project(_)) {
                let _ = std::fs::remove_file(prof::lock::path_for(&p, ctx.store.root()));
            }
            if *home {
                let volumes = crate::container::volume::Volumes::new(&ctx.store);
                let name = format!("nook-home-{}", p.name);
                // A session that has just ended may still be going away: a moment for it.
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
                while volumes.get(&name).is_ok() {
                    match volumes.remove(&name) {
                        Ok(()) => println!("removed the home volume {name}"),
                        Err(crate::container::volume::VolumeError::InUse { .. })
                            if std::time::Instant::now() < deadline =>
                        {
                            std::thread::sleep(std::time::Duration::from_millis(50));
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Ok(0)
        }
        ProfileCommand::Prune(ProfilePruneArgs { all }) => {
            let ctx = Context::open(global)?;
            let index = crate::image::index::ImageIndex::load(&ctx.store)?;
            let recorded: Vec<String> = std::fs::read_dir(ctx.store.root().join("shells"))
                .map(|d| {
                    d.flatten()
                        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                        .map(|id| id.trim().to_string())
                        .collect()
                })
                .unwrap_or_default();
            let mut removed = Vec::new();
            for image in &index.images {
                let ours = image
                    .names
                    .iter()
                    .find(|n| n.starts_with("localhost/nook-profile/"));
                if let Some(name) = ours
                    && (*all || !recorded.contains(&image.id.to_string()))
                {
                    removed.push(image.id.to_string());
                    crate::image::manage::remove(&ctx.store, std::slice::from_ref(name), true)?;
                    println!("removed {name}");
                }
            }
            let forgot = prof::forget_entries(&ctx.store, &removed, *all);
            println!("forgot {forgot} record(s) of built profiles");
            Ok(0)
        }
        ProfileCommand::Push(ProfileImageArgs {
            reference,
            profile,
            quiet,
        }) => {
            crate::runtime::sealed::reexec_if_exposed();
            let ctx = Context::open(global)?;
            let p = load_trusted(&ctx, profile.as_deref())?;
            let image = ready(&ctx, &p, LockMode::Follow, false)?.image;
            let dest = crate::image::pull::qualify(
                &crate::image::reference::Reference::parse(reference)?,
                &ctx.config.registries,
            )?;
            let progress = crate::progress::Progress::new(*quiet);
            let digest = crate::image::push::push(
                &ctx.store,
                &ctx.config.registries,
                &image,
                &dest,
                &progress,
            )
            .with_context(|| format!("cannot push {dest}"))?;
            println!("{dest}@{digest}");
            Ok(0)
        }
        ProfileCommand::Pull(ProfileImageArgs {
            reference,
            profile,
            quiet,
        }) => {
            let ctx = Context::open(global)?;
            let p = load_trusted(&ctx, profile.as_deref())?;
            // The lock first: nothing is fetched for a profile it does not match.
            if let Some(differences) = prof::check_lock(&ctx.store, &p)? {
                bail!(
                    "{} does not match {}:\n  {}\n  Lock it first (nook lock)",
                    prof::lock::path_for(&p, ctx.store.root()).display(),
                    p.origin.shown(),
                    differences.join("\n  ")
                );
            }
            let pulled = super::registry::pull_image(&ctx, reference, None, *quiet)?;
            prof::adopt(&ctx.store, &p, &pulled.record)?;
            crate::image::manage::tag(&ctx.store, &pulled.record.id.to_string(), &prof::tag(&p))?;
            println!("{}", pulled.record.id);
            Ok(0)
        }
        ProfileCommand::Check(ProfileArgs { profile }) => {
            let p = load::load(profile.as_deref(), &cwd)?;
            println!("{}: ok ({})", p.origin.shown(), p.chain.join(" → "));
            Ok(0)
        }
        ProfileCommand::Show(ProfileArgs { profile }) => {
            let ctx = Context::open(global)?;
            let p = load::load(profile.as_deref(), &cwd)?;
            println!("profile {} — {}", p.name, p.description);
            println!("from: {}", p.chain.join(" → "));
            println!("base: {}", p.base);
            for set in &p.packages {
                println!("packages ({}): {}", set.from, set.install.join(" "));
            }
            for s in &p.setup {
                println!("setup {:?}: {}", s.name, s.run.trim());
            }
            for (k, v) in &p.env {
                println!("env {k}={v}");
            }
            let word = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
            println!(
                "home: {}; workspace: {}{}; network: {}",
                word(serde_json::json!(p.home)),
                word(serde_json::json!(p.workspace)),
                if p.readonly { " (read-only)" } else { "" },
                word(serde_json::json!(p.network))
            );
            let lock = prof::lock::path_for(&p, ctx.store.root());
            println!(
                "lock: {}{}",
                lock.display(),
                if lock.exists() {
                    ""
                } else {
                    " (not written yet)"
                }
            );
            if let Err(e) = prof::check_trust(&ctx.store, &p) {
                println!("trust: not trusted — {e}");
            }
            Ok(0)
        }
    }
}
