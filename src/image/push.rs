//! `nook push`: an image's blobs and manifest to a registry. Blobs the repository has are
//! skipped; blobs another repository of the same registry has are mounted across; the rest
//! are uploaded (several at once), then the manifest is put under the tag.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Mutex;

use oci_spec::image::{Descriptor, ImageManifest};

use super::digest::Digest;
use super::index::ImageRecord;
use super::reference::Reference;
use super::store::{Store, StoreError};
use crate::config::RegistriesConfig;
use crate::progress::Progress;
use crate::registry::{Registry, RegistryError};

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the image's manifest in the store is invalid: {0}")]
    Manifest(String),
}

/// Push `image` to `dest` (fully qualified); returns the manifest digest.
pub fn push(
    store: &Store,
    settings: &RegistriesConfig,
    image: &ImageRecord,
    dest: &Reference,
    progress: &Progress,
) -> Result<Digest, PushError> {
    let host = dest
        .domain
        .clone()
        .expect("push takes qualified references");
    let repo = dest.path.clone();
    let reg = Registry::connect(&host, &host, settings)?;
    let manifest_bytes = store.read_blob(&image.manifest)?;
    let manifest = ImageManifest::from_reader(&manifest_bytes[..])
        .map_err(|e| PushError::Manifest(e.to_string()))?;
    // Repositories of this registry the image came from or went to: mount sources.
    let siblings: Vec<String> = image
        .names
        .iter()
        .filter_map(|n| Reference::parse(n).ok())
        .filter(|r| r.domain.as_deref() == Some(host.as_str()) && r.path != repo)
        .map(|r| r.path)
        .collect();
    let mut blobs: Vec<&Descriptor> = manifest.layers().iter().collect();
    blobs.push(manifest.config());
    let queue = Mutex::new(blobs.iter());
    let failure: Mutex<Option<PushError>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..blobs.len().clamp(1, 4) {
            s.spawn(|| {
                while let Some(desc) = queue.lock().expect("queue").next() {
                    if failure.lock().expect("failure").is_some() {
                        return;
                    }
                    let chunk = settings.upload_chunk_mb.map(|mb| mb << 20);
                    if let Err(e) = push_blob(store, &reg, &repo, desc, &siblings, chunk, progress)
                    {
                        failure.lock().expect("failure").get_or_insert(e);
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().expect("failure") {
        return Err(e);
    }
    let media = manifest
        .media_type()
        .as_ref()
        .map(|m| m.to_string())
        .unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".to_string());
    let reference = match (&dest.tag, &dest.digest) {
        (Some(t), _) => t.clone(),
        (None, _) => image.manifest.to_string(),
    };
    Ok(reg.put_manifest(&repo, &reference, &manifest_bytes, &media)?)
}

fn push_blob(
    store: &Store,
    reg: &Registry,
    repo: &str,
    desc: &Descriptor,
    siblings: &[String],
    chunk: Option<u64>,
    progress: &Progress,
) -> Result<(), PushError> {
    let digest: Digest = desc
        .digest()
        .to_string()
        .parse()
        .map_err(|e: super::digest::DigestError| PushError::Manifest(e.to_string()))?;
    let bar = progress.bar(&format!("Copying blob {}", digest.short()), desc.size());
    if reg.blob_exists(repo, &digest)? {
        bar.finish("already there");
        return Ok(());
    }
    for from in siblings {
        if reg.mount_blob(repo, &digest, from)? {
            bar.finish(&format!("mounted from {from}"));
            return Ok(());
        }
    }
    let path = store.blob_path(&digest);
    if !path.is_file() {
        return Err(StoreError::MissingBlob { digest }.into());
    }
    let open = |offset: u64| -> std::io::Result<Box<dyn Read + Send>> {
        let mut file = File::open(&path)?;
        file.seek(SeekFrom::Start(offset))?;
        bar.set_position(offset);
        Ok(Box::new(Counting {
            inner: file,
            bar: bar.clone(),
        }))
    };
    reg.upload_blob(repo, &digest, desc.size(), chunk, &open)?;
    bar.finish("done");
    Ok(())
}

/// A reader that moves a progress bar.
struct Counting<R> {
    inner: R,
    bar: crate::progress::Bar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}
