//! The error type of the core crate. Every variant has a stable `code` for the UI.

use crate::validate::FieldError;

/// What can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// One or more fields break a rule.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// No record, revision or file with that name.
    #[error("{0}")]
    NotFound(String),
    /// The store was written by a newer version of the app.
    #[error("this data folder was written by a newer version of Dauria Field (store schema {found}, this version knows up to {known}); install the newer version to open it")]
    TooNew { found: i64, known: i64 },
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// The SQLite store failed.
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    /// The store's schema could not be brought up to date.
    #[error("cannot update the store's schema: {0}")]
    Migration(String),
    /// A revision received from elsewhere is malformed.
    #[error("bad revision {rev_id}: {reason}")]
    BadRevision { rev_id: String, reason: String },
    /// A photo whose pixels would take more memory than the app allows (a decompression bomb,
    /// or a header claiming huge dimensions); refused before any pixel is allocated.
    #[error("{0}")]
    ImageTooLarge(String),
    /// An archive that unpacks to more than the app reads (a zip bomb, or headers that lie);
    /// refused before the memory is taken.
    #[error("{0}")]
    ArchiveTooLarge(String),
    /// A file larger than the app reads for that purpose.
    #[error("{0}")]
    FileTooLarge(String),
    /// The store is encrypted and no passphrase was given.
    #[error("the store is encrypted: give its passphrase (in the app's unlock screen, or to dauria-cli through the prompt or DAURIA_PASSPHRASE)")]
    Locked,
    /// The passphrase does not open the store; nothing was changed.
    #[error("wrong passphrase: the store was not opened and nothing in it was changed")]
    WrongPassphrase,
    /// An encryption of the store was started and cut before it finished.
    #[error("encrypting this store was interrupted; run `dauria-cli encrypt` again with the same passphrase to finish it (nothing is lost)")]
    EncryptionInterrupted,
}

impl Error {
    /// Stable machine-readable code (`invalid`, `not_found`, `too_new`, `io`, `storage`,
    /// `bad_revision`, `migration`, `image_too_large`, `archive_too_large`, `file_too_large`,
    /// `locked`, `wrong_passphrase`, `encryption_interrupted`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::NotFound(_) => "not_found",
            Error::TooNew { .. } => "too_new",
            Error::Io { .. } => "io",
            Error::Storage(_) => "storage",
            Error::BadRevision { .. } => "bad_revision",
            Error::Migration(_) => "migration",
            Error::ImageTooLarge(_) => "image_too_large",
            Error::ArchiveTooLarge(_) => "archive_too_large",
            Error::FileTooLarge(_) => "file_too_large",
            Error::Locked => "locked",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::EncryptionInterrupted => "encryption_interrupted",
        }
    }

    /// A single-field validation error.
    pub fn invalid(field: &str, rule: &str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError::new(field, rule, message)])
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Error::Storage(err),
            other => Error::Migration(other.to_string()),
        }
    }
}

/// An error as it crosses to the UI: a stable code to branch on, the English message, and the
/// field errors (each with a rule code the UI translates) when the input was invalid.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ErrorPayload {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

impl From<&Error> for ErrorPayload {
    fn from(e: &Error) -> Self {
        ErrorPayload {
            code: e.code().to_string(),
            message: e.to_string(),
            fields: match e {
                Error::Invalid(fields) => fields.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
