//! `nook volume create|ls|inspect|rm|prune`.

use super::format::table;
use super::{Context, parse_labels, report_each};
use crate::cli::{GlobalArgs, VolumeCreateArgs, VolumeLsArgs, VolumeNamesArgs, VolumePruneArgs};
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
    let rows: Vec<Vec<String>> = volumes
        .iter()
        .map(|v| vec!["local".to_string(), v.name.clone()])
        .collect();
    print!("{}", table(&["DRIVER", "VOLUME NAME"], &rows));
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

pub fn inspect(global: &GlobalArgs, args: &VolumeNamesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    let out = args
        .names
        .iter()
        .map(|n| Ok(describe(&volumes, &volumes.get(n)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(0)
}

pub fn rm(global: &GlobalArgs, args: &VolumeNamesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let volumes = Volumes::new(&ctx.store);
    let _lock = volumes.lock()?;
    let outcomes = args.names.iter().map(|n| Ok(volumes.remove(n)?));
    report_each(&args.names, outcomes)
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
