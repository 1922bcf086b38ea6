//! `nook network create|ls|inspect|rm|prune`.

use super::format::table;
use super::{Context, parse_labels, report_each};
use crate::cli::{GlobalArgs, InspectArgs, NetworkCreateArgs, NetworkLsArgs, NetworkNamesArgs};
use crate::network::hub;
use crate::network::user::Networks;

pub fn create(global: &GlobalArgs, args: &NetworkCreateArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let n = Networks::new(&ctx.store).create(
        &args.name,
        args.subnet.as_deref(),
        args.internal,
        parse_labels(&args.labels),
    )?;
    println!("{}", n.name);
    Ok(0)
}

/// The networks every container can use without making one, as `network ls` lists them
/// (name, driver): pasta's own network per container (the default; `bridge` names it too),
/// the host's, and none.
const BUILT_IN: &[(&str, &str)] = &[("pasta", "pasta"), ("host", "host"), ("none", "null")];

pub fn ls(global: &GlobalArgs, args: &NetworkLsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store).list();
    let built_in = BUILT_IN.iter().map(|(name, driver)| {
        serde_json::json!({
            "ID": &crate::image::digest::Digest::of(format!("nook network {name}").as_bytes()).hex()[..12],
            "Name": name,
            "Driver": driver,
            "Scope": "local",
            "IPv6": false,
            "Internal": false,
            "Labels": "",
            "CreatedAt": "",
            "Subnet": "",
            "BuiltIn": true,
        })
    });
    let made = networks.iter().map(|n| {
        serde_json::json!({
            "ID": n.id[..12],
            "Name": n.name,
            "Driver": "bridge",
            "Scope": "local",
            "IPv6": false,
            "Internal": n.internal,
            "Labels": super::format::labels_text(&n.labels),
            "CreatedAt": super::format::go_time(Some(&n.created)),
            "Subnet": n.cidr(),
            "BuiltIn": false,
        })
    });
    let filters = NetworkFilters::parse(&args.filters)?;
    let labels_of = |name: &str| {
        networks
            .iter()
            .find(|n| n.name == name)
            .map(|n| n.labels.clone())
            .unwrap_or_default()
    };
    let fields: Vec<serde_json::Value> = built_in
        .chain(made)
        .filter(|f| filters.matches(f, &labels_of(f["Name"].as_str().unwrap_or_default())))
        .collect();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if args.quiet {
        for f in &fields {
            println!("{}", text(&f["Name"]));
        }
        return Ok(0);
    }
    match super::template::Shape::parse(args.format.as_deref())? {
        super::template::Shape::Json => println!("{}", serde_json::to_string_pretty(&fields)?),
        super::template::Shape::Template { template, table } => {
            let headers = [
                ("ID", "NETWORK ID"),
                ("Name", "NAME"),
                ("Driver", "DRIVER"),
                ("Scope", "SCOPE"),
                ("IPv6", "IPV6"),
                ("Internal", "INTERNAL"),
                ("Labels", "LABELS"),
                ("CreatedAt", "CREATED AT"),
                ("Subnet", "SUBNET"),
            ];
            print!(
                "{}",
                super::template::rows(&template, table, &fields, &headers)?
            );
        }
        super::template::Shape::Table => {
            let rows: Vec<Vec<String>> = fields
                .iter()
                .map(|f| {
                    let mut row: Vec<String> = ["ID", "Name", "Driver", "Scope", "Subnet"]
                        .iter()
                        .map(|k| text(&f[*k]))
                        .collect();
                    row.push(
                        if f["Internal"] == true {
                            "internal"
                        } else {
                            ""
                        }
                        .to_string(),
                    );
                    row
                })
                .collect();
            print!(
                "{}",
                table(
                    &["NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET", "OPTIONS"],
                    &rows
                )
            );
        }
    }
    Ok(0)
}

/// `network ls --filter`: docker's name (a part of it), id (a prefix), driver, type
/// (builtin, custom) and label keys.
struct NetworkFilters(Vec<(String, String)>);

impl NetworkFilters {
    fn parse(specs: &[String]) -> anyhow::Result<Self> {
        const KEYS: &str = "name, id, driver, type, label";
        let mut out = Vec::new();
        for spec in specs {
            let Some((k, v)) = spec.split_once('=') else {
                anyhow::bail!("invalid filter {spec:?}: use KEY=VALUE (keys: {KEYS})");
            };
            if !["name", "id", "driver", "type", "label"].contains(&k) {
                anyhow::bail!("unknown filter {k:?} (keys: {KEYS})");
            }
            if k == "type" && v != "builtin" && v != "custom" {
                anyhow::bail!("invalid type filter {v:?}: use builtin or custom");
            }
            out.push((k.to_string(), v.to_string()));
        }
        Ok(Self(out))
    }

    fn matches(
        &self,
        row: &serde_json::Value,
        labels: &std::collections::BTreeMap<String, String>,
    ) -> bool {
        let field = |k: &str| row[k].as_str().unwrap_or_default().to_string();
        ["name", "id", "driver", "type", "label"].iter().all(|key| {
            let mut values = self.0.iter().filter(|(k, _)| k == key).peekable();
            values.peek().is_none()
                || values.any(|(_, v)| match *key {
                    "name" => field("Name").contains(v.as_str()),
                    "id" => field("ID").starts_with(v.as_str()),
                    "driver" => field("Driver") == *v,
                    "type" => (row["BuiltIn"] == true) == (v == "builtin"),
                    _ => match v.split_once('=') {
                        Some((k, val)) => labels.get(k).is_some_and(|x| x == val),
                        None => labels.contains_key(v.as_str()),
                    },
                })
        })
    }
}

pub fn inspect(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store);
    super::template::inspect(&args.names, args.format.as_deref(), |name| {
        let n = networks.get(name)?;
        let members: serde_json::Map<String, serde_json::Value> = hub::members(&ctx.store, name)?
            .into_iter()
            .map(|(member, ip)| (member, serde_json::json!({ "IPv4Address": ip.to_string() })))
            .collect();
        Ok(serde_json::json!({
            "Name": n.name,
            "Id": n.id,
            "Created": n.created,
            "Scope": "local",
            "Driver": "bridge",
            "Internal": n.internal,
            "IPAM": { "Config": [{ "Subnet": n.cidr(), "Gateway": n.gateway.to_string() }] },
            "Labels": n.labels,
            "Containers": members,
        }))
    })
}

pub fn rm(global: &GlobalArgs, args: &NetworkNamesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store);
    let outcomes = args.names.iter().map(|n| {
        if BUILT_IN.iter().any(|(b, _)| b == n) || n == "bridge" {
            anyhow::bail!("{n} is a built-in network and cannot be removed");
        }
        Ok(networks.remove(n)?)
    });
    report_each(&args.names, outcomes, false)
}

pub fn prune(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    for name in Networks::new(&ctx.store).prune()? {
        println!("{name}");
    }
    Ok(0)
}
