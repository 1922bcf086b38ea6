//! A profile as a build: the Containerfile `nook build`'s step engine runs for it (one layer
//! per package set and per set-up step, each cached by the engine), and the step keys the
//! lock records (the profile's own, the same on every machine).

use std::collections::BTreeMap;

use crate::build::context::Context;

use sha2::{Digest as _, Sha256};

use super::ProfileError;
use super::load::{PackageSet, Profile};
use super::schema::Step;

/// Where a step's inputs are shown, and where it runs.
pub const INPUTS: &str = "/nook/inputs";
/// Where the package steps leave what they installed (name, tab, version; one per line).
pub const RECORD_DIR: &str = "usr/share/nook";

/// A package name as the managers take it (and safe in a shell word).
pub fn valid_package(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 200
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+._:~=-".contains(&b))
}

/// An input path fit for a `--mount` flag.
pub fn valid_input(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"+._/@-".contains(&b))
}

fn sha(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    format!("sha256:{}", hex::encode(h.finalize()))
}

/// The digest of an input, as `nook build` keys the bind mount that shows it to its step
/// (names, modes, link targets, contents; links followed only inside the project).
fn hash_input(project: &Context, rel: &str) -> Result<String, ProfileError> {
    let err = |why: String| ProfileError::Input {
        input: rel.to_string(),
        why,
    };
    let found = project.expand(rel).map_err(|e| err(e.to_string()))?;
    if found.len() != 1 {
        return Err(err(format!("it is not in {}", project.root.display())));
    }
    project.hash(&found).map_err(|e| err(e.to_string()))
}

/// The key of each layer the profile adds over its base (`base_manifest`): package sets
/// first, then set-up steps; each over the one before, so a change re-keys it and all after.
pub fn keys(profile: &Profile, base_manifest: &str) -> Result<Vec<String>, ProfileError> {
    let mut key = sha(&["nook profile v1", base_manifest]);
    let mut out = Vec::new();
    for set in &profile.packages {
        key = sha(&[&key, "packages", &set.install.join(" ")]);
        out.push(key.clone());
    }
    let has_inputs = profile.setup.iter().any(|s| !s.inputs.is_empty());
    let project = has_inputs
        .then(|| Context::open(&profile.dir))
        .transpose()
        .map_err(|e| ProfileError::Input {
            input: profile.dir.display().to_string(),
            why: e.to_string(),
        })?;
    for step in &profile.setup {
        let mut parts = vec![key.clone(), "step".to_string(), step_text(step)];
        for i in &step.inputs {
            let project = project.as_ref().expect("opened when a step has inputs");
            parts.push(format!("{i}={}", hash_input(project, i)?));
        }
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        key = sha(&refs);
        out.push(key.clone());
    }
    Ok(out)
}

/// A step's definition without its name (renaming a step changes nothing that is built).
fn step_text(step: &Step) -> String {
    let unnamed = Step {
        name: String::new(),
        ..step.clone()
    };
    serde_json::to_string(&unnamed).expect("steps serialize")
}

/// `s` as one shell word.
pub fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A here-document marker that is no line of `body`.
fn marker(stem: &str, body: &str) -> String {
    let mut m = stem.to_string();
    while body.lines().any(|l| l.trim() == m) {
        m.push('_');
    }
    m
}

/// The package manager script of one set: what it installs (with `pins`, those versions),
/// and the record of what got installed.
fn packages_script(index: usize, set: &PackageSet, pins: &BTreeMap<String, String>) -> String {
    let pinned = |sep: &str| {
        set.install
            .iter()
            .map(|p| match pins.get(p) {
                Some(v) => format!("{p}{sep}{v}"),
                None => p.clone(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let names = set.install.join(" ");
    format!(
        "set -e\n\
         names='{names}'\n\
         if command -v apt-get >/dev/null 2>&1; then\n\
         \x20 export DEBIAN_FRONTEND=noninteractive\n\
         \x20 apt-get update -q\n\
         \x20 apt-get install -y -q --no-install-recommends {apt}\n\
         \x20 rm -rf /var/lib/apt/lists/*\n\
         \x20 m=apt\n\
         elif command -v apk >/dev/null 2>&1; then\n\
         \x20 apk add --no-cache {apk}\n\
         \x20 m=apk\n\
         elif command -v dnf >/dev/null 2>&1; then\n\
         \x20 dnf install -y {dnf}\n\
         \x20 dnf clean all\n\
         \x20 m=dnf\n\
         else\n\
         \x20 echo 'nook: the base image has none of the package managers nook knows (apt-get, apk, dnf)' >&2\n\
         \x20 exit 1\n\
         fi\n\
         mkdir -p /{RECORD_DIR}\n\
         for n in $names; do\n\
         \x20 case $m in\n\
         \x20   apt) v=$(dpkg-query -W -f '${{Version}}' \"$n\") ;;\n\
         \x20   apk) v=$(apk list -I \"$n\" 2>/dev/null | sed -n \"s/^$n-\\([^ ]*\\) .*/\\1/p\") ;;\n\
         \x20   dnf) v=$(rpm -q --qf '%{{VERSION}}-%{{RELEASE}}' \"$n\") ;;\n\
         \x20 esac\n\
         \x20 printf '%s\\t%s\\t%s\\n' \"$m\" \"$n\" \"$v\"\n\
         done > /{RECORD_DIR}/packages-{index}\n",
        apt = pinned("="),
        apk = pinned("="),
        dnf = pinned("-"),
    )
}

/// The script of a set-up step: the fixed build identity, its variables, then its own text
/// (a `sh -c`), run where its inputs are.
fn step_script(step: &Step) -> String {
    let mut s = String::from("export HOME=/root TZ=UTC LANG=C.UTF-8 SOURCE_DATE_EPOCH=0\n");
    for (k, v) in &step.env {
        s.push_str(&format!("export {k}={}\n", single_quoted(v)));
    }
    s.push_str(&format!(
        "mkdir -p {INPUTS} && cd {INPUTS}\nexec /bin/sh -c {}\n",
        single_quoted(&step.run)
    ));
    s
}

/// `what` as a here-document marker (shown on the build's STEP lines).
fn word(what: &str) -> String {
    what.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(40)
        .collect()
}

/// The Containerfile for `profile` over the image `base` (a name, or name@digest), with
/// package versions from `pins` where it has them (per set); and which line of it is
/// which step (for messages).
pub fn containerfile(
    profile: &Profile,
    base: &str,
    pins: &[BTreeMap<String, String>],
) -> (String, Vec<(usize, String)>) {
    let none = BTreeMap::new();
    let mut out = format!("FROM {base}\n");
    let mut lines = Vec::new();
    for (i, set) in profile.packages.iter().enumerate() {
        let body = packages_script(i, set, pins.get(i).unwrap_or(&none));
        let m = marker(&format!("PACKAGES_{}", word(&set.from)), &body);
        lines.push((
            out.lines().count() + 1,
            format!("the packages of {}", set.from),
        ));
        out.push_str(&format!("RUN <<'{m}'\n{body}{m}\n"));
    }
    for step in &profile.setup {
        let body = step_script(step);
        let m = marker(&format!("SETUP_{}", word(&step.name)), &body);
        lines.push((
            out.lines().count() + 1,
            format!("set-up step {:?}", step.name),
        ));
        let mut flags = String::new();
        if step.network == Some(false) {
            flags.push_str("--network=none ");
        }
        for input in &step.inputs {
            flags.push_str(&format!(
                "--mount=type=bind,source={input},target={INPUTS}/{input} "
            ));
        }
        for c in &step.cache {
            flags.push_str(&format!("--mount=type=cache,target={c} "));
        }
        out.push_str(&format!("RUN {flags}<<'{m}'\n{body}{m}\n"));
    }
    (out, lines)
}

/// A build's failure in the profile's words: which step failed, and how.
pub fn explain(failure: &super::BuildFailure, lines: &[(usize, String)]) -> String {
    let how = failure.how.trim();
    match failure.line {
        Some(line) => match lines.iter().find(|(l, _)| *l == line) {
            Some((_, what)) => format!("{what} failed: {how} (its output is above)"),
            None => format!("profile:{line}: {how}"),
        },
        None => how.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_never_end_a_script_early() {
        assert_eq!(marker("SETUP_a", "a\nSETUP_a\nb"), "SETUP_a_");
        assert_eq!(word("build it!"), "build_it_");
        let lines = vec![(2, "set-up step \"a\"".to_string())];
        let failed = |line, how: &str| super::super::BuildFailure {
            line,
            how: how.to_string(),
        };
        assert_eq!(
            explain(&failed(Some(2), "exit status 3"), &lines),
            "set-up step \"a\" failed: exit status 3 (its output is above)"
        );
        assert_eq!(explain(&failed(None, "other"), &lines), "other");
        assert_eq!(explain(&failed(Some(1), "x"), &lines), "profile:1: x");
        assert_eq!(single_quoted("it's"), "'it'\\''s'");
        assert!(valid_package("libssl-dev=3.0.15-1~deb12u1"));
        assert!(!valid_package("gcc;rm"));
        assert!(!valid_package("-o"));
        assert!(!valid_input("a,target=/etc"));
    }
}
