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
//! Names become this architecture's numbers by seccompiler's tables (rust-vmm's; names this
//! architecture lacks are left out, as docker does). The BPF is nook's own: a binary search
//! over the numbers, where seccompiler (like docker's libseccomp without its optimizer) emits
//! a chain of ~1,500 comparisons for docker's profile that costs the kernel ~0.8 ms to
//! install at every start. Programs are compiled once per profile and set of capabilities
//! (cached), stored with the container, and installed by its init (or by `nook exec`) just
//! before the user and capabilities are dropped.

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
        let target = target_arch()?;
        // Rules by their action; a rule whose action is not "allow" is also allowed by the
        // allowlist, so that its own filter decides (the stricter action wins in the kernel).
        // (Ordered as the kernel ranks actions, the strictest first: as signed values.)
        let mut by_action: BTreeMap<(i32, u32), Vec<&Rule>> = BTreeMap::new();
        let mut allowed: Vec<&Rule> = Vec::new();
        for r in &self.syscalls {
            if !applies(r, caps, arch, kernel) {
                continue;
            }
            let a = action(&r.action, r.errno_ret)?;
            allowed.push(r);
            if a != RET_ALLOW {
                by_action.entry((a as i32, a)).or_default().push(r);
            }
        }
        // The rules with an action of their own first, then the allowlist: the first filter
        // that does not allow a call decides.
        let mut filters: Vec<(u32, u32, Vec<&Rule>)> = by_action
            .into_iter()
            .map(|((_, a), rules)| (a, RET_ALLOW, rules))
            .collect();
        if default != RET_ALLOW {
            filters.push((RET_ALLOW, default, allowed));
        }
        let mut out = Vec::new();
        for (matched, otherwise, rules) in filters {
            out.push(compile_one(matched, otherwise, &rules, target)?);
        }
        Ok(chain(out))
    }
}

/// Changes when the same profile compiles to other programs (so cached ones are not used).
const CACHE_FORMAT: u32 = 3;

/// What a filter returns (`SECCOMP_RET_*`), and the largest program the kernel takes.
const RET_ALLOW: u32 = 0x7fff_0000;
const RET_ERRNO: u32 = 0x0005_0000;
const RET_KILL_PROCESS: u32 = 0x8000_0000;
const RET_KILL_THREAD: u32 = 0;
const RET_TRAP: u32 = 0x0003_0000;
const RET_LOG: u32 = 0x7ffc_0000;
const BPF_MAXINSNS: usize = 4096;

/// The classic BPF instructions filters are made of.
const LD_ABS: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
const AND_K: u16 = 0x54; // BPF_ALU | BPF_AND | BPF_K
const JA: u16 = 0x05; // BPF_JMP | BPF_JA
const JEQ_K: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGT_K: u16 = 0x25; // BPF_JMP | BPF_JGT | BPF_K
const JGE_K: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET_K: u16 = 0x06; // BPF_RET | BPF_K

/// Where `struct seccomp_data` holds the call's number, the architecture and the low and
/// high halves of argument `i` (the architectures nook runs on are little-endian).
const NR_AT: u32 = 0;
const ARCH_AT: u32 = 4;
fn low_at(i: u8) -> u32 {
    16 + 8 * u32::from(i)
}
fn high_at(i: u8) -> u32 {
    low_at(i) + 4
}
#[cfg(not(target_endian = "little"))]
compile_error!("seccomp filters are laid out for little-endian machines");

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

/// docker's action as the value a filter returns.
fn action(a: &str, errno: Option<u32>) -> Result<u32, SeccompError> {
    Ok(match a {
        "SCMP_ACT_ALLOW" => RET_ALLOW,
        "SCMP_ACT_ERRNO" => RET_ERRNO | (errno.unwrap_or(libc::EPERM as u32) & 0xffff),
        "SCMP_ACT_KILL" | "SCMP_ACT_KILL_THREAD" => RET_KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS" => RET_KILL_PROCESS,
        "SCMP_ACT_TRAP" => RET_TRAP,
        "SCMP_ACT_LOG" => RET_LOG,
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

/// A comparison of one argument, as the kernel's classic BPF can make it.
#[derive(Clone, Debug)]
struct Check {
    index: u8,
    /// All 64 bits, or (for values that fit 32 bits) the low half only: ints and flags
    /// whose upper half a caller may leave undefined.
    wide: bool,
    op: Op,
    value: u64,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `arg & mask == value`.
    MaskedEq(u64),
}

/// A jump of an instruction being laid out: to the next instruction, past the check it
/// belongs to, or out of its alternative (which then fails).
#[derive(Clone, Copy)]
enum To {
    Next,
    Pass,
    Fail,
}

/// An instruction whose jumps are not yet offsets.
type Draft = (u16, To, To, u32);

impl Check {
    fn of(a: &Arg) -> Result<Check, SeccompError> {
        let (op, value) = match a.op.as_str() {
            "SCMP_CMP_EQ" => (Op::Eq, a.value),
            "SCMP_CMP_NE" => (Op::Ne, a.value),
            "SCMP_CMP_LT" => (Op::Lt, a.value),
            "SCMP_CMP_LE" => (Op::Le, a.value),
            "SCMP_CMP_GT" => (Op::Gt, a.value),
            "SCMP_CMP_GE" => (Op::Ge, a.value),
            "SCMP_CMP_MASKED_EQ" => (Op::MaskedEq(a.value), a.value_two),
            other => {
                return Err(SeccompError::Unsupported(format!("the comparison {other}")));
            }
        };
        if a.index > 5 {
            return Err(SeccompError::Unsupported(format!(
                "argument index {} (calls have 6 arguments, 0 to 5)",
                a.index
            )));
        }
        let wide = a.value > u64::from(u32::MAX) || value > u64::from(u32::MAX);
        Ok(Check {
            index: a.index,
            wide,
            op,
            value,
        })
    }

    /// The instructions: they go on to the next one when the argument matches.
    fn draft(&self) -> Vec<Draft> {
        use To::{Fail, Next, Pass};
        let (low, high) = (self.value as u32, (self.value >> 32) as u32);
        let ld = |at: u32| (LD_ABS, Next, Next, at);
        let lo = ld(low_at(self.index));
        let hi = ld(high_at(self.index));
        match (self.op, self.wide) {
            (Op::Eq, false) => vec![lo, (JEQ_K, Next, Fail, low)],
            (Op::Ne, false) => vec![lo, (JEQ_K, Fail, Next, low)],
            (Op::Gt, false) => vec![lo, (JGT_K, Next, Fail, low)],
            (Op::Ge, false) => vec![lo, (JGE_K, Next, Fail, low)],
            (Op::Lt, false) => vec![lo, (JGE_K, Fail, Next, low)],
            (Op::Le, false) => vec![lo, (JGT_K, Fail, Next, low)],
            (Op::MaskedEq(mask), false) => vec![
                lo,
                (AND_K, Next, Next, mask as u32),
                (JEQ_K, Next, Fail, low),
            ],
            (Op::Eq, true) => vec![hi, (JEQ_K, Next, Fail, high), lo, (JEQ_K, Next, Fail, low)],
            // Either half differs.
            (Op::Ne, true) => vec![hi, (JEQ_K, Next, Pass, high), lo, (JEQ_K, Fail, Next, low)],
            // Decided by the high halves unless they are equal, then by the low ones.
            (Op::Gt, true) => vec![
                hi,
                (JGT_K, Pass, Next, high),
                (JEQ_K, Next, Fail, high),
                lo,
                (JGT_K, Next, Fail, low),
            ],
            (Op::Ge, true) => vec![
                hi,
                (JGT_K, Pass, Next, high),
                (JEQ_K, Next, Fail, high),
                lo,
                (JGE_K, Next, Fail, low),
            ],
            (Op::Lt, true) => vec![
                hi,
                (JGT_K, Fail, Next, high),
                (JEQ_K, Next, Pass, high),
                lo,
                (JGE_K, Fail, Next, low),
            ],
            (Op::Le, true) => vec![
                hi,
                (JGT_K, Fail, Next, high),
                (JEQ_K, Next, Pass, high),
                lo,
                (JGT_K, Fail, Next, low),
            ],
            (Op::MaskedEq(mask), true) => vec![
                hi,
                (AND_K, Next, Next, (mask >> 32) as u32),
                (JEQ_K, Next, Fail, high),
                lo,
                (AND_K, Next, Next, mask as u32),
                (JEQ_K, Next, Fail, low),
            ],
        }
    }
}

/// What one filter does with a call, by its number.
#[derive(Clone, Debug)]
enum Leaf {
    Otherwise,
    Matched,
    /// Matched when the arguments meet one of these sets of checks.
    Checked(Vec<Vec<Check>>),
}

/// One filter: calls that `rules` name (as their arguments say) get `matched`, all others
/// `otherwise`. The call's number is found by a binary search over ranges of numbers
/// treated alike, so a filter of docker's ~350 names is ~150 instructions, not the ~1,500
/// of a chain of comparisons: the kernel installs it (and works out which calls it always
/// allows) in a tenth of the time, and runs it in a few comparisons.
fn compile_one(
    matched: u32,
    otherwise: u32,
    rules: &[&Rule],
    target: seccompiler::TargetArch,
) -> Result<Program, SeccompError> {
    // Per number: the sets of checks that match it, or any call (None) if one rule has none.
    let mut calls: BTreeMap<u32, Option<Vec<Vec<Check>>>> = BTreeMap::new();
    for r in rules {
        let checks = r
            .args
            .iter()
            .map(Check::of)
            .collect::<Result<Vec<_>, _>>()?;
        for nr in r
            .names
            .iter()
            .chain(&r.name)
            .filter_map(|n| number(n, target))
        {
            let entry = calls.entry(nr).or_insert_with(|| Some(Vec::new()));
            match (entry.as_mut(), checks.is_empty()) {
                (Some(_), true) => *entry = None,
                (Some(alternatives), false) => alternatives.push(checks.clone()),
                (None, _) => {}
            }
        }
    }
    // Ranges of numbers treated alike, each from its first number to the next range's:
    // numbers of calls matched whatever their arguments run together.
    let mut ranges: Vec<(u32, Leaf)> = Vec::new();
    let mut next = 0u32;
    for (nr, alternatives) in calls {
        let leaf = match alternatives {
            None => Leaf::Matched,
            Some(alts) => Leaf::Checked(alts),
        };
        if nr > next {
            ranges.push((next, Leaf::Otherwise));
        }
        let joins = nr == next
            && matches!(
                (ranges.last(), &leaf),
                (Some((_, Leaf::Matched)), Leaf::Matched)
            );
        if !joins {
            ranges.push((nr, leaf));
        }
        next = nr.saturating_add(1);
    }
    ranges.push((next, Leaf::Otherwise));

    let mut program = vec![
        (LD_ABS, 0, 0, ARCH_AT),
        (JEQ_K, 1, 0, audit_arch(target)),
        (RET_K, 0, 0, RET_KILL_PROCESS),
        (LD_ABS, 0, 0, NR_AT),
    ];
    if target == seccompiler::TargetArch::x86_64 {
        // Calls of the x32 ABI carry the same architecture, and their numbers this bit: a
        // profile names none of them, and none may slip past one that refuses a name.
        const X32_SYSCALL_BIT: u32 = 0x4000_0000;
        program.push((JGE_K, 0, 1, X32_SYSCALL_BIT));
        program.push((RET_K, 0, 0, RET_KILL_PROCESS));
    }
    program.extend(search(&ranges, matched, otherwise)?);
    if program.len() > BPF_MAXINSNS {
        return Err(SeccompError::Compile(format!(
            "the profile makes a filter of {} instructions; the kernel takes at most \
             {BPF_MAXINSNS}",
            program.len()
        )));
    }
    Ok(Program(program))
}

/// The binary search over `ranges` (sorted, the first from 0): the number is loaded.
fn search(
    ranges: &[(u32, Leaf)],
    matched: u32,
    otherwise: u32,
) -> Result<Vec<(u16, u8, u8, u32)>, SeccompError> {
    if let [(_, leaf)] = ranges {
        return match leaf {
            Leaf::Otherwise => Ok(vec![(RET_K, 0, 0, otherwise)]),
            Leaf::Matched => Ok(vec![(RET_K, 0, 0, matched)]),
            Leaf::Checked(alternatives) => checked(alternatives, matched, otherwise),
        };
    }
    let half = ranges.len() / 2;
    let below = search(&ranges[..half], matched, otherwise)?;
    let above = search(&ranges[half..], matched, otherwise)?;
    let from = ranges[half].0;
    let mut out = Vec::with_capacity(below.len() + above.len() + 2);
    match u8::try_from(below.len()) {
        Ok(skip) => out.push((JGE_K, skip, 0, from)),
        // Too far for a conditional jump: through an unconditional one.
        Err(_) => {
            out.push((JGE_K, 0, 1, from));
            out.push((JA, 0, 0, below.len() as u32));
        }
    }
    out.extend(below);
    out.extend(above);
    Ok(out)
}

/// A call matched by its arguments: each set of checks in turn, then `otherwise`.
fn checked(
    alternatives: &[Vec<Check>],
    matched: u32,
    otherwise: u32,
) -> Result<Vec<(u16, u8, u8, u32)>, SeccompError> {
    let mut out = Vec::new();
    for checks in alternatives {
        let drafts: Vec<Vec<Draft>> = checks.iter().map(Check::draft).collect();
        // Past its `ret matched`, where a failed check goes.
        let failed = drafts.iter().map(Vec::len).sum::<usize>() + 1;
        let mut at = 0;
        for draft in drafts {
            let passed = at + draft.len();
            for (i, (code, jt, jf, k)) in draft.into_iter().enumerate() {
                let here = at + i;
                let offset = |to: To| {
                    let target = match to {
                        To::Next => here + 1,
                        To::Pass => passed,
                        To::Fail => failed,
                    };
                    u8::try_from(target - here - 1).map_err(|_| {
                        SeccompError::Unsupported(
                            "a rule with more argument checks than a filter can hold".to_string(),
                        )
                    })
                };
                out.push((code, offset(jt)?, offset(jf)?, k));
            }
            at = passed;
        }
        out.push((RET_K, 0, 0, matched));
    }
    out.push((RET_K, 0, 0, otherwise));
    Ok(out)
}

fn target_arch() -> Result<seccompiler::TargetArch, SeccompError> {
    std::env::consts::ARCH
        .try_into()
        .map_err(|e: seccompiler::BackendError| SeccompError::Compile(e.to_string()))
}

/// The architecture's `AUDIT_ARCH_*`, which the kernel gives filters with each call.
fn audit_arch(target: seccompiler::TargetArch) -> u32 {
    match target {
        seccompiler::TargetArch::x86_64 => 0xc000_003e,
        seccompiler::TargetArch::aarch64 => 0xc000_00b7,
        seccompiler::TargetArch::riscv64 => 0xc000_00f3,
    }
}

/// The number of the call `name` on `target`, if it has one (a name the architecture
/// lacks is left out of a profile, as docker does). seccompiler's tables know it: the
/// one-call filter it compiles compares the number it loads (`ld [0]`) with that call's.
fn number(name: &str, target: seccompiler::TargetArch) -> Option<u32> {
    let probe = serde_json::json!({
        "probe": { "mismatch_action": "allow", "filter_action": "log", "filter": [{ "syscall": name }] }
    });
    let compiled = seccompiler::compile_from_json(probe.to_string().as_bytes(), target).ok()?;
    compiled.get("probe")?.windows(2).find_map(|w| {
        (w[0].code == LD_ABS && w[0].k == NR_AT && w[1].code == JEQ_K).then_some(w[1].k)
    })
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

    /// What `profile` decides for a call, from its rules (the model the filters implement):
    /// `rules` are those that apply, each with the numbers of the calls it names.
    fn model(profile: &Profile, rules: &[(&Rule, Vec<u32>)], nr: u32, args: [u64; 6]) -> u32 {
        let meets = |r: &Rule, numbers: &[u32]| {
            numbers.contains(&nr)
                && r.args.iter().all(|a| {
                    let c = Check::of(a).unwrap();
                    let arg = if c.wide {
                        args[a.index as usize]
                    } else {
                        args[a.index as usize] & 0xffff_ffff
                    };
                    let v = c.value;
                    match c.op {
                        Op::Eq => arg == v,
                        Op::Ne => arg != v,
                        Op::Lt => arg < v,
                        Op::Le => arg <= v,
                        Op::Gt => arg > v,
                        Op::Ge => arg >= v,
                        Op::MaskedEq(mask) => {
                            let mask = if c.wide { mask } else { mask & 0xffff_ffff };
                            arg & mask == v
                        }
                    }
                })
        };
        if nr >= 0x4000_0000 && std::env::consts::ARCH == "x86_64" {
            return RET_KILL_PROCESS;
        }
        let mut actions: Vec<u32> = rules
            .iter()
            .filter(|(r, numbers)| meets(r, numbers))
            .map(|(r, _)| action(&r.action, r.errno_ret).unwrap())
            .collect();
        actions.sort_by_key(|a| *a as i32);
        match actions.first() {
            Some(a) => *a,
            None => action(&profile.default_action, profile.default_errno_ret).unwrap(),
        }
    }

    #[test]
    fn filters_decide_as_the_rules_say() {
        let admin = ["CAP_SYS_ADMIN".to_string()];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        // A deny list with every comparison, 32- and 64-bit.
        std::fs::write(
            &path,
            r#"{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
                {"names":["mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":13},
                {"names":["read"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":4096,"op":"SCMP_CMP_GT"}]},
                {"names":["write"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":17179869184,"op":"SCMP_CMP_GE"}]},
                {"names":["lseek"],"action":"SCMP_ACT_KILL_PROCESS","args":[{"index":1,"value":8589934593,"op":"SCMP_CMP_LT"},{"index":2,"value":2,"op":"SCMP_CMP_EQ"}]},
                {"names":["lseek"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":10,"op":"SCMP_CMP_LE"}]},
                {"names":["fchmod"],"action":"SCMP_ACT_TRAP","args":[{"index":1,"value":18446744069414584320,"valueTwo":4294967296,"op":"SCMP_CMP_MASKED_EQ"}]},
                {"names":["fchown"],"action":"SCMP_ACT_LOG","args":[{"index":1,"value":4294967297,"op":"SCMP_CMP_NE"}]},
                {"names":["fchown"],"action":"SCMP_ACT_KILL","args":[{"index":2,"value":7,"op":"SCMP_CMP_NE"},{"index":1,"value":3,"op":"SCMP_CMP_LE"}]},
                {"names":["pread64"],"action":"SCMP_ACT_ERRNO","args":[{"index":3,"value":100,"op":"SCMP_CMP_GE"}]},
                {"names":["pwrite64"],"action":"SCMP_ACT_ERRNO","args":[{"index":3,"value":5,"op":"SCMP_CMP_LT"}]},
                {"names":["dup"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":65280,"valueTwo":4608,"op":"SCMP_CMP_MASKED_EQ"}]},
                {"names":["readv"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":4294967301,"op":"SCMP_CMP_GT"}]},
                {"names":["writev"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":8589934592,"op":"SCMP_CMP_LE"}]},
                {"names":["getdents64"],"action":"SCMP_ACT_ERRNO","args":[{"index":2,"value":12884901889,"op":"SCMP_CMP_EQ"}]}
            ]}"#,
        )
        .unwrap();
        // Every call checked: a search too large for the short jumps of classic BPF.
        let large = Profile {
            syscalls: ALLOWED
                .iter()
                .map(|name| Rule {
                    args: vec![arg(0, "SCMP_CMP_EQ", 3, 0)],
                    ..rule(&[name], &[])
                })
                .collect(),
            ..Profile::default_for_containers()
        };
        let far = large.compile(&[]).unwrap();
        assert!(far[0].0.iter().any(|i| i.0 == JA), "jumps of over 255");
        let profiles = [
            (Profile::default_for_containers(), &[][..]),
            (Profile::default_for_containers(), &admin[..]),
            (Profile::for_sandbox(), &[][..]),
            (Profile::from_file(&path).unwrap(), &[][..]),
            (large, &[][..]),
        ];
        let target = target_arch().unwrap();
        for (profile, caps) in &profiles {
            let rules: Vec<(&Rule, Vec<u32>)> = profile
                .syscalls
                .iter()
                .filter(|r| applies(r, caps, docker_arch(), kernel_version()))
                .map(|r| {
                    let numbers = r.names.iter().chain(&r.name);
                    (r, numbers.filter_map(|n| number(n, target)).collect())
                })
                .collect();
            let programs = profile.compile(caps).unwrap();
            assert_eq!(programs.len(), 1);
            let program = &programs[0];
            // (docker's list is some 1,500 instructions as a chain of comparisons)
            assert!(
                program.0.len() < 400 || rules.len() > 300,
                "{} instructions",
                program.0.len()
            );
            // Per argument: the values rules compare it with, and around them (so that
            // every comparison goes each way), and a few others.
            let mut values: [Vec<u64>; 6] = Default::default();
            for a in profile.syscalls.iter().flat_map(|r| &r.args) {
                for v in [a.value, a.value_two] {
                    values[a.index as usize].extend([
                        v,
                        v.wrapping_sub(1),
                        v.wrapping_add(1),
                        v ^ (1 << 32),
                        v & 0xffff_ffff,
                    ]);
                }
            }
            for v in &mut values {
                v.extend([0, 1, u64::MAX, 0xffff_ffff, 1 << 32]);
            }
            let conditional: Vec<u32> = rules
                .iter()
                .filter(|(r, _)| !r.args.is_empty())
                .flat_map(|(_, numbers)| numbers.clone())
                .collect();
            // xorshift: the same calls on every run.
            let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
            let mut pick = |n: usize| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % n as u64) as usize
            };
            for nr in (0..600).chain([0x4000_0000, 0x4000_0001, 0x7fff_ffff, u32::MAX]) {
                let tries = match conditional.contains(&nr) {
                    true => 40_000 / conditional.len(),
                    false => 3,
                };
                for _ in 0..tries {
                    let args: [u64; 6] = std::array::from_fn(|i| values[i][pick(values[i].len())]);
                    assert_eq!(
                        decide(program, nr, args),
                        model(profile, &rules, nr, args),
                        "call {nr} with {args:x?}"
                    );
                }
            }
        }
    }

    #[test]
    fn call_numbers_are_the_architectures() {
        let target = target_arch().unwrap();
        for (name, nr) in [
            ("close", libc::SYS_close),
            ("openat", libc::SYS_openat),
            ("clone3", libc::SYS_clone3),
            ("io_uring_setup", libc::SYS_io_uring_setup),
        ] {
            assert_eq!(number(name, target), Some(nr as u32), "{name}");
        }
        assert_eq!(number("no_such_call", target), None);
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
