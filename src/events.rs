//! nook's event log, read by `nook events`: with no daemon to hold them, the processes that
//! do things (the CLI, a container's monitor) append what they did to `events.log` in the
//! store, one JSON object per line in docker's shape. A line is written with one `write` to a
//! file opened for appending, so lines of processes writing at once never mix. The log is
//! bounded: past [`MAX_LOG`] bytes it moves to `events.log.1` (the one before it goes).
//! Recording an event never fails what it records.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::image::store::Store;

/// Where the log moves on when it grows past this.
pub const MAX_LOG: u64 = 4 << 20;

#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    #[error("cannot read the event log {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "invalid filter {0:?}: use KEY=VALUE with KEY one of type, event, container, image, \
         volume, network, label"
    )]
    Filter(String),
    #[error("invalid time {0:?}: use a time (RFC 3339 or Unix seconds) or 90s, 10m, 2h, 1d ago")]
    Time(String),
}

/// Who an event is about, as docker names it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "Attributes")]
    pub attributes: BTreeMap<String, String>,
}

/// One event, in the shape of docker's `events --format '{{json .}}'`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `container`, `image`, `volume` or `network`.
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(rename = "Action")]
    pub action: String,
    #[serde(rename = "Actor")]
    pub actor: Actor,
    pub scope: String,
    /// Seconds since the epoch.
    pub time: i64,
    #[serde(rename = "timeNano")]
    pub time_nano: i64,
    /// docker's older fields, kept for containers and images (scripts still read them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

impl Event {
    /// An event that happens now.
    pub fn new(kind: &str, action: &str, id: &str, attributes: BTreeMap<String, String>) -> Self {
        let now = Utc::now();
        let old_style = matches!(kind, "container" | "image");
        Event {
            kind: kind.to_string(),
            action: action.to_string(),
            status: old_style.then(|| action.to_string()),
            id: old_style.then(|| id.to_string()),
            from: (kind == "container")
                .then(|| attributes.get("image").cloned())
                .flatten(),
            actor: Actor {
                id: id.to_string(),
                attributes,
            },
            scope: "local".to_string(),
            time: now.timestamp(),
            time_nano: now.timestamp_nanos_opt().unwrap_or(0),
        }
    }

    /// docker's line: `TIME TYPE ACTION ID (k=v, ...)`.
    pub fn line(&self) -> String {
        let time = DateTime::<Utc>::from_timestamp_nanos(self.time_nano)
            .to_rfc3339_opts(chrono::SecondsFormat::Nanos, true);
        let attrs: Vec<String> = self
            .actor
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!(
            "{time} {} {} {} ({})",
            self.kind,
            self.action,
            self.actor.id,
            attrs.join(", ")
        )
    }
}

fn log_path(store: &Store) -> PathBuf {
    store.root().join("events.log")
}

fn old_log_path(store: &Store) -> PathBuf {
    store.root().join("events.log.1")
}

/// Append `event` to the log (best effort: a store that cannot take it loses the event).
pub fn record(store: &Store, event: &Event) {
    append(store, event, MAX_LOG);
}

/// Append `event`, moving the log on past `max` bytes.
fn append(store: &Store, event: &Event, max: u64) {
    let mut line = serde_json::to_vec(event).expect("events serialize");
    line.push(b'\n');
    let path = log_path(store);
    let Ok(mut file) = OpenOptions::new().create(true).append(true).open(&path) else {
        return;
    };
    let _ = file.write_all(&line);
    if file.metadata().is_ok_and(|m| m.len() > max)
        && let Ok(_lock) = store.lock("events")
        && fs::metadata(&path).is_ok_and(|m| m.len() > max)
    {
        let _ = fs::rename(&path, old_log_path(store));
    }
}

/// Record that `action` happened to the object `id` of `kind`, with `attributes`.
pub fn emit(store: &Store, kind: &str, action: &str, id: &str, attributes: &[(&str, &str)]) {
    let attributes = attributes
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    record(store, &Event::new(kind, action, id, attributes));
}

/// Record an event of a container (its image, name and labels as attributes, as docker's).
pub fn container(
    store: &Store,
    config: &crate::container::ContainerConfig,
    action: &str,
    extra: &[(&str, &str)],
) {
    let mut attributes: BTreeMap<String, String> = config.labels.clone();
    attributes.insert("image".into(), config.image.clone());
    attributes.insert("name".into(), config.name.clone());
    for (k, v) in extra {
        attributes.insert(k.to_string(), v.to_string());
    }
    record(
        store,
        &Event::new("container", action, &config.id, attributes),
    );
}

/// Which events `nook events` shows: docker's `--filter` keys. Values of one key are
/// alternatives; different keys must all match.
#[derive(Debug, Default)]
pub struct Filter {
    by_key: BTreeMap<String, Vec<String>>,
}

impl Filter {
    pub fn parse(items: &[String]) -> Result<Filter, EventsError> {
        let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in items {
            let (k, v) = item
                .split_once('=')
                .ok_or_else(|| EventsError::Filter(item.clone()))?;
            let key = match k {
                "type" | "event" | "container" | "image" | "volume" | "network" | "label" => k,
                _ => return Err(EventsError::Filter(item.clone())),
            };
            by_key
                .entry(key.to_string())
                .or_default()
                .push(v.to_string());
        }
        Ok(Filter { by_key })
    }

    pub fn matches(&self, e: &Event) -> bool {
        let attr = |k: &str| e.actor.attributes.get(k).map(String::as_str);
        let names_it = |want: &str| {
            want == e.actor.id
                || (want.len() >= 3 && e.actor.id.starts_with(want))
                || attr("name") == Some(want)
        };
        self.by_key.iter().all(|(key, values)| {
            values.iter().any(|v| match key.as_str() {
                "type" => e.kind == *v,
                // `die` and the like; docker also takes `exec_start` for `exec_start: sh`.
                "event" => e.action == *v || e.action.split(':').next() == Some(v.as_str()),
                "label" => match v.split_once('=') {
                    Some((k, val)) => attr(k) == Some(val),
                    None => attr(v).is_some(),
                },
                "image" => {
                    (e.kind == "image" && names_it(v))
                        || (e.kind == "container" && attr("image") == Some(v.as_str()))
                }
                kind => e.kind == kind && names_it(v),
            })
        })
    }
}

/// A time for `--since`/`--until`: RFC 3339, Unix seconds (with a fraction), or a duration
/// back from now (`90s`, `10m`, `2h`, `1d`).
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, EventsError> {
    let bad = || EventsError::Time(s.to_string());
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(secs) = s.parse::<f64>() {
        return Ok(DateTime::<Utc>::from_timestamp_nanos((secs * 1e9) as i64));
    }
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?);
    let n: i64 = n.parse().map_err(|_| bad())?;
    let back = match unit {
        "s" => chrono::Duration::seconds(n),
        "m" => chrono::Duration::minutes(n),
        "h" => chrono::Duration::hours(n),
        "d" => chrono::Duration::days(n),
        _ => return Err(bad()),
    };
    Ok(Utc::now() - back)
}

/// The log being read: events as they were written, then (following) as they are.
pub struct Reader {
    path: PathBuf,
    old_path: PathBuf,
    reader: Option<BufReader<File>>,
    /// The inode being read: a new one at the path means the log moved on.
    inode: u64,
    partial: String,
}

impl Reader {
    /// Open the log, from the moved-on part if `since` may reach into it.
    pub fn open(store: &Store) -> Result<(Vec<Event>, Reader), EventsError> {
        let mut earlier = Vec::new();
        let old = old_log_path(store);
        match File::open(&old) {
            Ok(f) => earlier.extend(parse_lines(BufReader::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(source) => return Err(EventsError::Read { path: old, source }),
        }
        let mut reader = Reader {
            path: log_path(store),
            old_path: old_log_path(store),
            reader: None,
            inode: 0,
            partial: String::new(),
        };
        earlier.extend(reader.next_events()?);
        Ok((earlier, reader))
    }

    /// The events written since the last call.
    pub fn next_events(&mut self) -> Result<Vec<Event>, EventsError> {
        let mut out = Vec::new();
        let now_inode = fs::metadata(&self.path).map(|m| m.ino()).ok();
        if self.reader.is_some() && now_inode != Some(self.inode) {
            // Moved on: what is left of the old file first, then the new one from its start.
            self.drain(&mut out)?;
            // Moved on twice: the part in between is the moved-on file now.
            let old = File::open(&self.old_path).ok();
            if let Some(f) = old.filter(|f| f.metadata().is_ok_and(|m| m.ino() != self.inode)) {
                out.extend(parse_lines(BufReader::new(f)));
            }
            self.reader = None;
        }
        if self.reader.is_none() {
            match File::open(&self.path) {
                Ok(f) => {
                    self.inode = f.metadata().map(|m| m.ino()).unwrap_or(0);
                    self.reader = Some(BufReader::new(f));
                    self.partial.clear();
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
                Err(source) => {
                    return Err(EventsError::Read {
                        path: self.path.clone(),
                        source,
                    });
                }
            }
        }
        self.drain(&mut out)?;
        Ok(out)
    }

    fn drain(&mut self, out: &mut Vec<Event>) -> Result<(), EventsError> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(());
        };
        loop {
            let mut line = String::new();
            let n = reader
                .read_line(&mut line)
                .map_err(|source| EventsError::Read {
                    path: self.path.clone(),
                    source,
                })?;
            if n == 0 {
                return Ok(());
            }
            self.partial.push_str(&line);
            if !self.partial.ends_with('\n') {
                // A line still being written: the rest comes with the next read.
                continue;
            }
            if let Ok(e) = serde_json::from_str(self.partial.trim_end()) {
                out.push(e);
            }
            self.partial.clear();
        }
    }

    /// Skip to the end of the log (events from now on only).
    pub fn skip_to_end(&mut self) {
        if let Some(r) = self.reader.as_mut() {
            let _ = r.seek(SeekFrom::End(0));
        }
    }
}

fn parse_lines(r: impl BufRead) -> Vec<Event> {
    r.lines()
        .map_while(Result::ok)
        .filter_map(|l| serde_json::from_str(&l).ok())
        .collect()
}

/// How often a following reader looks for new events.
pub const POLL: Duration = Duration::from_millis(100);

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, action: &str, id: &str, attrs: &[(&str, &str)]) -> Event {
        Event::new(
            kind,
            action,
            id,
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn filters_match_as_docker_does() {
        let die = event(
            "container",
            "die",
            "abc123def456",
            &[("name", "web"), ("image", "busybox"), ("app", "demo")],
        );
        let pull = event("image", "pull", "busybox:latest", &[("name", "busybox")]);
        let f = |items: &[&str]| {
            Filter::parse(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
        };
        assert!(f(&[]).matches(&die));
        assert!(f(&["type=container"]).matches(&die));
        assert!(!f(&["type=container"]).matches(&pull));
        assert!(f(&["event=die", "event=start"]).matches(&die));
        assert!(!f(&["event=start"]).matches(&die));
        assert!(f(&["container=web"]).matches(&die));
        assert!(f(&["container=abc123"]).matches(&die));
        assert!(!f(&["container=db"]).matches(&die));
        assert!(f(&["image=busybox"]).matches(&die));
        assert!(f(&["image=busybox"]).matches(&pull));
        assert!(f(&["label=app=demo", "type=container"]).matches(&die));
        assert!(f(&["label=app"]).matches(&die));
        assert!(!f(&["label=app=other"]).matches(&die));
        assert!(Filter::parse(&["colour=red".to_string()]).is_err());
        assert!(Filter::parse(&["type".to_string()]).is_err());
    }

    #[test]
    fn lines_and_json_have_dockers_shape() {
        let mut e = event(
            "container",
            "start",
            "abc",
            &[("name", "web"), ("image", "busybox")],
        );
        e.time_nano = 1_700_000_000_123_456_789;
        e.time = 1_700_000_000;
        assert_eq!(
            e.line(),
            "2023-11-14T22:13:20.123456789Z container start abc (image=busybox, name=web)"
        );
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["Type"], "container");
        assert_eq!(v["Action"], "start");
        assert_eq!(v["Actor"]["ID"], "abc");
        assert_eq!(v["Actor"]["Attributes"]["name"], "web");
        assert_eq!(v["status"], "start");
        assert_eq!(v["from"], "busybox");
        assert_eq!(v["timeNano"], 1_700_000_000_123_456_789_i64);
    }

    /// The log moves on past its size, keeping the part before; a reader following it reads
    /// on into the new part without losing or repeating an event.
    #[test]
    fn the_log_is_bounded_and_followed_across_a_move() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let numbered = |n: usize| event("volume", "create", &format!("v{n}"), &[]);
        for n in 0..5 {
            append(&store, &numbered(n), 1000);
        }
        let (earlier, mut reader) = Reader::open(&store).unwrap();
        assert_eq!(earlier.len(), 5);
        let ids = |reader: &mut Reader| -> Vec<String> {
            let got = reader.next_events().unwrap();
            got.into_iter().map(|e| e.actor.id).collect()
        };
        let expect = |r: std::ops::Range<usize>| r.map(|n| format!("v{n}")).collect::<Vec<_>>();
        // Once, then twice between two reads.
        for n in 5..12 {
            append(&store, &numbered(n), 1000);
        }
        assert!(old_log_path(&store).exists());
        assert_eq!(ids(&mut reader), expect(5..12));
        for n in 12..30 {
            append(&store, &numbered(n), 1000);
        }
        assert!(fs::metadata(log_path(&store)).unwrap().len() <= 1000 + 200);
        let got = ids(&mut reader);
        assert!(got.ends_with(&expect(20..30)), "{got:?}");
        assert!(reader.next_events().unwrap().is_empty());
    }

    #[test]
    fn times_parse() {
        let t = parse_time("2024-01-02T03:04:05Z").unwrap();
        assert_eq!(t.timestamp(), 1_704_164_645);
        assert_eq!(parse_time("1704164645").unwrap().timestamp(), 1_704_164_645);
        assert_eq!(
            parse_time("1704164645.5")
                .unwrap()
                .timestamp_subsec_millis(),
            500
        );
        let ago = Utc::now() - parse_time("10m").unwrap();
        assert!((599..=601).contains(&ago.num_seconds()));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("10y").is_err());
        assert!(parse_time("m").is_err());
    }
}
