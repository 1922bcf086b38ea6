//! `nook import`: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image,
//! with `--change` instructions (CMD, ENTRYPOINT, ENV, ...) written into its config.

use std::io::Read;

use oci_spec::image::{
    Arch, Config, HistoryBuilder, ImageConfiguration, ImageConfigurationBuilder, MediaType, Os,
    RootFsBuilder,
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

/// The image settings `--change` may set, in Containerfile syntax (checked when parsed).
#[derive(Default)]
pub struct Changes {
    items: Vec<String>,
}

/// Append `items` to a list setting that may be unset.
fn extend<T>(list: &mut Option<Vec<T>>, items: impl IntoIterator<Item = T>) {
    list.get_or_insert_with(Vec::new).extend(items);
}

impl Changes {
    pub fn parse(items: &[String]) -> Result<Self, ImportError> {
        let mut scratch = Config::default();
        for item in items {
            apply_one(&mut scratch, item)?;
        }
        Ok(Changes {
            items: items.to_vec(),
        })
    }

    /// `config` with the changes made, in order.
    pub fn apply(&self, config: &mut Config) {
        for item in &self.items {
            apply_one(config, item).expect("changes were checked when parsed");
        }
    }
}

/// Make the change `item` to `c`.
fn apply_one(c: &mut Config, item: &str) -> Result<(), ImportError> {
    let bad = || ImportError::Change(item.to_string());
    let (word, rest) = item
        .trim()
        .split_once(char::is_whitespace)
        .ok_or_else(bad)?;
    let rest = rest.trim();
    match word.to_ascii_uppercase().as_str() {
        "CMD" => {
            c.set_cmd(Some(exec_form(rest)));
        }
        "ENTRYPOINT" => {
            c.set_entrypoint(Some(exec_form(rest)));
        }
        "ENV" => {
            let vars = key_values(rest).ok_or_else(bad)?;
            let mut env = c.env().clone().unwrap_or_default();
            for (k, v) in vars {
                env.retain(|e| e.split_once('=').map_or(e.as_str(), |(ek, _)| ek) != k);
                env.push(format!("{k}={v}"));
            }
            c.set_env(Some(env));
        }
        "LABEL" => {
            let labels = key_values(rest).ok_or_else(bad)?;
            c.labels_mut()
                .get_or_insert_with(Default::default)
                .extend(labels);
        }
        "EXPOSE" => {
            let mut ports = c.exposed_ports().clone();
            extend(
                &mut ports,
                rest.split_whitespace().map(|p| match p.contains('/') {
                    true => p.to_string(),
                    false => format!("{p}/tcp"),
                }),
            );
            c.set_exposed_ports(ports);
        }
        "USER" => {
            c.set_user(Some(rest.to_string()));
        }
        "WORKDIR" => {
            c.set_working_dir(Some(rest.to_string()));
        }
        "VOLUME" => {
            let mut volumes = c.volumes().clone();
            extend(&mut volumes, list_form(rest));
            c.set_volumes(volumes);
        }
        "STOPSIGNAL" => {
            c.set_stop_signal(Some(rest.to_string()));
        }
        _ => return Err(bad()),
    }
    Ok(())
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
    let mut ingest = Ingest::new(store)?;
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
    let mut settings = Config::default();
    changes.apply(&mut settings);
    // Stored uncompressed: the blob's digest is then the layer's diff id.
    let plain = unpack::decompress(input).map_err(ImportError::Read)?;
    let (blob, size) = ingest.blob(plain, None, None)?;
    let layer = ingest.layer(&blob, size, &blob)?;
    let created = crate::container::now_rfc3339();
    let invalid = |e: oci_spec::OciSpecError| IngestError::Invalid {
        what: "config",
        why: e.to_string(),
    };
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
        .config(settings)
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
        let changes = Changes::parse(&[
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
        let mut c = Config::default();
        changes.apply(&mut c);
        assert_eq!(c.cmd().clone().unwrap(), vec!["/bin/sh", "-c", "echo hi"]);
        assert_eq!(
            c.entrypoint().clone().unwrap(),
            vec!["/bin/sh", "-c", "/init --x"]
        );
        assert_eq!(
            c.env().clone().unwrap(),
            vec!["A=1", "B=two words", "C=x y", "LEGACY=value with spaces"]
        );
        assert_eq!(c.exposed_ports().clone().unwrap(), vec!["80/tcp", "53/udp"]);
        assert_eq!(c.user().as_deref(), Some("app:app"));
        assert_eq!(c.working_dir().as_deref(), Some("/srv"));
        assert_eq!(c.labels().as_ref().unwrap()["org.example"], "yes");
        // Applied to a config that has them, ENV replaces a variable in place of adding it.
        let mut base = Config::default();
        base.set_env(Some(vec!["A=0".to_string(), "KEEP=1".to_string()]));
        changes.apply(&mut base);
        assert_eq!(
            base.env().clone().unwrap(),
            vec![
                "KEEP=1",
                "A=1",
                "B=two words",
                "C=x y",
                "LEGACY=value with spaces"
            ]
        );
        assert!(Changes::parse(&["RUN make".to_string()]).is_err());
        assert!(Changes::parse(&["CMD".to_string()]).is_err());
    }
}
