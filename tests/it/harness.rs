//! The test harness: every test gets its own XDG directories and runs the real `nook`
//! binary as an unprivileged user (`nookci`, with subuid/subgid ranges, or `nookci-nosub`,
//! without), created by `scripts/setup-host`. The suite itself runs as root, the way
//! `scripts/test` starts it, so it can make those users' directories and inspect what nook
//! wrote on disk as the host sees it.

use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// An unprivileged account nook runs as.
#[derive(Debug)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// First host uid of the user's subordinate range (when it has one).
    pub subuid: Option<u32>,
}

fn lookup_user(name: &str) -> User {
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd
        .lines()
        .find(|l| l.split(':').next() == Some(name))
        .unwrap_or_else(|| {
            panic!(
                "test user {name} does not exist: run `sudo scripts/setup-host` (scripts/test does)"
            )
        });
    let f: Vec<&str> = line.split(':').collect();
    let subuid = fs::read_to_string("/etc/subuid").ok().and_then(|t| {
        t.lines()
            .find(|l| l.split(':').next() == Some(name))
            .and_then(|l| l.split(':').nth(1)?.parse().ok())
    });
    User {
        name: name.to_string(),
        uid: f[2].parse().unwrap(),
        gid: f[3].parse().unwrap(),
        subuid,
    }
}

/// The user with a subordinate range.
pub fn user() -> &'static User {
    static U: OnceLock<User> = OnceLock::new();
    U.get_or_init(|| {
        require_root();
        let u = lookup_user(&std::env::var("NOOK_TEST_USER").unwrap_or_else(|_| "nookci".into()));
        assert!(
            u.subuid.is_some(),
            "{} needs a line in /etc/subuid (scripts/setup-host)",
            u.name
        );
        u
    })
}

/// The user without one.
pub fn nosub_user() -> &'static User {
    static U: OnceLock<User> = OnceLock::new();
    U.get_or_init(|| {
        require_root();
        let u = lookup_user(
            &std::env::var("NOOK_TEST_USER_NOSUB").unwrap_or_else(|_| "nookci-nosub".into()),
        );
        assert!(
            u.subuid.is_none(),
            "{} must have no /etc/subuid line",
            u.name
        );
        u
    })
}

fn require_root() {
    assert!(
        nix_is_root(),
        "the integration tests run as root and start nook as an unprivileged test user; \
         run them with scripts/test"
    );
}

fn nix_is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Where test scratch space lives: world-traversable, so test users reach their dirs.
fn scratch_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        // Scratch roots of earlier runs whose test process is gone.
        for entry in fs::read_dir(std::env::temp_dir()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("nook-it-")
                && !Path::new("/proc").join(pid).exists()
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let root = std::env::temp_dir().join(format!("nook-it-{}", std::process::id()));
        fs::create_dir_all(&root).unwrap();
        fs::set_permissions(&root, fs::Permissions::from_mode(0o755)).unwrap();
        root
    })
}

/// The nook binary, copied where the test users can execute it (the build tree may be
/// under root's private home). `NOOK_TEST_BIN` names it where the build tree is not (the VM
/// tier).
pub fn nook_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dest = scratch_root().join("nook");
        let built = std::env::var_os("NOOK_TEST_BIN")
            .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_nook")), PathBuf::from);
        fs::copy(&built, &dest).unwrap_or_else(|e| panic!("{}: {e}", built.display()));
        fs::set_permissions(&dest, fs::Permissions::from_mode(0o755)).unwrap();
        dest
    })
}

/// Let every user read `dir` and its contents (files the suite made as root).
pub fn make_readable(dir: &Path) {
    let status = Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn chown(path: &Path, user: &User) {
    std::os::unix::fs::chown(path, Some(user.uid), Some(user.gid)).unwrap();
}

/// One test's world: a home, XDG dirs and a scratch dir owned by the test user.
pub struct Env {
    pub root: PathBuf,
    pub user: &'static User,
    pub home: PathBuf,
    pub data: PathBuf,
    pub config: PathBuf,
    pub runtime: PathBuf,
    pub extra_env: Vec<(String, String)>,
}

impl Env {
    pub fn new() -> Self {
        Self::for_user(user())
    }

    pub fn for_user(user: &'static User) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let root = scratch_root().join(format!("t{}", N.fetch_add(1, Ordering::SeqCst)));
        let env = Env {
            home: root.join("home"),
            data: root.join("data"),
            config: root.join("config"),
            runtime: root.join("run"),
            root,
            user,
            extra_env: Vec::new(),
        };
        for d in [&env.root, &env.home, &env.data, &env.config, &env.runtime] {
            fs::create_dir_all(d).unwrap();
            chown(d, user);
        }
        fs::set_permissions(&env.runtime, fs::Permissions::from_mode(0o700)).unwrap();
        env.write_config("");
        env
    }

    /// Write nook's config.toml for this test's user. Short names mean local images only
    /// unless `toml` names a default registry: a test never reaches Docker Hub, nook's
    /// default ([`Env::write_config_as_is`] for a test of that default).
    pub fn write_config(&self, toml: &str) {
        let toml = if toml.contains("\ndefault = ") && toml.contains("[registries]") {
            toml.to_string()
        } else if toml.contains("[registries]\n") {
            toml.replacen("[registries]\n", "[registries]\ndefault = \"\"\n", 1)
        } else {
            format!("[registries]\ndefault = \"\"\n{toml}")
        };
        self.write_config_as_is(&toml);
    }

    /// Write nook's config.toml exactly as given.
    pub fn write_config_as_is(&self, toml: &str) {
        let dir = self.config.join("nook");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("config.toml"), toml).unwrap();
        chown(&dir, self.user);
        chown(&dir.join("config.toml"), self.user);
    }

    /// nook's store: `$XDG_DATA_HOME/nook`.
    pub fn store(&self) -> PathBuf {
        self.data.join("nook")
    }

    /// Write a file the test user can read (and owns).
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.root.join(name);
        fs::write(&p, bytes).unwrap();
        chown(&p, self.user);
        p
    }

    /// A command run as the test user with this test's environment.
    /// Give `path` (and all below it) to the test user.
    pub fn own(&self, path: &Path) {
        let status = Command::new("chown")
            .arg("-R")
            .arg(format!("{}:{}", self.user.uid, self.user.gid))
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut cmd = Command::new("/usr/bin/setpriv");
        cmd.arg("--reuid")
            .arg(self.user.uid.to_string())
            .arg("--regid")
            .arg(self.user.gid.to_string())
            .arg("--init-groups")
            .arg("--")
            .arg(program)
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .env("HOME", &self.home)
            .env("USER", &self.user.name)
            .env("LOGNAME", &self.user.name)
            .env("XDG_DATA_HOME", &self.data)
            .env("XDG_CONFIG_HOME", &self.config)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .current_dir(&self.root);
        // The user's session bus, where the VM tier gives the test user a systemd manager.
        if let Some(bus) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        for (k, v) in &self.extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    /// `nook ARGS` as the test user.
    pub fn nook(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(nook_bin());
        cmd.args(args);
        Run::new(cmd, format!("nook {}", args.join(" ")))
    }

    /// `nook ARGS` as the test user, in a private mount namespace where `source` is bound over
    /// `target` (e.g. a device node nook must find unusable), leaving the machine untouched.
    pub fn nook_with_mount_over(&self, target: &str, source: &Path, args: &[&str]) -> Run {
        let inner = self.command(nook_bin());
        let mut cmd = Command::new("unshare");
        cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
            .arg(r#"mount --bind "$1" "$2" && shift 2 && exec "$@""#)
            .arg("sh")
            .arg(source)
            .arg(target)
            .arg(inner.get_program())
            .args(inner.get_args())
            .args(args)
            .env_clear()
            .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .current_dir(&self.root);
        Run::new(
            cmd,
            format!("nook {} (with {target} replaced)", args.join(" ")),
        )
    }

    /// `sh -c SCRIPT` as the test user on a machine with no network: in a network namespace
    /// of its own with only `lo` (up). `$NOOK` is nook.
    pub fn offline(&self, script: &str) -> Run {
        let inner = self.command("/bin/sh");
        let mut cmd = Command::new("unshare");
        cmd.args(["--net", "--", "sh", "-c"])
            .arg(r#"ip link set lo up && exec "$@""#)
            .arg("sh")
            .arg(inner.get_program())
            .args(inner.get_args())
            .args(["-c", script])
            .env_clear()
            .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .env("NOOK", nook_bin())
            .current_dir(&self.root);
        Run::new(cmd, "a script on a machine with no network".to_string())
    }

    /// Import the busybox test image as `name` (e.g. "busybox").
    pub fn busybox(&self, name: &str) {
        let tar = self.file(
            &format!("{name}.tar"),
            &crate::images::busybox_rootfs().finish(),
        );
        self.nook(&["import", tar.to_str().unwrap(), name]).ok();
    }

    /// Ids of the containers in the store.
    pub fn container_ids(&self) -> Vec<String> {
        let dir = self.store().join("containers");
        let mut ids: Vec<String> = fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.len() == 64)
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// `nook run -d ARGS`, which must succeed; the new container's id.
    #[track_caller]
    pub fn run_detached(&self, args: &[&str]) -> String {
        let mut all = vec!["run", "-d"];
        all.extend_from_slice(args);
        let out = self.nook(&all).ok();
        let id = out.stdout.trim().to_string();
        assert!(
            id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "run -d prints the id: {out}"
        );
        id
    }

    /// `nook inspect NAME`'s one object.
    #[track_caller]
    pub fn inspect(&self, name: &str) -> serde_json::Value {
        let out = self.nook(&["inspect", name]).ok();
        let mut all: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
        all.remove(0)
    }

    /// The container's state.json as nook recorded it.
    pub fn state(&self, id: &str) -> serde_json::Value {
        let path = self.store().join("containers").join(id).join("state.json");
        serde_json::from_slice(&fs::read(&path).unwrap()).unwrap()
    }

    /// Processes that belong to this test's store (monitors, keepers, fuse-overlayfs).
    pub fn store_processes(&self) -> Vec<String> {
        let store = self.store().display().to_string();
        processes()
            .into_iter()
            .filter(|p| p.contains(&store))
            .collect()
    }

    /// Entries in a store subdirectory (blobs/sha256, layers, tmp, ...).
    pub fn store_entries(&self, sub: &str) -> Vec<String> {
        dir_entries(&self.store().join(sub))
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        // Containers this test left running: their monitors, found by the pid each recorded
        // and checked by command line, end with SIGKILL, and the containers with them.
        let store = self.store().display().to_string();
        for id in self.container_ids() {
            let path = self.store().join("containers").join(&id).join("state.json");
            let Some(pid) = fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|s| s["monitor"]["pid"].as_i64())
            else {
                continue;
            };
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            if String::from_utf8_lossy(&cmdline).contains(&store) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid as i32),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
        // nook's own namespace holders (one per id map) end too: every `nook __userns` made
        // in this environment, found by its environment rather than by its record, so that
        // one made while the test ended goes as well.
        self.end_holders();
        // podman (the interop peer) leaves a pause process holding its user namespace: the
        // one this test's podman recorded ends too.
        if let Some(pid) = fs::read_to_string(self.runtime.join("libpod/tmp/pause.pid"))
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
            && String::from_utf8_lossy(
                &fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default(),
            )
            .starts_with("podman")
        {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        // Files owned by mapped ids are no obstacle to root.
        let _ = fs::remove_dir_all(&self.root);
        self.end_holders();
    }
}

impl Env {
    /// SIGKILL every namespace holder whose environment names this test's runtime directory.
    fn end_holders(&self) {
        let mut mark = b"XDG_RUNTIME_DIR=".to_vec();
        mark.extend_from_slice(self.runtime.as_os_str().as_encoded_bytes());
        mark.push(0);
        for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<i32>().ok())
            else {
                continue;
            };
            let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
            if !cmdline.starts_with(b"nook\0__userns\0") {
                continue;
            }
            let environ = fs::read(entry.path().join("environ")).unwrap_or_default();
            if environ.windows(mark.len()).any(|w| w == mark.as_slice()) {
                let _ = nix::sys::signal::kill(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
        }
    }
}

/// A command about to run, with a time limit (tests must never hang).
pub struct Run {
    cmd: Command,
    label: String,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// What a finished command did.
#[derive(Debug)]
pub struct Output {
    pub label: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Assert success and return self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "{} failed:\n{self}", self.label);
        self
    }

    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(
            self.code, expected,
            "{}: wrong exit status:\n{self}",
            self.label
        );
        self
    }

    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Self {
        assert!(
            self.stderr.contains(text),
            "{}: stderr lacks {text:?}:\n{self}",
            self.label
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, text: &str) -> Self {
        assert!(
            self.stdout.contains(text),
            "{}: stdout lacks {text:?}:\n{self}",
            self.label
        );
        self
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}---",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    pub fn new(cmd: Command, label: String) -> Self {
        Self {
            cmd,
            label,
            stdin: None,
            timeout: Duration::from_secs(120),
        }
    }

    pub fn env(mut self, k: &str, v: impl AsRef<OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    /// Allow it longer than the usual two minutes (a dev shell whose first entry installs a
    /// toolchain on a busy machine).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn stdin(mut self, bytes: &[u8]) -> Self {
        self.stdin = Some(bytes.to_vec());
        self
    }

    /// Start it and leave it running.
    pub fn spawn(mut self) -> Child {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.label))
    }

    pub fn output(mut self) -> Output {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self
            .cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.label));
        if let Some(bytes) = self.stdin.take() {
            let mut w = child.stdin.take().unwrap();
            thread::spawn(move || {
                let _ = w.write_all(&bytes);
            });
        }
        let (status, stdout, stderr) = wait_with_timeout(&mut child, self.timeout, &self.label);
        Output {
            label: self.label,
            code: exit_code(status),
            stdout,
            stderr,
        }
    }

    #[track_caller]
    pub fn ok(self) -> Output {
        self.output().ok()
    }
}

/// docker-style code: the status, or 128+signal.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// Wait for `child` (reading its output) for at most `limit`; a child that overstays is
/// killed and the test fails.
pub fn wait_with_timeout(
    child: &mut Child,
    limit: Duration,
    label: &str,
) -> (ExitStatus, String, String) {
    let reader = |r: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let mut bytes = Vec::new();
                let _ = r.read_to_end(&mut bytes);
                s = String::from_utf8_lossy(&bytes).into_owned();
            }
            let _ = tx.send(s);
        });
        rx
    };
    let out = reader(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = reader(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            // What every process of the command was waiting in, before it is killed, and
            // what it had printed (descendants that outlive it may keep the pipes open).
            let waits = describe_tree(child.id() as i32);
            let _ = child.kill();
            let _ = child.wait();
            let said = |rx: std::sync::mpsc::Receiver<String>| {
                rx.recv_timeout(Duration::from_secs(2))
                    .unwrap_or_else(|_| "(still open)".to_string())
            };
            panic!(
                "{label} did not finish within {limit:?}\n--- waiting in\n{waits}--- stdout\n{}\n--- stderr\n{}",
                said(out),
                said(err)
            );
        }
        thread::sleep(Duration::from_millis(10));
    };
    (status, out.recv().unwrap(), err.recv().unwrap())
}

/// One line per thread of `root` and its descendants: pid, tid, command, state, the kernel
/// function it sleeps in and its system call (as /proc/PID/task/TID/syscall gives it).
fn describe_tree(root: i32) -> String {
    // Every process with its parent, read once.
    let parents: Vec<(i32, i32)> = proc_entries()
        .filter_map(|(pid, dir)| {
            let stat = fs::read_to_string(dir.join("stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    let mut lines = String::new();
    for pid in tree {
        let cmd = cmdline(Path::new(&format!("/proc/{pid}"))).unwrap_or_default();
        for task in fs::read_dir(format!("/proc/{pid}/task"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let read = |f: &str| {
                fs::read_to_string(task.path().join(f))
                    .unwrap_or_default()
                    .trim()
                    .to_string()
            };
            let state = read("stat")
                .rsplit_once(')')
                .and_then(|(_, s)| s.split_whitespace().next().map(str::to_string))
                .unwrap_or_default();
            lines += &format!(
                "{pid}/{} {cmd:.100} state={state} wchan={} syscall={}\n",
                task.file_name().to_string_lossy(),
                read("wchan"),
                read("syscall")
            );
        }
    }
    lines
}

/// Poll `f` until it returns true (or fail after `limit`).
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

/// An environment whose containers use `driver`, with busybox imported.
pub fn env_with(driver: &str) -> Env {
    let mut env = Env::new();
    env.extra_env
        .push(("NOOK_STORAGE_DRIVER".into(), driver.into()));
    env.busybox("busybox");
    env
}

/// Every process now: its pid and its /proc directory.
pub fn proc_entries() -> impl Iterator<Item = (i32, PathBuf)> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
}

/// The names in directory `dir`, sorted (none if it cannot be read).
pub fn dir_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The command line of the process whose /proc directory is `dir`, its arguments joined by
/// spaces.
pub fn cmdline(dir: &Path) -> Option<String> {
    let bytes = fs::read(dir.join("cmdline")).ok()?;
    Some(String::from_utf8_lossy(&bytes).replace('\0', " "))
}

/// The processes that hold a lock (flock) on `path`, through a descriptor of theirs (one
/// they opened, or a copy they got): their command lines. A descriptor on the lock without
/// a lock held through it does not count.
pub fn processes_holding(path: &Path) -> Vec<String> {
    proc_entries()
        .filter(|(_, dir)| {
            fs::read_dir(dir.join("fd"))
                .into_iter()
                .flatten()
                .flatten()
                .any(|fd| {
                    fs::read_link(fd.path()).is_ok_and(|to| to == path)
                        && fs::read_to_string(dir.join("fdinfo").join(fd.file_name()))
                            .is_ok_and(|info| info.contains("\nlock:"))
                })
        })
        .filter_map(|(_, dir)| cmdline(&dir))
        .collect()
}

/// Command lines of all processes.
pub fn processes() -> Vec<String> {
    proc_entries()
        .filter_map(|(_, dir)| cmdline(&dir))
        .collect()
}

/// A terminal for the test user: a tmux session of its own, running `command` (a shell
/// command line) in a window of the given size. Ended on drop.
pub struct Terminal<'a> {
    env: &'a Env,
    socket: PathBuf,
}

impl<'a> Terminal<'a> {
    pub fn start(env: &'a Env, cols: u16, rows: u16, command: &str) -> Self {
        require("tmux");
        let t = Terminal {
            env,
            socket: env.runtime.join("tmux.sock"),
        };
        t.tmux(&[
            "new-session",
            "-d",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            command,
        ]);
        t
    }

    fn tmux(&self, args: &[&str]) -> String {
        let mut cmd = self.env.command("tmux");
        cmd.arg("-S").arg(&self.socket).args(args);
        Run::new(cmd, format!("tmux {}", args.join(" ")))
            .ok()
            .stdout
    }

    /// What the window shows now.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    /// Type `keys` (tmux key names: "Enter", "C-c", or text).
    pub fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", keys]);
    }

    pub fn resize(&self, cols: u16, rows: u16) {
        self.tmux(&[
            "resize-window",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
        ]);
    }

    /// Wait until the window shows `text`.
    #[track_caller]
    pub fn wait_for(&self, text: &str) {
        wait_until(Duration::from_secs(20), text, || {
            self.screen().contains(text)
        });
    }
}

impl Drop for Terminal<'_> {
    fn drop(&mut self) {
        let mut cmd = self.env.command("tmux");
        cmd.arg("-S").arg(&self.socket).arg("kill-server");
        let _ = Run::new(cmd, "tmux kill-server".into()).output();
    }
}

/// A TCP port free on the host's loopback now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The first of `n` consecutive TCP ports free on the host's loopback now.
pub fn free_ports(n: u16) -> u16 {
    (0..100)
        .map(|_| free_port())
        .find(|&base| {
            base.checked_add(n).is_some_and(|_| {
                (base..base + n).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok())
            })
        })
        .expect("some run of free ports")
}

/// `GET path` from the host's `127.0.0.1:port`: the response body, or why it failed.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    use std::net::TcpStream;
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
    let mut answer = String::new();
    s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
    match answer.split_once("\r\n\r\n") {
        Some((head, body)) if head.starts_with("HTTP/1.") && head.contains(" 200 ") => {
            Ok(body.to_string())
        }
        _ => Err(format!("unexpected answer: {answer:?}")),
    }
}

/// An HTTP server on the host's loopback that answers every request with `body`; it serves
/// until the test process ends. Returns its port.
pub fn serve_on_host_loopback(body: &'static str) -> u16 {
    serve_on("127.0.0.1:0", body)
}

/// [`serve_on_host_loopback`] on an address of one's choice (such as "[::1]:0").
pub fn serve_on(address: &str, body: &'static str) -> u16 {
    let listener = std::net::TcpListener::bind(address).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut conn = conn;
            // The whole request first, however it arrives (pasta may pass it on in pieces):
            // a socket closed with unread data sends a reset, which can reach the client
            // before it has read the reply, and discard it.
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let reply = format!(
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = conn.write_all(reply.as_bytes());
            let _ = conn.shutdown(std::net::Shutdown::Write);
        }
    });
    port
}

/// Owner uid of a path as the host sees it (not following symlinks).
pub fn host_uid(path: &Path) -> u32 {
    fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .uid()
}

pub fn host_gid(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().gid()
}

/// Where `program` is installed.
pub fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(program))
            .find(|p| p.is_file())
    })
}

/// Is `program` installed?
pub fn have(program: &str) -> bool {
    which(program).is_some()
}

/// Fail (not skip) when a tool the suite relies on is missing: CI installs them all.
#[track_caller]
pub fn require(program: &str) {
    assert!(
        have(program),
        "{program} is not installed: run scripts/setup-host"
    );
}
