//! Project files you have trusted. A file in a project (a sandbox policy in `nook.toml`, a
//! dev-shell profile) may ask nook to open walls: show more of your files, let the network
//! in, pass your environment. Such a file could have been written by the very code it
//! confines (a sandboxed build writing `nook.toml` for the next run), by another user (a
//! `/tmp/nook.toml` above your project), or come with a checkout. nook honours what a file
//! opens only once you have read it and said `nook trust FILE`: the trust is kept for that
//! path and those exact contents (SHA-256), so any change needs your word again.
//!
//! The record is `$XDG_DATA_HOME/nook/trusted.json`, outside every project and every sandbox.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} belongs to uid {owner}, not to you: nook takes policy only from your own \
         files (copy it, read it, and trust the copy if you mean it)"
    )]
    NotYours { path: PathBuf, owner: u32 },
    #[error("the record of trusted files, {path}, is damaged: {message}")]
    Damaged { path: PathBuf, message: String },
    #[error(transparent)]
    Store(#[from] crate::image::store::StoreError),
}

/// A file, as read once: its contents and the digest they are trusted by.
pub struct Checked {
    pub path: PathBuf,
    pub text: String,
    pub sha256: String,
}

impl Checked {
    /// Read `path` (not a symbolic link; yours, with `own`).
    pub fn read(path: &Path, own: bool) -> Result<Checked, TrustError> {
        use std::os::unix::fs::OpenOptionsExt;
        let read = |source| TrustError::Read {
            path: path.to_path_buf(),
            source,
        };
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(read(std::io::ErrorKind::InvalidInput.into()));
        };
        let dir = if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        };
        let path = fs::canonicalize(dir).map_err(read)?.join(name);
        // Not following a link: what is trusted is the file at this path.
        let file = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
            .map_err(read)?;
        let meta = file.metadata().map_err(read)?;
        if own && meta.uid() != nix::unistd::getuid().as_raw() {
            return Err(TrustError::NotYours {
                path,
                owner: meta.uid(),
            });
        }
        let text = std::io::read_to_string(file).map_err(read)?;
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        Ok(Checked { path, text, sha256 })
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Trusted {
    pub sha256: String,
    /// When you trusted it (RFC 3339).
    pub at: String,
}

/// The files you trust: path to digest.
pub struct TrustStore {
    path: PathBuf,
    files: BTreeMap<PathBuf, Trusted>,
}

impl TrustStore {
    /// The record under nook's data directory `root` (the store's root).
    pub fn load(root: &Path) -> Result<TrustStore, TrustError> {
        let path = root.join("trusted.json");
        let files = match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| TrustError::Damaged {
                path: path.clone(),
                message: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(TrustError::Read { path, source }),
        };
        Ok(TrustStore { path, files })
    }

    /// Is the file at `path`, with exactly the contents `sha256` names, trusted?
    pub fn trusts(&self, path: &Path, sha256: &str) -> Option<&Trusted> {
        self.files.get(path).filter(|t| t.sha256 == sha256)
    }

    pub fn add(&mut self, path: &Path, sha256: &str) -> Result<(), TrustError> {
        self.files.insert(
            path.to_path_buf(),
            Trusted {
                sha256: sha256.to_string(),
                at: crate::container::now_rfc3339(),
            },
        );
        self.save()
    }

    /// Forget `path`; whether it was trusted.
    pub fn forget(&mut self, path: &Path) -> Result<bool, TrustError> {
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let was = self.files.remove(&path).is_some();
        self.save()?;
        Ok(was)
    }

    pub fn list(&self) -> impl Iterator<Item = (&PathBuf, &Trusted)> {
        self.files.iter()
    }

    fn save(&self) -> Result<(), TrustError> {
        let bytes = serde_json::to_vec_pretty(&self.files).expect("records always serialize");
        crate::image::store::replace_file(&self.path, &bytes)?;
        Ok(())
    }
}
