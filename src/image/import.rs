//! `nook import`: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image,
//! with `--change` instructions (CMD, ENTRYPOINT, ENV, ...) written into its config.

use std::collections::HashMap;
use std::io::Read;

use oci_spec::image::{
    Arch, ConfigBuilder, HistoryBuilder, ImageConfiguration, ImageConfigurationBuilder, MediaType,
    Os, RootFsBuilder,
};

use super::digest::Digest;
use super::index::ImageRecord;
use super::ingest::{Ingest, IngestError};
use super::store::Store;
use super::unpack;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("cannot read the tarball: {0}")]
    Read(unpack::UnpackError),
    #[error(
        "invalid --change {0:?}: expected one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, \
         WORKDIR, VOLUME, STOPSIGNAL followed by its value, as in a Containerfile"
    )]
    Change(String),
}

/// The image settings `--change` may set, in Containerfile syntax.
#[derive(Default)]
pub struct Changes {
    cmd: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    env: Vec<String>,
    exposed: Vec<String>,
    labels: HashMap<String, String>,
    user: Option<String>,
    workdir: Option<String>,
    volumes: Vec<String>,
    stop_signal: Option<String>,
}

impl Changes {
    pub fn parse(items: &[String]) -> Result<Self, ImportError> {
        let mut c = Changes::default();
        for item in items {
            let bad = || ImportError::Change(item.clone());
            let (word, rest) = item
                .trim()
                .split_once(char::is_whitespace)
                .ok_or_else(bad)?;
            let rest = rest.trim();
            match word.to_ascii_uppercase().as_str() {
                "CMD" => c.cmd = Some(exec_form(rest)),
                "ENTRYPOINT" => c.entrypoint = Some(exec_form(rest)),
                "ENV" => c.env.extend(
                    key_values(rest)
                        .ok_or_else(bad)?
                        .into_iter()
                        .map(|(k, v)| format!("{k}={v}")),
                ),
                "LABEL" => c.labels.extend(key_values(rest).ok_or_else(bad)?),
                "EXPOSE" => c.exposed.extend(rest.split_whitespace().map(|p| {
                    if p.contains('/') {
                        p.to_string()
                    } else {
                        format!("{p}/tcp")
                    }
                })),
                "USER" => c.user = Some(rest.to_string()),
                "WORKDIR" => c.workdir = Some(rest.to_string()),
                "VOLUME" => c.volumes.extend(list_form(rest)),
                "STOPSIGNAL" => c.stop_signal = Some(rest.to_string()),
                _ => return Err(bad()),
            }
        }
        Ok(c)
    }
}

/// `["a", "b"]` (exec form) or `a b` (shell form, run by /bin/sh -c).
fn exec_form(s: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(s) {
        Ok(v) => v,
        Err(_) => vec!["/bin/sh".to_string(), "-c".to_string(), s.to_string()],
    }
}

fn list_form(s: &str) -> Vec<String> {
    serde_json::from_str::<Vec<String>>(s)
        .unwrap_or_else(|_| s.split_whitespace().map(str::to_string).collect())
}

/// `K=V K2="v 2"` or the legacy `K V with spaces`.
fn key_values(s: &str) -> Option<Vec<(String, String)>> {
    let first_space = s.find(char::is_whitespace);
    let first_eq = s.find('=');
    if first_eq.is_none() || first_space.is_some_and(|sp| Some(sp) < first_eq) {
        let (k, v) = s.split_once(char::is_whitespace)?;
        return Some(vec![(k.to_string(), v.trim().to_string())]);
    }
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return None;
        }
        let mut value = String::new();
        let mut quote = None;
        while let Some(&c) = chars.peek() {
            chars.next();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) if c.is_whitespace() => break,
                (_, '\\') => {
                    if let Some(n) = chars.next() {
                        value.push(n);
                    }
                }
                (_, c) => value.push(c),
            }
        }
        out.push((key, value));
    }
}

/// GOARCH name of this machine, as image configs spell it.
pub fn host_arch() -> Arch {
    match std::env::consts::ARCH {
        "x86_64" => Arch::Amd64,
        "aarch64" => Arch::ARM64,
        "x86" => Arch::i386,
        "arm" => Arch::ARM,
        "powerpc64" => Arch::PowerPC64le,
        "s390x" => Arch::s390x,
        "riscv64" => Arch::RISCV64,
        other => Arch::Other(other.to_string()),
    }
}

/// Import the tarball read from `input` as an image named `names`.
pub fn import(
    store: &Store,
    input: impl Read,
    names: Vec<String>,
    changes: &Changes,
    message: Option<&str>,
) -> Result<(ImageRecord, Vec<String>), ImportError> {
    let mut ingest = Ingest::new(store);
    match import_into(&mut ingest, input, changes, message) {
        Ok((config, manifest)) => {
            let notes = std::mem::take(&mut ingest.notes);
            Ok((ingest.commit(&config, &manifest, names)?, notes))
        }
        Err(e) => {
            ingest.rollback();
            Err(e)
        }
    }
}

fn import_into(
    ingest: &mut Ingest<'_>,
    input: impl Read,
    changes: &Changes,
    message: Option<&str>,
) -> Result<(Digest, Digest), ImportError> {
    // Stored uncompressed: the blob's digest is then the layer's diff id.
    let plain = unpack::decompress(input).map_err(ImportError::Read)?;
    let (blob, size) = ingest.blob(plain, None, None)?;
    let layer = ingest.layer(&blob, size, &blob)?;
    let created = crate::container::now_rfc3339();
    let invalid = |e: oci_spec::OciSpecError| IngestError::Invalid {
        what: "config",
        why: e.to_string(),
    };
    let mut cfg = ConfigBuilder::default();
    if let Some(v) = &changes.cmd {
        cfg = cfg.cmd(v.clone());
    }
    if let Some(v) = &changes.entrypoint {
        cfg = cfg.entrypoint(v.clone());
    }
    if !changes.env.is_empty() {
        cfg = cfg.env(changes.env.clone());
    }
    if !changes.exposed.is_empty() {
        cfg = cfg.exposed_ports(changes.exposed.clone());
    }
    if !changes.labels.is_empty() {
        cfg = cfg.labels(changes.labels.clone());
    }
    if let Some(v) = &changes.user {
        cfg = cfg.user(v.clone());
    }
    if let Some(v) = &changes.workdir {
        cfg = cfg.working_dir(v.clone());
    }
    if !changes.volumes.is_empty() {
        cfg = cfg.volumes(changes.volumes.clone());
    }
    if let Some(v) = &changes.stop_signal {
        cfg = cfg.stop_signal(v.clone());
    }
    let mut history = HistoryBuilder::default()
        .created(created.clone())
        .created_by("nook import".to_string());
    if let Some(m) = message {
        history = history.comment(m.to_string());
    }
    let config: ImageConfiguration = ImageConfigurationBuilder::default()
        .created(created)
        .architecture(host_arch())
        .os(Os::Linux)
        .config(cfg.build().map_err(invalid)?)
        .rootfs(
            RootFsBuilder::default()
                .typ("layers".to_string())
                .diff_ids(vec![layer.diffid.to_string()])
                .build()
                .map_err(invalid)?,
        )
        .history(vec![history.build().map_err(invalid)?])
        .build()
        .map_err(invalid)?;
    let config_bytes = serde_json::to_vec(&config).expect("configs serialize");
    let config_digest = ingest.blob_bytes(&config_bytes)?;
    let manifest = ingest.manifest(
        &config_digest,
        config_bytes.len() as u64,
        &[(MediaType::ImageLayer, &layer)],
    )?;
    Ok((config_digest, manifest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_changes() {
        let c = Changes::parse(&[
            r#"CMD ["/bin/sh", "-c", "echo hi"]"#.to_string(),
            "ENTRYPOINT /init --x".to_string(),
            r#"ENV A=1 B="two words" C=x\ y"#.to_string(),
            "env LEGACY value with spaces".to_string(),
            "EXPOSE 80 53/udp".to_string(),
            "USER app:app".to_string(),
            "WORKDIR /srv".to_string(),
            r#"LABEL org.example="yes""#.to_string(),
        ])
        .unwrap();
        assert_eq!(c.cmd.unwrap(), vec!["/bin/sh", "-c", "echo hi"]);
        assert_eq!(c.entrypoint.unwrap(), vec!["/bin/sh", "-c", "/init --x"]);
        assert_eq!(
            c.env,
            vec!["A=1", "B=two words", "C=x y", "LEGACY=value with spaces"]
        );
        assert_eq!(c.exposed, vec!["80/tcp", "53/udp"]);
        assert_eq!(c.user.as_deref(), Some("app:app"));
        assert_eq!(c.workdir.as_deref(), Some("/srv"));
        assert_eq!(c.labels["org.example"], "yes");
        assert!(Changes::parse(&["RUN make".to_string()]).is_err());
        assert!(Changes::parse(&["CMD".to_string()]).is_err());
    }
}
