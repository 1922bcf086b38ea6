//! A container's output, as its monitor records it: `containers/<id>/ctr.log`, one line per
//! line of output in the CRI format Kubernetes uses —
//! `2026-11-24T01:02:03.123456789Z stdout F the line` — so stdout and stderr stay apart and
//! every line has its time. `P` marks a part of a line too long to hold (16 KiB).

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};

pub use crate::runtime::relay::Stream;

fn stream_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

const MAX_LINE: usize = 16 * 1024;

/// Appends a container's output to its log, line by line.
pub struct LogWriter {
    file: File,
    partial: [Vec<u8>; 2],
}

impl LogWriter {
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        Ok(Self {
            file,
            partial: [Vec::new(), Vec::new()],
        })
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
        self.file.write_all(&out)
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
        self.file.write_all(&out)
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

/// Reads a log from the start, and then (when following) what is appended.
pub struct LogReader {
    reader: BufReader<File>,
    pending: Vec<u8>,
}

impl LogReader {
    pub fn open(path: &Path) -> io::Result<Self> {
        Ok(Self {
            reader: BufReader::new(File::open(path)?),
            pending: Vec::new(),
        })
    }

    /// Read from byte `offset` on (where an earlier end of the file was).
    pub fn open_at(path: &Path, offset: u64) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        let mut reader = BufReader::new(file);
        reader.seek(SeekFrom::Start(offset))?;
        Ok(Self {
            reader,
            pending: Vec::new(),
        })
    }

    /// The next complete record, or `None` at the current end of the file.
    pub fn next_entry(&mut self) -> io::Result<Option<Entry>> {
        loop {
            let n = self.reader.read_until(b'\n', &mut self.pending)?;
            if n == 0 || !self.pending.ends_with(b"\n") {
                // A record still being written: try again later.
                return Ok(None);
            }
            let raw = std::mem::take(&mut self.pending);
            if let Some(e) = parse(&raw[..raw.len() - 1]) {
                return Ok(Some(e));
            }
        }
    }

    /// Skip to where the last `n` lines begin.
    pub fn tail(path: &Path, n: usize) -> io::Result<Self> {
        let mut reader = Self::open(path)?;
        let mut starts = std::collections::VecDeque::with_capacity(n + 1);
        let mut offset = 0u64;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let len = reader.reader.read_until(b'\n', &mut buf)?;
            if len == 0 {
                break;
            }
            if buf.ends_with(b"\n") && parse(&buf[..len - 1]).is_some_and(|e| e.full) {
                starts.push_back(offset + len as u64);
                if starts.len() > n + 1 {
                    starts.pop_front();
                }
            }
            offset += len as u64;
        }
        // The line n from the end begins where the line before it ended.
        let from = if starts.len() > n { starts[0] } else { 0 };
        let mut reader = Self::open(path)?;
        reader.reader.seek(SeekFrom::Start(from))?;
        Ok(reader)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_streams_and_tails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path).unwrap();
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
    fn long_lines_are_split() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ctr.log");
        let mut w = LogWriter::open(&path).unwrap();
        w.write(Stream::Stdout, &vec![b'x'; MAX_LINE + 10]).unwrap();
        w.write(Stream::Stdout, b"\n").unwrap();
        let mut r = LogReader::open(&path).unwrap();
        let a = r.next_entry().unwrap().unwrap();
        let b = r.next_entry().unwrap().unwrap();
        assert!(!a.full && b.full);
        assert_eq!(a.content.len() + b.content.len(), MAX_LINE + 10);
    }
}
