//! `nook volume create|ls|inspect|rm|prune`.

use super::format::table;
use super::{Context, parse_labels, report_each};
use crate::cli::{
    GlobalArgs, InspectArgs, VolumeCreateArgs, VolumeLsArgs, VolumePruneArgs, VolumeRmArgs,
};
use crate::container::volume::{Volume, Volumes};

pub fn create(global: &GlobalArgs, args: &VolumeCreateArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    let _lock = volumes.lock()?;
    let v = volumes.create(args.name.as_deref(), parse_labels(&args.labels), false)?;
    println!("{}", v.name);
    Ok(0)
}

pub fn ls(global: &GlobalArgs, args: &VolumeLsArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store).list();
    if args.quiet {
        for v in &volumes {
            println!("{}", v.name);
        }
        return Ok(0);
    }
    let store = Volumes::new(&ctx.store);
    match super::template::Shape::parse(args.format.as_deref())? {
        super::template::Shape::Json => {
            let all: Vec<serde_json::Value> = volumes.iter().map(|v| describe(&store, v)).collect();
            println!("{}", serde_json::to_string_pretty(&all)?);
        }
        super::template::Shape::Template { template, table } => {
            let fields: Vec<serde_json::Value> = volumes
                .iter()
                .map(|v| {
                    serde_json::json!({
                        "Name": v.name,
                        "Driver": "local",
                        "Scope": "local",
                        "Mountpoint": store.data(&v.name),
                        "Labels": super::format::labels_text(&v.labels),
                    })
                })
                .collect();
            let headers = [
                ("Name", "VOLUME NAME"),
                ("Driver", "DRIVER"),
                ("Scope", "SCOPE"),
                ("Mountpoint", "MOUNTPOINT"),
                ("Labels", "LABELS"),
            ];
            print!(
                "{}",
                super::template::rows(&template, table, &fields, &headers)?
            );
        }
        super::template::Shape::Table => {
            let rows: Vec<Vec<String>> = volumes
                .iter()
                .map(|v| vec!["local".to_string(), v.name.clone()])
                .collect();
            print!("{}", table(&["DRIVER", "VOLUME NAME"], &rows));
        }
    }
    Ok(0)
}

fn describe(volumes: &Volumes<'_>, v: &Volume) -> serde_json::Value {
    serde_json::json!({
        "Name": v.name,
        "Driver": "local",
        "Mountpoint": volumes.data(&v.name),
        "CreatedAt": v.created,
        "Labels": v.labels,
        "Scope": "local",
        "Anonymous": v.anonymous,
    })
}

pub fn inspect(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    super::template::inspect(&args.names, args.format.as_deref(), |n| {
        Ok(describe(&volumes, &volumes.get(n)?))
    })
}

pub fn rm(global: &GlobalArgs, args: &VolumeRmArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    let _lock = volumes.lock()?;
    let outcomes = args.names.iter().map(|n| Ok(volumes.remove(n)?));
    report_each(&args.names, outcomes, args.force)
}

pub fn prune(global: &GlobalArgs, args: &VolumePruneArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    let _lock = volumes.lock()?;
    for name in volumes.prune(args.all)? {
        println!("{name}");
    }
    Ok(0)
}
