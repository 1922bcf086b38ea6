//! The files that tell a container about its network — `/etc/hosts`, `/etc/resolv.conf` and
//! `/etc/hostname` — written per container into its directory and bound over the image's.

use std::fs;
use std::io::{self, Write};
use std::net::IpAddr;
use std::path::Path;

use super::NetworkConfig;

/// Names that reach the host's loopback from a container (through pasta's gateway mapping).
pub const HOST_NAMES: &str = "host.containers.internal host.docker.internal";

/// What the files are made from.
pub struct NetworkFacts<'a> {
    pub hostname: &'a str,
    /// The container's own name (an extra name for its address).
    pub name: &'a str,
    /// The address its own names resolve to (`None`: written by someone else, the hub of its
    /// user network).
    pub address: Option<IpAddr>,
    /// The address that reaches the host, when there is one.
    pub host_gateway: Option<IpAddr>,
    /// Nameservers to use when the user gave none.
    pub nameservers: Vec<IpAddr>,
    pub config: &'a NetworkConfig,
}

/// The container's `/etc/hosts`, before any network peers are added.
pub fn hosts(f: &NetworkFacts<'_>) -> String {
    let mut out = String::from("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
    if let Some(own) = f.address {
        let names = if f.name.is_empty() || f.name == f.hostname {
            f.hostname.to_string()
        } else {
            format!("{} {}", f.hostname, f.name)
        };
        out.push_str(&format!("{own}\t{names}\n"));
    }
    if let Some(gw) = f.host_gateway {
        out.push_str(&format!("{gw}\t{HOST_NAMES}\n"));
    }
    for e in &f.config.extra_hosts {
        if let Some(ip) = e.ip.or(f.host_gateway) {
            out.push_str(&format!("{ip}\t{}\n", e.name));
        }
    }
    out
}

/// The container's `/etc/resolv.conf`: `--dns` (else the given nameservers), the search
/// domains and options of `--dns-search`/`--dns-option` (else the host's).
pub fn resolv_conf(f: &NetworkFacts<'_>, host_resolv: &str) -> String {
    let mut out = String::new();
    let c = f.config;
    let search: Vec<String> = if c.dns_search.is_empty() {
        host_lines(host_resolv, "search")
    } else {
        c.dns_search.clone()
    };
    if !search.is_empty() && search != ["."] {
        out.push_str(&format!("search {}\n", search.join(" ")));
    }
    let servers = if c.dns.is_empty() {
        &f.nameservers
    } else {
        &c.dns
    };
    for s in servers {
        out.push_str(&format!("nameserver {s}\n"));
    }
    let options = if c.dns_options.is_empty() {
        host_lines(host_resolv, "options")
    } else {
        c.dns_options.clone()
    };
    if !options.is_empty() {
        out.push_str(&format!("options {}\n", options.join(" ")));
    }
    out
}

/// The words of the host resolv.conf's `key` lines.
fn host_lines(text: &str, key: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(key))
        .filter(|rest| rest.starts_with(char::is_whitespace))
        .flat_map(|rest| rest.split_whitespace().map(str::to_string))
        .collect()
}

/// The host's nameservers, loopback ones left out (they mean nothing inside a container).
pub fn host_nameservers(host_resolv: &str) -> Vec<IpAddr> {
    host_lines(host_resolv, "nameserver")
        .iter()
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .filter(|ip| !ip.is_loopback())
        .collect()
}

/// Replace the contents of `path` in place: the file is bound into a running container, so
/// it must stay the same file (a rename would leave the container the old one).
pub fn rewrite(path: &Path, contents: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

/// The first line of a network's lines in a member's /etc/hosts.
const BLOCK: &str = "# network ";

/// Put network `network`'s `lines` in the member's /etc/hosts at `path`, after its own
/// lines (`base`) and beside those of its other networks, whose hubs write theirs the same
/// way: under an exclusive lock of the file, in place.
pub fn set_network_lines(path: &Path, base: &str, network: &str, lines: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    f.lock()?;
    let mut now = String::new();
    io::Read::read_to_string(&mut f, &mut now)?;
    let contents = with_network_lines(&now, base, network, lines);
    io::Seek::rewind(&mut f)?;
    f.set_len(0)?;
    f.write_all(contents.as_bytes())
}

/// `current` (a member's /etc/hosts) with `network`'s lines replaced by `lines`: `base`,
/// then each network's block in name order.
fn with_network_lines(current: &str, base: &str, network: &str, lines: &str) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in current.lines() {
        match line.strip_prefix(BLOCK) {
            Some(name) => blocks.push((name.to_string(), String::new())),
            None => {
                if let Some((_, text)) = blocks.last_mut() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    blocks.retain(|(name, _)| name != network);
    blocks.push((network.to_string(), lines.to_string()));
    blocks.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = base.to_string();
    for (name, text) in blocks {
        out.push_str(&format!("{BLOCK}{name}\n{text}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::HostEntry;

    #[test]
    fn each_network_keeps_its_own_lines_in_a_members_hosts() {
        let base = "127.0.0.1\tlocalhost\n";
        let one = with_network_lines(base, base, "front", "10.1.0.2\tweb\n");
        assert_eq!(
            one,
            "127.0.0.1\tlocalhost\n# network front\n10.1.0.2\tweb\n"
        );
        let two = with_network_lines(&one, base, "back", "10.2.0.2\tweb\n10.2.0.3\tdb\n");
        assert_eq!(
            two,
            "127.0.0.1\tlocalhost\n# network back\n10.2.0.2\tweb\n10.2.0.3\tdb\n\
             # network front\n10.1.0.2\tweb\n"
        );
        // A network's lines are replaced, the others' kept.
        let three = with_network_lines(&two, base, "front", "10.1.0.2\tweb\n10.1.0.4\tproxy\n");
        assert_eq!(
            three,
            "127.0.0.1\tlocalhost\n# network back\n10.2.0.2\tweb\n10.2.0.3\tdb\n\
             # network front\n10.1.0.2\tweb\n10.1.0.4\tproxy\n"
        );
    }

    #[test]
    fn files_as_docker_writes_them() {
        let config = NetworkConfig {
            extra_hosts: vec![
                HostEntry {
                    name: "db".into(),
                    ip: Some("10.1.2.3".parse().unwrap()),
                },
                HostEntry {
                    name: "me".into(),
                    ip: None,
                },
            ],
            ..Default::default()
        };
        let facts = NetworkFacts {
            hostname: "abc123",
            name: "web",
            address: Some("192.0.2.2".parse().unwrap()),
            host_gateway: Some("192.0.2.1".parse().unwrap()),
            nameservers: vec!["169.254.1.1".parse().unwrap()],
            config: &config,
        };
        let h = hosts(&facts);
        assert!(h.contains("192.0.2.2\tabc123 web\n"), "{h}");
        assert!(h.contains("192.0.2.1\thost.containers.internal host.docker.internal\n"));
        assert!(
            h.contains("10.1.2.3\tdb\n") && h.contains("192.0.2.1\tme\n"),
            "{h}"
        );
        let host = "# comment\nnameserver 127.0.0.53\nnameserver 10.0.0.1\nsearch lan example\noptions edns0\n";
        let r = resolv_conf(&facts, host);
        assert_eq!(
            r,
            "search lan example\nnameserver 169.254.1.1\noptions edns0\n"
        );
        assert_eq!(
            host_nameservers(host),
            vec!["10.0.0.1".parse::<IpAddr>().unwrap()]
        );
        let custom = NetworkConfig {
            dns: vec!["9.9.9.9".parse().unwrap()],
            dns_search: vec!["corp".into()],
            dns_options: vec!["ndots:2".into()],
            ..Default::default()
        };
        let r = resolv_conf(
            &NetworkFacts {
                config: &custom,
                ..facts
            },
            host,
        );
        assert_eq!(r, "search corp\nnameserver 9.9.9.9\noptions ndots:2\n");
    }
}
