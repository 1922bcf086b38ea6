//! Seccomp filters for containers and sandboxes.
//!
//! Profiles have docker's form: an allowlist whose entries may depend on the capabilities the
//! process keeps, on arguments (masked flags, exact values), on the architecture and the
//! kernel; anything else fails with EPERM. The built-in default profile has docker's
//! semantics (capability-dependent extras, namespace flags of `clone` refused, `clone3` as
//! ENOSYS so libc falls back to `clone`), without `io_uring`, whose rings bypass syscall
//! filtering. Users may give a profile file in docker's JSON format. The sandbox adds refusals
//! of the terminal-injection ioctls (TIOCSTI, TIOCLINUX).
//!
//! Compilation to BPF is done with seccompiler (rust-vmm's, whose tables turn names into this
//! architecture's numbers; names this architecture lacks are left out, as docker does), once
//! per container at its creation: the programs are stored with it, and installed by its init
//! (or by `nook exec`) just before the user and capabilities are dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SeccompError {
    #[error("cannot read the seccomp profile {path}: {source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the seccomp profile {path} is not a valid docker seccomp profile: {source}")]
    Parse {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
    #[error("seccomp profile: {0}")]
    Unsupported(String),
    #[error("cannot compile the seccomp profile: {0}")]
    Compile(String),
    #[error("cannot install the seccomp filter: {0}")]
    Install(String),
}

/// A profile in docker's JSON form (the parts nook uses).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    default_action: String,
    #[serde(default)]
    default_errno_ret: Option<u32>,
    #[serde(default)]
    syscalls: Vec<Rule>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    #[serde(default)]
    names: Vec<String>,
    /// docker's older spelling: one name.
    #[serde(default)]
    name: Option<String>,
    action: String,
    #[serde(default)]
    errno_ret: Option<u32>,
    #[serde(default)]
    args: Vec<Arg>,
    #[serde(default)]
    includes: Condition,
    #[serde(default)]
    excludes: Condition,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Arg {
    index: u8,
    value: u64,
    #[serde(default)]
    value_two: u64,
    op: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Condition {
    #[serde(default)]
    caps: Vec<String>,
    #[serde(default)]
    arches: Vec<String>,
    #[serde(default)]
    min_kernel: Option<String>,
}

/// A compiled filter: BPF instructions as `(code, jt, jf, k)`, stored with a container.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Program(pub Vec<(u16, u8, u8, u32)>);

/// The syscalls every profile of nook's allows (docker's list, without io_uring).
const ALLOWED: &[&str] = &[
    "accept",
    "accept4",
    "access",
    "adjtimex",
    "alarm",
    "bind",
    "brk",
    "capget",
    "capset",
    "chdir",
    "chmod",
    "chown",
    "chown32",
    "clock_adjtime",
    "clock_adjtime64",
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "close",
    "close_range",
    "connect",
    "copy_file_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_pwait",
    "epoll_pwait2",
    "epoll_wait",
    "epoll_wait_old",
    "eventfd",
    "eventfd2",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "faccessat",
    "faccessat2",
    "fadvise64",
    "fadvise64_64",
    "fallocate",
    "fanotify_mark",
    "fchdir",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "fchown",
    "fchown32",
    "fchownat",
    "fcntl",
    "fcntl64",
    "fdatasync",
    "fgetxattr",
    "flistxattr",
    "flock",
    "fork",
    "fremovexattr",
    "fsetxattr",
    "fstat",
    "fstat64",
    "fstatat64",
    "fstatfs",
    "fstatfs64",
    "fsync",
    "ftruncate",
    "ftruncate64",
    "futex",
    "futex_time64",
    "futex_waitv",
    "futimesat",
    "getcpu",
    "getcwd",
    "getdents",
    "getdents64",
    "getegid",
    "getegid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getgroups",
    "getgroups32",
    "getitimer",
    "getpeername",
    "getpgid",
    "getpgrp",
    "getpid",
    "getppid",
    "getpriority",
    "getrandom",
    "getresgid",
    "getresgid32",
    "getresuid",
    "getresuid32",
    "getrlimit",
    "get_robust_list",
    "getrusage",
    "getsid",
    "getsockname",
    "getsockopt",
    "get_thread_area",
    "gettid",
    "gettimeofday",
    "getuid",
    "getuid32",
    "getxattr",
    "inotify_add_watch",
    "inotify_init",
    "inotify_init1",
    "inotify_rm_watch",
    "io_cancel",
    "ioctl",
    "io_destroy",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "ioprio_get",
    "ioprio_set",
    "io_setup",
    "io_submit",
    "ipc",
    "kill",
    "landlock_add_rule",
    "landlock_create_ruleset",
    "landlock_restrict_self",
    "lchown",
    "lchown32",
    "lgetxattr",
    "link",
    "linkat",
    "listen",
    "listxattr",
    "llistxattr",
    "_llseek",
    "lremovexattr",
    "lseek",
    "lsetxattr",
    "lstat",
    "lstat64",
    "madvise",
    "membarrier",
    "memfd_create",
    "memfd_secret",
    "mincore",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "mlock",
    "mlock2",
    "mlockall",
    "mmap",
    "mmap2",
    "mprotect",
    "mq_getsetattr",
    "mq_notify",
    "mq_open",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_unlink",
    "mremap",
    "msgctl",
    "msgget",
    "msgrcv",
    "msgsnd",
    "msync",
    "munlock",
    "munlockall",
    "munmap",
    "name_to_handle_at",
    "nanosleep",
    "newfstatat",
    "_newselect",
    "open",
    "openat",
    "openat2",
    "pause",
    "pidfd_open",
    "pidfd_send_signal",
    "pipe",
    "pipe2",
    "pkey_alloc",
    "pkey_free",
    "pkey_mprotect",
    "poll",
    "ppoll",
    "ppoll_time64",
    "prctl",
    "pread64",
    "preadv",
    "preadv2",
    "prlimit64",
    "process_mrelease",
    "pselect6",
    "pselect6_time64",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "read",
    "readahead",
    "readlink",
    "readlinkat",
    "readv",
    "recv",
    "recvfrom",
    "recvmmsg",
    "recvmmsg_time64",
    "recvmsg",
    "remap_file_pages",
    "removexattr",
    "rename",
    "renameat",
    "renameat2",
    "restart_syscall",
    "rmdir",
    "rseq",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo",
    "sched_getaffinity",
    "sched_getattr",
    "sched_getparam",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_getscheduler",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "sched_setaffinity",
    "sched_setattr",
    "sched_setparam",
    "sched_setscheduler",
    "sched_yield",
    "seccomp",
    "select",
    "semctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "send",
    "sendfile",
    "sendfile64",
    "sendmmsg",
    "sendmsg",
    "sendto",
    "setfsgid",
    "setfsgid32",
    "setfsuid",
    "setfsuid32",
    "setgid",
    "setgid32",
    "setgroups",
    "setgroups32",
    "setitimer",
    "setpgid",
    "setpriority",
    "setregid",
    "setregid32",
    "setresgid",
    "setresgid32",
    "setresuid",
    "setresuid32",
    "setreuid",
    "setreuid32",
    "setrlimit",
    "set_robust_list",
    "setsid",
    "setsockopt",
    "set_thread_area",
    "set_tid_address",
    "setuid",
    "setuid32",
    "setxattr",
    "shmat",
    "shmctl",
    "shmdt",
    "shmget",
    "shutdown",
    "sigaltstack",
    "signalfd",
    "signalfd4",
    "sigprocmask",
    "sigreturn",
    "socketcall",
    "socketpair",
    "splice",
    "stat",
    "stat64",
    "statfs",
    "statfs64",
    "statx",
    "symlink",
    "symlinkat",
    "sync",
    "sync_file_range",
    "syncfs",
    "sysinfo",
    "tee",
    "tgkill",
    "time",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "timerfd_create",
    "timerfd_gettime",
    "timerfd_gettime64",
    "timerfd_settime",
    "timerfd_settime64",
    "times",
    "tkill",
    "truncate",
    "truncate64",
    "ugetrlimit",
    "umask",
    "uname",
    "unlink",
    "unlinkat",
    "utime",
    "utimensat",
    "utimensat_time64",
    "utimes",
    "vfork",
    "vmsplice",
    "wait4",
    "waitid",
    "waitpid",
    "write",
    "writev",
];

/// Namespace flags of `clone`, refused without CAP_SYS_ADMIN.
const CLONE_NAMESPACE_FLAGS: u64 = 0x7E02_0000;
/// The ioctls that push characters into a terminal's input, or drive the console.
const TIOCSTI: u64 = 0x5412;
const TIOCLINUX: u64 = 0x541C;

fn rule(names: &[&str], caps: &[&str]) -> Rule {
    Rule {
        names: names.iter().map(|s| s.to_string()).collect(),
        name: None,
        action: "SCMP_ACT_ALLOW".to_string(),
        errno_ret: None,
        args: Vec::new(),
        includes: Condition {
            caps: caps.iter().map(|s| s.to_string()).collect(),
            ..Condition::default()
        },
        excludes: Condition::default(),
    }
}

fn arg(index: u8, op: &str, value: u64, value_two: u64) -> Arg {
    Arg {
        index,
        value,
        value_two,
        op: op.to_string(),
    }
}

impl Profile {
    /// nook's default for containers: docker's.
    pub fn default_for_containers() -> Profile {
        let mut rules = vec![
            rule(ALLOWED, &[]),
            rule(&["process_vm_readv", "process_vm_writev", "ptrace"], &[]),
            Rule {
                args: vec![arg(0, "SCMP_CMP_NE", 40, 0)], // no AF_VSOCK
                ..rule(&["socket"], &[])
            },
            rule(&["arch_prctl", "modify_ldt"], &[]),
            rule(&["open_by_handle_at"], &["CAP_DAC_READ_SEARCH"]),
            rule(
                &[
                    "bpf",
                    "clone",
                    "clone3",
                    "fanotify_init",
                    "fsconfig",
                    "fsmount",
                    "fsopen",
                    "fspick",
                    "lookup_dcookie",
                    "mount",
                    "mount_setattr",
                    "move_mount",
                    "open_tree",
                    "perf_event_open",
                    "quotactl",
                    "quotactl_fd",
                    "setdomainname",
                    "sethostname",
                    "setns",
                    "syslog",
                    "umount",
                    "umount2",
                    "unshare",
                ],
                &["CAP_SYS_ADMIN"],
            ),
            Rule {
                args: vec![arg(0, "SCMP_CMP_MASKED_EQ", CLONE_NAMESPACE_FLAGS, 0)],
                excludes: Condition {
                    caps: vec!["CAP_SYS_ADMIN".to_string()],
                    ..Condition::default()
                },
                ..rule(&["clone"], &[])
            },
            Rule {
                action: "SCMP_ACT_ERRNO".to_string(),
                errno_ret: Some(libc::ENOSYS as u32),
                excludes: Condition {
                    caps: vec!["CAP_SYS_ADMIN".to_string()],
                    ..Condition::default()
                },
                ..rule(&["clone3"], &[])
            },
            rule(&["reboot"], &["CAP_SYS_BOOT"]),
            rule(&["chroot"], &["CAP_SYS_CHROOT"]),
            rule(
                &["delete_module", "init_module", "finit_module"],
                &["CAP_SYS_MODULE"],
            ),
            rule(&["acct"], &["CAP_SYS_PACCT"]),
            rule(
                &["kcmp", "pidfd_getfd", "process_madvise"],
                &["CAP_SYS_PTRACE"],
            ),
            rule(&["iopl", "ioperm"], &["CAP_SYS_RAWIO"]),
            rule(
                &["settimeofday", "stime", "clock_settime", "clock_settime64"],
                &["CAP_SYS_TIME"],
            ),
            rule(&["vhangup"], &["CAP_SYS_TTY_CONFIG"]),
            rule(
                &[
                    "get_mempolicy",
                    "mbind",
                    "set_mempolicy",
                    "set_mempolicy_home_node",
                ],
                &["CAP_SYS_NICE"],
            ),
            rule(&["syslog"], &["CAP_SYSLOG"]),
            rule(&["bpf"], &["CAP_BPF"]),
            rule(&["perf_event_open"], &["CAP_PERFMON"]),
        ];
        // The personalities programs set (Linux, with address randomization off, 32-bit
        // emulation's) and the query.
        for p in [0u64, 0x8, 0x2_0000, 0x2_0008, 0xffff_ffff] {
            rules.push(Rule {
                args: vec![arg(0, "SCMP_CMP_EQ", p, 0)],
                ..rule(&["personality"], &[])
            });
        }
        Profile {
            default_action: "SCMP_ACT_ERRNO".to_string(),
            default_errno_ret: Some(libc::EPERM as u32),
            syscalls: rules,
        }
    }

    /// The sandbox's: the default, refusing also the ioctls that inject input into the
    /// terminal (a sandboxed program has no capabilities, so the extras never apply).
    pub fn for_sandbox() -> Profile {
        let mut p = Self::default_for_containers();
        for request in [TIOCSTI, TIOCLINUX] {
            p.syscalls.push(Rule {
                action: "SCMP_ACT_ERRNO".to_string(),
                errno_ret: Some(libc::EPERM as u32),
                args: vec![arg(1, "SCMP_CMP_EQ", request, 0)],
                ..rule(&["ioctl"], &[])
            });
        }
        p
    }

    /// A profile file in docker's JSON format.
    pub fn from_file(path: &std::path::Path) -> Result<Profile, SeccompError> {
        let bytes = std::fs::read(path).map_err(|source| SeccompError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| SeccompError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// [`Self::compile`], through a cache in directory `cache` keyed by what the programs
    /// depend on: the profile, the capabilities, the kernel and nook's version.
    pub fn compile_cached(
        &self,
        caps: &[String],
        cache: &std::path::Path,
    ) -> Result<Vec<Program>, SeccompError> {
        let key = crate::image::digest::Digest::of(
            format!(
                "{:?} {caps:?} {:?} {} {} {CACHE_FORMAT}",
                self,
                kernel_version(),
                std::env::consts::ARCH,
                env!("CARGO_PKG_VERSION")
            )
            .as_bytes(),
        );
        let path = cache.join(format!("{}.json", key.hex()));
        if let Some(p) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
        {
            return Ok(p);
        }
        let programs = self.compile(caps)?;
        // A cache that cannot be written only costs the next container the compilation.
        let _ = std::fs::create_dir_all(cache).and_then(|()| {
            crate::image::store::replace_file(
                &path,
                &serde_json::to_vec(&programs).expect("programs serialize"),
            )
            .map_err(std::io::Error::other)
        });
        Ok(programs)
    }

    /// Compile for a process that keeps the capabilities `caps` (names like CAP_CHOWN), on
    /// this machine. The programs are to be installed in order.
    pub fn compile(&self, caps: &[String]) -> Result<Vec<Program>, SeccompError> {
        let default = action(&self.default_action, self.default_errno_ret)?;
        let kernel = kernel_version();
        let arch = docker_arch();
        // Rules by their action; a rule whose action is not "allow" is also allowed by the
        // allowlist, so that its own filter decides (the stricter action wins in the kernel).
        let mut by_action: BTreeMap<String, (serde_json::Value, Vec<&Rule>)> = BTreeMap::new();
        let mut allowed: Vec<&Rule> = Vec::new();
        for r in &self.syscalls {
            if !applies(r, caps, arch, kernel) {
                continue;
            }
            let a = action(&r.action, r.errno_ret)?;
            allowed.push(r);
            if a != serde_json::json!("allow") {
                by_action
                    .entry(a.to_string())
                    .or_insert_with(|| (a.clone(), Vec::new()))
                    .1
                    .push(r);
            }
        }
        // The rules with an action of their own first, then the allowlist: the first filter
        // that does not allow a call decides.
        let mut filters = Vec::new();
        for (key, (a, rules)) in by_action {
            filters.push((key, (a, serde_json::json!("allow"), rules)));
        }
        if default != serde_json::json!("allow") {
            filters.push((
                "allow".to_string(),
                (serde_json::json!("allow"), default, allowed),
            ));
        }
        let mut out = Vec::new();
        for (key, (matched, otherwise, rules)) in filters {
            out.push(compile_one(&key, &matched, &otherwise, &rules)?);
        }
        Ok(chain(out))
    }
}

/// Changes when the same profile compiles to other programs (so cached ones are not used).
const CACHE_FORMAT: u32 = 2;

/// `SECCOMP_RET_ALLOW`, and the largest program the kernel takes.
const RET_ALLOW: u32 = 0x7fff_0000;
const BPF_MAXINSNS: usize = 4096;

/// Join programs into one where each, instead of allowing a call, goes on to the next: the
/// kernel then prepares, JIT-compiles and runs one filter instead of several (each costs a
/// few hundred microseconds to install). Left apart if together they would be too long.
fn chain(programs: Vec<Program>) -> Vec<Program> {
    const RET_K: u16 = 0x06; // BPF_RET | BPF_K
    const JA: u16 = 0x05; // BPF_JMP | BPF_JA
    if programs.len() < 2 || programs.iter().map(|p| p.0.len()).sum::<usize>() > BPF_MAXINSNS {
        return programs;
    }
    let last = programs.len() - 1;
    let mut joined = Vec::new();
    for (i, p) in programs.into_iter().enumerate() {
        let len = p.0.len();
        joined.extend(p.0.into_iter().enumerate().map(|(at, insn)| match insn {
            // To the first instruction of the next program.
            (RET_K, _, _, RET_ALLOW) if i < last => (JA, 0, 0, (len - at - 1) as u32),
            other => other,
        }));
    }
    vec![Program(joined)]
}

/// seccompiler's spelling of docker's action.
fn action(a: &str, errno: Option<u32>) -> Result<serde_json::Value, SeccompError> {
    Ok(match a {
        "SCMP_ACT_ALLOW" => serde_json::json!("allow"),
        "SCMP_ACT_ERRNO" => serde_json::json!({ "errno": errno.unwrap_or(libc::EPERM as u32) }),
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => serde_json::json!("kill_thread"),
        "SCMP_ACT_KILL_PROCESS" => serde_json::json!("kill_process"),
        "SCMP_ACT_TRAP" => serde_json::json!("trap"),
        "SCMP_ACT_LOG" => serde_json::json!("log"),
        other => return Err(SeccompError::Unsupported(format!("the action {other}"))),
    })
}

/// Does rule `r` apply to a process with `caps`, on `arch`, under kernel `kernel`?
fn applies(r: &Rule, caps: &[String], arch: &str, kernel: (u32, u32)) -> bool {
    let has = |c: &String| caps.iter().any(|k| k.eq_ignore_ascii_case(c));
    let inc = &r.includes;
    let exc = &r.excludes;
    inc.caps.iter().all(has)
        && (inc.arches.is_empty() || inc.arches.iter().any(|a| a == arch))
        && inc
            .min_kernel
            .as_deref()
            .is_none_or(|v| parse_version(v) <= kernel)
        && !exc.caps.iter().any(has)
        && !exc.arches.iter().any(|a| a == arch)
}

fn parse_version(v: &str) -> (u32, u32) {
    let mut it = v.split(['.', '-']).map(|p| p.parse().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

fn kernel_version() -> (u32, u32) {
    nix::sys::utsname::uname()
        .map(|u| parse_version(&u.release().to_string_lossy()))
        .unwrap_or((0, 0))
}

/// This machine's architecture as docker's profiles name it.
fn docker_arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// One seccompiler filter: `rules` get `matched`, everything else `otherwise`.
fn compile_one(
    key: &str,
    matched: &serde_json::Value,
    otherwise: &serde_json::Value,
    rules: &[&Rule],
) -> Result<Program, SeccompError> {
    // Per syscall: its argument conditions, or none (any call) if one rule has none.
    let mut calls: BTreeMap<String, Option<Vec<Vec<serde_json::Value>>>> = BTreeMap::new();
    for r in rules {
        let conditions = r
            .args
            .iter()
            .map(condition)
            .collect::<Result<Vec<_>, _>>()?;
        for name in r.names.iter().chain(&r.name) {
            let entry = calls
                .entry(name.clone())
                .or_insert_with(|| Some(Vec::new()));
            match (entry.as_mut(), conditions.is_empty()) {
                (Some(_), true) => *entry = None,
                (Some(alternatives), false) => alternatives.push(conditions.clone()),
                (None, _) => {}
            }
        }
    }
    let arch = target_arch()?;
    let mut filter = Vec::new();
    for (name, alternatives) in calls.iter().filter(|(n, _)| known(n, arch)) {
        match alternatives {
            None => filter.push(serde_json::json!({ "syscall": name })),
            Some(alts) => {
                for conds in alts {
                    filter.push(serde_json::json!({ "syscall": name, "args": conds }));
                }
            }
        }
    }
    let json = serde_json::json!({
        key: { "mismatch_action": otherwise, "filter_action": matched, "filter": filter }
    });
    let mut map = seccompiler::compile_from_json(json.to_string().as_bytes(), arch)
        .map_err(|e| SeccompError::Compile(e.to_string()))?;
    let bpf = map.remove(key).expect("the filter compiled is there");
    Ok(Program(
        bpf.iter().map(|i| (i.code, i.jt, i.jf, i.k)).collect(),
    ))
}

fn target_arch() -> Result<seccompiler::TargetArch, SeccompError> {
    std::env::consts::ARCH
        .try_into()
        .map_err(|e: seccompiler::BackendError| SeccompError::Compile(e.to_string()))
}

/// Does this architecture have a syscall `name`? (A name it lacks is left out of a profile,
/// as docker does; seccompiler knows by its tables.)
fn known(name: &str, arch: seccompiler::TargetArch) -> bool {
    let probe = serde_json::json!({
        "probe": { "mismatch_action": "allow", "filter_action": "log", "filter": [{ "syscall": name }] }
    });
    seccompiler::compile_from_json(probe.to_string().as_bytes(), arch).is_ok()
}

/// docker's argument condition, as seccompiler's.
fn condition(a: &Arg) -> Result<serde_json::Value, SeccompError> {
    let (op, val) = match a.op.as_str() {
        "SCMP_CMP_EQ" => (serde_json::json!("eq"), a.value),
        "SCMP_CMP_NE" => (serde_json::json!("ne"), a.value),
        "SCMP_CMP_LT" => (serde_json::json!("lt"), a.value),
        "SCMP_CMP_LE" => (serde_json::json!("le"), a.value),
        "SCMP_CMP_GT" => (serde_json::json!("gt"), a.value),
        "SCMP_CMP_GE" => (serde_json::json!("ge"), a.value),
        "SCMP_CMP_MASKED_EQ" => (serde_json::json!({ "masked_eq": a.value }), a.value_two),
        other => {
            return Err(SeccompError::Unsupported(format!("the comparison {other}")));
        }
    };
    // Arguments compared with values that fit 32 bits are compared as 32-bit ones: ints and
    // flags whose upper half a caller may leave undefined.
    let width = if a.value <= u64::from(u32::MAX) && val <= u64::from(u32::MAX) {
        "dword"
    } else {
        "qword"
    };
    Ok(serde_json::json!({ "index": a.index, "type": width, "op": op, "val": val }))
}

/// Install `programs` on the calling thread (and so its future children). The thread needs
/// CAP_SYS_ADMIN in its user namespace, or no_new_privs set already.
pub fn install(programs: &[Program]) -> Result<(), SeccompError> {
    for p in programs {
        crate::sys::install_seccomp_filter(&p.0)
            .map_err(|e| SeccompError::Install(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run a classic BPF seccomp program on a call (the instructions seccompiler emits).
    fn decide(p: &Program, nr: u32, args: [u64; 6]) -> u32 {
        let arch: u32 = match std::env::consts::ARCH {
            "x86_64" => 0xc000_003e,
            "aarch64" => 0xc000_00b7,
            other => panic!("no audit arch for {other}"),
        };
        let mut data = Vec::new();
        data.extend(nr.to_ne_bytes());
        data.extend(arch.to_ne_bytes());
        data.extend(0u64.to_ne_bytes());
        for a in args {
            data.extend(a.to_ne_bytes());
        }
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let (code, jt, jf, k) = p.0[pc];
            pc += 1;
            let jump = |cond: bool| if cond { jt as usize } else { jf as usize };
            match code {
                0x20 => {
                    let at = k as usize;
                    acc = u32::from_ne_bytes(data[at..at + 4].try_into().unwrap());
                }
                0x54 => acc &= k,
                0x05 => pc += k as usize,
                0x15 => pc += jump(acc == k),
                0x25 => pc += jump(acc > k),
                0x35 => pc += jump(acc >= k),
                0x45 => pc += jump(acc & k != 0),
                0x06 => return k,
                other => panic!("instruction {other:#x} is not interpreted"),
            }
        }
    }

    #[test]
    fn the_default_compiles_and_depends_on_capabilities() {
        let plain = Profile::default_for_containers().compile(&[]).unwrap();
        assert_eq!(plain.len(), 1, "the allowlist and clone3's ENOSYS, joined");
        let admin = Profile::default_for_containers()
            .compile(&["CAP_SYS_ADMIN".to_string()])
            .unwrap();
        assert_ne!(plain, admin, "mount, unshare, ... with CAP_SYS_ADMIN");
        let sandbox = Profile::for_sandbox().compile(&[]).unwrap();
        assert_eq!(sandbox.len(), 1);
        let (eperm, enosys) = (0x0005_0000 | libc::EPERM as u32, 0x0005_0000 | 38);
        let call = |p: &Program, nr: libc::c_long, args: [u64; 6]| decide(p, nr as u32, args);
        let none = [0; 6];
        // each filter of the chain decides what is its own
        assert_eq!(call(&sandbox[0], libc::SYS_clone3, none), enosys);
        assert_eq!(call(&admin[0], libc::SYS_clone3, none), RET_ALLOW);
        assert_eq!(
            call(&sandbox[0], libc::SYS_ioctl, [0, TIOCSTI, 0, 0, 0, 0]),
            eperm
        );
        assert_eq!(
            call(&plain[0], libc::SYS_ioctl, [0, TIOCSTI, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(
            call(&sandbox[0], libc::SYS_ioctl, [0, libc::TCGETS, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(call(&sandbox[0], libc::SYS_getpid, none), RET_ALLOW);
        assert_eq!(call(&sandbox[0], libc::SYS_keyctl, none), eperm);
        assert_eq!(
            call(&sandbox[0], libc::SYS_unshare, [0x1000_0000, 0, 0, 0, 0, 0]),
            eperm
        );
        assert_eq!(
            call(&admin[0], libc::SYS_unshare, [0x1000_0000, 0, 0, 0, 0, 0]),
            RET_ALLOW
        );
        assert_eq!(call(&sandbox[0], 1000, none), eperm);
        let dir = tempfile::tempdir().unwrap();
        let cached = Profile::for_sandbox()
            .compile_cached(&[], dir.path())
            .unwrap();
        assert_eq!(cached, sandbox);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            Profile::for_sandbox()
                .compile_cached(&[], dir.path())
                .unwrap(),
            sandbox
        );
    }

    #[test]
    fn docker_profiles_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        std::fs::write(
            &path,
            r#"{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],
                "syscalls":[{"names":["mkdir","mkdirat","no_such_call"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
                            {"name":"fchmod","action":"SCMP_ACT_KILL_PROCESS",
                             "args":[{"index":1,"value":4095,"valueTwo":511,"op":"SCMP_CMP_MASKED_EQ"}]}]}"#,
        )
        .unwrap();
        let p = Profile::from_file(&path).unwrap().compile(&[]).unwrap();
        assert_eq!(
            p.len(),
            1,
            "default allow: one filter per other action, joined"
        );
        let mkdir = decide(&p[0], libc::SYS_mkdirat as u32, [0; 6]);
        assert_eq!(mkdir, 0x0005_0000 | 13);
        let chmod = |mode| decide(&p[0], libc::SYS_fchmod as u32, [0, mode, 0, 0, 0, 0]);
        assert_eq!(chmod(0o777), 0x8000_0000, "SECCOMP_RET_KILL_PROCESS");
        assert_eq!(chmod(0o755), RET_ALLOW);
        std::fs::write(&path, r#"{"defaultAction":"SCMP_ACT_WHATEVER"}"#).unwrap();
        assert!(matches!(
            Profile::from_file(&path).unwrap().compile(&[]),
            Err(SeccompError::Unsupported(_))
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            Profile::from_file(&path),
            Err(SeccompError::Parse { .. })
        ));
    }
}
