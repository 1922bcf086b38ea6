//! `nook doctor` / `nook info`: everything rootless containers need on this machine, each
//! fact checked for real where that is possible (a user namespace with the id map, an overlay
//! mount), with a fix for each failure.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use nix::unistd::{AccessFlags, Uid, access};
use serde::Serialize;

use crate::config::{self, Config};
use crate::image::store::Store;
use crate::runtime::driver::{self, which};
use crate::runtime::idmap::IdMap;
use crate::runtime::jobs::{self, Job};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub level: Level,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

fn check(name: &'static str, level: Level, detail: impl Into<String>, fix: Option<&str>) -> Check {
    Check {
        name,
        level,
        detail: detail.into(),
        fix: fix.map(str::to_string),
    }
}

fn read_trimmed(path: &str) -> Option<String> {
    fs::read_to_string(path).ok().map(|s| s.trim().to_string())
}

/// Run every check. `store` is the user's store if it could be opened.
pub fn run_checks(store: Option<&Store>) -> Vec<Check> {
    let mut out = vec![
        kernel_userns(),
        subids(),
        id_tool("newuidmap", "setuid"),
        id_tool("newgidmap", "setgid"),
    ];
    out.push(mapping_works());
    out.extend(storage(store));
    out.extend(pasta(store));
    out.push(outside_network());
    out.extend(xdg(store));
    out.push(cgroups());
    out.extend(walls());
    out
}

/// The walls between a container (or a sandbox) and you that depend on this machine.
fn walls() -> Vec<Check> {
    let binary = match crate::runtime::sealed::exposed() {
        None => check(
            "nook's binary",
            Level::Ok,
            "root's and read-only to you: no container can change it (CVE-2019-5736)",
            None,
        ),
        Some(path) => match crate::sys::sealed_copy_of_self() {
            Ok(copy) => check(
                "nook's binary",
                Level::Warn,
                format!(
                    "{} is yours, so a container could change it (CVE-2019-5736): the \
                     processes that enter containers run from a sealed copy instead ({} MiB \
                     of memory per running container, a few ms per start)",
                    path.display(),
                    fs::metadata(format!(
                        "/proc/self/fd/{}",
                        std::os::fd::AsRawFd::as_raw_fd(&copy)
                    ))
                    .map_or(0, |m| m.len() >> 20)
                ),
                Some(
                    "install it root-owned to need no copy: sudo install -m 755 nook /usr/local/bin/",
                ),
            ),
            Err(e) => check(
                "nook's binary",
                Level::Fail,
                format!(
                    "{} is yours, and no sealed copy can be made ({e}): a container could \
                     change it (CVE-2019-5736)",
                    path.display()
                ),
                Some(
                    "install it root-owned: sudo install -m 755 nook /usr/local/bin/ (or allow \
                     executable memfds: sysctl vm.memfd_noexec=0)",
                ),
            ),
        },
    };
    let landlock = match crate::sys::landlock_abi() {
        Some(v) => format!("Landlock ABI {v} for `nook sandbox`"),
        None => "no Landlock (the sandbox's other walls stand alone)".to_string(),
    };
    vec![
        binary,
        check(
            "escape defences",
            Level::Ok,
            format!(
                "container paths resolved inside the root from descriptors; mounts locked by a \
                 child user namespace (read-only stays read-only); the caller's descriptors \
                 closed (CVE-2024-21626); exec without -t through pipes; the host's loopback \
                 closed unless --host-loopback; {landlock}"
            ),
            None,
        ),
    ]
}

fn kernel_userns() -> Check {
    const NAME: &str = "user namespaces";
    let max: u64 = read_trimmed("/proc/sys/user/max_user_namespaces")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if max == 0 {
        return check(
            NAME,
            Level::Fail,
            "user.max_user_namespaces is 0",
            Some(
                "sudo sysctl -w user.max_user_namespaces=28633 (and set it in /etc/sysctl.d/ to keep it)",
            ),
        );
    }
    if read_trimmed("/proc/sys/kernel/unprivileged_userns_clone").as_deref() == Some("0") {
        return check(
            NAME,
            Level::Fail,
            "kernel.unprivileged_userns_clone is 0",
            Some(
                "sudo sysctl -w kernel.unprivileged_userns_clone=1 (and set it in /etc/sysctl.d/ to keep it)",
            ),
        );
    }
    if read_trimmed("/proc/sys/kernel/apparmor_restrict_unprivileged_userns").as_deref()
        == Some("1")
    {
        return check(
            NAME,
            Level::Fail,
            "AppArmor restricts unprivileged user namespaces",
            Some(
                "add an AppArmor profile for nook with `userns,`, or sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0",
            ),
        );
    }
    check(NAME, Level::Ok, format!("enabled (up to {max})"), None)
}

fn subids() -> Check {
    const NAME: &str = "subordinate ids";
    match IdMap::for_current_user() {
        Err(e) => check(NAME, Level::Fail, e.to_string(), None),
        Ok(m) if m.warning.is_some() => check(
            NAME,
            Level::Fail,
            format!("no /etc/subuid or /etc/subgid range for {}", m.map.user),
            Some(&format!(
                "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {}",
                m.map.user
            )),
        ),
        Ok(m) => {
            let (u, g) = (m.map.uid_count() - 1, m.map.gid_count() - 1);
            if u < 65536 || g < 65536 {
                check(
                    NAME,
                    Level::Warn,
                    format!("{u} uids and {g} gids; many images expect 65536"),
                    Some("give your user 65536 ids in /etc/subuid and /etc/subgid"),
                )
            } else {
                check(
                    NAME,
                    Level::Ok,
                    format!("{u} uids, {g} gids for {}", m.map.user),
                    None,
                )
            }
        }
    }
}

fn id_tool(tool: &'static str, bit: &str) -> Check {
    let Some(path) = which(tool) else {
        return check(
            tool,
            Level::Fail,
            "not found in PATH",
            Some("sudo apt install uidmap (Fedora: shadow-utils)"),
        );
    };
    let meta = fs::metadata(&path).ok();
    let setid = meta
        .as_ref()
        .is_some_and(|m| m.uid() == 0 && m.permissions().mode() & 0o4000 != 0);
    let has_caps = xattr::get(&path, "security.capability")
        .ok()
        .flatten()
        .is_some();
    if setid || has_caps {
        let how = if setid {
            "setuid root"
        } else {
            "file capabilities"
        };
        check(tool, Level::Ok, format!("{} ({how})", path.display()), None)
    } else {
        check(
            tool,
            Level::Fail,
            format!(
                "{} is neither setuid root nor has file capabilities",
                path.display()
            ),
            Some(&format!(
                "sudo chmod u+s {0} (or sudo setcap cap_{bit}=ep {0})",
                path.display()
            )),
        )
    }
}

fn mapping_works() -> Check {
    const NAME: &str = "id mapping";
    match jobs::run(&Job::Remove { paths: Vec::new() }) {
        Ok(_) => check(
            NAME,
            Level::Ok,
            "a user namespace with your id map starts",
            None,
        ),
        Err(e) => check(
            NAME,
            Level::Fail,
            e.to_string(),
            Some("fix the failures above, then run nook doctor again"),
        ),
    }
}

fn storage(store: Option<&Store>) -> Vec<Check> {
    let mut out = Vec::new();
    let fuse_bin = which("fuse-overlayfs");
    let fuse_dev = access("/dev/fuse", AccessFlags::R_OK | AccessFlags::W_OK);
    let overlay = store.map(driver::probe_overlay);
    let overlay_ok = matches!(overlay, Some(Ok(Ok(()))));
    out.push(match overlay {
        Some(Ok(Ok(()))) => check("overlayfs", Level::Ok, "kernel overlayfs mounts in a user namespace", None),
        Some(Ok(Err(why))) => check(
            "overlayfs",
            if fuse_bin.is_some() { Level::Warn } else { Level::Fail },
            format!("the kernel refused overlayfs in a user namespace: {why}"),
            Some("nook falls back to fuse-overlayfs (slower); a kernel >= 5.11 with overlayfs allows it"),
        ),
        Some(Err(e)) => check("overlayfs", Level::Fail, e.to_string(), None),
        None => check("overlayfs", Level::Fail, "not checked: the store cannot be opened", None),
    });
    let missing_level = if overlay_ok { Level::Warn } else { Level::Fail };
    out.push(match (&fuse_bin, fuse_dev) {
        (None, _) => check(
            "fuse-overlayfs",
            missing_level,
            "not installed (needed only where kernel overlayfs fails)",
            Some("sudo apt install fuse-overlayfs"),
        ),
        (Some(_), Err(e)) => check(
            "fuse-overlayfs",
            missing_level,
            format!("/dev/fuse is not usable by you: {e}"),
            Some("sudo chmod 666 /dev/fuse"),
        ),
        (Some(p), Ok(())) => check(
            "fuse-overlayfs",
            Level::Ok,
            version_of(p, "--version"),
            None,
        ),
    });
    out
}

fn version_of(path: &Path, flag: &str) -> String {
    let out = Command::new(path).arg(flag).output();
    let text = out
        .map(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned()
                + &String::from_utf8_lossy(&o.stderr);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
            // Prefer the line that names the program (fuse-overlayfs prints fusermount's first).
            lines
                .iter()
                .find(|l| l.contains(&name))
                .or(lines.first())
                .map(|l| l.trim().to_string())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    format!("{} ({text})", path.display())
}

/// Does the host have a network for containers to reach? (pasta copies its default route.)
fn outside_network() -> Check {
    const NAME: &str = "outside network";
    match crate::network::host::offline() {
        false => check(
            NAME,
            Level::Ok,
            "an interface with a default route: containers reach the network through pasta",
            None,
        ),
        true => check(
            NAME,
            Level::Warn,
            "no interface has a default route (offline): containers start with only their \
             loopback (and their user network), their published ports forwarded from the host \
             by nook; what they start with stays theirs until they are started again",
            Some("connect this machine to a network, then start the containers again"),
        ),
    }
}

fn pasta(store: Option<&Store>) -> Vec<Check> {
    const NAME: &str = "networking (pasta)";
    let Some(path) = which("pasta") else {
        return vec![check(
            NAME,
            Level::Fail,
            "pasta is not installed: containers on the default network cannot start",
            Some(
                "sudo apt install passt (or use --network none, or set default = \"none\" \
                 under [network] in ~/.config/nook/config.toml)",
            ),
        )];
    };
    if let Err(e) = access("/dev/net/tun", AccessFlags::R_OK | AccessFlags::W_OK) {
        return vec![check(
            NAME,
            Level::Fail,
            format!("/dev/net/tun is not usable by you ({e}): pasta cannot connect containers"),
            Some("sudo chmod 666 /dev/net/tun (it is on most distributions)"),
        )];
    }
    let cache = store.map_or_else(
        || std::env::temp_dir().join("nook-pasta-features.json"),
        |s| s.root().join("pasta-features.json"),
    );
    let mut out = vec![match crate::network::pasta::features(&cache) {
        Err(e) => check(NAME, Level::Fail, e.to_string(), None),
        Ok(f) => {
            let yes = |b: bool| if b { "yes" } else { "no" };
            check(
                NAME,
                if f.dns_forward && f.maps_gateway {
                    Level::Ok
                } else {
                    Level::Warn
                },
                format!(
                    "{}; DNS forwarding: {}, the host's loopback closed to containers unless \
                     --host-loopback: {}",
                    version_of(&path, "--version"),
                    yes(f.dns_forward),
                    yes(f.maps_gateway)
                ),
                (!f.dns_forward || !f.maps_gateway)
                    .then_some("a newer passt has both: containers then use the host's resolvers"),
            )
        }
    }];
    let start = read_trimmed("/proc/sys/net/ipv4/ip_unprivileged_port_start").unwrap_or_default();
    out.push(check(
        "published ports",
        Level::Ok,
        format!(
            "host ports from {start} up can be published (net.ipv4.ip_unprivileged_port_start)"
        ),
        None,
    ));
    out
}

fn xdg(store: Option<&Store>) -> Vec<Check> {
    let mut out = Vec::new();
    out.push(match (store, config::data_root()) {
        (Some(s), _) => check(
            "data directory",
            Level::Ok,
            format!("{} is writable", s.root().display()),
            None,
        ),
        (None, Ok(root)) => check(
            "data directory",
            Level::Fail,
            format!("{} cannot be created or written", root.display()),
            Some("make it writable, or point XDG_DATA_HOME at a writable directory"),
        ),
        (None, Err(e)) => check("data directory", Level::Fail, e.to_string(), None),
    });
    out.push(match Config::load() {
        Ok(_) => check(
            "configuration",
            Level::Ok,
            config::config_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            None,
        ),
        Err(e) => check(
            "configuration",
            Level::Fail,
            e.to_string(),
            Some("fix or remove the file"),
        ),
    });
    out.push(match config::runtime_dir() {
        None => check(
            "runtime directory",
            Level::Warn,
            "XDG_RUNTIME_DIR is not set",
            Some("log in through a session manager (systemd-logind sets it), or export XDG_RUNTIME_DIR=/run/user/$(id -u)"),
        ),
        Some(dir) => {
            let owned = fs::metadata(&dir).is_ok_and(|m| m.uid() == Uid::current().as_raw());
            let writable = access(&dir, AccessFlags::W_OK).is_ok();
            if owned && writable {
                check("runtime directory", Level::Ok, dir.display().to_string(), None)
            } else {
                check(
                    "runtime directory",
                    Level::Warn,
                    format!("{} is not a directory you own and can write", dir.display()),
                    Some("point XDG_RUNTIME_DIR at a directory you own (mode 700)"),
                )
            }
        }
    });
    out
}

fn cgroups() -> Check {
    use crate::cgroups::{CgroupsMode, DELEGATE_FIX, Host};
    const NAME: &str = "cgroups (resource limits)";
    let defaults = Config::load().map(|c| c.containers).unwrap_or_default();
    if defaults.cgroups == CgroupsMode::Disabled {
        return check(
            NAME,
            Level::Ok,
            "disabled in config.toml ([containers] cgroups): containers get no limits",
            None,
        );
    }
    let host = Host::probe();
    let kind = match host.manager(defaults.cgroup_manager) {
        Ok(kind) => kind,
        Err(why) => {
            return check(
                NAME,
                Level::Warn,
                format!(
                    "{why}: containers run without a cgroup, and --memory, --cpus, \
                     --pids-limit and the other limits are refused; their processes are \
                     bounded by RLIMIT_NPROC instead ({} per user id inside)",
                    crate::cgroups::DEFAULT_PIDS_LIMIT
                ),
                Some(if host.unified {
                    "log in through a systemd session, or `loginctl enable-linger $USER`"
                } else {
                    "boot with systemd.unified_cgroup_hierarchy=1 (the default on current distributions)"
                }),
            );
        }
    };
    let controllers = host.controllers(kind);
    let missing: Vec<&str> = ["memory", "cpu", "pids", "cpuset", "io"]
        .into_iter()
        .filter(|c| !controllers.iter().any(|x| x == c))
        .collect();
    let manager = match kind {
        crate::cgroups::ManagerKind::Systemd => "the systemd user manager",
        crate::cgroups::ManagerKind::Cgroupfs => "cgroupfs",
    };
    if missing.is_empty() {
        check(
            NAME,
            Level::Ok,
            format!(
                "{manager}; delegated controllers: {}",
                controllers.join(" ")
            ),
            None,
        )
    } else {
        check(
            NAME,
            Level::Warn,
            format!(
                "{manager}; not delegated to you: {} (limits that need them are refused)",
                missing.join(", ")
            ),
            Some(DELEGATE_FIX),
        )
    }
}
