//! Health checks: docker's HEALTHCHECK and `--health-*`. With no daemon, a container's check is
//! run by a `nook __health` process that its monitor starts and that ends with it: every
//! interval it runs the check in the container (as `nook exec` does) with a timeout, and keeps
//! the result in `health.json` beside the container's state, where `ps`, `inspect`, `events`
//! and `nook healthcheck run` find it.

use std::fs;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{ContainerConfig, ContainerError, Containers, Status};
use crate::image::store::{Store, StoreError, replace_file};

/// The hidden subcommand of the process that runs a container's checks.
pub const HEALTH_COMMAND: &str = "__health";

/// Results kept in the record, as docker keeps them.
const KEPT: usize = 5;
/// Bytes of a check's output kept.
const OUTPUT_MAX: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Container(#[from] ContainerError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("container {0} has no health check (give one with --health-cmd, or in the image)")]
    None(String),
    #[error("container {0} is not running")]
    NotRunning(String),
    #[error("invalid {flag} {value:?}: use a duration such as 500ms, 30s, 1m30s")]
    Duration { flag: &'static str, value: String },
    #[error("cannot run the check: {0}")]
    Spawn(std::io::Error),
}

/// A container's check, as docker's config holds it (times in nanoseconds, 0 for the default).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// `["CMD", program, args...]` or `["CMD-SHELL", command]`.
    pub test: Vec<String>,
    #[serde(default)]
    pub interval: u64,
    #[serde(default)]
    pub timeout: u64,
    #[serde(default)]
    pub start_period: u64,
    #[serde(default)]
    pub start_interval: u64,
    #[serde(default)]
    pub retries: u32,
}

fn or_default(ns: u64, default: Duration) -> Duration {
    match ns {
        0 => default,
        n => Duration::from_nanos(n),
    }
}

impl HealthCheck {
    /// The image config's `Healthcheck`; `None` when it has none or says `NONE`.
    pub fn from_image(v: Option<&Value>) -> Option<HealthCheck> {
        let v = v?;
        let test: Vec<String> = serde_json::from_value(v.get("Test")?.clone()).ok()?;
        if test.first().is_none_or(|t| t == "NONE") {
            return None;
        }
        let ns = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0);
        Some(HealthCheck {
            test,
            interval: ns("Interval"),
            timeout: ns("Timeout"),
            start_period: ns("StartPeriod"),
            start_interval: ns("StartInterval"),
            retries: ns("Retries") as u32,
        })
    }

    /// As docker's inspect shows it (`Config.Healthcheck`).
    pub fn docker_json(&self) -> Value {
        json!({
            "Test": self.test,
            "Interval": self.interval,
            "Timeout": self.timeout,
            "StartPeriod": self.start_period,
            "StartInterval": self.start_interval,
            "Retries": self.retries,
        })
    }

    /// The program the check runs.
    pub fn argv(&self) -> Vec<String> {
        match self.test.split_first() {
            Some((kind, rest)) if kind == "CMD-SHELL" => {
                vec!["/bin/sh".into(), "-c".into(), rest.join(" ")]
            }
            Some((_, rest)) => rest.to_vec(),
            None => Vec::new(),
        }
    }

    pub fn interval(&self) -> Duration {
        or_default(self.interval, Duration::from_secs(30))
    }
    pub fn timeout(&self) -> Duration {
        or_default(self.timeout, Duration::from_secs(30))
    }
    pub fn start_period(&self) -> Duration {
        or_default(self.start_period, Duration::ZERO)
    }
    pub fn start_interval(&self) -> Duration {
        or_default(self.start_interval, Duration::from_secs(5))
    }
    pub fn retries(&self) -> u32 {
        if self.retries == 0 { 3 } else { self.retries }
    }
}

/// A Go-style duration (`1m30s`, `500ms`, `2h`), as docker's `--health-*` flags take.
pub fn parse_duration(flag: &'static str, s: &str) -> Result<Duration, HealthError> {
    let bad = || HealthError::Duration {
        flag,
        value: s.to_string(),
    };
    let mut total = Duration::ZERO;
    let mut rest = s;
    match rest {
        "0" => return Ok(total),
        "" => return Err(bad()),
        _ => {}
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(bad)?;
        let (num, tail) = rest.split_at(digits);
        let n: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        total += Duration::from_secs_f64(n * scale);
        rest = next;
    }
    Ok(total)
}

/// One run of the check, as docker records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    #[serde(rename = "Start")]
    pub start: String,
    #[serde(rename = "End")]
    pub end: String,
    #[serde(rename = "ExitCode")]
    pub exit_code: i32,
    #[serde(rename = "Output")]
    pub output: String,
}

/// A container's health, as docker's inspect shows it (`State.Health`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// `starting`, `healthy` or `unhealthy`.
    #[serde(rename = "Status")]
    pub status: String,
    #[serde(rename = "FailingStreak")]
    pub failing_streak: u32,
    #[serde(rename = "Log")]
    pub log: Vec<Probe>,
    /// The run of the container these results are of (its start time).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub run: String,
}

impl Health {
    /// As docker's inspect shows it (`State.Health`).
    pub fn docker_json(&self) -> Value {
        json!({
            "Status": self.status,
            "FailingStreak": self.failing_streak,
            "Log": self.log,
        })
    }
}

fn path(store: &Store, id: &str) -> std::path::PathBuf {
    Containers::new(store).dir(id).join("health.json")
}

/// The container's health, if it has a check and has run.
pub fn load(store: &Store, id: &str) -> Option<Health> {
    serde_json::from_slice(&fs::read(path(store, id)).ok()?).ok()
}

/// Run `config`'s check once in the (running) container and return what it gave.
pub fn probe(store: &Store, config: &ContainerConfig) -> Result<Probe, HealthError> {
    let check = config
        .health
        .as_ref()
        .ok_or_else(|| HealthError::None(config.name.clone()))?;
    let start = super::now_rfc3339();
    // The check runs as `nook exec` would run it, in this store.
    let data_home = store.root().parent().unwrap_or(store.root());
    let mut child = Command::new("/proc/self/exe")
        .arg("exec")
        .arg(&config.id)
        .args(check.argv())
        .env("XDG_DATA_HOME", data_home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(HealthError::Spawn)?;
    let read = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(mut r) = r {
                let mut buf = [0u8; 8192];
                while let Ok(n) = r.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let room = OUTPUT_MAX.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
            kept
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + check.timeout();
    let status = loop {
        match child.try_wait().map_err(HealthError::Spawn)? {
            Some(status) => break Some(status),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let mut output = out.join().unwrap_or_default();
    output.extend(err.join().unwrap_or_default());
    output.truncate(OUTPUT_MAX);
    let (exit_code, output) = match status {
        Some(s) => (
            s.code().unwrap_or(-1),
            String::from_utf8_lossy(&output).into_owned(),
        ),
        None => (
            -1,
            format!("Health check exceeded timeout ({:?})", check.timeout()),
        ),
    };
    Ok(Probe {
        start,
        end: super::now_rfc3339(),
        exit_code,
        output,
    })
}

/// Add `probe` to the container's record, as docker counts it: a success makes it healthy;
/// `retries` failures in a row make it unhealthy, except failures in the start period
/// before it was ever healthy. A change of status is an event.
pub fn record(
    store: &Store,
    config: &ContainerConfig,
    probe: Probe,
) -> Result<Health, HealthError> {
    let check = config
        .health
        .as_ref()
        .ok_or_else(|| HealthError::None(config.name.clone()))?;
    let _lock = store.lock(&format!("health-{}", config.id))?;
    let state = Containers::new(store).load_state(&config.id)?;
    let run = state.started_at.clone().unwrap_or_default();
    let mut health = load(store, &config.id)
        .filter(|h| h.run == run)
        .unwrap_or_else(|| fresh(&run));
    let before = health.status.clone();
    let in_start_period = chrono::DateTime::parse_from_rfc3339(&run).is_ok_and(|t| {
        let age = chrono::Utc::now().signed_duration_since(t);
        age.to_std().unwrap_or_default() < check.start_period()
    });
    if probe.exit_code == 0 {
        health.status = "healthy".into();
        health.failing_streak = 0;
    } else if !(in_start_period && health.status == "starting") {
        health.failing_streak += 1;
        if health.failing_streak >= check.retries() {
            health.status = "unhealthy".into();
        }
    }
    health.log.push(probe);
    let drop = health.log.len().saturating_sub(KEPT);
    health.log.drain(..drop);
    replace_file(
        &path(store, &config.id),
        &serde_json::to_vec(&health).expect("health serializes"),
    )?;
    if health.status != before {
        let action = format!("health_status: {}", health.status);
        crate::events::container(store, config, &action, &[]);
    }
    Ok(health)
}

fn fresh(run: &str) -> Health {
    Health {
        status: "starting".into(),
        failing_streak: 0,
        log: Vec::new(),
        run: run.to_string(),
    }
}

/// A new run of the container starts with its health unknown.
pub fn reset(store: &Store, config: &ContainerConfig, started_at: &str) {
    if config.health.is_some() {
        let _ = replace_file(
            &path(store, &config.id),
            &serde_json::to_vec(&fresh(started_at)).expect("health serializes"),
        );
    }
}

/// Run the check of a running container once (`nook healthcheck run`), recording the result.
pub fn run_once(store: &Store, config: &ContainerConfig) -> Result<Health, HealthError> {
    let state = Containers::new(store).load_state(&config.id)?;
    if state.status != Status::Running {
        return Err(HealthError::NotRunning(config.name.clone()));
    }
    let probe = probe(store, config)?;
    record(store, config, probe)
}

/// The body of `nook __health STORE-ROOT ID MONITOR-PID`: run the check on its timer while
/// the container's monitor lives (this process dies with it too).
pub fn serve(store: &Store, id: &str, monitor: i32) -> i32 {
    let _ = nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL);
    if nix::unistd::getppid().as_raw() != monitor {
        return 0;
    }
    let containers = Containers::new(store);
    let Ok(config) = containers.load_config(id) else {
        return 125;
    };
    let Some(check) = config.health.clone() else {
        return 0;
    };
    let mut last_run = String::new();
    let mut next = Instant::now();
    loop {
        if !containers.monitor_alive(id) {
            return 0;
        }
        let Ok(state) = containers.load_state(id) else {
            return 0;
        };
        let run = state.started_at.clone().unwrap_or_default();
        if state.status != Status::Running {
            // Not started yet, or between two runs of its restart policy.
            std::thread::sleep(Duration::from_millis(100));
            continue;
        }
        if run != last_run {
            // A new run: its first check comes an interval after it starts.
            last_run = run;
            next = Instant::now() + first_wait(&check);
        }
        // Asleep until the check is due (waking each second to see a new run).
        let now = Instant::now();
        if now < next {
            std::thread::sleep((next - now).min(Duration::from_secs(1)));
            continue;
        }
        let healthy = load(store, id).is_some_and(|h| h.status == "healthy");
        if let Ok(p) = probe(store, &config) {
            let _ = record(store, &config, p);
        }
        next = Instant::now()
            + match healthy {
                false if in_start(&state, &check) => check.start_interval().min(check.interval()),
                _ => check.interval(),
            };
    }
}

fn in_start(state: &super::ContainerState, check: &HealthCheck) -> bool {
    state
        .started_at
        .as_deref()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .is_some_and(|t| {
            chrono::Utc::now()
                .signed_duration_since(t)
                .to_std()
                .unwrap_or_default()
                < check.start_period()
        })
}

fn first_wait(check: &HealthCheck) -> Duration {
    if check.start_period().is_zero() {
        check.interval()
    } else {
        check.start_interval().min(check.interval())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_go_does() {
        let d = |s| parse_duration("--health-interval", s);
        assert_eq!(d("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(d("1m30s").unwrap(), Duration::from_secs(90));
        assert_eq!(d("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(d("1.5h").unwrap(), Duration::from_secs(5400));
        assert_eq!(d("0").unwrap(), Duration::ZERO);
        assert!(d("30").is_err() && d("s").is_err() && d("5x").is_err() && d("").is_err());
    }

    #[test]
    fn checks_come_from_the_image_and_run_as_docker_runs_them() {
        let image = json!({"Test": ["CMD-SHELL", "curl -f localhost || exit 1"], "Interval": 1_000_000_000u64});
        let c = HealthCheck::from_image(Some(&image)).unwrap();
        assert_eq!(c.argv(), ["/bin/sh", "-c", "curl -f localhost || exit 1"]);
        assert_eq!(c.interval(), Duration::from_secs(1));
        assert_eq!(c.timeout(), Duration::from_secs(30));
        assert_eq!(c.retries(), 3);
        let exec = HealthCheck {
            test: vec!["CMD".into(), "pg_isready".into(), "-q".into()],
            ..HealthCheck::default()
        };
        assert_eq!(exec.argv(), ["pg_isready", "-q"]);
        assert!(HealthCheck::from_image(Some(&json!({"Test": ["NONE"]}))).is_none());
        assert!(HealthCheck::from_image(None).is_none());
    }
}
