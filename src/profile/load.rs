//! Finding a profile (the project's `nook.toml`, a file you name, yours or a shipped one by
//! name) and folding what it `extends` into one [`Profile`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::ProfileError;
use super::schema::{
    self, Home, Hooks, HostSection, LimitsSection, MountEntry, MountType, NetworkMode, ProfileFile,
    Step, Task, WorkspaceMount,
};

/// The profiles that come with nook.
const SHIPPED: &[(&str, &str)] = &[
    ("debian", include_str!("../../profiles/debian.toml")),
    ("c", include_str!("../../profiles/c.toml")),
    ("python", include_str!("../../profiles/python.toml")),
    ("rust", include_str!("../../profiles/rust.toml")),
    ("node", include_str!("../../profiles/node.toml")),
];

/// Deepest chain of `extends`.
const MAX_DEPTH: usize = 16;

/// Where a profile came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Shipped with nook.
    Shipped(String),
    /// Yours: `$XDG_CONFIG_HOME/nook/profiles/NAME.toml`.
    Yours(PathBuf),
    /// A project's file (found above the working directory, or named by path): honoured
    /// only once you trust it.
    Project(PathBuf),
}

impl Origin {
    pub fn shown(&self) -> String {
        match self {
            Origin::Shipped(name) => format!("{name} (shipped with nook)"),
            Origin::Yours(p) | Origin::Project(p) => p.display().to_string(),
        }
    }
}

/// The packages one profile of the chain adds (one layer each, so that profiles built on the
/// same ones share them).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PackageSet {
    pub from: String,
    pub install: Vec<String>,
}

/// A profile with everything it extends folded in.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: String,
    pub description: String,
    pub origin: Origin,
    /// Its text's SHA-256 (what `nook trust` records), for a project's file.
    pub sha256: String,
    /// Where its inputs are read and what `workspace = "dir"` means.
    pub dir: PathBuf,
    /// The files it was made of, bottom first.
    pub chain: Vec<String>,
    pub base: String,
    pub packages: Vec<PackageSet>,
    pub setup: Vec<Step>,
    pub env: BTreeMap<String, String>,
    pub home: Home,
    pub shell: Option<String>,
    pub workspace: WorkspaceMount,
    pub readonly: bool,
    pub network: NetworkMode,
    pub ports: Vec<String>,
    pub host_loopback: bool,
    pub dotfiles: Vec<String>,
    pub mounts: Vec<MountEntry>,
    pub cache: BTreeMap<String, String>,
    pub hooks: Hooks,
    pub tasks: BTreeMap<String, Task>,
    pub limits: LimitsSection,
    pub host: HostSection,
    pub level: schema::Level,
}

/// What of a profile decides what is built (and so what the lock pins).
#[derive(Serialize)]
pub struct BuildPart<'a> {
    pub base: &'a str,
    pub packages: &'a [PackageSet],
    pub setup: &'a [Step],
}

impl Profile {
    pub fn build_part(&self) -> BuildPart<'_> {
        BuildPart {
            base: &self.base,
            packages: &self.packages,
            setup: &self.setup,
        }
    }

    /// What in it opens walls beyond a plain shell's (shown when it asks for your trust).
    pub fn asks(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.setup {
            let net = if s.network == Some(false) {
                ""
            } else {
                ", with network"
            };
            let run = s.run.trim().replace('\n', "\n      ");
            out.push(format!("run set-up step {:?}{net}:\n      {run}", s.name));
        }
        if self.home == Home::Host {
            out.push("home = \"host\": your real home directory, writable".to_string());
        }
        if self.network == NetworkMode::Host {
            out.push("network mode = \"host\": the host's network".to_string());
        }
        if self.host_loopback {
            out.push("host_loopback = true: services on your machine's loopback".to_string());
        }
        if !self.ports.is_empty() {
            out.push(format!("ports = {:?}", self.ports));
        }
        if !self.dotfiles.is_empty() {
            out.push(format!("dotfiles = {:?} (read-only)", self.dotfiles));
        }
        for m in &self.mounts {
            if m.kind == MountType::Bind {
                out.push(format!(
                    "mount {} at {}{}",
                    m.source.as_deref().unwrap_or("?"),
                    m.target,
                    if m.readonly {
                        " (read-only)"
                    } else {
                        ", writable"
                    }
                ));
            }
        }
        if self.host.display == Some(true) {
            out.push("display = true: your Wayland or X11 display".to_string());
        }
        if self.host.gpu == Some(true) {
            out.push("gpu = true: your GPUs (/dev/dri)".to_string());
        }
        if self.level == schema::Level::None {
            out.push("[sandbox] level = \"none\": no seccomp filter".to_string());
        }
        if self.host.ssh_agent == Some(true) {
            out.push("ssh_agent = true: your ssh agent (it can sign with your keys)".to_string());
        }
        for (what, hook) in [
            ("on_home_create", &self.hooks.on_home_create),
            ("on_enter", &self.hooks.on_enter),
        ] {
            if let Some(h) = hook {
                out.push(format!("run {what}: {}", h.trim()));
            }
        }
        out
    }
}

impl Profile {
    /// The tasks `name` needs, then it: each once, in order.
    pub fn task_order(&self, name: &str) -> Result<Vec<(&str, &Task)>, ProfileError> {
        fn visit<'a>(
            p: &'a Profile,
            name: &str,
            path: &mut Vec<String>,
            out: &mut Vec<(&'a str, &'a Task)>,
        ) -> Result<(), ProfileError> {
            if out.iter().any(|(n, _)| *n == name) {
                return Ok(());
            }
            if path.iter().any(|p| p == name) {
                path.push(name.to_string());
                return Err(ProfileError::Task(format!(
                    "tasks depend on each other: {}",
                    path.join(" → ")
                )));
            }
            let Some((key, task)) = p.tasks.get_key_value(name) else {
                return Err(ProfileError::Task(format!(
                    "no task {name:?}{}; the profile has: {}",
                    match path.last() {
                        Some(by) => format!(" (task {by:?} depends on it)"),
                        None => String::new(),
                    },
                    p.tasks.keys().cloned().collect::<Vec<_>>().join(", ")
                )));
            };
            path.push(key.clone());
            for dep in &task.depends {
                visit(p, dep, path, out)?;
            }
            path.pop();
            out.push((key, task));
            Ok(())
        }
        let mut out = Vec::new();
        visit(self, name, &mut Vec::new(), &mut out)?;
        Ok(out)
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && !name.starts_with(['.', '-'])
}

/// Where your own profiles live.
pub fn your_profiles() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.config_dir().join("nook/profiles"))
}

/// The names of the profiles you can enter by name: yours, then the shipped ones.
pub fn known() -> Vec<(String, Origin)> {
    let mut out: Vec<(String, Origin)> = Vec::new();
    if let Some(dir) = your_profiles()
        && let Ok(entries) = std::fs::read_dir(&dir)
    {
        for e in entries.flatten() {
            let path = e.path();
            if let (Some(stem), Some("toml")) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) && valid_name(stem)
            {
                out.push((stem.to_string(), Origin::Yours(path.clone())));
            }
        }
    }
    for (name, _) in SHIPPED {
        if !out.iter().any(|(n, _)| n == name) {
            out.push((name.to_string(), Origin::Shipped(name.to_string())));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The text of the profile named `name`: yours first, then nook's.
fn by_name(name: &str) -> Result<(Origin, String, String), ProfileError> {
    if !valid_name(name) {
        return Err(ProfileError::BadName(name.to_string()));
    }
    if let Some(dir) = your_profiles() {
        let path = dir.join(format!("{name}.toml"));
        if path.exists() {
            let checked = crate::trust::Checked::read(&path, true)?;
            return Ok((Origin::Yours(checked.path), checked.text, checked.sha256));
        }
    }
    match SHIPPED.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => Ok((
            Origin::Shipped(name.to_string()),
            text.to_string(),
            String::new(),
        )),
        None => Err(ProfileError::Unknown {
            name: name.to_string(),
            known: known().into_iter().map(|(n, _)| n).collect(),
        }),
    }
}

/// The project's `nook.toml`: in `dir` or the nearest directory above it (only yours, never a
/// link: the rules `nook sandbox` follows).
pub fn find_project(dir: &Path) -> Result<Option<PathBuf>, ProfileError> {
    let mut passed = Vec::new();
    let found = crate::sandbox::Project::locate(dir, &mut passed)?;
    for p in passed {
        eprintln!("note: passed over {p}");
    }
    Ok(found)
}

/// Load what `spec` names: a profile name, a path to a profile file (or a directory with a
/// `nook.toml`), or (None) the project's `nook.toml` above `cwd`.
pub fn load(spec: Option<&str>, cwd: &Path) -> Result<Profile, ProfileError> {
    let path = match spec {
        None => Some(find_project(cwd)?.ok_or_else(|| ProfileError::NoProfile(cwd.to_path_buf()))?),
        Some(s) if s.contains('/') || s.ends_with(".toml") || s == "." || s == ".." => {
            let p = cwd.join(s);
            Some(if p.is_dir() { p.join("nook.toml") } else { p })
        }
        Some(_) => None,
    };
    let (origin, text, sha256, dir) = match (path, spec) {
        (Some(path), _) => {
            let checked = crate::trust::Checked::read(&path, true)?;
            let dir = checked
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.to_path_buf());
            (
                Origin::Project(checked.path),
                checked.text,
                checked.sha256,
                dir,
            )
        }
        (None, Some(name)) => {
            let (origin, text, sha) = by_name(name)?;
            (origin, text, sha, cwd.to_path_buf())
        }
        (None, None) => unreachable!("no spec means a path"),
    };
    let name = match (&origin, spec) {
        (Origin::Project(p), _) => p
            .parent()
            .and_then(|d| d.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".to_string()),
        (_, Some(n)) => n.to_string(),
        _ => "profile".to_string(),
    };
    let mut stack = vec![name.clone()];
    let mut profile = fold(&origin, &text, &mut stack)?;
    profile.name = sanitize(&name);
    profile.origin = origin;
    profile.sha256 = sha256;
    profile.dir = dir;
    if profile.base.is_empty() {
        return Err(ProfileError::NoBase(profile.origin.shown()));
    }
    Ok(profile)
}

/// A name fit for an image tag and a volume.
fn sanitize(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches(['.', '-', '_']).to_string();
    if s.is_empty() {
        "profile".to_string()
    } else {
        s
    }
}

fn empty(origin: &Origin) -> Profile {
    Profile {
        name: String::new(),
        description: String::new(),
        origin: origin.clone(),
        sha256: String::new(),
        dir: PathBuf::new(),
        chain: Vec::new(),
        base: String::new(),
        packages: Vec::new(),
        setup: Vec::new(),
        env: BTreeMap::new(),
        home: Home::default(),
        shell: None,
        workspace: WorkspaceMount::default(),
        readonly: false,
        network: NetworkMode::default(),
        ports: Vec::new(),
        host_loopback: false,
        dotfiles: Vec::new(),
        mounts: Vec::new(),
        cache: BTreeMap::new(),
        hooks: Hooks::default(),
        tasks: BTreeMap::new(),
        limits: LimitsSection::default(),
        host: HostSection::default(),
        level: schema::Level::default(),
    }
}

/// `text` over the profiles it extends.
fn fold(origin: &Origin, text: &str, stack: &mut Vec<String>) -> Result<Profile, ProfileError> {
    let file = schema::parse(text).map_err(|r| ProfileError::Syntax {
        file: origin.shown(),
        refusal: r,
    })?;
    check(origin, &file)?;
    let mut out = empty(origin);
    for parent in &file.extends {
        if stack.contains(parent) {
            let mut chain = stack.clone();
            chain.push(parent.clone());
            return Err(ProfileError::Cycle(chain.join(" → ")));
        }
        if stack.len() >= MAX_DEPTH {
            return Err(ProfileError::TooDeep(stack.join(" → ")));
        }
        let (o, t, _) = by_name(parent)?;
        stack.push(parent.clone());
        let p = fold(&o, &t, stack)?;
        stack.pop();
        merge(&mut out, p);
    }
    apply(&mut out, origin, file);
    Ok(out)
}

/// Lay `over` (a parent, folded) onto `out`.
fn merge(out: &mut Profile, over: Profile) {
    for c in over.chain {
        if !out.chain.contains(&c) {
            out.chain.push(c);
        }
    }
    if !over.description.is_empty() {
        out.description = over.description;
    }
    if !over.base.is_empty() {
        out.base = over.base;
    }
    for set in over.packages {
        if !out.packages.contains(&set) {
            out.packages.push(set);
        }
    }
    for step in over.setup {
        add_step(&mut out.setup, step);
    }
    out.env.extend(over.env);
    out.home = over.home;
    out.shell = over.shell.or(out.shell.take());
    out.workspace = over.workspace;
    out.readonly = over.readonly;
    out.network = over.network;
    if !over.ports.is_empty() {
        out.ports = over.ports;
    }
    out.host_loopback |= over.host_loopback;
    for d in over.dotfiles {
        if !out.dotfiles.contains(&d) {
            out.dotfiles.push(d);
        }
    }
    out.mounts.extend(over.mounts);
    out.cache.extend(over.cache);
    out.hooks = over_hooks(out.hooks.clone(), over.hooks);
    out.tasks.extend(over.tasks);
    out.limits = over_limits(out.limits.clone(), over.limits);
    out.host = over_host(out.host.clone(), over.host);
    out.level = over.level;
}

fn over_hooks(a: Hooks, b: Hooks) -> Hooks {
    Hooks {
        on_home_create: b.on_home_create.or(a.on_home_create),
        on_enter: b.on_enter.or(a.on_enter),
    }
}

fn over_limits(a: LimitsSection, b: LimitsSection) -> LimitsSection {
    LimitsSection {
        memory: b.memory.or(a.memory),
        cpus: b.cpus.or(a.cpus),
        pids: b.pids.or(a.pids),
    }
}

fn over_host(a: HostSection, b: HostSection) -> HostSection {
    HostSection {
        ssh_agent: b.ssh_agent.or(a.ssh_agent),
        timezone: b.timezone.or(a.timezone),
        locale: b.locale.or(a.locale),
        display: b.display.or(a.display),
        gpu: b.gpu.or(a.gpu),
    }
}

/// A step of the same name replaces the one it overrides, in its place.
fn add_step(steps: &mut Vec<Step>, step: Step) {
    match steps.iter_mut().find(|s| s.name == step.name) {
        Some(s) => *s = step,
        None => steps.push(step),
    }
}

fn apply(out: &mut Profile, origin: &Origin, file: ProfileFile) {
    out.chain.push(origin.shown());
    if let Some(d) = file.description {
        out.description = d;
    }
    if let Some(b) = file.base {
        out.base = b.image;
    }
    if let Some(p) = file.packages
        && !p.install.is_empty()
    {
        let set = PackageSet {
            from: match origin {
                Origin::Shipped(n) => n.clone(),
                _ => origin.shown(),
            },
            install: p.install,
        };
        if !out.packages.contains(&set) {
            out.packages.push(set);
        }
    }
    for step in file.setup {
        add_step(&mut out.setup, step);
    }
    out.env.extend(file.env);
    if let Some(u) = file.user {
        out.home = u.home.unwrap_or(out.home);
        out.shell = u.shell.or(out.shell.take());
        for d in u.dotfiles {
            if !out.dotfiles.contains(&d) {
                out.dotfiles.push(d);
            }
        }
    }
    out.mounts.extend(file.mount);
    out.cache.extend(file.cache);
    out.tasks.extend(file.tasks);
    if let Some(h) = file.hooks {
        out.hooks = over_hooks(out.hooks.clone(), h);
    }
    if let Some(l) = file.limits {
        out.limits = over_limits(out.limits.clone(), l);
    }
    if let Some(h) = file.host {
        out.host = over_host(out.host.clone(), h);
    }
    if let Some(l) = file.sandbox.level {
        out.level = l;
    }
    if let Some(w) = file.workspace {
        out.workspace = w.mount.unwrap_or(out.workspace);
        out.readonly = w.readonly.unwrap_or(out.readonly);
    }
    if let Some(n) = file.network {
        out.network = n.mode.unwrap_or(out.network);
        if let Some(p) = n.ports {
            out.ports = p;
        }
        out.host_loopback = n.host_loopback.unwrap_or(out.host_loopback);
    }
}

/// What must hold of a file's values (beyond their types).
fn check(origin: &Origin, file: &ProfileFile) -> Result<(), ProfileError> {
    let bad = |what: String| ProfileError::Invalid {
        file: origin.shown(),
        what,
    };
    let mut names = Vec::new();
    for s in &file.setup {
        if s.name.is_empty() || s.name.len() > 64 || s.name.chars().any(|c| c.is_control()) {
            return Err(bad(format!(
                "a [[setup]] step needs a name (one line, up to 64 characters): {:?}",
                s.name
            )));
        }
        if names.contains(&&s.name) {
            return Err(bad(format!("two [[setup]] steps are named {:?}", s.name)));
        }
        names.push(&s.name);
        if s.run.trim().is_empty() {
            return Err(bad(format!(
                "[[setup]] step {:?} has nothing to run",
                s.name
            )));
        }
        for i in &s.inputs {
            let p = Path::new(i);
            if i.is_empty()
                || !super::plan::valid_input(i)
                || p.is_absolute()
                || p.components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(bad(format!(
                    "[[setup]] step {:?}: input {i:?} must be a path inside the project \
                     (relative, without . or .., of letters, digits and + . _ / @ -)",
                    s.name
                )));
            }
        }
        for c in &s.cache {
            if !c.starts_with('/') || c.split('/').any(|x| x == "..") || c.contains(',') {
                return Err(bad(format!(
                    "[[setup]] step {:?}: cache {c:?} must be an absolute path in the \
                     environment",
                    s.name
                )));
            }
        }
        check_env(&s.env).map_err(&bad)?;
    }
    check_env(&file.env).map_err(&bad)?;
    // Paths given to `nook run` flags, where ':' and ',' separate fields.
    let plain = |p: &str| !p.is_empty() && !p.contains([':', ',', '\n']);
    let inside = |p: &str| plain(p) && (p.starts_with('/') || p.starts_with("~/"));
    for d in file.user.iter().flat_map(|u| &u.dotfiles) {
        if !plain(d) || !d.starts_with("~/") {
            return Err(bad(format!(
                "dotfiles: {d:?} must be a file of your home, as ~/PATH (without : or ,)"
            )));
        }
    }
    for m in &file.mount {
        if !inside(&m.target) {
            return Err(bad(format!(
                "[[mount]] target {:?} must be an absolute path (or ~/PATH), without : or ,",
                m.target
            )));
        }
        match (m.kind, &m.source) {
            (MountType::Tmpfs, None) => {}
            (MountType::Tmpfs, Some(_)) => {
                return Err(bad("[[mount]] of type tmpfs takes no source".to_string()));
            }
            (_, Some(s)) if plain(s) => {}
            _ => {
                return Err(bad(format!(
                    "[[mount]] at {} needs a source (a path or a volume name, without : or ,)",
                    m.target
                )));
            }
        }
    }
    for (name, path) in &file.cache {
        if !valid_name(name) || !inside(path) {
            return Err(bad(format!(
                "[cache] {name} = {path:?}: a name (letters, digits, _ . -) and an absolute \
                 path or ~/PATH"
            )));
        }
    }
    for (name, task) in &file.tasks {
        if !valid_name(name) || task.run.trim().is_empty() {
            return Err(bad(format!(
                "[tasks.{name}]: a name of letters, digits, _ . - and something to run"
            )));
        }
    }
    if let Some(p) = &file.packages {
        for pkg in &p.install {
            if !super::plan::valid_package(pkg) {
                return Err(bad(format!(
                    "[packages] {pkg:?} is not a package name (letters, digits and + . _ : ~ \
                     = - only)"
                )));
            }
        }
    }
    if let Some(b) = &file.base {
        crate::image::reference::Reference::parse(&b.image)
            .map_err(|e| bad(format!("[base] image {:?}: {e}", b.image)))?;
    }
    for e in &file.extends {
        if !valid_name(e) {
            return Err(bad(format!(
                "extends = [{e:?}]: name a profile (yours or nook's), e.g. \"debian\""
            )));
        }
    }
    Ok(())
}

fn check_env(env: &BTreeMap<String, String>) -> Result<(), String> {
    for k in env.keys() {
        let ok = k
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
        if !ok || k.is_empty() {
            return Err(format!("{k:?} is not a variable name"));
        }
    }
    Ok(())
}

/// `$VAR` and `${VAR}` in `value`, from `lookup` (unset: empty); `$$` is a `$`.
pub fn expand(value: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('$') => {
                chars.next();
                out.push('$');
            }
            Some('{') => {
                chars.next();
                let name: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push_str(&lookup(&name).unwrap_or_default());
            }
            Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
                let mut name = String::new();
                while let Some(c) = chars.peek() {
                    if c.is_ascii_alphanumeric() || *c == '_' {
                        name.push(*c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push_str(&lookup(&name).unwrap_or_default());
            }
            _ => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_read_and_fold() {
        let cwd = std::env::temp_dir();
        for (name, _) in SHIPPED {
            let p = load(Some(name), &cwd).unwrap();
            assert!(!p.base.is_empty(), "{name}");
            assert!(!p.description.is_empty(), "{name}");
        }
        let rust = load(Some("rust"), &cwd).unwrap();
        let from: Vec<&str> = rust.packages.iter().map(|s| s.from.as_str()).collect();
        assert_eq!(from, ["debian", "c", "rust"]);
    }

    #[test]
    fn tasks_run_after_what_they_depend_on() {
        let mut p = load(Some("debian"), &std::env::temp_dir()).unwrap();
        let task = |run: &str, deps: &[&str]| Task {
            run: run.to_string(),
            description: None,
            depends: deps.iter().map(|d| d.to_string()).collect(),
        };
        p.tasks.insert("test".into(), task("t", &["build", "lint"]));
        p.tasks.insert("build".into(), task("b", &["gen"]));
        p.tasks.insert("lint".into(), task("l", &["gen"]));
        p.tasks.insert("gen".into(), task("g", &[]));
        let order: Vec<&str> = p.task_order("test").unwrap().iter().map(|t| t.0).collect();
        assert_eq!(order, ["gen", "build", "lint", "test"]);
        p.tasks.insert("gen".into(), task("g", &["test"]));
        let e = p.task_order("test").unwrap_err().to_string();
        assert!(e.contains("test → build → gen → test"), "{e}");
        let e = p.task_order("nope").unwrap_err().to_string();
        assert!(e.contains("no task \"nope\""), "{e}");
    }

    #[test]
    fn expansion_takes_names_and_braces() {
        let look = |n: &str| match n {
            "PATH" => Some("/bin".to_string()),
            "A" => Some("a".to_string()),
            _ => None,
        };
        assert_eq!(expand("/opt:$PATH", &look), "/opt:/bin");
        assert_eq!(expand("${A}x$A-$$A$", &look), "axa-$A$");
        assert_eq!(expand("$NOPE.", &look), ".");
    }
}
