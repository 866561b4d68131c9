//! The store's error type, which the web layer maps to responses.

use xieshang_core::Denied;

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No such record (or none visible to the actor).
    #[error("not found")]
    NotFound,
    /// The actor may not do this.
    #[error("{0}")]
    Denied(#[from] Denied),
    /// Input that fails a rule; `field` names the form field.
    #[error("{field}: {message}")]
    Invalid {
        /// Form field the message belongs to.
        field: &'static str,
        /// Translation key.
        key: &'static str,
        /// English message.
        message: &'static str,
    },
    /// A database failure; details are logged, never shown.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

impl Error {
    /// A field error from a validated-value failure.
    pub fn invalid(field: &'static str, e: xieshang_core::values::Invalid) -> Error {
        Error::Invalid {
            field,
            key: e.key,
            message: e.message,
        }
    }

    /// A field error with a fixed message.
    pub fn field(field: &'static str, key: &'static str, message: &'static str) -> Error {
        Error::Invalid {
            field,
            key,
            message,
        }
    }
}

/// Result of store operations.
pub type Result<T> = std::result::Result<T, Error>;
