//! `ADD https://...`: a file fetched by the build (on the host's network, as docker's and
//! buildah's builders do), checked against `--checksum` when given. A Containerfile is
//! untrusted input, so it does not get to read this machine's own services: addresses of
//! the host itself (loopback, link-local, unspecified) are refused, after each redirect too,
//! unless the build was given `--host-loopback`; the name is resolved once and the
//! connection pinned to what was checked.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use reqwest::Url;
use reqwest::blocking::Client;
use reqwest::header::LAST_MODIFIED;
use sha2::{Digest as _, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url} is not an http or https URL")]
    Scheme { url: String },
    #[error("{url}: {why}")]
    Url { url: String, why: String },
    #[error(
        "{url}: {host} is an address of this machine ({addr}); a build reaches the host's \
         own services only with --host-loopback"
    )]
    HostAddress {
        url: String,
        host: String,
        addr: IpAddr,
    },
    #[error("cannot fetch {url}: {why}")]
    Failed { url: String, why: String },
    #[error("cannot fetch {url}: the server answered {status}")]
    Status { url: String, status: String },
    #[error("{url}: the checksum is {got}, not {want} as --checksum says")]
    Checksum {
        url: String,
        want: String,
        got: String,
    },
    #[error("--checksum={0}: give sha256:<64 hex digits>")]
    BadChecksum(String),
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: io::Error },
}

/// A file fetched into a directory of its own.
pub struct Fetched {
    /// Its name there (the last segment of the URL's path).
    pub name: String,
    /// `sha256:<hex>` of its contents.
    pub digest: String,
}

/// The name a URL's file gets: the last segment of its path.
pub fn file_name(url: &str) -> Result<String, FetchError> {
    let parsed = parse(url)?;
    let name = parsed
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
        .to_string();
    if name.is_empty() || name == "." || name == ".." {
        return Err(FetchError::Url {
            url: url.to_string(),
            why: "its path names no file; give the destination's file name".to_string(),
        });
    }
    Ok(name)
}

/// Check a `--checksum` value; it in canonical form.
pub fn checksum(value: &str) -> Result<String, FetchError> {
    let hex = value
        .strip_prefix("sha256:")
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(|| FetchError::BadChecksum(value.to_string()))?;
    Ok(format!("sha256:{}", hex.to_ascii_lowercase()))
}

fn parse(url: &str) -> Result<Url, FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::Url {
        url: url.to_string(),
        why: e.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::Scheme {
            url: url.to_string(),
        });
    }
    Ok(parsed)
}

/// Is `ip` one of this machine's own (or a link-local neighbour's, as cloud metadata is)?
fn host_address(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_link_local() || v4.is_unspecified(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.is_unspecified() || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Where `url` leads, checked: the addresses its host has.
fn resolve(url: &Url, host_loopback: bool) -> Result<Vec<SocketAddr>, FetchError> {
    let text = url.to_string();
    let host = url.host_str().ok_or_else(|| FetchError::Url {
        url: text.clone(),
        why: "it names no host".to_string(),
    })?;
    let port = url.port_or_known_default().unwrap_or(80);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| FetchError::Failed {
            url: text.clone(),
            why: format!("cannot resolve {host}: {e}"),
        })?
        .collect();
    if !host_loopback && let Some(a) = addrs.iter().find(|a| host_address(a.ip())) {
        return Err(FetchError::HostAddress {
            url: text,
            host: host.to_string(),
            addr: a.ip(),
        });
    }
    Ok(addrs)
}

/// Fetch `url` into `dir` (made for it) as `name`: mode 0600, its time the server's
/// Last-Modified, as docker does. With `want`, the contents must have that digest.
pub fn fetch(
    url: &str,
    dir: &Path,
    name: &str,
    want: Option<&str>,
    host_loopback: bool,
) -> Result<Fetched, FetchError> {
    let parsed = parse(url)?;
    let addrs = resolve(&parsed, host_loopback)?;
    let failed = |why: String| FetchError::Failed {
        url: url.to_string(),
        why,
    };
    let mut builder = Client::builder()
        .user_agent(concat!("nook/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("more than 10 redirects");
            }
            match resolve(attempt.url(), host_loopback) {
                Ok(_) => attempt.follow(),
                Err(e) => attempt.error(e.to_string()),
            }
        }));
    // The connection goes where the check looked, not where a second lookup says.
    if let Some(host) = parsed.host_str() {
        builder = builder.resolve_to_addrs(host, &addrs);
    }
    let client = builder.build().map_err(|e| failed(e.to_string()))?;
    let mut response = client
        .get(parsed.clone())
        .send()
        .map_err(|e| failed(chain(&e)))?;
    if !response.status().is_success() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: response.status().to_string(),
        });
    }
    let modified = response
        .headers()
        .get(LAST_MODIFIED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| chrono::DateTime::parse_from_rfc2822(v).ok())
        .and_then(|t| u64::try_from(t.timestamp()).ok())
        .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
    fs::create_dir_all(dir).map_err(|source| FetchError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let path = dir.join(name);
    let write_err = |source| FetchError::Write {
        path: path.clone(),
        source,
    };
    let mut file = File::create(&path).map_err(write_err)?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = response.read(&mut buf).map_err(|e| failed(e.to_string()))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(write_err)?;
    }
    let digest = format!("sha256:{:x}", hash.finalize());
    if let Some(want) = want
        && want != digest
    {
        return Err(FetchError::Checksum {
            url: url.to_string(),
            want: want.to_string(),
            got: digest,
        });
    }
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(write_err)?;
    file.set_modified(modified.unwrap_or(SystemTime::UNIX_EPOCH))
        .map_err(write_err)?;
    Ok(Fetched {
        name: name.to_string(),
        digest,
    })
}

/// An error with its causes (reqwest's own message says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_checksums_and_host_addresses() {
        assert_eq!(
            file_name("https://example.com/a/b.tar.gz?x=1").unwrap(),
            "b.tar.gz"
        );
        assert!(file_name("https://example.com/a/").is_err());
        assert!(file_name("ftp://example.com/a").is_err());
        assert!(checksum("sha256:abc").is_err());
        let hex = "AB".repeat(32);
        assert_eq!(
            checksum(&format!("sha256:{hex}")).unwrap(),
            format!("sha256:{}", "ab".repeat(32))
        );
        for ip in [
            "127.0.0.1",
            "::1",
            "0.0.0.0",
            "169.254.169.254",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(host_address(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["192.168.1.10", "10.0.0.1", "2001:db8::1", "93.184.216.34"] {
            assert!(!host_address(ip.parse().unwrap()), "{ip}");
        }
    }
}
