//! The project in docker compose's canonical form, as `config` prints it: each short
//! syntax written long (ports, volumes, depends_on, networks), lists of `KEY=value` as
//! mappings, command lines as lists, `env_file`s read into `environment`, relative host
//! paths made absolute, and every network and volume under the name it has in nook.

use std::collections::BTreeMap;

use super::model::{
    Dependency, DependsOn, Document, LongMount, LongPort, Mount, Pairs, Port, Scalar, Service,
    ServiceNetworks, Words,
};
use super::{ComposeError, Project};

/// The project's document, canonical.
pub fn document(p: &Project) -> Result<Document, ComposeError> {
    let mut doc = p.doc.clone();
    doc.name = Some(p.name.clone());
    let uses_default = doc.services.values().any(|s| {
        s.network_mode.is_none()
            && s.networks
                .as_ref()
                .is_none_or(|n| n.entries().iter().any(|(k, _)| k == "default"))
    });
    if uses_default {
        doc.networks.entry("default".into()).or_insert(None);
    }
    for (key, def) in doc.networks.iter_mut().chain(doc.volumes.iter_mut()) {
        let mut d = def.clone().unwrap_or_default();
        d.name = Some(p.scoped(key, def.as_ref()));
        *def = Some(d);
    }
    for (name, s) in doc.services.iter_mut() {
        service(p, name, s)?;
    }
    for object in doc.configs.values_mut().chain(doc.secrets.values_mut()) {
        if let Some(file) = &object.file {
            object.file = Some(p.host_path(file).display().to_string());
        }
    }
    Ok(doc)
}

fn service(p: &Project, name: &str, s: &mut Service) -> Result<(), ComposeError> {
    for words in [&mut s.command, &mut s.entrypoint, &mut s.dns, &mut s.tmpfs]
        .into_iter()
        .flatten()
    {
        *words = Words::List(words.to_vec());
    }
    // The env files first, the environment over them.
    let mut env = BTreeMap::new();
    if let Some(files) = s.env_file.take() {
        for f in files.to_vec() {
            for (k, v) in super::read_env_file(&p.host_path(&f))? {
                env.insert(k, Some(Scalar::Text(v)));
            }
        }
    }
    for item in s.environment.items() {
        let (k, v) = match item.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            // Taken from the environment, as `run` takes it.
            None => (item.clone(), std::env::var(&item).ok()),
        };
        env.insert(k, v.map(Scalar::Text));
    }
    s.environment = mapping(env);
    for pairs in [&mut s.labels, &mut s.sysctls] {
        let items = pairs.items();
        *pairs = mapping(
            items
                .iter()
                .map(|i| match i.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(Scalar::Text(v.to_string()))),
                    None => (i.clone(), Some(Scalar::Text(String::new()))),
                })
                .collect(),
        );
    }
    s.ports = s
        .ports
        .iter()
        .map(|port| long_ports(name, port))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    s.volumes = s.volumes.iter().map(|m| long_mount(p, m)).collect();
    if let Some(deps) = &s.depends_on {
        s.depends_on = Some(DependsOn::Map(
            deps.all()
                .into_iter()
                .map(|(d, condition)| {
                    let dep = Dependency {
                        condition,
                        restart: None,
                        required: Some(true),
                    };
                    (d, dep)
                })
                .collect(),
        ));
    }
    if s.network_mode.is_none() {
        let entries = s
            .networks
            .as_ref()
            .map(ServiceNetworks::entries)
            .unwrap_or_else(|| vec![("default".into(), Vec::new())]);
        s.networks = Some(ServiceNetworks::Map(
            entries
                .into_iter()
                .map(|(n, aliases)| {
                    let options =
                        (!aliases.is_empty()).then_some(super::model::ServiceNetwork { aliases });
                    (n, options)
                })
                .collect(),
        ));
    }
    Ok(())
}

fn mapping(m: BTreeMap<String, Option<Scalar>>) -> Pairs {
    match m.is_empty() {
        true => Pairs::None,
        false => Pairs::Map(m),
    }
}

/// A port in the long syntax: `[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL]`, ranges one entry
/// per port, as docker compose writes them.
fn long_ports(service: &str, port: &Port) -> Result<Vec<Port>, ComposeError> {
    let Port::Short(short) = port else {
        return Ok(vec![port.clone()]);
    };
    let text = short.to_string();
    let bad = || {
        ComposeError::Project(format!(
            "service {service:?}: invalid port {text:?}: use [HOST_IP:][PUBLISHED:]TARGET[/tcp|udp]"
        ))
    };
    let (spec, protocol) = text.rsplit_once('/').unwrap_or((&text, "tcp"));
    let (rest, target) = spec.rsplit_once(':').unwrap_or(("", spec));
    let (host_ip, published) = match rest.rsplit_once(':') {
        Some((ip, published)) => (Some(ip.trim_matches(['[', ']']).to_string()), published),
        None => (None, rest),
    };
    let range = |r: &str| -> Result<Vec<u32>, ComposeError> {
        let (a, b) = r.split_once('-').unwrap_or((r, r));
        let (a, b): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
        match a <= b && b <= 65535 {
            true => Ok((a..=b).collect()),
            false => Err(bad()),
        }
    };
    let targets = range(target)?;
    let published: Vec<Option<String>> = match published {
        "" => vec![None; targets.len()],
        p => {
            let ports = range(p)?;
            match ports.len() {
                n if n == targets.len() => ports.iter().map(|p| Some(p.to_string())).collect(),
                // One range of host ports for one container port: any one of them.
                _ if targets.len() == 1 => vec![Some(p.to_string())],
                _ => return Err(bad()),
            }
        }
    };
    Ok(targets
        .into_iter()
        .zip(published)
        .map(|(target, published)| {
            Port::Long(LongPort {
                target: Scalar::Int(target.into()),
                published: published.map(Scalar::Text),
                host_ip: host_ip.clone().filter(|ip| !ip.is_empty()),
                protocol: Some(protocol.to_string()),
                mode: Some("ingress".into()),
                name: None,
            })
        })
        .collect())
}

/// A volume in the long syntax, a relative host path made absolute. A short one with
/// options other than `ro`/`rw` stays as written.
fn long_mount(p: &Project, m: &Mount) -> Mount {
    let Mount::Short(spec) = m else {
        return m.clone();
    };
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, options) = match parts.as_slice() {
        [target] => (None, *target, ""),
        [source, target] => (Some(*source), *target, ""),
        [source, target, options] => (Some(*source), *target, *options),
        _ => return m.clone(),
    };
    let read_only = match options {
        "" | "rw" => false,
        "ro" => true,
        _ => return m.clone(),
    };
    let named = super::driver::named_volume(m);
    let (kind, source) = match (source, named) {
        (None, _) => ("volume", None),
        (Some(_), Some(v)) => ("volume", Some(v)),
        (Some(path), None) => (
            "bind",
            Some(match path.starts_with('.') {
                true => p.host_path(path).display().to_string(),
                false => path.to_string(),
            }),
        ),
    };
    Mount::Long(Box::new(LongMount {
        kind: kind.into(),
        source,
        target: target.into(),
        read_only,
        volume: None,
        bind: None,
        tmpfs: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ports_are_written_long_and_ranges_one_per_port() {
        let short = |s: &str| Port::Short(Scalar::Text(s.into()));
        let flags = |s: &str| -> Vec<String> {
            long_ports("web", &short(s))
                .unwrap()
                .iter()
                .map(Port::flag)
                .collect()
        };
        assert_eq!(flags("80"), vec!["80/tcp"]);
        assert_eq!(flags("8080:80/udp"), vec!["8080:80/udp"]);
        assert_eq!(flags("127.0.0.1:8080:80"), vec!["127.0.0.1:8080:80/tcp"]);
        assert_eq!(flags("[::1]::80"), vec!["::1::80/tcp"]);
        assert_eq!(flags("9000-9001:80-81"), vec!["9000:80/tcp", "9001:81/tcp"]);
        for bad in ["x", "80-79", "1:2:3:99999", "9000-9002:80-81"] {
            assert!(long_ports("web", &short(bad)).is_err(), "{bad}");
        }
    }
}
