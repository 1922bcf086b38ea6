//! A client for the OCI distribution API: manifests, blobs, uploads; bearer-token and basic
//! authentication; retries with backoff on server errors, resets and stalls.
//!
//! Uses reqwest's blocking client (with rustls and the system's CA store); callers run
//! parallel transfers on threads. Namespace work never happens in this process (see
//! `runtime::jobs`), so threads are harmless here.

pub mod auth;

use std::collections::HashMap;
use std::io::Read;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RANGE};

use crate::config::RegistriesConfig;
use crate::image::digest::Digest;
use auth::{Challenge, Credentials};

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "cannot reach registry {registry}: {why}\n  \
         Check the name and that it is running; a registry without TLS must be listed under \
         insecure in [registries] of ~/.config/nook/config.toml"
    )]
    Unreachable { registry: String, why: String },
    #[error(
        "registry {registry} wants credentials for {repo}: log in with `nook login {registry}`"
    )]
    AuthRequired { registry: String, repo: String },
    #[error(
        "registry {registry} refused the credentials of {user} for {repo}: check them with \
         `nook login {registry}`"
    )]
    BadCredentials {
        registry: String,
        repo: String,
        user: String,
    },
    #[error("registry {registry} denies access to {repo} (403): your account may lack permission")]
    Denied { registry: String, repo: String },
    #[error("{what} not found on {registry}")]
    NotFound { registry: String, what: String },
    #[error("registry {registry} answered {status} to {what}{}", .detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Status {
        registry: String,
        what: String,
        status: StatusCode,
        detail: Option<String>,
    },
    #[error("registry {registry} sent an invalid answer to {what}: {why}")]
    Invalid {
        registry: String,
        what: String,
        why: String,
    },
}

/// Manifest media types nook reads, in order of preference.
pub const MANIFEST_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// How long a transfer may receive nothing before it counts as stalled (and is retried).
const DEFAULT_STALL: Duration = Duration::from_secs(30);
/// Attempts per request, with exponential backoff between them.
const ATTEMPTS: u32 = 5;

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(150 << attempt.min(6))
}

/// Is `host` (host[:port]) on this machine? docker lets such registries use plain HTTP.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// One registry (or a mirror standing in for it).
pub struct Registry {
    /// host[:port] as references name it (credentials are looked up by it).
    pub host: String,
    /// Where requests go: `scheme://endpoint`.
    base: String,
    http: Client,
    creds: Option<Credentials>,
    /// Bearer tokens by scope, and whether the registry asked for basic auth.
    tokens: Mutex<HashMap<String, String>>,
    basic: Mutex<bool>,
}

impl Registry {
    /// Connect to `endpoint` (a registry or its mirror) serving `host`'s images, with the
    /// credentials stored for `host`.
    pub fn connect(
        host: &str,
        endpoint: &str,
        settings: &RegistriesConfig,
    ) -> Result<Self, RegistryError> {
        Self::connect_as(host, endpoint, settings, auth::lookup(host))
    }

    /// As [`Self::connect`], with these credentials.
    pub fn connect_as(
        host: &str,
        endpoint: &str,
        settings: &RegistriesConfig,
        creds: Option<Credentials>,
    ) -> Result<Self, RegistryError> {
        // Docker Hub's registry API is not at its name's host, as with docker.
        let endpoint = match endpoint {
            crate::config::DOCKER_HUB => "registry-1.docker.io",
            other => other,
        };
        let stall = settings
            .stall_timeout
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_STALL);
        let loopback = is_loopback(endpoint);
        let insecure = loopback || settings.insecure.iter().any(|r| r == endpoint);
        let build = |accept_invalid: bool| {
            Client::builder()
                .user_agent(concat!("nook/", env!("CARGO_PKG_VERSION")))
                .timeout(stall)
                .connect_timeout(Duration::from_secs(15))
                .danger_accept_invalid_certs(accept_invalid)
                .build()
                .map_err(|e| RegistryError::Unreachable {
                    registry: endpoint.to_string(),
                    why: e.to_string(),
                })
        };
        // Loopback registries are nearly always plain HTTP (an HTTPS one answers plain HTTP
        // with an error at once); other insecure ones often have self-signed certificates.
        let mut candidates = vec![("https", build(insecure)?)];
        if insecure {
            candidates.push(("http", build(false)?));
        }
        if loopback {
            candidates.reverse();
        }
        let mut last = String::new();
        for (scheme, http) in candidates {
            let base = format!("{scheme}://{endpoint}");
            // Any HTTP answer to /v2/ (200, or 401 asking for auth) means an API is there.
            match http
                .get(format!("{base}/v2/"))
                .timeout(Duration::from_secs(5))
                .send()
            {
                Ok(r) if r.status().is_success() || r.status() == StatusCode::UNAUTHORIZED => {
                    return Ok(Self {
                        host: host.to_string(),
                        base,
                        http,
                        creds,
                        tokens: Mutex::new(HashMap::new()),
                        basic: Mutex::new(false),
                    });
                }
                Ok(r) => last = format!("{base}/v2/ answered {}", r.status()),
                Err(e) => last = error_chain(&e),
            }
        }
        Err(RegistryError::Unreachable {
            registry: endpoint.to_string(),
            why: last,
        })
    }

    pub fn credentials(&self) -> Option<&Credentials> {
        self.creds.as_ref()
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }

    /// Send a request built by `build`, authenticating as the registry asks and retrying
    /// server errors, resets and timeouts. `scope` is the token scope (`repository:R:pull`).
    fn send(
        &self,
        what: &str,
        repo: &str,
        scope: &str,
        build: &dyn Fn(&Client) -> RequestBuilder,
    ) -> Result<Response, RegistryError> {
        let mut authenticated = false;
        let mut attempt = 0;
        loop {
            let mut req = build(&self.http);
            if let Some(token) = self.tokens.lock().expect("token cache").get(scope) {
                req = req.header(AUTHORIZATION, format!("Bearer {token}"));
            } else if *self.basic.lock().expect("auth mode")
                && let Some(c) = &self.creds
            {
                req = req.header(AUTHORIZATION, c.basic_header());
            }
            let result = req.send();
            let retry = match &result {
                Ok(r) if r.status() == StatusCode::UNAUTHORIZED && !authenticated => {
                    authenticated = true;
                    let challenge = r
                        .headers()
                        .get("www-authenticate")
                        .and_then(|h| h.to_str().ok())
                        .and_then(auth::parse_challenge);
                    match challenge {
                        Some(c) => {
                            self.authenticate(c, repo, scope)?;
                            continue;
                        }
                        None => false,
                    }
                }
                Ok(r) => matches!(r.status().as_u16(), 429 | 500 | 502 | 503 | 504),
                Err(e) => e.is_timeout() || e.is_connect() || e.is_request() || e.is_body(),
            };
            attempt += 1;
            if retry && attempt < ATTEMPTS {
                std::thread::sleep(backoff(attempt));
                continue;
            }
            return match result {
                Ok(r) => self.check(r, what, repo),
                Err(e) => Err(RegistryError::Unreachable {
                    registry: self.host.clone(),
                    why: error_chain(&e),
                }),
            };
        }
    }

    /// Turn error statuses into errors that say what to do.
    fn check(&self, r: Response, what: &str, repo: &str) -> Result<Response, RegistryError> {
        let status = r.status();
        if status.is_success() || status.is_redirection() {
            return Ok(r);
        }
        let registry = self.host.clone();
        let repo = repo.to_string();
        Err(match status {
            StatusCode::UNAUTHORIZED => match &self.creds {
                Some(c) => RegistryError::BadCredentials {
                    registry,
                    repo,
                    user: c.username.clone(),
                },
                None => RegistryError::AuthRequired { registry, repo },
            },
            StatusCode::FORBIDDEN => RegistryError::Denied { registry, repo },
            StatusCode::NOT_FOUND => RegistryError::NotFound {
                registry,
                what: what.to_string(),
            },
            _ => RegistryError::Status {
                registry,
                what: what.to_string(),
                status,
                detail: error_detail(r),
            },
        })
    }

    fn authenticate(
        &self,
        challenge: Challenge,
        repo: &str,
        scope: &str,
    ) -> Result<(), RegistryError> {
        match challenge {
            Challenge::Basic => {
                if self.creds.is_none() {
                    return Err(RegistryError::AuthRequired {
                        registry: self.host.clone(),
                        repo: repo.to_string(),
                    });
                }
                *self.basic.lock().expect("auth mode") = true;
                Ok(())
            }
            Challenge::Bearer { realm, service, .. } => {
                let mut req = self.http.get(&realm).query(&[("scope", scope)]);
                if let Some(s) = &service {
                    req = req.query(&[("service", s)]);
                }
                if let Some(c) = &self.creds {
                    req = req.header(AUTHORIZATION, c.basic_header());
                }
                let r = req.send().map_err(|e| RegistryError::Unreachable {
                    registry: realm.clone(),
                    why: error_chain(&e),
                })?;
                let r = self.check(r, "an access token", repo)?;
                #[derive(serde::Deserialize)]
                struct Token {
                    token: Option<String>,
                    access_token: Option<String>,
                }
                let mut body = Vec::new();
                r.take(1 << 20)
                    .read_to_end(&mut body)
                    .map_err(|e| self.invalid("the token request", e))?;
                let t: Token = serde_json::from_slice(&body)
                    .map_err(|e| self.invalid("the token request", e))?;
                let token = t
                    .token
                    .or(t.access_token)
                    .ok_or_else(|| self.invalid("the token request", "no token in the answer"))?;
                self.tokens
                    .lock()
                    .expect("token cache")
                    .insert(scope.to_string(), token);
                Ok(())
            }
        }
    }

    fn invalid(&self, what: &str, why: impl ToString) -> RegistryError {
        RegistryError::Invalid {
            registry: self.host.clone(),
            what: what.to_string(),
            why: why.to_string(),
        }
    }

    /// Check that the stored credentials (if any) are accepted for `/v2/`.
    pub fn check_login(&self) -> Result<(), RegistryError> {
        self.send("the API root", "", "registry:catalog:*", &|c| {
            c.get(self.url("/v2/"))
        })
        .map(drop)
    }

    /// Fetch a manifest (or index) by tag or digest: its bytes, media type and digest.
    pub fn manifest(
        &self,
        repo: &str,
        reference: &str,
    ) -> Result<(Vec<u8>, String, Digest), RegistryError> {
        let what = format!("manifest {repo}:{reference}");
        let scope = format!("repository:{repo}:pull");
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let r = self.send(&what, repo, &scope, &|c| {
            c.get(&url).header(ACCEPT, MANIFEST_TYPES.join(", "))
        })?;
        let media = r
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").trim().to_string())
            .unwrap_or_default();
        let mut bytes = Vec::new();
        r.take(16 << 20)
            .read_to_end(&mut bytes)
            .map_err(|e| self.invalid(&what, e))?;
        let digest = Digest::of(&bytes);
        if let Ok(want) = reference.parse::<Digest>()
            && want != digest
        {
            return Err(self.invalid(&what, format!("its content has digest {digest}")));
        }
        Ok((bytes, media, digest))
    }

    /// Start downloading a blob, from byte `from` on. Returns the response and whether it
    /// starts at `from` (206) rather than at 0 (a registry that ignores ranges).
    pub fn blob(
        &self,
        repo: &str,
        digest: &Digest,
        from: u64,
    ) -> Result<(Response, bool), RegistryError> {
        let what = format!("blob {digest} in {repo}");
        let scope = format!("repository:{repo}:pull");
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        let r = self.send(&what, repo, &scope, &|c| {
            let req = c.get(&url);
            if from > 0 {
                req.header(RANGE, format!("bytes={from}-"))
            } else {
                req
            }
        })?;
        let partial = r.status() == StatusCode::PARTIAL_CONTENT;
        Ok((r, partial))
    }

    /// Does the repository have this blob already?
    pub fn blob_exists(&self, repo: &str, digest: &Digest) -> Result<bool, RegistryError> {
        let url = self.url(&format!("/v2/{repo}/blobs/{digest}"));
        match self.send(&format!("blob {digest}"), repo, &push_scope(repo), &|c| {
            c.head(&url)
        }) {
            Ok(_) => Ok(true),
            Err(RegistryError::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Ask the registry to link a blob it holds in `from` into `repo` (cross-repository mount).
    pub fn mount_blob(
        &self,
        repo: &str,
        digest: &Digest,
        from: &str,
    ) -> Result<bool, RegistryError> {
        let url = self.url(&format!(
            "/v2/{repo}/blobs/uploads/?mount={digest}&from={from}"
        ));
        let scope = format!("{},repository:{from}:pull", push_scope(repo));
        let r = self.send("a blob mount", repo, &scope, &|c| {
            c.post(&url).header(CONTENT_LENGTH, 0)
        })?;
        // 201: mounted. 202: the registry started an ordinary upload instead (abandoned).
        Ok(r.status() == StatusCode::CREATED)
    }

    /// Upload a blob of `size` bytes; `open(offset)` reads it from `offset` on. With `chunk`,
    /// blobs larger than it go in chunks of that size (for registries or proxies that limit
    /// request bodies), else in one request.
    pub fn upload_blob(
        &self,
        repo: &str,
        digest: &Digest,
        size: u64,
        chunk: Option<u64>,
        open: &dyn Fn(u64) -> std::io::Result<Box<dyn Read + Send>>,
    ) -> Result<(), RegistryError> {
        let what = format!("the upload of {digest}");
        let scope = push_scope(repo);
        let start = self.url(&format!("/v2/{repo}/blobs/uploads/"));
        let r = self.send(&what, repo, &scope, &|c| {
            c.post(&start).header(CONTENT_LENGTH, 0)
        })?;
        let mut location = self.location(&r, &what)?;
        // A blob that cannot be read fails the request (and is not retried for long).
        let reader = |offset: u64, len: u64| {
            let r = open(offset).unwrap_or_else(|e| Box::new(FailingReader(Some(e))));
            reqwest::blocking::Body::sized(r.take(len), len)
        };
        let chunk = chunk.filter(|c| *c > 0 && size > *c);
        if let Some(chunk) = chunk {
            let mut offset = 0;
            while offset < size {
                let len = chunk.min(size - offset);
                let url = self.url(&location);
                let sent = self.send(&what, repo, &scope, &|c| {
                    c.patch(&url)
                        .header(CONTENT_TYPE, "application/octet-stream")
                        .header("Content-Range", format!("{offset}-{}", offset + len - 1))
                        .timeout(Duration::from_secs(3600))
                        .body(reader(offset, len))
                });
                let r = match sent {
                    Ok(r) => r,
                    // Part of a failed chunk arrived: ask where the upload stands.
                    Err(RegistryError::Status { status, .. })
                        if status == StatusCode::RANGE_NOT_SATISFIABLE =>
                    {
                        self.send(&what, repo, &scope, &|c| c.get(&url))?
                    }
                    Err(e) => return Err(e),
                };
                offset = match received(&r) {
                    Some(end) => end + 1,
                    None => offset + len,
                };
                location = self.location(&r, &what)?;
            }
            let sep = if location.contains('?') { '&' } else { '?' };
            let put = self.url(&format!("{location}{sep}digest={digest}"));
            self.send(&what, repo, &scope, &|c| {
                c.put(&put).header(CONTENT_LENGTH, 0)
            })?;
            return Ok(());
        }
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = self.url(&format!("{location}{sep}digest={digest}"));
        self.send(&what, repo, &scope, &|c| {
            c.put(&put)
                .header(CONTENT_TYPE, "application/octet-stream")
                // Large layers take longer than the stall timeout to send.
                .timeout(Duration::from_secs(3600))
                .body(reader(0, size))
        })?;
        Ok(())
    }

    fn location(&self, r: &Response, what: &str) -> Result<String, RegistryError> {
        r.headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or_else(|| self.invalid(what, "no upload location"))
    }

    /// Store a manifest under `reference` (a tag or its digest); returns its digest.
    pub fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        bytes: &[u8],
        media: &str,
    ) -> Result<Digest, RegistryError> {
        let url = self.url(&format!("/v2/{repo}/manifests/{reference}"));
        let body = bytes.to_vec();
        self.send(
            &format!("manifest {repo}:{reference}"),
            repo,
            &push_scope(repo),
            &|c| c.put(&url).header(CONTENT_TYPE, media).body(body.clone()),
        )?;
        Ok(Digest::of(bytes))
    }
}

/// The last byte an upload session holds, from its `Range: 0-N` header.
fn received(r: &Response) -> Option<u64> {
    let range = r.headers().get(RANGE)?.to_str().ok()?;
    range.rsplit('-').next()?.trim().parse().ok()
}

/// A reader that fails with the error it holds.
struct FailingReader(Option<std::io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| std::io::Error::other("unreadable blob")))
    }
}

fn push_scope(repo: &str) -> String {
    format!("repository:{repo}:pull,push")
}

/// reqwest's error and its causes, as one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The message of a registry's JSON error body (`{"errors":[{"code":..,"message":..}]}`).
fn error_detail(r: Response) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<ErrorItem>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorItem {
        code: Option<String>,
        message: Option<String>,
    }
    let mut body = Vec::new();
    r.take(64 << 10).read_to_end(&mut body).ok()?;
    let parsed: Errors = serde_json::from_slice(&body).ok()?;
    let items: Vec<String> = parsed
        .errors
        .into_iter()
        .map(|e| match (e.code, e.message) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (c, m) => c.or(m).unwrap_or_default(),
        })
        .collect();
    (!items.is_empty()).then(|| items.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["registry.test", "10.0.0.1:5000", "localhost.test:5000"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
