//! `nook sandbox`: what a sandboxed command may see and do, settled and checked before any
//! namespace is made (flags first, then the project's `nook.toml`, then defaults), and the
//! account of it that `--explain` prints. [`launch`] builds it.
//!
//! By default the command sees the host's system (`/usr`, `/bin`, `/lib*`, `/etc`, `/opt`)
//! read-only, the project (the current directory) writable at its own path, a private `/tmp`
//! and an empty private home at `$HOME`; nothing else of the host. It has only `lo`, no
//! capabilities, no_new_privs, a session of its own, a seccomp filter, and Landlock rules as a
//! second wall where the kernel has Landlock.

pub mod launch;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{what} {path}: no such file or directory")]
    Missing { what: String, path: PathBuf },
    #[error(
        "{what} {path} is a symbolic link (to {target}): give the path it leads to, if that is \
         what the sandbox should see"
    )]
    Symlink {
        what: String,
        path: PathBuf,
        target: PathBuf,
    },
    #[error("{path} is given both --ro and --rw")]
    Conflict { path: PathBuf },
    #[error("{what} {path}: {why}")]
    Refused {
        what: String,
        path: PathBuf,
        why: &'static str,
    },
    #[error(
        "the project (the current directory, {0}) would expose your whole home or the whole \
         system: run nook sandbox in a project's directory (and --rw what else it needs)"
    )]
    ProjectTooWide(PathBuf),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid {path}:\n{message}")]
    Config { path: PathBuf, message: String },
    #[error("invalid {what} {value:?}: {why}")]
    BadValue {
        what: &'static str,
        value: String,
        why: &'static str,
    },
    #[error("cannot find your home directory: set HOME")]
    NoHome,
    #[error(
        "{path} asks for more than nook's default walls: {opens}.\n  nook honours that only \
         from a file you trust. Read it; if you agree, run `nook trust {path}` (or ignore the \
         file with --no-project)"
    )]
    Untrusted { path: PathBuf, opens: String },
    #[error(
        "{path} is a symbolic link: a policy file is taken only where it is (give the file it \
         leads to with --config, if that is what you mean)"
    )]
    PolicyLink { path: PathBuf },
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    #[error("nothing to run: give the command after --")]
    NoCommand,
}

/// The `[sandbox]` section of a project's `nook.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SandboxFile {
    /// Paths to expose read-only (`~/` is your home; relative paths are the file's directory's).
    pub ro: Vec<String>,
    /// Paths to expose writable.
    pub rw: Vec<String>,
    pub net: Option<bool>,
    /// With net: reach services bound to the host's loopback.
    pub host_loopback: Option<bool>,
    pub env_keep: Vec<String>,
    pub env_clear: Option<bool>,
    pub env: BTreeMap<String, String>,
    pub timeout: Option<String>,
    pub memory: Option<String>,
    pub pids_limit: Option<u64>,
    pub image: Option<String>,
    /// Let the command write the files your tools run code from (.git, ...).
    pub unprotect_tool_files: Option<bool>,
    /// For `nook shell` only: how walled the dev shell is (`none`, `standard`, `strict`).
    pub level: Option<crate::profile::schema::Level>,
}

impl SandboxFile {
    /// What in this file opens the walls beyond the defaults (and so needs your trust).
    pub fn opens(&self) -> Vec<String> {
        let mut out = Vec::new();
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.ro.is_empty() {
            out.push(format!("ro = [{}]", list(&self.ro)));
        }
        if !self.rw.is_empty() {
            out.push(format!("rw = [{}]", list(&self.rw)));
        }
        if self.net == Some(true) {
            out.push("net = true".to_string());
        }
        if self.host_loopback == Some(true) {
            out.push("host_loopback = true".to_string());
        }
        if !self.env_keep.is_empty() {
            out.push(format!("env_keep = [{}]", list(&self.env_keep)));
        }
        if let Some(i) = &self.image {
            out.push(format!("image = {i:?} (pulled if missing)"));
        }
        if self.unprotect_tool_files == Some(true) {
            out.push("unprotect_tool_files = true".to_string());
        }
        out
    }
}

/// Whether a project's file may open walls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// You named it (`--config`).
    Given,
    /// You trusted these contents (`nook trust`), at this time.
    Trusted(String),
    /// Honoured only where it tightens the walls.
    Untrusted,
}

/// A project's `nook.toml`: where it is, its `[sandbox]`, and whether you trust it.
pub struct Project {
    pub path: PathBuf,
    pub sandbox: SandboxFile,
    /// SHA-256 of its contents, as read.
    pub sha256: String,
    pub trust: Trust,
}

impl Project {
    /// `nook.toml` in `dir` or the nearest directory above it that is yours; files of other
    /// users on the way are passed over (and named in `passed`). Its trust is
    /// [`Trust::Untrusted`] until the caller knows better.
    pub fn find(dir: &Path, passed: &mut Vec<String>) -> Result<Option<Project>, SandboxError> {
        match Self::locate(dir, passed)? {
            Some(path) => Self::read(&path, Trust::Untrusted).map(Some),
            None => Ok(None),
        }
    }

    /// Where [`Project::find`] finds the file (dev shells use the same one).
    pub fn locate(dir: &Path, passed: &mut Vec<String>) -> Result<Option<PathBuf>, SandboxError> {
        let me = nix::unistd::getuid().as_raw();
        for d in dir.ancestors() {
            let path = d.join("nook.toml");
            let meta = match fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(_) => continue,
            };
            if meta.file_type().is_symlink() {
                return Err(SandboxError::PolicyLink { path });
            }
            if !meta.is_file() {
                continue;
            }
            if std::os::unix::fs::MetadataExt::uid(&meta) != me {
                passed.push(format!(
                    "{} (it belongs to uid {}, not to you)",
                    path.display(),
                    std::os::unix::fs::MetadataExt::uid(&meta)
                ));
                continue;
            }
            return Ok(Some(path));
        }
        Ok(None)
    }

    /// Read `path` (yours, unless you named it: `Trust::Given`).
    pub fn read(path: &Path, trust: Trust) -> Result<Project, SandboxError> {
        let checked = crate::trust::Checked::read(path, trust != Trust::Given)?;
        // The whole file is read as a profile: a dev shell's keys are no mistake here.
        let file =
            crate::profile::schema::parse(&checked.text).map_err(|r| SandboxError::Config {
                path: checked.path.clone(),
                message: r.to_string(),
            })?;
        Ok(Project {
            path: checked.path,
            sandbox: file.sandbox,
            sha256: checked.sha256,
            trust,
        })
    }
}

/// What the flags asked for (each overrides or adds to the project's file).
#[derive(Debug, Default)]
pub struct Request {
    pub ro: Vec<PathBuf>,
    pub rw: Vec<PathBuf>,
    pub net: bool,
    pub host_loopback: bool,
    pub image: Option<String>,
    pub env_keep: Vec<String>,
    pub env_clear: bool,
    pub env: Vec<String>,
    pub timeout: Option<String>,
    pub memory: Option<String>,
    pub pids_limit: Option<u64>,
    pub unprotect_tool_files: bool,
    pub command: Vec<String>,
}

/// Where a wall (or an opening in one) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    Flag,
    /// The project's `nook.toml`.
    File,
}

impl Origin {
    fn shown(self) -> &'static str {
        match self {
            Origin::Default => "default",
            Origin::Flag => "flag",
            Origin::File => "nook.toml",
        }
    }
}

/// A host path the sandbox sees at the same place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub path: PathBuf,
    pub writable: bool,
    pub origin: Origin,
}

/// Files and directories of a project that your tools run code from later, on the host,
/// outside any sandbox: read-only in the sandbox unless `--unprotect-tool-files`, and one
/// made by the sandboxed command where there was none is moved aside afterwards.
/// - `.git`: git runs hooks and what its config names (core.fsmonitor, core.pager,
///   filters, aliases, diff and merge drivers) at your next `git status`;
/// - `.hg`, `.jj`: Mercurial's hooks, Jujutsu's fix tools and aliases, likewise;
/// - `.envrc`, `.direnv`: direnv (it asks before running a changed `.envrc`, but not all
///   setups do);
/// - `.vscode`, `.idea`, `.devcontainer`: editors' tasks, run configurations, interpreters
///   and dev-container commands, run when you open the project;
/// - `nook.toml`: the sandbox's own policy.
pub const TOOL_FILES: &[&str] = &[
    ".git",
    ".hg",
    ".jj",
    ".envrc",
    ".direnv",
    ".vscode",
    ".idea",
    ".devcontainer",
    "nook.toml",
];

/// Everything the sandbox is.
#[derive(Clone, Debug)]
pub struct Policy {
    pub project: PathBuf,
    pub home: PathBuf,
    /// The system directories shown read-only (host mode), in order.
    pub system: Vec<PathBuf>,
    /// `--ro` and `--rw`, parents first.
    pub binds: Vec<Bind>,
    /// Policy files and tool files (see [`TOOL_FILES`]) in the project, read-only over
    /// themselves.
    pub protected: Vec<PathBuf>,
    /// Tool files the project does not have: the command must not make them.
    pub absent: Vec<PathBuf>,
    /// The project's policy file, and whether it was trusted.
    pub source: Option<(PathBuf, Trust)>,
    /// Where `net` came from.
    pub net_origin: Origin,
    pub net: bool,
    /// With `net`, the host's loopback is reachable through the gateway.
    pub host_loopback: bool,
    /// An image's root filesystem instead of the host's system.
    pub image: Option<String>,
    pub env: Vec<String>,
    pub timeout: Option<Duration>,
    pub memory: Option<u64>,
    pub pids_limit: Option<u64>,
    /// Where a cgroup is delegated, the limits are its (else rlimits): see [`Policy::limit_with_cgroups`].
    pub cgroup: Option<crate::cgroups::CgroupConfig>,
    pub command: Vec<String>,
}

/// The host directories a sandbox sees read-only by default (those that exist).
pub const SYSTEM: &[&str] = &[
    "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt",
];

/// Variables passed from your environment unless `--env-clear`: nothing that usually holds a
/// secret.
const ENV_DEFAULT: &[&str] = &[
    "PATH",
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "USER",
    "LOGNAME",
    "SHELL",
];

/// `30s`, `10m`, `2h`, or seconds.
pub fn parse_duration(s: &str) -> Result<Duration, SandboxError> {
    let bad = || SandboxError::BadValue {
        what: "duration",
        value: s.to_string(),
        why: "use seconds, or a number with s, m or h (30s, 10m, 2h)",
    };
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(bad()),
    };
    if secs == 0 {
        return Err(bad());
    }
    Ok(Duration::from_secs(secs))
}

/// `512m`, `2g`, `100k`, or bytes.
pub fn parse_size(s: &str) -> Result<u64, SandboxError> {
    crate::cgroups::parse_size(s).ok_or_else(|| SandboxError::BadValue {
        what: "size",
        value: s.to_string(),
        why: "use bytes, or a number with k, m or g (512m, 2g)",
    })
}

/// `path` with `.` and `..` worked out without the filesystem (as `realpath -s`).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Check a path to expose: it exists, and neither it nor a directory on the way to it is a
/// symbolic link (the sandbox would see it elsewhere, or a later run be led to somewhere
/// else). Returns it absolute.
fn checked(what: &str, path: &Path, base: &Path) -> Result<PathBuf, SandboxError> {
    let abs = lexical(&base.join(path));
    let mut at = PathBuf::new();
    for c in abs.components() {
        at.push(c);
        match fs::symlink_metadata(&at) {
            Err(_) => {
                return Err(SandboxError::Missing {
                    what: what.to_string(),
                    path: abs,
                });
            }
            Ok(m) if m.file_type().is_symlink() => {
                return Err(SandboxError::Symlink {
                    what: what.to_string(),
                    target: fs::canonicalize(&at)
                        .unwrap_or_else(|_| fs::read_link(&at).unwrap_or_default()),
                    path: abs,
                });
            }
            Ok(_) => {}
        }
    }
    for kernel in ["/proc", "/sys", "/dev"] {
        if abs.starts_with(kernel) {
            return Err(SandboxError::Refused {
                what: what.to_string(),
                path: abs,
                why: "kernel filesystems are the sandbox's own",
            });
        }
    }
    if abs == Path::new("/") {
        return Err(SandboxError::Refused {
            what: what.to_string(),
            path: abs,
            why: "that is the whole filesystem",
        });
    }
    Ok(abs)
}

/// Expand `~/` (your home) in a path from a file.
fn expand(p: &str, home: &Path) -> PathBuf {
    match p.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None if p == "~" => home.to_path_buf(),
        None => PathBuf::from(p),
    }
}

impl Policy {
    /// Settle the policy for running in `cwd` with your `environment`: the flags first, then
    /// `project`'s file.
    pub fn settle(
        req: Request,
        project: Option<&Project>,
        cwd: &Path,
        environment: &[(String, String)],
    ) -> Result<Policy, SandboxError> {
        let home = environment
            .iter()
            .find(|(k, _)| k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .filter(|h| h.is_absolute())
            .ok_or(SandboxError::NoHome)?;
        let home = lexical(&home);
        let project_dir = checked("the project", cwd, Path::new("/"))?;
        if project_dir == Path::new("/") || home.starts_with(&project_dir) {
            return Err(SandboxError::ProjectTooWide(project_dir));
        }
        // What a project's file opens is honoured only from a file you trust.
        if let Some(p) = project
            && p.trust == Trust::Untrusted
        {
            let opens = p.sandbox.opens();
            if !opens.is_empty() {
                return Err(SandboxError::Untrusted {
                    path: p.path.clone(),
                    opens: opens.join(", "),
                });
            }
        }
        let empty = SandboxFile::default();
        let file = project.map_or(&empty, |p| &p.sandbox);
        let file_dir = project
            .and_then(|p| p.path.parent())
            .unwrap_or(cwd)
            .to_path_buf();
        let mut binds: Vec<Bind> = Vec::new();
        let mut add = |path: PathBuf, writable: bool, origin| -> Result<(), SandboxError> {
            if let Some(b) = binds.iter().find(|b| b.path == path) {
                if b.writable != writable {
                    return Err(SandboxError::Conflict { path });
                }
                return Ok(());
            }
            binds.push(Bind {
                path,
                writable,
                origin,
            });
            Ok(())
        };
        for p in &req.ro {
            add(checked("--ro", p, cwd)?, false, Origin::Flag)?;
        }
        for p in &req.rw {
            add(checked("--rw", p, cwd)?, true, Origin::Flag)?;
        }
        for p in &file.ro {
            let path = checked("ro in nook.toml:", &expand(p, &home), &file_dir)?;
            add(path, false, Origin::File)?;
        }
        for p in &file.rw {
            let path = checked("rw in nook.toml:", &expand(p, &home), &file_dir)?;
            add(path, true, Origin::File)?;
        }
        binds.sort_by_key(|b| b.path.components().count());
        // The policy must not be changed from inside: its file, where the sandbox sees it;
        // nor the files your tools run code from, unless asked.
        let writable = |p: &Path| {
            p.starts_with(&project_dir)
                || binds.iter().any(|b| b.writable && p.starts_with(&b.path))
        };
        let mut protected: Vec<PathBuf> = project
            .map(|p| p.path.clone())
            .into_iter()
            .filter(|p| writable(p))
            .collect();
        let mut absent = Vec::new();
        if !(req.unprotect_tool_files || file.unprotect_tool_files.unwrap_or(false)) {
            for name in TOOL_FILES {
                let path = project_dir.join(name);
                // A path you bound yourself is yours to have writable.
                if protected.contains(&path) || binds.iter().any(|b| b.path == path) {
                    continue;
                }
                match fs::symlink_metadata(&path) {
                    Ok(m) if !m.file_type().is_symlink() => protected.push(path),
                    Ok(_) => {}
                    Err(_) => absent.push(path),
                }
            }
        }
        let env_clear = req.env_clear || file.env_clear.unwrap_or(false);
        let mut keep: Vec<&str> = if env_clear {
            vec!["PATH"]
        } else {
            ENV_DEFAULT.to_vec()
        };
        keep.extend(req.env_keep.iter().map(String::as_str));
        keep.extend(file.env_keep.iter().map(String::as_str));
        let kept = |name: &str| {
            keep.iter().any(|k| match k.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == *k,
            })
        };
        let mut env: Vec<String> = environment
            .iter()
            .filter(|(k, _)| kept(k) && k != "HOME" && k != "PWD")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut set = |entry: String| {
            let key = entry.split('=').next().unwrap_or("").to_string();
            env.retain(|e| e.split('=').next() != Some(&key));
            env.push(entry);
        };
        set(format!("HOME={}", home.display()));
        set(format!("PWD={}", project_dir.display()));
        set("TMPDIR=/tmp".to_string());
        if !environment.iter().any(|(k, _)| k == "PATH") {
            set(format!("PATH={}", crate::runtime::launch::DEFAULT_PATH));
        }
        for (k, v) in &file.env {
            set(format!("{k}={v}"));
        }
        for e in &req.env {
            match e.split_once('=') {
                Some((k, _)) if !k.is_empty() => set(e.clone()),
                _ => {
                    return Err(SandboxError::BadValue {
                        what: "--env",
                        value: e.clone(),
                        why: "use KEY=VALUE",
                    });
                }
            }
        }
        let timeout = req
            .timeout
            .as_deref()
            .or(file.timeout.as_deref())
            .map(parse_duration)
            .transpose()?;
        let memory = req
            .memory
            .as_deref()
            .or(file.memory.as_deref())
            .map(parse_size)
            .transpose()?;
        let pids_limit = req.pids_limit.or(file.pids_limit);
        if pids_limit == Some(0) {
            return Err(SandboxError::BadValue {
                what: "--pids-limit",
                value: "0".to_string(),
                why: "at least 1",
            });
        }
        let system = SYSTEM
            .iter()
            .map(PathBuf::from)
            .filter(|p| fs::symlink_metadata(p).is_ok())
            .collect();
        Ok(Policy {
            project: project_dir,
            home,
            system,
            binds,
            protected,
            absent,
            source: project.map(|p| (p.path.clone(), p.trust.clone())),
            net_origin: match (req.net, file.net) {
                (true, _) => Origin::Flag,
                (false, Some(true)) => Origin::File,
                _ => Origin::Default,
            },
            net: req.net || file.net.unwrap_or(false),
            host_loopback: req.host_loopback || file.host_loopback.unwrap_or(false),
            image: req.image.or_else(|| file.image.clone()),
            env,
            timeout,
            memory,
            pids_limit,
            cgroup: None,
            command: req.command,
        })
    }

    /// Enforce --memory and --pids-limit with a cgroup of the sandbox's own where `host`
    /// delegates the controllers (memory without swap: what the sandbox gets is all it
    /// gets); otherwise they stay rlimits.
    pub fn limit_with_cgroups(&mut self, host: &crate::cgroups::Host) {
        use crate::cgroups::{CgroupConfig, Limits, Max};
        let limits = Limits {
            memory: self.memory,
            swap: self.memory.map(|_| Max::Limit(0)),
            pids: self.pids_limit.map(Max::Limit),
            ..Limits::default()
        };
        if limits.is_empty() {
            return;
        }
        if let Ok(manager) = host.manager(None)
            && limits.missing(&host.controllers(manager)).is_empty()
        {
            self.cgroup = Some(CgroupConfig { manager, limits });
        }
    }

    /// The walls, in words (`nook sandbox --explain`), and where each comes from.
    pub fn explain(&self) -> String {
        let list = |ps: &mut dyn Iterator<Item = &Path>| {
            ps.map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut out = match self.command.is_empty() {
            true => "nook sandbox: the walls a command here would run behind\n".to_string(),
            false => format!(
                "nook sandbox: the walls around `{}`\n",
                self.command.join(" ")
            ),
        };
        let row = |out: &mut String, k: &str, v: String| {
            out.push_str(&format!("  {k:<12} {v}\n"));
        };
        row(
            &mut out,
            "policy",
            match &self.source {
                None => "the defaults and your flags (no nook.toml)".to_string(),
                Some((p, Trust::Given)) => format!("{} (--config)", p.display()),
                Some((p, Trust::Trusted(at))) => {
                    format!("{} (trusted with `nook trust`, {at})", p.display())
                }
                Some((p, Trust::Untrusted)) => format!(
                    "{} (not trusted: only limits from it, which tighten the walls)",
                    p.display()
                ),
            },
        );
        row(
            &mut out,
            "namespaces",
            "user (you, as yourself; the mounts locked by a second user namespace), mount, \
             pid, ipc, uts, cgroup, network"
                .to_string(),
        );
        let system = match &self.image {
            Some(i) => format!("read-only: the image {i}'s root filesystem"),
            None => format!(
                "read-only: {} (the host's)",
                list(&mut self.system.iter().map(PathBuf::as_path))
            ),
        };
        row(&mut out, "filesystem", system);
        let shown = |b: &Bind| format!("{} ({})", b.path.display(), b.origin.shown());
        let ro: Vec<String> = self
            .binds
            .iter()
            .filter(|b| !b.writable)
            .map(shown)
            .collect();
        if !ro.is_empty() {
            row(&mut out, "", format!("read-only: {}", ro.join(" ")));
        }
        let mut rw = vec![format!("{} (the project)", self.project.display())];
        rw.extend(self.binds.iter().filter(|b| b.writable).map(shown));
        rw.push("/tmp /var/tmp (private, empty)".to_string());
        row(&mut out, "", format!("writable:  {}", rw.join(" ")));
        // The home is hidden unless a path shown is it, or holds it.
        match self.binds.iter().find(|b| self.home.starts_with(&b.path)) {
            Some(b) => row(
                &mut out,
                "",
                format!(
                    "your home {} is shown ({}, by {})",
                    self.home.display(),
                    if b.writable { "writable" } else { "read-only" },
                    shown(b)
                ),
            ),
            None => row(
                &mut out,
                "",
                format!(
                    "hidden:    {} (an empty private home), and the rest of the host",
                    self.home.display()
                ),
            ),
        }
        if !self.protected.is_empty() {
            row(
                &mut out,
                "",
                format!(
                    "protected: {} (read-only: the sandbox cannot change its policy, nor what \
                     your tools run code from; --unprotect-tool-files)",
                    list(&mut self.protected.iter().map(PathBuf::as_path))
                ),
            );
        }
        if !self.absent.is_empty() {
            row(
                &mut out,
                "",
                format!(
                    "watched:   {} (made by the command, moved aside after it)",
                    list(&mut self.absent.iter().map(PathBuf::as_path))
                ),
            );
        }
        let origin = match self.net_origin {
            Origin::Default => String::new(),
            o => format!(" ({})", o.shown()),
        };
        row(
            &mut out,
            "network",
            match (self.net, self.host_loopback) {
                (true, false) => format!(
                    "through pasta{origin}: outbound connections, not the host's loopback \
                     (--host-loopback), no published ports"
                ),
                (true, true) => format!(
                    "through pasta{origin}: outbound connections and the host's loopback, no \
                     published ports"
                ),
                (false, _) => "none: only lo (--net for pasta)".to_string(),
            },
        );
        row(
            &mut out,
            "privileges",
            "no capabilities, no_new_privs, a session of its own (no terminal to inject into), \
             only stdin, stdout and stderr open; nook's own processes are closed to it \
             (not dumpable; run from a sealed copy where you own nook's file)"
                .to_string(),
        );
        row(
            &mut out,
            "seccomp",
            "docker's default allowlist (without io_uring); TIOCSTI and TIOCLINUX refused"
                .to_string(),
        );
        row(
            &mut out,
            "landlock",
            match crate::sys::landlock_abi() {
                Some(v) => format!(
                    "ABI {v}: writes only beneath the writable paths{}",
                    if v >= 6 {
                        "; no signals to, and no abstract sockets of, processes outside"
                    } else {
                        ""
                    }
                ),
                None => "not available in this kernel: the other walls stand alone".to_string(),
            },
        );
        let mut limits = Vec::new();
        if let Some(t) = self.timeout {
            limits.push(format!("ended after {}s (exit 124)", t.as_secs()));
        }
        let by_cgroup = self.cgroup.is_some();
        if let Some(m) = self.memory {
            limits.push(match by_cgroup {
                true => format!("{} MiB of memory in all, no swap (its own cgroup)", m >> 20),
                false => format!(
                    "{} MiB of address space per process (RLIMIT_AS: no cgroup is delegated here)",
                    m >> 20
                ),
            });
        }
        if let Some(p) = self.pids_limit {
            limits.push(match by_cgroup {
                true => format!("{p} processes in all (its own cgroup)"),
                false => format!("{p} processes (RLIMIT_NPROC, counted in its user namespace)"),
            });
        }
        row(
            &mut out,
            "limits",
            if limits.is_empty() {
                "none (--timeout, --memory, --pids-limit)".to_string()
            } else {
                limits.join("; ")
            },
        );
        let names: Vec<&str> = self
            .env
            .iter()
            .filter_map(|e| e.split('=').next())
            .collect();
        row(
            &mut out,
            "environment",
            format!("{} (--env-keep NAME to pass more)", names.join(" ")),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(home: &Path) -> Vec<(String, String)> {
        vec![
            ("HOME".into(), home.display().to_string()),
            ("PATH".into(), "/usr/bin:/bin".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "hush".into()),
            ("LC_ALL".into(), "C.UTF-8".into()),
            ("CARGO_HOME".into(), "/c".into()),
        ]
    }

    #[test]
    fn policies_are_checked_and_merged() {
        let d = tempfile::tempdir().unwrap();
        let home = d.path().join("home");
        let proj = home.join("proj");
        fs::create_dir_all(proj.join("out")).unwrap();
        fs::create_dir_all(home.join("cache")).unwrap();
        std::os::unix::fs::symlink(home.join("cache"), proj.join("link")).unwrap();
        let req = |ro: &[&str], rw: &[&str]| Request {
            ro: ro.iter().map(PathBuf::from).collect(),
            rw: rw.iter().map(PathBuf::from).collect(),
            command: vec!["make".into()],
            ..Request::default()
        };
        let p = Policy::settle(req(&["../cache"], &["out"]), None, &proj, &env(&home)).unwrap();
        assert_eq!(p.project, proj);
        assert_eq!(p.binds.len(), 2);
        assert!(
            p.binds
                .iter()
                .any(|b| b.path == home.join("cache") && !b.writable)
        );
        assert!(
            !p.env.iter().any(|e| e.starts_with("AWS_")),
            "secrets stay out"
        );
        assert!(p.env.contains(&"LC_ALL=C.UTF-8".to_string()));
        assert!(p.env.contains(&format!("PWD={}", proj.display())));
        // mistakes
        assert!(matches!(
            Policy::settle(req(&[], &["nope"]), None, &proj, &env(&home)),
            Err(SandboxError::Missing { .. })
        ));
        assert!(matches!(
            Policy::settle(req(&[], &["link"]), None, &proj, &env(&home)),
            Err(SandboxError::Symlink { .. })
        ));
        assert!(matches!(
            Policy::settle(req(&["out"], &["out"]), None, &proj, &env(&home)),
            Err(SandboxError::Conflict { .. })
        ));
        assert!(matches!(
            Policy::settle(req(&["/proc/1"], &[]), None, &proj, &env(&home)),
            Err(SandboxError::Refused { .. })
        ));
        assert!(matches!(
            Policy::settle(req(&[], &[]), None, &home, &env(&home)),
            Err(SandboxError::ProjectTooWide(_))
        ));
        // nook.toml: ~ and relative paths, kept variables, refusal of unknown keys
        let file = proj.join("nook.toml");
        fs::write(
            &file,
            "[sandbox]\nro = [\"~/cache\"]\nenv_keep = [\"CARGO_*\"]\npids_limit = 50\ntimeout = \"2m\"\n",
        )
        .unwrap();
        let mut passed = Vec::new();
        let mut project = Project::find(&proj.join("out"), &mut passed)
            .unwrap()
            .unwrap();
        // What it opens (a path of your home, variables) needs your trust; limits do not.
        assert!(matches!(
            Policy::settle(req(&[], &[]), Some(&project), &proj, &env(&home)),
            Err(SandboxError::Untrusted { .. })
        ));
        project.trust = Trust::Trusted("now".into());
        fs::create_dir(proj.join(".git")).unwrap();
        let p = Policy::settle(req(&[], &[]), Some(&project), &proj, &env(&home)).unwrap();
        assert_eq!(p.binds[0].path, home.join("cache"));
        assert_eq!(p.binds[0].origin, Origin::File);
        assert!(p.env.contains(&"CARGO_HOME=/c".to_string()));
        assert_eq!(
            (p.pids_limit, p.timeout),
            (Some(50), Some(Duration::from_secs(120)))
        );
        // the policy and the tool files there are read-only; those missing are watched
        assert_eq!(p.protected, vec![file.clone(), proj.join(".git")]);
        assert!(p.absent.contains(&proj.join(".vscode")));
        let e = Policy {
            command: vec!["make".into()],
            ..p
        }
        .explain();
        assert!(e.contains("landlock") && e.contains("nook.toml"), "{e}");
        assert!(e.contains("trusted with `nook trust`"), "{e}");
        // an untrusted file that only tightens is honoured
        fs::write(&file, "[sandbox]\npids_limit = 7\n").unwrap();
        let project = Project::find(&proj, &mut passed).unwrap().unwrap();
        let p = Policy::settle(req(&[], &[]), Some(&project), &proj, &env(&home)).unwrap();
        assert_eq!(p.pids_limit, Some(7));
        // a home shown whole is not called hidden
        let p = Policy::settle(
            req(&[], &[home.to_str().unwrap()]),
            None,
            &proj,
            &env(&home),
        )
        .unwrap();
        let e = p.explain();
        assert!(
            e.contains("is shown (writable") && !e.contains("hidden:"),
            "{e}"
        );
        fs::write(&file, "[sandbox]\nnetwork = true\n").unwrap();
        assert!(matches!(
            Project::find(&proj, &mut passed),
            Err(SandboxError::Config { .. })
        ));
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert!(parse_size("lots").is_err() && parse_duration("0").is_err());
    }
}
