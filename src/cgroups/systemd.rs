//! The systemd manager: a transient scope per container run, made by the systemd user
//! manager over the session bus (`StartTransientUnit` with `Delegate=yes` and the limits as
//! unit properties), so that systemd both accounts for it and lets nook make the leaf below.
//! systemd removes the scope by itself once its last process has exited.
//!
//! D-Bus clients keep threads, and a monitor must stay single-threaded to make namespaces:
//! the monitor asks a short-lived `nook __scope` process to talk to systemd for it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use zbus::zvariant::{OwnedObjectPath, Value};

use super::{CgroupError, Limits, Max, ROOT};

/// The internal command that talks to systemd for a monitor or `nook exec`: `nook __scope`,
/// a [`ScopeRequest`] as JSON on stdin, the scope's cgroup path (when one is made) on stdout.
pub const SCOPE_COMMAND: &str = "__scope";

#[zbus::proxy(
    interface = "org.freedesktop.systemd1.Manager",
    default_service = "org.freedesktop.systemd1",
    default_path = "/org/freedesktop/systemd1",
    gen_async = false,
    blocking_name = "ManagerProxy"
)]
trait Manager {
    fn start_transient_unit(
        &self,
        name: &str,
        mode: &str,
        properties: &[(&str, Value<'_>)],
        aux: &[(&str, &[(&str, Value<'_>)])],
    ) -> zbus::Result<OwnedObjectPath>;

    fn set_unit_properties(
        &self,
        name: &str,
        runtime: bool,
        properties: &[(&str, Value<'_>)],
    ) -> zbus::Result<()>;

    fn attach_processes_to_unit(
        &self,
        unit_name: &str,
        subcgroup: &str,
        pids: &[u32],
    ) -> zbus::Result<()>;
}

/// The session bus, where the user manager listens: `DBUS_SESSION_BUS_ADDRESS`, else the
/// socket systemd makes at `$XDG_RUNTIME_DIR/bus`.
pub fn session_bus_address() -> Option<String> {
    if let Ok(a) = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        && !a.is_empty()
    {
        return Some(a);
    }
    let socket = crate::config::runtime_dir()?.join("bus");
    socket
        .exists()
        .then(|| format!("unix:path={}", socket.display()))
}

fn connect() -> Result<zbus::blocking::Connection, CgroupError> {
    let address = session_bus_address()
        .ok_or_else(|| CgroupError::Systemd("there is no D-Bus session bus".to_string()))?;
    zbus::blocking::connection::Builder::address(address.as_str())
        .and_then(|b| b.build())
        .map_err(|e| CgroupError::Systemd(format!("cannot connect to {address}: {e}")))
}

fn bus_err(what: &str) -> impl FnOnce(zbus::Error) -> CgroupError + '_ {
    move |e| CgroupError::Systemd(format!("{what}: {e}"))
}

/// The unit properties that set `limits`.
fn properties(limits: &Limits) -> Vec<(&'static str, Value<'static>)> {
    let max = |m: Max| match m {
        Max::Limit(n) => n,
        Max::Unlimited => u64::MAX,
    };
    let mut out: Vec<(&'static str, Value<'static>)> = Vec::new();
    if let Some(m) = limits.memory {
        out.push(("MemoryMax", Value::from(m)));
    }
    if let Some(s) = limits.swap {
        out.push(("MemorySwapMax", Value::from(max(s))));
    }
    if let Some(l) = limits.memory_low {
        out.push(("MemoryLow", Value::from(l)));
    }
    if let Some(q) = limits.cpu_quota {
        // Per second of wall time; cpu.max's period is 100 ms.
        out.push((
            "CPUQuotaPerSecUSec",
            Value::from(q * 1_000_000 / super::CPU_PERIOD_US),
        ));
    }
    if let Some(w) = limits.cpu_weight {
        out.push(("CPUWeight", Value::from(w)));
    }
    if let Some(c) = &limits.cpuset_cpus {
        out.push(("AllowedCPUs", Value::from(cpu_mask(c))));
    }
    if let Some(p) = limits.pids {
        out.push(("TasksMax", Value::from(max(p))));
    }
    if let Some(w) = limits.io_weight {
        out.push(("IOWeight", Value::from(w)));
    }
    out
}

/// A CPU list (`0-2,5`) as systemd's byte mask (CPU n is bit n%8 of byte n/8).
fn cpu_mask(list: &str) -> Vec<u8> {
    let mut mask = Vec::new();
    for part in list.split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (Ok(a), Ok(b)) = (a.parse::<usize>(), b.parse::<usize>()) else {
            continue;
        };
        for cpu in a..=b {
            if mask.len() <= cpu / 8 {
                mask.resize(cpu / 8 + 1, 0);
            }
            mask[cpu / 8] |= 1 << (cpu % 8);
        }
    }
    mask
}

#[derive(Serialize, Deserialize)]
enum ScopeRequest {
    /// Make scope `unit` for `pid`, with `limits`.
    Start {
        unit: String,
        pid: i32,
        limits: Limits,
    },
    /// Move `pid` into `subcgroup` of scope `unit`.
    Attach {
        unit: String,
        subcgroup: String,
        pid: i32,
    },
}

/// Have the user manager make scope `unit` for `pid` with `limits`; returns the scope's
/// cgroup. Runs `nook __scope` so that this process keeps a single thread.
pub fn start_scope(
    unit: &str,
    pid: nix::unistd::Pid,
    limits: &Limits,
) -> Result<PathBuf, CgroupError> {
    let out = helper(&ScopeRequest::Start {
        unit: unit.to_string(),
        pid: pid.as_raw(),
        limits: limits.clone(),
    })?;
    Ok(PathBuf::from(out.trim()))
}

/// Have the user manager move `pid` into `subcgroup` of scope `unit` (it asks the system
/// manager when `pid` is outside its own tree, e.g. in a login session's scope).
pub fn attach(unit: &str, subcgroup: &str, pid: nix::unistd::Pid) -> Result<(), CgroupError> {
    helper(&ScopeRequest::Attach {
        unit: unit.to_string(),
        subcgroup: subcgroup.to_string(),
        pid: pid.as_raw(),
    })
    .map(drop)
}

/// Run `nook __scope` with `request`; its output.
fn helper(request: &ScopeRequest) -> Result<String, CgroupError> {
    let request = serde_json::to_vec(request).map_err(|e| CgroupError::Systemd(e.to_string()))?;
    let failed =
        |e: std::io::Error| CgroupError::Systemd(format!("cannot run nook {SCOPE_COMMAND}: {e}"));
    let mut child = Command::new("/proc/self/exe")
        .arg(SCOPE_COMMAND)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(failed)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&request).map_err(failed)?;
    }
    let out = child.wait_with_output().map_err(failed)?;
    match out.status.success() {
        true => Ok(String::from_utf8_lossy(&out.stdout).into_owned()),
        false => Err(CgroupError::Systemd(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )),
    }
}

/// `nook __scope`: do what a monitor or `nook exec` asked of systemd.
pub fn serve_scope() -> i32 {
    let mut input = Vec::new();
    let made = std::io::stdin()
        .read_to_end(&mut input)
        .map_err(|e| CgroupError::Systemd(e.to_string()))
        .and_then(|_| {
            serde_json::from_slice::<ScopeRequest>(&input)
                .map_err(|e| CgroupError::Systemd(format!("bad request: {e}")))
        })
        .and_then(|r| match r {
            ScopeRequest::Start { unit, pid, limits } => {
                make_scope(&unit, pid, &limits).map(|p| p.display().to_string())
            }
            ScopeRequest::Attach {
                unit,
                subcgroup,
                pid,
            } => attach_now(&unit, &subcgroup, pid).map(|()| String::new()),
        });
    match made {
        Ok(out) => {
            println!("{out}");
            0
        }
        Err(e) => {
            eprint!("{e}");
            125
        }
    }
}

fn make_scope(unit: &str, pid: i32, limits: &Limits) -> Result<PathBuf, CgroupError> {
    let conn = connect()?;
    let pids = vec![pid as u32];
    let mut props: Vec<(&str, Value<'_>)> = vec![
        ("Description", Value::from("nook container")),
        ("PIDs", Value::from(pids)),
        ("Delegate", Value::from(true)),
        ("CollectMode", Value::from("inactive-or-failed")),
    ];
    props.extend(properties(limits));
    manager(&conn)?
        .start_transient_unit(unit, "fail", &props, &[])
        .map_err(bus_err("cannot create the container's scope"))?;
    // The job is done when systemd has moved the process into the scope: its cgroup, read
    // where the kernel keeps it, says so (and where the scope is) without more bus calls.
    let deadline = Instant::now() + Duration::from_secs(10);
    let suffix = format!("/{unit}");
    loop {
        let own = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap_or_default();
        if let Some(group) = own.lines().find_map(|l| l.strip_prefix("0::"))
            && group.ends_with(&suffix)
        {
            return Ok(Path::new(ROOT).join(group.trim_start_matches('/')));
        }
        if Instant::now() > deadline {
            return Err(CgroupError::Systemd(format!(
                "scope {unit} did not start; `journalctl --user -u {unit}` tells why"
            )));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

/// The manager's proxy, without the property cache (a round trip for nothing here).
fn manager(conn: &zbus::blocking::Connection) -> Result<ManagerProxy<'_>, CgroupError> {
    ManagerProxy::builder(conn)
        .cache_properties(zbus::proxy::CacheProperties::No)
        .build()
        .map_err(bus_err("the manager"))
}

fn attach_now(unit: &str, subcgroup: &str, pid: i32) -> Result<(), CgroupError> {
    let conn = connect()?;
    manager(&conn)?
        .attach_processes_to_unit(unit, &format!("/{subcgroup}"), &[pid as u32])
        .map_err(bus_err(
            "cannot move the process into the container's scope",
        ))
}

/// Change the limits of a running container's scope.
pub fn set_limits(unit: &str, limits: &Limits) -> Result<(), CgroupError> {
    let conn = connect()?;
    manager(&conn)?
        .set_unit_properties(unit, true, &properties(limits))
        .map_err(bus_err("cannot change the container's limits"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_become_unit_properties() {
        let limits = Limits {
            memory: Some(64 << 20),
            swap: Some(Max::Unlimited),
            cpu_quota: Some(50_000),
            cpuset_cpus: Some("0-2,9".to_string()),
            pids: Some(Max::Limit(50)),
            ..Limits::default()
        };
        let props = properties(&limits);
        let names: Vec<&str> = props.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "MemoryMax",
                "MemorySwapMax",
                "CPUQuotaPerSecUSec",
                "AllowedCPUs",
                "TasksMax"
            ]
        );
        assert_eq!(props[1].1, Value::from(u64::MAX));
        assert_eq!(props[2].1, Value::from(500_000u64));
        assert_eq!(cpu_mask("0-2,9"), vec![0b0000_0111, 0b0000_0010]);
    }
}
