//! Linux capabilities kept by container processes: podman's default set, adjusted by
//! `--cap-add` / `--cap-drop`. Applied with the `caps` crate (a small, maintained binding
//! that youki uses too).

use std::str::FromStr;

use caps::{CapSet, Capability, CapsHashSet};

#[derive(Debug, thiserror::Error)]
pub enum CapsError {
    #[error(
        "unknown capability {0:?} (names look like CAP_NET_RAW or net_raw; see capabilities(7))"
    )]
    Unknown(String),
    #[error("cannot set the container's capabilities: {0}")]
    Apply(caps::errors::CapsError),
}

/// podman's default capabilities for containers.
pub const DEFAULT: &[Capability] = &[
    Capability::CAP_CHOWN,
    Capability::CAP_DAC_OVERRIDE,
    Capability::CAP_FOWNER,
    Capability::CAP_FSETID,
    Capability::CAP_KILL,
    Capability::CAP_NET_BIND_SERVICE,
    Capability::CAP_SETFCAP,
    Capability::CAP_SETGID,
    Capability::CAP_SETPCAP,
    Capability::CAP_SETUID,
    Capability::CAP_SYS_CHROOT,
];

fn parse(name: &str) -> Result<Option<Capability>, CapsError> {
    let upper = name.trim().to_ascii_uppercase();
    if upper == "ALL" {
        return Ok(None);
    }
    let full = if upper.starts_with("CAP_") {
        upper
    } else {
        format!("CAP_{upper}")
    };
    Capability::from_str(&full)
        .map(Some)
        .map_err(|_| CapsError::Unknown(name.to_string()))
}

/// The default set with `add` and `drop` applied (either may say ALL); names sorted.
pub fn resolve(add: &[String], drop: &[String]) -> Result<Vec<String>, CapsError> {
    let mut set: CapsHashSet = DEFAULT.iter().copied().collect();
    for name in drop {
        match parse(name)? {
            None => set.clear(),
            Some(c) => {
                set.remove(&c);
            }
        }
    }
    for name in add {
        match parse(name)? {
            None => set.extend(caps::all()),
            Some(c) => {
                set.insert(c);
            }
        }
    }
    let mut names: Vec<String> = set.into_iter().map(|c| c.to_string()).collect();
    names.sort();
    Ok(names)
}

/// Whether a resolved list may let a process hold CAP_SYS_ADMIN: the only capability that
/// mounts, unmounts or remounts. (A list that does not parse may: it is refused later.)
pub fn may_administer(names: &[String]) -> bool {
    to_set(names).map_or(true, |set| set.contains(&Capability::CAP_SYS_ADMIN))
}

/// Parse a resolved list (as stored in a container's config).
pub fn to_set(names: &[String]) -> Result<CapsHashSet, CapsError> {
    names
        .iter()
        .map(|n| parse(n)?.ok_or_else(|| CapsError::Unknown(n.clone())))
        .collect()
}

/// Drop everything outside `keep` from the bounding set. Call before changing user.
pub fn limit_bounding(keep: &CapsHashSet) -> Result<(), CapsError> {
    for cap in caps::all().difference(keep) {
        // One call each: a capability this kernel does not know (older than the crate) is
        // not in the set to begin with, which only reading it tells.
        if let Err(e) = caps::drop(None, CapSet::Bounding, *cap)
            && caps::has_cap(None, CapSet::Bounding, *cap).is_ok()
        {
            return Err(CapsError::Apply(e));
        }
    }
    Ok(())
}

/// Give a process running as container root exactly `keep` (after changing user: a non-root
/// user has already lost every capability on `setuid`, as in docker).
pub fn set_for_root(keep: &CapsHashSet) -> Result<(), CapsError> {
    caps::set(None, CapSet::Inheritable, &CapsHashSet::new()).map_err(CapsError::Apply)?;
    caps::set(None, CapSet::Effective, keep).map_err(CapsError::Apply)?;
    caps::set(None, CapSet::Permitted, keep).map_err(CapsError::Apply)?;
    Ok(())
}

/// Let the programs this process executes keep its capabilities (ambient).
pub fn pass_on_exec() -> Result<(), CapsError> {
    let permitted = caps::read(None, CapSet::Permitted).map_err(CapsError::Apply)?;
    caps::set(None, CapSet::Inheritable, &permitted).map_err(CapsError::Apply)?;
    for cap in permitted {
        caps::raise(None, CapSet::Ambient, cap).map_err(CapsError::Apply)?;
    }
    Ok(())
}

/// Undo [`pass_on_exec`].
pub fn drop_ambient() -> Result<(), CapsError> {
    caps::clear(None, CapSet::Ambient).map_err(CapsError::Apply)?;
    caps::set(None, CapSet::Inheritable, &CapsHashSet::new()).map_err(CapsError::Apply)
}

/// Leave no capability at all (but the bounding set, limited before).
pub fn drop_all() -> Result<(), CapsError> {
    caps::clear(None, CapSet::Ambient).map_err(CapsError::Apply)?;
    for set in [CapSet::Inheritable, CapSet::Effective, CapSet::Permitted] {
        caps::set(None, set, &CapsHashSet::new()).map_err(CapsError::Apply)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_drop() {
        let d = resolve(&[], &[]).unwrap();
        assert_eq!(d.len(), DEFAULT.len());
        assert!(d.contains(&"CAP_CHOWN".to_string()));
        let r = resolve(&["net_raw".into()], &["CAP_CHOWN".into()]).unwrap();
        assert!(r.contains(&"CAP_NET_RAW".to_string()));
        assert!(!r.contains(&"CAP_CHOWN".to_string()));
        assert!(resolve(&[], &["all".into()]).unwrap().is_empty());
        assert_eq!(
            resolve(&["sys_admin".into()], &["ALL".into()]).unwrap(),
            vec!["CAP_SYS_ADMIN".to_string()]
        );
        assert!(matches!(
            resolve(&["bogus".into()], &[]),
            Err(CapsError::Unknown(_))
        ));
        assert_eq!(to_set(&r).unwrap().len(), r.len());
    }
}
