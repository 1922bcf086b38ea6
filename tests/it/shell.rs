//! `nook shell`, `nook lock` and `nook profile` as a developer meets them: a project's
//! nook.toml trusted, built once and entered as yourself; the lock written, checked and
//! enforced; nook's own profiles over a Debian image, with packages from a repository on the
//! host's loopback (no outside network).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

/// nook's own profiles over a Debian image of the user's (here: debootstrap's, its apt
/// source a repository on the host's loopback, reached with --host-loopback): each builds
/// its packages once (the debian layer shared), compiles or runs a program of the project,
/// and what it makes there is the user's.
#[test]
fn the_shipped_profiles_build_on_debian() {
    use crate::build::{WebFiles, build, context, debian_fixture};
    let fixture = debian_fixture();
    let env = env_with("overlay");
    let u = user();
    env.nook(&[
        "import",
        fixture.join("rootfs.tar").to_str().unwrap(),
        "debian-fixture",
    ])
    .ok();
    let repo = WebFiles::serve_dir(&fixture.join("repo"));
    let base = context(
        &env,
        "base",
        &[(
            "Containerfile",
            &format!(
                "FROM debian-fixture\n\
                 RUN rm -f /etc/apt/sources.list.d/* && echo 'deb [trusted=yes] \
                 http://host.containers.internal:{}/ ./' > /etc/apt/sources.list\n",
                repo.port
            ),
        )],
    );
    build(&env, &base, &["-t", "debian:bookworm"]).ok();
    let dir = project(
        &env,
        &[
            (
                "hello.c",
                "#include <stdio.h>\nint main(void) { puts(\"C ok\"); }\n",
            ),
            (
                "Cargo.toml",
                "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
            ),
            ("src/main.rs", "fn main() { println!(\"Rust ok\"); }\n"),
            (
                "hello.py",
                "import sys\nprint('Python ok', sys.version_info[0])\n",
            ),
            ("hello.js", "console.log('Node ok', 6 * 7)\n"),
        ],
    );
    let enter = |profile: &str, script: &str| {
        // A first entry installs the toolchain (node's brings npm's hundreds of packages).
        let out = env
            .nook(&[
                "shell",
                "--host-loopback",
                profile,
                "--",
                "sh",
                "-c",
                script,
            ])
            .current_dir(&dir)
            .timeout(std::time::Duration::from_secs(300))
            .output();
        assert_eq!(out.code, 0, "{profile}: {out}");
        out
    };
    let out = enter(
        "c",
        "cc -O2 -o hello hello.c && ./hello && command -v make pkg-config",
    );
    assert!(out.stdout.starts_with("C ok\n"), "{out}");
    assert!(out.stderr.contains("Setting up build-essential"), "{out}");
    assert_eq!(host_uid(&dir.join("hello")), u.uid);
    let out = enter("rust", "cargo build --offline -q && ./target/debug/hello");
    assert_eq!(out.stdout, "Rust ok\n", "{out}");
    assert_eq!(host_uid(&dir.join("target/debug/hello")), u.uid);
    // The debian and c layers were there already.
    assert!(out.stderr.contains("Using cache"), "{out}");
    assert!(!out.stderr.contains("Setting up build-essential"), "{out}");
    let out = enter(
        "python",
        "python3 hello.py && python3 -m venv .venv && .venv/bin/python -c 'import sys; print(sys.prefix)'",
    );
    assert_eq!(
        out.stdout,
        format!("Python ok 3\n{}\n", dir.join(".venv").display()),
        "{out}"
    );
    let out = enter(
        "node",
        "node hello.js && npm --version >/dev/null && echo npm ok",
    );
    assert_eq!(out.stdout, "Node ok 42\nnpm ok\n", "{out}");
    let out = enter(
        "debian",
        "less --version | head -1 && ps -o pid= -p 1 && id -un",
    );
    assert!(out.stdout.ends_with(&format!("{}\n", u.name)), "{out}");
    // Each is locked; entering again builds nothing.
    for p in ["debian", "c", "rust", "python", "node"] {
        env.nook(&["lock", "--check", p]).current_dir(&dir).ok();
    }
    let out = enter("rust", "cargo --version");
    assert!(!out.stderr.contains("STEP"), "{out}");
    let ls = env.nook(&["profile", "ls"]).ok();
    for p in ["c", "debian", "node", "python", "rust"] {
        assert!(ls.stdout.contains(&format!("{p}\tnook\t")), "{ls}");
    }
    let show = env.nook(&["profile", "show", "rust"]).ok();
    assert!(
        show.stdout
            .contains("debian (shipped with nook) → c (shipped with nook) → rust"),
        "{show}"
    );
}

/// What a user gets wrong: a clear message, exit 125, nothing half-built left behind.
#[test]
fn broken_profiles_are_refused_clearly_and_leave_nothing() {
    let env = env_with("overlay");
    let dir = project(&env, &[("nook.toml", "")]);
    let attempt = |toml: &str, args: &[&str]| {
        fs::write(dir.join("nook.toml"), toml).unwrap();
        env.own(&dir.join("nook.toml"));
        // (nook trust refuses a broken file: the shell says why all the same.)
        env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
            .output();
        let mut all = args.to_vec();
        all.extend(["--", "true"]);
        let out = shell(&env, &dir, &all);
        assert_eq!(out.code, 125, "{out}");
        out
    };
    let out = attempt("[base\nimage = \"busybox\"\n", &[]);
    assert!(out.stderr.contains("nook.toml:1:"), "{out}");
    let out = attempt("[base]\nimgae = \"busybox\"\n", &[]);
    assert!(out.stderr.contains("nook.toml:2:1:"), "{out}");
    assert!(out.stderr.contains("did you mean `image`"), "{out}");
    let out = attempt("[user]\nhome = \"hots\"\n", &[]);
    assert!(out.stderr.contains("did you mean `host`"), "{out}");
    let out = attempt("description = \"no base\"\n", &[]);
    assert!(out.stderr.contains("names no base image"), "{out}");
    let out = attempt("[base]\nimage = \"no-such-image\"\n", &[]);
    assert!(out.stderr.contains("no-such-image"), "{out}");
    let out = attempt(
        "[base]\nimage = \"busybox\"\n[[setup]]\nname = \"a\"\nrun = \"true\"\ninputs = [\"../x\"]\n",
        &[],
    );
    assert!(out.stderr.contains("inside the project"), "{out}");
    // A failing step: its output and status shown; nothing cached, locked or tagged.
    let failing = "[base]\nimage = \"busybox\"\n[[setup]]\nname = \"breaks\"\n\
                   run = \"echo STEP-SAYS-WHY; exit 3\"\n";
    let out = attempt(failing, &[]);
    assert!(out.stderr.contains("STEP-SAYS-WHY"), "{out}");
    assert!(out.stderr.contains('3'), "{out}");
    let out = attempt(failing, &[]);
    assert!(out.stderr.contains("STEP-SAYS-WHY"), "it ran again: {out}");
    assert!(!dir.join("nook.lock").exists());
    let images = env.nook(&["images"]).ok();
    assert!(!images.stdout.contains("nook-profile"), "{images}");
    assert!(env.container_ids().is_empty(), "{:?}", env.container_ids());
    // --locked with no lock.
    let out = attempt("[base]\nimage = \"busybox\"\n", &["--locked"]);
    assert!(out.stderr.contains("nook lock"), "{out}");
    // A profile of yours that extends itself; a name nook does not know.
    let mine = env.config.join("nook/profiles");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("loop.toml"), "extends = [\"loop2\"]\n").unwrap();
    fs::write(mine.join("loop2.toml"), "extends = [\"loop\"]\n").unwrap();
    env.own(&env.config);
    let out = shell(&env, &dir, &["loop", "--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(
        out.stderr.contains("extends itself: loop → loop2 → loop"),
        "{out}"
    );
    let out = shell(&env, &dir, &["nosuch", "--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(
        out.stderr.contains("debian") && out.stderr.contains("loop2"),
        "{out}"
    );
    // No profile here or above.
    let out = shell(&env, &env.home, &["--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("no nook.toml"), "{out}");
    // A profile whose project would hold your home.
    fs::write(env.root.join("nook.toml"), "[base]\nimage = \"busybox\"\n").unwrap();
    env.own(&env.root.join("nook.toml"));
    env.nook(&["trust", env.root.join("nook.toml").to_str().unwrap()])
        .ok();
    let out = shell(&env, &env.root, &["--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("holds your home"), "{out}");
    // A trusted file that changes needs trust again.
    fs::write(dir.join("nook.toml"), "[base]\nimage = \"busybox\"\n").unwrap();
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    shell(&env, &dir, &["--", "true"]).ok();
    fs::write(
        dir.join("nook.toml"),
        "[base]\nimage = \"busybox\"\n[user]\nhome = \"host\"\n",
    )
    .unwrap();
    let out = shell(&env, &dir, &["--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("home = \"host\""), "{out}");
    // (The session of the shell that entered ends as its monitor removes it.)
    crate::harness::wait_until(Duration::from_secs(10), "no container", || {
        env.container_ids().is_empty()
    });
}

/// A base from a registry is pinned by digest: a tag that moves does not move the shell,
/// `--locked` enters with the registry stopped, and `lock --update` follows the tag and says
/// what changed.
#[test]
fn the_lock_pins_the_base_by_digest() {
    use crate::registry::{publish, two_layer_image};
    let mut server = crate::registry_server::RegistryServer::start();
    publish(&server, &two_layer_image("v1\n"), "base/tools:1");
    let env = Env::new();
    let reference = format!("{}/base/tools:1", server.addr);
    let toml = format!("[base]\nimage = \"{reference}\"\n[network]\nmode = \"none\"\n");
    let dir = project(&env, &[("nook.toml", &toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let message = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--", "cat", "/srv/message"]);
        let out = shell(&env, &dir, &all);
        assert_eq!(out.code, 0, "{out}");
        out.stdout
    };
    assert_eq!(message(&[]), "v1\n");
    let lock = fs::read_to_string(dir.join("nook.lock")).unwrap();
    assert!(lock.contains("manifest = \"sha256:"), "{lock}");
    publish(&server, &two_layer_image("v2\n"), "base/tools:1");
    assert_eq!(message(&[]), "v1\n", "the lock holds the base");
    server.stop();
    assert_eq!(message(&["--locked"]), "v1\n", "offline, from the lock");
    server.restart();
    let out = env.nook(&["lock", "--update"]).current_dir(&dir).ok();
    assert!(
        out.stderr.contains("base image") && out.stderr.contains("now sha256:"),
        "{out}"
    );
    assert_eq!(message(&["--locked"]), "v2\n");
    assert_ne!(fs::read_to_string(dir.join("nook.lock")).unwrap(), lock);
}

/// On a real terminal (tmux): the profile's prompt, your name, the window's size and its
/// changes, ^C to the program in front, job control, and the shell's status at the end.
#[test]
fn a_shell_on_a_real_terminal() {
    let env = env_with("overlay");
    let toml = "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n\
                [env]\nPS1 = \"(nook:$NOOK_PROFILE) $USER$ \"\n";
    let dir = project(&env, &[("nook.toml", toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    // Built before the terminal opens.
    shell(&env, &dir, &["--", "true"]).ok();
    let nook = crate::harness::nook_bin().display().to_string();
    let term = crate::harness::Terminal::start(
        &env,
        100,
        30,
        &format!(
            "cd {} && {nook} shell; echo NOOK-EXIT=$?; sleep 30",
            dir.display()
        ),
    );
    let prompt = format!("(nook:proj) {}$", user().name);
    term.wait_for(&prompt);
    term.keys("id -un; stty size");
    term.keys("Enter");
    term.wait_for("30 100");
    term.resize(120, 40);
    term.keys("stty size; sleep 100");
    term.keys("Enter");
    term.wait_for("40 120");
    term.keys("C-c");
    term.keys("sleep 200 & jobs");
    term.keys("Enter");
    term.wait_for("sleep 200");
    term.keys("kill %1; exit 3");
    term.keys("Enter");
    term.wait_for("NOOK-EXIT=3");
    assert!(term.screen().contains(&user().name), "{}", term.screen());
}

/// Two shells of one profile share a live session: one localhost (a listener started in one
/// answers the other), one /tmp, each other's processes; the session's processes are gone
/// once the last shell has left.
#[test]
fn two_shells_share_one_session() {
    let env = env_with("overlay");
    let toml = "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n";
    let dir = project(&env, &[("nook.toml", toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    shell(&env, &dir, &["--", "true"]).ok();
    let mut first = env
        .nook(&[
            "shell",
            "--",
            "sh",
            "-c",
            // (Written whole, then named: the second shell may look at any moment.)
            "echo from-first > /tmp/part && mv /tmp/part /tmp/shared; \
             nc -l -p 7777 -e echo served-by-first; sleep 1",
        ])
        .current_dir(&dir)
        .spawn();
    let mut second = String::new();
    crate::harness::wait_until(Duration::from_secs(20), "the second shell's view", || {
        let out = shell(
            &env,
            &dir,
            &[
                "--",
                "sh",
                "-c",
                "cat /tmp/shared && nc 127.0.0.1 7777 </dev/null",
            ],
        );
        second = out.stdout;
        second.contains("served-by-first")
    });
    assert_eq!(second, "from-first\nserved-by-first\n");
    let (status, _, err) =
        crate::harness::wait_with_timeout(&mut first, Duration::from_secs(20), "the first shell");
    assert!(status.success(), "{err}");
    // The last shell has left: nothing of the session runs.
    crate::harness::wait_until(Duration::from_secs(10), "the session to end", || {
        env.container_ids().is_empty()
    });
    let out = shell(
        &env,
        &dir,
        &["--", "sh", "-c", "cat /tmp/shared || echo fresh"],
    );
    assert_eq!(out.stdout, "fresh\n", "{out}");
    // The last shell killed (it cannot end the session itself): the session's watcher ends
    // it, and goes too.
    let mut killed = env
        .nook(&["shell", "--", "sleep", "1000"])
        .current_dir(&dir)
        .spawn();
    let mut session = String::new();
    crate::harness::wait_until(Duration::from_secs(20), "the session", || {
        session = env.nook(&["ps", "-q"]).ok().stdout.trim().to_string();
        !session.is_empty()
    });
    let watcher = || {
        crate::harness::processes()
            .iter()
            .any(|p| p.contains("__session") && p.contains(&session))
    };
    // The session shows in `ps` a moment before its shell leaves the watcher behind.
    crate::harness::wait_until(
        Duration::from_secs(10),
        "a watcher for the session",
        watcher,
    );
    killed.kill().unwrap();
    killed.wait().unwrap();
    crate::harness::wait_until(Duration::from_secs(10), "the session to end", || {
        env.container_ids().is_empty()
    });
    crate::harness::wait_until(Duration::from_secs(10), "the watcher to go", || !watcher());
}

/// What a profile adds at entry, none of it built: dotfiles shown read-only, extra mounts, a
/// cache volume shared by your profiles, hooks (on_home_create once per home, on_enter each
/// time), tasks in dependency order with their status, and your time zone.
#[test]
fn entry_settings_dotfiles_mounts_caches_hooks_and_tasks() {
    let env = env_with("overlay");
    fs::write(env.home.join(".gitconfig"), "[user]\n\tname = me\n").unwrap();
    fs::create_dir_all(env.home.join("datasets")).unwrap();
    fs::write(env.home.join("datasets/a.csv"), "1,2\n").unwrap();
    env.own(&env.home);
    let toml = r#"[base]
image = "busybox"
[network]
mode = "none"
[user]
dotfiles = ["~/.gitconfig", "~/.absent"]
[[mount]]
type = "bind"
source = "~/datasets"
target = "/data"
readonly = true
[[mount]]
type = "tmpfs"
target = "/scratch"
[cache]
downloads = "~/.cache/dl"
[hooks]
on_home_create = "echo created >> $HOME/created"
on_enter = "echo entering >&2"
[host]
timezone = true
[tasks.gen]
run = "echo gen > gen.out"
[tasks.build]
run = "cat gen.out && echo built"
depends = ["gen"]
[tasks.fail]
run = "exit 4"
depends = ["gen"]
"#;
    let dir = project(&env, &[("nook.toml", toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let script = "cat ~/.gitconfig; cat /data/a.csv; touch /data/x 2>/dev/null || echo ro; \
                  grep -c ' /scratch ' /proc/mounts; echo kept >> ~/.cache/dl/f; \
                  cat ~/created; cmp -s /etc/localtime /dev/null || echo zone";
    let out = shell(&env, &dir, &["--", "sh", "-c", script]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout, "[user]\n\tname = me\n1,2\nro\n1\ncreated\nzone\n",
        "{out}"
    );
    assert!(out.stderr.contains("entering"), "{out}");
    assert!(out.stderr.contains(".absent is not there"), "{out}");
    // Again: the home was made once; the cache kept what was written.
    let out = shell(
        &env,
        &dir,
        &["--", "sh", "-c", "cat ~/created ~/.cache/dl/f"],
    );
    assert_eq!(out.stdout, "created\nkept\n", "{out}");
    // Tasks.
    let out = shell(&env, &dir, &["-t", "build"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "gen\nbuilt\n"),
        "{out}"
    );
    assert!(out.stderr.contains("nook: task gen") && out.stderr.contains("nook: task build"));
    assert_eq!(host_uid(&dir.join("gen.out")), user().uid);
    assert_eq!(shell(&env, &dir, &["-t", "fail"]).code, 4);
    let out = shell(&env, &dir, &["-t", "nope"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("no task \"nope\""), "{out}");
}

/// The README's example profile is one nook reads, over nook's python profile.
#[test]
fn the_readme_profile_checks() {
    let env = Env::new();
    let readme =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let from = readme.find("## Dev shells").unwrap();
    let start = readme[from..].find("```toml\n").unwrap() + from + 8;
    let end = readme[start..].find("```").unwrap() + start;
    let dir = project(&env, &[("nook.toml", &readme[start..end])]);
    let out = env.nook(&["profile", "check"]).current_dir(&dir).ok();
    assert!(out.stdout.contains("python (shipped with nook) →"), "{out}");
    let out = env.nook(&["profile", "show"]).current_dir(&dir).ok();
    assert!(
        out.stdout
            .contains("home: volume; workspace: git-root; network: pasta"),
        "{out}"
    );
}

/// `nook profile rebuild` runs every step again; `rm` removes the built image (and with
/// --home the home volume); `prune --all` leaves no profile image; the shell still enters.
#[test]
fn profiles_are_rebuilt_removed_and_pruned() {
    let env = env_with("overlay");
    let toml = "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n\
                [[setup]]\nname = \"s\"\nrun = \"echo STEP-RAN; touch /made\"\nnetwork = false\n";
    let dir = project(&env, &[("nook.toml", toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let out = shell(&env, &dir, &["--", "sh", "-c", "echo x > ~/kept; ls /made"]);
    assert_eq!(out.code, 0, "{out}");
    let lock = fs::read_to_string(dir.join("nook.lock")).unwrap();
    let out = env.nook(&["profile", "rebuild"]).current_dir(&dir).ok();
    assert!(
        out.stderr.contains("STEP-RAN"),
        "every step runs again: {out}"
    );
    assert_eq!(fs::read_to_string(dir.join("nook.lock")).unwrap(), lock);
    let images = env.nook(&["images"]).ok();
    assert!(
        images.stdout.contains("localhost/nook-profile/proj"),
        "{images}"
    );
    env.nook(&["profile", "rm", "--home"])
        .current_dir(&dir)
        .ok();
    let images = env.nook(&["images"]).ok();
    assert!(!images.stdout.contains("nook-profile"), "{images}");
    let volumes = env.nook(&["volume", "ls"]).ok();
    assert!(!volumes.stdout.contains("nook-home-proj"), "{volumes}");
    let out = shell(
        &env,
        &dir,
        &["--", "sh", "-c", "cat ~/kept 2>/dev/null || echo new-home"],
    );
    assert_eq!(out.stdout, "new-home\n", "{out}");
    env.nook(&["profile", "prune", "--all"]).ok();
    let images = env.nook(&["images"]).ok();
    assert!(!images.stdout.contains("nook-profile"), "{images}");
    shell(&env, &dir, &["--", "ls", "/made"]).ok();
}

/// `nook profile rebuild --from=STEP` and `nook lock --update=STEP` run that step and those
/// after it again, not those before; the update writes the layers that moved into the lock,
/// and a layer the profile does not have is refused with the names it has.
#[test]
fn one_layer_on_is_rebuilt_or_updated() {
    let env = env_with("overlay");
    let step = |name: &str| {
        format!(
            "[[setup]]\nname = \"{name}\"\nnetwork = false\n\
             run = \"echo RAN-{name}; cat /proc/sys/kernel/random/uuid > /{name}\"\n"
        )
    };
    let toml = format!(
        "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n{}{}{}",
        step("a"),
        step("b"),
        step("c")
    );
    let dir = project(&env, &[("nook.toml", &toml)]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let made = |name: &str| {
        shell(&env, &dir, &["--locked", "--", "cat", name])
            .ok()
            .stdout
    };
    shell(&env, &dir, &["--", "true"]).ok();
    let (a, b) = (made("/a"), made("/b"));
    let lock = fs::read_to_string(dir.join("nook.lock")).unwrap();
    let ran = |out: &Output| {
        ["a", "b", "c"]
            .into_iter()
            .filter(|s| out.stderr.contains(&format!("RAN-{s}")))
            .collect::<Vec<_>>()
    };

    let out = env
        .nook(&["profile", "rebuild", "--from=b"])
        .current_dir(&dir)
        .ok();
    assert_eq!(ran(&out), ["b", "c"], "{out}");
    assert!(
        out.stderr.contains("made another layer than the lock"),
        "{out}"
    );
    assert_eq!(fs::read_to_string(dir.join("nook.lock")).unwrap(), lock);

    let out = env.nook(&["lock", "--update=c"]).current_dir(&dir).ok();
    assert_eq!(ran(&out), ["c"], "{out}");
    assert!(
        out.stderr.contains("setup step \"c\": made another layer"),
        "{out}"
    );
    assert_eq!(made("/a"), a, "{out}");
    assert_ne!(made("/b"), b, "the rebuilt b is entered");
    let updated = fs::read_to_string(dir.join("nook.lock")).unwrap();
    assert_ne!(updated, lock);

    let out = env
        .nook(&["lock", "--update=nope"])
        .current_dir(&dir)
        .output()
        .code(125);
    assert!(
        out.stderr
            .contains("no layer \"nope\"; it has: base, a, b, c"),
        "{out}"
    );
    assert_eq!(fs::read_to_string(dir.join("nook.lock")).unwrap(), updated);
}

/// `[sandbox] level`: strict is nook sandbox's walls (a read-only system, no network, no
/// privilege to gain; the project, home and /tmp writable), none drops the seccomp filter;
/// `[host] display` passes your Wayland socket.
#[test]
fn sandbox_levels_and_the_display() {
    let env = env_with("overlay");
    let dir = project(&env, &[("nook.toml", "")]);
    let with = |toml: &str| {
        fs::write(dir.join("nook.toml"), toml).unwrap();
        env.own(&dir.join("nook.toml"));
        env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
            .ok();
    };
    let base = "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n";
    with(&format!("{base}[sandbox]\nlevel = \"strict\"\n"));
    let script = "touch /usr/x 2>/dev/null || echo ro-system; touch ~/h /tmp/t f && echo writable; \
                  grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status";
    let out = shell(&env, &dir, &["--", "sh", "-c", script]);
    assert_eq!(
        out.stdout, "ro-system\nwritable\nNoNewPrivs:\t1\nSeccomp:\t2\n",
        "{out}"
    );
    with("[base]\nimage = \"busybox\"\n[sandbox]\nlevel = \"strict\"\n");
    let out = shell(&env, &dir, &["--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("has no network"), "{out}");
    with(&format!("{base}[sandbox]\nlevel = \"none\"\n"));
    let out = shell(&env, &dir, &["--", "grep", "Seccomp:", "/proc/self/status"]);
    assert_eq!(out.stdout, "Seccomp:\t0\n", "{out}");
    // A Wayland socket of yours, shown where $XDG_RUNTIME_DIR and $WAYLAND_DISPLAY say.
    let sock = env.runtime.join("wayland-7");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    env.own(&sock);
    with(&format!("{base}[host]\ndisplay = true\n"));
    let out = env
        .nook(&[
            "shell",
            "--",
            "sh",
            "-c",
            "test -S \"$XDG_RUNTIME_DIR/$WAYLAND_DISPLAY\" && echo $WAYLAND_DISPLAY",
        ])
        .current_dir(&dir)
        .env("WAYLAND_DISPLAY", "wayland-7")
        .output();
    assert_eq!(out.stdout, "wayland-7\n", "{out}");
    // Your supplementary groups are kept (nook-shared, of the test set-up: unmapped, it
    // shows as the overflow group).
    with(base);
    let out = shell(&env, &dir, &["--", "id", "-G"]);
    assert_eq!(out.stdout, format!("{} 65534\n", user().gid), "{out}");
    // Your GPUs, where the machine has /dev/dri; where it has none, the shell says so.
    with(&format!("{base}[host]\ngpu = true\n"));
    let out = shell(&env, &dir, &["--", "ls", "/dev/dri"]);
    match fs::read_dir("/dev/dri") {
        Ok(entries) => {
            let mut names: Vec<String> = entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let inside: Vec<&str> = out.stdout.split_whitespace().collect();
            assert_eq!(inside, names, "{out}");
        }
        Err(_) => {
            assert_eq!(out.code, 1, "no /dev/dri inside: {out}");
            assert!(out.stderr.contains("no GPU to pass"), "{out}");
        }
    }
}

/// Without subordinate ids there is no keep-id map: the shell says how to get them.
#[test]
fn a_user_without_subordinate_ids_is_told_the_fix() {
    let env = Env::for_user(crate::harness::nosub_user());
    let tar = crate::images::Tar::new()
        .dir("etc", 0o755, 0, 0)
        .file("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0o644, 0, 0)
        .finish();
    let tar = env.file("root-only.tar", &tar);
    env.nook(&["import", tar.to_str().unwrap(), "root-only"])
        .ok();
    let dir = project(&env, &[("nook.toml", "[base]\nimage = \"root-only\"\n")]);
    env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
        .ok();
    let out = shell(&env, &dir, &["--", "true"]);
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("usermod --add-subuids"), "{out}");
    assert!(env.container_ids().is_empty());
}

/// A profile built once is pushed; on another machine (another store) with the same project
/// and lock, `nook profile pull` takes it and the shell builds nothing. An image that is not
/// the lock's build is refused.
#[test]
fn a_built_profile_is_pushed_and_pulled_by_a_teammate() {
    let server = crate::registry_server::RegistryServer::start();
    let toml = "[base]\nimage = \"busybox\"\n[network]\nmode = \"none\"\n\
                [[setup]]\nname = \"tool\"\nrun = \"echo STEP-RAN; echo made > /made\"\n\
                network = false\n";
    let built = |env: &Env| {
        let dir = project(env, &[("nook.toml", toml)]);
        env.nook(&["trust", dir.join("nook.toml").to_str().unwrap()])
            .ok();
        dir
    };
    let mine = env_with("overlay");
    let dir = built(&mine);
    shell(&mine, &dir, &["--", "true"]).ok();
    let reference = format!("{}/team/proj-shell:1", server.addr);
    mine.nook(&["profile", "push", "-q", &reference])
        .current_dir(&dir)
        .ok();
    // A teammate: the same project and lock, nothing built.
    let theirs = env_with("overlay");
    let their_dir = built(&theirs);
    fs::copy(dir.join("nook.lock"), their_dir.join("nook.lock")).unwrap();
    theirs.own(&their_dir);
    theirs
        .nook(&["profile", "pull", "-q", &reference])
        .current_dir(&their_dir)
        .ok();
    let out = shell(&theirs, &their_dir, &["--locked", "--", "cat", "/made"]);
    assert_eq!(out.stdout, "made\n", "{out}");
    assert!(!out.stderr.contains("STEP"), "nothing was built: {out}");
    // Not the lock's build: refused.
    let other = format!("{}/team/other:1", server.addr);
    mine.nook(&["push", "-q", "busybox", &other]).ok();
    let out = theirs
        .nook(&["profile", "pull", "-q", &other])
        .current_dir(&their_dir)
        .output();
    assert_eq!(out.code, 125, "{out}");
    assert!(out.stderr.contains("is not a build of"), "{out}");
}
