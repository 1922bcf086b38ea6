//! `nook network create|ls|inspect|rm|prune`.

use super::format::table;
use super::{Context, parse_labels, report_each};
use crate::cli::{GlobalArgs, NetworkCreateArgs, NetworkLsArgs, NetworkNamesArgs};
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

pub fn ls(global: &GlobalArgs, args: &NetworkLsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store).list();
    if args.quiet {
        for n in &networks {
            println!("{}", n.name);
        }
        return Ok(0);
    }
    let rows: Vec<Vec<String>> = networks
        .iter()
        .map(|n| {
            vec![
                n.id[..12].to_string(),
                n.name.clone(),
                n.cidr(),
                if n.internal { "internal" } else { "" }.to_string(),
            ]
        })
        .collect();
    print!(
        "{}",
        table(&["NETWORK ID", "NAME", "SUBNET", "OPTIONS"], &rows)
    );
    Ok(0)
}

pub fn inspect(global: &GlobalArgs, args: &NetworkNamesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store);
    let mut out = Vec::new();
    for name in &args.names {
        let n = networks.get(name)?;
        let members: serde_json::Map<String, serde_json::Value> = hub::members(&ctx.store, name)?
            .into_iter()
            .map(|(member, ip)| (member, serde_json::json!({ "IPv4Address": ip.to_string() })))
            .collect();
        out.push(serde_json::json!({
            "Name": n.name,
            "Id": n.id,
            "Created": n.created,
            "Driver": "bridge",
            "Internal": n.internal,
            "IPAM": { "Config": [{ "Subnet": n.cidr(), "Gateway": n.gateway.to_string() }] },
            "Labels": n.labels,
            "Containers": members,
        }));
    }
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}

pub fn rm(global: &GlobalArgs, args: &NetworkNamesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store);
    let outcomes = args.names.iter().map(|n| Ok(networks.remove(n)?));
    report_each(&args.names, outcomes)
}

pub fn prune(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    for name in Networks::new(&ctx.store).prune()? {
        println!("{name}");
    }
    Ok(0)
}
