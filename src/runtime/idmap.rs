//! The user's id mapping: container root is the user, ids 1..N come from the user's
//! subordinate ranges in /etc/subuid and /etc/subgid, written by the setuid helpers
//! newuidmap/newgidmap. Without ranges, a single-id map (root only) is the fallback.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use nix::unistd::{Gid, Pid, Uid, User};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum IdMapError {
    #[error("cannot look up the current user (uid {0}) in the password database")]
    UnknownUser(u32),
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error(
        "{tool} was not found in PATH.\n  \
         nook needs it to give containers the ids of your subordinate range.\n  \
         Fix: install it (Debian/Ubuntu: sudo apt install uidmap; Fedora: sudo dnf install shadow-utils)"
    )]
    ToolMissing { tool: &'static str },
    #[error(
        "{tool} failed for process {pid}: {stderr}\n  \
         Check that /etc/{file} has a line for {user} (e.g. {user}:100000:65536), that {tool} \
         is setuid root (or has the cap_set{id}id file capability), and run `nook doctor`"
    )]
    ToolFailed {
        tool: &'static str,
        file: &'static str,
        id: &'static str,
        user: String,
        pid: i32,
        stderr: String,
    },
    #[error("cannot run {tool}: {source}")]
    ToolSpawn {
        tool: &'static str,
        source: io::Error,
    },
    #[error("cannot write the id map of process {pid} ({path}): {source}")]
    Write {
        pid: i32,
        path: &'static str,
        source: io::Error,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRange {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// How container ids map to host ids, for uids and gids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    pub user: String,
    pub uids: Vec<IdRange>,
    pub gids: Vec<IdRange>,
}

/// podman's `--userns keep-id`: inside, `uid`:`gid` are you, so that files you own on the host
/// are yours inside too (a dev shell, a project bound in); root inside is then a subordinate
/// id, and so are the image's own owners. Layers are unpacked again for it ([`KeepId::owner`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeepId {
    pub uid: u32,
    pub gid: u32,
}

impl KeepId {
    /// The caller's own ids.
    pub fn current() -> KeepId {
        KeepId {
            uid: Uid::current().as_raw(),
            gid: Gid::current().as_raw(),
        }
    }

    /// The id, in the user's usual map (where 0 is you and 1.. the subordinate ids in order),
    /// of the host id that `id` has inside under this keep-id map (`keep` the kept id): the
    /// owner a layer's file gets when it is unpacked for keep-id containers.
    pub fn owner(keep: u32, id: u32) -> u32 {
        match id.cmp(&keep) {
            std::cmp::Ordering::Less => id + 1,
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Greater => id,
        }
    }
}

/// What was found for the current user; `warning` is set when nook falls back to a single id.
#[derive(Clone)]
pub struct UserMapping {
    pub map: IdMap,
    pub warning: Option<String>,
}

const SUBUID: &str = "/etc/subuid";
const SUBGID: &str = "/etc/subgid";

impl IdMap {
    pub fn for_current_user() -> Result<UserMapping, IdMapError> {
        let uid = Uid::current();
        let gid = Gid::current();
        let user = User::from_uid(uid)
            .ok()
            .flatten()
            .ok_or(IdMapError::UnknownUser(uid.as_raw()))?;
        Self::for_user(
            &user.name,
            uid.as_raw(),
            gid.as_raw(),
            Path::new(SUBUID),
            Path::new(SUBGID),
        )
    }

    fn for_user(
        name: &str,
        uid: u32,
        gid: u32,
        subuid: &Path,
        subgid: &Path,
    ) -> Result<UserMapping, IdMapError> {
        let sub_u = read_ranges(subuid, name, uid)?;
        let sub_g = read_ranges(subgid, name, uid)?;
        let root_u = IdRange {
            inside: 0,
            outside: uid,
            count: 1,
        };
        let root_g = IdRange {
            inside: 0,
            outside: gid,
            count: 1,
        };
        if sub_u.is_empty() || sub_g.is_empty() {
            let missing = match (sub_u.is_empty(), sub_g.is_empty()) {
                (true, true) => "/etc/subuid and /etc/subgid have no range",
                (true, false) => "/etc/subuid has no range",
                _ => "/etc/subgid has no range",
            };
            return Ok(UserMapping {
                map: IdMap {
                    user: name.to_string(),
                    uids: vec![root_u],
                    gids: vec![root_g],
                },
                warning: Some(format!(
                    "{missing} for user {name}, so containers get a single id: only root exists \
                     inside, and images with files owned by other users cannot be used.\n  \
                     Fix: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {name}"
                )),
            });
        }
        Ok(UserMapping {
            map: IdMap {
                user: name.to_string(),
                uids: stack(root_u, &sub_u),
                gids: stack(root_g, &sub_g),
            },
            warning: None,
        })
    }

    /// The map of a keep-id container: inside, `keep` is you; 0..keep and what follows
    /// `keep` are the subordinate ids, in order. `None` without enough subordinate ids.
    pub fn keep_id(&self, keep: KeepId) -> Option<IdMap> {
        if self.is_single() {
            return None;
        }
        Some(IdMap {
            user: self.user.clone(),
            uids: keep_ranges(&self.uids, keep.uid)?,
            gids: keep_ranges(&self.gids, keep.gid)?,
        })
    }

    /// True when only container root is mapped (no subordinate ranges).
    pub fn is_single(&self) -> bool {
        self.uids.len() == 1 && self.gids.len() == 1
    }

    /// Number of uids mapped (container uids 0..n exist).
    pub fn uid_count(&self) -> u64 {
        self.uids.iter().map(|r| r.count as u64).sum()
    }

    pub fn gid_count(&self) -> u64 {
        self.gids.iter().map(|r| r.count as u64).sum()
    }

    /// The host uid that container uid `inside` is stored as.
    pub fn host_uid(&self, inside: u32) -> Option<u32> {
        lookup(&self.uids, inside)
    }

    pub fn host_gid(&self, inside: u32) -> Option<u32> {
        lookup(&self.gids, inside)
    }

    /// Write the maps of `pid`, a process that has just entered a new user namespace.
    pub fn apply(&self, pid: Pid) -> Result<(), IdMapError> {
        if self.is_single() {
            let write = |path: &'static str, text: String| {
                fs::write(format!("/proc/{pid}/{path}"), text).map_err(|source| IdMapError::Write {
                    pid: pid.as_raw(),
                    path,
                    source,
                })
            };
            let (u, g) = (self.uids[0], self.gids[0]);
            write("uid_map", format!("0 {} 1\n", u.outside))?;
            write("setgroups", "deny\n".to_string())?;
            write("gid_map", format!("0 {} 1\n", g.outside))?;
            return Ok(());
        }
        // The two helpers touch different files: run them side by side.
        let uid_tool = self.spawn_tool("newuidmap", &self.uids, pid)?;
        let gid_tool = self.spawn_tool("newgidmap", &self.gids, pid);
        let uid_done = self.finish_tool(uid_tool, "newuidmap", "subuid", "u", pid);
        let gid_done = gid_tool.and_then(|c| self.finish_tool(c, "newgidmap", "subgid", "g", pid));
        uid_done.and(gid_done)
    }

    fn spawn_tool(
        &self,
        tool: &'static str,
        ranges: &[IdRange],
        pid: Pid,
    ) -> Result<Child, IdMapError> {
        let mut cmd = Command::new(tool);
        cmd.arg(pid.to_string());
        for r in ranges {
            cmd.args([
                r.inside.to_string(),
                r.outside.to_string(),
                r.count.to_string(),
            ]);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| {
                if source.kind() == io::ErrorKind::NotFound {
                    IdMapError::ToolMissing { tool }
                } else {
                    IdMapError::ToolSpawn { tool, source }
                }
            })
    }

    fn finish_tool(
        &self,
        child: Child,
        tool: &'static str,
        file: &'static str,
        id: &'static str,
        pid: Pid,
    ) -> Result<(), IdMapError> {
        let out = child
            .wait_with_output()
            .map_err(|source| IdMapError::ToolSpawn { tool, source })?;
        if !out.status.success() {
            return Err(IdMapError::ToolFailed {
                tool,
                file,
                id,
                user: self.user.clone(),
                pid: pid.as_raw(),
                stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        Ok(())
    }
}

fn lookup(ranges: &[IdRange], inside: u32) -> Option<u32> {
    ranges
        .iter()
        .find(|r| inside >= r.inside && inside - r.inside < r.count)
        .map(|r| r.outside + (inside - r.inside))
}

/// `ranges` as [`IdMap::keep_id`] lays them out: its first (inside 0, you) moved to `keep`.
fn keep_ranges(ranges: &[IdRange], keep: u32) -> Option<Vec<IdRange>> {
    let (you, subs) = ranges.split_first()?;
    let total: u64 = subs.iter().map(|r| u64::from(r.count)).sum();
    if total < u64::from(keep) {
        return None;
    }
    let mut out = Vec::new();
    let mut inside = 0u32;
    for r in subs {
        let (mut outside, mut count) = (r.outside, r.count);
        if inside < keep && inside + count > keep {
            // This range spans `keep`: split it around you.
            let before = keep - inside;
            out.push(IdRange {
                inside,
                outside,
                count: before,
            });
            inside = keep;
            outside += before;
            count -= before;
        }
        if inside == keep {
            out.push(IdRange {
                inside,
                outside: you.outside,
                count: 1,
            });
            inside += 1;
        }
        out.push(IdRange {
            inside,
            outside,
            count,
        });
        inside = inside.saturating_add(count);
    }
    if inside == keep {
        out.push(IdRange {
            inside,
            outside: you.outside,
            count: 1,
        });
    }
    Some(out)
}

/// Container ids 1.. are the subordinate ranges laid end to end after root.
fn stack(root: IdRange, subs: &[(u32, u32)]) -> Vec<IdRange> {
    let mut out = vec![root];
    let mut next = 1u32;
    for &(start, count) in subs {
        out.push(IdRange {
            inside: next,
            outside: start,
            count,
        });
        next = next.saturating_add(count);
    }
    out
}

/// The (start, count) ranges of `name` (or of its numeric uid) in a subid file.
fn read_ranges(path: &Path, name: &str, uid: u32) -> Result<Vec<(u32, u32)>, IdMapError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(IdMapError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let uid_str = uid.to_string();
    Ok(text
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            if line.starts_with('#') {
                return None;
            }
            let mut f = line.split(':');
            let (who, start, count) = (f.next()?, f.next()?, f.next()?);
            if who != name && who != uid_str {
                return None;
            }
            let (start, count) = (start.parse().ok()?, count.parse().ok()?);
            (count > 0).then_some((start, count))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(subuid: &str, subgid: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let u = dir.path().join("subuid");
        let g = dir.path().join("subgid");
        fs::write(&u, subuid).unwrap();
        fs::write(&g, subgid).unwrap();
        (dir, u, g)
    }

    #[test]
    fn maps_root_to_user_and_rest_to_ranges() {
        let (_d, u, g) = files(
            "other:1:2\n# comment\nalice:100000:65536\n1000:300000:10\n",
            "alice:200000:65536\n",
        );
        let m = IdMap::for_user("alice", 1000, 1001, &u, &g).unwrap();
        assert!(m.warning.is_none());
        let m = m.map;
        assert_eq!(m.host_uid(0), Some(1000));
        assert_eq!(m.host_uid(1), Some(100000));
        assert_eq!(m.host_uid(65536), Some(165535));
        // the second range, given by numeric uid, follows the first
        assert_eq!(m.host_uid(65537), Some(300000));
        assert_eq!(m.host_uid(65547), None);
        assert_eq!(m.host_gid(0), Some(1001));
        assert_eq!(m.host_gid(1000), Some(200999));
        assert_eq!(m.uid_count(), 1 + 65536 + 10);
        assert!(!m.is_single());
    }

    #[test]
    fn keep_id_maps_you_to_yourself_and_owners_follow() {
        let (_d, u, g) = files(
            "alice:100000:600\nalice:300000:65536\n",
            "alice:200000:65536\n",
        );
        let std_map = IdMap::for_user("alice", 1000, 1001, &u, &g).unwrap().map;
        let keep = KeepId {
            uid: 1000,
            gid: 1001,
        };
        let k = std_map.keep_id(keep).unwrap();
        assert_eq!(k.host_uid(1000), Some(1000));
        assert_eq!(k.host_gid(1001), Some(1001));
        assert_eq!(k.uid_count(), std_map.uid_count());
        // Every id inside is on the host what an unpack under the usual map made it.
        for id in [0, 1, 599, 600, 999, 1000, 1001, 65535, 66135] {
            assert_eq!(
                k.host_uid(id),
                std_map.host_uid(KeepId::owner(1000, id)),
                "uid {id}"
            );
            assert_eq!(k.host_gid(id), std_map.host_gid(KeepId::owner(1001, id)));
        }
        // Too few subordinate ids for the kept one, or none at all.
        assert!(std_map.keep_id(KeepId { uid: 70000, gid: 0 }).is_none());
        let (_d, u, g) = files("", "");
        let single = IdMap::for_user("alice", 1000, 1000, &u, &g).unwrap().map;
        assert!(single.keep_id(keep).is_none());
    }

    #[test]
    fn falls_back_to_single_id_with_a_fix() {
        let (_d, u, g) = files("bob:100000:65536\n", "");
        let m = IdMap::for_user("alice", 1000, 1000, &u, &g).unwrap();
        assert!(m.map.is_single());
        let w = m.warning.unwrap();
        assert!(w.contains("usermod --add-subuids"), "{w}");
        assert!(w.contains("/etc/subuid and /etc/subgid"), "{w}");
    }
}
