//! `nook sandbox`: the escape battery (each test an attack that must fail, with what it
//! defends against), the limits, what a user sees, and bad input.
//!
//! The attacks run host programs (sh, python3 with ctypes for raw system calls) inside the
//! sandbox, as an untrusted build step would.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::harness::{
    Env, Output, Run, Terminal, chown, nook_bin, serve_on_host_loopback, wait_until,
};

const SECRET: &str = "-----BEGIN OPENSSH PRIVATE KEY----- nook-test-secret";

/// System call numbers the attacks use.
#[cfg(target_arch = "x86_64")]
mod nr {
    pub const PTRACE: i64 = 101;
    pub const UNSHARE: i64 = 272;
    pub const ADD_KEY: i64 = 248;
    pub const KEYCTL: i64 = 250;
    pub const PERF_EVENT_OPEN: i64 = 298;
    pub const BPF: i64 = 321;
    pub const USERFAULTFD: i64 = 323;
}
#[cfg(target_arch = "aarch64")]
mod nr {
    pub const PTRACE: i64 = 117;
    pub const UNSHARE: i64 = 97;
    pub const ADD_KEY: i64 = 217;
    pub const KEYCTL: i64 = 219;
    pub const PERF_EVENT_OPEN: i64 = 241;
    pub const BPF: i64 = 280;
    pub const USERFAULTFD: i64 = 282;
}

/// A test's project directory (owned by the user, outside its home), and a planted key in
/// the user's real home.
pub(crate) fn project(env: &Env) -> PathBuf {
    let dir = env.root.join("proj");
    fs::create_dir_all(&dir).unwrap();
    chown(&dir, env.user);
    let ssh = env.home.join(".ssh");
    fs::create_dir_all(&ssh).unwrap();
    fs::write(ssh.join("id_rsa"), SECRET).unwrap();
    fs::set_permissions(ssh.join("id_rsa"), fs::Permissions::from_mode(0o600)).unwrap();
    chown(&ssh, env.user);
    chown(&ssh.join("id_rsa"), env.user);
    dir
}

/// `nook sandbox ARGS` run in `dir`.
pub(crate) fn sandbox(env: &Env, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["sandbox"];
    all.extend_from_slice(args);
    env.nook(&all).current_dir(dir)
}

/// `nook sandbox [flags] -- python3 -c CODE` in `dir`.
fn python(env: &Env, dir: &Path, flags: &[&str], code: &str) -> Output {
    let mut args = flags.to_vec();
    args.extend(["--", "python3", "-c", code]);
    sandbox(env, dir, &args).output()
}

/// Python that calls `syscall(nr, args...)` and prints `ret errno-name`.
fn raw_syscall(nr: i64, args: &str) -> String {
    format!(
        "import ctypes, errno\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         libc.syscall.restype = ctypes.c_long\n\
         r = libc.syscall({nr}, {args})\n\
         print(r, errno.errorcode.get(ctypes.get_errno(), '?'))\n"
    )
}

/// A system call that must be refused inside: it returns -1 (EPERM from the seccomp filter).
#[track_caller]
fn refused(nr: i64, args: &str) {
    let env = Env::new();
    let dir = project(&env);
    let out = python(&env, &dir, &[], &raw_syscall(nr, args)).ok();
    assert!(out.stdout.starts_with("-1 EPERM"), "{out}");
}

// ---- the escape battery ----

/// Secrets in the home directory (SSH keys, cloud tokens): the sandbox's home is an empty
/// private one, and nothing else shows the real one.
#[test]
fn an_ssh_key_in_home_cannot_be_read() {
    let env = Env::new();
    let dir = project(&env);
    let key = env.home.join(".ssh/id_rsa");
    let out = sandbox(
        &env,
        &dir,
        &[
            "--",
            "sh",
            "-c",
            &format!(
                "cat ~/.ssh/id_rsa {} 2>&1; echo home:$(ls -A ~); find / -name id_rsa 2>/dev/null; echo searched",
                key.display()
            ),
        ],
    )
    .ok();
    assert!(!out.stdout.contains("nook-test-secret"), "{out}");
    assert!(out.stdout.contains("home:\n"), "home is not empty: {out}");
    assert!(out.stdout.ends_with("searched\n"), "a key was found: {out}");
}

/// Tokens in the environment (AWS_SECRET_ACCESS_KEY and the like) stay outside; only an
/// allowlist passes, and --env-keep adds to it.
#[test]
fn secrets_in_the_environment_stay_outside() {
    let env = Env::new();
    let dir = project(&env);
    let out = sandbox(&env, &dir, &["--env-keep", "KEPT", "--", "env"])
        .env("AWS_SECRET_ACCESS_KEY", "nook-test-token")
        .env("KEPT", "yes")
        .ok();
    assert!(!out.stdout.contains("nook-test-token"), "{out}");
    assert!(out.stdout.contains("KEPT=yes"), "{out}");
    assert!(
        out.stdout.contains(&format!("HOME={}", env.home.display())),
        "{out}"
    );
}

/// Writes outside the project (the home's dotfiles, a sibling directory, the host's /tmp)
/// land nowhere on the host; the project itself is written, as the user.
#[test]
fn nothing_outside_the_project_can_be_written() {
    let env = Env::new();
    let dir = project(&env);
    let outside = env.root.join("outside");
    fs::create_dir(&outside).unwrap();
    chown(&outside, env.user);
    let host_tmp = format!("/tmp/nook-sandbox-escape-{}", std::process::id());
    let script = format!(
        "echo x > ~/.bashrc; echo x > {o}/f; echo x > {t}; mkdir -p ~/.ssh && echo x >> ~/.ssh/authorized_keys; \
         echo built > out.o; echo done",
        o = outside.display(),
        t = host_tmp
    );
    let out = sandbox(&env, &dir, &["--", "sh", "-c", &script]).ok();
    assert!(out.stdout.contains("done"), "{out}");
    assert!(!env.home.join(".bashrc").exists());
    assert!(!env.home.join(".ssh/authorized_keys").exists());
    assert!(!Path::new(&host_tmp).exists());
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    assert_eq!(fs::read_to_string(dir.join("out.o")).unwrap(), "built\n");
    assert_eq!(crate::harness::host_uid(&dir.join("out.o")), env.user.uid);
}

/// Calling home: a server on the host's loopback is out of reach without --net (the sandbox
/// has a network namespace with only lo), and with --net too (pasta does not map its
/// gateway to the host); only --host-loopback reaches it.
#[test]
fn the_hosts_loopback_is_unreachable_unless_asked() {
    let env = Env::new();
    let dir = project(&env);
    let port = serve_on_host_loopback("on-the-host");
    let connect = format!(
        "import socket, sys\n\
         try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')\n\
         except OSError as e:\n    print('refused', e)\n\
         print(sorted(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))\n"
    );
    let out = python(&env, &dir, &[], &connect).ok();
    assert!(out.stdout.contains("refused"), "{out}");
    assert!(out.stdout.contains("['lo']"), "{out}");
    // The same server through pasta's gateway address, which stands for the host.
    let via_gateway = format!(
        "import socket, struct\n\
         gw = [l.split()[2] for l in open('/proc/net/route') if l.split()[1] == '00000000'][0]\n\
         addr = socket.inet_ntoa(struct.pack('<I', int(gw, 16)))\n\
         try:\n\
         \x20   s = socket.create_connection((addr, {port}), timeout=3)\n\
         \x20   s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n\
         \x20   print(s.makefile('rb').read().decode())\n\
         except OSError as e:\n\
         \x20   print('refused', e)\n"
    );
    let out = python(&env, &dir, &["--net"], &via_gateway).ok();
    assert!(out.stdout.contains("refused"), "{out}");
    let out = python(&env, &dir, &["--net", "--host-loopback"], &via_gateway).ok();
    assert!(out.stdout.contains("on-the-host"), "{out}");
}

/// With --net, the command starts once pasta has the sandbox's interface and routes up, and
/// pasta fills its pools beside it (as for a container): a connection made at once waits in
/// pasta's tap device and works, every time.
#[test]
fn with_net_the_first_instruction_reaches_the_network() {
    let env = Env::new();
    let dir = project(&env);
    let port = serve_on_host_loopback("first");
    // pasta gives the sandbox the host's gateway, which --host-loopback maps to the host.
    let gateway = nook::network::host::default_route()
        .expect("the host has a default route")
        .gateway;
    // (The server may end the connection with a reset once it has answered.)
    let script = format!(
        "exec 3<>/dev/tcp/{gateway}/{port} && printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3 && \
         {{ cat <&3; true; }}"
    );
    for _ in 0..10 {
        sandbox(
            &env,
            &dir,
            &["--net", "--host-loopback", "--", "bash", "-c", &script],
        )
        .ok()
        .stdout_has("first");
    }
    // pasta's readiness FIFO and log go with the sandbox.
    let left: Vec<_> = fs::read_dir(env.runtime.join("nook"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().starts_with("sandbox-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// TIOCSTI injection: a command pushed into the user's terminal input would run in the
/// user's shell after the sandbox ends. The sandbox has a session of its own (the terminal
/// is not its controlling one) and the ioctl is refused by seccomp.
#[test]
fn a_command_cannot_be_injected_into_the_terminal() {
    let env = Env::new();
    let dir = project(&env);
    let inject = |file: &str| {
        format!(
            "import fcntl, termios\n\
             try:\n    [fcntl.ioctl(0, termios.TIOCSTI, c.encode()) for c in 'touch {file}\\n']; print('injected')\n\
             except OSError as e:\n    print('refused', e.errno)\n"
        )
    };
    // The control: the same attack, unconfined, does inject (so the test can tell).
    for (name, file) in [("control.py", "CONTROL"), ("attack.py", "INJECTED")] {
        fs::write(dir.join(name), inject(file)).unwrap();
        chown(&dir.join(name), env.user);
    }
    let term = Terminal::start(
        &env,
        100,
        30,
        &format!(
            "cd {dir}; python3 control.py; {nook} sandbox -- python3 attack.py; echo SANDBOX-EXIT=$?; exec sh",
            dir = dir.display(),
            nook = nook_bin().display(),
        ),
    );
    term.wait_for("SANDBOX-EXIT=0");
    // The shell that follows reads whatever was pushed into the terminal.
    wait_until(
        Duration::from_secs(20),
        "the shell to run the control",
        || dir.join("CONTROL").exists(),
    );
    term.keys("echo SHELL-$((40+2))");
    term.keys("Enter");
    term.wait_for("SHELL-42");
    assert!(term.screen().contains("refused 1"), "{}", term.screen());
    assert!(!dir.join("INJECTED").exists(), "{}", term.screen());
}

/// CVE-2019-5736: overwriting the runtime's binary through /proc/PID/exe. nook's PID 1 is
/// not dumpable (its /proc entries are closed), the binary is not in the sandbox's tree,
/// and the host's processes are in another pid namespace. Here the binary is even writable
/// by the user, and survives.
#[test]
fn the_nook_binary_cannot_be_overwritten_through_proc() {
    let env = Env::new();
    let dir = project(&env);
    let bin = env.root.join("nook");
    fs::copy(nook_bin(), &bin).unwrap();
    chown(&bin, env.user);
    let before = fs::read(&bin).unwrap();
    let attack = r#"
import os
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
print('pids', pids)
for p in pids + ['self']:
    for how in (os.O_WRONLY, os.O_RDWR | os.O_TRUNC):
        try:
            fd = os.open('/proc/%s/exe' % p, how)
            os.write(fd, b'#!/bin/sh\necho pwned\n'); print('overwrote', p)
        except OSError as e:
            print('refused', p, e.errno)
for p in ('/proc/1/root/', '/proc/1/cwd/', '/proc/1/fd/'):
    try:
        print('listed', p, os.listdir(p))
    except OSError as e:
        print('refused', p, e.errno)
"#;
    let mut cmd = env.command(&bin);
    cmd.args(["sandbox", "--", "python3", "-c", attack])
        .current_dir(&dir);
    let out = Run::new(cmd, "copied nook sandbox".into()).ok();
    assert!(!out.stdout.contains("overwrote"), "{out}");
    assert!(!out.stdout.contains("listed"), "{out}");
    // PID 1 (nook) and the attacker: no host process is visible.
    assert!(out.stdout.contains("pids [1, 2]"), "{out}");
    assert!(fs::read(&bin).unwrap() == before, "the binary changed");
}

/// CVE-2024-21626: a descriptor the caller leaked (here, its home directory and the host's
/// root, inheritable) reaching into the sandbox. Every descriptor but 0-2 is closed before
/// the command runs.
#[test]
fn a_leaked_descriptor_reaches_nothing() {
    let env = Env::new();
    let dir = project(&env);
    let wrapper = format!(
        "import os\n\
         for n, p in ((9, {home:?}), (10, '/')):\n\
         \x20   fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY); os.dup2(fd, n, inheritable=True)\n\
         os.execv({nook:?}, ['nook', 'sandbox', '--', 'sh', '-c', \
         'ls /proc/self/fd; cat /proc/self/fd/9/.ssh/id_rsa; ls /proc/self/fd/10/ 2>&1; cd /proc/self/fd/9 && cat .ssh/id_rsa'])\n",
        home = env.home.display().to_string(),
        nook = nook_bin().display().to_string(),
    );
    let mut cmd = env.command("python3");
    cmd.args(["-c", &wrapper]).current_dir(&dir);
    let out = Run::new(cmd, "python3 leaking fds to nook sandbox".into()).output();
    assert!(!out.stdout.contains("nook-test-secret"), "{out}");
    // 0-2, and the directory ls itself opened.
    assert!(out.stdout.starts_with("0\n1\n2\n3\n"), "{out}");
    assert!(
        !out.stdout.contains("\n9\n") && !out.stdout.contains("\n10\n"),
        "{out}"
    );
}

/// Lifting the private home off: unmounting it (or making a new user namespace, in which
/// one could try) must not reveal the real home. The mounts are locked by a second user
/// namespace, the command has no capabilities, and unshare is refused.
#[test]
fn unmounting_the_private_home_reveals_nothing() {
    let env = Env::new();
    let dir = project(&env);
    let attack = format!(
        "import ctypes, os\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         print('umount', libc.umount2({home:?}.encode(), 2), ctypes.get_errno())\n\
         print('unshare', libc.syscall({unshare}, 0x10000000 | 0x00020000), ctypes.get_errno())\n\
         print('umount', libc.umount2({home:?}.encode(), 2), ctypes.get_errno())\n\
         print('umount /', libc.umount2(b'/', 2), ctypes.get_errno())\n\
         print('home', os.listdir({home:?}))\n",
        home = env.home.display().to_string(),
        unshare = nr::UNSHARE,
    );
    let out = python(&env, &dir, &[], &attack).ok();
    assert!(out.stdout.contains("home []"), "{out}");
    assert!(!out.stdout.contains("umount 0"), "{out}");
    assert!(out.stdout.contains("unshare -1 1"), "{out}");
}

/// Over-mounting: a tmpfs or a bind mount over a path (to swap the policy file or show the
/// real home elsewhere) is refused.
#[test]
fn nothing_can_be_mounted_over() {
    let env = Env::new();
    let dir = project(&env);
    let script = format!(
        "mkdir -p x; mount -t tmpfs none x 2>&1; mount --bind / x 2>&1; mount --bind {home} x 2>&1; \
         grep -c ' {dir}/x ' /proc/self/mountinfo",
        home = env.home.display(),
        dir = dir.display()
    );
    let out = sandbox(&env, &dir, &["--", "sh", "-c", &script]).output();
    assert!(out.stdout.trim_end().ends_with('0'), "{out}");
}

/// The new mount API (fsopen, fsmount, open_tree, move_mount): another way to make and
/// attach mounts, closed as the old one is.
#[test]
fn the_new_mount_api_is_refused() {
    let env = Env::new();
    let dir = project(&env);
    let attack = r#"
import ctypes, errno
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(name, *a):
    r = libc.syscall(*a)
    print(name, r, errno.errorcode.get(ctypes.get_errno(), '?'))
    return r
call('fsopen', 430, b'tmpfs', 0)
tree = call('open_tree', 428, -100, b'/', 1 | 0x8000)
call('move_mount', 429, tree, b'', -100, b'/tmp', 4)
call('fspick', 433, -100, b'/', 0)
call('mount_setattr', 442, -100, b'/', 0, None, 0)
"#;
    let out = python(&env, &dir, &[], attack).ok();
    for call in [
        "fsopen",
        "open_tree",
        "move_mount",
        "fspick",
        "mount_setattr",
    ] {
        assert!(out.stdout.contains(&format!("{call} -1 EPERM")), "{out}");
    }
}

/// Another process of the user on the host: the sandbox can neither signal nor trace it
/// (another pid namespace; Landlock's signal scope where the kernel has it).
#[test]
fn a_host_process_can_be_neither_signalled_nor_traced() {
    let env = Env::new();
    let dir = project(&env);
    let mut victim = env.command("sleep").arg("300").spawn().unwrap();
    let pid = victim.id();
    let attack = format!(
        "import ctypes, os, signal\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         print('ptrace', libc.syscall({ptrace}, 16, {pid}, 0, 0), ctypes.get_errno())\n\
         for target in ({pid}, -1):\n\
         \x20   try:\n\
         \x20       os.kill(target, signal.SIGKILL); print('signalled', target)\n\
         \x20   except OSError as e:\n\
         \x20       print('refused', target, e.errno)\n",
        ptrace = nr::PTRACE,
    );
    // kill(-1) ends the attacker too, at the latest.
    let out = python(&env, &dir, &[], &attack);
    assert!(out.stdout.contains("ptrace -1"), "{out}");
    assert!(!out.stdout.contains(&format!("signalled {pid}")), "{out}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        victim.try_wait().unwrap().is_none(),
        "the host's sleep died"
    );
    victim.kill().unwrap();
    victim.wait().unwrap();
}

/// nook's own PID 1 in the sandbox: not traceable, its memory and environment closed.
#[test]
fn the_sandboxs_init_cannot_be_traced_or_read() {
    let env = Env::new();
    let dir = project(&env);
    let attack = format!(
        "import ctypes\n\
         libc = ctypes.CDLL(None, use_errno=True)\n\
         print('ptrace', libc.syscall({ptrace}, 16, 1, 0, 0), ctypes.get_errno())\n\
         for f in ('environ', 'mem', 'maps'):\n\
         \x20   try:\n\
         \x20       open('/proc/1/' + f, 'rb').read(1); print('read', f)\n\
         \x20   except OSError as e:\n\
         \x20       print('refused', f, e.errno)\n",
        ptrace = nr::PTRACE,
    );
    let out = python(&env, &dir, &[], &attack).ok();
    assert!(out.stdout.starts_with("ptrace -1 1\n"), "{out}");
    assert!(!out.stdout.contains("read "), "{out}");
}

/// /proc/sysrq-trigger (reboot, crash the machine) and the kernel's tunables in /proc/sys:
/// read-only or masked.
#[test]
fn sysrq_trigger_and_kernel_tunables_cannot_be_written() {
    let env = Env::new();
    let dir = project(&env);
    let script = "for f in /proc/sysrq-trigger /proc/sys/kernel/sysrq /proc/sys/vm/drop_caches; do \
                  if echo 0 > $f; then echo wrote $f; else echo refused $f; fi; done 2>/dev/null";
    let out = sandbox(&env, &dir, &["--", "sh", "-c", script]).ok();
    assert!(!out.stdout.contains("wrote"), "{out}");
    assert_eq!(out.stdout.matches("refused").count(), 3, "{out}");
}

/// The kernel keyring (keyctl, add_key): another process's keys, and a large attack surface.
#[test]
fn keyctl_is_refused() {
    refused(nr::KEYCTL, "0, -3, 0");
    refused(nr::ADD_KEY, "b'user', b'nook', b'x', 1, -3");
}

/// bpf(2): loading programs into the kernel.
#[test]
fn bpf_is_refused() {
    refused(nr::BPF, "0, None, 0");
}

/// perf_event_open(2): kernel profiling, a source of leaks and exploits.
#[test]
fn perf_event_open_is_refused() {
    refused(
        nr::PERF_EVENT_OPEN,
        "ctypes.create_string_buffer(128), 0, -1, -1, 0",
    );
}

/// userfaultfd(2): the usual tool for winning kernel races.
#[test]
fn userfaultfd_is_refused() {
    refused(nr::USERFAULTFD, "0");
}

/// A fork bomb: with --pids-limit, the sandbox's user cannot have more processes than that.
#[test]
fn a_fork_bomb_is_bounded_by_pids_limit() {
    let env = Env::new();
    let dir = project(&env);
    let bomb = r#"
import os, time
made = 0
for _ in range(500):
    try:
        if os.fork() == 0:
            time.sleep(3); os._exit(0)
        made += 1
    except OSError:
        break
print('made', made)
"#;
    let out = python(&env, &dir, &["--pids-limit", "40"], bomb).ok();
    let made: u32 = out
        .stdout
        .trim()
        .strip_prefix("made ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(made > 0 && made < 40, "{out}");
}

/// A memory hog: with --memory, it cannot go beyond the limit and push the machine into
/// swap. Where a cgroup is delegated, the sandbox's cgroup OOM-kills it (exit 137); else
/// RLIMIT_AS makes the allocation fail.
#[test]
fn a_memory_hog_is_bounded_by_memory() {
    let env = Env::new();
    let dir = project(&env);
    let hog = "try:\n    b = bytearray(2 << 30); b[::4096] = b'x' * len(b[::4096]); print('allocated')\nexcept MemoryError:\n    print('bounded')\n";
    let out = python(&env, &dir, &["--memory", "256m"], hog);
    let explained = sandbox(&env, &dir, &["--memory", "256m", "--explain"]).ok();
    if explained.stdout.contains("(its own cgroup)") {
        assert_eq!(out.code, 137, "{out}");
    } else {
        assert!(explained.stdout.contains("RLIMIT_AS"), "{explained}");
        assert_eq!((out.code, out.stdout.trim()), (0, "bounded"), "{out}");
    }
}

/// A symlink race on a bind mount: the path given to --ro is swapped, again and again, for a
/// link to the real home while sandboxes start. What is shown is the checked directory, or
/// nothing (the start fails): never what the link leads to.
#[test]
fn a_symlink_race_on_a_bind_mount_shows_nothing_else() {
    let env = Env::new();
    let dir = project(&env);
    let data = dir.join("data");
    let real = env.root.join("checked-data");
    fs::create_dir(&real).unwrap();
    fs::write(real.join("file"), "data").unwrap();
    env.own(&real);
    // The swapper: `data` and a link to the home trade places (renameat2 RENAME_EXCHANGE)
    // as fast as they can.
    std::os::unix::fs::symlink(&env.home, dir.join("data.l")).unwrap();
    fs::rename(&real, &data).unwrap();
    let swapper = "import ctypes\n\
                   libc = ctypes.CDLL(None, use_errno=True)\n\
                   while True:\n    libc.renameat2(-100, b'data', -100, b'data.l', 2)\n";
    let mut race = env
        .command("python3")
        .args(["-c", swapper])
        .current_dir(&dir)
        .spawn()
        .unwrap();
    let (mut shown, mut refused) = (0, 0);
    for _ in 0..30 {
        let out = sandbox(
            &env,
            &dir,
            &[
                "--ro",
                data.to_str().unwrap(),
                "--",
                "sh",
                "-c",
                "cat data/file data/.ssh/id_rsa 2>/dev/null",
            ],
        )
        .output();
        assert!(!out.stdout.contains("nook-test-secret"), "{out}");
        match out.code {
            125 => refused += 1,
            _ => shown += 1,
        }
    }
    race.kill().unwrap();
    race.wait().unwrap();
    eprintln!("symlink race: {shown} sandboxes started, {refused} refused");
}

/// The sandbox cannot change its own policy: the project's nook.toml is read-only inside
/// (neither written, replaced nor removed), though the project is writable.
#[test]
fn the_policy_file_cannot_be_changed_from_inside() {
    let env = Env::new();
    let dir = project(&env);
    let policy = "[sandbox]\nnet = false\n";
    fs::write(dir.join("nook.toml"), policy).unwrap();
    chown(&dir.join("nook.toml"), env.user);
    let script = "echo 'net = true' >> nook.toml; rm -f nook.toml; mv nook.toml n; \
                  echo '[sandbox]' > new && mv new nook.toml; cat nook.toml";
    let out = sandbox(&env, &dir, &["--", "sh", "-c", script]).output();
    assert_eq!(out.stdout, policy, "{out}");
    assert_eq!(fs::read_to_string(dir.join("nook.toml")).unwrap(), policy);
}

/// A policy the sandbox writes for its next run (none existed, or one below an existing
/// one): `rw = ["~"]` and every variable. A file that opens walls is honoured only once you
/// trust it (`nook trust`, by path and contents); the planted ones are refused.
#[test]
fn the_sandbox_cannot_plant_its_own_policy() {
    let env = Env::new();
    let dir = project(&env);
    let plant = "printf '[sandbox]\\nrw = [\"~\"]\\nenv_keep = [\"*\"]\\n' > nook.toml; \
                 mkdir -p sub && cp nook.toml sub/";
    // The one made at the top, where there was none, is moved aside at once.
    let out = sandbox(&env, &dir, &["--", "sh", "-c", plant]).ok();
    assert!(!dir.join("nook.toml").exists(), "{out}");
    assert!(out.stderr.contains("nook.toml"), "{out}");
    // The one below is refused where it would be found.
    let out = sandbox(
        &env,
        &dir.join("sub"),
        &["--", "sh", "-c", "cat ~/.ssh/id_rsa; env"],
    )
    .env("AWS_SECRET_ACCESS_KEY", "hush")
    .output()
    .code(125)
    .stderr_has("nook trust");
    assert!(out.stderr.contains("rw = [\"~\"]"), "{out}");
    assert!(!out.stdout.contains("hush") && !out.stdout.contains("nook-test-secret"));
    // With a policy of yours already in place, the one planted below is still refused.
    fs::write(dir.join("nook.toml"), "[sandbox]\npids_limit = 100\n").unwrap();
    chown(&dir.join("nook.toml"), env.user);
    sandbox(&env, &dir, &["--", "true"]).ok();
    sandbox(&env, &dir.join("sub"), &["--", "true"])
        .output()
        .code(125)
        .stderr_has("sub/nook.toml asks for more");
    // --no-project ignores it.
    sandbox(&env, &dir.join("sub"), &["--no-project", "--", "true"]).ok();
}

/// Another user's `/tmp/nook.toml` above your project (`ro = ["~/.ssh"]`): a policy is
/// taken only from a file you own; the others are named and passed over.
#[test]
fn another_users_policy_is_not_taken() {
    let env = Env::new();
    project(&env);
    let shared = env.root.join("shared-tmp");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    fs::write(shared.join("nook.toml"), "[sandbox]\nro = [\"~/.ssh\"]\n").unwrap();
    let proj = shared.join("proj");
    fs::create_dir(&proj).unwrap();
    chown(&proj, env.user);
    let out = sandbox(&env, &proj, &["--", "sh", "-c", "cat ~/.ssh/id_rsa 2>&1"]).output();
    assert!(!out.stdout.contains("nook-test-secret"), "{out}");
    assert!(out.stderr.contains("belongs to uid 0, not to you"), "{out}");
    // Nor can it be trusted.
    env.nook(&["trust", shared.join("nook.toml").to_str().unwrap()])
        .output()
        .code(125)
        .stderr_has("not to you");
}

/// `nook trust`: what your file opens is honoured for those contents; a change needs your
/// word again; `--explain` says where each wall comes from; `--forget` takes it back.
#[test]
fn trusted_policies_open_walls_until_they_change() {
    let env = Env::new();
    let dir = project(&env);
    let cache = env.home.join("cache");
    fs::create_dir(&cache).unwrap();
    fs::write(cache.join("crate"), "cached").unwrap();
    env.own(&cache);
    let file = dir.join("nook.toml");
    fs::write(&file, "[sandbox]\nro = [\"~/cache\"]\n").unwrap();
    chown(&file, env.user);
    let crate_file = cache.join("crate");
    let read = ["--", "cat", crate_file.to_str().unwrap()];
    sandbox(&env, &dir, &read).output().code(125);
    let out = env.nook(&["trust"]).current_dir(&dir).ok();
    assert!(out.stdout.contains("it opens ro = [\"~/cache\"]"), "{out}");
    assert_eq!(sandbox(&env, &dir, &read).ok().stdout, "cached");
    let out = sandbox(&env, &dir, &["--explain"]).ok();
    assert!(out.stdout.contains("(trusted with `nook trust`"), "{out}");
    assert!(
        out.stdout
            .contains(&format!("{} (nook.toml)", cache.display())),
        "{out}"
    );
    assert!(
        env.nook(&["trust", "--list"])
            .ok()
            .stdout
            .contains("\ttrusted")
    );
    // A change (by you, or by anything else) needs trust again.
    fs::write(&file, "[sandbox]\nro = [\"~/cache\"]\nnet = true\n").unwrap();
    sandbox(&env, &dir, &read).output().code(125);
    env.nook(&["trust", file.to_str().unwrap()]).ok();
    sandbox(&env, &dir, &read).ok();
    env.nook(&["trust", "--forget", file.to_str().unwrap()])
        .ok();
    sandbox(&env, &dir, &read).output().code(125);
}

/// `git config core.fsmonitor CMD` in the sandbox ran CMD unsandboxed at your next `git
/// status`. The files your tools run code from (.git, .vscode, ...) are read-only inside,
/// and one the command makes where there was none is moved aside afterwards.
#[test]
fn git_and_editor_files_cannot_be_changed_from_inside() {
    let env = Env::new();
    let dir = project(&env);
    let git = |args: &[&str]| {
        let mut cmd = env.command("git");
        cmd.args(args).current_dir(&dir);
        Run::new(cmd, format!("git {}", args.join(" "))).ok()
    };
    git(&["init", "-q"]);
    fs::create_dir(dir.join(".vscode")).unwrap();
    env.own(&dir);
    let config = fs::read_to_string(dir.join(".git/config")).unwrap();
    let attack = "git config core.fsmonitor 'touch /tmp/pwned'; \
                  echo 'touch /tmp/pwned' > .git/hooks/pre-commit; \
                  echo '{}' > .vscode/tasks.json; echo built > out";
    let out = sandbox(&env, &dir, &["--", "sh", "-c", attack]).ok();
    assert_eq!(
        fs::read_to_string(dir.join(".git/config")).unwrap(),
        config,
        "{out}"
    );
    assert!(!dir.join(".git/hooks/pre-commit").exists());
    assert!(!dir.join(".vscode/tasks.json").exists());
    assert!(
        dir.join("out").exists(),
        "the project itself stays writable"
    );
    // Asked for, it is allowed.
    sandbox(
        &env,
        &dir,
        &[
            "--unprotect-tool-files",
            "--",
            "git",
            "config",
            "user.name",
            "x",
        ],
    )
    .ok();
    assert!(
        fs::read_to_string(dir.join(".git/config"))
            .unwrap()
            .contains("name = x")
    );
    // A .git made where there was none is moved aside.
    let other = env.root.join("other");
    fs::create_dir(&other).unwrap();
    chown(&other, env.user);
    let out = sandbox(
        &env,
        &other,
        &[
            "--",
            "sh",
            "-c",
            "mkdir -p .git/hooks && echo evil > .git/config",
        ],
    )
    .ok();
    assert!(!other.join(".git").exists(), "{out}");
    assert!(
        out.stderr.contains("your tools would run code from"),
        "{out}"
    );
    let aside: Vec<String> = fs::read_dir(&other)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        aside.iter().any(|n| n.starts_with(".git.nook-untrusted-")),
        "{aside:?}"
    );
}

/// Set-user-ID programs and privilege: no_new_privs, no capabilities in any set, and no
/// other id to become.
#[test]
fn no_privilege_can_be_gained() {
    let env = Env::new();
    let dir = project(&env);
    let attack = r#"
import os
status = dict(l.split(':\t', 1) for l in open('/proc/self/status').read().splitlines() if ':\t' in l)
print({k: status[k].strip() for k in ('NoNewPrivs', 'CapEff', 'CapPrm', 'CapBnd', 'CapAmb')})
for call in (lambda: os.setuid(0), lambda: os.setgid(0), lambda: os.setgroups([0])):
    try:
        call(); print('became root')
    except OSError as e:
        print('refused', e.errno)
"#;
    let out = python(&env, &dir, &[], attack).ok();
    assert!(
        out.stdout.contains(
            "{'NoNewPrivs': '1', 'CapEff': '0000000000000000', 'CapPrm': '0000000000000000', \
             'CapBnd': '0000000000000000', 'CapAmb': '0000000000000000'}"
        ),
        "{out}"
    );
    assert!(!out.stdout.contains("became root"), "{out}");
    // A set-user-ID program runs as the user (su cannot even start as root).
    let out = sandbox(
        &env,
        &dir,
        &["--", "sh", "-c", "su -c true root 2>&1; echo su=$?"],
    )
    .output();
    assert!(!out.stdout.contains("su=0"), "{out}");
}

/// Abstract unix sockets of the host (D-Bus, X11 and agents listen on some): unreachable
/// (another network namespace, and Landlock's scope where the kernel has it).
#[test]
fn an_abstract_socket_of_the_host_is_unreachable() {
    let env = Env::new();
    let dir = project(&env);
    let name = format!("nook-test-{}", std::process::id());
    let listen = format!(
        "import socket, sys, time\n\
         s = socket.socket(socket.AF_UNIX); s.bind('\\0{name}'); s.listen(); print('up', flush=True)\n\
         time.sleep(60)\n"
    );
    let mut listener = env
        .command("python3")
        .args(["-c", &listen])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(listener.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "up\n");
    let attack = format!(
        "import socket\n\
         try:\n    socket.socket(socket.AF_UNIX).connect('\\0{name}'); print('connected')\n\
         except OSError as e:\n    print('refused', e.errno)\n"
    );
    let out = python(&env, &dir, &[], &attack).ok();
    listener.kill().unwrap();
    listener.wait().unwrap();
    assert!(out.stdout.starts_with("refused"), "{out}");
}

// ---- what a user sees ----

/// The command's status comes back: its exit code, 127 for a missing program, 126 for one
/// that cannot be executed, 128+N for a signal.
#[test]
fn the_commands_status_comes_back() {
    let env = Env::new();
    let dir = project(&env);
    sandbox(&env, &dir, &["--", "sh", "-c", "exit 7"])
        .output()
        .code(7);
    sandbox(&env, &dir, &["--", "no-such-program"])
        .output()
        .code(127)
        .stderr_has("no-such-program");
    fs::write(dir.join("script"), "#!/bin/sh\n").unwrap();
    chown(&dir.join("script"), env.user);
    sandbox(&env, &dir, &["--", "./script"]).output().code(126);
    sandbox(&env, &dir, &["--", "sh", "-c", "kill -TERM $$"])
        .output()
        .code(143);
}

/// --timeout ends the command and everything it started, with status 124 (as timeout(1)).
#[test]
fn timeout_ends_everything() {
    let env = Env::new();
    let dir = project(&env);
    let out = sandbox(
        &env,
        &dir,
        &[
            "--timeout",
            "1s",
            "--",
            "sh",
            "-c",
            "sleep 301 & sleep 301; echo not-stopped",
        ],
    )
    .output()
    .code(124)
    .stderr_has("--timeout");
    assert!(!out.stdout.contains("not-stopped"));
    assert!(
        !crate::harness::processes()
            .iter()
            .any(|p| p == "sleep 301 "),
        "a process outlived the sandbox"
    );
}

/// Ctrl-C (SIGINT to nook sandbox, as a terminal sends it to the foreground group) stops
/// the command.
#[test]
fn an_interrupt_stops_the_command() {
    let env = Env::new();
    let dir = project(&env);
    let mut child = sandbox(
        &env,
        &dir,
        &["--", "sh", "-c", "echo started; exec sleep 302"],
    )
    .spawn();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "started\n");
    // A shell that catches the signal between its commands would only act on it after the
    // next one, as in a terminal: the signal goes once sleep runs.
    crate::harness::wait_until(Duration::from_secs(10), "sleep to start", || {
        crate::harness::processes()
            .iter()
            .any(|p| p == "sleep 302 ")
    });
    // The process setpriv became: nook.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let (status, _, _) =
        crate::harness::wait_with_timeout(&mut child, Duration::from_secs(20), "sandbox");
    assert_eq!(crate::harness::exit_code(status), 130);
}

/// --explain says which walls are up, without running anything.
#[test]
fn explain_names_the_walls() {
    let env = Env::new();
    let dir = project(&env);
    let cache = env.home.join(".cache");
    fs::create_dir(&cache).unwrap();
    chown(&cache, env.user);
    let out = sandbox(
        &env,
        &dir,
        &["--explain", "--ro", cache.to_str().unwrap(), "--", "make"],
    )
    .ok();
    for wall in [
        "user",
        "seccomp",
        "landlock",
        "no_new_privs",
        "only lo",
        &dir.display().to_string(),
        &cache.display().to_string(),
    ] {
        assert!(out.stdout.contains(wall), "{wall} missing: {out}");
    }
}

/// A project's nook.toml sets the defaults: more paths (read-only or writable, `~/` for the
/// home), environment, limits.
#[test]
fn the_projects_file_sets_the_defaults() {
    let env = Env::new();
    let dir = project(&env);
    let registry = env.home.join(".cargo/registry");
    fs::create_dir_all(&registry).unwrap();
    fs::write(registry.join("crate"), "source").unwrap();
    env.own(&env.home.join(".cargo"));
    let out_dir = env.root.join("target");
    fs::create_dir(&out_dir).unwrap();
    chown(&out_dir, env.user);
    fs::write(
        dir.join("nook.toml"),
        format!(
            "[sandbox]\nro = [\"~/.cargo/registry\"]\nrw = [\"{}\"]\nenv = {{ BUILD = \"release\" }}\npids_limit = 100\n",
            out_dir.display()
        ),
    )
    .unwrap();
    chown(&dir.join("nook.toml"), env.user);
    let script = format!(
        "cat ~/.cargo/registry/crate; echo; touch ~/.cargo/registry/new 2>/dev/null || echo ro; \
         echo $BUILD; echo out > {}/o",
        out_dir.display()
    );
    // What it opens is honoured once trusted.
    sandbox(&env, &dir, &["--", "sh", "-c", &script])
        .output()
        .code(125);
    env.nook(&["trust"]).current_dir(&dir).ok();
    let out = sandbox(&env, &dir, &["--", "sh", "-c", &script]).ok();
    assert_eq!(out.stdout, "source\nro\nrelease\n", "{out}");
    assert_eq!(fs::read_to_string(out_dir.join("o")).unwrap(), "out\n");
}

/// --image: an image's filesystem instead of the host's system, with the same walls.
#[test]
fn an_image_can_be_the_system() {
    let env = Env::new();
    let dir = project(&env);
    env.busybox("busybox");
    let out = sandbox(
        &env,
        &dir,
        &[
            "--image",
            "busybox",
            "--",
            "sh",
            "-c",
            "ls /usr/bin/python3 2>&1; echo x > f; grep NoNewPrivs /proc/self/status; pwd",
        ],
    )
    .ok();
    assert!(out.stdout.contains("No such file"), "{out}");
    assert!(out.stdout.contains("NoNewPrivs:\t1"), "{out}");
    assert!(
        out.stdout.ends_with(&format!("{}\n", dir.display())),
        "{out}"
    );
    assert_eq!(fs::read_to_string(dir.join("f")).unwrap(), "x\n");
}

// ---- bad input ----

#[test]
fn bad_input_is_refused_with_125() {
    let env = Env::new();
    let dir = project(&env);
    let s = |args: &[&str]| sandbox(&env, &dir, args).output().code(125);
    s(&["--rw", "/no/such/dir", "--", "true"]).stderr_has("/no/such/dir: no such file");
    std::os::unix::fs::symlink(&env.home, dir.join("link")).unwrap();
    s(&["--rw", "link", "--", "true"]).stderr_has("is a symbolic link");
    s(&["--ro", "/usr/share", "--rw", "/usr/share", "--", "true"]).stderr_has("both --ro and --rw");
    s(&["--rw", "/proc/sys", "--", "true"]).stderr_has("kernel filesystems");
    s(&["--timeout", "soon", "--", "true"]).stderr_has("invalid");
    s(&["--memory", "lots", "--", "true"]).stderr_has("invalid size");
    s(&["--"]).stderr_has("nothing to run");
    s(&["--no-such-flag", "--", "true"]);
    // the home itself as the project
    sandbox(&env, &env.home, &["--", "true"])
        .output()
        .code(125)
        .stderr_has("whole home");
    fs::write(dir.join("nook.toml"), "[sandbox]\nnetwork = true\n").unwrap();
    chown(&dir.join("nook.toml"), env.user);
    s(&["--", "true"])
        .stderr_has("nook.toml")
        .stderr_has("network");
}

/// Ordinary programs work behind the walls: threads (glibc tries clone3, which the filter
/// answers with ENOSYS so that it falls back to clone), subprocesses, pipes, /dev/null.
#[test]
fn threads_and_subprocesses_work() {
    let env = Env::new();
    let dir = project(&env);
    let program = "import subprocess, threading\n\
                   out = []\n\
                   ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n\
                   [t.start() for t in ts]; [t.join() for t in ts]\n\
                   print(sorted(out), subprocess.run(['sh', '-c', 'echo piped | cat > /dev/null; echo sub'], capture_output=True, text=True).stdout.strip())\n";
    let out = python(&env, &dir, &[], program).ok();
    assert_eq!(out.stdout, "[0, 1, 2, 3, 4, 5, 6, 7] sub\n", "{out}");
}
