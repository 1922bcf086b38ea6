//! `nook pull`: fetch an image from a registry (or its mirrors).
//!
//! The manifest (choosing the platform from an index) and config come first; then the layers
//! download in parallel, each streamed at once into the store (hashed as it goes) and into a
//! user-namespace helper that unpacks it as it arrives. A layer is committed only when both
//! its digest and its diff id check out; an interrupted transfer resumes where it stopped
//! (or starts again if the registry ignores ranges). Layers the store has are not fetched.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Mutex;

use oci_spec::image::{Descriptor, ImageConfiguration, ImageIndex as OciIndex, ImageManifest};

use super::digest::{Digest, HashingWriter};
use super::import::host_arch;
use super::index::{ImageIndex, ImageRecord, IndexError};
use super::ingest::{Ingest, IngestError};
use super::reference::Reference;
use super::settle::Pending;
use super::store::{Store, StoreError};
use crate::config::RegistriesConfig;
use crate::progress::{Bar, Progress};
use crate::registry::{Registry, RegistryError};
use crate::runtime::jobs::{self, Helper, Job, JobError, JobOutput};

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(
        "{0:?} names no registry, and no default registry is set (default = \"\" under \
         [registries] in ~/.config/nook/config.toml).\n  Use a full name \
         (registry.example/{0}), or name a default registry there"
    )]
    NoDefaultRegistry(String),
    #[error("{what} has media type {media}, which nook does not support{hint}")]
    Unsupported {
        what: String,
        media: String,
        hint: &'static str,
    },
    #[error("{reference} has no image for {wanted} (it has: {})", .available.join(", "))]
    NoPlatform {
        reference: String,
        wanted: Platform,
        available: Vec<String>,
    },
    #[error("invalid {what}: {why}")]
    Invalid { what: String, why: String },
    #[error("layer {digest} did not arrive whole: {why}")]
    Transfer { digest: Digest, why: String },
    #[error("invalid platform {0:?}: expected os/arch or os/arch/variant, e.g. linux/arm64")]
    BadPlatform(String),
}

fn invalid(what: impl Into<String>, why: impl ToString) -> PullError {
    PullError::Invalid {
        what: what.into(),
        why: why.to_string(),
    }
}

/// An image platform: `os/arch[/variant]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The machine nook runs on.
    pub fn host() -> Self {
        Self {
            os: "linux".to_string(),
            arch: host_arch().to_string(),
            variant: None,
        }
    }

    fn matches(&self, p: &oci_spec::image::Platform) -> bool {
        let variant_ok = match (&self.variant, p.variant()) {
            (Some(want), Some(have)) => want == have,
            (Some(_), None) => false,
            // arm64 images are "v8" unless said otherwise; any variant will do when none is asked.
            (None, _) => true,
        };
        p.os().to_string() == self.os && p.architecture().to_string() == self.arch && variant_ok
    }
}

impl FromStr for Platform {
    type Err = PullError;
    fn from_str(s: &str) -> Result<Self, PullError> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Self {
                os: os.to_string(),
                arch: arch.to_string(),
                variant: None,
            }),
            [os, arch, v] if !os.is_empty() && !arch.is_empty() && !v.is_empty() => Ok(Self {
                os: os.to_string(),
                arch: arch.to_string(),
                variant: Some(v.to_string()),
            }),
            _ => Err(PullError::BadPlatform(s.to_string())),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// The registry a reference names, with the configured default for short names (Docker Hub
/// unless configured; its official images are under `library/`, as docker has them).
pub fn qualify(reference: &Reference, settings: &RegistriesConfig) -> Result<Reference, PullError> {
    let mut full = match (&reference.domain, settings.default_registry()) {
        (Some(_), _) => reference.qualified(""),
        (None, Some(default)) => reference.qualified(default),
        (None, None) => return Err(PullError::NoDefaultRegistry(reference.to_string())),
    };
    if full.domain.as_deref() == Some(crate::config::DOCKER_HUB) && !full.path.contains('/') {
        full.path = format!("library/{}", full.path);
    }
    Ok(full)
}

const INDEX_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];
const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];
const LAYER_TYPES: &[&str] = &[
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
];

/// The media type of a manifest: the header, else the document's own `mediaType`.
fn media_of(header: &str, bytes: &[u8]) -> String {
    if !header.is_empty() && header != "application/json" && header != "text/plain" {
        return header.to_string();
    }
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "mediaType")]
        media_type: Option<String>,
        manifests: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(Probe {
            media_type: Some(m),
            ..
        }) => m,
        Ok(Probe {
            manifests: Some(_), ..
        }) => INDEX_TYPES[0].to_string(),
        _ => MANIFEST_TYPES[0].to_string(),
    }
}

/// What a pull did.
pub struct Pulled {
    pub record: ImageRecord,
    /// False when the store already had everything.
    pub fetched: bool,
    pub notes: Vec<String>,
}

/// Pull `reference` (fully qualified) for `platform`.
pub fn pull(
    store: &Store,
    settings: &RegistriesConfig,
    reference: &Reference,
    platform: &Platform,
    progress: &Progress,
) -> Result<Pulled, PullError> {
    let host = reference
        .domain
        .clone()
        .expect("pull takes qualified references");
    let repo = reference.path.clone();
    let tag_or_digest = match (&reference.digest, &reference.tag) {
        (Some(d), _) => d.to_string(),
        (None, Some(t)) => t.clone(),
        (None, None) => "latest".to_string(),
    };
    // Mirrors first, then the registry itself; the last failure is the one reported.
    let mut endpoints: Vec<String> = settings.mirrors.get(&host).cloned().unwrap_or_default();
    endpoints.push(host.clone());
    let mut last = None;
    for endpoint in &endpoints {
        let attempt = Registry::connect(&host, endpoint, settings)
            .and_then(|reg| Ok((reg.manifest(&repo, &tag_or_digest)?, reg)));
        match attempt {
            Ok((top, reg)) => {
                return pull_from(store, &reg, reference, &repo, top, platform, progress);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.expect("there is always one endpoint").into())
}

fn pull_from(
    store: &Store,
    reg: &Registry,
    reference: &Reference,
    repo: &str,
    (bytes, header, digest): (Vec<u8>, String, Digest),
    platform: &Platform,
    progress: &Progress,
) -> Result<Pulled, PullError> {
    let media = media_of(&header, &bytes);
    let (manifest_bytes, manifest_digest, index_digest) = if INDEX_TYPES.contains(&media.as_str()) {
        let index = OciIndex::from_reader(&bytes[..]).map_err(|e| invalid("image index", e))?;
        let chosen = index
            .manifests()
            .iter()
            .find(|m| m.platform().as_ref().is_some_and(|p| platform.matches(p)))
            .ok_or_else(|| PullError::NoPlatform {
                reference: reference.to_string(),
                wanted: platform.clone(),
                available: index
                    .manifests()
                    .iter()
                    .filter_map(|m| m.platform().as_ref())
                    .map(|p| {
                        let mut s = format!("{}/{}", p.os(), p.architecture());
                        if let Some(v) = p.variant() {
                            s = format!("{s}/{v}");
                        }
                        s
                    })
                    .collect(),
            })?;
        let d: Digest = descriptor_digest(chosen)?;
        let (m, m_header, m_digest) = reg.manifest(repo, &d.to_string())?;
        let m_media = media_of(&m_header, &m);
        check_manifest_type(&m_media, reference)?;
        (m, m_digest, Some(digest))
    } else {
        check_manifest_type(&media, reference)?;
        (bytes, digest, None)
    };
    let manifest =
        ImageManifest::from_reader(&manifest_bytes[..]).map_err(|e| invalid("manifest", e))?;
    let config_digest = descriptor_digest(manifest.config())?;
    let name = match &reference.digest {
        Some(_) => format!("{}@{}", reference.repository(), manifest_digest),
        None => reference.to_string(),
    };

    // Up to date? Then only the name (and index digest) need recording.
    let known = ImageIndex::load(store)?
        .images
        .into_iter()
        .find(|r| r.id == config_digest && r.manifest == manifest_digest);
    if let Some(record) = known
        && complete(store, &manifest, &config_digest)
    {
        let record = record_image(store, &record.id, &manifest_digest, index_digest, name)?;
        return Ok(Pulled {
            record,
            fetched: false,
            notes: Vec::new(),
        });
    }

    let mut ingest = Ingest::new(store)?;
    let result = fetch(
        store,
        reg,
        repo,
        &manifest,
        &manifest_bytes,
        &config_digest,
        progress,
        &mut ingest,
    );
    match result {
        Ok(()) => {
            let notes = std::mem::take(&mut ingest.notes);
            drop(ingest);
            let record = record_image(store, &config_digest, &manifest_digest, index_digest, name)?;
            Ok(Pulled {
                record,
                fetched: true,
                notes,
            })
        }
        Err(e) => {
            ingest.rollback();
            Err(e)
        }
    }
}

fn check_manifest_type(media: &str, reference: &Reference) -> Result<(), PullError> {
    if MANIFEST_TYPES.contains(&media) {
        return Ok(());
    }
    let hint = if media.contains("manifest.v1") {
        ": it is a docker schema 1 image, which registries deprecated years ago; push it again with a current tool"
    } else {
        ""
    };
    Err(PullError::Unsupported {
        what: reference.to_string(),
        media: media.to_string(),
        hint,
    })
}

fn descriptor_digest(d: &Descriptor) -> Result<Digest, PullError> {
    d.digest()
        .to_string()
        .parse()
        .map_err(|e| invalid("descriptor", e))
}

/// Does the store hold every blob and layer of this image?
fn complete(store: &Store, manifest: &ImageManifest, config: &Digest) -> bool {
    let Ok(bytes) = store.read_blob(config) else {
        return false;
    };
    let Ok(cfg) = ImageConfiguration::from_reader(&bytes[..]) else {
        return false;
    };
    manifest
        .layers()
        .iter()
        .zip(cfg.rootfs().diff_ids())
        .all(|(l, d)| {
            let blob = descriptor_digest(l).ok();
            let layer = d.parse::<Digest>().ok();
            blob.is_some_and(|b| store.has_blob(&b)) && layer.is_some_and(|l| store.has_layer(&l))
        })
}

fn record_image(
    store: &Store,
    config: &Digest,
    manifest: &Digest,
    index: Option<Digest>,
    name: String,
) -> Result<ImageRecord, PullError> {
    let record = ImageRecord {
        id: config.clone(),
        manifest: manifest.clone(),
        index,
        names: vec![name],
        added: crate::container::now_rfc3339(),
    };
    ImageIndex::update(store, |idx| {
        idx.add(record.clone());
        Ok(())
    })?;
    Ok(record)
}

#[allow(clippy::too_many_arguments)]
fn fetch(
    store: &Store,
    reg: &Registry,
    repo: &str,
    manifest: &ImageManifest,
    manifest_bytes: &[u8],
    config_digest: &Digest,
    progress: &Progress,
    ingest: &mut Ingest<'_>,
) -> Result<(), PullError> {
    for layer in manifest.layers() {
        let media = layer.media_type().to_string();
        if !LAYER_TYPES.contains(&media.as_str()) {
            return Err(PullError::Unsupported {
                what: format!("layer {}", layer.digest()),
                media,
                hint: "",
            });
        }
    }
    // The config: small, fetched whole and verified.
    let config_desc = manifest.config();
    let (mut r, _) = reg.blob(repo, config_digest, 0)?;
    let mut config_bytes = Vec::new();
    (&mut r)
        .take(config_desc.size().min(16 << 20))
        .read_to_end(&mut config_bytes)
        .map_err(|e| PullError::Transfer {
            digest: config_digest.clone(),
            why: e.to_string(),
        })?;
    if Digest::of(&config_bytes) != *config_digest {
        return Err(invalid(
            "config",
            format!("its content does not match {config_digest}"),
        ));
    }
    let config =
        ImageConfiguration::from_reader(&config_bytes[..]).map_err(|e| invalid("config", e))?;
    let diff_ids: Vec<Digest> = config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| d.parse().map_err(|e| invalid("config diff id", e)))
        .collect::<Result<_, _>>()?;
    if diff_ids.len() != manifest.layers().len() {
        return Err(invalid(
            "image",
            "the manifest and config disagree on the number of layers",
        ));
    }

    // Lock every layer the store lacks, in one global order (sorted names), so that pulls
    // sharing layers wait for each other instead of each holding what the other needs.
    let all: Vec<(Descriptor, Digest)> = manifest.layers().iter().cloned().zip(diff_ids).collect();
    let lacking = |(d, l): &(Descriptor, Digest)| {
        descriptor_digest(d).map(|b| !store.has_blob(&b) || !store.has_layer(l))
    };
    let mut names = std::collections::BTreeSet::new();
    for job in &all {
        if lacking(job)? {
            names.insert(format!("blob-{}", descriptor_digest(&job.0)?.hex()));
            names.insert(format!("layer-{}", job.1.hex()));
        }
    }
    let _locks = names
        .iter()
        .map(|n| store.lock(n))
        .collect::<Result<Vec<_>, _>>()?;

    // Layers, several at a time.
    let jobs: Vec<(Descriptor, Digest)> = all;
    let queue = Mutex::new(jobs.iter());
    let results: Mutex<Vec<Result<Option<Staged>, PullError>>> = Mutex::new(Vec::new());
    let workers = jobs.len().clamp(1, 4);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").next();
                    let Some((desc, diffid)) = next else { break };
                    let outcome = fetch_layer(store, reg, repo, desc, diffid, progress);
                    let failed = outcome.is_err();
                    results.lock().expect("results").push(outcome);
                    if failed {
                        // Let the other workers finish their current layer, then stop.
                        while queue.lock().expect("queue").next().is_some() {}
                        break;
                    }
                }
            });
        }
    });
    let mut staged = Vec::new();
    let mut first_error = None;
    for outcome in results.into_inner().expect("results") {
        match outcome {
            Ok(Some(s)) => staged.push(s),
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        staged.into_iter().for_each(Staged::discard);
        return Err(e);
    }
    commit(store, staged, ingest)?;
    ingest.blob_bytes(&config_bytes)?;
    ingest.blob_bytes(manifest_bytes)?;
    Ok(())
}

/// A layer fetched into scratch space, waiting for the pull's one sync to be committed.
struct Staged {
    digest: Digest,
    diffid: Digest,
    /// The downloaded blob in tmp/, when the store lacked it.
    blob: Option<PathBuf>,
    /// The unpacked layer in tmp/, when the store lacked it.
    layer: Option<PathBuf>,
    notes: Vec<String>,
}

impl Staged {
    fn discard(self) {
        if let Some(b) = &self.blob {
            let _ = fs::remove_file(b);
        }
        if let Some(l) = self.layer {
            let _ = jobs::remove_trees(&[l]);
        }
    }
}

/// Fetch what the store lacks of one layer into scratch space (`None`: it lacks nothing).
fn fetch_layer(
    store: &Store,
    reg: &Registry,
    repo: &str,
    desc: &Descriptor,
    diffid: &Digest,
    progress: &Progress,
) -> Result<Option<Staged>, PullError> {
    let digest = descriptor_digest(desc)?;
    let label = format!("Copying blob {}", digest.short());
    // The caller holds this layer's locks: what is here now stays, what is not is ours to get.
    let need_blob = !store.has_blob(&digest);
    let need_layer = !store.has_layer(diffid);
    if !need_blob && !need_layer {
        progress.bar(&label, desc.size()).finish("already here");
        return Ok(None);
    }
    let bar = progress.bar(&label, desc.size());
    let staging = store.tmp_path("layer");
    if !need_blob {
        // The blob is here but not unpacked: unpack it from the store.
        let report = match jobs::run(&Job::Unpack {
            blob: Some(store.blob_path(&digest)),
            staging: staging.clone(),
            dest: None,
            expected: Some(diffid.clone()),
            keep: None,
        })? {
            JobOutput::Unpacked(r) => r,
            _ => return Err(invalid("layer", "unexpected answer from the unpacker")),
        };
        bar.finish("unpacked");
        return Ok(Some(Staged {
            digest,
            diffid: diffid.clone(),
            blob: None,
            layer: Some(staging),
            notes: super::ingest::notes_for(diffid, &report),
        }));
    }
    let tmp = store.tmp_path("blob");
    let outcome = download(
        reg,
        repo,
        &digest,
        desc.size(),
        diffid,
        need_layer,
        &tmp,
        &staging,
        &bar,
    );
    let notes = match outcome {
        Ok(n) => n,
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            let _ = jobs::remove_trees(&[staging]);
            return Err(e);
        }
    };
    bar.finish("done");
    Ok(Some(Staged {
        digest,
        diffid: diffid.clone(),
        blob: Some(tmp),
        layer: need_layer.then_some(staging),
        notes,
    }))
}

/// Record every staged blob and layer as pending (they are not on disk yet: the settler
/// writes them back after the pull, see `settle.rs`), then move them into place (blobs first:
/// a layer never exists without its blob).
fn commit(store: &Store, staged: Vec<Staged>, ingest: &mut Ingest<'_>) -> Result<(), PullError> {
    let blobs: Vec<Digest> = staged
        .iter()
        .filter(|s| s.blob.is_some())
        .map(|s| s.digest.clone())
        .collect();
    let trees: Vec<PathBuf> = staged
        .iter()
        .filter(|s| s.layer.is_some())
        .map(|s| store.layer_path(&s.diffid))
        .collect();
    if !blobs.is_empty() || !trees.is_empty() {
        match Pending::begin(store, &blobs, &trees) {
            Ok(p) => ingest.defer(p),
            Err(e) => {
                staged.into_iter().for_each(Staged::discard);
                return Err(e.into());
            }
        }
    }
    let mut failure = None;
    for s in staged {
        if failure.is_some() {
            s.discard();
            continue;
        }
        let mut new_blob = None;
        if let Some(tmp) = &s.blob {
            let dest = store.blob_path(&s.digest);
            if let Err(e) = fs::rename(tmp, &dest) {
                failure = Some(StoreError::io("cannot rename", tmp, e).into());
                s.discard();
                continue;
            }
            new_blob = Some(s.digest.clone());
        }
        let mut new_layer = None;
        if let Some(staging) = &s.layer {
            if let Err(why) = jobs::commit_layer(staging, &store.layer_path(&s.diffid)) {
                failure = Some(invalid("layer", why));
                ingest.adopt(new_blob, None, Vec::new());
                continue;
            }
            new_layer = Some(s.diffid.clone());
        }
        ingest.adopt(new_blob, new_layer, s.notes.clone());
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Where the bytes of one download go: the blob file, hashed, and (if unpacking) the helper.
struct Sink {
    file: HashingWriter<BufWriter<File>>,
    unpack: Option<Helper>,
    written: u64,
}

impl Sink {
    fn new(
        tmp: &std::path::Path,
        staging: &std::path::Path,
        diffid: &Digest,
        unpack: bool,
    ) -> Result<Self, PullError> {
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o644)
            .open(tmp)
            .map_err(|e| StoreError::io("cannot create", tmp, e))?;
        let helper = if unpack {
            let _ = jobs::remove_trees(&[staging.to_path_buf()]);
            Some(Helper::start(&Job::Unpack {
                blob: None,
                staging: staging.to_path_buf(),
                dest: None,
                expected: Some(diffid.clone()),
                keep: None,
            })?)
        } else {
            None
        };
        Ok(Self {
            file: HashingWriter::new(BufWriter::with_capacity(1 << 20, f)),
            unpack: helper,
            written: 0,
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn download(
    reg: &Registry,
    repo: &str,
    digest: &Digest,
    size: u64,
    diffid: &Digest,
    unpack: bool,
    tmp: &std::path::Path,
    staging: &std::path::Path,
    bar: &Bar,
) -> Result<Vec<String>, PullError> {
    let transfer = |why: String| PullError::Transfer {
        digest: digest.clone(),
        why,
    };
    let mut sink = Sink::new(tmp, staging, diffid, unpack)?;
    let mut failures = 0;
    let mut buf = vec![0u8; 256 * 1024];
    'attempts: loop {
        let (mut body, partial) = reg.blob(repo, digest, sink.written)?;
        if sink.written > 0 && !partial {
            // The registry ignored the range: start over.
            sink = Sink::new(tmp, staging, diffid, unpack)?;
            bar.set_position(0);
        }
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    failures += 1;
                    if failures >= 5 {
                        return Err(transfer(format!("{e} (after {failures} attempts)")));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200 << failures));
                    continue 'attempts;
                }
            };
            if sink.written + n as u64 > size {
                return Err(transfer(format!(
                    "the registry sent more than the {size} bytes the manifest says"
                )));
            }
            sink.file
                .write_all(&buf[..n])
                .map_err(|e| StoreError::io("cannot write", tmp, e))?;
            if let Some(h) = sink.unpack.as_mut()
                && h.input().write_all(&buf[..n]).is_err()
            {
                // The unpacker stopped: its answer says why.
                return Err(match sink.unpack.take().expect("checked").finish() {
                    Err(e) => e.into(),
                    Ok(_) => transfer("the unpacker ended early".to_string()),
                });
            }
            sink.written += n as u64;
            bar.inc(n as u64);
        }
        if sink.written < size {
            failures += 1;
            if failures >= 5 {
                return Err(transfer(format!(
                    "only {} of {size} bytes arrived",
                    sink.written
                )));
            }
            continue;
        }
        break;
    }
    let (buffered, got, _) = sink.file.finish();
    // Flushed here; written back with everything else the pull wrote (see `commit`).
    buffered
        .into_inner()
        .map_err(|e| StoreError::io("cannot write", tmp, e.into_error()))?;
    if got != *digest {
        return Err(transfer(format!(
            "its content has digest {got}, not {digest}"
        )));
    }
    match sink.unpack.take() {
        None => Ok(Vec::new()),
        Some(h) => match h.finish()? {
            JobOutput::Unpacked(report) => Ok(super::ingest::notes_for(diffid, &report)),
            _ => Err(invalid("layer", "unexpected answer from the unpacker")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms() {
        let p: Platform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(p.variant.as_deref(), Some("v8"));
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux//x".parse::<Platform>().is_err());
        assert_eq!(Platform::host().os, "linux");
    }

    #[test]
    fn short_names_need_a_default_registry() {
        let r = Reference::parse("busybox").unwrap();
        let mut settings = RegistriesConfig::default();
        assert_eq!(
            qualify(&r, &settings).unwrap().to_string(),
            "docker.io/library/busybox:latest"
        );
        assert_eq!(
            qualify(&Reference::parse("team/tool:1").unwrap(), &settings)
                .unwrap()
                .to_string(),
            "docker.io/team/tool:1"
        );
        assert_eq!(
            qualify(&Reference::parse("docker.io/alpine").unwrap(), &settings)
                .unwrap()
                .to_string(),
            "docker.io/library/alpine:latest"
        );
        settings.default = Some(String::new());
        assert!(matches!(
            qualify(&r, &settings),
            Err(PullError::NoDefaultRegistry(_))
        ));
        settings.default = Some("reg.test".into());
        assert_eq!(
            qualify(&r, &settings).unwrap().to_string(),
            "reg.test/busybox:latest"
        );
        let full = Reference::parse("localhost:5000/a/b").unwrap();
        assert_eq!(
            qualify(&full, &settings).unwrap().to_string(),
            "localhost:5000/a/b:latest"
        );
    }

    #[test]
    fn media_types_from_documents() {
        assert_eq!(media_of("", br#"{"manifests": []}"#), INDEX_TYPES[0]);
        assert_eq!(
            media_of(
                "application/json",
                br#"{"mediaType": "application/vnd.docker.distribution.manifest.v2+json"}"#
            ),
            MANIFEST_TYPES[1]
        );
        assert_eq!(
            media_of("application/vnd.oci.image.manifest.v1+json", b"{}"),
            MANIFEST_TYPES[0]
        );
    }
}
