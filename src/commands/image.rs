//! `nook images`, `nook import`, `nook load`.

use std::fs::File;
use std::io::{self, Read};

use anyhow::{Context as _, bail};
use oci_spec::image::ImageConfiguration;
use serde::Serialize;

use super::format::{ago, human_size, table};
use super::{Context, warn};
use crate::cli::{Format, GlobalArgs, ImagesArgs, ImportArgs, LoadArgs};
use crate::image::archive;
use crate::image::digest::Digest;
use crate::image::import::{self, Changes};
use crate::image::index::{ImageIndex, ImageRecord};
use crate::image::reference::{LOCAL_DOMAIN, Reference};
use crate::image::store::Store;

/// Print the warning about a missing subordinate range, if there is one.
pub fn warn_about_mapping() -> anyhow::Result<()> {
    let mapping = crate::runtime::idmap::IdMap::for_current_user()?;
    if let Some(w) = mapping.warning {
        warn(&w);
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageJson {
    id: String,
    names: Vec<String>,
    digest: String,
    created: Option<String>,
    size: u64,
}

struct Row {
    record: ImageRecord,
    created: Option<String>,
    size: u64,
}

fn describe(store: &Store, record: &ImageRecord) -> Row {
    let config = store
        .read_blob(&record.id)
        .ok()
        .and_then(|b| ImageConfiguration::from_reader(&b[..]).ok());
    let size = config
        .as_ref()
        .map(|c| {
            c.rootfs()
                .diff_ids()
                .iter()
                .filter_map(|d| d.parse::<Digest>().ok())
                .filter_map(|d| store.layer_meta(&d).ok())
                .map(|m| m.size)
                .sum()
        })
        .unwrap_or(0);
    Row {
        record: record.clone(),
        created: config.and_then(|c| c.created().clone()),
        size,
    }
}

pub fn images(global: &GlobalArgs, args: &ImagesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let index = ImageIndex::load(&ctx.store)?;
    let mut rows: Vec<Row> = index
        .images
        .iter()
        .map(|r| describe(&ctx.store, r))
        .collect();
    rows.sort_by(|a, b| b.created.cmp(&a.created));
    let id_text = |d: &Digest| {
        if args.no_trunc {
            d.to_string()
        } else {
            d.short().to_string()
        }
    };
    if args.quiet {
        for row in &rows {
            println!("{}", id_text(&row.record.id));
        }
        return Ok(0);
    }
    if args.format == Format::Json {
        let out: Vec<ImageJson> = rows
            .iter()
            .map(|r| ImageJson {
                id: r.record.id.hex().to_string(),
                names: r.record.names.clone(),
                digest: r.record.manifest.to_string(),
                created: r.created.clone(),
                size: r.size,
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    let mut header = vec!["REPOSITORY", "TAG"];
    if args.digests {
        header.push("DIGEST");
    }
    header.extend(["IMAGE ID", "CREATED", "SIZE"]);
    let mut lines = Vec::new();
    for row in &rows {
        let names: Vec<(String, String)> = if row.record.names.is_empty() {
            vec![("<none>".to_string(), "<none>".to_string())]
        } else {
            row.record
                .names
                .iter()
                .map(|n| match Reference::parse(n) {
                    Ok(r) => (
                        r.repository(),
                        r.tag.unwrap_or_else(|| "<none>".to_string()),
                    ),
                    Err(_) => (n.clone(), "<none>".to_string()),
                })
                .collect()
        };
        for (repo, tag) in names {
            let mut line = vec![repo, tag];
            if args.digests {
                line.push(row.record.manifest.to_string());
            }
            line.extend([
                id_text(&row.record.id),
                ago(row.created.as_deref()),
                human_size(row.size),
            ]);
            lines.push(line);
        }
    }
    print!("{}", table(&header, &lines));
    Ok(0)
}

pub fn import(global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<i32> {
    let changes = Changes::parse(&args.change)?;
    let names = match &args.reference {
        Some(r) => vec![Reference::parse(r)?.qualified(LOCAL_DOMAIN).to_string()],
        None => Vec::new(),
    };
    let ctx = Context::open(global)?;
    warn_about_mapping()?;
    let input: Box<dyn Read> = if args.file.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        if args.file.is_dir() {
            bail!(
                "{} is a directory; import takes a tarball (make one with: tar -C DIR -c . > rootfs.tar)",
                args.file.display()
            );
        }
        Box::new(
            File::open(&args.file)
                .with_context(|| format!("cannot open {}", args.file.display()))?,
        )
    };
    let (record, notes) =
        import::import(&ctx.store, input, names, &changes, args.message.as_deref())
            .with_context(|| format!("cannot import {}", args.file.display()))?;
    for n in notes {
        warn(&n);
    }
    println!("{}", record.id);
    Ok(0)
}

pub fn load(global: &GlobalArgs, args: &LoadArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    warn_about_mapping()?;
    let what = args
        .input
        .as_ref()
        .map_or("standard input".to_string(), |p| p.display().to_string());
    let loaded = archive::load(&ctx.store, args.input.as_deref())
        .with_context(|| format!("cannot load {what}"))?;
    for image in loaded {
        for n in &image.notes {
            warn(n);
        }
        if args.quiet {
            continue;
        }
        if image.record.names.is_empty() {
            println!("Loaded image: {}", image.record.id);
        }
        for name in &image.record.names {
            println!("Loaded image: {name}");
        }
    }
    Ok(0)
}
