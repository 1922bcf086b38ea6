//! `nook compose`: multi-container applications from compose files. This part reads them:
//! finds the files, merges several as docker compose merges them, resolves YAML anchors and
//! merge keys, interpolates variables from the environment and `.env`, drops `x-`
//! extensions, and checks every key against the model ([`model`]); an unknown key is an error
//! that names it and its line. [`driver`] brings the result up and down.

pub mod canonical;
pub mod driver;
pub mod files;
pub mod interpolate;
pub mod model;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use model::Document;

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(
        "no compose file here or in a parent directory (compose.yaml, compose.yml, \
         docker-compose.yaml, docker-compose.yml): give one with -f"
    )]
    NoFile,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: {why}")]
    Invalid { file: String, why: String },
    #[error("{file}: variable {name} is required: {message}")]
    Required {
        file: String,
        name: String,
        message: String,
    },
    #[error("{0}")]
    Project(String),
}

/// The names docker compose looks for, in its order.
const NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// How the files are chosen and read.
#[derive(Debug, Default)]
pub struct Options {
    pub files: Vec<PathBuf>,
    pub project: Option<String>,
    pub env_file: Option<PathBuf>,
    pub profiles: Vec<String>,
}

/// A loaded project.
#[derive(Debug)]
pub struct Project {
    pub name: String,
    /// Where relative paths (bind mounts, env files) start: the first file's directory.
    pub dir: PathBuf,
    pub doc: Document,
    /// Profiles asked for: services with profiles run only when one of theirs is.
    pub profiles: Vec<String>,
    /// Variables used but not set (each became an empty string).
    pub unset: Vec<String>,
}

impl Project {
    /// The services that run with the active profiles, by name.
    pub fn active(&self) -> impl Iterator<Item = (&String, &model::Service)> {
        self.doc.services.iter().filter(|(_, s)| {
            s.profiles.is_empty() || s.profiles.iter().any(|p| self.profiles.contains(p))
        })
    }

    /// A path of the file's on the host: a relative one is the project directory's (its
    /// `.` parts dropped, as docker compose writes it).
    pub fn host_path(&self, path: &str) -> PathBuf {
        self.dir
            .join(path)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    }

    /// A project-scoped name for a network or volume: `PROJECT_NAME`, or the `name:` given.
    pub fn scoped(&self, key: &str, entry: Option<&model::Resource>) -> String {
        match entry.and_then(|e| e.name.clone()) {
            Some(n) => n,
            None => format!("{}_{key}", self.name),
        }
    }
}

/// The files `opts` names, or the first of docker compose's names found here or above.
fn files(opts: &Options) -> Result<Vec<PathBuf>, ComposeError> {
    if !opts.files.is_empty() {
        return Ok(opts.files.clone());
    }
    let here = std::env::current_dir().map_err(|source| ComposeError::Read {
        path: ".".into(),
        source,
    })?;
    for dir in here.ancestors() {
        if let Some(found) = NAMES.iter().map(|n| dir.join(n)).find(|p| p.is_file()) {
            return Ok(vec![found]);
        }
    }
    Err(ComposeError::NoFile)
}

/// `KEY=value` lines of an env file (`#` comments, optional quotes).
pub fn read_env_file(path: &Path) -> Result<Vec<(String, String)>, ComposeError> {
    let text = fs::read_to_string(path).map_err(|source| ComposeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = ['"', '\'']
                .iter()
                .find_map(|q| v.strip_prefix(*q).and_then(|x| x.strip_suffix(*q)))
                .unwrap_or(v);
            Some((k.trim().to_string(), v.to_string()))
        })
        .collect())
}

/// docker compose's rule for project names: lowercase letters, digits, `_` and `-`, starting
/// with a letter or digit.
fn normalize_name(raw: &str) -> String {
    raw.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<String>()
        .trim_start_matches(['_', '-'])
        .to_string()
}

/// Keys whose lists add up when files are merged; other lists are replaced.
const APPENDED: &[&str] = &[
    "ports",
    "expose",
    "volumes",
    "dns",
    "cap_add",
    "cap_drop",
    "extra_hosts",
    "security_opt",
    "devices",
    "env_file",
    "tmpfs",
    "profiles",
];

/// Merge `over` into `base`: mappings key by key, the lists of [`APPENDED`] keys added up,
/// anything else replaced.
fn merge(base: &mut Value, over: Value, key: &str) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                let name = k.as_str().unwrap_or_default().to_string();
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v, &name),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Sequence(b), Value::Sequence(o)) if APPENDED.contains(&key) => {
            for item in o {
                if !b.contains(&item) {
                    b.push(item);
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Remove `x-` keys from a mapping.
fn drop_extensions(m: &mut Mapping) {
    m.retain(|k, _| !k.as_str().is_some_and(|k| k.starts_with("x-")));
}

/// How deep `[...]` and `{...}` may nest. The YAML parser refuses more than 128 levels, but
/// only after reading the whole file in time that grows with the square of its length (a
/// 200 kB file of brackets took minutes): a compose file comes from anyone, so it is
/// measured first, in one pass.
const MAX_NESTING: usize = 100;

fn shallow(text: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut previous = '\n';
    let mut chars = text.chars();
    let mut line = 1;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match (quote, c) {
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            // A quote opens a string only where a value can start.
            (None, '"' | '\'') if previous.is_whitespace() || "[{,:".contains(previous) => {
                quote = Some(c)
            }
            (None, '#') if previous.is_whitespace() => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        line += 1;
                        break;
                    }
                }
            }
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(format!(
                        "line {line}: lists and mappings nested more than {MAX_NESTING} deep"
                    ));
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        previous = c;
    }
    Ok(())
}

/// Read and resolve the project.
pub fn load(opts: &Options) -> Result<Project, ComposeError> {
    let files = files(opts)?;
    let dir = files[0]
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let dir = fs::canonicalize(&dir).unwrap_or(dir);
    // Variables: the environment first, then `.env` (or --env-file) for what it lacks.
    let env_file = opts.env_file.clone().unwrap_or_else(|| dir.join(".env"));
    let dotenv: BTreeMap<String, String> = match (env_file.is_file(), &opts.env_file) {
        (true, _) => read_env_file(&env_file)?.into_iter().collect(),
        (false, Some(_)) => {
            return Err(ComposeError::Read {
                path: env_file,
                source: std::io::Error::from(std::io::ErrorKind::NotFound),
            });
        }
        (false, None) => BTreeMap::new(),
    };
    let lookup = |name: &str| {
        std::env::var(name)
            .ok()
            .or_else(|| dotenv.get(name).cloned())
    };
    let mut unset = Vec::new();
    let mut merged = Value::Mapping(Mapping::new());
    let mut texts = Vec::new();
    for path in &files {
        let shown = path.display().to_string();
        let text = fs::read_to_string(path).map_err(|source| ComposeError::Read {
            path: path.clone(),
            source,
        })?;
        shallow(&text).map_err(|why| ComposeError::Invalid {
            file: shown.clone(),
            why,
        })?;
        let mut doc: Value = serde_yaml_ng::from_str(&text).map_err(|e| ComposeError::Invalid {
            file: shown.clone(),
            why: e.to_string(),
        })?;
        doc.apply_merge().map_err(|e| ComposeError::Invalid {
            file: shown.clone(),
            why: e.to_string(),
        })?;
        interpolate::value(&mut doc, &lookup, &mut unset).map_err(|e| match e {
            interpolate::InterpolateError::Required { name, message } => ComposeError::Required {
                file: shown.clone(),
                name,
                message,
            },
            interpolate::InterpolateError::Malformed(what) => ComposeError::Invalid {
                file: shown.clone(),
                why: format!(
                    "invalid interpolation {what:?}: use ${{VAR}}, ${{VAR:-default}}, or $$ for a $"
                ),
            },
        })?;
        match doc {
            Value::Mapping(_) => merge(&mut merged, doc, ""),
            Value::Null => {}
            _ => {
                return Err(ComposeError::Invalid {
                    file: shown,
                    why: "the file must be a mapping (services:, networks:, volumes:)".into(),
                });
            }
        }
        texts.push((shown, text));
    }
    resolve_extends(&mut merged, &dir, &lookup)?;
    if let Value::Mapping(top) = &mut merged {
        drop_extensions(top);
        for section in ["services", "networks", "volumes", "configs", "secrets"] {
            if let Some(Value::Mapping(items)) = top.get_mut(section) {
                for (_, item) in items.iter_mut() {
                    if let Value::Mapping(m) = item {
                        drop_extensions(m);
                    }
                }
            }
        }
    }
    let mut doc: Document =
        serde_yaml_ng::from_value(merged).map_err(|e| ComposeError::Invalid {
            file: texts
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            why: explain(&e.to_string(), &texts),
        })?;
    for object in doc.configs.values_mut().chain(doc.secrets.values_mut()) {
        if let Some(var) = &object.environment {
            object.value = lookup(var);
        }
    }
    let name = opts
        .project
        .clone()
        .or_else(|| std::env::var("COMPOSE_PROJECT_NAME").ok())
        .or_else(|| doc.name.clone())
        .unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
    let name = normalize_name(&name);
    if name.is_empty() {
        return Err(ComposeError::Project(
            "the project has no usable name: give one with -p NAME".into(),
        ));
    }
    let project = Project {
        name,
        dir,
        doc,
        profiles: opts.profiles.clone(),
        unset,
    };
    check(&project)?;
    Ok(project)
}

/// `extends:` — a service built on another (`extends: base`, or `{service: base, file:
/// other.yaml}`): the other's settings, then its own over them, chains followed.
fn resolve_extends(
    doc: &mut Value,
    dir: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(), ComposeError> {
    let Some(Value::Mapping(services)) = doc.get("services").cloned() else {
        return Ok(());
    };
    let bad = |why: String| ComposeError::Project(why);
    let mut resolved = Mapping::new();
    for (name, _) in &services {
        let key = name.as_str().unwrap_or_default().to_string();
        let mut chain = vec![key.clone()];
        let mut current = services.get(name).cloned().unwrap_or(Value::Null);
        let mut layers = vec![current.clone()];
        // Walk down to the first service that extends nothing, in this file or others.
        let mut pool = services.clone();
        loop {
            let Some(ext) = current.get("extends").cloned() else {
                break;
            };
            let (base, file) = match &ext {
                Value::String(s) => (s.clone(), None),
                Value::Mapping(m) => (
                    m.get("service")
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad(format!("service {key:?}: extends needs a service")))?
                        .to_string(),
                    m.get("file").and_then(Value::as_str).map(str::to_string),
                ),
                _ => {
                    return Err(bad(format!(
                        "service {key:?}: extends takes a service name"
                    )));
                }
            };
            if let Some(f) = file {
                let path = dir.join(&f);
                let text = fs::read_to_string(&path).map_err(|source| ComposeError::Read {
                    path: path.clone(),
                    source,
                })?;
                let mut other: Value =
                    serde_yaml_ng::from_str(&text).map_err(|e| ComposeError::Invalid {
                        file: path.display().to_string(),
                        why: e.to_string(),
                    })?;
                let _ = other.apply_merge();
                let mut unset = Vec::new();
                let _ = interpolate::value(&mut other, lookup, &mut unset);
                pool = match other.get("services") {
                    Some(Value::Mapping(m)) => m.clone(),
                    _ => Mapping::new(),
                };
            }
            if chain.contains(&base) {
                chain.push(base);
                return Err(bad(format!(
                    "extends goes in a circle: {}",
                    chain.join(" -> ")
                )));
            }
            chain.push(base.clone());
            current = pool.get(base.as_str()).cloned().ok_or_else(|| {
                bad(format!(
                    "service {key:?} extends {base:?}, which is not there"
                ))
            })?;
            layers.push(current.clone());
        }
        let mut result = Value::Mapping(Mapping::new());
        for layer in layers.into_iter().rev() {
            merge(&mut result, layer, "");
        }
        if let Value::Mapping(m) = &mut result {
            m.remove("extends");
        }
        resolved.insert(name.clone(), result);
    }
    doc["services"] = Value::Mapping(resolved);
    Ok(())
}

/// A model error, with the line of an unknown key in the files when it can be found.
fn explain(error: &str, texts: &[(String, String)]) -> String {
    let unknown = error
        .split("unknown field `")
        .nth(1)
        .and_then(|rest| rest.split('`').next());
    let Some(key) = unknown else {
        return error.to_string();
    };
    let line = texts.iter().find_map(|(file, text)| {
        text.lines()
            .position(|l| l.trim_start().starts_with(&format!("{key}:")))
            .map(|n| format!("{file}:{}", n + 1))
    });
    match line {
        Some(at) => format!("{at}: unknown key {key:?}: {error}"),
        None => format!("unknown key {key:?}: {error}"),
    }
}

/// What the model cannot say by its types: every service has an image, dependencies name
/// services and have no cycle, networks and volumes used are defined.
fn check(p: &Project) -> Result<(), ComposeError> {
    let bad = |why: String| ComposeError::Project(why);
    files::check_defined(p)?;
    for (name, s) in &p.doc.services {
        if !files::valid_name(name) {
            return Err(bad(format!(
                "invalid service name {name:?}: use letters, digits and _ . - (starting with \
                 a letter or digit)"
            )));
        }
        files::check(p, name, s)?;
        if s.image.is_none() && s.build.is_none() {
            return Err(bad(format!(
                "service {name:?} has neither an image nor a build: give one (`image: NAME`, \
                 or `build: DIR` with a Containerfile there)"
            )));
        }
        for (dep, condition) in s.dependencies() {
            if !p.doc.services.contains_key(&dep) {
                return Err(bad(format!(
                    "service {name:?} depends on {dep:?}, which is not a service here"
                )));
            }
            if ![
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            ]
            .contains(&condition.as_str())
            {
                return Err(bad(format!(
                    "service {name:?}: unknown depends_on condition {condition:?} (use \
                     service_started, service_healthy or service_completed_successfully)"
                )));
            }
        }
        if let Some(nets) = &s.networks {
            for (net, _) in nets.entries() {
                if net != "default" && !p.doc.networks.contains_key(&net) {
                    return Err(bad(format!(
                        "service {name:?} uses network {net:?}, which is not defined under \
                         networks:"
                    )));
                }
            }
        }
        for m in &s.volumes {
            if let Some(source) = driver::named_volume(m)
                && !p.doc.volumes.contains_key(&source)
            {
                return Err(bad(format!(
                    "service {name:?} uses volume {source:?}, which is not defined under \
                     volumes:"
                )));
            }
        }
    }
    driver::order(p).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_merge_as_docker_compose_merges_them() {
        let mut base: Value = serde_yaml_ng::from_str(
            "services:\n  web:\n    image: a\n    ports: ['80']\n    command: [x]\n",
        )
        .unwrap();
        let over: Value = serde_yaml_ng::from_str(
            "services:\n  web:\n    image: b\n    ports: ['81']\n    command: [y]\n  db:\n    image: c\n",
        )
        .unwrap();
        merge(&mut base, over, "");
        let doc: Document = serde_yaml_ng::from_value(base).unwrap();
        let web = &doc.services["web"];
        assert_eq!(web.image.as_deref(), Some("b"));
        assert_eq!(web.ports.len(), 2);
        assert_eq!(web.command.as_ref().unwrap().to_vec(), vec!["y"]);
        assert!(doc.services.contains_key("db"));
        assert_eq!(normalize_name("My App!"), "myapp");
        assert_eq!(normalize_name("_x"), "x");
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_sees_it() {
        let deep = format!("x: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
        assert_eq!(
            shallow(&deep).unwrap_err(),
            "line 1: lists and mappings nested more than 100 deep"
        );
        // Brackets in strings and comments are text.
        let text = format!(
            "a: \"{0}\"\nb: '{0}'\nc: [[1], {{d: 2}}] # {0}\ne: it's [x]\n",
            "[".repeat(500)
        );
        assert_eq!(shallow(&text), Ok(()));
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let text = "services:\n  web:\n    image: a\n    colour: red\n";
        let v: Value = serde_yaml_ng::from_str(text).unwrap();
        let err = serde_yaml_ng::from_value::<Document>(v).unwrap_err();
        let said = explain(&err.to_string(), &[("compose.yaml".into(), text.into())]);
        assert!(
            said.starts_with("compose.yaml:4: unknown key \"colour\""),
            "{said}"
        );
    }
}
