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

pub fn ls(global: &GlobalArgs, args: &NetworkLsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let networks = Networks::new(&ctx.store).list();
    if args.quiet {
        for n in &networks {
            println!("{}", n.name);
        }
        return Ok(0);
    }
    let fields: Vec<serde_json::Value> = networks
        .iter()
        .map(|n| {
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
            })
        })
        .collect();
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
            let rows: Vec<Vec<String>> = networks
                .iter()
                .map(|n| {
                    vec![
                        n.id[..12].to_string(),
                        n.name.clone(),
                        "bridge".to_string(),
                        "local".to_string(),
                        n.cidr(),
                        if n.internal { "internal" } else { "" }.to_string(),
                    ]
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
    let outcomes = args.names.iter().map(|n| Ok(networks.remove(n)?));
    report_each(&args.names, outcomes, false)
}

pub fn prune(global: &GlobalArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    for name in Networks::new(&ctx.store).prune()? {
        println!("{name}");
    }
    Ok(0)
}
