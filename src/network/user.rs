//! User networks: `networks/<name>.json` in the store, each an IPv4 subnet whose members
//! reach each other by name. The records are all there is while no member runs; a running
//! network is its hub process (see `hub`).

use std::collections::BTreeMap;
use std::fs;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::container::{ContainerError, Containers, names};
use crate::image::store::{Store, StoreError, random_hex, write_atomic};

#[derive(Debug, thiserror::Error)]
pub enum UserNetError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(
        "no such network: {0} (`nook network ls` lists them; `nook network create {0}` makes it)"
    )]
    NotFound(String),
    #[error("a network named {0} exists already")]
    Exists(String),
    #[error(
        "invalid network name {0:?}: use letters, digits and _ . - (starting with a letter or \
         digit), and not pasta, bridge, host, none or default"
    )]
    BadName(String),
    #[error("invalid subnet {0:?}: {1}")]
    BadSubnet(String, String),
    #[error("subnet {0} overlaps {1}")]
    Overlap(String, String),
    #[error("no free subnet left in 10.89.0.0/16; give one with --subnet")]
    Exhausted,
    #[error("network {name} is in use by container(s) {}: remove them first", .containers.join(", "))]
    InUse {
        name: String,
        containers: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub name: String,
    pub id: String,
    /// RFC 3339.
    pub created: String,
    pub subnet: Ipv4Addr,
    pub prefix: u8,
    /// The bridge's address in the network's namespace.
    pub gateway: Ipv4Addr,
    /// Members have no way out (no pasta): only each other.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

impl Network {
    pub fn cidr(&self) -> String {
        format!("{}/{}", self.subnet, self.prefix)
    }

    /// Addresses members may have, lowest first (not the network, gateway or broadcast).
    pub fn hosts(&self) -> impl Iterator<Item = Ipv4Addr> + '_ {
        let base = u32::from(self.subnet);
        let size = 1u32 << (32 - self.prefix);
        (1..size - 1)
            .map(move |i| Ipv4Addr::from(base + i))
            .filter(move |ip| *ip != self.gateway)
    }
}

fn mask(prefix: u8) -> u32 {
    if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    }
}

fn overlaps(a: (Ipv4Addr, u8), b: (Ipv4Addr, u8)) -> bool {
    let p = a.1.min(b.1);
    u32::from(a.0) & mask(p) == u32::from(b.0) & mask(p)
}

/// `A.B.C.D/N`, the network address itself, 8 ≤ N ≤ 30.
fn parse_subnet(s: &str) -> Result<(Ipv4Addr, u8), UserNetError> {
    let bad = |why: &str| UserNetError::BadSubnet(s.to_string(), why.to_string());
    let (ip, prefix) = s.split_once('/').ok_or_else(|| bad("use A.B.C.D/N"))?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| bad("not an IPv4 address"))?;
    let prefix: u8 = prefix
        .parse()
        .map_err(|_| bad("the prefix is not a number"))?;
    if !(8..=30).contains(&prefix) {
        return Err(bad("the prefix must be between 8 and 30"));
    }
    if u32::from(ip) & !mask(prefix) != 0 {
        return Err(bad(&format!(
            "that is not a network address; did you mean {}/{prefix}?",
            Ipv4Addr::from(u32::from(ip) & mask(prefix))
        )));
    }
    Ok((ip, prefix))
}

const RESERVED: &[&str] = &["pasta", "bridge", "host", "none", "default"];

pub struct Networks<'a> {
    store: &'a Store,
}

impl<'a> Networks<'a> {
    pub fn new(store: &'a Store) -> Self {
        Self { store }
    }

    fn dir(&self) -> PathBuf {
        self.store.root().join("networks")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir().join(format!("{name}.json"))
    }

    pub fn get(&self, name: &str) -> Result<Network, UserNetError> {
        let bytes =
            fs::read(self.path(name)).map_err(|_| UserNetError::NotFound(name.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|_| UserNetError::NotFound(name.to_string()))
    }

    pub fn list(&self) -> Vec<Network> {
        let mut out: Vec<Network> = fs::read_dir(self.dir())
            .map(|d| {
                d.flatten()
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().into_owned();
                        self.get(name.strip_suffix(".json")?).ok()
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Make network `name`, on `subnet` or the first free /24 of 10.89.0.0/16 that neither
    /// another network nor a route of the host's uses.
    pub fn create(
        &self,
        name: &str,
        subnet: Option<&str>,
        internal: bool,
        labels: BTreeMap<String, String>,
    ) -> Result<Network, UserNetError> {
        if !names::valid(name) || RESERVED.contains(&name) {
            return Err(UserNetError::BadName(name.to_string()));
        }
        let _lock = self.store.lock("networks")?;
        if self.get(name).is_ok() {
            return Err(UserNetError::Exists(name.to_string()));
        }
        let taken: Vec<((Ipv4Addr, u8), String)> = self
            .list()
            .into_iter()
            .map(|n| ((n.subnet, n.prefix), format!("network {}", n.name)))
            .chain(
                super::host::routed_networks()
                    .into_iter()
                    .map(|r| (r, format!("the host's route to {}/{}", r.0, r.1))),
            )
            .collect();
        let (subnet, prefix) = match subnet {
            Some(s) => {
                let wanted = parse_subnet(s)?;
                if let Some((_, what)) = taken.iter().find(|(t, _)| overlaps(*t, wanted)) {
                    return Err(UserNetError::Overlap(s.to_string(), what.clone()));
                }
                wanted
            }
            None => (0..=255u8)
                .map(|n| (Ipv4Addr::new(10, 89, n, 0), 24))
                .find(|c| !taken.iter().any(|(t, _)| overlaps(*t, *c)))
                .ok_or(UserNetError::Exhausted)?,
        };
        let network = Network {
            name: name.to_string(),
            id: random_hex(32),
            created: crate::container::now_rfc3339(),
            subnet,
            prefix,
            gateway: Ipv4Addr::from(u32::from(subnet) + 1),
            internal,
            labels,
        };
        fs::create_dir_all(self.dir())
            .map_err(|e| StoreError::io("cannot create", &self.dir(), e))?;
        write_atomic(
            &self.path(name),
            &serde_json::to_vec_pretty(&network).expect("serializes"),
        )?;
        let attrs = [("name", name), ("type", "bridge")];
        crate::events::emit(self.store, "network", "create", &network.id, &attrs);
        Ok(network)
    }

    /// Names of the containers on network `name`.
    pub fn users(&self, name: &str) -> Result<Vec<String>, UserNetError> {
        Ok(Containers::new(self.store)
            .list()?
            .into_iter()
            .filter(|c| c.network.user_networks().contains(&name))
            .map(|c| c.name)
            .collect())
    }

    /// Remove network `name`, which no container may be on.
    pub fn remove(&self, name: &str) -> Result<(), UserNetError> {
        let _lock = self.store.lock("networks")?;
        let network = self.get(name)?;
        let users = self.users(name)?;
        if !users.is_empty() {
            return Err(UserNetError::InUse {
                name: name.to_string(),
                containers: users,
            });
        }
        fs::remove_file(self.path(name))
            .map_err(|e| StoreError::io("cannot remove", &self.path(name), e))?;
        let attrs = [("name", name), ("type", "bridge")];
        crate::events::emit(self.store, "network", "destroy", &network.id, &attrs);
        Ok(())
    }

    /// Remove every network no container is on; returns their names.
    pub fn prune(&self) -> Result<Vec<String>, UserNetError> {
        let mut removed = Vec::new();
        for n in self.list() {
            if self.users(&n.name)?.is_empty() {
                self.remove(&n.name)?;
                removed.push(n.name);
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets() {
        assert_eq!(
            parse_subnet("10.1.0.0/16").unwrap(),
            (Ipv4Addr::new(10, 1, 0, 0), 16)
        );
        for bad in [
            "10.1.0.1/16",
            "10.1.0.0",
            "10.1.0.0/31",
            "10.1.0.0/4",
            "x/24",
            "10.1.0.0/x",
        ] {
            assert!(parse_subnet(bad).is_err(), "{bad}");
        }
        assert!(overlaps(
            (Ipv4Addr::new(10, 0, 0, 0), 8),
            (Ipv4Addr::new(10, 89, 3, 0), 24)
        ));
        assert!(!overlaps(
            (Ipv4Addr::new(10, 89, 2, 0), 24),
            (Ipv4Addr::new(10, 89, 3, 0), 24)
        ));
        let n = Network {
            name: "n".into(),
            id: String::new(),
            created: String::new(),
            subnet: Ipv4Addr::new(10, 89, 0, 0),
            prefix: 30,
            gateway: Ipv4Addr::new(10, 89, 0, 1),
            internal: false,
            labels: BTreeMap::new(),
        };
        assert_eq!(
            n.hosts().collect::<Vec<_>>(),
            vec![Ipv4Addr::new(10, 89, 0, 2)]
        );
    }
}
