//! Image references as docker and podman write them: `[host[:port]/]path[:tag][@sha256:…]`.
//!
//! A reference without a host is *short*. Images that nook creates locally (import, build)
//! get the host `localhost`, as podman does; short names given on the command line are
//! matched against local images by repository path (see `store::Images::resolve`).

use std::fmt;

use super::digest::Digest;

/// Host given to local images with a short name.
pub const LOCAL_DOMAIN: &str = "localhost";

#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    #[error("invalid reference {0:?}: it is empty")]
    Empty(String),
    #[error(
        "invalid reference {reference:?}: {why}\n  \
         (a reference looks like name, name:tag, host:port/path/name:tag or name@sha256:<digest>; \
         names are lowercase letters, digits and separators . _ -)"
    )]
    Invalid { reference: String, why: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Registry host, with port; `None` for a short name.
    pub domain: Option<String>,
    /// Repository path, e.g. `library/busybox`.
    pub path: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        let invalid = |why: &str| ReferenceError::Invalid {
            reference: s.to_string(),
            why: why.to_string(),
        };
        if s.is_empty() {
            return Err(ReferenceError::Empty(s.to_string()));
        }
        let (rest, digest) = match s.split_once('@') {
            Some((rest, d)) => (
                rest,
                Some(
                    d.parse::<Digest>()
                        .map_err(|_| invalid("the digest after @ is not sha256:<64 hex digits>"))?,
                ),
            ),
            None => (s, None),
        };
        // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_string()),
            ),
            None => (rest, None),
        };
        if let Some(tag) = &tag
            && !valid_tag(tag)
        {
            return Err(invalid(
                "a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'",
            ));
        }
        if name.len() > 255 {
            return Err(invalid("the name is longer than 255 characters"));
        }
        let (domain, path) = match name.split_once('/') {
            Some((first, remainder))
                if first.contains('.') || first.contains(':') || first == LOCAL_DOMAIN =>
            {
                if !valid_domain(first) {
                    return Err(invalid("the registry host is not a valid host[:port]"));
                }
                (Some(first.to_string()), remainder)
            }
            _ => (None, name),
        };
        if path.is_empty() {
            return Err(invalid("the repository name is empty"));
        }
        for component in path.split('/') {
            if !valid_path_component(component) {
                let why = if component.chars().any(|c| c.is_ascii_uppercase()) {
                    "repository names must be lowercase"
                } else {
                    "each part of the repository name is lowercase letters and digits, \
                     joined by '.', '_', '__' or dashes"
                };
                return Err(invalid(why));
            }
        }
        Ok(Self {
            domain,
            path: path.to_string(),
            tag,
            digest,
        })
    }

    /// The same reference with a host (`default_domain` if it had none) and a tag
    /// (`latest` if it had neither tag nor digest).
    pub fn qualified(&self, default_domain: &str) -> Self {
        let mut r = self.clone();
        if r.domain.is_none() {
            r.domain = Some(default_domain.to_string());
        }
        if r.tag.is_none() && r.digest.is_none() {
            r.tag = Some("latest".to_string());
        }
        r
    }

    /// `host/path` without tag or digest.
    pub fn repository(&self) -> String {
        match &self.domain {
            Some(d) => format!("{d}/{}", self.path),
            None => self.path.clone(),
        }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

fn valid_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
        _ => (domain, None),
    };
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    if host.starts_with('[') && host.ends_with(']') {
        return host[1..host.len() - 1]
            .parse::<std::net::Ipv6Addr>()
            .is_ok();
    }
    !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !is_alnum(b[0]) || !is_alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if is_alnum(b[i]) {
            i += 1;
            continue;
        }
        // a separator: '.', '_', '__' or one or more '-', always between alphanumerics
        let start = i;
        match b[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if i < b.len() && b[i] == b'_' {
                    i += 1;
                }
            }
            b'-' => {
                while i < b.len() && b[i] == b'-' {
                    i += 1;
                }
            }
            _ => return false,
        }
        if i == start || i >= b.len() || !is_alnum(b[i]) {
            return false;
        }
    }
    true
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Reference {
        Reference::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn short_and_qualified_names() {
        let r = p("busybox");
        assert_eq!(r.domain, None);
        assert_eq!(r.path, "busybox");
        assert_eq!(
            r.qualified(LOCAL_DOMAIN).to_string(),
            "localhost/busybox:latest"
        );
        let r = p("localhost:5000/ns/app:v1.2");
        assert_eq!(r.domain.as_deref(), Some("localhost:5000"));
        assert_eq!(r.path, "ns/app");
        assert_eq!(r.tag.as_deref(), Some("v1.2"));
        let r = p("registry.example.test/a/b/c");
        assert_eq!(r.domain.as_deref(), Some("registry.example.test"));
        assert_eq!(r.path, "a/b/c");
        let r = p("127.0.0.1:5000/x");
        assert_eq!(r.domain.as_deref(), Some("127.0.0.1:5000"));
        let r = p("[::1]:5000/x:t");
        assert_eq!(r.domain.as_deref(), Some("[::1]:5000"));
        assert_eq!(r.tag.as_deref(), Some("t"));
        // a first component without '.' or ':' is part of the path
        assert_eq!(p("library/busybox").domain, None);
    }

    #[test]
    fn digests() {
        let d = "sha256:".to_string() + &"a".repeat(64);
        let r = p(&format!("busybox@{d}"));
        assert_eq!(r.tag, None);
        assert_eq!(r.digest.unwrap().to_string(), d);
        let r = p(&format!("busybox:1@{d}"));
        assert_eq!(r.tag.as_deref(), Some("1"));
        // a digest-only reference gets no default tag
        assert_eq!(
            p(&format!("x@{d}")).qualified("localhost").tag,
            None::<String>
        );
    }

    #[test]
    fn rejects_bad_references() {
        for bad in [
            "",
            "Busybox",
            "busybox:",
            "busybox:-x",
            "a//b",
            "-a",
            "a-",
            "a..b",
            "a___b",
            "busybox@sha256:abc",
            "busybox@md5:0123",
            "host:port/x",
            "a b",
            ":tag",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = "a".repeat(256);
        assert!(Reference::parse(&long).is_err());
    }

    #[test]
    fn separators() {
        for good in ["a.b", "a_b", "a__b", "a-b", "a---b", "a1/b2/c3"] {
            p(good);
        }
    }
}
