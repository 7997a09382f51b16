//! Why a configuration cannot be used; each error names the setting and where its value came
//! from.

use std::path::PathBuf;

use super::Origin;

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The file names a setting wxbase does not have.
    #[error("config file {path}: unknown setting `{name}`")]
    Unknown {
        /// The file.
        path: PathBuf,
        /// The dotted name.
        name: String,
    },
    /// A setting has a value wxbase cannot use.
    #[error("setting `{name}` (from {origin}) is invalid: {reason}")]
    Invalid {
        /// The dotted name.
        name: &'static str,
        /// Where the value came from.
        origin: Origin,
        /// What is wrong.
        reason: String,
    },
}
