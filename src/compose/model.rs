//! The compose file's model: what `nook compose` knows of the compose specification, every
//! key typed (an unknown one is an error), and how a service becomes `nook run` flags.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A string, number or boolean where the file may write any (`cpus: 0.5`, `retries: "3"`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Text(s) => f.write_str(s),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Float(n) => write!(f, "{n}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// `command: echo hi` (split as a shell would not: docker compose splits on spaces, quotes
/// honoured) or `command: ["echo", "hi"]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Words {
    Line(String),
    List(Vec<String>),
}

impl Words {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Words::List(v) => v.clone(),
            Words::Line(s) => split_words(s),
        }
    }
}

/// Split a line into words as docker compose (shlex) does: spaces separate, quotes group,
/// a backslash escapes.
fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (q, '\\') if q != Some('\'') => {
                if let Some(n) = chars.next() {
                    word.push(n);
                    in_word = true;
                }
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (_, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// `KEY: value` pairs written as a mapping or as a list of `KEY=value`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Pairs {
    #[default]
    None,
    Map(BTreeMap<String, Option<Scalar>>),
    List(Vec<String>),
}

impl Pairs {
    /// As `KEY=value` (a key without a value: `KEY`, taken from the environment by `run`).
    pub fn items(&self) -> Vec<String> {
        match self {
            Pairs::None => Vec::new(),
            Pairs::List(v) => v.clone(),
            Pairs::Map(m) => m
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k}={v}"),
                    None => k.clone(),
                })
                .collect(),
        }
    }
}

/// `ports:` short (`"8080:80"`, `80`) or long syntax.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Port {
    Short(Scalar),
    Long(LongPort),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongPort {
    pub target: Scalar,
    #[serde(default)]
    pub published: Option<Scalar>,
    #[serde(default)]
    pub host_ip: Option<String>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl Port {
    /// As `-p` takes it.
    pub fn flag(&self) -> String {
        match self {
            Port::Short(s) => s.to_string(),
            Port::Long(l) => {
                let mut out = String::new();
                if let Some(ip) = &l.host_ip {
                    out.push_str(&format!("{ip}:"));
                }
                match &l.published {
                    Some(p) => out.push_str(&format!("{p}:")),
                    None if l.host_ip.is_some() => out.push(':'),
                    None => {}
                }
                out.push_str(&l.target.to_string());
                if let Some(proto) = &l.protocol {
                    out.push_str(&format!("/{proto}"));
                }
                out
            }
        }
    }
}

/// `volumes:` of a service, short (`data:/var/lib/db:ro`, `./site:/srv`) or long syntax.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Mount {
    Short(String),
    Long(Box<LongMount>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongMount {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub source: Option<String>,
    pub target: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(default)]
    pub volume: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub bind: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    pub tmpfs: Option<TmpfsOptions>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TmpfsOptions {
    #[serde(default)]
    pub size: Option<Scalar>,
    #[serde(default)]
    pub mode: Option<Scalar>,
}

/// `depends_on:` as a list of services or with conditions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DependsOn {
    List(Vec<String>),
    Map(BTreeMap<String, Dependency>),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    #[serde(default = "started")]
    pub condition: String,
    #[serde(default)]
    pub restart: Option<bool>,
    #[serde(default)]
    pub required: Option<bool>,
}

fn started() -> String {
    "service_started".to_string()
}

impl DependsOn {
    /// (service, condition) pairs.
    pub fn all(&self) -> Vec<(String, String)> {
        match self {
            DependsOn::List(v) => v.iter().map(|s| (s.clone(), started())).collect(),
            DependsOn::Map(m) => m
                .iter()
                .map(|(k, d)| (k.clone(), d.condition.clone()))
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Healthcheck {
    #[serde(default)]
    pub test: Option<Words>,
    #[serde(default)]
    pub interval: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    #[serde(default)]
    pub retries: Option<Scalar>,
    #[serde(default)]
    pub start_period: Option<String>,
    #[serde(default)]
    pub start_interval: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable: bool,
}

/// `networks:` of a service: a list of names, or names with options.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceNetworks {
    List(Vec<String>),
    Map(BTreeMap<String, Option<ServiceNetwork>>),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetwork {
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl ServiceNetworks {
    pub fn entries(&self) -> Vec<(String, Vec<String>)> {
        match self {
            ServiceNetworks::List(v) => v.iter().map(|n| (n.clone(), Vec::new())).collect(),
            ServiceNetworks::Map(m) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default().aliases))
                .collect(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Ulimit {
    Single(Scalar),
    Pair { soft: Scalar, hard: Scalar },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deploy {
    #[serde(default)]
    pub replicas: Option<Scalar>,
    #[serde(default)]
    pub resources: Option<Resources>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    #[serde(default)]
    pub limits: Option<Limits>,
    #[serde(default)]
    pub reservations: Option<Limits>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default)]
    pub cpus: Option<Scalar>,
    #[serde(default)]
    pub memory: Option<Scalar>,
    #[serde(default)]
    pub pids: Option<Scalar>,
}

/// `logging:` — the log driver and its options (`max-size`, `max-file`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logging {
    #[serde(default)]
    pub driver: Option<String>,
    #[serde(default)]
    pub options: BTreeMap<String, Scalar>,
}

/// `build:` — a context directory, or the context with its Containerfile, arguments and
/// target stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Build {
    Context(String),
    Full(BuildSpec),
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSpec {
    #[serde(default = "here")]
    pub context: String,
    #[serde(default)]
    pub dockerfile: Option<String>,
    #[serde(default)]
    pub args: Pairs,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub labels: Pairs,
}

fn here() -> String {
    ".".to_string()
}

impl Build {
    pub fn spec(&self) -> BuildSpec {
        match self {
            Build::Context(c) => BuildSpec {
                context: c.clone(),
                ..BuildSpec::default()
            },
            Build::Full(s) => s.clone(),
        }
    }
}

/// One service, as `nook compose` runs it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub build: Option<Build>,
    #[serde(default)]
    pub command: Option<Words>,
    #[serde(default)]
    pub entrypoint: Option<Words>,
    #[serde(default)]
    pub environment: Pairs,
    #[serde(default)]
    pub env_file: Option<Words>,
    #[serde(default)]
    pub ports: Vec<Port>,
    #[serde(default)]
    pub expose: Vec<Scalar>,
    #[serde(default)]
    pub volumes: Vec<Mount>,
    #[serde(default)]
    pub tmpfs: Option<Words>,
    #[serde(default)]
    pub depends_on: Option<DependsOn>,
    #[serde(default)]
    pub healthcheck: Option<Healthcheck>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub user: Option<Scalar>,
    #[serde(default)]
    pub working_dir: Option<String>,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub container_name: Option<String>,
    #[serde(default)]
    pub networks: Option<ServiceNetworks>,
    #[serde(default)]
    pub network_mode: Option<String>,
    #[serde(default)]
    pub labels: Pairs,
    #[serde(default)]
    pub init: Option<bool>,
    #[serde(default)]
    pub read_only: Option<bool>,
    #[serde(default)]
    pub privileged: Option<bool>,
    #[serde(default)]
    pub tty: Option<bool>,
    #[serde(default)]
    pub stdin_open: Option<bool>,
    #[serde(default)]
    pub stop_signal: Option<String>,
    #[serde(default)]
    pub stop_grace_period: Option<String>,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    #[serde(default)]
    pub security_opt: Vec<String>,
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub dns: Option<Words>,
    #[serde(default)]
    pub extra_hosts: Pairs,
    #[serde(default)]
    pub mem_limit: Option<Scalar>,
    #[serde(default)]
    pub cpus: Option<Scalar>,
    #[serde(default)]
    pub pids_limit: Option<Scalar>,
    #[serde(default)]
    pub shm_size: Option<Scalar>,
    #[serde(default)]
    pub ulimits: BTreeMap<String, Ulimit>,
    #[serde(default)]
    pub sysctls: Pairs,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub deploy: Option<Deploy>,
    #[serde(default)]
    pub configs: Vec<FileRef>,
    #[serde(default)]
    pub secrets: Vec<FileRef>,
    #[serde(default)]
    pub logging: Option<Logging>,
    /// `up --scale SERVICE=N` (not a key of the file).
    #[serde(skip)]
    pub scale: Option<usize>,
}

impl Service {
    /// The services this one needs started first, with the condition each must meet: its
    /// `depends_on`, and the service whose network it shares (`network_mode: service:X`).
    pub fn dependencies(&self) -> Vec<(String, String)> {
        let mut all = self
            .depends_on
            .as_ref()
            .map(DependsOn::all)
            .unwrap_or_default();
        if let Some(other) = self.network_service()
            && !all.iter().any(|(d, _)| d == other)
        {
            all.push((other.to_string(), started()));
        }
        all
    }

    /// `X` of `network_mode: service:X`.
    pub fn network_service(&self) -> Option<&str> {
        self.network_mode.as_deref()?.strip_prefix("service:")
    }
}

/// A top-level `configs:` or `secrets:` entry: where its content comes from (a file, a
/// variable of the environment, or the text itself).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileObject {
    #[serde(default)]
    pub file: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub external: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub labels: Pairs,
    /// The variable `environment` names, read when the project was loaded.
    #[serde(skip)]
    pub value: Option<String>,
}

/// A service's use of a config or secret: its name, or where and how to show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FileRef {
    Short(String),
    Long(LongFileRef),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LongFileRef {
    pub source: String,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub uid: Option<Scalar>,
    #[serde(default)]
    pub gid: Option<Scalar>,
    #[serde(default)]
    pub mode: Option<Scalar>,
}

impl FileRef {
    pub fn source(&self) -> &str {
        match self {
            FileRef::Short(s) => s,
            FileRef::Long(l) => &l.source,
        }
    }
}

/// A top-level `networks:` or `volumes:` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub external: Option<bool>,
    #[serde(default)]
    pub internal: Option<bool>,
    #[serde(default)]
    pub driver: Option<String>,
    #[serde(default)]
    pub labels: Pairs,
}

/// A whole compose document, its `x-` extensions removed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    #[serde(default, skip_serializing)]
    pub version: Option<Scalar>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub networks: BTreeMap<String, Option<Resource>>,
    #[serde(default)]
    pub volumes: BTreeMap<String, Option<Resource>>,
    #[serde(default)]
    pub configs: BTreeMap<String, FileObject>,
    #[serde(default)]
    pub secrets: BTreeMap<String, FileObject>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_ports_as_docker_compose_reads_them() {
        assert_eq!(
            Words::Line(r#"sh -c 'echo "hi there"' x\ y"#.into()).to_vec(),
            vec!["sh", "-c", r#"echo "hi there""#, "x y"]
        );
        let long = Port::Long(LongPort {
            target: Scalar::Int(80),
            published: Some(Scalar::Text("8080".into())),
            host_ip: Some("127.0.0.1".into()),
            protocol: Some("udp".into()),
            mode: None,
            name: None,
        });
        assert_eq!(long.flag(), "127.0.0.1:8080:80/udp");
        assert_eq!(Port::Short(Scalar::Int(80)).flag(), "80");
        let env: Pairs = serde_yaml_ng::from_str("A: 1\nB:\nC: x y").unwrap();
        assert_eq!(env.items(), vec!["A=1", "B", "C=x y"]);
    }
}
