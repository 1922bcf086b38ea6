//! The user's settings: `$XDG_CONFIG_HOME/nook/config.toml` (usually ~/.config/nook), and
//! where nook keeps its data (`$XDG_DATA_HOME/nook`).

use std::fs;
use std::io;
use std::path::PathBuf;

use serde::Deserialize;

use crate::runtime::driver::DriverChoice;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot find your home directory (HOME is unset and the password database has no entry); \
         set HOME or XDG_DATA_HOME"
    )]
    NoHome,
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("invalid configuration in {path}:\n{message}")]
    Parse { path: PathBuf, message: String },
}

/// `config.toml`. Unknown keys are errors, so a typo never silently does nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub storage: StorageConfig,
    pub registries: RegistriesConfig,
    pub network: NetworkDefaults,
    pub containers: ContainerDefaults,
}

/// `[containers]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ContainerDefaults {
    /// `disabled`: containers get no cgroup (no limits, stats or pause).
    pub cgroups: crate::cgroups::CgroupsMode,
    /// `systemd` or `cgroupfs` (default: systemd when the user manager runs).
    pub cgroup_manager: Option<crate::cgroups::ManagerKind>,
    /// A container's log file moves aside past this size (`20m` unless set; `--log-opt
    /// max-size` for one container).
    pub log_max_size: Option<String>,
    /// How many log files are kept, the current one included (5 unless set).
    pub log_max_file: Option<u32>,
}

/// `[network]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkDefaults {
    /// The network of containers started without `--network` (default: pasta).
    pub default: Option<String>,
    /// Containers reach services bound to the host's loopback (default: false).
    pub host_loopback: bool,
}

/// `[registries]`: where short names are pulled from, registries spoken to over plain HTTP,
/// and mirrors tried before a registry.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegistriesConfig {
    /// Registry for names without one (`busybox`, `team/tool:1`): unset, Docker Hub
    /// (`docker.io`, official images under `library/`), as docker and podman have it; `""`,
    /// none (short names mean local images only).
    pub default: Option<String>,
    /// Registries reached over plain HTTP (or HTTPS without certificate checks). Loopback
    /// registries (`localhost`, 127.0.0.0/8, `[::1]`) are always allowed to, as in docker.
    pub insecure: Vec<String>,
    /// Per registry, mirrors to try first, in order: `"registry.example" = ["mirror.local:5000"]`.
    pub mirrors: std::collections::BTreeMap<String, Vec<String>>,
    /// Seconds a transfer may receive nothing before it is retried (default 30).
    pub stall_timeout: Option<u64>,
    /// Upload blobs larger than this many MiB in chunks of this size (default: one request).
    pub upload_chunk_mb: Option<u64>,
}

/// Docker Hub, where short names go unless `[registries] default` says otherwise.
pub const DOCKER_HUB: &str = "docker.io";

impl RegistriesConfig {
    /// The registry of short names, if any.
    pub fn default_registry(&self) -> Option<&str> {
        match self.default.as_deref() {
            None => Some(DOCKER_HUB),
            Some("") => None,
            Some(d) => Some(d),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// `auto` (default), `overlay` or `fuse-overlayfs`.
    pub driver: DriverChoice,
}

fn base_dirs() -> Result<directories::BaseDirs, ConfigError> {
    directories::BaseDirs::new().ok_or(ConfigError::NoHome)
}

/// `$XDG_DATA_HOME/nook`.
pub fn data_root() -> Result<PathBuf, ConfigError> {
    Ok(base_dirs()?.data_dir().join("nook"))
}

/// `$XDG_CONFIG_HOME/nook/config.toml`.
pub fn config_path() -> Result<PathBuf, ConfigError> {
    Ok(base_dirs()?.config_dir().join("nook/config.toml"))
}

/// Where nook keeps what lives only while processes run (sockets, locks): `$XDG_RUNTIME_DIR/nook`,
/// or the store's `run/` when the session has no runtime directory.
pub fn runtime_root(store_root: &std::path::Path) -> PathBuf {
    runtime_dir()
        .map(|r| r.join("nook"))
        .unwrap_or_else(|| store_root.join("run"))
}

/// `$XDG_RUNTIME_DIR` (None when unset).
pub fn runtime_dir() -> Option<PathBuf> {
    base_dirs().ok()?.runtime_dir().map(|p| p.to_path_buf())
}

impl Config {
    pub fn load() -> Result<Self, ConfigError> {
        let path = config_path()?;
        match fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path,
                message: e.to_string(),
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_typos() {
        let c: Config = toml::from_str("[storage]\ndriver = \"fuse-overlayfs\"\n").unwrap();
        assert_eq!(c.storage.driver, DriverChoice::FuseOverlayfs);
        let c: Config = toml::from_str("").unwrap();
        assert_eq!(c.storage.driver, DriverChoice::Auto);
        assert!(toml::from_str::<Config>("[storage]\ndrvier = \"overlay\"\n").is_err());
        assert!(toml::from_str::<Config>("[storage]\ndriver = \"btrfs\"\n").is_err());
        let c: Config = toml::from_str(
            "[registries]\ndefault = \"reg.test\"\ninsecure = [\"lab:5000\"]\n\
             [registries.mirrors]\n\"reg.test\" = [\"mirror.test\"]\n",
        )
        .unwrap();
        assert_eq!(c.registries.default.as_deref(), Some("reg.test"));
        assert_eq!(c.registries.insecure, vec!["lab:5000"]);
        assert_eq!(c.registries.mirrors["reg.test"], vec!["mirror.test"]);
    }
}
