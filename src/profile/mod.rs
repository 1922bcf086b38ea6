//! Dev-shell profiles: the TOML schema ([`schema`]), finding and folding profiles
//! ([`load`]), the build they make with `nook build`'s step engine ([`plan`]), and the lock
//! that pins it ([`lock`]). Entering one is `nook shell` (src/commands/shell.rs).
//!
//! Getting a profile ready: the base is resolved (from the lock when it pins it, else from
//! the store, pulled when missing), each layer's key computed (base digest, package sets,
//! steps with their inputs' contents), and when the store has an image for the last key
//! (`shells/<key>`), that is all: no registry, no package manager, no build. Otherwise the
//! engine builds it (its own cache reuses every unchanged step), the installed versions are
//! read back, and the lock is written when it was missing or stale.

pub mod load;
pub mod lock;
pub mod plan;
pub mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use oci_spec::image::ImageConfiguration;
use sha2::{Digest as _, Sha256};

use crate::image::index::{ImageIndex, ImageRecord};
use crate::image::store::Store;
use load::Profile;
use lock::{Lock, LockedBase, LockedPackages, LockedStep};

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{file}:{refusal}")]
    Syntax {
        file: String,
        refusal: schema::Refusal,
    },
    #[error("{file}: {what}")]
    Invalid { file: String, what: String },
    #[error("{0:?} is not a profile name (letters, digits and _ . - only)")]
    BadName(String),
    #[error("no profile named {name:?}; there are: {}", .known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error(
        "no nook.toml in {} or a directory above it.\n  Name a profile (`nook profile ls` lists \
         them: nook shell rust), or write a nook.toml (`man nook-shell` shows the format)",
        .0.display()
    )]
    NoProfile(PathBuf),
    #[error(
        "{0} names no base image: add [base] image = \"...\", or extends = [\"debian\"] (or \
         another profile that has one)"
    )]
    NoBase(String),
    #[error("a profile extends itself: {0}")]
    Cycle(String),
    #[error("profiles extend each other too deeply: {0}")]
    TooDeep(String),
    #[error("input {input:?}: {why}")]
    Input { input: String, why: String },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {why}")]
    Write { path: PathBuf, why: String },
    #[error("{path} is damaged: {why}")]
    BadLock { path: PathBuf, why: String },
    #[error(
        "{path} is not locked: there is no {lock}.\n  Run `nook lock` (or `nook shell` without \
         --locked) to resolve and write it",
        lock = .lock.display()
    )]
    NoLock { path: String, lock: PathBuf },
    #[error(
        "{lock} does not match the profile ({}):\n  {}\n  Run `nook lock` to lock what the \
         profile says now, or undo the change",
        .path, .differences.join("\n  ")
    )]
    Stale {
        path: String,
        lock: String,
        differences: Vec<String>,
    },
    #[error(
        "{path} is a project's profile, and you have not trusted it. It asks to:\n  {asks}\n  \
         Read it; if you agree, run `nook trust {path}`"
    )]
    Untrusted { path: String, asks: String },
    #[error("the profile has no layer {name:?}; it has: {}", .known.join(", "))]
    NoLayer { name: String, known: Vec<String> },
    #[error("base image {image}: {why}")]
    Base { image: String, why: String },
    #[error("{0}")]
    Build(String),
    #[error("{0}")]
    Task(String),
    #[error(transparent)]
    Trust(#[from] crate::trust::TrustError),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error(transparent)]
    Index(#[from] crate::image::index::IndexError),
    #[error(transparent)]
    Store(#[from] crate::image::store::StoreError),
}

/// How the lock is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    /// Follow the lock where it matches the profile; resolve (and write it) where it does not.
    Follow,
    /// Only what the lock pins; refuse when it is missing or does not match.
    Locked,
    /// Resolve again from layer `from` on ([`layer_index`]; 0: everything, the base pulled
    /// anew): package sets to what the mirror has now, set-up steps run anew; write the lock.
    Update(usize),
    /// As `Follow`, but the layers from `from` on run again, not from the cache (the lock's
    /// versions kept).
    Rebuild(usize),
}

/// The layers of a profile, as `nook lock --update` and `nook profile rebuild --from` name
/// them: `base` (0), each package set (`packages:FROM`, or `packages` for the first), then each
/// set-up step by its name.
/// No name is the first of them, the base: everything.
pub fn layer_index(profile: &Profile, name: Option<&str>) -> Result<usize, ProfileError> {
    let Some(name) = name else {
        return Ok(0);
    };
    let sets = profile.packages.len();
    let found = match name {
        "base" => Some(0),
        "packages" if sets > 0 => Some(1),
        _ => match name.strip_prefix("packages:") {
            Some(from) => profile
                .packages
                .iter()
                .position(|p| p.from == from)
                .map(|i| i + 1),
            None => profile
                .setup
                .iter()
                .position(|s| s.name == name)
                .map(|i| sets + 1 + i),
        },
    };
    found.ok_or_else(|| ProfileError::NoLayer {
        name: name.to_string(),
        known: std::iter::once("base".to_string())
            .chain(
                profile
                    .packages
                    .iter()
                    .map(|p| format!("packages:{}", p.from)),
            )
            .chain(profile.setup.iter().map(|s| s.name.clone()))
            .collect(),
    })
}

/// What `prepare` needs done by the commands layer (a pull and a build run as processes or
/// with the runtime the command set up).
pub trait Builder {
    /// Pull `name` into the store.
    fn pull(&self, name: &str) -> Result<(), String>;
    /// Build `containerfile` (with `context` for its inputs) and tag it `tag`.
    fn build(
        &self,
        containerfile: &str,
        context: Option<&Path>,
        tag: &str,
        host_loopback: bool,
        fresh_from: Option<usize>,
    ) -> Result<ImageRecord, BuildFailure>;
}

/// Why a build failed: the line of the generated Containerfile it failed at (when it was
/// one), and how.
pub struct BuildFailure {
    pub line: Option<usize>,
    pub how: String,
}

/// A profile ready to enter.
pub struct Ready {
    pub image: ImageRecord,
    pub lock_path: PathBuf,
    /// What changed in the lock (empty when it was not written).
    pub written: Vec<String>,
    /// Layers that came out different from what the lock records (a step that does not
    /// build reproducibly, or other package versions in the mirror).
    pub drift: Vec<String>,
}

/// SHA-256 of what decides the build.
pub fn build_hash(profile: &Profile) -> String {
    let json = serde_json::to_vec(&profile.build_part()).expect("profiles serialize");
    format!("sha256:{}", hex::encode(Sha256::digest(json)))
}

/// The image tag a profile's builds get.
pub fn tag(profile: &Profile) -> String {
    format!("localhost/nook-profile/{}:latest", profile.name)
}

/// Must `profile` be trusted before it is used? (A project's file; nook's and yours not.)
pub fn check_trust(store: &Store, profile: &Profile) -> Result<(), ProfileError> {
    let load::Origin::Project(path) = &profile.origin else {
        return Ok(());
    };
    let trust = crate::trust::TrustStore::load(store.root())?;
    if trust.trusts(path, &profile.sha256).is_some() {
        return Ok(());
    }
    let mut asks = profile.asks();
    if asks.is_empty() {
        asks.push(format!("enter the image {}", profile.base));
    }
    Err(ProfileError::Untrusted {
        path: path.display().to_string(),
        asks: asks.join("\n  "),
    })
}

/// The lock `profile` would have over `base`, with the versions of `versions` where a set's
/// key is unchanged.
fn skeleton(
    profile: &Profile,
    base: &LockedBase,
    keys: &[String],
    versions: Option<&Lock>,
) -> Lock {
    let n = profile.packages.len();
    Lock {
        version: lock::VERSION,
        profile: build_hash(profile),
        base: base.clone(),
        packages: profile
            .packages
            .iter()
            .zip(keys)
            .map(|(set, key)| {
                let known = versions
                    .and_then(|l| l.packages.iter().find(|p| p.key == *key))
                    .cloned();
                LockedPackages {
                    from: set.from.clone(),
                    manager: known
                        .as_ref()
                        .map(|k| k.manager.clone())
                        .unwrap_or_default(),
                    key: key.clone(),
                    versions: match &known {
                        Some(k) => k.versions.clone(),
                        None => set
                            .install
                            .iter()
                            .map(|p| (p.clone(), String::new()))
                            .collect(),
                    },
                    layer: known.and_then(|k| k.layer),
                }
            })
            .collect(),
        setup: profile
            .setup
            .iter()
            .zip(&keys[n..])
            .map(|(s, key)| LockedStep {
                name: s.name.clone(),
                key: key.clone(),
                layer: versions
                    .and_then(|l| l.setup.iter().find(|o| o.key == *key))
                    .and_then(|o| o.layer.clone()),
            })
            .collect(),
    }
}

/// Where the image built for a profile's last key is recorded (`shells/<key>`: the image's
/// id), with the memos of unpinned builds (`shells/unpinned-<key>`).
fn entry_path(store: &Store, key: &str) -> PathBuf {
    store
        .root()
        .join("shells")
        .join(key.trim_start_matches("sha256:"))
}

/// Forget what the store records for profiles: entries whose image is gone, or (with
/// `images`) those of these image ids, or every record (`all`). Returns how many went.
pub fn forget_entries(store: &Store, images: &[String], all: bool) -> usize {
    let Ok(dir) = std::fs::read_dir(store.root().join("shells")) else {
        return 0;
    };
    let index = ImageIndex::load(store).ok();
    let mut gone = 0;
    for e in dir.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let memo = name.starts_with("unpinned-");
        let id = std::fs::read_to_string(e.path()).unwrap_or_default();
        let id = id.trim();
        let stale = !memo
            && (images.iter().any(|i| i == id)
                || index.as_ref().is_some_and(|i| i.resolve(id).is_err()));
        if (all || stale) && std::fs::remove_file(e.path()).is_ok() {
            gone += 1;
        }
    }
    gone
}

/// The versions an unpinned build of a package set with this key installed here (so that
/// a lock that pins exactly those can reuse that build).
fn memo_path(store: &Store, key: &str) -> PathBuf {
    store
        .root()
        .join("shells")
        .join(format!("unpinned-{}", key.trim_start_matches("sha256:")))
}

fn write_small(path: &Path, bytes: &[u8]) -> Result<(), ProfileError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| ProfileError::Write {
            path: dir.to_path_buf(),
            why: e.to_string(),
        })?;
    }
    crate::image::store::replace_file(path, bytes).map_err(|e| ProfileError::Write {
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

/// Get `profile` built and locked as `mode` says.
pub fn prepare(
    store: &Store,
    profile: &Profile,
    mode: LockMode,
    builder: &dyn Builder,
    host_loopback: bool,
) -> Result<Ready, ProfileError> {
    let lock_path = lock::path_for(profile, store.root());
    let existing = Lock::read(&lock_path)?;
    let shown = profile.origin.shown();
    if mode == LockMode::Locked && existing.is_none() {
        return Err(ProfileError::NoLock {
            path: shown,
            lock: lock_path,
        });
    }
    // The base: as the lock pins it, unless the profile now names another (or an update).
    let pinned_base = existing
        .as_ref()
        .filter(|l| mode != LockMode::Update(0) && l.base.image == profile.base)
        .map(|l| l.base.clone());
    let base = match pinned_base {
        Some(b) => b,
        None if mode == LockMode::Locked => {
            let l = existing.as_ref().expect("checked above");
            return Err(ProfileError::Stale {
                path: shown,
                lock: lock_path.display().to_string(),
                differences: vec![format!(
                    "base image: the lock has {}, the profile {}",
                    l.base.image, profile.base
                )],
            });
        }
        None => {
            let local = ImageIndex::load(store)?.resolve(&profile.base).cloned();
            let record = match (mode, local) {
                (LockMode::Follow, Ok(r)) => r,
                _ => {
                    builder
                        .pull(&profile.base)
                        .map_err(|why| ProfileError::Base {
                            image: profile.base.clone(),
                            why,
                        })?;
                    ImageIndex::load(store)?
                        .resolve(&profile.base)
                        .cloned()
                        .map_err(|e| ProfileError::Base {
                            image: profile.base.clone(),
                            why: e.to_string(),
                        })?
                }
            };
            LockedBase {
                image: profile.base.clone(),
                manifest: record.manifest.to_string(),
                index: record.index.as_ref().map(|d| d.to_string()),
                platform: format!("linux/{}", crate::image::import::host_arch()),
            }
        }
    };
    let keys = plan::keys(profile, &base.manifest)?;
    let mut wanted = skeleton(profile, &base, &keys, existing.as_ref());
    // What is redone: from which layer on (0 is the base), if any.
    let redo = match mode {
        LockMode::Update(from) | LockMode::Rebuild(from) => Some(from),
        LockMode::Follow | LockMode::Locked => None,
    };
    if let LockMode::Update(from) = mode {
        let sets = wanted.packages.len();
        for (i, set) in wanted.packages.iter_mut().enumerate() {
            if i + 1 >= from {
                set.versions.values_mut().for_each(String::clear);
                set.layer = None;
            }
        }
        for (i, step) in wanted.setup.iter_mut().enumerate() {
            if sets + 1 + i >= from {
                step.layer = None;
            }
        }
    }
    let differences = match &existing {
        Some(l) => l.differences(&wanted),
        None => vec!["new".to_string()],
    };
    let fresh = differences.is_empty() && !matches!(mode, LockMode::Update(_));
    if mode == LockMode::Locked && !fresh {
        return Err(ProfileError::Stale {
            path: shown,
            lock: lock_path.display().to_string(),
            differences,
        });
    }
    let last = keys
        .last()
        .cloned()
        .unwrap_or_else(|| format!("base-{}", base.manifest));
    // The warm path: an image for this very key is in the store.
    let entry = entry_path(store, &last);
    if redo.is_none()
        && let Ok(id) = std::fs::read_to_string(&entry)
        && let Ok(image) = ImageIndex::load(store)?.resolve(id.trim()).cloned()
        && (fresh || existing.is_none())
    {
        let mut written = Vec::new();
        if existing.is_none() {
            // Built before, its lock since removed: the same versions again.
            let relocked = lock_of(store, profile, &image, wanted)?;
            relocked.write(&lock_path)?;
            written.push("new".to_string());
        }
        return Ok(Ready {
            image,
            lock_path,
            written,
            drift: Vec::new(),
        });
    }
    // Build: the base by digest when the lock pins it; package sets pinned where the lock
    // has their versions (unless an unpinned build here gave exactly those).
    let base_ref = if existing.as_ref().is_some_and(|l| l.base == base) {
        format!("{}@{}", strip_digest(&profile.base), base.manifest)
    } else {
        profile.base.clone()
    };
    let pins: Vec<BTreeMap<String, String>> = wanted
        .packages
        .iter()
        .map(|p| {
            let have = p.versions.values().all(|v| !v.is_empty());
            let memo = std::fs::read(memo_path(store, &p.key))
                .ok()
                .and_then(|b| serde_json::from_slice::<BTreeMap<String, String>>(&b).ok());
            if !have || memo.as_ref() == Some(&p.versions) {
                BTreeMap::new()
            } else {
                p.versions.clone()
            }
        })
        .collect();
    let (containerfile, lines) = plan::containerfile(profile, &base_ref, &pins);
    let context = profile
        .setup
        .iter()
        .any(|s| !s.inputs.is_empty())
        .then_some(profile.dir.as_path());
    let image = if keys.is_empty() {
        ImageIndex::load(store)?.resolve(&base_ref).cloned()?
    } else {
        builder
            .build(
                &containerfile,
                context,
                &tag(profile),
                host_loopback || profile.host_loopback,
                // The line of the first layer redone (the base is no step: all of them).
                redo.map(|from| from.checked_sub(1).map_or(1, |i| lines[i].0)),
            )
            .map_err(|e| ProfileError::Build(plan::explain(&e, &lines)))?
    };
    let built = lock_of(store, profile, &image, wanted)?;
    for (set, pin) in built.packages.iter().zip(&pins) {
        if pin.is_empty() {
            let json = serde_json::to_vec(&set.versions).expect("maps serialize");
            write_small(&memo_path(store, &set.key), &json)?;
        }
    }
    let drift = match &existing {
        Some(l) if fresh => layer_drift(l, &built),
        _ => Vec::new(),
    };
    let written = if fresh {
        Vec::new()
    } else {
        built.write(&lock_path)?;
        match (&existing, mode) {
            (Some(l), LockMode::Update(_)) => l.updates(&built),
            _ => differences,
        }
    };
    write_small(&entry, image.id.to_string().as_bytes())?;
    Ok(Ready {
        image,
        lock_path,
        written,
        drift,
    })
}

fn strip_digest(name: &str) -> &str {
    name.split_once('@').map_or(name, |(n, _)| n)
}

/// Steps whose layer is not the one the lock records.
fn layer_drift(locked: &Lock, built: &Lock) -> Vec<String> {
    let mut out = Vec::new();
    for (a, b) in locked.setup.iter().zip(&built.setup) {
        if a.layer.is_some() && a.layer != b.layer {
            out.push(format!(
                "setup step {:?} made another layer than the lock records ({} here, {} there)",
                a.name,
                b.layer.as_deref().unwrap_or("none"),
                a.layer.as_deref().unwrap_or("none")
            ));
        }
    }
    for (a, b) in locked.packages.iter().zip(&built.packages) {
        if a.versions != b.versions {
            out.push(format!(
                "packages of {}: other versions than the lock's were installed",
                a.from
            ));
        }
    }
    out
}

/// `wanted` completed from the built `image`: the versions its package steps recorded and
/// the layer each step made.
fn lock_of(
    store: &Store,
    profile: &Profile,
    image: &ImageRecord,
    mut wanted: Lock,
) -> Result<Lock, ProfileError> {
    let (_, layers) = crate::image::manage::image_parts(store, image)
        .map_err(|why| ProfileError::Build(format!("image {}: {why}", image.id.short())))?;
    let lowers: Vec<PathBuf> = layers
        .iter()
        .rev()
        .map(|(_, d)| store.layer_diff(d))
        .collect();
    for (i, set) in wanted.packages.iter_mut().enumerate() {
        let name = format!("packages-{i}");
        let record = crate::container::identity::image_file(
            &lowers,
            &["usr", "share", "nook", name.as_str()],
        )
        .unwrap_or_default();
        for line in record.lines() {
            let mut f = line.split('\t');
            let (Some(m), Some(n), Some(v)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if set.versions.contains_key(n) && plan::valid_package(v) {
                set.manager = m.to_string();
                set.versions.insert(n.to_string(), v.to_string());
            }
        }
        if let Some((missing, _)) = set.versions.iter().find(|(_, v)| v.is_empty()) {
            return Err(ProfileError::Build(format!(
                "package {missing:?} of {} is not installed in the image (its version could \
                 not be read)",
                set.from
            )));
        }
    }
    // The profile's steps are the last entries of the image's history.
    let config = store.read_blob(&image.id)?;
    let config = ImageConfiguration::from_reader(&config[..])
        .map_err(|e| ProfileError::Build(format!("image config: {e}")))?;
    let history = config.history().clone().unwrap_or_default();
    let ours = profile.packages.len() + profile.setup.len();
    let diff_ids: Vec<&String> = config.rootfs().diff_ids().iter().collect();
    let mut layer_at = Vec::new();
    let mut next = diff_ids.len();
    for h in history.iter().rev().take(ours) {
        if h.empty_layer().unwrap_or(false) {
            layer_at.push(None);
        } else {
            next = next.saturating_sub(1);
            layer_at.push(diff_ids.get(next).map(|d| d.to_string()));
        }
    }
    layer_at.reverse();
    if layer_at.len() == ours {
        let n = profile.packages.len();
        for (set, layer) in wanted.packages.iter_mut().zip(&layer_at[..n]) {
            set.layer = layer.clone();
        }
        for (step, layer) in wanted.setup.iter_mut().zip(&layer_at[n..]) {
            step.layer = layer.clone();
        }
    }
    Ok(wanted)
}

/// Take `image` (pulled: a teammate's or CI's build of this profile) as the build of
/// `profile`, whose lock must be current: the layers the lock records for its package sets
/// and steps must be the image's last ones. Then an entry builds nothing.
pub fn adopt(store: &Store, profile: &Profile, image: &ImageRecord) -> Result<(), ProfileError> {
    let lock_path = lock::path_for(profile, store.root());
    if let Some(differences) = check_lock(store, profile)? {
        return Err(ProfileError::Stale {
            path: profile.origin.shown(),
            lock: lock_path.display().to_string(),
            differences,
        });
    }
    let locked = Lock::read(&lock_path)?.expect("checked above");
    let want: Vec<&String> = locked
        .packages
        .iter()
        .filter_map(|p| p.layer.as_ref())
        .chain(locked.setup.iter().filter_map(|s| s.layer.as_ref()))
        .collect();
    let config = store.read_blob(&image.id)?;
    let config = ImageConfiguration::from_reader(&config[..])
        .map_err(|e| ProfileError::Build(format!("image config: {e}")))?;
    let have = config.rootfs().diff_ids();
    let tail = &have[have.len().saturating_sub(want.len())..];
    if want.is_empty() || tail.iter().collect::<Vec<_>>() != want {
        return Err(ProfileError::Build(format!(
            "image {} is not a build of {}: its last layers are not the ones {} records",
            image.id.short(),
            profile.origin.shown(),
            lock_path.display()
        )));
    }
    let keys = plan::keys(profile, &locked.base.manifest)?;
    let last = keys.last().expect("a lock with layers has steps");
    write_small(&entry_path(store, last), image.id.to_string().as_bytes())
}

/// Without building: how the lock differs from what the profile says now (`None`: it
/// matches).
pub fn check_lock(store: &Store, profile: &Profile) -> Result<Option<Vec<String>>, ProfileError> {
    let lock_path = lock::path_for(profile, store.root());
    let Some(existing) = Lock::read(&lock_path)? else {
        return Ok(Some(vec![format!("there is no {}", lock_path.display())]));
    };
    let mut base = existing.base.clone();
    base.image = profile.base.clone();
    let keys = plan::keys(profile, &existing.base.manifest)?;
    let differences = existing.differences(&skeleton(profile, &base, &keys, Some(&existing)));
    Ok((!differences.is_empty()).then_some(differences))
}
