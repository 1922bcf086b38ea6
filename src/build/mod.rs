//! `nook build`: images from Containerfiles, rootless, with a layer cache.
//!
//! A Containerfile is parsed ([`parse`]), its stages planned ([`plan`]: only those the target
//! needs, each after what it needs), and each stage's instructions applied in turn to an
//! image that starts as its base: metadata instructions change the config; RUN runs a
//! container with `nook run`'s walls over the stage's layers ([`step`]) and keeps what it
//! wrote as a layer; COPY and ADD write their files as a layer ([`layer`]). Every step has a
//! key (its parent's, the instruction after substitution, the build args it sees, the
//! content of what it copies); a step whose key is in the cache ([`cache`]) is not run
//! again. The target's image is written to the store at the end, and tagged only then, so a
//! failed build tags nothing.

pub mod cache;
pub mod context;
pub mod fetch;
pub mod image;
pub mod layer;
pub mod parse;
pub mod plan;
pub mod step;
pub mod words;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use self::cache::{Cache, Entry};
use self::context::{Context, ContextError};
use self::image::{Base, LayerRef};
use self::layer::{CopySpec, Sources};
use self::parse::{Command, Instruction, ParseError};
use self::plan::{Plan, PlanError};
use self::step::{Network, Step, StepError};
use self::words::{Lexer, WordsError};
use crate::image::index::{ImageIndex, ImageRecord};
use crate::image::ingest::{Ingest, IngestError};
use crate::image::store::{Store, StoreError};
use crate::runtime::idmap::IdMap;
use crate::runtime::jobs::{self, Job, JobError, JobOutput, StageMount};
use crate::runtime::launch::{MountKind, MountSpec, ProcessSpec, Security};
use crate::runtime::relay::Stream;
use crate::runtime::rootfs::Driver;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("{file}:{line}: {message}")]
    At {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}:{line}: {what} failed: exit status {code}{output}")]
    RunFailed {
        file: String,
        line: usize,
        what: String,
        code: i32,
        output: String,
    },
    #[error("{file}:{line}: {error}")]
    Step {
        file: String,
        line: usize,
        error: Box<StepError>,
    },
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("{file}:{line}: {error}")]
    Fetch {
        file: String,
        line: usize,
        error: fetch::FetchError,
    },
    #[error("stopped: another stage failed")]
    Stopped,
    #[error("base image {name}: {why}")]
    Base { name: String, why: String },
}

impl BuildError {
    /// The Containerfile line an error is at, and what went wrong there (without the
    /// location): for callers that name the line in their own words.
    pub fn at(&self) -> Option<(usize, String)> {
        match self {
            BuildError::At { line, message, .. } => Some((*line, message.clone())),
            BuildError::RunFailed {
                line, code, output, ..
            } => Some((*line, format!("exit status {code}{output}"))),
            BuildError::Step { line, error, .. } => Some((*line, error.to_string())),
            BuildError::Fetch { line, error, .. } => Some((*line, error.to_string())),
            _ => None,
        }
    }
}

/// What `nook build` asked for.
pub struct Options {
    /// The Containerfile's text, and what to call it in messages.
    pub containerfile: String,
    pub file_name: String,
    /// The build context (None: a Containerfile alone, with nothing to copy).
    pub context: Option<PathBuf>,
    pub tags: Vec<String>,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    /// Steps at or after this line of the Containerfile run anew, whatever the cache holds
    /// (`Some(1)`: every step, as --no-cache; a profile rebuilt from one of its steps).
    pub fresh_from: Option<usize>,
    /// Pull base images: "always", "missing" or "never".
    pub pull: String,
    pub network: Network,
    /// RUN steps may reach the host's loopback (through their gateway), ADD fetch from it.
    pub host_loopback: bool,
    pub labels: Vec<(String, String)>,
    pub quiet: bool,
    /// Times in the image no later than this (seconds since 1970): reproducible builds.
    pub epoch: Option<u64>,
    /// `--secret id=X,src=FILE`.
    pub secrets: BTreeMap<String, PathBuf>,
    pub platform: Option<String>,
}

/// What a RUN step needs of the machine, settled once per build.
pub struct Runtime {
    pub idmap: IdMap,
    pub driver: Driver,
    pub caps: Vec<String>,
    pub security: Security,
    pub pasta: Option<crate::network::pasta::Features>,
    /// `nook pull` for a missing base image (a process of its own: this one must stay
    /// single-threaded to start containers).
    pub pull: Puller,
}

/// Pulls an image by name into the store.
pub type Puller = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// A stage as built: its image and the key of its last step.
#[derive(Clone)]
struct Done {
    entry: Entry,
    key: String,
}

/// Build `opts` in `store`; the image's record (tagged as asked).
pub fn build(store: &Store, opts: &Options, rt: &Runtime) -> Result<ImageRecord, BuildError> {
    let parsed = parse::parse(&opts.file_name, &opts.containerfile)?;
    let plan = plan::plan(
        &opts.file_name,
        parsed,
        &opts.build_args,
        opts.target.as_deref(),
    )?;
    let context = opts
        .context
        .as_deref()
        .map(Context::open)
        .transpose()
        .map_err(|e| at(&opts.file_name, 1, e))?;
    let total = plan
        .order
        .iter()
        .map(|&i| plan.stages[i].instructions.len() + 1)
        .sum();
    let b = Builder {
        store,
        opts,
        rt,
        plan: &plan,
        context,
        cache: Cache::new(store),
        built: Mutex::default(),
        step: AtomicUsize::new(0),
        total: AtomicUsize::new(total),
        seq: AtomicUsize::new(0),
        running: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
        first_failed: AtomicUsize::new(usize::MAX),
        helpers: step::Running::default(),
        used_args: Mutex::default(),
        scratch: store.tmp_path("build"),
    };
    fs::create_dir_all(&b.scratch).map_err(|e| StoreError::io("cannot create", &b.scratch, e))?;
    let result = b.stages();
    let _ = jobs::remove_trees(std::slice::from_ref(&b.scratch));
    result?;
    let used_args = b
        .used_args
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let unused: Vec<&String> = opts
        .build_args
        .keys()
        .filter(|k| !used_args.contains(*k) && !plan::PROXY_ARGS.contains(&k.as_str()))
        .collect();
    if !unused.is_empty() && !opts.quiet {
        eprintln!(
            "warning: build args not used by any ARG: {}",
            unused
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let target = *plan.order.last().expect("a plan has a target");
    let mut image = b.done(target).entry.image.clone();
    if !opts.labels.is_empty() {
        let labels = image.config.entry("Labels").or_insert_with(|| json!({}));
        for (k, v) in &opts.labels {
            labels[k] = Value::String(v.clone());
        }
    }
    let names = opts
        .tags
        .iter()
        .map(|t| {
            crate::image::reference::Reference::parse(t)
                .map(|r| {
                    r.qualified(crate::image::reference::LOCAL_DOMAIN)
                        .to_string()
                })
                .map_err(|e| BuildError::At {
                    file: opts.file_name.clone(),
                    line: 0,
                    message: format!("-t {t}: {e}"),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // The image is as old as its last step (a rebuild from the cache is the same image).
    let created = image
        .history
        .last()
        .and_then(|h| h["created"].as_str())
        .map(str::to_string)
        .unwrap_or_else(|| b.created());
    Ok(image::commit(store, &image, &created, names)?)
}

fn at(file: &str, line: usize, e: impl std::fmt::Display) -> BuildError {
    BuildError::At {
        file: file.to_string(),
        line,
        message: e.to_string(),
    }
}

fn sha(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update(b"\0");
    }
    hex::encode(h.finalize())
}

struct Builder<'a> {
    store: &'a Store,
    opts: &'a Options,
    rt: &'a Runtime,
    plan: &'a Plan,
    context: Option<Context>,
    cache: Cache,
    built: Mutex<BTreeMap<usize, Done>>,
    /// Steps announced so far, and in all.
    step: AtomicUsize,
    total: AtomicUsize,
    /// Numbers scratch directories.
    seq: AtomicUsize,
    /// Stages building now (their RUN output is then shown a step at a time).
    running: AtomicUsize,
    /// A stage failed: the others stop at their next step.
    failed: AtomicBool,
    /// The stage that failed first (its error is the build's).
    first_failed: AtomicUsize,
    /// The steps running now, ended when a stage fails.
    helpers: step::Running,
    used_args: Mutex<HashSet<String>>,
    /// Where steps keep their work while the build runs.
    scratch: PathBuf,
}

const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

const PARALLEL_STAGES: usize = 8;

impl Builder<'_> {
    fn created(&self) -> String {
        match self.opts.epoch {
            Some(e) => chrono::DateTime::from_timestamp(e as i64, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            None => crate::container::now_rfc3339(),
        }
    }

    fn say(&self, text: &str) {
        if !self.opts.quiet {
            eprintln!("{text}");
        }
    }

    fn err(&self, line: usize, e: impl std::fmt::Display) -> BuildError {
        at(&self.opts.file_name, line, e)
    }

    /// Does the step at `line` run anew, whatever the cache holds?
    fn fresh(&self, line: usize) -> bool {
        self.opts.fresh_from.is_some_and(|from| line >= from)
    }

    /// Build the plan's stages, those that need nothing still unbuilt side by side (at most
    /// `PARALLEL_STAGES` at once: steps mostly wait on the disk and the network, not the CPU).
    fn stages(&self) -> Result<(), BuildError> {
        let jobs = PARALLEL_STAGES;
        let mut left = self.plan.order.clone();
        while !left.is_empty() {
            let ready: Vec<usize> = {
                let built = self.built.lock().unwrap_or_else(|e| e.into_inner());
                left.iter()
                    .copied()
                    .filter(|i| self.plan.needs[*i].iter().all(|n| built.contains_key(n)))
                    .take(jobs)
                    .collect()
            };
            left.retain(|i| !ready.contains(i));
            self.running.store(ready.len(), Ordering::Relaxed);
            let results: Vec<(usize, Result<Done, BuildError>)> = std::thread::scope(|s| {
                let handles: Vec<_> = ready
                    .iter()
                    .map(|&i| (i, s.spawn(move || self.stage(i))))
                    .collect();
                handles
                    .into_iter()
                    .map(|(i, h)| (i, h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))))
                    .collect()
            });
            let first = self.first_failed.load(Ordering::Relaxed);
            let mut error = None;
            for (i, result) in results {
                match result {
                    Ok(done) => {
                        self.built
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(i, done);
                    }
                    Err(e) if i == first || error.is_none() => error = Some(e),
                    Err(_) => {}
                }
            }
            if let Some(e) = error {
                return Err(e);
            }
        }
        Ok(())
    }

    /// A built stage.
    fn done(&self, index: usize) -> Done {
        self.built.lock().unwrap_or_else(|e| e.into_inner())[&index].clone()
    }

    /// A number no other scratch directory of this build has.
    fn seq(&self) -> usize {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }

    /// Announce the next step.
    fn announce(&self, text: &str) {
        let n = self.step.fetch_add(1, Ordering::Relaxed) + 1;
        self.say(&format!(
            "STEP {n}/{}: {text}",
            self.total.load(Ordering::Relaxed)
        ));
    }

    fn stage(&self, index: usize) -> Result<Done, BuildError> {
        let result = self.stage_steps(index);
        self.running.fetch_sub(1, Ordering::Relaxed);
        if result.is_err() && !self.failed.swap(true, Ordering::Relaxed) {
            self.first_failed.store(index, Ordering::Relaxed);
            self.helpers.cancel();
        }
        result
    }

    fn stage_steps(&self, index: usize) -> Result<Done, BuildError> {
        let stage = &self.plan.stages[index];
        self.announce(&format!(
            "FROM {}{}",
            stage.base,
            stage
                .name
                .as_deref()
                .map(|n| format!(" AS {n}"))
                .unwrap_or_default()
        ));
        let (mut entry, mut key) = self.from(index)?;
        // The base image's ONBUILD triggers run first, and are not passed on.
        let triggers: Vec<String> = entry
            .image
            .config
            .remove("OnBuild")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let mut instructions = Vec::new();
        for t in &triggers {
            let p = parse::parse(&self.opts.file_name, &format!("FROM scratch\n{t}\n"))?;
            for mut i in p.instructions.into_iter().skip(1) {
                i.line = stage.line;
                instructions.push(i);
            }
        }
        self.total.fetch_add(instructions.len(), Ordering::Relaxed);
        instructions.extend(stage.instructions.iter().cloned());
        for ins in &instructions {
            if self.failed.load(Ordering::Relaxed) {
                return Err(BuildError::Stopped);
            }
            self.announce(&ins.text());
            let (next, next_key) = self.instruction(index, ins, &entry, &key)?;
            entry = next;
            key = next_key;
        }
        Ok(Done { entry, key })
    }

    /// The stage's base: its image and key.
    fn from(&self, index: usize) -> Result<(Entry, String), BuildError> {
        let stage = &self.plan.stages[index];
        let fresh = |image: Base| Entry {
            image,
            shell: DEFAULT_SHELL.iter().map(|s| s.to_string()).collect(),
            args: Vec::new(),
            cmd_set: false,
        };
        if stage.base.eq_ignore_ascii_case("scratch") {
            return Ok((fresh(Base::scratch()), sha(&["FROM scratch"])));
        }
        if let Some(i) = self.plan.stage(&stage.base).filter(|i| *i < index) {
            let done = self.done(i);
            let mut entry = done.entry;
            entry.args.clear();
            entry.cmd_set = false;
            return Ok((entry, sha(&["FROM stage", &done.key])));
        }
        let record = self.base_image(&stage.base, stage.line)?;
        let base = Base::load(self.store, &record)?;
        let shell = base
            .config
            .get("Shell")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_else(|| DEFAULT_SHELL.iter().map(|s| s.to_string()).collect());
        Ok((
            Entry {
                image: base,
                shell,
                args: Vec::new(),
                cmd_set: false,
            },
            sha(&["FROM image", &record.id.to_string()]),
        ))
    }

    /// The image `name` in the store, pulled as `--pull` says.
    fn base_image(&self, name: &str, line: usize) -> Result<ImageRecord, BuildError> {
        let find = || ImageIndex::load(self.store).map(|i| i.resolve(name).cloned());
        let base_err = |why: String| BuildError::Base {
            name: name.to_string(),
            why,
        };
        let have = find().map_err(|e| base_err(e.to_string()))?;
        match (self.opts.pull.as_str(), have) {
            ("never", Ok(r)) | ("missing", Ok(r)) => Ok(r),
            ("never", Err(e)) => Err(self.err(line, format!("{e} (and --pull=never)"))),
            _ => {
                self.say(&format!("pulling {name}"));
                (self.rt.pull)(name).map_err(|e| self.err(line, e))?;
                find()
                    .map_err(|e| base_err(e.to_string()))?
                    .map_err(|e| self.err(line, e))
            }
        }
    }

    /// The variables an instruction sees: the image's environment, over the stage's ARGs.
    fn lookup<'e>(&self, entry: &'e Entry) -> impl Fn(&str) -> Option<String> + 'e {
        move |name: &str| {
            env_of(&entry.image.config)
                .into_iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v)
                .or_else(|| {
                    entry
                        .args
                        .iter()
                        .rev()
                        .find(|(k, _)| k == name)
                        .and_then(|(_, v)| v.clone())
                })
        }
    }

    /// Apply one instruction to `entry` (its key `key`): the next state and key.
    fn instruction(
        &self,
        stage: usize,
        ins: &Instruction,
        entry: &Entry,
        key: &str,
    ) -> Result<(Entry, String), BuildError> {
        let lookup = self.lookup(entry);
        let lexer = Lexer {
            escape: self.plan.escape,
            lookup: &lookup,
        };
        let line = ins.line;
        let word = |s: &str| lexer.word(s).map_err(|e: WordsError| self.err(line, e));
        let mut next = entry.clone();
        let cfg = &mut next.image.config;
        let created = self.created();
        let mut text = ins.text();
        // Metadata instructions: the config changes, no layer.
        match ins.keyword.as_str() {
            "ENV" => {
                let pairs = lexer.key_values(&ins.args).map_err(|e| self.err(line, e))?;
                let mut env = env_of(cfg);
                for (k, v) in &pairs {
                    env.retain(|(ek, _)| ek != k);
                    env.push((k.clone(), v.clone()));
                }
                cfg.insert(
                    "Env".into(),
                    json!(
                        env.iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect::<Vec<_>>()
                    ),
                );
                text = format!(
                    "ENV {}",
                    pairs
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                );
            }
            "LABEL" => {
                let pairs = lexer.key_values(&ins.args).map_err(|e| self.err(line, e))?;
                let labels = cfg.entry("Labels").or_insert_with(|| json!({}));
                for (k, v) in &pairs {
                    labels[k] = Value::String(v.clone());
                }
            }
            "MAINTAINER" => {
                let labels = cfg.entry("Labels").or_insert_with(|| json!({}));
                labels["maintainer"] = Value::String(word(&ins.args)?);
            }
            "ARG" => {
                let decls = plan::args_of(&lexer, &ins.args).map_err(|m| self.err(line, m))?;
                for (k, default) in decls {
                    self.used_args
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(k.clone());
                    let value = self
                        .opts
                        .build_args
                        .get(&k)
                        .cloned()
                        .or(default)
                        .or_else(|| self.plan.global_args.get(&k).cloned().flatten());
                    next.args.retain(|(n, _)| *n != k);
                    next.args.push((k, value));
                }
                // An ARG leaves no history; its value is part of the key.
                let key = sha(&[key, &ins.keyword, &format!("{:?}", next.args)]);
                return Ok((next, key));
            }
            "WORKDIR" => {
                let dir = word(&ins.args)?;
                let base = cfg
                    .get("WorkingDir")
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("/")
                    .to_string();
                let joined = normalize(&Path::new(&base).join(dir));
                cfg.insert("WorkingDir".into(), Value::String(joined.clone()));
                // The directory is made now, as docker's builder does (a layer only if it
                // was missing).
                let prepared = self.prepare_workdir(entry, &joined);
                return self.commit_step(prepared, entry, next, key, line);
            }
            "USER" => {
                cfg.insert("User".into(), Value::String(word(&ins.args)?));
            }
            "EXPOSE" => {
                let ports = lexer.words(&ins.args).map_err(|e| self.err(line, e))?;
                let exposed = cfg.entry("ExposedPorts").or_insert_with(|| json!({}));
                for p in ports {
                    for port in expand_ports(&p).map_err(|m| self.err(line, m))? {
                        exposed[port] = json!({});
                    }
                }
            }
            "VOLUME" => {
                let vols = match parse::exec_form(&ins.args) {
                    Some(v) => v,
                    None => lexer.words(&ins.args).map_err(|e| self.err(line, e))?,
                };
                let volumes = cfg.entry("Volumes").or_insert_with(|| json!({}));
                for v in vols {
                    volumes[v] = json!({});
                }
            }
            "CMD" | "ENTRYPOINT" => {
                let args = match parse::command(&ins.args) {
                    Command::Exec(v) => v,
                    Command::Shell(s) => {
                        let mut v = next.shell.clone();
                        v.push(s);
                        v
                    }
                };
                let cfg = &mut next.image.config;
                if ins.keyword == "CMD" {
                    cfg.insert("Cmd".into(), json!(args));
                    next.cmd_set = true;
                } else {
                    cfg.insert("Entrypoint".into(), json!(args));
                    // As docker: an ENTRYPOINT drops the CMD the base image had, not one
                    // this stage set.
                    if !next.cmd_set {
                        cfg.remove("Cmd");
                    }
                }
            }
            "SHELL" => {
                let shell = parse::exec_form(&ins.args)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| {
                        self.err(line, "SHELL takes the JSON form: [\"bash\", \"-c\"]")
                    })?;
                next.image.config.insert("Shell".into(), json!(shell));
                next.shell = shell;
            }
            "STOPSIGNAL" => {
                let sig = word(&ins.args)?;
                crate::commands::lifecycle::parse_signal(&sig).map_err(|e| self.err(line, e))?;
                cfg.insert("StopSignal".into(), Value::String(sig));
            }
            "HEALTHCHECK" => {
                let check = healthcheck(ins).map_err(|m| self.err(line, m))?;
                cfg.insert("Healthcheck".into(), check);
            }
            "ONBUILD" => {
                let (first, _) = ins
                    .args
                    .split_once(char::is_whitespace)
                    .unwrap_or((&ins.args, ""));
                if matches!(
                    first.to_ascii_uppercase().as_str(),
                    "ONBUILD" | "FROM" | "MAINTAINER"
                ) {
                    return Err(self.err(line, format!("ONBUILD {first} is not allowed")));
                }
                let triggers = cfg.entry("OnBuild").or_insert_with(|| json!([]));
                if let Some(a) = triggers.as_array_mut() {
                    a.push(Value::String(ins.args.clone()));
                }
            }
            "RUN" | "COPY" | "ADD" => return self.layer_step(stage, ins, entry, key, &lexer),
            other => return Err(self.err(line, format!("{other} cannot be used here"))),
        }
        let key = sha(&[key, &text]);
        // From the cache too (with the time it was first made), so that a rebuild with
        // nothing changed gives the very same image.
        if !self.fresh(line)
            && let Some(cached) = self.cache.get(self.store, &key)
        {
            return Ok((cached, key));
        }
        next.image
            .history
            .push(image::history(&created, &text, true));
        self.cache.put(&key, &next)?;
        Ok((next, key))
    }

    /// RUN, COPY and ADD: a layer, from the cache if the step's key is there.
    fn layer_step(
        &self,
        stage: usize,
        ins: &Instruction,
        entry: &Entry,
        key: &str,
        lexer: &Lexer<'_>,
    ) -> Result<(Entry, String), BuildError> {
        let line = ins.line;
        let prepared = match ins.keyword.as_str() {
            "RUN" => self.prepare_run(stage, ins, entry, lexer)?,
            _ => self.prepare_copy(stage, ins, entry, lexer)?,
        };
        self.commit_step(prepared, entry, entry.clone(), key, line)
    }

    /// WORKDIR's directory, made in the stage where it is missing.
    fn prepare_workdir(&self, entry: &Entry, dir: &str) -> Prepared {
        let mut mounts = Vec::new();
        let stage_root = (!entry.image.layers.is_empty()).then(|| {
            let root = self.scratch.join(format!("stage-{}", self.seq()));
            mounts.push(self.stage_mount(&entry.image.layers, &root));
            root.join("root")
        });
        Prepared {
            key_text: format!("WORKDIR\0{dir}"),
            history: format!("WORKDIR {dir}"),
            what: What::Copy {
                spec: CopySpec {
                    sources: Sources::Inline(Vec::new()),
                    dest: format!("{}/", dir.trim_end_matches('/')),
                    stage_root,
                    chown: None,
                    chmod: None,
                    unpack_archives: false,
                    epoch: self.opts.epoch,
                },
                mounts,
                fetches: Vec::new(),
            },
        }
    }

    /// Run a prepared step on `entry` (or take it from the cache): `next` (the entry with
    /// the step's config changes) with its layer and history, and its key.
    fn commit_step(
        &self,
        prepared: Prepared,
        entry: &Entry,
        mut next: Entry,
        key: &str,
        line: usize,
    ) -> Result<(Entry, String), BuildError> {
        let step_key = sha(&[key, &prepared.key_text]);
        if !self.fresh(line)
            && let Some(cached) = self.cache.get(self.store, &step_key)
        {
            self.say("--> Using cache");
            return Ok((cached, step_key));
        }
        let mut ingest = Ingest::new(self.store)?;
        let made = self.execute(&prepared, entry, line);
        let outcome = made.and_then(|archive| {
            let layer = match archive {
                Some((path, archived)) => {
                    let file = fs::File::open(&path)
                        .map_err(|e| StoreError::io("cannot read", &path, e))?;
                    let (blob, size) =
                        ingest.blob(file, Some(&archived.diffid), Some(archived.size))?;
                    let _ = fs::remove_file(&path);
                    let stored = ingest.layer(&blob, size, &archived.diffid)?;
                    Some(LayerRef {
                        diffid: stored.diffid,
                        blob: stored.blob,
                        size: stored.blob_size,
                        media_type: oci_spec::image::MediaType::ImageLayer.to_string(),
                    })
                }
                None => None,
            };
            let empty = layer.is_none();
            next.image.layers.extend(layer);
            next.image
                .history
                .push(image::history(&self.created(), &prepared.history, empty));
            self.cache.put(&step_key, &next)?;
            Ok::<(), BuildError>(())
        });
        match outcome {
            Ok(()) => Ok((next, step_key)),
            Err(e) => {
                ingest.rollback();
                Err(e)
            }
        }
    }

    /// A RUN step, ready to run.
    fn prepare_run(
        &self,
        stage: usize,
        ins: &Instruction,
        entry: &Entry,
        lexer: &Lexer<'_>,
    ) -> Result<Prepared, BuildError> {
        let line = ins.line;
        let cfg = &entry.image.config;
        let command = parse::without_heredoc_markers(&ins.args);
        let mut stdin = None;
        let mut files = Vec::new();
        let args: Vec<String> = match (ins.heredocs.first(), parse::exec_form(&ins.args)) {
            (None, Some(v)) => v,
            (None, None) => {
                let mut v = entry.shell.clone();
                v.push(ins.args.clone());
                v
            }
            // `RUN <<EOF`: the document is the script (run by its #! line, if it has one).
            (Some(doc), _) if command.is_empty() => {
                if doc.body.starts_with("#!") {
                    files.push(("/.nook-build/script".to_string(), doc.body.clone(), 0o755));
                    vec!["/.nook-build/script".to_string()]
                } else {
                    let mut v = entry.shell.clone();
                    v.push(doc.body.clone());
                    v
                }
            }
            // `RUN cmd <<EOF`: the document is its input.
            (Some(doc), _) => {
                stdin = Some(doc.body.clone());
                let mut v = entry.shell.clone();
                v.push(command.clone());
                v
            }
        };
        // The stage's ARGs (and the proxy args given) are the step's environment, under ENV.
        let mut env = env_of(cfg);
        for (k, v) in &entry.args {
            if let Some(v) = v
                && !env.iter().any(|(ek, _)| ek == k)
            {
                env.push((k.clone(), v.clone()));
            }
        }
        for p in plan::PROXY_ARGS {
            if let Some(v) = self.opts.build_args.get(*p)
                && !env.iter().any(|(ek, _)| ek == p)
            {
                env.push((p.to_string(), v.clone()));
            }
        }
        if !env.iter().any(|(k, _)| k == "PATH") {
            env.push((
                "PATH".to_string(),
                crate::runtime::launch::DEFAULT_PATH.to_string(),
            ));
        }
        let network = match ins.flag("network") {
            None | Some("default") => self.opts.network,
            Some("none") => Network::None,
            Some("host") => Network::Host,
            Some(other) => {
                return Err(self.err(
                    line,
                    format!("RUN --network={other}: use default, none or host"),
                ));
            }
        };
        let mut mounts = Vec::new();
        let mut snapshots = Vec::new();
        let mut mount_keys = Vec::new();
        for m in ins.flag_all("mount") {
            let m = lexer.word(m).map_err(|e| self.err(line, e))?;
            let (mount, key) = self.run_mount(stage, &m, line)?;
            match mount {
                Some(RunMount::Direct(spec)) => mounts.push(spec),
                Some(RunMount::Snapshot(snap)) => snapshots.push(snap),
                None => {}
            }
            mount_keys.push(key);
        }
        let history = format!(
            "RUN {} # buildkit",
            match parse::exec_form(&ins.args) {
                Some(v) => format!("{v:?}"),
                None => args.join(" "),
            }
        );
        let vars: Vec<String> = entry
            .args
            .iter()
            .map(|(k, v)| format!("{k}={}", v.clone().unwrap_or_default()))
            .collect();
        let key_text =
            format!("RUN\0{args:?}\0{vars:?}\0{mount_keys:?}\0{network:?}\0{stdin:?}\0{files:?}");
        Ok(Prepared {
            key_text,
            history,
            what: What::Run {
                process: ProcessSpec {
                    args,
                    groups: Vec::new(),
                    env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                    cwd: cfg
                        .get("WorkingDir")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .unwrap_or("/")
                        .to_string(),
                    user: cfg
                        .get("User")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                    terminal: false,
                    interactive: stdin.is_some(),
                },
                network,
                mounts,
                snapshots,
                stdin,
                files,
                line,
            },
        })
    }

    /// A `RUN --mount=...`: what is mounted, and what of it goes into the step's key.
    fn run_mount(
        &self,
        stage: usize,
        spec: &str,
        line: usize,
    ) -> Result<(Option<RunMount>, String), BuildError> {
        let kv: BTreeMap<&str, &str> = spec
            .split(',')
            .map(|p| p.split_once('=').unwrap_or((p, "true")))
            .collect();
        let flag = |names: &[&str]| names.iter().find_map(|n| kv.get(n).copied());
        let target = |default: Option<String>| -> Result<String, BuildError> {
            flag(&["target", "dst", "destination"])
                .map(str::to_string)
                .or(default)
                .ok_or_else(|| self.err(line, format!("--mount={spec}: target= is missing")))
        };
        let direct = |target: String, kind: MountKind, read_only: bool| {
            Some(RunMount::Direct(MountSpec {
                target,
                kind,
                read_only,
            }))
        };
        match kv.get("type").copied().unwrap_or("bind") {
            "cache" => {
                let target = target(None)?;
                let id = kv.get("id").map_or(target.as_str(), |s| s);
                let dir = self
                    .store
                    .root()
                    .join("build-cache-mounts")
                    .join(&sha(&[id])[..32]);
                fs::create_dir_all(&dir).map_err(|e| StoreError::io("cannot create", &dir, e))?;
                let kind = MountKind::Bind {
                    source: dir,
                    volume: None,
                    copy_up: false,
                };
                let ro = flag(&["ro", "readonly"]) == Some("true");
                Ok((direct(target.clone(), kind, ro), format!("cache:{target}")))
            }
            "tmpfs" => {
                let target = target(None)?;
                let kind = MountKind::Tmpfs {
                    size: kv.get("size").map(|s| s.to_string()),
                    mode: None,
                    uid: None,
                    gid: None,
                };
                Ok((
                    direct(target.clone(), kind, false),
                    format!("tmpfs:{target}"),
                ))
            }
            "secret" => {
                let id = kv
                    .get("id")
                    .ok_or_else(|| self.err(line, format!("--mount={spec}: id= is missing")))?;
                let target = target(Some(format!("/run/secrets/{id}")))?;
                match self.opts.secrets.get(*id) {
                    // Never in the key: a secret's value must not leave a trace.
                    Some(src) => {
                        let kind = MountKind::Bind {
                            source: src.clone(),
                            volume: None,
                            copy_up: false,
                        };
                        Ok((
                            direct(target.clone(), kind, true),
                            format!("secret:{id}:{target}"),
                        ))
                    }
                    None if kv.get("required") == Some(&"true") => Err(self.err(
                        line,
                        format!(
                            "the secret {id} is required: give it with --secret id={id},src=FILE"
                        ),
                    )),
                    None => Ok((None, format!("secret:{id}:absent"))),
                }
            }
            "bind" => {
                let source = flag(&["source", "src"]).unwrap_or(".");
                let target = target(None)?;
                let dest = format!("/{SNAPSHOT_DIR}");
                let (sources, stages, key) = match kv.get("from") {
                    Some(from) => {
                        let (layers, key) = self.layers_of(from, stage, line)?;
                        let root = self.scratch.join(format!("mount-{}", self.seq()));
                        (
                            Sources::InRoot {
                                root: root.join("root"),
                                patterns: vec![source.to_string()],
                            },
                            vec![self.stage_mount(&layers, &root)],
                            key,
                        )
                    }
                    None => {
                        let ctx = self
                            .context
                            .as_ref()
                            .ok_or_else(|| self.err(line, "a bind mount needs a build context"))?;
                        let found = ctx.expand(source).map_err(|e| self.err(line, e))?;
                        if found.len() != 1 {
                            return Err(self.err(
                                line,
                                format!("--mount={spec}: the source must name one path"),
                            ));
                        }
                        let hash = ctx.hash(&found).map_err(|e| self.err(line, e))?;
                        let sources = Sources::Paths {
                            root: ctx.root.clone(),
                            paths: found,
                        };
                        (sources, Vec::new(), hash)
                    }
                };
                let read_only = flag(&["rw", "readwrite"]) != Some("true");
                let snap = Snapshot {
                    target: target.clone(),
                    copy: CopySpec {
                        sources,
                        dest,
                        stage_root: None,
                        chown: None,
                        chmod: None,
                        unpack_archives: false,
                        epoch: None,
                    },
                    stages,
                    read_only,
                };
                Ok((
                    Some(RunMount::Snapshot(snap)),
                    format!("bind:{target}:{source}:{key}:{read_only}"),
                ))
            }
            other => Err(self.err(
                line,
                format!(
                    "--mount type={other} is not supported (cache, bind, secret and tmpfs are)"
                ),
            )),
        }
    }

    /// The layers of `from` (an earlier stage, or an image) and what stands for them in keys.
    fn layers_of(
        &self,
        from: &str,
        stage: usize,
        line: usize,
    ) -> Result<(Vec<LayerRef>, String), BuildError> {
        match self.plan.stage(from).filter(|i| *i < stage) {
            Some(i) => {
                let done = self.done(i);
                Ok((done.entry.image.layers, done.key))
            }
            None => {
                let record = self.base_image(from, line)?;
                let base = Base::load(self.store, &record)?;
                Ok((base.layers, record.id.to_string()))
            }
        }
    }

    /// A COPY or ADD, ready to write its layer.
    fn prepare_copy(
        &self,
        stage: usize,
        ins: &Instruction,
        entry: &Entry,
        lexer: &Lexer<'_>,
    ) -> Result<Prepared, BuildError> {
        let line = ins.line;
        let add = ins.keyword == "ADD";
        for f in ["parents", "exclude", "keep-git-dir"] {
            if ins.flag(f).is_some() {
                return Err(self.err(line, format!("{} --{f} is not supported", ins.keyword)));
            }
        }
        let rest = parse::without_heredoc_markers(&ins.args);
        let mut words = match parse::exec_form(&rest) {
            Some(v) => v,
            None => lexer.words(&rest).map_err(|e| self.err(line, e))?,
        };
        let dest = words
            .pop()
            .ok_or_else(|| self.err(line, format!("{} needs a destination", ins.keyword)))?;
        let workdir = entry
            .image
            .config
            .get("WorkingDir")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("/");
        // `.` and `..` name directories, as a trailing `/` does.
        let trailing = dest.ends_with('/')
            || matches!(
                Path::new(&dest).components().next_back(),
                Some(Component::CurDir | Component::ParentDir)
            )
            || dest.ends_with("/.");
        let mut dest_abs = normalize(&Path::new(workdir).join(&dest));
        if trailing && !dest_abs.ends_with('/') {
            dest_abs.push('/');
        }
        let chown = ins
            .flag("chown")
            .map(|c| lexer.word(c))
            .transpose()
            .map_err(|e| self.err(line, e))?;
        let chmod = ins
            .flag("chmod")
            .map(|m| {
                u32::from_str_radix(m, 8)
                    .ok()
                    .filter(|m| *m <= 0o7777)
                    .ok_or_else(|| {
                        self.err(line, format!("--chmod={m}: give octal permissions (0755)"))
                    })
            })
            .transpose()?;
        let urls = words.iter().filter(|w| is_url(w)).count();
        let checksum = ins
            .flag("checksum")
            .map(|c| lexer.word(c).map_err(|e| self.err(line, e)))
            .transpose()?
            .map(|c| fetch::checksum(&c).map_err(|e| self.err(line, e)))
            .transpose()?;
        if checksum.is_some() && (urls != 1 || words.len() != 1) {
            return Err(self.err(line, "ADD --checksum takes exactly one URL"));
        }
        let mut mounts = Vec::new();
        let mut fetches = Vec::new();
        let (sources, source_key) = if urls > 0 {
            let (paths, key) = self.prepare_fetches(ins, &words, checksum, &mut fetches)?;
            (paths, key)
        } else if !ins.heredocs.is_empty() {
            let mut files = Vec::new();
            for doc in &ins.heredocs {
                let body = match doc.quoted {
                    true => doc.body.clone(),
                    false => doc
                        .body
                        .lines()
                        .map(|l| lexer.word(l).map(|w| format!("{w}\n")))
                        .collect::<Result<String, _>>()
                        .map_err(|e| self.err(line, e))?,
                };
                files.push((doc.name.clone(), body));
            }
            let key = format!("{files:?}");
            (Sources::Inline(files), key)
        } else if let Some(from) = ins.flag("from") {
            let from = lexer.word(from).map_err(|e| self.err(line, e))?;
            let (lowers, key) = self.layers_of(&from, stage, line)?;
            let root = self.scratch.join(format!("from-{}", self.seq()));
            mounts.push(self.stage_mount(&lowers, &root));
            (
                Sources::InRoot {
                    root: root.join("root"),
                    patterns: words.clone(),
                },
                format!("from:{key}:{words:?}"),
            )
        } else {
            let ctx = self.context.as_ref().ok_or_else(|| {
                self.err(
                    line,
                    format!("{} needs a build context to copy from", ins.keyword),
                )
            })?;
            let mut paths = Vec::new();
            for w in &words {
                paths.extend(ctx.expand(w).map_err(|e: ContextError| self.err(line, e))?);
            }
            let hash = ctx.hash(&paths).map_err(|e| self.err(line, e))?;
            (
                Sources::Paths {
                    root: ctx.root.clone(),
                    paths,
                },
                format!("context:{hash}"),
            )
        };
        let stage_root = (!entry.image.layers.is_empty()).then(|| {
            let root = self.scratch.join(format!("stage-{}", self.seq()));
            mounts.push(self.stage_mount(&entry.image.layers, &root));
            root.join("root")
        });
        let history = format!("{} # buildkit", ins.text());
        let key_text = format!(
            "{}\0{source_key}\0{dest_abs}\0{chown:?}\0{chmod:?}",
            ins.keyword
        );
        Ok(Prepared {
            key_text,
            history,
            what: What::Copy {
                spec: CopySpec {
                    sources,
                    dest: dest_abs,
                    stage_root,
                    chown,
                    chmod,
                    unpack_archives: add && urls == 0,
                    epoch: self.opts.epoch,
                },
                mounts,
                fetches,
            },
        })
    }

    fn stage_mount(&self, layers: &[LayerRef], at: &Path) -> StageMount {
        StageMount {
            lowers: layers
                .iter()
                .rev()
                .map(|l| self.store.layer_diff(&l.diffid))
                .collect(),
            driver: self.rt.driver,
            at: at.join("root"),
            scratch: at.join("scratch"),
        }
    }

    /// The URLs of an ADD, as sources in a directory of the step's own: fetched now for
    /// their content to go into the key, or (with --checksum, which is the key) when the step
    /// runs, so that a cached build needs no network.
    fn prepare_fetches(
        &self,
        ins: &Instruction,
        words: &[String],
        checksum: Option<String>,
        fetches: &mut Vec<Fetch>,
    ) -> Result<(Sources, String), BuildError> {
        let line = ins.line;
        if ins.keyword != "ADD" {
            return Err(self.err(line, "COPY does not fetch URLs: use ADD"));
        }
        if let Some(local) = words.iter().find(|w| !is_url(w)) {
            return Err(self.err(
                line,
                format!("ADD {local}: a URL and local files cannot be mixed; use an ADD for each"),
            ));
        }
        if self.opts.network == Network::None {
            return Err(self.err(
                line,
                "ADD of a URL needs the network, and this build has --network none",
            ));
        }
        let dir = self.scratch.join(format!("fetch-{}", self.seq()));
        let mut paths = Vec::new();
        let mut keys = Vec::new();
        for url in words {
            let name = fetch::file_name(url).map_err(|e| self.fetch_err(line, e))?;
            if paths.iter().any(|p: &Vec<String>| p[0] == name) {
                return Err(self.err(line, format!("two URLs fetch a file named {name}")));
            }
            let digest = match &checksum {
                Some(sum) => {
                    fetches.push(Fetch {
                        url: url.clone(),
                        dir: dir.clone(),
                        name: name.clone(),
                        checksum: Some(sum.clone()),
                    });
                    sum.clone()
                }
                None => {
                    self.say(&format!("fetching {url}"));
                    fetch::fetch(url, &dir, &name, None, self.opts.host_loopback)
                        .map_err(|e| self.fetch_err(line, e))?
                        .digest
                }
            };
            keys.push(format!("{url}\0{name}\0{digest}"));
            paths.push(vec![name]);
        }
        Ok((
            Sources::Paths { root: dir, paths },
            format!("urls:{keys:?}"),
        ))
    }

    fn fetch_err(&self, line: usize, error: fetch::FetchError) -> BuildError {
        BuildError::Fetch {
            file: self.opts.file_name.clone(),
            line,
            error,
        }
    }

    /// Write the layer of a COPY (or a snapshot's tar) at `output`.
    fn archive_copy(
        &self,
        spec: &CopySpec,
        mounts: &[StageMount],
        output: &Path,
        line: usize,
    ) -> Result<layer::Archived, BuildError> {
        match jobs::run(&Job::ArchiveCopy {
            spec: spec.clone(),
            mounts: mounts.to_vec(),
            output: output.to_path_buf(),
        }) {
            Ok(JobOutput::Archived(a)) => Ok(a),
            Ok(_) => Err(self.err(line, "unexpected answer from the layer writer")),
            Err(JobError::Failed(m)) => Err(self.err(line, m)),
            Err(e) => Err(e.into()),
        }
    }

    /// A bind mount's source, copied into `dir` for the step (its writes are thrown away,
    /// and the context's ignored files stay out, as with docker); the mount of it.
    fn snapshot(&self, snap: &Snapshot, dir: &Path, line: usize) -> Result<MountSpec, BuildError> {
        let tar = dir.with_extension("tar");
        fs::create_dir_all(dir).map_err(|e| StoreError::io("cannot create", dir, e))?;
        self.archive_copy(&snap.copy, &snap.stages, &tar, line)?;
        let staging = dir.join("copy");
        match jobs::run(&Job::Unpack {
            blob: Some(tar.clone()),
            staging: staging.clone(),
            dest: None,
            expected: None,
            keep: None,
        }) {
            Ok(_) => {}
            Err(JobError::Failed(m)) => return Err(self.err(line, m)),
            Err(e) => return Err(e.into()),
        }
        let _ = fs::remove_file(&tar);
        Ok(MountSpec {
            target: snap.target.clone(),
            kind: MountKind::Bind {
                source: jobs::staged_diff(&staging).join(SNAPSHOT_DIR),
                volume: None,
                copy_up: false,
            },
            read_only: snap.read_only,
        })
    }

    /// Run what `prepared` says; the layer it made (a tar and what it came to), if any.
    fn execute(
        &self,
        prepared: &Prepared,
        entry: &Entry,
        line: usize,
    ) -> Result<Option<(PathBuf, layer::Archived)>, BuildError> {
        let work = self.scratch.join(format!("step-{}", self.seq()));
        let output = work.join("layer.tar");
        fs::create_dir_all(&work).map_err(|e| StoreError::io("cannot create", &work, e))?;
        let archived = match &prepared.what {
            What::Copy {
                spec,
                mounts,
                fetches,
            } => {
                for f in fetches {
                    fetch::fetch(
                        &f.url,
                        &f.dir,
                        &f.name,
                        f.checksum.as_deref(),
                        self.opts.host_loopback,
                    )
                    .map_err(|e| self.fetch_err(line, e))?;
                }
                self.archive_copy(spec, mounts, &output, line)?
            }
            What::Run {
                process,
                network,
                mounts,
                snapshots,
                stdin,
                files,
                line,
            } => {
                let mut mounts = mounts.clone();
                for (i, snap) in snapshots.iter().enumerate() {
                    mounts.push(self.snapshot(snap, &work.join(format!("bind-{i}")), *line)?);
                }
                self.run(entry, &work, process, *network, mounts, stdin, files, *line)?
            }
        };
        Ok((archived.entries > 0).then_some((output, archived)))
    }

    /// Run a RUN step in `work`, and archive what it wrote.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        entry: &Entry,
        work: &Path,
        process: &ProcessSpec,
        network: Network,
        mut mounts: Vec<MountSpec>,
        stdin: &Option<String>,
        files: &[(String, String, u32)],
        line: usize,
    ) -> Result<layer::Archived, BuildError> {
        let (upper, overlay_work) = (work.join("upper"), work.join("work"));
        for d in [&upper, &overlay_work] {
            fs::create_dir_all(d).map_err(|e| StoreError::io("cannot create", d, e))?;
        }
        // /etc/hosts and /etc/resolv.conf of the step's own, and the here-document scripts.
        let mut extra = vec![
            ("/etc/hosts".to_string(), self.hosts(network), 0o644),
            (
                "/etc/resolv.conf".to_string(),
                self.resolv_conf(network),
                0o644,
            ),
        ];
        extra.extend(files.iter().cloned());
        for (i, (target, contents, mode)) in extra.iter().enumerate() {
            let path = work.join(format!("file-{i}"));
            fs::write(&path, contents).map_err(|e| StoreError::io("cannot write", &path, e))?;
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(*mode))
                .map_err(|e| StoreError::io("cannot write", &path, e))?;
            mounts.push(MountSpec {
                target: target.clone(),
                kind: MountKind::Bind {
                    source: path,
                    volume: None,
                    copy_up: false,
                },
                read_only: true,
            });
        }
        let stdin_file = match stdin {
            Some(text) => {
                let path = work.join("stdin");
                fs::write(&path, text).map_err(|e| StoreError::io("cannot write", &path, e))?;
                Some(path)
            }
            None => None,
        };
        let skip: Vec<String> = mounts
            .iter()
            .map(|m| m.target.clone())
            .chain(["/proc", "/sys", "/dev", "/.nook-build"].map(String::from))
            .collect();
        let quiet = self.opts.quiet;
        // Output shows as it comes, unless other stages are building too: then a step's
        // shows in one piece when it ends. With -q, only a failing step's shows.
        let hold = quiet || self.running.load(Ordering::Relaxed) > 1;
        let mut held: Vec<(Stream, Vec<u8>)> = Vec::new();
        let code = step::run(
            &Step {
                idmap: self.rt.idmap.clone(),
                driver: self.rt.driver,
                lowers: entry
                    .image
                    .layers
                    .iter()
                    .rev()
                    .map(|l| self.store.layer_diff(&l.diffid))
                    .collect(),
                upper: upper.clone(),
                work: overlay_work,
                rootfs: self.store.mount_point(),
                scratch: work.to_path_buf(),
                process: process.clone(),
                caps: self.rt.caps.clone(),
                security: self.rt.security.clone(),
                mounts,
                network,
                host_loopback: self.opts.host_loopback,
                pasta: self.rt.pasta.clone(),
                stdin: stdin_file,
            },
            &self.helpers,
            |stream, data| match hold {
                true => held.push((stream, data.to_vec())),
                false => write_out(stream, data),
            },
        )
        .map_err(|error| BuildError::Step {
            file: self.opts.file_name.clone(),
            line,
            error: Box::new(error),
        })?;
        if !quiet && !held.is_empty() {
            let _out = std::io::stdout().lock();
            let _err = std::io::stderr().lock();
            eprintln!("--> output of {}:{line}:", self.opts.file_name);
            for (stream, data) in &held {
                write_out(*stream, data);
            }
        }
        if code != 0 {
            let captured: Vec<u8> = held.into_iter().flat_map(|(_, d)| d).collect();
            return Err(BuildError::RunFailed {
                file: self.opts.file_name.clone(),
                line,
                what: format!("RUN {}", process.args.last().cloned().unwrap_or_default()),
                code,
                output: match quiet && !captured.is_empty() {
                    true => format!("; its output:\n{}", String::from_utf8_lossy(&captured)),
                    false => String::new(),
                },
            });
        }
        match jobs::run(&Job::ArchiveUpper {
            upper,
            skip,
            output: work.join("layer.tar"),
            epoch: self.opts.epoch,
            keep: None,
        })? {
            JobOutput::Archived(a) => Ok(a),
            _ => Err(self.err(line, "unexpected answer from the layer writer")),
        }
    }

    /// The step's /etc/hosts: its own names, and the host's when it may reach the host.
    fn hosts(&self, network: Network) -> String {
        use crate::network::files::HOST_NAMES;
        let mut out = "127.0.0.1\tlocalhost nook-build\n::1\tlocalhost\n".to_string();
        let gateway = match (network, &self.rt.pasta) {
            (Network::Host, _) => Some(std::net::Ipv4Addr::LOCALHOST),
            (Network::Pasta, Some(f)) if f.maps_gateway && self.opts.host_loopback => {
                crate::network::host::default_route().map(|r| r.gateway)
            }
            _ => None,
        };
        if let Some(gw) = gateway {
            out.push_str(&format!("{gw}\t{HOST_NAMES}\n"));
        }
        out
    }

    /// The step's /etc/resolv.conf: pasta's forwarder, or the host's resolvers.
    fn resolv_conf(&self, network: Network) -> String {
        let host = fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
        match (network, &self.rt.pasta) {
            (Network::Pasta, Some(f)) if f.dns_forward => crate::network::pasta::nameservers(f)
                .iter()
                .map(|s| format!("nameserver {s}\n"))
                .collect(),
            _ => host,
        }
    }
}

/// A layer step, settled before it runs (or is found in the cache).
struct Prepared {
    /// What the step's key is made of, besides its parent's.
    key_text: String,
    /// The history's `created_by`.
    history: String,
    what: What,
}

/// A `RUN --mount=type=bind`: its source (from the context, a stage or an image), copied to
/// `SNAPSHOT_DIR` of a fresh directory.
struct Snapshot {
    target: String,
    copy: CopySpec,
    stages: Vec<StageMount>,
    read_only: bool,
}

/// An `ADD URL` with `--checksum`, to fetch when the step runs.
struct Fetch {
    url: String,
    dir: PathBuf,
    name: String,
    checksum: Option<String>,
}

/// Pass on a RUN step's output.
fn write_out(stream: Stream, data: &[u8]) {
    let _ = match stream {
        Stream::Stdout => std::io::stdout().write_all(data),
        Stream::Stderr => std::io::stderr().write_all(data),
    };
}

/// Is this ADD source a URL (docker's test: a scheme it fetches)?
fn is_url(source: &str) -> bool {
    ["http://", "https://"]
        .iter()
        .any(|p| source.len() > p.len() && source[..p.len()].eq_ignore_ascii_case(p))
}

/// A `RUN --mount`, as the step gets it.
enum RunMount {
    Direct(MountSpec),
    Snapshot(Snapshot),
}

/// Where a snapshot's copy lands in its directory.
const SNAPSHOT_DIR: &str = "source";

enum What {
    Run {
        process: ProcessSpec,
        network: Network,
        mounts: Vec<MountSpec>,
        /// Bind mounts whose sources are copied first.
        snapshots: Vec<Snapshot>,
        stdin: Option<String>,
        /// Files of the step's own: where, contents, mode.
        files: Vec<(String, String, u32)>,
        line: usize,
    },
    Copy {
        spec: CopySpec,
        mounts: Vec<StageMount>,
        /// Files to fetch first (known by their --checksum, so not fetched for the key).
        fetches: Vec<Fetch>,
    },
}

/// The config's `Env` as pairs.
fn env_of(config: &Map<String, Value>) -> Vec<(String, String)> {
    config
        .get("Env")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|e| match e.split_once('=') {
                    Some((k, v)) => (k.to_string(), v.to_string()),
                    None => (e.to_string(), String::new()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An absolute path with `.` and `..` worked out.
fn normalize(p: &Path) -> String {
    let parts = context::clean_path(&p.to_string_lossy());
    let mut out: Vec<String> = Vec::new();
    for c in parts {
        if c == ".." {
            out.pop();
        } else {
            out.push(c);
        }
    }
    format!("/{}", out.join("/"))
}

/// `80`, `53/udp`, `8000-8002/tcp`: the ports, as `ExposedPorts` keys.
fn expand_ports(spec: &str) -> Result<Vec<String>, String> {
    let (ports, proto) = spec.split_once('/').unwrap_or((spec, "tcp"));
    let proto = proto.to_ascii_lowercase();
    if !matches!(proto.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("EXPOSE {spec}: unknown protocol {proto}"));
    }
    let bad = || format!("EXPOSE {spec}: not a port or a range of ports");
    let (a, b) = match ports.split_once('-') {
        Some((a, b)) => (
            a.parse::<u16>().map_err(|_| bad())?,
            b.parse::<u16>().map_err(|_| bad())?,
        ),
        None => {
            let p = ports.parse::<u16>().map_err(|_| bad())?;
            (p, p)
        }
    };
    if a > b {
        return Err(bad());
    }
    Ok((a..=b).map(|p| format!("{p}/{proto}")).collect())
}

/// `HEALTHCHECK [flags] CMD ...` or `HEALTHCHECK NONE`, as docker stores it.
fn healthcheck(ins: &Instruction) -> Result<Value, String> {
    let args = ins.args.trim();
    if args.eq_ignore_ascii_case("NONE") {
        return Ok(json!({ "Test": ["NONE"] }));
    }
    let (word, rest) = args
        .split_once(char::is_whitespace)
        .ok_or("HEALTHCHECK takes CMD COMMAND or NONE")?;
    if !word.eq_ignore_ascii_case("CMD") {
        return Err("HEALTHCHECK takes CMD COMMAND or NONE".to_string());
    }
    let test = match parse::command(rest) {
        Command::Exec(v) => std::iter::once("CMD".to_string())
            .chain(v)
            .collect::<Vec<_>>(),
        Command::Shell(s) => vec!["CMD-SHELL".to_string(), s],
    };
    let mut check = json!({ "Test": test });
    for (flag, field) in [
        ("interval", "Interval"),
        ("timeout", "Timeout"),
        ("start-period", "StartPeriod"),
        ("start-interval", "StartInterval"),
    ] {
        if let Some(v) = ins.flag(flag) {
            let d = crate::container::health::parse_duration("HEALTHCHECK", v)
                .map_err(|_| format!("--{flag}={v}: use a duration (500ms, 30s, 1m30s)"))?;
            check[field] = json!(d.as_nanos() as u64);
        }
    }
    if let Some(r) = ins.flag("retries") {
        check["Retries"] = json!(
            r.parse::<u32>()
                .map_err(|_| format!("--retries={r}: a number"))?
        );
    }
    Ok(check)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_ports_and_healthchecks() {
        assert_eq!(normalize(Path::new("/a/b/../c/./d")), "/a/c/d");
        assert_eq!(normalize(Path::new("/../..")), "/");
        assert_eq!(expand_ports("80").unwrap(), vec!["80/tcp"]);
        assert_eq!(
            expand_ports("8000-8002/udp").unwrap(),
            vec!["8000/udp", "8001/udp", "8002/udp"]
        );
        assert!(expand_ports("x").is_err() && expand_ports("80/icmp").is_err());
        let p = parse::parse(
            "C",
            "FROM x\nHEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost\n",
        )
        .unwrap();
        let h = healthcheck(&p.instructions[1]).unwrap();
        assert_eq!(h["Test"], json!(["CMD-SHELL", "wget -q localhost"]));
        assert_eq!(h["Interval"], json!(30_000_000_000u64));
        assert_eq!(h["Retries"], json!(3));
    }
}
