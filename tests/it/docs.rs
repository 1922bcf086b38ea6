//! The command line's contract: help and version, docker's exit status for bad usage, and
//! man pages and shell completions that match the clap definitions.
//!
//! Regenerate the checked-in files with `NOOK_UPDATE_DOCS=1 cargo test --test it docs`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::Env;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Compare (or, with NOOK_UPDATE_DOCS=1, rewrite) generated files against `dir`.
fn check_generated(dir: &Path, generated: Vec<(String, Vec<u8>)>) {
    let update = std::env::var_os("NOOK_UPDATE_DOCS").is_some();
    if update {
        let _ = fs::remove_dir_all(dir);
        fs::create_dir_all(dir).unwrap();
    }
    let mut stale = Vec::new();
    for (name, bytes) in &generated {
        let path = dir.join(name);
        if update {
            fs::write(&path, bytes).unwrap();
        } else if fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(name.clone());
        }
    }
    let mut on_disk: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    on_disk.retain(|n| !generated.iter().any(|(g, _)| g == n));
    assert!(
        stale.is_empty() && on_disk.is_empty(),
        "{} is out of date with the clap definitions (stale: {stale:?}, extra: {on_disk:?}); \
         run NOOK_UPDATE_DOCS=1 cargo test --test it docs",
        dir.display()
    );
}

#[test]
fn man_pages_match_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(nook::cli::command(), tmp.path()).unwrap();
    let mut generated = Vec::new();
    for e in fs::read_dir(tmp.path()).unwrap().flatten() {
        generated.push((
            e.file_name().to_string_lossy().into_owned(),
            fs::read(e.path()).unwrap(),
        ));
    }
    assert!(generated.iter().any(|(n, _)| n == "nook-run.1"));
    assert!(
        !generated.iter().any(|(n, _)| n.contains("__")),
        "internal commands stay out of the manual"
    );
    check_generated(&repo().join("man"), generated);
}

#[test]
fn completions_match_the_cli() {
    use clap_complete::Shell;
    let mut generated = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "nook.bash"),
        (Shell::Zsh, "_nook"),
        (Shell::Fish, "nook.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut nook::cli::command(), "nook", &mut buf);
        generated.push((file.to_string(), buf));
    }
    check_generated(&repo().join("completions"), generated);
}

#[test]
fn completion_command_prints_the_same_scripts() {
    let env = Env::new();
    let out = env.nook(&["completion", "bash"]).ok();
    let file = fs::read_to_string(repo().join("completions/nook.bash")).unwrap();
    assert_eq!(out.stdout, file);
}

#[test]
fn version_help_and_bad_usage() {
    let env = Env::new();
    env.nook(&["--version"])
        .ok()
        .stdout_has(env!("CARGO_PKG_VERSION"));
    env.nook(&["help"])
        .ok()
        .stdout_has("Run a command in a new container");
    env.nook(&["run", "--help"]).ok().stdout_has("--read-only");
    // As docker: bad flags are nook's own error, 125.
    env.nook(&["run", "--no-such-flag", "busybox"])
        .output()
        .code(125)
        .stderr_has("--no-such-flag");
    env.nook(&["frobnicate"]).output().code(125);
    env.nook(&["run"]).output().code(125).stderr_has("IMAGE");
}
