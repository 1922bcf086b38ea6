//! A container's filesystem seen whole: as a new image (`nook commit`), as a tarball (`nook
//! export`) or as the list of what it changed in its image (`nook diff`). The files are read by
//! a `nook __userns-job` in a namespace with the container's own id map, so they keep the
//! owners the container sees.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

use super::{ContainerConfig, Containers};
use crate::build::image::{self as built, Base, LayerRef};
use crate::build::layer::{Archived, Change};
use crate::image::import::Changes;
use crate::image::index::{ImageIndex, ImageRecord, IndexError};
use crate::image::ingest::{Ingest, IngestError};
use crate::image::store::{Store, StoreError};
use crate::runtime::jobs::{self, Job, JobError, JobOutput, StageMount};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("the image of container {container} ({image}) is no longer in the store: {source}")]
    Image {
        container: String,
        image: String,
        source: IndexError,
    },
    #[error("the config of image {image} cannot take the container's settings: {why}")]
    Config { image: String, why: String },
    #[error("nook's namespace helper gave an unexpected answer")]
    Answer,
}

/// Mount points nook makes in a container's writable layer when the image lacks them: not
/// the container's doing, so left out (when still empty) of what it changed.
fn mount_points(config: &ContainerConfig) -> Vec<String> {
    const MADE: &[&str] = &[
        "/etc/hosts",
        "/etc/hostname",
        "/etc/resolv.conf",
        "/dev",
        "/dev/shm",
        "/proc",
        "/sys",
        "/run/.containerenv",
    ];
    MADE.iter()
        .map(|s| s.to_string())
        .chain(config.mounts.iter().map(|m| m.target.clone()))
        .collect()
}

/// What the container changed in its image, as `docker diff` lists it.
pub fn diff(store: &Store, config: &ContainerConfig) -> Result<Vec<Change>, SnapshotError> {
    match jobs::run(&Job::ListChanges {
        upper: Containers::new(store).upper(&config.id),
        lowers: config.lowers(store),
        skip: mount_points(config),
        keep: config.keep_id,
    })? {
        JobOutput::Changes(c) => Ok(c),
        _ => Err(SnapshotError::Answer),
    }
}

/// A scratch directory of the store, removed (whatever owns its files) when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    fn new(store: &Store, what: &str) -> Result<Scratch, SnapshotError> {
        let dir = store.tmp_path(what);
        fs::create_dir_all(&dir).map_err(|e| StoreError::io("cannot create", &dir, e))?;
        Ok(Scratch(dir))
    }

    /// The tarball a snapshot wrote here.
    pub fn tarball(&self) -> PathBuf {
        self.0.join("out.tar")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = jobs::remove_trees(std::slice::from_ref(&self.0));
    }
}

/// The container's whole filesystem as a tar (in the returned scratch directory); what its
/// volumes and bind mounts hold is not part of it, as with docker.
pub fn export(store: &Store, config: &ContainerConfig) -> Result<Scratch, SnapshotError> {
    let scratch = Scratch::new(store, "export")?;
    let upper = Containers::new(store).upper(&config.id);
    let root = StageMount {
        lowers: std::iter::once(upper)
            .chain(config.root_lowers(store))
            .collect(),
        driver: config.driver,
        at: scratch.0.join("root"),
        scratch: scratch.0.join("overlay"),
    };
    match jobs::run(&Job::ArchiveRoot {
        root,
        output: scratch.tarball(),
        keep: config.keep_id,
    })? {
        JobOutput::Archived(_) => Ok(scratch),
        _ => Err(SnapshotError::Answer),
    }
}

/// How `nook commit` records the new image.
pub struct Commit<'a> {
    pub changes: &'a Changes,
    pub message: Option<&'a str>,
    pub author: Option<&'a str>,
    pub names: Vec<String>,
}

/// A new image: the container's image, its writable layer on top, and the settings it ran with
/// (command, environment, working directory, user, labels, stop signal) with `how.changes`
/// made to them, as `docker commit` makes it.
pub fn commit(
    store: &Store,
    config: &ContainerConfig,
    how: &Commit<'_>,
) -> Result<ImageRecord, SnapshotError> {
    let index = ImageIndex::load(store)?;
    let record = index
        .resolve(&config.image_id.to_string())
        .map_err(|source| SnapshotError::Image {
            container: config.name.clone(),
            image: config.image.clone(),
            source,
        })?
        .clone();
    let mut image = Base::load(store, &record)?;
    image.config =
        settings(config, &image.config, how.changes).map_err(|why| SnapshotError::Config {
            image: config.image.clone(),
            why,
        })?;
    let scratch = Scratch::new(store, "commit")?;
    let archived = match jobs::run(&Job::ArchiveUpper {
        upper: Containers::new(store).upper(&config.id),
        skip: mount_points(config),
        output: scratch.tarball(),
        epoch: None,
        keep: config.keep_id,
    })? {
        JobOutput::Archived(a) => a,
        _ => return Err(SnapshotError::Answer),
    };
    let created = super::now_rfc3339();
    let mut ingest = Ingest::new(store)?;
    let made = add_layer(&mut ingest, &scratch.tarball(), &archived).and_then(|layer| {
        image.layers.push(layer);
        let mut entry = built::history(&created, &config.process.args.join(" "), false);
        if let Some(m) = how.message {
            entry["comment"] = Value::String(m.to_string());
        }
        if let Some(a) = how.author {
            entry["author"] = Value::String(a.to_string());
        }
        image.history.push(entry);
        image.author = how.author.map(str::to_string);
        Ok(built::commit(store, &image, &created, how.names.clone())?)
    });
    if made.is_err() {
        ingest.rollback();
    }
    made
}

/// Store the layer tar at `path` as a blob and an unpacked layer.
fn add_layer(
    ingest: &mut Ingest<'_>,
    path: &Path,
    archived: &Archived,
) -> Result<LayerRef, SnapshotError> {
    let file = fs::File::open(path).map_err(|e| StoreError::io("cannot read", path, e))?;
    let (blob, size) = ingest.blob(file, Some(&archived.diffid), Some(archived.size))?;
    let stored = ingest.layer(&blob, size, &archived.diffid)?;
    Ok(LayerRef {
        diffid: stored.diffid,
        blob: stored.blob,
        size: stored.blob_size,
        media_type: oci_spec::image::MediaType::ImageLayer.to_string(),
    })
}

/// The new image's config: the image's, with what the container ran with, then `changes`.
fn settings(
    config: &ContainerConfig,
    image: &Map<String, Value>,
    changes: &Changes,
) -> Result<Map<String, Value>, String> {
    let mut out = image.clone();
    let p = &config.process;
    let env: Vec<&String> = p
        .env
        .iter()
        .filter(|e| !e.starts_with("HOSTNAME="))
        .collect();
    out.insert("Env".into(), json!(env));
    let entrypoint: Vec<String> = image
        .get("Entrypoint")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    match p.args.strip_prefix(entrypoint.as_slice()) {
        Some(cmd) => {
            out.insert("Cmd".into(), json!(cmd));
        }
        // `run --entrypoint`: the program it named, and what followed.
        None => {
            out.insert("Entrypoint".into(), json!(p.args[..1]));
            out.insert("Cmd".into(), json!(p.args[1..]));
        }
    }
    if p.cwd != "/" || out.contains_key("WorkingDir") {
        out.insert("WorkingDir".into(), json!(p.cwd));
    }
    // A keep-id container's user is yours, made up for the run: the image keeps its own.
    if config.keep_id.is_none() {
        out.insert("User".into(), json!(p.user));
    }
    if !config.labels.is_empty() {
        let labels = out.entry("Labels").or_insert_with(|| json!({}));
        if !labels.is_object() {
            *labels = json!({});
        }
        for (k, v) in &config.labels {
            labels[k] = json!(v);
        }
    }
    if let Some(sig) = &config.stop_signal {
        out.insert("StopSignal".into(), json!(sig));
    }
    // The changes go through the OCI config type; what it does not know (Healthcheck,
    // OnBuild, Shell) stays as it was.
    let mut typed: oci_spec::image::Config =
        serde_json::from_value(Value::Object(out.clone())).map_err(|e| e.to_string())?;
    changes.apply(&mut typed);
    if let Value::Object(changed) = serde_json::to_value(&typed).map_err(|e| e.to_string())? {
        out.extend(changed);
    }
    Ok(out)
}
