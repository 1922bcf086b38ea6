//! `nook images`, `nook import`, `nook load`.

use std::fs::File;
use std::io::{self, IsTerminal, Read};

use anyhow::{Context as _, bail};
use oci_spec::image::ImageConfiguration;
use serde::Serialize;

use super::format::{ago, human_size, table};
use super::{Context, warn};
use crate::cli::{
    GlobalArgs, HistoryArgs, ImagesArgs, ImportArgs, InspectArgs, LoadArgs, PruneArgs, RmiArgs,
    SaveArgs, TagArgs,
};
use crate::image::archive;
use crate::image::digest::Digest;
use crate::image::import::{self, Changes};
use crate::image::index::{ImageIndex, ImageRecord};
use crate::image::manage::{self, Freed, Removal};
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
    labels: std::collections::HashMap<String, String>,
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
        labels: config
            .as_ref()
            .and_then(|c| c.config().as_ref()?.labels().clone())
            .unwrap_or_default(),
        created: config.and_then(|c| c.created().clone()),
        size,
    }
}

/// `images --filter`: docker's keys. Values of one key are alternatives; keys must all match.
struct ImageFilters(Vec<(String, String)>);

const IMAGE_FILTER_KEYS: &[&str] = &["dangling", "reference", "label", "before", "since"];

impl ImageFilters {
    /// The filters, with `before=`/`since=` images turned into their creation times.
    fn parse(specs: &[String], index: &ImageIndex, store: &Store) -> anyhow::Result<Self> {
        let mut out = Vec::new();
        for spec in specs {
            let Some((k, v)) = spec.split_once('=') else {
                bail!(
                    "invalid filter {spec:?}: use KEY=VALUE (keys: {})",
                    IMAGE_FILTER_KEYS.join(", ")
                );
            };
            let v = match k {
                "dangling" if v == "true" || v == "false" => v.to_string(),
                "dangling" => bail!("invalid dangling filter {v:?}: use true or false"),
                "reference" | "label" => v.to_string(),
                "before" | "since" => describe(store, index.resolve(v)?)
                    .created
                    .unwrap_or_default(),
                _ => bail!(
                    "unknown filter {k:?} (keys: {})",
                    IMAGE_FILTER_KEYS.join(", ")
                ),
            };
            out.push((k.to_string(), v));
        }
        Ok(Self(out))
    }

    fn any_of(&self, key: &str, test: impl Fn(&str) -> bool) -> bool {
        let mut values = self.0.iter().filter(|(k, _)| k == key).peekable();
        values.peek().is_none() || values.any(|(_, v)| test(v))
    }

    /// Does the image match (all but `reference`, which is per name)?
    fn image(&self, row: &Row) -> bool {
        let created = row.created.as_deref().unwrap_or("");
        let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
        self.any_of("dangling", |v| (v == "true") == row.record.names.is_empty())
            && self.any_of("label", |v| match v.split_once('=') {
                Some((k, val)) => row.labels.get(k).is_some_and(|x| x == val),
                None => row.labels.contains_key(v),
            })
            && self.any_of("before", |v| time(created) < time(v))
            && self.any_of("since", |v| time(created) > time(v))
    }

    /// Does the name `repo`:`tag` match `reference=`?
    fn name(&self, repo: &str, tag: &str) -> bool {
        let short = ["docker.io/library/", "docker.io/", "localhost/"]
            .iter()
            .find_map(|p| repo.strip_prefix(p))
            .unwrap_or(repo);
        self.any_of("reference", |pattern| {
            [repo, short]
                .iter()
                .any(|r| glob(pattern, r) || glob(pattern, &format!("{r}:{tag}")))
        })
    }
}

/// Does `text` match the shell pattern `pattern` (`*`: any run of characters but `/`, `?`:
/// one), as docker's `reference` filter matches?
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // (pattern position, text position) of the last `*`, to go back to.
    let (mut pi, mut ti, mut star) = (0, 0, None::<(usize, usize)>);
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if (*c == '?' && t[ti] != '/') || *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) if t[st] != '/' => {
                    star = Some((sp, st + 1));
                    pi = sp + 1;
                    ti = st + 1;
                }
                _ => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub fn images(global: &GlobalArgs, args: &ImagesArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let index = ImageIndex::load(&ctx.store)?;
    let filters = ImageFilters::parse(&args.filters, &index, &ctx.store)?;
    let mut rows: Vec<Row> = index
        .images
        .iter()
        .map(|r| describe(&ctx.store, r))
        .filter(|row| filters.image(row))
        .collect();
    rows.sort_by(|a, b| b.created.cmp(&a.created));
    let id_text = |d: &Digest| {
        if args.no_trunc {
            d.to_string()
        } else {
            d.short().to_string()
        }
    };
    // `images REPOSITORY[:TAG]`: only those (a short name matches its qualified repository).
    let wanted = args.reference.as_deref().map(|r| match r.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), Some(tag.to_string())),
        _ => (r.to_string(), None),
    });
    let matches = |repo: &str, tag: &str| {
        filters.name(repo, tag)
            && match &wanted {
                None => true,
                Some((want, want_tag)) => {
                    (repo == want || repo.ends_with(&format!("/{want}")))
                        && want_tag.as_deref().is_none_or(|t| t == tag)
                }
            }
    };
    // Each name of an image as (repository, tag).
    let names_of = |row: &Row| -> Vec<(String, String)> {
        if row.record.names.is_empty() {
            return vec![("<none>".to_string(), "<none>".to_string())];
        }
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
    if args.quiet {
        for row in &rows {
            if names_of(row).iter().any(|(repo, tag)| matches(repo, tag)) {
                println!("{}", id_text(&row.record.id));
            }
        }
        return Ok(0);
    }
    let shape = super::template::Shape::parse(args.format.as_deref())?;
    if let super::template::Shape::Json = shape {
        let out: Vec<ImageJson> = rows
            .iter()
            .filter(|row| names_of(row).iter().any(|(repo, tag)| matches(repo, tag)))
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
    let mut fields = Vec::new();
    for row in &rows {
        for (repo, tag) in names_of(row) {
            if !matches(&repo, &tag) {
                continue;
            }
            fields.push(serde_json::json!({
                "ID": id_text(&row.record.id),
                "Repository": repo,
                "Tag": tag,
                "Digest": row.record.manifest.to_string(),
                "CreatedSince": ago(row.created.as_deref()),
                "CreatedAt": super::format::go_time(row.created.as_deref()),
                "Size": human_size(row.size),
                "VirtualSize": human_size(row.size),
                "SharedSize": "N/A",
                "UniqueSize": "N/A",
                "Containers": "N/A",
            }));
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
    match shape {
        super::template::Shape::Template { template, table } => {
            let headers = [
                ("ID", "IMAGE ID"),
                ("Repository", "REPOSITORY"),
                ("Tag", "TAG"),
                ("Digest", "DIGEST"),
                ("CreatedSince", "CREATED"),
                ("CreatedAt", "CREATED AT"),
                ("Size", "SIZE"),
                ("VirtualSize", "VIRTUAL SIZE"),
                ("SharedSize", "SHARED SIZE"),
                ("UniqueSize", "UNIQUE SIZE"),
                ("Containers", "CONTAINERS"),
            ];
            print!(
                "{}",
                super::template::rows(&template, table, &fields, &headers)?
            );
        }
        _ => print!("{}", table(&header, &lines)),
    }
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
    let (id, name) = (record.id.to_string(), record.names.join(","));
    crate::events::emit(&ctx.store, "image", "import", &id, &[("name", &name)]);
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
        let (id, name) = (image.record.id.to_string(), image.record.names.join(","));
        crate::events::emit(&ctx.store, "image", "load", &id, &[("name", &name)]);
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

pub fn tag(global: &GlobalArgs, args: &TagArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    for target in &args.targets {
        manage::tag(&ctx.store, &args.source, target)?;
        if let Ok(index) = ImageIndex::load(&ctx.store)
            && let Ok(record) = index.resolve(target)
        {
            let id = record.id.to_string();
            crate::events::emit(&ctx.store, "image", "tag", &id, &[("name", target)]);
        }
    }
    Ok(0)
}

fn print_freed(freed: &Freed) {
    if freed.blobs + freed.layers > 0 {
        eprintln!(
            "Freed {} ({} blobs, {} layers)",
            human_size(freed.bytes),
            freed.blobs,
            freed.layers
        );
    }
}

/// `rmi`: each image in turn, as docker does: what was done for each on stdout, an error
/// on stderr for each that could not be removed (exit 1), the others removed all the same.
pub fn rmi(global: &GlobalArgs, args: &RmiArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let mut total = Freed::default();
    let mut failed = false;
    for spec in &args.images {
        match manage::remove(&ctx.store, std::slice::from_ref(spec), args.force) {
            Ok((done, freed)) => {
                for d in done {
                    image_event(&ctx.store, &d);
                    match d {
                        Removal::Untagged(name) => println!("Untagged: {name}"),
                        Removal::Deleted(id) => println!("Deleted: {id}"),
                        Removal::ContainerRemoved(name) => println!("Removed container: {name}"),
                    }
                }
                total.blobs += freed.blobs;
                total.layers += freed.layers;
                total.bytes += freed.bytes;
            }
            Err(e) => {
                eprintln!("Error: {e}");
                failed = true;
            }
        }
    }
    print_freed(&total);
    Ok(if failed { 1 } else { 0 })
}

/// The event of what `rmi` did to an image.
fn image_event(store: &Store, done: &Removal) {
    match done {
        Removal::Untagged(name) => {
            crate::events::emit(store, "image", "untag", name, &[("name", name)])
        }
        Removal::Deleted(id) => crate::events::emit(store, "image", "delete", &id.to_string(), &[]),
        // (The container's own event says it.)
        Removal::ContainerRemoved(_) => {}
    }
}

pub fn prune(global: &GlobalArgs, args: &PruneArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    let (removed, freed) = manage::prune(&ctx.store, args.all)?;
    for id in removed {
        crate::events::emit(&ctx.store, "image", "delete", &id.to_string(), &[]);
        println!("Deleted: {id}");
    }
    print_freed(&freed);
    Ok(0)
}

pub fn save(global: &GlobalArgs, args: &SaveArgs) -> anyhow::Result<i32> {
    if args.output.is_none() && std::io::stdout().is_terminal() {
        bail!("refusing to write an archive to a terminal: give -o FILE, or redirect the output");
    }
    let ctx = Context::open(global)?;
    let index = ImageIndex::load(&ctx.store)?;
    let mut images = Vec::new();
    for spec in &args.images {
        let record = index.resolve(spec)?.clone();
        // Save under the name the user gave, when it is one; else under every name.
        let names = match Reference::parse(spec) {
            Ok(r) if !spec.starts_with("sha256:") && !record.id.hex().starts_with(spec) => {
                vec![r.qualified(LOCAL_DOMAIN).to_string()]
            }
            _ => record.names.clone(),
        };
        images.push((record, names));
    }
    crate::image::save::save(&ctx.store, &images, args.format, args.output.as_deref())
        .context("cannot save")?;
    for (record, names) in &images {
        let (id, name) = (record.id.to_string(), names.join(","));
        crate::events::emit(&ctx.store, "image", "save", &id, &[("name", &name)]);
    }
    Ok(0)
}

pub fn inspect(global: &GlobalArgs, args: &InspectArgs) -> anyhow::Result<i32> {
    let ctx = Context::open(global)?;
    super::template::inspect(&args.names, args.format.as_deref(), |spec| {
        describe_image(&ctx, spec)
    })
}

/// docker-shaped details of image `spec`.
pub fn describe_image(ctx: &Context, spec: &str) -> anyhow::Result<serde_json::Value> {
    let index = ImageIndex::load(&ctx.store)?;
    let record = index.resolve(spec)?;
    let row = describe(&ctx.store, record);
    let config = ImageConfiguration::from_reader(&ctx.store.read_blob(&record.id)?[..])
        .with_context(|| format!("the config of {spec} is invalid"))?;
    let repo_digests: Vec<String> = record
        .names
        .iter()
        .filter_map(|n| Reference::parse(n).ok())
        .map(|r| format!("{}@{}", r.repository(), record.manifest))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    Ok(serde_json::json!({
        "Id": record.id.to_string(),
        "Digest": record.manifest.to_string(),
        "RepoTags": record.names,
        "RepoDigests": repo_digests,
        "Created": config.created(),
        "Author": config.author(),
        "Architecture": config.architecture().to_string(),
        "Os": config.os().to_string(),
        "Variant": config.variant(),
        "Config": config.config(),
        "RootFS": {"Type": "layers", "Layers": config.rootfs().diff_ids()},
        "History": config.history(),
        "Size": row.size,
    }))
}

pub fn history(global: &GlobalArgs, args: &HistoryArgs) -> anyhow::Result<i32> {
    let shape = super::template::Shape::parse(args.format.as_deref())?;
    let ctx = Context::open(global)?;
    let index = ImageIndex::load(&ctx.store)?;
    let record = index.resolve(&args.image)?;
    let config = ImageConfiguration::from_reader(&ctx.store.read_blob(&record.id)?[..])
        .with_context(|| format!("the config of {} is invalid", args.image))?;
    let mut sizes = config
        .rootfs()
        .diff_ids()
        .iter()
        .map(|d| {
            d.parse::<Digest>()
                .ok()
                .and_then(|d| ctx.store.layer_meta(&d).ok())
                .map_or(0, |m| m.size)
        })
        .collect::<Vec<_>>()
        .into_iter();
    // docker's fields for each step, newest first; only the top one is an image of its own.
    let mut fields: Vec<serde_json::Value> = config
        .history()
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|h| {
            let size = if h.empty_layer().unwrap_or(false) {
                0
            } else {
                sizes.next().unwrap_or(0)
            };
            let by = h.created_by().clone().unwrap_or_default();
            let by = if args.no_trunc || by.chars().count() <= 45 {
                by
            } else {
                format!("{}…", by.chars().take(44).collect::<String>())
            };
            let created = h.created().as_deref();
            serde_json::json!({
                "ID": "<missing>",
                "CreatedSince": if args.human { ago(created) } else { created.unwrap_or("").to_string() },
                "CreatedAt": super::format::go_time(created),
                "CreatedBy": by,
                "Size": if args.human { human_size(size) } else { size.to_string() },
                "Comment": h.comment().clone().unwrap_or_default(),
            })
        })
        .collect();
    fields.reverse();
    if let Some(top) = fields.first_mut() {
        top["ID"] = serde_json::Value::String(if args.no_trunc {
            record.id.to_string()
        } else {
            record.id.short().to_string()
        });
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    if args.quiet {
        for f in &fields {
            println!("{}", text(&f["ID"]));
        }
        return Ok(0);
    }
    match shape {
        super::template::Shape::Json => {
            for f in &fields {
                println!("{f}");
            }
        }
        super::template::Shape::Template { template, table } => {
            let headers = [
                ("ID", "IMAGE"),
                ("CreatedSince", "CREATED"),
                ("CreatedAt", "CREATED AT"),
                ("CreatedBy", "CREATED BY"),
                ("Size", "SIZE"),
                ("Comment", "COMMENT"),
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
                    ["ID", "CreatedSince", "CreatedBy", "Size", "Comment"]
                        .iter()
                        .map(|k| text(&f[*k]))
                        .collect()
                })
                .collect();
            print!(
                "{}",
                table(
                    &["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"],
                    &rows
                )
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn reference_patterns_match_as_docker_does() {
        assert!(glob("busy*", "busybox"));
        assert!(glob("busybox:*", "busybox:latest"));
        assert!(glob("*:1.?", "app:1.0"));
        assert!(glob("team/*", "team/app"));
        assert!(!glob("*", "team/app"), "* stops at a slash");
        assert!(!glob("busy", "busybox"));
        assert!(glob("a*b*c", "axxbyyc") && !glob("a*b*c", "axxbyy"));
    }
}
