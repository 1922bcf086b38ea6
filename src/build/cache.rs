//! The build cache: what each step made, under its key (its parent's key, the instruction
//! after substitution, the build args it sees, and for COPY and ADD the content of what it
//! copies). `build-cache/KEY.json` in the store holds the image as it was after the step; its
//! layers stay in the store while an entry names them (garbage collection counts them, as
//! docker keeps its build cache apart from images), until `nook builder prune`.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::image::Base;
use crate::image::digest::Digest;
use crate::image::store::{Store, StoreError};

/// What a step left: the image so far, and the stage's build state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub image: Base,
    pub shell: Vec<String>,
    pub args: Vec<(String, Option<String>)>,
    /// Whether a CMD of this stage set the command (an ENTRYPOINT then keeps it).
    #[serde(default)]
    pub cmd_set: bool,
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(store: &Store) -> Cache {
        Cache {
            dir: store.root().join("build-cache"),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    /// The entry under `key`, if its layers are all still in the store.
    pub fn get(&self, store: &Store, key: &str) -> Option<Entry> {
        let entry: Entry = serde_json::from_slice(&fs::read(self.path(key)).ok()?).ok()?;
        entry
            .image
            .layers
            .iter()
            .all(|l| store.has_layer(&l.diffid) && store.has_blob(&l.blob))
            .then_some(entry)
    }

    pub fn put(&self, key: &str, entry: &Entry) -> Result<(), StoreError> {
        fs::create_dir_all(&self.dir).map_err(|e| StoreError::io("cannot create", &self.dir, e))?;
        let bytes = serde_json::to_vec(entry).expect("cache entries serialize");
        crate::image::store::write_atomic(&self.path(key), &bytes)
    }

    /// Remove every entry; how many there were.
    pub fn prune(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                fs::remove_file(e.path())
                    .map_err(|err| StoreError::io("cannot remove", &e.path(), err))?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// The blobs and layers the entries use (kept by garbage collection).
    pub fn referenced(&self) -> (HashSet<Digest>, HashSet<Digest>) {
        let (mut blobs, mut layers) = (HashSet::new(), HashSet::new());
        for e in fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if let Ok(entry) = fs::read(e.path())
                .map_err(|_| ())
                .and_then(|b| serde_json::from_slice::<Entry>(&b).map_err(|_| ()))
            {
                for l in entry.image.layers {
                    blobs.insert(l.blob);
                    layers.insert(l.diffid);
                }
            }
        }
        (blobs, layers)
    }
}
