//! Bringing one image into the store as a unit: blobs and layers are written first, the image
//! appears in the index last, and a failure removes whatever this ingest added that no image
//! uses, so no half-imported image is ever left behind.

use std::collections::HashSet;
use std::io::Read;

use oci_spec::image::{
    Descriptor, ImageConfiguration, ImageManifest, ImageManifestBuilder, MediaType, SCHEMA_VERSION,
};

use super::digest::Digest;
use super::index::{ImageIndex, ImageRecord, IndexError};
use super::settle::{self, Pending};
use super::store::{Store, StoreError};
use super::unpack::UnpackReport;
use crate::runtime::jobs::{self, Job, JobError, JobOutput};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(transparent)]
    Job(#[from] JobError),
    #[error("invalid image {what}: {why}")]
    Invalid { what: &'static str, why: String },
}

/// One image being added. Call [`Ingest::commit`] on success and [`Ingest::rollback`] on failure.
pub struct Ingest<'a> {
    store: &'a Store,
    /// Held for the whole ingest: garbage collection waits (see [`Store::gc_shared`]).
    _gc: std::fs::File,
    new_blobs: Vec<Digest>,
    new_layers: Vec<Digest>,
    /// What this ingest made visible before it reached the disk: handed to a settler when
    /// it ends, however it ends (see `settle.rs`).
    pending: Vec<Pending>,
    /// Notes from unpacking (skipped devices, attributes) to show the user.
    pub notes: Vec<String>,
}

/// A layer as it ended up in the store.
pub struct StoredLayer {
    pub blob: Digest,
    pub blob_size: u64,
    pub diffid: Digest,
}

impl<'a> Ingest<'a> {
    pub fn new(store: &'a Store) -> Result<Self, IngestError> {
        Ok(Self {
            store,
            _gc: store.gc_shared()?,
            new_blobs: Vec::new(),
            new_layers: Vec::new(),
            pending: Vec::new(),
            notes: Vec::new(),
        })
    }

    pub fn blob(
        &mut self,
        reader: impl Read,
        expected: Option<&Digest>,
        size: Option<u64>,
    ) -> Result<(Digest, u64), IngestError> {
        let (digest, size, created) = self.store.put_blob(reader, expected, size)?;
        if created {
            self.new_blobs.push(digest.clone());
        }
        Ok((digest, size))
    }

    pub fn blob_bytes(&mut self, bytes: &[u8]) -> Result<Digest, IngestError> {
        let (digest, created) = self.store.put_blob_bytes(bytes)?;
        if created {
            self.new_blobs.push(digest.clone());
        }
        Ok(digest)
    }

    /// Make sure the layer in blob `blob` is unpacked; `diffid` is what its uncompressed
    /// content must hash to (checked while unpacking).
    pub fn layer(
        &mut self,
        blob: &Digest,
        blob_size: u64,
        diffid: &Digest,
    ) -> Result<StoredLayer, IngestError> {
        let stored = StoredLayer {
            blob: blob.clone(),
            blob_size,
            diffid: diffid.clone(),
        };
        if self.store.has_layer(diffid) {
            return Ok(stored);
        }
        let _lock = self.store.lock(&format!("layer-{}", diffid.hex()))?;
        if self.store.has_layer(diffid) {
            return Ok(stored);
        }
        let dest = self.store.layer_path(diffid);
        self.pending.push(Pending::begin(
            self.store,
            &[],
            std::slice::from_ref(&dest),
        )?);
        let report = match jobs::run(&Job::Unpack {
            blob: Some(self.store.blob_path(blob)),
            staging: self.store.tmp_path("layer"),
            dest: Some(dest),
            expected: Some(diffid.clone()),
            keep: None,
        })? {
            JobOutput::Unpacked(r) => r,
            _ => {
                return Err(IngestError::Invalid {
                    what: "layer",
                    why: "unexpected answer from the unpacker".to_string(),
                });
            }
        };
        self.new_layers.push(diffid.clone());
        self.notes.extend(notes_for(diffid, &report));
        Ok(stored)
    }

    /// Hand `pending` to the settler with this ingest's own records, at the end.
    pub fn defer(&mut self, pending: Pending) {
        self.pending.push(pending);
    }

    /// Count as this ingest's what a worker added (so a rollback removes it too).
    pub fn adopt(&mut self, blob: Option<Digest>, layer: Option<Digest>, notes: Vec<String>) {
        self.new_blobs.extend(blob);
        self.new_layers.extend(layer);
        self.notes.extend(notes);
    }

    /// Write an OCI manifest for `config` and `layers` and return its digest.
    pub fn manifest(
        &mut self,
        config: &Digest,
        config_size: u64,
        layers: &[(MediaType, &StoredLayer)],
    ) -> Result<Digest, IngestError> {
        let descriptor = |media: MediaType, digest: &Digest, size: u64| {
            Descriptor::new(
                media,
                size,
                oci_spec::image::Digest::try_from(digest.to_string())
                    .expect("valid digests convert"),
            )
        };
        let manifest: ImageManifest = ImageManifestBuilder::default()
            .schema_version(SCHEMA_VERSION)
            .media_type(MediaType::ImageManifest)
            .config(descriptor(MediaType::ImageConfig, config, config_size))
            .layers(
                layers
                    .iter()
                    .map(|(m, l)| descriptor(m.clone(), &l.blob, l.blob_size))
                    .collect::<Vec<_>>(),
            )
            .build()
            .map_err(|e| IngestError::Invalid {
                what: "manifest",
                why: e.to_string(),
            })?;
        let bytes = serde_json::to_vec(&manifest).expect("manifests serialize");
        self.blob_bytes(&bytes)
    }

    /// Add the image to the index under `names`.
    pub fn commit(
        self,
        config: &Digest,
        manifest: &Digest,
        names: Vec<String>,
    ) -> Result<ImageRecord, IngestError> {
        let record = ImageRecord {
            id: config.clone(),
            manifest: manifest.clone(),
            index: None,
            names,
            added: crate::container::now_rfc3339(),
        };
        ImageIndex::update(self.store, |index| {
            index.add(record.clone());
            Ok(())
        })?;
        Ok(record)
    }

    /// Remove what this ingest added, except what an image in the index uses.
    pub fn rollback(self) {
        let Ok(index) = ImageIndex::load(self.store) else {
            return;
        };
        let (used_blobs, used_layers) = referenced(self.store, &index);
        let layer_dirs: Vec<_> = self
            .new_layers
            .iter()
            .filter(|d| !used_layers.contains(*d))
            .map(|d| {
                self.store
                    .move_aside(&self.store.layer_path(d), "removed-layer")
            })
            .collect();
        let _ = jobs::remove_trees(&layer_dirs);
        for blob in self.new_blobs.iter().filter(|d| !used_blobs.contains(*d)) {
            let _ = self.store.remove_blob(blob);
        }
    }
}

impl Drop for Ingest<'_> {
    fn drop(&mut self) {
        settle::hand_off(std::mem::take(&mut self.pending));
    }
}

/// What the user should hear about an unpacked layer.
pub fn notes_for(diffid: &Digest, report: &UnpackReport) -> Vec<String> {
    let mut notes = Vec::new();
    if !report.skipped_devices.is_empty() {
        notes.push(format!(
            "layer {}: skipped {} device node(s) a user namespace cannot create ({})",
            diffid.short(),
            report.skipped_devices.len(),
            first_few(&report.skipped_devices)
        ));
    }
    if !report.skipped_xattrs.is_empty() {
        notes.push(format!(
            "layer {}: dropped {} extended attribute(s) that cannot be kept rootless ({})",
            diffid.short(),
            report.skipped_xattrs.len(),
            first_few(&report.skipped_xattrs)
        ));
    }
    notes
}

/// "a, b, c, ..." for a list that may be long.
fn first_few(items: &[String]) -> String {
    let mut text = items.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > 3 {
        text.push_str(", ...");
    }
    text
}

/// Blobs (manifests, configs, layers) and layer diff ids that images in `index` (and the
/// build cache) use.
pub fn referenced(store: &Store, index: &ImageIndex) -> (HashSet<Digest>, HashSet<Digest>) {
    let (mut blobs, mut layers) = crate::build::cache::Cache::new(store).referenced();
    for image in &index.images {
        blobs.insert(image.manifest.clone());
        blobs.insert(image.id.clone());
        if let Ok(bytes) = store.read_blob(&image.manifest)
            && let Ok(m) = ImageManifest::from_reader(&bytes[..])
        {
            for l in m.layers() {
                if let Ok(d) = l.digest().to_string().parse() {
                    blobs.insert(d);
                }
            }
        }
        if let Ok(bytes) = store.read_blob(&image.id)
            && let Ok(c) = ImageConfiguration::from_reader(&bytes[..])
        {
            for d in c.rootfs().diff_ids() {
                if let Ok(d) = d.parse() {
                    layers.insert(d);
                }
            }
        }
    }
    (blobs, layers)
}
