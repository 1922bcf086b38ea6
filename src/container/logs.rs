//! A container's output, as its monitor records it: `containers/<id>/ctr.log`, one line per
//! line of output in the CRI format Kubernetes uses —
//! `2026-11-24T01:02:03.123456789Z stdout F the line` — so stdout and stderr stay apart and
//! every line has its time. `P` marks a part of a line too long to hold (16 KiB).
//!
//! The log is bounded, as docker's `max-size`/`max-file` bound it: past `max_size` bytes the
//! monitor moves `ctr.log` to `ctr.log.1` (and `.1` to `.2`, up to `max_file - 1` old files)
//! and starts anew, so a container that writes without end cannot fill the disk. Readers
//! read the old files first, and a reader following the log moves on to the new file.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

pub use crate::runtime::relay::Stream;

fn stream_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

const MAX_LINE: usize = 16 * 1024;

/// How much of a container's output is kept: `max_file` files of at most `max_size` bytes
/// (the current one and `max_file - 1` older ones); `max_size` 0 keeps nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLimits {
    pub max_size: u64,
    pub max_file: u32,
}

impl Default for LogLimits {
    /// docker's `local` log driver's: 5 files of 20 MiB.
    fn default() -> Self {
        LogLimits {
            max_size: 20 << 20,
            max_file: 5,
        }
    }
}

/// The `n`th older file of the log at `path` (`ctr.log.N`).
fn rotated(path: &Path, n: u32) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{n}"));
    PathBuf::from(name)
}

/// The files of the log at `path` that exist, oldest first, the current one last.
fn files_of(path: &Path) -> Vec<PathBuf> {
    let mut older: Vec<PathBuf> = (1..)
        .map(|n| rotated(path, n))
        .take_while(|p| p.exists())
        .collect();
    older.reverse();
    older.push(path.to_path_buf());
    older
}

/// Appends a container's output to its log, line by line, within its limits.
pub struct LogWriter {
    path: PathBuf,
    file: File,
    size: u64,
    limits: LogLimits,
    partial: [Vec<u8>; 2],
}

impl LogWriter {
    pub fn open(path: &Path, limits: LogLimits) -> io::Result<Self> {
        let file = Self::create(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            size: file.metadata()?.len(),
            file,
            limits,
            partial: [Vec::new(), Vec::new()],
        })
    }

    fn create(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
    }

    /// Append whole records, moving to a new file first when they would pass the limit.
    fn append(&mut self, records: &[u8]) -> io::Result<()> {
        if records.is_empty() || self.limits.max_size == 0 {
            return Ok(());
        }
        if self.size > 0 && self.size + records.len() as u64 > self.limits.max_size {
            self.rotate()?;
        }
        if let Err(e) = self.file.write_all(records) {
            // No half record (a full disk): the file ends where the last whole one did.
            let _ = self.file.set_len(self.size);
            return Err(e);
        }
        self.size += records.len() as u64;
        Ok(())
    }

    /// `ctr.log.N-1` → `.N` … `ctr.log` → `.1` (the oldest beyond `max_file` gone), and a
    /// new `ctr.log`.
    fn rotate(&mut self) -> io::Result<()> {
        let keep = self.limits.max_file.max(1) - 1;
        let oldest = rotated(&self.path, keep.max(1));
        match keep {
            0 => std::fs::remove_file(&self.path)?,
            _ => {
                let _ = std::fs::remove_file(&oldest);
                for n in (1..keep).rev() {
                    let from = rotated(&self.path, n);
                    if from.exists() {
                        std::fs::rename(&from, rotated(&self.path, n + 1))?;
                    }
                }
                std::fs::rename(&self.path, rotated(&self.path, 1))?;
            }
        }
        self.file = Self::create(&self.path)?;
        self.size = 0;
        Ok(())
    }

    /// Record `bytes` the container wrote to `stream`.
    pub fn write(&mut self, stream: Stream, bytes: &[u8]) -> io::Result<()> {
        let i = stream as usize;
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            self.partial[i].extend_from_slice(&rest[..nl]);
            line(&mut out, stream, 'F', &self.partial[i]);
            self.partial[i].clear();
            rest = &rest[nl + 1..];
        }
        self.partial[i].extend_from_slice(rest);
        while self.partial[i].len() >= MAX_LINE {
            let tail = self.partial[i].split_off(MAX_LINE);
            line(&mut out, stream, 'P', &self.partial[i]);
            self.partial[i] = tail;
        }
        self.append(&out)
    }

    /// Record what is left of unfinished lines (the streams have ended).
    pub fn flush(&mut self) -> io::Result<()> {
        let mut out = Vec::new();
        for (i, stream) in [Stream::Stdout, Stream::Stderr].into_iter().enumerate() {
            if !self.partial[i].is_empty() {
                line(&mut out, stream, 'F', &self.partial[i]);
                self.partial[i].clear();
            }
        }
        self.append(&out)
    }
}

fn line(out: &mut Vec<u8>, stream: Stream, tag: char, content: &[u8]) {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, true);
    out.extend_from_slice(format!("{now} {} {tag} ", stream_name(stream)).as_bytes());
    out.extend_from_slice(content);
    out.push(b'\n');
}

/// One record of a log.
pub struct Entry {
    pub time: DateTime<Utc>,
    pub stream: Stream,
    /// The end of a line (`F`) rather than a part of one (`P`).
    pub full: bool,
    pub content: Vec<u8>,
}

fn parse(raw: &[u8]) -> Option<Entry> {
    let mut parts = raw.splitn(4, |b| *b == b' ');
    let time = DateTime::parse_from_rfc3339(std::str::from_utf8(parts.next()?).ok()?).ok()?;
    let stream = match parts.next()? {
        b"stdout" => Stream::Stdout,
        b"stderr" => Stream::Stderr,
        _ => return None,
    };
    let full = parts.next()? == b"F";
    Some(Entry {
        time: time.with_timezone(&Utc),
        stream,
        full,
        content: parts.next().unwrap_or(b"").to_vec(),
    })
}

/// Reads a log from the start (its older files first), and then (when following) what is
/// appended, moving on to the new file when the log is rotated.
pub struct LogReader {
    path: PathBuf,
    /// Older files still to read, the next first.
    queue: std::collections::VecDeque<PathBuf>,
    reader: BufReader<File>,
    pending: Vec<u8>,
}

impl LogReader {
    /// The whole log, oldest record first.
    pub fn open(path: &Path) -> io::Result<Self> {
        Self::from_files(path, files_of(path), 0)
    }

    /// Read from byte `offset` of the current file on (where an earlier end of it was).
    pub fn open_at(path: &Path, offset: u64) -> io::Result<Self> {
        Self::from_files(path, vec![path.to_path_buf()], offset)
    }

    fn from_files(path: &Path, files: Vec<PathBuf>, offset: u64) -> io::Result<Self> {
        let mut queue: std::collections::VecDeque<PathBuf> = files.into();
        let first = queue.pop_front().unwrap_or_else(|| path.to_path_buf());
        let mut reader = BufReader::new(Self::open_file(&first)?);
        reader.seek(SeekFrom::Start(offset))?;
        Ok(Self {
            path: path.to_path_buf(),
            queue,
            reader,
            pending: Vec::new(),
        })
    }

    /// A file of the log, made empty if the container has not written yet.
    fn open_file(path: &Path) -> io::Result<File> {
        match File::open(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => OpenOptions::new()
                .read(true)
                .create(true)
                .append(true)
                .mode(0o600)
                .open(path),
            other => other,
        }
    }

    /// The next complete record, or `None` at the current end of the log.
    pub fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        // Set once the current file is known to be moved aside: read to its end once more
        // (what was written before the move), then go on to the new file.
        let mut final_read = false;
        loop {
            let n = self.reader.read_until(b'\n', &mut self.pending)?;
            if self.pending.ends_with(b"\n") {
                let raw = std::mem::take(&mut self.pending);
                if let Some(e) = parse(&raw[..raw.len() - 1]) {
                    return Ok(Some(e));
                }
                continue;
            }
            if n > 0 {
                continue;
            }
            // The end of this file: the next older one, or, if the log was rotated while we
            // read, the new current file; otherwise a record may still be being written.
            if let Some(next) = self.queue.pop_front() {
                self.switch(&next)?;
            } else if !self.rotated()? {
                return Ok(None);
            } else if !final_read {
                final_read = true;
            } else {
                let path = self.path.clone();
                self.switch(&path)?;
                final_read = false;
            }
        }
    }

    fn switch(&mut self, to: &Path) -> io::Result<()> {
        self.pending.clear();
        self.reader = BufReader::new(Self::open_file(to)?);
        Ok(())
    }

    /// Whether the current file is no longer the log's (it was moved to `ctr.log.1`).
    fn rotated(&self) -> io::Result<bool> {
        use std::os::unix::fs::MetadataExt;
        let ours = self.reader.get_ref().metadata()?;
        Ok(match std::fs::metadata(&self.path) {
            Ok(now) => (now.dev(), now.ino()) != (ours.dev(), ours.ino()),
            Err(_) => false,
        })
    }

    /// Skip to where the last `n` lines begin, in whichever of the log's files that is.
    pub fn tail(path: &Path, n: usize) -> io::Result<Self> {
        let files = files_of(path);
        let mut wanted = n;
        // Newest file first, until one holds the start of the last n lines.
        for i in (0..files.len()).rev() {
            let ends = line_ends(&files[i])?;
            if ends.len() >= wanted || i == 0 {
                // The line n from the end begins where the line before it ended.
                let from = match ends.len().checked_sub(wanted + 1) {
                    Some(k) => ends[k],
                    None => 0,
                };
                return Self::from_files(path, files[i..].to_vec(), from);
            }
            wanted -= ends.len();
        }
        Self::open(path)
    }
}

/// The offsets just past each whole line's last record in the file at `path`.
fn line_ends(path: &Path) -> io::Result<Vec<u64>> {
    let mut reader = BufReader::new(match File::open(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        other => other?,
    });
    let mut ends = Vec::new();
    let mut offset = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let len = reader.read_until(b'\n', &mut buf)?;
        if len == 0 {
            break;
        }
        if buf.ends_with(b"\n") && parse(&buf[..len - 1]).is_some_and(|e| e.full) {
            ends.push(offset + len as u64);
        }
        offset += len as u64;
    }
    Ok(ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_streams_and_tails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, LogLimits::default()).unwrap();
        w.write(Stream::Stdout, b"one\ntw").unwrap();
        w.write(Stream::Stderr, b"oops\n").unwrap();
        w.write(Stream::Stdout, b"o\nthree").unwrap();
        w.flush().unwrap();
        let mut r = LogReader::open(&path).unwrap();
        let mut got = Vec::new();
        while let Some(e) = r.next_entry().unwrap() {
            got.push((e.stream, String::from_utf8(e.content).unwrap()));
        }
        assert_eq!(
            got,
            vec![
                (Stream::Stdout, "one".to_string()),
                (Stream::Stderr, "oops".to_string()),
                (Stream::Stdout, "two".to_string()),
                (Stream::Stdout, "three".to_string()),
            ]
        );
        let mut t = LogReader::tail(&path, 2).unwrap();
        let first = t.next_entry().unwrap().unwrap();
        assert_eq!(first.content, b"two");
        let mut all = LogReader::tail(&path, 10).unwrap();
        assert_eq!(all.next_entry().unwrap().unwrap().content, b"one");
    }

    #[test]
    fn the_log_rotates_within_its_limits_and_readers_follow() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let limits = LogLimits {
            max_size: 1000,
            max_file: 3,
        };
        let mut w = LogWriter::open(&path, limits).unwrap();
        let mut follower = LogReader::open(&path).unwrap();
        let mut followed = Vec::new();
        for i in 0..200 {
            w.write(Stream::Stdout, format!("line {i}\n").as_bytes())
                .unwrap();
            // Read as it is written, across every rotation.
            while let Some(e) = follower.next_entry().unwrap() {
                followed.push(String::from_utf8(e.content).unwrap());
            }
        }
        let want: Vec<String> = (0..200).map(|i| format!("line {i}")).collect();
        assert_eq!(followed, want);
        // Three files at most, none past the limit: the oldest lines are gone.
        assert!(rotated(&path, 2).exists() && !rotated(&path, 3).exists());
        for f in files_of(&path) {
            assert!(std::fs::metadata(&f).unwrap().len() <= 1000, "{f:?}");
        }
        let mut all = Vec::new();
        let mut r = LogReader::open(&path).unwrap();
        while let Some(e) = r.next_entry().unwrap() {
            all.push(String::from_utf8(e.content).unwrap());
        }
        assert!(all.len() < 200 && all.len() > 40, "{}", all.len());
        assert_eq!(all[..], want[200 - all.len()..]);
        // The last lines, whichever files they are in.
        let current = line_ends(&path).unwrap().len();
        for n in [0, 1, current, current + 1, all.len(), all.len() + 5] {
            let mut t = LogReader::tail(&path, n).unwrap();
            let mut got = Vec::new();
            while let Some(e) = t.next_entry().unwrap() {
                got.push(String::from_utf8(e.content).unwrap());
            }
            assert_eq!(got[..], all[all.len() - n.min(all.len())..], "tail {n}");
        }
        // max-size 0 (`--log-driver none`) keeps nothing.
        let none = dir.path().join("none.log");
        let mut w = LogWriter::open(
            &none,
            LogLimits {
                max_size: 0,
                max_file: 1,
            },
        )
        .unwrap();
        w.write(Stream::Stdout, b"gone\n").unwrap();
        assert_eq!(std::fs::metadata(&none).unwrap().len(), 0);
    }

    #[test]
    fn long_lines_are_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path, LogLimits::default()).unwrap();
        w.write(Stream::Stdout, &vec![b'x'; MAX_LINE + 10]).unwrap();
        w.write(Stream::Stdout, b"\n").unwrap();
        let mut r = LogReader::open(&path).unwrap();
        let a = r.next_entry().unwrap().unwrap();
        let b = r.next_entry().unwrap().unwrap();
        assert!(!a.full && b.full);
        assert_eq!(a.content.len() + b.content.len(), MAX_LINE + 10);
    }
}
