//! `nook shell`, `nook lock` and `nook profile` as a developer meets them: a project's
//! nook.toml trusted, built once and entered as yourself; the lock written, checked and
//! enforced; nook's own profiles over a Debian image, with packages from a repository on the
//! host's loopback (no outside network).

use std::fs;
use std::path::{Path, PathBuf};

use crate::harness::{Env, Output, env_with, host_uid, user};

/// A project directory of the test user's (a git work tree), with `files` in it.
fn project(env: &Env, files: &[(&str, &str)]) -> PathBuf {
    let dir = env.root.join("proj");
    fs::create_dir_all(dir.join(".git")).unwrap();
    for (name, text) in files {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
    env.own(&dir);
    dir
}

fn shell(env: &Env, dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["shell"];
    all.extend_from_slice(args);
    env.nook(&all).current_dir(dir).output()
}

const PROFILE: &str = r#"schema = 1
description = "a test project"

[base]
image = "busybox"

[[setup]]
name = "tool"
run = """
echo RUNNING-STEP-TOOL
mkdir -p /usr/local/share
cp tool.txt /usr/local/share/tool.txt
echo run >> /cache/runs
"""
inputs = ["tool.txt"]
cache = ["/cache"]
network = false

[env]
GREETING = "hello $USER"
PATH = "/usr/local/bin:$PATH"
"#;

/// A project's profile: refused until trusted; then built once (its step's output shown),
/// entered as yourself in the project, with the profile's variables and a home of its own;
/// entered again without building; an input changed reruns its step.
#[test]
fn a_project_profile_is_built_once_and_entered_as_you() {
    let env = env_with("overlay");
    let u = user();
    fs::write(env.home.join("secret"), "host secret").unwrap();
    env.own(&env.home);
    let dir = project(&env, &[("nook.toml", PROFILE), ("tool.txt", "v1\n")]);
    let script = "id -un; id -u; id -g; echo $HOME; pwd; echo $GREETING; echo $NOOK_PROFILE; \
                  cat /usr/local/share/tool.txt; touch made-inside; \
                  cat $HOME/secret 2>/dev/null || echo no-secret; cat $HOME/kept 2>/dev/null; \
                  echo kept > $HOME/kept";
    // Not trusted yet: it says what the file asks for, and how to trust it.
    let out = shell(&env, &dir, &["--", "sh", "-c", script]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("nook trust"), "{out}");
    assert!(out.stderr.contains("set-up step \"tool\""), "{out}");
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let out = shell(&env, &dir, &["--", "sh", "-c", script]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stderr.contains("RUNNING-STEP-TOOL"),
        "the step ran: {out}"
    );
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            u.name.as_str(),
            &u.uid.to_string(),
            &u.gid.to_string(),
            env.home.to_str().unwrap(),
            dir.to_str().unwrap(),
            &format!("hello {}", u.name),
            "proj",
            "v1",
            "no-secret",
        ],
        "{out}"
    );
    assert_eq!(host_uid(&dir.join("made-inside")), u.uid);
    assert!(dir.join("nook.lock").is_file(), "the lock is written");
    assert!(out.stderr.contains("wrote"), "{out}");
    // Again: nothing is built, the home volume kept what was written there.
    let out = shell(&env, &dir, &["--", "sh", "-c", script]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        !out.stderr.contains("RUNNING-STEP-TOOL"),
        "no step ran: {out}"
    );
    assert!(out.stdout.ends_with("no-secret\nkept\n"), "{out}");
    // The command's status is nook's.
    assert_eq!(shell(&env, &dir, &["--", "sh", "-c", "exit 7"]).code, 7);
    env.nook(&["lock", "--check"]).current_dir(&dir).ok();
    // An input changed: its step runs again, the lock follows.
    fs::write(dir.join("tool.txt"), "v2\n").unwrap();
    let out = shell(&env, &dir, &["--", "cat", "/usr/local/share/tool.txt"]);
    assert_eq!(out.stdout, "v2\n", "{out}");
    assert!(out.stderr.contains("RUNNING-STEP-TOOL"), "{out}");
    assert!(out.stderr.contains("setup step \"tool\": changed"), "{out}");
    let out = env.nook(&["lock", "--check"]).current_dir(&dir).output();
    assert_eq!(out.code, 0, "{out}");
    // The lock is enforced with --locked: a changed input is refused, by name.
    fs::write(dir.join("tool.txt"), "v3\n").unwrap();
    let out = env.nook(&["lock", "--check"]).current_dir(&dir).output();
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stderr.contains("setup step \"tool\""), "{out}");
    let out = shell(&env, &dir, &["--locked", "--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("does not match"), "{out}");
    fs::write(dir.join("tool.txt"), "v2\n").unwrap();
    let out = shell(
        &env,
        &dir,
        &["--locked", "--", "cat", "/usr/local/share/tool.txt"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (0, "v2\n"), "{out}");
}
