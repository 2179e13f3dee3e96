//! The errors use cases return; web handlers map each to a status and a page or JSON body.

use tagdesk_domain::FieldErrors;
use tagdesk_store::StoreError;

/// Why a use case did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input is invalid; the messages name the fields.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The resource does not exist or is outside the caller's rights (never tells which).
    #[error("not found")]
    NotFound,
    /// The caller can see the resource but may not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the current state (e.g. deleting a deployment that still has devices).
    #[error("{0}")]
    Conflict(String),
    /// Credentials are missing or wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("too many attempts; try again in {retry_after_s} s")]
    RateLimited {
        /// Seconds until another attempt is allowed.
        retry_after_s: i64,
    },
    /// The server is too busy to do this now (e.g. every password-hashing slot is taken); try again after
    /// the given number of seconds.
    #[error("busy; try again in {retry_after_s} s")]
    Busy {
        /// Seconds after which a retry is likely to succeed.
        retry_after_s: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// An invalid-input error for one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }

    /// The field errors, when this is invalid input.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Invalid(errors) => Some(errors),
            _ => None,
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

/// Shorthand for use-case results.
pub type AppResult<T> = Result<T, AppError>;

/// Converts "row not found" into [`AppError::NotFound`].
pub trait OrNotFound<T> {
    /// `Some(v)` → `Ok(v)`, `None` → `Err(NotFound)`.
    fn or_not_found(self) -> AppResult<T>;
}

impl<T> OrNotFound<T> for Option<T> {
    fn or_not_found(self) -> AppResult<T> {
        self.ok_or(AppError::NotFound)
    }
}

impl From<tagdesk_store::sqlx::Error> for AppError {
    fn from(err: tagdesk_store::sqlx::Error) -> Self {
        Self::Store(StoreError::from(err))
    }
}
