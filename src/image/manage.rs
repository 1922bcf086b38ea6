//! Keeping the store tidy and honest: tags, removal of images (and of what no image or
//! container uses any more), pruning, disk usage, and `system check`, which verifies every
//! blob and layer and can repair what it finds.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use oci_spec::image::{ImageConfiguration, ImageManifest};

use super::digest::{Digest, HashingReader};
use super::index::{ImageIndex, ImageRecord, IndexError};
use super::ingest::referenced;
use super::reference::{LOCAL_DOMAIN, Reference};
use super::settle::{self, Pending};
use super::store::{LayerMeta, Store, StoreError};
use crate::container::{ContainerConfig, ContainerError, Containers, Status};
use crate::runtime::idmap::KeepId;
use crate::runtime::jobs::{self, Job, JobError};

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error(
        "image {image} is used by container(s) {}: remove them first (nook rm), or use rmi -f to \
         remove stopped ones with it", .containers.join(", "))]
    InUse {
        image: String,
        containers: Vec<String>,
    },
    #[error("image {image} is used by running container(s) {}: stop them first", .containers.join(", "))]
    InUseRunning {
        image: String,
        containers: Vec<String>,
    },
    #[error(
        "image {image} has several names ({}): remove them one by one, or use rmi -f to remove \
         the image with all its names", .names.join(", "))]
    ManyNames { image: String, names: Vec<String> },
    #[error("image {image}: {why} (`nook system check --repair`, then pull or build it again)")]
    Damaged { image: String, why: String },
}

/// What a removal did.
#[derive(Debug)]
pub enum Removal {
    Untagged(String),
    Deleted(Digest),
    ContainerRemoved(String),
}

/// What garbage collection freed.
#[derive(Debug, Default)]
pub struct Freed {
    pub blobs: usize,
    pub layers: usize,
    pub bytes: u64,
}

/// Give the image `source` the name `target` (short names are local: `localhost/`).
pub fn tag(store: &Store, source: &str, target: &str) -> Result<String, ManageError> {
    let name = Reference::parse(target)
        .map_err(IndexError::from)?
        .qualified(LOCAL_DOMAIN)
        .to_string();
    ImageIndex::update(store, |index| {
        let id = index.resolve(source)?.id.clone();
        let mut record = index
            .images
            .iter()
            .find(|r| r.id == id)
            .expect("resolved")
            .clone();
        record.names = vec![name.clone()];
        index.add(record);
        Ok(())
    })?;
    Ok(name)
}

/// Containers that use image `id`, with their status.
fn users(
    containers: &Containers<'_>,
    id: &Digest,
) -> Result<Vec<(ContainerConfig, Status)>, ManageError> {
    Ok(containers
        .list()?
        .into_iter()
        .filter(|c| c.image_id == *id)
        .map(|c| {
            let status = containers
                .load_state(&c.id)
                .map(|s| s.status)
                .unwrap_or(Status::Exited);
            (c, status)
        })
        .collect())
}

/// `nook rmi`: untag or delete each image, then collect what nothing uses.
pub fn remove(
    store: &Store,
    specs: &[String],
    force: bool,
) -> Result<(Vec<Removal>, Freed), ManageError> {
    let _gc = store.gc_exclusive()?;
    let containers = Containers::new(store);
    let mut done = Vec::new();
    for spec in specs {
        let index = ImageIndex::load(store)?;
        let record = index.resolve(spec)?.clone();
        // A name with other names beside it: untag only.
        let named = record.names.iter().find(|n| names_match(n, spec)).cloned();
        if let Some(name) = named.filter(|_| record.names.len() > 1) {
            ImageIndex::update(store, |idx| {
                for r in idx.images.iter_mut().filter(|r| r.id == record.id) {
                    r.names.retain(|n| *n != name);
                }
                Ok(())
            })?;
            done.push(Removal::Untagged(name));
            continue;
        }
        if record.names.len() > 1 && !force {
            return Err(ManageError::ManyNames {
                image: record.id.short().to_string(),
                names: record.names.clone(),
            });
        }
        let using = users(&containers, &record.id)?;
        let running: Vec<String> = using
            .iter()
            .filter(|(_, s)| matches!(s, Status::Running | Status::Restarting))
            .map(|(c, _)| c.name.clone())
            .collect();
        if !running.is_empty() {
            return Err(ManageError::InUseRunning {
                image: spec.clone(),
                containers: running,
            });
        }
        if !using.is_empty() && !force {
            return Err(ManageError::InUse {
                image: spec.clone(),
                containers: using.iter().map(|(c, _)| c.name.clone()).collect(),
            });
        }
        for (c, _) in &using {
            containers.remove(c)?;
            done.push(Removal::ContainerRemoved(c.name.clone()));
        }
        ImageIndex::update(store, |idx| {
            idx.images.retain(|r| r.id != record.id);
            Ok(())
        })?;
        done.extend(record.names.iter().cloned().map(Removal::Untagged));
        done.push(Removal::Deleted(record.id.clone()));
    }
    let freed = collect_garbage(store)?;
    Ok((done, freed))
}

/// Does stored name `name` match what the user typed?
fn names_match(name: &str, spec: &str) -> bool {
    let (Ok(n), Ok(s)) = (Reference::parse(name), Reference::parse(spec)) else {
        return false;
    };
    let s = s.qualified(n.domain.as_deref().unwrap_or(LOCAL_DOMAIN));
    let same_repo = n.repository() == s.repository()
        || (spec_is_short(spec) && (n.path == s.path || n.path == format!("library/{}", s.path)));
    same_repo && n.tag == s.tag && n.digest == s.digest
}

fn spec_is_short(spec: &str) -> bool {
    Reference::parse(spec).is_ok_and(|r| r.domain.is_none())
}

/// `nook image prune`: remove untagged images (all unused ones with `all`) no container uses.
pub fn prune(store: &Store, all: bool) -> Result<(Vec<Digest>, Freed), ManageError> {
    let _gc = store.gc_exclusive()?;
    let used: HashSet<Digest> = Containers::new(store)
        .list()?
        .into_iter()
        .map(|c| c.image_id)
        .collect();
    let mut removed = Vec::new();
    ImageIndex::update(store, |idx| {
        idx.images.retain(|r| {
            let keep = used.contains(&r.id) || (!all && !r.names.is_empty());
            if !keep {
                removed.push(r.id.clone());
            }
            keep
        });
        Ok(())
    })?;
    let freed = collect_garbage(store)?;
    Ok((removed, freed))
}

/// `nook builder prune`: forget the build cache, and remove what only it used. How many
/// entries there were, and what was freed.
pub fn prune_build_cache(store: &Store) -> Result<(usize, Freed), ManageError> {
    let _gc = store.gc_exclusive()?;
    let entries = crate::build::cache::Cache::new(store).prune()?;
    Ok((entries, collect_garbage(store)?))
}

/// Remove blobs and layers that no image and no container uses, and the scratch of ended
/// processes. Call with the GC lock held.
fn collect_garbage(store: &Store) -> Result<Freed, ManageError> {
    sweep_scratch(store)?;
    let index = ImageIndex::load(store)?;
    let (blobs, mut layers) = referenced(store, &index);
    for c in Containers::new(store).list()? {
        layers.extend(c.layers);
    }
    let mut freed = Freed::default();
    for name in entries(&store.blobs_dir()) {
        match Digest::from_hex(&name) {
            Ok(d) if blobs.contains(&d) => {}
            _ => {
                let path = store.blobs_dir().join(&name);
                freed.bytes += fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                fs::remove_file(&path).map_err(|e| StoreError::io("cannot remove", &path, e))?;
                let _ = fs::remove_file(store.locks_dir().join(format!("blob-{name}.lock")));
                freed.blobs += 1;
            }
        }
    }
    let mut doomed = Vec::new();
    for name in entries(&store.layers_dir()) {
        match Digest::from_hex(&name) {
            Ok(d) if layers.contains(&d) => {}
            _ => {
                let path = store.layers_dir().join(&name);
                if let Ok(d) = Digest::from_hex(&name) {
                    freed.bytes += store.layer_meta(&d).map(|m| m.size).unwrap_or(0);
                }
                let _ = fs::remove_file(store.locks_dir().join(format!("layer-{name}.lock")));
                doomed.push(store.move_aside(&path, "removed-layer"));
            }
        }
    }
    freed.layers = doomed.len();
    jobs::remove_trees(&doomed)?;
    Ok(freed)
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// What `system check` found (and, with repair, did).
#[derive(Debug, Default)]
pub struct CheckReport {
    pub blobs: usize,
    pub layers: usize,
    pub images: usize,
    pub problems: Vec<String>,
    pub repairs: Vec<String>,
    /// Scratch left by processes that ended without cleaning up, removed.
    pub cleaned: Vec<String>,
}

/// Remove the scratch directories and files (`tmp/NAME-PID-...`) of processes that are
/// gone; the paths removed.
pub fn sweep_scratch(store: &Store) -> Result<Vec<PathBuf>, ManageError> {
    let mut removed = Vec::new();
    for name in entries(&store.tmp_dir()) {
        let pid = name.split('-').find_map(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| Path::new("/proc").join(p.to_string()).exists());
        if !alive {
            let path = store.tmp_dir().join(&name);
            jobs::remove_trees(std::slice::from_ref(&path))?;
            removed.push(path);
        }
    }
    Ok(removed)
}

impl CheckReport {
    fn problem(
        &mut self,
        repair: bool,
        what: String,
        fix: impl FnOnce() -> Result<String, ManageError>,
    ) -> Result<(), ManageError> {
        if repair {
            let did = fix()?;
            self.repairs.push(format!("{what}: {did}"));
        } else {
            self.problems.push(what);
        }
        Ok(())
    }
}

/// Verify every blob against its digest, every layer's record, every image's parts and the
/// scratch area; with `repair`, remove what is broken (re-unpacking layers whose blob is
/// sound) and drop images that cannot be made whole. With `suspect`, only those blobs are
/// read and hashed; the others are taken as sound.
pub fn check(
    store: &Store,
    repair: bool,
    suspect: Option<&HashSet<Digest>>,
) -> Result<CheckReport, ManageError> {
    let _gc = if repair {
        store.gc_exclusive()?
    } else {
        store.gc_shared()?
    };
    let mut report = CheckReport::default();

    // Scratch space of processes that are gone (killed mid-pull, mid-build): nobody's,
    // so removed whether or not repairs were asked for. It was never part of the store.
    for path in sweep_scratch(store)? {
        report.cleaned.push(path.display().to_string());
    }

    // Blobs: content must match the name.
    let mut good_blobs = HashSet::new();
    for name in entries(&store.blobs_dir()) {
        report.blobs += 1;
        let path = store.blobs_dir().join(&name);
        let sound = Digest::from_hex(&name).ok().filter(|d| {
            suspect.is_some_and(|s| !s.contains(d))
                || fs::File::open(&path)
                    .ok()
                    .and_then(|f| HashingReader::new(f).finish().ok())
                    .is_some_and(|(got, _)| got == *d)
        });
        match sound {
            Some(d) => {
                good_blobs.insert(d);
            }
            None => report.problem(
                repair,
                format!("blob {name} does not match its digest"),
                || {
                    fs::remove_file(&path)
                        .map_err(|e| StoreError::io("cannot remove", &path, e))?;
                    Ok("removed".to_string())
                },
            )?,
        }
    }

    // Layers: a readable record naming the layer, and its tree.
    let mut good_layers = HashSet::new();
    for name in entries(&store.layers_dir()) {
        report.layers += 1;
        let path = store.layers_dir().join(&name);
        let sound = Digest::from_hex(&name).ok().filter(|d| {
            store.layer_meta(d).is_ok_and(|m: LayerMeta| m.diffid == *d)
                && path.join("diff").is_dir()
        });
        match sound {
            Some(d) => {
                good_layers.insert(d);
            }
            None => report.problem(repair, format!("layer {name} is incomplete"), || {
                jobs::remove_trees(std::slice::from_ref(&path))?;
                Ok("removed".to_string())
            })?,
        }
    }

    // Images: manifest, config and every layer blob present and sound; layers unpacked.
    let index = ImageIndex::load(store)?;
    for image in &index.images {
        report.images += 1;
        let label = image
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| image.id.short().to_string());
        let parts = image_parts(store, image);
        let (blobs, layers) = match parts {
            Ok(p) => p,
            Err(why) => {
                report.problem(repair, format!("image {label}: {why}"), || {
                    drop_image(store, image)
                })?;
                continue;
            }
        };
        if let Some(missing) = blobs.iter().find(|b| !good_blobs.contains(*b)) {
            let what = format!(
                "image {label}: blob {missing} is missing or corrupt (pull or load it again)"
            );
            report.problem(repair, what, || drop_image(store, image))?;
            continue;
        }
        for (blob, diffid) in layers {
            if !good_layers.contains(&diffid) {
                let what = format!("image {label}: layer {diffid} is not unpacked");
                report.problem(repair, what, || {
                    let dest = store.layer_path(&diffid);
                    let pending = Pending::begin(store, &[], std::slice::from_ref(&dest))?;
                    jobs::run(&Job::Unpack {
                        blob: Some(store.blob_path(&blob)),
                        staging: store.tmp_path("layer"),
                        dest: Some(dest),
                        expected: Some(diffid.clone()),
                        keep: None,
                    })?;
                    settle::hand_off(vec![pending]);
                    Ok("unpacked again from its blob".to_string())
                })?;
            }
        }
    }
    Ok(report)
}

/// Make sure every layer of `image` is unpacked for keep-id containers of `keep` (from the
/// layer's blob, a few at a time), and return their trees, topmost first.
pub fn keep_layers(
    store: &Store,
    image: &ImageRecord,
    keep: KeepId,
) -> Result<Vec<std::path::PathBuf>, ManageError> {
    let (_, layers) = image_parts(store, image).map_err(|why| ManageError::Damaged {
        image: image.id.short().to_string(),
        why,
    })?;
    let missing: Vec<&(Digest, Digest)> = layers
        .iter()
        .filter(|(_, diffid)| !store.has_keep_layer(diffid, keep))
        .collect();
    let dests: Vec<PathBuf> = missing
        .iter()
        .map(|(_, diffid)| store.keep_layer_path(diffid, keep))
        .collect();
    let pending = match dests.is_empty() {
        true => Vec::new(),
        false => vec![Pending::begin(store, &[], &dests)?],
    };
    for (batch, dests) in missing.chunks(4).zip(dests.chunks(4)) {
        let helpers = batch
            .iter()
            .zip(dests)
            .map(|((blob, diffid), dest)| {
                jobs::Helper::start(&Job::Unpack {
                    blob: Some(store.blob_path(blob)),
                    staging: store.tmp_path("layer"),
                    dest: Some(dest.clone()),
                    expected: Some(diffid.clone()),
                    keep: Some(keep),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for h in helpers {
            h.finish()?;
        }
    }
    settle::hand_off(pending);
    Ok(layers
        .iter()
        .rev()
        .map(|(_, diffid)| store.keep_layer_diff(diffid, keep))
        .collect())
}

/// The blobs of an image and its (layer blob, diff id) pairs.
pub(crate) type Parts = (Vec<Digest>, Vec<(Digest, Digest)>);

pub(crate) fn image_parts(store: &Store, image: &ImageRecord) -> Result<Parts, String> {
    let manifest = store
        .read_blob(&image.manifest)
        .map_err(|e| e.to_string())?;
    let manifest =
        ImageManifest::from_reader(&manifest[..]).map_err(|e| format!("invalid manifest: {e}"))?;
    let config = store.read_blob(&image.id).map_err(|e| e.to_string())?;
    let config =
        ImageConfiguration::from_reader(&config[..]).map_err(|e| format!("invalid config: {e}"))?;
    let mut blobs = vec![image.manifest.clone(), image.id.clone()];
    let mut layers = Vec::new();
    for (l, d) in manifest.layers().iter().zip(config.rootfs().diff_ids()) {
        let blob: Digest = l.digest().to_string().parse().map_err(|e| format!("{e}"))?;
        let diffid: Digest = d.parse().map_err(|e| format!("{e}"))?;
        blobs.push(blob.clone());
        layers.push((blob, diffid));
    }
    Ok((blobs, layers))
}

fn drop_image(store: &Store, image: &ImageRecord) -> Result<String, ManageError> {
    ImageIndex::update(store, |idx| {
        idx.images.retain(|r| r.id != image.id);
        Ok(())
    })?;
    Ok("image removed from the store".to_string())
}

/// Disk use, for `system df`.
#[derive(Debug, Default)]
pub struct Usage {
    pub images: usize,
    pub images_active: usize,
    /// Unpacked size of all layers, and of those no container's image uses.
    pub layers_bytes: u64,
    pub layers_reclaimable: u64,
    pub blobs_bytes: u64,
    pub containers: usize,
    pub containers_running: usize,
}

pub fn usage(store: &Store) -> Result<Usage, ManageError> {
    let index = ImageIndex::load(store)?;
    let containers = Containers::new(store);
    let configs = containers.list()?;
    let mut u = Usage {
        images: index.images.len(),
        containers: configs.len(),
        ..Usage::default()
    };
    let used_images: HashSet<&Digest> = configs.iter().map(|c| &c.image_id).collect();
    u.images_active = index
        .images
        .iter()
        .filter(|r| used_images.contains(&r.id))
        .count();
    u.containers_running = configs
        .iter()
        .filter(|c| {
            containers
                .load_state(&c.id)
                .is_ok_and(|s| s.status == Status::Running)
        })
        .count();
    let used_layers: HashSet<&Digest> = configs.iter().flat_map(|c| c.layers.iter()).collect();
    for name in entries(&store.layers_dir()) {
        if let Ok(d) = Digest::from_hex(&name) {
            let size = store.layer_meta(&d).map(|m| m.size).unwrap_or(0);
            u.layers_bytes += size;
            if !used_layers.contains(&d) {
                u.layers_reclaimable += size;
            }
        }
    }
    for name in entries(&store.blobs_dir()) {
        u.blobs_bytes += fs::metadata(store.blobs_dir().join(name))
            .map(|m| m.len())
            .unwrap_or(0);
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_matching() {
        assert!(names_match("localhost/busybox:latest", "busybox"));
        assert!(names_match(
            "localhost/busybox:latest",
            "localhost/busybox:latest"
        ));
        assert!(names_match("reg.test/library/alpine:3", "alpine:3"));
        assert!(!names_match("localhost/busybox:latest", "busybox:1"));
        assert!(!names_match("reg.test/a:1", "other.test/a:1"));
    }
}
