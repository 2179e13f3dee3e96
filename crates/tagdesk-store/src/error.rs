//! Store errors, classified so callers can tell a constraint violation from an outage.

/// What went wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names a scheme Tagdesk does not support.
    #[error("unsupported database URL scheme in {0:?}: use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The database could not be reached or opened.
    #[error("cannot connect to the {backend} database: {reason}")]
    Unreachable {
        /// "SQLite" or "PostgreSQL".
        backend: &'static str,
        /// The driver's explanation (its `Display` already includes the underlying cause).
        reason: String,
    },
    /// The operation does not exist for this backend.
    #[error("{0}")]
    NotSupported(&'static str),
    /// A unique constraint was violated; carries the constraint (index) name when the driver reports it.
    #[error("unique constraint violated ({0})")]
    Unique(String),
    /// A foreign key constraint was violated.
    #[error("foreign key constraint violated")]
    ForeignKey,
    /// A stored value could not be read back into a domain value (data corruption or a bug).
    #[error("corrupt stored value: {0}")]
    Corrupt(String),
    /// Migrations failed.
    #[error("migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            if db.is_unique_violation() {
                let name = db.constraint().map(str::to_owned).unwrap_or_else(|| db.message().to_owned());
                return Self::Unique(name);
            }
            if db.is_foreign_key_violation() {
                return Self::ForeignKey;
            }
        }
        Self::Database(err)
    }
}

impl StoreError {
    /// True for a unique violation whose constraint name or message mentions `needle`
    /// (SQLite reports columns, PostgreSQL the index name; callers pass a word found in both).
    pub fn is_unique_on(&self, needle: &str) -> bool {
        matches!(self, Self::Unique(name) if name.contains(needle))
    }

    /// A stored value that does not parse.
    pub fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

/// Shorthand for store results.
pub type StoreResult<T> = Result<T, StoreError>;
