//! `nook load`: images from a docker-archive (`docker save`, `podman save`), an OCI image
//! layout directory, or an oci-archive (that layout in a tar), optionally gzip- or
//! zstd-compressed. Archive members are read in place (by offset) and never extracted, so a
//! hostile member name cannot write anywhere; blobs are verified against their digests and
//! layers against the config's diff ids.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Component, Path, PathBuf};

use oci_spec::image::{ImageConfiguration, ImageIndex as OciIndex, ImageManifest, MediaType};
use serde::Deserialize;

use super::digest::Digest;
use super::import::host_arch;
use super::index::ImageRecord;
use super::ingest::{Ingest, IngestError, StoredLayer};
use super::reference::{LOCAL_DOMAIN, Reference};
use super::store::{Store, StoreError};
use super::unpack;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot open {path}: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error(
        "{0} is not an image archive: it has neither manifest.json (docker-archive) nor \
         index.json (OCI layout)"
    )]
    UnknownFormat(String),
    #[error("the archive is corrupt or truncated: {0}")]
    Corrupt(String),
    #[error("the archive has no member {0:?}, which its manifest names")]
    MissingMember(String),
    #[error("invalid {what} in the archive: {why}")]
    Invalid { what: String, why: String },
    #[error("the archive holds no image for this machine ({0})")]
    NoPlatform(String),
}

fn invalid(what: impl Into<String>, why: impl ToString) -> ArchiveError {
    ArchiveError::Invalid {
        what: what.into(),
        why: why.to_string(),
    }
}

/// JSON documents in an archive are small; anything larger is refused.
const MAX_JSON: u64 = 16 << 20;

/// One image loaded.
pub struct Loaded {
    pub record: ImageRecord,
    pub notes: Vec<String>,
}

/// Where archive members come from.
trait Source {
    /// A reader over member `name` and its size.
    fn open(&self, name: &str) -> Result<(Box<dyn Read + '_>, u64), ArchiveError>;
    fn exists(&self, name: &str) -> bool;

    fn read_json<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
    ) -> Result<(T, Vec<u8>), ArchiveError>
    where
        Self: Sized,
    {
        let (mut r, size) = self.open(name)?;
        if size > MAX_JSON {
            return Err(invalid(name, "too large for a JSON document"));
        }
        let mut bytes = Vec::with_capacity(size as usize);
        r.read_to_end(&mut bytes)
            .map_err(|e| ArchiveError::Corrupt(format!("{name}: {e}")))?;
        let value = serde_json::from_slice(&bytes).map_err(|e| invalid(name, e))?;
        Ok((value, bytes))
    }
}

/// Normalise a member name: no leading `./` or `/`, no `..`.
fn member_name(raw: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in Path::new(raw).components() {
        match c {
            Component::Normal(n) => parts.push(n.to_str()?),
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => {}
        }
    }
    Some(parts.join("/"))
}

/// An OCI layout directory.
struct DirSource {
    root: PathBuf,
}

impl Source for DirSource {
    fn open(&self, name: &str) -> Result<(Box<dyn Read + '_>, u64), ArchiveError> {
        let clean =
            member_name(name).ok_or_else(|| ArchiveError::MissingMember(name.to_string()))?;
        let path = self.root.join(&clean);
        let file = File::open(&path).map_err(|_| ArchiveError::MissingMember(name.to_string()))?;
        let size = file
            .metadata()
            .map_err(|source| ArchiveError::Open { path, source })?
            .len();
        Ok((Box::new(file), size))
    }
    fn exists(&self, name: &str) -> bool {
        member_name(name).is_some_and(|n| self.root.join(n).is_file())
    }
}

struct Member {
    offset: u64,
    size: u64,
    /// Target of a symbolic or hard link member.
    link: Option<String>,
}

/// A tar archive, indexed once and read by offset.
struct TarSource {
    file: File,
    members: HashMap<String, Member>,
}

impl TarSource {
    fn index(mut file: File) -> Result<Self, ArchiveError> {
        let mut members = HashMap::new();
        {
            let mut archive = tar::Archive::new(&mut file);
            let entries = archive
                .entries_with_seek()
                .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
            for entry in entries {
                let entry = entry.map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
                let raw = entry
                    .path()
                    .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
                let Some(name) = member_name(&raw.to_string_lossy()) else {
                    continue;
                };
                let kind = entry.header().entry_type();
                let link = if kind.is_symlink() || kind.is_hard_link() {
                    let target = entry
                        .link_name()
                        .map_err(|e| ArchiveError::Corrupt(e.to_string()))?
                        .map(|t| t.to_string_lossy().into_owned());
                    match (kind.is_symlink(), target) {
                        (true, Some(t)) => {
                            let base = Path::new(&name).parent().unwrap_or(Path::new(""));
                            member_name(&base.join(t).to_string_lossy())
                        }
                        (false, Some(t)) => member_name(&t),
                        (_, None) => None,
                    }
                } else {
                    None
                };
                members.insert(
                    name,
                    Member {
                        offset: entry.raw_file_position(),
                        size: entry.size(),
                        link,
                    },
                );
            }
        }
        let len = file
            .seek(SeekFrom::End(0))
            .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        for (name, m) in &members {
            if m.link.is_none() && m.offset + m.size > len {
                return Err(ArchiveError::Corrupt(format!("member {name} is cut short")));
            }
        }
        Ok(Self { file, members })
    }

    fn resolve(&self, name: &str) -> Option<&Member> {
        let mut name = member_name(name)?;
        for _ in 0..16 {
            let m = self.members.get(&name)?;
            match &m.link {
                Some(target) => name = target.clone(),
                None => return Some(m),
            }
        }
        None
    }
}

impl Source for TarSource {
    fn open(&self, name: &str) -> Result<(Box<dyn Read + '_>, u64), ArchiveError> {
        let m = self
            .resolve(name)
            .ok_or_else(|| ArchiveError::MissingMember(name.to_string()))?;
        Ok((
            Box::new(Positioned {
                file: &self.file,
                pos: m.offset,
                end: m.offset + m.size,
            }),
            m.size,
        ))
    }
    fn exists(&self, name: &str) -> bool {
        self.resolve(name).is_some()
    }
}

/// Reads a byte range of a file without moving a shared cursor.
struct Positioned<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for Positioned<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = (self.end - self.pos) as usize;
        if left == 0 {
            return Ok(0);
        }
        let want = left.min(buf.len());
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "archive member is cut short",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Load every image in the archive or layout at `path` (`None`: read an archive from stdin).
pub fn load(store: &Store, path: Option<&Path>) -> Result<Vec<Loaded>, ArchiveError> {
    let label = path.map_or("standard input".to_string(), |p| p.display().to_string());
    if let Some(p) = path.filter(|p| p.is_dir()) {
        return load_from(
            store,
            &DirSource {
                root: p.to_path_buf(),
            },
            &label,
        );
    }
    let input: Box<dyn Read> = match path {
        Some(p) => Box::new(File::open(p).map_err(|source| ArchiveError::Open {
            path: p.to_path_buf(),
            source,
        })?),
        None => Box::new(io::stdin()),
    };
    // Compressed archives and pipes cannot be read by offset: spool them to a temporary file.
    let spool = store.tmp_path("load");
    let result = (|| {
        let mut plain =
            unpack::decompress(input).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let file = match path {
            Some(p) if is_plain_tar(p) => File::open(p).map_err(|source| ArchiveError::Open {
                path: p.to_path_buf(),
                source,
            })?,
            _ => {
                let out = File::options()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(&spool)
                    .map_err(|e| StoreError::io("cannot create", &spool, e))?;
                let mut w = BufWriter::new(out);
                io::copy(&mut plain, &mut w).map_err(|e| match e.raw_os_error() {
                    Some(libc::ENOSPC) => ArchiveError::Store(StoreError::NoSpace {
                        path: spool.clone(),
                    }),
                    _ => ArchiveError::Corrupt(e.to_string()),
                })?;
                let mut file = w
                    .into_inner()
                    .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
                file.seek(SeekFrom::Start(0))
                    .map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
                file
            }
        };
        load_from(store, &TarSource::index(file)?, &label)
    })();
    let _ = std::fs::remove_file(&spool);
    result
}

fn is_plain_tar(path: &Path) -> bool {
    let mut head = [0u8; 6];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| {
            !(head.starts_with(&[0x1f, 0x8b])
                || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
                || head.starts_with(b"\xfd7zXZ")
                || head.starts_with(b"BZh"))
        })
}

fn load_from<S: Source>(store: &Store, src: &S, label: &str) -> Result<Vec<Loaded>, ArchiveError> {
    if src.exists("manifest.json") {
        load_docker(store, src)
    } else if src.exists("index.json") {
        load_oci(store, src)
    } else {
        Err(ArchiveError::UnknownFormat(label.to_string()))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

fn load_docker<S: Source>(store: &Store, src: &S) -> Result<Vec<Loaded>, ArchiveError> {
    let (entries, _) = src.read_json::<Vec<DockerEntry>>("manifest.json")?;
    let mut loaded = Vec::new();
    for entry in entries {
        let names = entry
            .repo_tags
            .unwrap_or_default()
            .iter()
            .map(|t| qualify(t))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ingest = Ingest::new(store)?;
        let result = (|| {
            let (config, config_bytes) = src.read_json::<ImageConfiguration>(&entry.config)?;
            let diff_ids = parse_diff_ids(&config)?;
            if diff_ids.len() != entry.layers.len() {
                return Err(invalid(
                    "manifest.json",
                    format!(
                        "{} layers listed but the config has {} diff ids",
                        entry.layers.len(),
                        diff_ids.len()
                    ),
                ));
            }
            let config_digest = ingest.blob_bytes(&config_bytes)?;
            let mut layers = Vec::new();
            for (name, diffid) in entry.layers.iter().zip(&diff_ids) {
                let (reader, size) = src.open(name)?;
                let (blob, blob_size) = ingest
                    .blob(reader, None, Some(size))
                    .map_err(|e| corrupt_or(e, name))?;
                let media = media_for(store, &blob, diffid);
                layers.push((media, ingest.layer(&blob, blob_size, diffid)?));
            }
            let refs: Vec<(MediaType, &StoredLayer)> =
                layers.iter().map(|(m, l)| (m.clone(), l)).collect();
            let manifest = ingest.manifest(&config_digest, config_bytes.len() as u64, &refs)?;
            Ok((config_digest, manifest))
        })();
        loaded.push(finish(ingest, result, names)?);
    }
    Ok(loaded)
}

fn load_oci<S: Source>(store: &Store, src: &S) -> Result<Vec<Loaded>, ArchiveError> {
    let (index, _) = src.read_json::<OciIndex>("index.json")?;
    let mut loaded = Vec::new();
    for desc in index.manifests() {
        let annotations = desc.annotations().clone().unwrap_or_default();
        let name = annotations
            .get("io.containerd.image.name")
            .or_else(|| annotations.get("org.opencontainers.image.ref.name"));
        let names = match name {
            Some(n) => vec![qualify(n)?],
            None => Vec::new(),
        };
        let manifest_digest = pick_manifest(src, desc)?;
        let mut ingest = Ingest::new(store)?;
        let result = (|| {
            let manifest_bytes = read_blob(src, &manifest_digest)?;
            let manifest = ImageManifest::from_reader(&manifest_bytes[..])
                .map_err(|e| invalid("manifest", e))?;
            let config_digest = descriptor_digest(manifest.config())?;
            let config_bytes = read_blob(src, &config_digest)?;
            let config = ImageConfiguration::from_reader(&config_bytes[..])
                .map_err(|e| invalid("config", e))?;
            let diff_ids = parse_diff_ids(&config)?;
            if diff_ids.len() != manifest.layers().len() {
                return Err(invalid(
                    "manifest",
                    "the layer count differs from the config's diff ids",
                ));
            }
            ingest.blob_bytes(&config_bytes)?;
            for (layer, diffid) in manifest.layers().iter().zip(&diff_ids) {
                let digest = descriptor_digest(layer)?;
                let name = blob_name(&digest);
                let (reader, _) = src.open(&name)?;
                let (blob, size) = ingest
                    .blob(reader, Some(&digest), Some(layer.size()))
                    .map_err(|e| corrupt_or(e, &name))?;
                ingest.layer(&blob, size, diffid)?;
            }
            let stored = ingest.blob_bytes(&manifest_bytes)?;
            Ok((config_digest, stored))
        })();
        loaded.push(finish(ingest, result, names)?);
    }
    Ok(loaded)
}

/// For an index entry: the manifest itself, or the host platform's manifest of a nested index.
fn pick_manifest<S: Source>(
    src: &S,
    desc: &oci_spec::image::Descriptor,
) -> Result<Digest, ArchiveError> {
    let digest = descriptor_digest(desc)?;
    if *desc.media_type() != MediaType::ImageIndex
        && desc.media_type().to_string()
            != "application/vnd.docker.distribution.manifest.list.v2+json"
    {
        return Ok(digest);
    }
    let bytes = read_blob(src, &digest)?;
    let nested = OciIndex::from_reader(&bytes[..]).map_err(|e| invalid("index", e))?;
    let arch = host_arch();
    let found = nested.manifests().iter().find(|m| {
        m.platform()
            .as_ref()
            .is_some_and(|p| *p.architecture() == arch && p.os().to_string() == "linux")
    });
    match found {
        Some(m) => descriptor_digest(m),
        None => Err(ArchiveError::NoPlatform(format!("linux/{arch}"))),
    }
}

fn blob_name(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

fn read_blob<S: Source>(src: &S, digest: &Digest) -> Result<Vec<u8>, ArchiveError> {
    let name = blob_name(digest);
    let (mut r, size) = src.open(&name)?;
    if size > MAX_JSON {
        return Err(invalid(name, "too large for a JSON document"));
    }
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)
        .map_err(|e| ArchiveError::Corrupt(format!("{name}: {e}")))?;
    if Digest::of(&bytes) != *digest {
        return Err(ArchiveError::Corrupt(format!(
            "{name} does not match its digest"
        )));
    }
    Ok(bytes)
}

fn descriptor_digest(d: &oci_spec::image::Descriptor) -> Result<Digest, ArchiveError> {
    d.digest()
        .to_string()
        .parse()
        .map_err(|e| invalid("descriptor", e))
}

fn parse_diff_ids(config: &ImageConfiguration) -> Result<Vec<Digest>, ArchiveError> {
    config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| d.parse().map_err(|e| invalid("config diff id", e)))
        .collect()
}

/// A blob that fails to copy out of the archive means a damaged archive.
fn corrupt_or(e: IngestError, member: &str) -> ArchiveError {
    match e {
        IngestError::Store(StoreError::Io { source, .. }) => {
            ArchiveError::Corrupt(format!("{member}: {source}"))
        }
        IngestError::Store(StoreError::DigestMismatch { .. }) => {
            ArchiveError::Corrupt(format!("{member} does not match its digest or size"))
        }
        e => e.into(),
    }
}

/// The media type of a layer blob, from what it holds.
fn media_for(store: &Store, blob: &Digest, diffid: &Digest) -> MediaType {
    if blob == diffid {
        return MediaType::ImageLayer;
    }
    let mut head = [0u8; 4];
    let _ = File::open(store.blob_path(blob)).and_then(|mut f| f.read_exact(&mut head));
    match head {
        [0x1f, 0x8b, ..] => MediaType::ImageLayerGzip,
        [0x28, 0xb5, 0x2f, 0xfd] => MediaType::ImageLayerZstd,
        _ => MediaType::ImageLayer,
    }
}

/// A name from an archive as a fully qualified name: short names are local, as for imports.
fn qualify(name: &str) -> Result<String, ArchiveError> {
    Reference::parse(name)
        .map(|r| r.qualified(LOCAL_DOMAIN).to_string())
        .map_err(|e| invalid("image name", e))
}

fn finish(
    mut ingest: Ingest<'_>,
    result: Result<(Digest, Digest), ArchiveError>,
    names: Vec<String>,
) -> Result<Loaded, ArchiveError> {
    match result {
        Ok((config, manifest)) => {
            let notes = std::mem::take(&mut ingest.notes);
            Ok(Loaded {
                record: ingest.commit(&config, &manifest, names)?,
                notes,
            })
        }
        Err(e) => {
            ingest.rollback();
            Err(e)
        }
    }
}
