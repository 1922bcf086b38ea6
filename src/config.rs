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
    }
}
