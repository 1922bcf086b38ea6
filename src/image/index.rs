//! `images.json`: which images the store holds and what they are called.
//!
//! An image is identified, as in docker and podman, by the digest of its config blob; its
//! manifest digest says which blobs it is made of. Names are fully qualified
//! (`localhost/busybox:latest`) and unique: giving a name to one image takes it from another.

use std::fs;
use std::io;

use serde::{Deserialize, Serialize};

use super::digest::Digest;
use super::reference::{LOCAL_DOMAIN, Reference, ReferenceError};
use super::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Reference(#[from] ReferenceError),
    #[error(
        "image {0:?} is not in the local store (`nook images` lists what is).\n  \
         Get it with `nook pull REGISTRY/NAME`, `nook load -i ARCHIVE` or `nook import ROOTFS.tar NAME`"
    )]
    NotFound(String),
    #[error("image name {spec:?} is ambiguous; it matches: {}\n  Use the full name or the image id", .candidates.join(", "))]
    Ambiguous {
        spec: String,
        candidates: Vec<String>,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ImageRecord {
    /// Digest of the config blob: the image id.
    pub id: Digest,
    /// Digest of the manifest blob.
    pub manifest: Digest,
    /// Digest of the index (manifest list) it was chosen from, when pulled through one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Digest>,
    /// Fully qualified names (`host/path:tag`).
    pub names: Vec<String>,
    /// When the image came into this store (RFC 3339).
    pub added: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ImageIndex {
    pub images: Vec<ImageRecord>,
}

impl ImageIndex {
    pub fn load(store: &Store) -> Result<Self, IndexError> {
        let path = store.index_path();
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| StoreError::Parse { path, source }.into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(StoreError::io("cannot read", &path, e).into()),
        }
    }

    /// Read, change and atomically rewrite the index under its lock.
    pub fn update<T>(
        store: &Store,
        change: impl FnOnce(&mut ImageIndex) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let _lock = store.lock("images")?;
        let mut index = Self::load(store)?;
        let out = change(&mut index)?;
        let bytes = serde_json::to_vec_pretty(&index).expect("the index always serializes");
        store.write_atomic(&store.index_path(), &bytes)?;
        Ok(out)
    }

    /// Add an image (or merge it with the record of the same id), taking its names from any
    /// other image that had them. Returns names that were taken from other images.
    pub fn add(&mut self, record: ImageRecord) -> Vec<(String, Digest)> {
        let mut moved = Vec::new();
        for other in self.images.iter_mut().filter(|r| r.id != record.id) {
            other.names.retain(|n| {
                let keep = !record.names.contains(n);
                if !keep {
                    moved.push((n.clone(), other.id.clone()));
                }
                keep
            });
        }
        match self.images.iter_mut().find(|r| r.id == record.id) {
            Some(existing) => {
                existing.manifest = record.manifest;
                if record.index.is_some() {
                    existing.index = record.index;
                }
                for n in record.names {
                    if !existing.names.contains(&n) {
                        existing.names.push(n);
                    }
                }
            }
            None => self.images.push(record),
        }
        moved
    }

    /// Find the image a user means by `spec`: a name (short or qualified, with tag or digest),
    /// or an id or id prefix.
    pub fn resolve(&self, spec: &str) -> Result<&ImageRecord, IndexError> {
        if let Some(r) = self.resolve_name(spec)? {
            return Ok(r);
        }
        let hex = spec.strip_prefix("sha256:").unwrap_or(spec);
        if hex.len() >= 3 && hex.len() <= 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            let hex = hex.to_ascii_lowercase();
            let found: Vec<&ImageRecord> = self
                .images
                .iter()
                .filter(|r| r.id.hex().starts_with(&hex))
                .collect();
            match found.as_slice() {
                [one] => return Ok(one),
                [] => {}
                many => {
                    return Err(IndexError::Ambiguous {
                        spec: spec.to_string(),
                        candidates: many.iter().map(|r| r.id.short().to_string()).collect(),
                    });
                }
            }
        }
        // A malformed name is worth its own message, unless it was meant as an id.
        Reference::parse(spec)?;
        Err(IndexError::NotFound(spec.to_string()))
    }

    fn resolve_name(&self, spec: &str) -> Result<Option<&ImageRecord>, IndexError> {
        let Ok(want) = Reference::parse(spec) else {
            return Ok(None);
        };
        let tag = want
            .tag
            .clone()
            .or_else(|| want.digest.is_none().then(|| "latest".to_string()));
        let matches = |name: &Reference, record: &ImageRecord| -> bool {
            let same_repo = match &want.domain {
                Some(_) => name.repository() == want.repository(),
                None => name.path == want.path || name.path == format!("library/{}", want.path),
            };
            let same_version = match (&want.digest, &tag) {
                (Some(d), _) => record.manifest == *d || record.index.as_ref() == Some(d),
                (None, Some(t)) => name.tag.as_deref() == Some(t),
                (None, None) => false,
            };
            same_repo && same_version
        };
        let mut found: Vec<(&ImageRecord, Reference)> = Vec::new();
        for record in &self.images {
            for name in &record.names {
                if let Ok(parsed) = Reference::parse(name)
                    && matches(&parsed, record)
                    && !found.iter().any(|(r, _)| r.id == record.id)
                {
                    found.push((record, parsed));
                }
            }
        }
        let is_local = |n: &Reference| n.domain.as_deref() == Some(LOCAL_DOMAIN);
        if found.len() > 1 && want.domain.is_none() && found.iter().any(|(_, n)| is_local(n)) {
            // As podman does for short names: a local image wins.
            found.retain(|(_, n)| is_local(n));
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found[0].0)),
            _ => Err(IndexError::Ambiguous {
                spec: spec.to_string(),
                candidates: found.iter().map(|(_, n)| n.to_string()).collect(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seed: &str, names: &[&str]) -> ImageRecord {
        ImageRecord {
            id: Digest::of(seed.as_bytes()),
            manifest: Digest::of(format!("m{seed}").as_bytes()),
            index: None,
            names: names.iter().map(|s| s.to_string()).collect(),
            added: String::new(),
        }
    }

    #[test]
    fn resolves_short_qualified_and_id() {
        let mut idx = ImageIndex::default();
        idx.add(rec("a", &["localhost/busybox:latest"]));
        idx.add(rec("b", &["example.test:5000/library/alpine:3"]));
        assert_eq!(
            idx.resolve("busybox").unwrap().names[0],
            "localhost/busybox:latest"
        );
        assert!(idx.resolve("busybox:1").is_err());
        assert_eq!(
            idx.resolve("alpine:3").unwrap().id,
            Digest::of(b"b"),
            "library/ is implied for short names"
        );
        assert!(idx.resolve("example.test:5000/alpine:3").is_err());
        let id = Digest::of(b"a");
        assert_eq!(idx.resolve(&id.hex()[..5]).unwrap().id, id);
        assert_eq!(idx.resolve(&id.to_string()).unwrap().id, id);
        let by_digest = format!("localhost/busybox@{}", Digest::of(b"ma"));
        assert_eq!(idx.resolve(&by_digest).unwrap().id, id);
        assert!(matches!(
            idx.resolve("nothere"),
            Err(IndexError::NotFound(_))
        ));
        assert!(matches!(
            idx.resolve("Bad Name"),
            Err(IndexError::Reference(_))
        ));
    }

    #[test]
    fn names_move_between_images() {
        let mut idx = ImageIndex::default();
        idx.add(rec("a", &["localhost/x:latest"]));
        let moved = idx.add(rec("b", &["localhost/x:latest"]));
        assert_eq!(moved.len(), 1);
        assert!(idx.images[0].names.is_empty());
        assert_eq!(idx.resolve("x").unwrap().id, Digest::of(b"b"));
    }

    #[test]
    fn short_names_prefer_local_and_report_ambiguity() {
        let mut idx = ImageIndex::default();
        idx.add(rec("a", &["localhost/app:1"]));
        idx.add(rec("b", &["one.test/app:1"]));
        assert_eq!(idx.resolve("app:1").unwrap().id, Digest::of(b"a"));
        idx.add(rec("c", &["two.test/tool:1"]));
        idx.add(rec("d", &["three.test/tool:1"]));
        assert!(matches!(
            idx.resolve("tool:1"),
            Err(IndexError::Ambiguous { .. })
        ));
    }
}
