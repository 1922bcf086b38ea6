//! Registry credentials and authentication challenges.
//!
//! `nook login` writes `$XDG_CONFIG_HOME/nook/auth.json` (mode 600) in docker's format; reads
//! also look at podman's and docker's files, so a user logged in with either is logged in here.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::config;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
    #[error("{path} is not valid JSON: {source}")]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
}

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <password>)", self.username)
    }
}

impl Credentials {
    /// The `Authorization` header value for basic authentication.
    pub fn basic_header(&self) -> String {
        format!(
            "Basic {}",
            B64.encode(format!("{}:{}", self.username, self.password))
        )
    }
}

#[derive(Default, Serialize, Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    /// Everything else a docker config.json holds, kept as it was.
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

#[derive(Default, Serialize, Deserialize)]
struct AuthEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

/// nook's own credentials file.
pub fn nook_auth_file() -> Result<PathBuf, AuthError> {
    Ok(config::config_path()?.with_file_name("auth.json"))
}

/// Files read for credentials, nook's first.
fn auth_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = nook_auth_file().into_iter().collect();
    if let Some(run) = config::runtime_dir() {
        files.push(run.join("containers/auth.json"));
    }
    if let Ok(cfg) = config::config_path()
        && let Some(base) = cfg.parent().and_then(|p| p.parent())
    {
        files.push(base.join("containers/auth.json"));
    }
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => files.push(PathBuf::from(dir).join("config.json")),
        None => {
            if let Some(home) = std::env::var_os("HOME") {
                files.push(PathBuf::from(home).join(".docker/config.json"));
            }
        }
    }
    files
}

fn read(path: &PathBuf) -> Result<Option<AuthFile>, AuthError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| AuthError::Parse {
                path: path.clone(),
                source,
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(AuthError::Read {
            path: path.clone(),
            source,
        }),
    }
}

/// Keys a file may use for `registry`: docker writes some as URLs.
fn matches(key: &str, registry: &str) -> bool {
    let host = key
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    host == registry
}

fn decode(entry: &AuthEntry) -> Option<Credentials> {
    let raw = B64.decode(entry.auth.as_ref()?.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some(Credentials {
        username: user.to_string(),
        password: pass.to_string(),
    })
}

/// The credentials stored for `registry` (host[:port]), if any. Unreadable files are skipped.
pub fn lookup(registry: &str) -> Option<Credentials> {
    auth_files().iter().find_map(|path| {
        let file = read(path).ok()??;
        file.auths
            .iter()
            .find(|(k, _)| matches(k, registry))
            .and_then(|(_, e)| decode(e))
    })
}

/// Store credentials for `registry` in nook's auth file; returns its path.
pub fn store(registry: &str, creds: &Credentials) -> Result<PathBuf, AuthError> {
    let path = nook_auth_file()?;
    let mut file = read(&path)?.unwrap_or_default();
    file.auths.insert(
        registry.to_string(),
        AuthEntry {
            auth: Some(B64.encode(format!("{}:{}", creds.username, creds.password))),
            rest: BTreeMap::new(),
        },
    );
    write(&path, &file)?;
    Ok(path)
}

/// Forget `registry` in nook's auth file; says whether there was anything to forget.
pub fn remove(registry: &str) -> Result<bool, AuthError> {
    let path = nook_auth_file()?;
    let Some(mut file) = read(&path)? else {
        return Ok(false);
    };
    let before = file.auths.len();
    file.auths.retain(|k, _| !matches(k, registry));
    if file.auths.len() == before {
        return Ok(false);
    }
    write(&path, &file)?;
    Ok(true)
}

fn write(path: &PathBuf, file: &AuthFile) -> Result<(), AuthError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let err = |source| AuthError::Write {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(err)?;
    }
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(file).expect("auth files serialize");
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(err)?;
    io::Write::write_all(&mut f, &bytes)
        .and_then(|_| f.sync_all())
        .map_err(err)?;
    fs::rename(&tmp, path).map_err(err)
}

/// What a registry's `WWW-Authenticate` header asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Challenge {
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    Basic,
}

/// Parse `Bearer realm="...",service="...",scope="..."` or `Basic realm="..."`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, rest) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    let mut params = BTreeMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.peek().copied() {
                if c == ',' {
                    break;
                }
                value.push(c);
                chars.next();
            }
        }
        params.insert(key.trim().to_ascii_lowercase(), value);
    }
    match scheme.to_ascii_lowercase().as_str() {
        "bearer" => Some(Challenge::Bearer {
            realm: params.remove("realm")?,
            service: params.remove("service"),
            scope: params.remove("scope"),
        }),
        "basic" => Some(Challenge::Basic),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.test/token",service="reg.test",scope="repository:a/b:pull,push""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.test/token".into(),
                service: Some("reg.test".into()),
                scope: Some("repository:a/b:pull,push".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(
            parse_challenge(r#"Bearer service="x""#),
            None,
            "a realm is required"
        );
    }

    #[test]
    fn decodes_docker_entries() {
        let e = AuthEntry {
            auth: Some(B64.encode("user:pa:ss")),
            rest: BTreeMap::new(),
        };
        let c = decode(&e).unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.as_str()),
            ("user", "pa:ss")
        );
        assert!(matches("https://reg.test:5000/v1/", "reg.test:5000"));
        assert!(!matches("reg.test", "reg.test:5000"));
        assert!(!format!("{c:?}").contains("pa:ss"), "passwords never print");
    }
}
