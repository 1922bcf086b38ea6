//! Container networking without root.
//!
//! - `pasta` (the default): the container has its own network namespace, connected to the
//!   outside by a `pasta` process the monitor starts (user-mode TCP/UDP translation, no
//!   privileges). Published ports are bound by pasta on the host. The gateway address reaches
//!   the host's loopback (`host.containers.internal`).
//! - `none`: only `lo`. `host`: the host's network. `container:NAME`: another container's.
//! - a user network (`nook network create`): as `pasta`, plus a second interface on a bridge
//!   that the network's hub process keeps in a namespace of its own; members reach each other
//!   by name and alias through `/etc/hosts` entries the hub keeps current (see [`hub`]).

pub mod dns;
pub mod files;
pub mod forward;
pub mod host;
pub mod hub;
pub mod netlink;
pub mod pasta;
pub mod ports;
pub mod user;

use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use ports::{PortBinding, PortSpec, Proto};

#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("invalid {flag} {value:?}: {why}")]
    BadFlag {
        flag: &'static str,
        value: String,
        why: String,
    },
    #[error(
        "cannot publish port {port}: ports below {limit} need privileges on this machine \
         (net.ipv4.ip_unprivileged_port_start = {limit}).\n  Fix: publish on a higher host \
         port (e.g. -p {suggest}:{container}), or allow it: sudo sysctl \
         net.ipv4.ip_unprivileged_port_start={port}"
    )]
    PrivilegedPort {
        port: u16,
        limit: u16,
        suggest: u32,
        container: u16,
    },
    #[error(
        "cannot publish {proto} port {port}: it is already in use on the host (by another \
         container or program).\n  Fix: choose another host port (-p OTHER:{container})"
    )]
    PortInUse {
        port: u16,
        container: u16,
        proto: Proto,
    },
    #[error("cannot find a free host port: {0}")]
    NoFreePort(std::io::Error),
    #[error("{0}")]
    Conflict(String),
}

/// Which network a container is on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum NetworkMode {
    /// Its own namespace, connected by pasta.
    Pasta,
    /// Its own namespace with only `lo`.
    #[default]
    None,
    /// The host's namespace.
    Host,
    /// Another container's namespace.
    Container { name: String },
    /// A user network (and pasta for the outside).
    User { name: String },
}

impl NetworkMode {
    /// docker's name for the mode, for `inspect`.
    pub fn name(&self) -> String {
        match self {
            NetworkMode::Pasta => "pasta".to_string(),
            NetworkMode::None => "none".to_string(),
            NetworkMode::Host => "host".to_string(),
            NetworkMode::Container { name } => format!("container:{name}"),
            NetworkMode::User { name } => name.clone(),
        }
    }

    /// Does the container get a pasta of its own?
    pub fn uses_pasta(&self) -> bool {
        matches!(self, NetworkMode::Pasta | NetworkMode::User { .. })
    }

    /// Does it have a network namespace of its own?
    pub fn own_namespace(&self) -> bool {
        !matches!(self, NetworkMode::Host | NetworkMode::Container { .. })
    }
}

impl FromStr for NetworkMode {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, NetworkError> {
        Ok(match s {
            // docker's name for its default network
            "pasta" | "bridge" | "default" => NetworkMode::Pasta,
            "none" => NetworkMode::None,
            "host" => NetworkMode::Host,
            _ => match s.strip_prefix("container:") {
                Some("") => {
                    return Err(NetworkError::BadFlag {
                        flag: "--network",
                        value: s.to_string(),
                        why: "name the container: container:NAME".to_string(),
                    });
                }
                Some(name) => NetworkMode::Container {
                    name: name.to_string(),
                },
                None if crate::container::names::valid(s) => NetworkMode::User {
                    name: s.to_string(),
                },
                None => {
                    return Err(NetworkError::BadFlag {
                        flag: "--network",
                        value: s.to_string(),
                        why: "use pasta, none, host, container:NAME or a network's name"
                            .to_string(),
                    });
                }
            },
        })
    }
}

/// `--add-host NAME:IP`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostEntry {
    pub name: String,
    /// `None`: the host itself (docker's `host-gateway`).
    pub ip: Option<IpAddr>,
}

impl FromStr for HostEntry {
    type Err = NetworkError;
    fn from_str(s: &str) -> Result<Self, NetworkError> {
        let bad = |why: &str| NetworkError::BadFlag {
            flag: "--add-host",
            value: s.to_string(),
            why: why.to_string(),
        };
        // NAME:IP, where an IPv6 address has colons of its own (and may be in brackets)
        let (name, ip) = s.split_once(':').ok_or_else(|| bad("use NAME:IP"))?;
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(bad("the name is empty or has spaces"));
        }
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        let ip = match ip {
            "host-gateway" => None,
            _ => Some(
                ip.parse()
                    .map_err(|_| bad("not an IP address (or host-gateway)"))?,
            ),
        };
        Ok(HostEntry {
            name: name.to_string(),
            ip,
        })
    }
}

/// How a container is networked: fixed when it is created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkConfig {
    pub mode: NetworkMode,
    #[serde(default)]
    pub ports: Vec<PortSpec>,
    /// `-P`: the image's exposed ports, on free host ports.
    #[serde(default)]
    pub publish_all: bool,
    /// The image's EXPOSE ports, for `-P`.
    #[serde(default)]
    pub exposed: Vec<(u16, Proto)>,
    #[serde(default)]
    pub dns: Vec<IpAddr>,
    #[serde(default)]
    pub dns_search: Vec<String>,
    #[serde(default)]
    pub dns_options: Vec<String>,
    #[serde(default)]
    pub extra_hosts: Vec<HostEntry>,
    /// Other names on a user network.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The host's loopback is reached through the gateway (host.containers.internal).
    #[serde(default)]
    pub host_loopback: bool,
    /// Further user networks the container is on (`--network a --network b`), after the one
    /// `mode` names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
}

impl NetworkConfig {
    /// The user networks the container is on, the one `mode` names first.
    pub fn user_networks(&self) -> Vec<&str> {
        match &self.mode {
            NetworkMode::User { name } => std::iter::once(name.as_str())
                .chain(self.also.iter().map(String::as_str))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_hosts() {
        assert_eq!("pasta".parse::<NetworkMode>().unwrap(), NetworkMode::Pasta);
        assert_eq!("bridge".parse::<NetworkMode>().unwrap(), NetworkMode::Pasta);
        assert_eq!(
            "container:web".parse::<NetworkMode>().unwrap(),
            NetworkMode::Container { name: "web".into() }
        );
        assert_eq!(
            "backend".parse::<NetworkMode>().unwrap(),
            NetworkMode::User {
                name: "backend".into()
            }
        );
        assert!("container:".parse::<NetworkMode>().is_err());
        assert!("bad name".parse::<NetworkMode>().is_err());
        let h: HostEntry = "db:10.0.0.5".parse().unwrap();
        assert_eq!(h.ip, Some("10.0.0.5".parse().unwrap()));
        let h: HostEntry = "v6:[fd00::1]".parse().unwrap();
        assert_eq!(h.ip, Some("fd00::1".parse().unwrap()));
        assert_eq!("gw:host-gateway".parse::<HostEntry>().unwrap().ip, None);
        assert!("nocolon".parse::<HostEntry>().is_err());
        assert!("x:notanip".parse::<HostEntry>().is_err());
    }
}
