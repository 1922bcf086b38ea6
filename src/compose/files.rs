//! A service's `configs:` and `secrets:` as read-only files in its container, as docker
//! compose shows them without swarm: a config at `/NAME` (or its `target:`), a secret at
//! `/run/secrets/NAME`. One from a `file:` is that file, bound read-only; one from an
//! `environment:` variable or inline `content:` is written to the store
//! (`compose/PROJECT/configs|secrets/NAME`, private to the user, kept while the project
//! is up) and bound from there.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;

use super::model::{FileObject, FileRef, Service};
use super::{ComposeError, Project};
use crate::image::store::Store;

/// Names of services, configs and secrets: they become file and container names.
pub fn valid_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Configs or secrets: the objects defined, the service's uses of them, and where a
/// relative target lands.
struct Kind<'a> {
    kind: &'static str,
    uses: &'a [FileRef],
    defined: &'a std::collections::BTreeMap<String, FileObject>,
    home: &'static str,
}

fn kinds<'a>(p: &'a Project, s: &'a Service) -> [Kind<'a>; 2] {
    [
        Kind {
            kind: "config",
            uses: &s.configs,
            defined: &p.doc.configs,
            home: "/",
        },
        Kind {
            kind: "secret",
            uses: &s.secrets,
            defined: &p.doc.secrets,
            home: "/run/secrets/",
        },
    ]
}

/// What the file cannot say by its types: each object has one source, each use names a
/// defined object.
pub fn check(p: &Project, service: &str, s: &Service) -> Result<(), ComposeError> {
    let bad = |why: String| Err(ComposeError::Project(why));
    for Kind {
        kind,
        uses,
        defined,
        ..
    } in kinds(p, s)
    {
        for used in uses {
            if !defined.contains_key(used.source()) {
                return bad(format!(
                    "service {service:?} uses {kind} {:?}, which is not defined under {kind}s:",
                    used.source()
                ));
            }
        }
    }
    Ok(())
}

/// Check the top-level `configs:` and `secrets:`.
pub fn check_defined(p: &Project) -> Result<(), ComposeError> {
    for (kind, defined) in [("config", &p.doc.configs), ("secret", &p.doc.secrets)] {
        for (name, def) in defined {
            if !valid_name(name) {
                return Err(ComposeError::Project(format!(
                    "invalid {kind} name {name:?}: use letters, digits and _ . - (starting \
                     with a letter or digit)"
                )));
            }
            if def.external == Some(true) {
                return Err(ComposeError::Project(format!(
                    "{kind} {name:?} is external: external {kind}s live in a docker swarm, \
                     which nook has not; give it a file:, environment: or content:"
                )));
            }
            let sources = [&def.file, &def.environment, &def.content]
                .iter()
                .filter(|x| x.is_some())
                .count();
            if sources != 1 {
                return Err(ComposeError::Project(format!(
                    "{kind} {name:?} needs exactly one of file:, environment: or content:"
                )));
            }
        }
    }
    Ok(())
}

/// Where the project's written configs and secrets are kept.
pub fn project_dir(store: &Store, project: &str) -> PathBuf {
    store.root().join("compose").join(project)
}

/// `--volume` flags that show the service's configs and secrets, writing those that have
/// no file of their own.
pub fn volumes(
    store: &Store,
    p: &Project,
    service: &str,
    s: &Service,
) -> Result<Vec<String>, ComposeError> {
    let fail = |why: String| ComposeError::Project(format!("service {service:?}: {why}"));
    let mut out = Vec::new();
    for Kind {
        kind,
        uses,
        defined,
        home,
    } in kinds(p, s)
    {
        for used in uses {
            let name = used.source();
            let def = &defined[name];
            let (target, mode) = match used {
                FileRef::Short(_) => (None, None),
                FileRef::Long(l) => {
                    if l.uid.is_some() || l.gid.is_some() {
                        eprintln!(
                            "warning: service {service:?}: the uid and gid of {kind} {name:?} \
                             are not applied (without swarm, docker compose does not either)"
                        );
                    }
                    let mode = l
                        .mode
                        .as_ref()
                        .map(|m| {
                            let text = m.to_string();
                            u32::from_str_radix(text.trim_start_matches("0o"), 8)
                                .ok()
                                .filter(|m| *m <= 0o777)
                                .ok_or_else(|| {
                                    fail(format!(
                                        "invalid mode {text:?} for {kind} {name:?}: give it in \
                                         octal, such as 0440"
                                    ))
                                })
                        })
                        .transpose()?;
                    (l.target.clone(), mode)
                }
            };
            let target = target.unwrap_or_else(|| name.to_string());
            let target = match target.starts_with('/') {
                true => target,
                false => format!("{home}{target}"),
            };
            let host = match (&def.file, def.content.as_ref().or(def.value.as_ref())) {
                (Some(file), _) => {
                    let path = p.host_path(file);
                    if !path.is_file() {
                        return Err(fail(format!(
                            "{kind} {name:?}: {} is not a file",
                            path.display()
                        )));
                    }
                    path
                }
                (None, Some(content)) => write(store, p, kind, name, content, mode)
                    .map_err(|e| fail(format!("cannot write {kind} {name:?}: {e}")))?,
                (None, None) => {
                    return Err(fail(format!(
                        "{kind} {name:?} comes from variable {}, which is not set",
                        def.environment.as_deref().unwrap_or_default()
                    )));
                }
            };
            let shown = host.display().to_string();
            if shown.contains([':', ',']) || target.contains([':', ',']) {
                return Err(fail(format!(
                    "{kind} {name:?}: paths with ':' or ',' cannot be bound ({shown} on \
                     {target})"
                )));
            }
            out.push(format!("{shown}:{target}:ro"));
        }
    }
    Ok(out)
}

/// Write `content` where the project keeps its `kind`s, readable as `mode` says (by
/// default by every user of the container, as docker compose's are).
fn write(
    store: &Store,
    p: &Project,
    kind: &str,
    name: &str,
    content: &str,
    mode: Option<u32>,
) -> std::io::Result<PathBuf> {
    let dir = project_dir(store, &p.name).join(format!("{kind}s"));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.{}", crate::image::store::random_hex(6)));
    let result = (|| {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(content.as_bytes())?;
        f.set_permissions(fs::Permissions::from_mode(mode.unwrap_or(0o444)))?;
        fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map(|()| path)
}

/// Forget what the project wrote (after `down`).
pub fn remove(store: &Store, project: &str) -> std::io::Result<()> {
    let dir = project_dir(store, project);
    match fs::remove_dir_all(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_directory_are_refused() {
        for bad in ["", "..", ".env", "a/b", "../x", "a\0b", "-x", "a b"] {
            assert!(!valid_name(bad), "{bad:?}");
        }
        for good in ["db_password", "nginx.conf", "a-1"] {
            assert!(valid_name(good), "{good:?}");
        }
    }
}
