//! The build context: the directory a build may copy from, less what `.containerignore` (or
//! `.dockerignore`) leaves out. Sources are matched as docker matches them (Go's
//! `filepath.Match`, one path component at a time) and must stay inside the context: `..`
//! out of it is refused, and links are followed inside it, as if it were the root (one that
//! leads out leads nowhere). What a COPY takes is hashed by content (not
//! by modification time), so a fresh clone of the same sources hits the cache.

use std::fs;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::runtime::confine::{Create, Root};

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}: no file in the build context matches it{1}")]
    NoMatch(String, &'static str),
    #[error("{0} is outside the build context: a build copies only from its context")]
    Outside(String),
    #[error("invalid pattern {0:?} in {1}: {2}")]
    BadPattern(String, String, &'static str),
}

/// One rule of an ignore file.
#[derive(Clone, Debug)]
struct Rule {
    /// Path components of the pattern (`**` may match any number of them).
    parts: Vec<String>,
    /// `!pattern`: takes back what an earlier rule left out.
    keep: bool,
}

/// What a build context holds.
pub struct Context {
    pub root: PathBuf,
    rules: Vec<Rule>,
}

impl Context {
    /// The context at `root` with its ignore file (`.containerignore` before `.dockerignore`).
    pub fn open(root: &Path) -> Result<Context, ContextError> {
        let root = fs::canonicalize(root).map_err(|source| ContextError::Read {
            path: root.to_path_buf(),
            source,
        })?;
        let mut rules = Vec::new();
        for name in [".containerignore", ".dockerignore"] {
            let path = root.join(name);
            if let Ok(text) = fs::read_to_string(&path) {
                for line in text.lines() {
                    let l = line.trim();
                    if l.is_empty() || l.starts_with('#') {
                        continue;
                    }
                    let (keep, pattern) = match l.strip_prefix('!') {
                        Some(p) => (true, p.trim()),
                        None => (false, l),
                    };
                    let clean = clean_path(pattern);
                    if clean.is_empty() {
                        continue;
                    }
                    for part in &clean {
                        check_pattern(part).map_err(|why| {
                            ContextError::BadPattern(pattern.to_string(), name.to_string(), why)
                        })?;
                    }
                    rules.push(Rule { parts: clean, keep });
                }
                break;
            }
        }
        Ok(Context { root, rules })
    }

    /// Is the path (relative to the context, as components) left out by the ignore rules?
    pub fn ignored(&self, rel: &[String]) -> bool {
        let mut out = false;
        for r in &self.rules {
            if r.keep != out {
                continue;
            }
            // A rule matches the path, or a directory it is in.
            if (1..=rel.len()).any(|n| match_parts(&r.parts, &rel[..n])) {
                out = !r.keep;
            }
        }
        out
    }

    /// The files and directories a COPY source pattern names, relative to the context.
    pub fn expand(&self, pattern: &str) -> Result<Vec<Vec<String>>, ContextError> {
        let parts = clean_path(pattern);
        if pattern_climbs(pattern) {
            return Err(ContextError::Outside(pattern.to_string()));
        }
        for part in &parts {
            check_pattern(part).map_err(|why| {
                ContextError::BadPattern(pattern.to_string(), "the Containerfile".to_string(), why)
            })?;
        }
        // Links are followed inside the context (as if it were the root), never out of it.
        let root = self.confined()?;
        let mut found = vec![Vec::new()];
        for part in &parts {
            let mut next = Vec::new();
            for at in &found {
                if !has_magic(part) {
                    let mut p = at.clone();
                    p.push(part.clone());
                    match root.open_final(&p.join("/")) {
                        Ok(_) => next.push(p),
                        // A link that leads out of the context leads nowhere.
                        Err(_) if fs::symlink_metadata(self.path(&p)).is_ok() => {
                            return Err(ContextError::Outside(pattern.to_string()));
                        }
                        Err(_) => {}
                    }
                    continue;
                }
                let Ok(dir) = root.open_path(&at.join("/"), Create::Nothing) else {
                    continue;
                };
                let Ok(entries) = fs::read_dir(fd_path(&dir, "")) else {
                    continue;
                };
                let mut names: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                names.sort();
                for name in names {
                    if glob_match(part, &name) {
                        let mut p = at.clone();
                        p.push(name);
                        next.push(p);
                    }
                }
            }
            found = next;
        }
        found.retain(|f| f.is_empty() || !self.ignored(f));
        if found.is_empty() {
            return Err(ContextError::NoMatch(
                pattern.to_string(),
                if self.rules.is_empty() {
                    ""
                } else {
                    " (or the ignore file leaves it out)"
                },
            ));
        }
        Ok(found)
    }

    /// The context as a root its links are resolved in.
    fn confined(&self) -> Result<Root, ContextError> {
        Root::open(&self.root).map_err(|e| ContextError::Read {
            path: self.root.clone(),
            source: std::io::Error::other(e.to_string()),
        })
    }

    pub fn path(&self, rel: &[String]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(rel);
        p
    }

    /// A digest of what `sources` hold (names, modes, link targets, contents; not times or
    /// owners), after the ignore rules: the cache key of a COPY.
    pub fn hash(&self, sources: &[Vec<String>]) -> Result<String, ContextError> {
        let root = self.confined()?;
        let mut h = Sha256::new();
        for s in sources {
            h.update(b"source\0");
            for p in s {
                h.update(p.as_bytes());
                h.update(b"/");
            }
            // What the source leads to (its links followed inside the context), as the copy
            // takes it.
            let (dir, name) = root
                .open_final(&s.join("/"))
                .map_err(|e| ContextError::Read {
                    path: self.path(s),
                    source: std::io::Error::other(e.to_string()),
                })?;
            self.hash_tree(&mut h, s, &fd_path(&dir, &name.to_string_lossy()))?;
        }
        Ok(hex::encode(h.finalize()))
    }

    fn hash_tree(&self, h: &mut Sha256, rel: &[String], path: &Path) -> Result<(), ContextError> {
        let read = |source| ContextError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = fs::symlink_metadata(path).map_err(read)?;
        h.update(format!("\0{:o}\0", meta.mode()).as_bytes());
        let kind = meta.file_type();
        if kind.is_symlink() {
            h.update(fs::read_link(path).map_err(read)?.as_os_str().as_bytes());
        } else if kind.is_file() {
            let mut f = fs::File::open(path).map_err(read)?;
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf).map_err(read)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        } else if kind.is_dir() {
            let mut names: Vec<String> = fs::read_dir(path)
                .map_err(read)?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            for name in names {
                let mut child = rel.to_vec();
                child.push(name.clone());
                if self.ignored(&child) {
                    continue;
                }
                h.update(b"\0entry\0");
                h.update(name.as_bytes());
                self.hash_tree(h, &child, &path.join(&name))?;
            }
        }
        Ok(())
    }
}

/// The path of `name` in the directory `dir` refers to, for the kernel to resolve through
/// the descriptor.
fn fd_path(dir: &OwnedFd, name: &str) -> PathBuf {
    Path::new(&format!("/proc/self/fd/{}", dir.as_raw_fd())).join(name)
}

/// A path's plain components (`.` dropped, a leading `/` ignored).
pub fn clean_path(p: &str) -> Vec<String> {
    Path::new(p)
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_string()),
            _ => None,
        })
        .collect()
}

/// Does the path climb out of where it starts (more `..` than names before them)?
fn pattern_climbs(p: &str) -> bool {
    let mut depth: i64 = 0;
    for c in clean_path(p) {
        depth += if c == ".." { -1 } else { 1 };
        if depth < 0 {
            return true;
        }
    }
    false
}

fn has_magic(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// Check a pattern component the way filepath.Match would reject it.
fn check_pattern(p: &str) -> Result<(), &'static str> {
    if p == "**" {
        return Ok(());
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            '[' => {
                let mut closed = false;
                for d in chars.by_ref() {
                    if d == ']' {
                        closed = true;
                        break;
                    }
                }
                if !closed {
                    return Err("an unclosed [");
                }
            }
            '\\' if chars.next().is_none() => return Err("a trailing \\"),
            _ => {}
        }
    }
    Ok(())
}

/// Do the pattern's components match the path's (`**` matching any number of them)?
fn match_parts(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((p, rest)) if p == "**" => {
            (0..=path.len()).any(|skip| match_parts(rest, &path[skip..]))
        }
        Some((p, rest)) => path
            .split_first()
            .is_some_and(|(first, tail)| glob_match(p, first) && match_parts(rest, tail)),
    }
}

/// Go's `filepath.Match` for one component: `*`, `?`, `[a-z]`, `[^...]`, `\x`.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('?') => !n.is_empty() && go(&p[1..], &n[1..]),
            Some('[') => {
                let Some(c) = n.first() else { return false };
                let Some(end) = p.iter().position(|&x| x == ']') else {
                    return false;
                };
                let class = &p[1..end];
                let (negate, class) = match class.first() {
                    Some('^' | '!') => (true, &class[1..]),
                    _ => (false, class),
                };
                let mut hit = false;
                let mut i = 0;
                while i < class.len() {
                    if i + 2 < class.len() && class[i + 1] == '-' {
                        hit |= class[i] <= *c && *c <= class[i + 2];
                        i += 3;
                    } else {
                        hit |= class[i] == *c;
                        i += 1;
                    }
                }
                hit != negate && go(&p[end + 1..], &n[1..])
            }
            Some('\\') if p.len() > 1 => n.first() == Some(&p[1]) && go(&p[2..], &n[1..]),
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    go(&p, &n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path, files: &[&str]) {
        for f in files {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, f.as_bytes()).unwrap();
        }
    }

    #[test]
    fn globs_ignores_and_hashes() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        tree(
            r,
            &[
                "a.c",
                "b.c",
                "src/x.rs",
                "src/deep/y.rs",
                "target/o",
                "notes.md",
                "keep.md",
            ],
        );
        fs::write(
            r.join(".dockerignore"),
            "# build output\ntarget\n**/*.md\n!keep.md\nsrc/**/y.rs\n",
        )
        .unwrap();
        let c = Context::open(r).unwrap();
        let names = |pat: &str| -> Vec<String> {
            c.expand(pat).unwrap().iter().map(|p| p.join("/")).collect()
        };
        assert_eq!(names("*.c"), vec!["a.c", "b.c"]);
        assert_eq!(names("[ab].c"), vec!["a.c", "b.c"]);
        assert_eq!(names("*.md"), vec!["keep.md"]);
        assert_eq!(names("src"), vec!["src"]);
        assert!(matches!(
            c.expand("target/o"),
            Err(ContextError::NoMatch(..))
        ));
        assert!(matches!(c.expand("../etc"), Err(ContextError::Outside(_))));
        assert!(matches!(
            c.expand("nothing*"),
            Err(ContextError::NoMatch(..))
        ));
        // the hash follows contents and the ignore rules, not times
        let h1 = c.hash(&[vec!["src".to_string()]]).unwrap();
        fs::write(r.join("src/deep/y.rs"), "ignored change").unwrap();
        assert_eq!(h1, c.hash(&[vec!["src".to_string()]]).unwrap());
        fs::write(r.join("src/x.rs"), "real change").unwrap();
        assert_ne!(h1, c.hash(&[vec!["src".to_string()]]).unwrap());
        // a link is followed inside the context: one out of it leads nowhere
        std::os::unix::fs::symlink("/etc", r.join("out")).unwrap();
        for pattern in ["out/passwd", "out"] {
            assert!(matches!(c.expand(pattern), Err(ContextError::Outside(_))));
        }
        std::os::unix::fs::symlink("../../src", r.join("in")).unwrap();
        assert_eq!(names("in/x.rs"), vec!["in/x.rs"]);
        assert_eq!(names("in/*.rs"), vec!["in/x.rs"]);
        let via_link = c.hash(&[vec!["in".to_string()]]).unwrap();
        fs::write(r.join("src/x.rs"), "another change").unwrap();
        assert_ne!(via_link, c.hash(&[vec!["in".to_string()]]).unwrap());
    }

    #[test]
    fn filepath_match() {
        assert!(glob_match("*.rs", "main.rs") && !glob_match("*.rs", "main.c"));
        assert!(
            glob_match("a?c", "abc") && glob_match("[^x]y", "zy") && !glob_match("[^x]y", "xy")
        );
        assert!(glob_match("\\*", "*") && !glob_match("\\*", "a"));
    }
}
