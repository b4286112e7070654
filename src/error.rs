//! The library's one error type. Messages are single lines a researcher can
//! act on; the binary maps [`Error::is_bad_input`] to exit code 2 and
//! everything else to exit code 1.

use std::path::PathBuf;

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input at a known place: a scenario file, a roster or a
    /// command-line override. `origin` is `file:line:column` (or
    /// `--set PATH=VALUE` for overrides), `key` the scenario path or column.
    #[error("{origin}: {key}: {message}")]
    Input {
        /// Where: `file:line:column`, or the command-line argument.
        origin: String,
        /// The scenario path, table key or CSV column concerned.
        key: String,
        /// What is wrong and, where possible, what would be right.
        message: String,
    },
    /// Bad input without a finer position (a missing file, an existing
    /// output folder, a scenario too large for this machine).
    #[error("{0}")]
    BadInput(String),
    /// An I/O failure while running or writing results.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Any other failure at run time.
    #[error("{0}")]
    Runtime(String),
    /// Stopped at the researcher's request (SIGINT, SIGTERM): what was
    /// kept and how to finish.
    #[error("{0}")]
    Interrupted(String),
}

impl Error {
    /// Whether this error is the user's input (exit code 2) rather than a
    /// failure at run time (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Error::Input { .. } | Error::BadInput(_))
    }

    /// An input error at `origin` about `key`.
    pub fn input(
        origin: impl Into<String>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Input {
            origin: origin.into(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// An input error for a CSV record the csv crate could not read (e.g. a
    /// wrong number of fields), at its line in the file shown as `shown`.
    pub fn csv_record(shown: &str, error: &csv::Error) -> Self {
        let line = error.position().map_or(0, |p| p.line());
        Error::input(format!("{shown}:{line}:1"), "row", error.to_string())
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
