//! A small builder for statements with optional filters, numbering `$n` placeholders itself (sqlx's
//! `QueryBuilder` emits `?` for the `Any` driver, which PostgreSQL rejects).

use sqlx::AssertSqlSafe;
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

/// One bound value.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
}

/// SQL text plus its arguments in placeholder order.
#[derive(Debug, Default)]
pub(crate) struct SqlBuilder {
    pub sql: String,
    binds: Vec<Bind>,
}

impl SqlBuilder {
    pub fn new(sql: &str) -> Self {
        Self { sql: sql.to_owned(), binds: Vec::new() }
    }

    /// Appends raw SQL.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: Bind) -> &mut Self {
        self.binds.push(value);
        self.sql.push_str(&format!("${}", self.binds.len()));
        self
    }

    pub fn bind_text(&mut self, value: impl Into<String>) -> &mut Self {
        self.bind(Bind::Text(value.into()))
    }

    pub fn bind_int(&mut self, value: i64) -> &mut Self {
        self.bind(Bind::Int(value))
    }

    /// The arguments for sqlx.
    pub fn arguments(&self) -> AnyArguments {
        let mut args = AnyArguments::default();
        for bind in &self.binds {
            // Adding a String or i64 to AnyArguments cannot fail.
            let _ = match bind {
                Bind::Text(text) => args.add(text.clone()),
                Bind::Int(int) => args.add(*int),
            };
        }
        args
    }

    /// `query_as` with the built SQL and arguments.
    pub fn query_as<'q, T>(&'q self) -> sqlx::query::QueryAs<'q, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(AssertSqlSafe(self.sql.clone()), self.arguments())
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern and wraps it in `%…%`, lower-cased.
pub(crate) fn contains_pattern(text: &str) -> String {
    let mut out = String::from("%");
    for c in text.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
