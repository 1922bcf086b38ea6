//! The images a build starts from and the one it makes: a base image's layers (with how each
//! is shipped) and config, and the finished image written to the store as docker would write
//! it (config with docker's `Healthcheck`, `OnBuild` and `Shell`, history with `created_by`
//! and `empty_layer`, an OCI manifest).

use oci_spec::image::{ImageManifest, MediaType};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::image::digest::Digest;
use crate::image::index::ImageRecord;
use crate::image::ingest::{Ingest, IngestError, StoredLayer};
use crate::image::store::Store;

/// A layer of an image being built: its content (diff id) and its blob.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    pub diffid: Digest,
    pub blob: Digest,
    pub size: u64,
    pub media_type: String,
}

/// An image's config object (the part a build changes) and the rest it keeps.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Base {
    pub layers: Vec<LayerRef>,
    /// `config`: Env, Cmd, Entrypoint, WorkingDir, User, Labels, ... (docker's names).
    pub config: Map<String, Value>,
    pub history: Vec<Value>,
    pub architecture: String,
    pub os: String,
    /// Who made it (`nook commit --author`); a build names no one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
}

impl Base {
    /// An empty image (`FROM scratch`).
    pub fn scratch() -> Base {
        Base {
            layers: Vec::new(),
            config: Map::new(),
            history: Vec::new(),
            architecture: crate::image::import::host_arch().to_string(),
            os: "linux".to_string(),
            author: None,
        }
    }

    /// The image `record` in the store.
    pub fn load(store: &Store, record: &ImageRecord) -> Result<Base, IngestError> {
        let invalid = |why: String| IngestError::Invalid {
            what: "base image",
            why,
        };
        let config: Value = serde_json::from_slice(&store.read_blob(&record.id)?)
            .map_err(|e| invalid(e.to_string()))?;
        let manifest = ImageManifest::from_reader(&store.read_blob(&record.manifest)?[..])
            .map_err(|e| invalid(e.to_string()))?;
        let diffids: Vec<Digest> = config["rootfs"]["diff_ids"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d.as_str()?.parse().ok()).collect())
            .unwrap_or_default();
        if diffids.len() != manifest.layers().len() {
            return Err(invalid(
                "its config and manifest name different numbers of layers".to_string(),
            ));
        }
        let layers = diffids
            .into_iter()
            .zip(manifest.layers())
            .map(|(diffid, d)| {
                Ok(LayerRef {
                    diffid,
                    blob: d
                        .digest()
                        .to_string()
                        .parse()
                        .map_err(|_| invalid("a layer digest is invalid".to_string()))?,
                    size: d.size(),
                    media_type: d.media_type().to_string(),
                })
            })
            .collect::<Result<_, IngestError>>()?;
        Ok(Base {
            layers,
            config: config["config"].as_object().cloned().unwrap_or_default(),
            history: config["history"].as_array().cloned().unwrap_or_default(),
            architecture: config["architecture"]
                .as_str()
                .unwrap_or("amd64")
                .to_string(),
            os: config["os"].as_str().unwrap_or("linux").to_string(),
            author: None,
        })
    }
}

/// One history entry, as docker writes it.
pub fn history(created: &str, created_by: &str, empty_layer: bool) -> Value {
    let mut h = json!({ "created": created, "created_by": created_by });
    if empty_layer {
        h["empty_layer"] = Value::Bool(true);
    }
    h
}

/// Write the image `image` (its layers all in the store) and add it to the index as `names`.
pub fn commit(
    store: &Store,
    image: &Base,
    created: &str,
    names: Vec<String>,
) -> Result<ImageRecord, IngestError> {
    let mut ingest = Ingest::new(store)?;
    let written = (|| {
        let mut config = json!({
            "created": created,
            "architecture": image.architecture,
            "os": image.os,
            "config": image.config,
            "rootfs": {
                "type": "layers",
                "diff_ids": image.layers.iter().map(|l| l.diffid.to_string()).collect::<Vec<_>>(),
            },
            "history": image.history,
        });
        if let Some(author) = &image.author {
            config["author"] = Value::String(author.clone());
        }
        let bytes = serde_json::to_vec(&config).expect("configs serialize");
        let config_digest = ingest.blob_bytes(&bytes)?;
        let stored: Vec<(MediaType, StoredLayer)> = image
            .layers
            .iter()
            .map(|l| {
                (
                    MediaType::from(l.media_type.as_str()),
                    StoredLayer {
                        blob: l.blob.clone(),
                        blob_size: l.size,
                        diffid: l.diffid.clone(),
                    },
                )
            })
            .collect();
        let refs: Vec<(MediaType, &StoredLayer)> =
            stored.iter().map(|(m, l)| (m.clone(), l)).collect();
        let manifest = ingest.manifest(&config_digest, bytes.len() as u64, &refs)?;
        Ok::<_, IngestError>((config_digest, manifest))
    })();
    match written {
        Ok((config, manifest)) => ingest.commit(&config, &manifest, names),
        Err(e) => {
            ingest.rollback();
            Err(e)
        }
    }
}
