//! `nook save`: images to a docker-archive (what `docker load` and `podman load` read:
//! manifest.json, configs, uncompressed `<diffid>/layer.tar`) or an oci-archive (an OCI image
//! layout in a tar, blobs as stored). Written to a temporary file and renamed, so a failed
//! save leaves no half archive.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use oci_spec::image::ImageManifest;
use serde_json::json;

use super::digest::Digest;
use super::index::ImageRecord;
use super::store::{Store, StoreError};
use super::unpack;

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    // Not a `source`: the message says it, and said again by the chain it would be twice.
    #[error("cannot write the archive {path}: {error}")]
    Write { path: String, error: io::Error },
    #[error("image {0} is damaged in the store ({1}); run `nook system check`")]
    Damaged(String, String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// docker save's format (uncompressed layers)
    DockerArchive,
    /// An OCI image layout in a tar
    OciArchive,
}

/// Write `images` (with the names to record for each) as `format` to `out`, or to stdout.
pub fn save(
    store: &Store,
    images: &[(ImageRecord, Vec<String>)],
    format: Format,
    out: Option<&Path>,
) -> Result<(), SaveError> {
    match out {
        None => write_archive(
            store,
            images,
            format,
            io::stdout().lock(),
            "standard output",
        ),
        Some(path) => {
            let label = path.display().to_string();
            write_whole(
                path,
                |error| SaveError::Write {
                    path: label.clone(),
                    error,
                },
                |f| write_archive(store, images, format, f, &label),
            )
        }
    }
}

/// Write the file at `path` that a user asked for through a temporary file beside it, so
/// that a failure never leaves part of it under its name.
pub fn write_whole<E>(
    path: &Path,
    io_error: impl Fn(io::Error) -> E,
    write: impl FnOnce(BufWriter<File>) -> Result<(), E>,
) -> Result<(), E> {
    let tmp = path.with_file_name(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = File::create(&tmp)
        .map_err(&io_error)
        .and_then(|f| write(BufWriter::new(f)))
        .and_then(|()| fs::rename(&tmp, path).map_err(&io_error));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

struct Parts {
    manifest: Vec<u8>,
    config: Vec<u8>,
    /// (blob digest, diff id, size of the uncompressed layer)
    layers: Vec<(Digest, Digest, u64)>,
}

fn parts(store: &Store, image: &ImageRecord) -> Result<Parts, SaveError> {
    let damaged = |why: String| SaveError::Damaged(image.id.short().to_string(), why);
    let manifest = store.read_blob(&image.manifest)?;
    let config = store.read_blob(&image.id)?;
    let m = ImageManifest::from_reader(&manifest[..]).map_err(|e| damaged(e.to_string()))?;
    let c = oci_spec::image::ImageConfiguration::from_reader(&config[..])
        .map_err(|e| damaged(e.to_string()))?;
    let mut layers = Vec::new();
    for (l, d) in m.layers().iter().zip(c.rootfs().diff_ids()) {
        let blob: Digest = l
            .digest()
            .to_string()
            .parse()
            .map_err(|e| damaged(format!("{e}")))?;
        let diffid: Digest = d.parse().map_err(|e| damaged(format!("{e}")))?;
        let size = store.layer_meta(&diffid)?.size;
        layers.push((blob, diffid, size));
    }
    Ok(Parts {
        manifest,
        config,
        layers,
    })
}

fn write_archive(
    store: &Store,
    images: &[(ImageRecord, Vec<String>)],
    format: Format,
    out: impl Write,
    label: &str,
) -> Result<(), SaveError> {
    let werr = |error: io::Error| SaveError::Write {
        path: label.to_string(),
        error,
    };
    let mut tar = tar::Builder::new(out);
    let mut written: HashSet<String> = HashSet::new();
    let mut add = |tar: &mut tar::Builder<_>,
                   name: String,
                   size: u64,
                   data: &mut dyn io::Read|
     -> Result<(), SaveError> {
        if !written.insert(name.clone()) {
            return Ok(());
        }
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(size);
        h.set_mtime(0);
        tar.append_data(&mut h, &name, data).map_err(werr)
    };
    let mut entries = Vec::new();
    for (image, names) in images {
        let p = parts(store, image)?;
        match format {
            Format::DockerArchive => {
                let config_name = format!("{}.json", image.id.hex());
                add(
                    &mut tar,
                    config_name.clone(),
                    p.config.len() as u64,
                    &mut &p.config[..],
                )?;
                let mut layer_names = Vec::new();
                for (blob, diffid, size) in &p.layers {
                    let name = format!("{}/layer.tar", diffid.hex());
                    let file = File::open(store.blob_path(blob))
                        .map_err(|e| StoreError::io("cannot read", &store.blob_path(blob), e))?;
                    let mut plain = unpack::decompress(file).map_err(|e| {
                        SaveError::Damaged(image.id.short().to_string(), e.to_string())
                    })?;
                    add(&mut tar, name.clone(), *size, &mut plain)?;
                    layer_names.push(name);
                }
                entries
                    .push(json!({"Config": config_name, "RepoTags": names, "Layers": layer_names}));
            }
            Format::OciArchive => {
                for (blob, _, _) in &p.layers {
                    let path = store.blob_path(blob);
                    let mut file =
                        File::open(&path).map_err(|e| StoreError::io("cannot read", &path, e))?;
                    let len = file
                        .metadata()
                        .map_err(|e| StoreError::io("cannot read", &path, e))?
                        .len();
                    add(
                        &mut tar,
                        format!("blobs/sha256/{}", blob.hex()),
                        len,
                        &mut file,
                    )?;
                }
                add(
                    &mut tar,
                    format!("blobs/sha256/{}", image.id.hex()),
                    p.config.len() as u64,
                    &mut &p.config[..],
                )?;
                add(
                    &mut tar,
                    format!("blobs/sha256/{}", image.manifest.hex()),
                    p.manifest.len() as u64,
                    &mut &p.manifest[..],
                )?;
                let descriptor = |name: Option<&String>| {
                    let mut d = json!({
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": image.manifest.to_string(),
                        "size": p.manifest.len(),
                    });
                    if let Some(n) = name {
                        d["annotations"] = json!({
                            "org.opencontainers.image.ref.name": n,
                            "io.containerd.image.name": n,
                        });
                    }
                    d
                };
                if names.is_empty() {
                    entries.push(descriptor(None));
                }
                entries.extend(names.iter().map(|n| descriptor(Some(n))));
            }
        }
    }
    match format {
        Format::DockerArchive => {
            let manifest = serde_json::to_vec(&entries).expect("serializes");
            add(
                &mut tar,
                "manifest.json".to_string(),
                manifest.len() as u64,
                &mut &manifest[..],
            )?;
        }
        Format::OciArchive => {
            let layout = br#"{"imageLayoutVersion":"1.0.0"}"#;
            add(
                &mut tar,
                "oci-layout".to_string(),
                layout.len() as u64,
                &mut &layout[..],
            )?;
            let index = serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": entries}))
                .expect("serializes");
            add(
                &mut tar,
                "index.json".to_string(),
                index.len() as u64,
                &mut &index[..],
            )?;
        }
    }
    let mut out = tar.into_inner().map_err(werr)?;
    out.flush().map_err(werr)
}
