//! Paging of lists: a limit and an opaque cursor.

/// The largest page any list returns.
pub const MAX_LIMIT: i64 = 200;

/// A requested page.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// Where to continue (the `next_cursor` of the previous page).
    pub cursor: Option<String>,
    /// How many items (clamped to 1..=MAX_LIMIT; default 50).
    pub limit: Option<i64>,
}

impl PageRequest {
    /// The effective limit.
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(50).clamp(1, MAX_LIMIT)
    }
}

/// One page of items and where to continue.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor for the next page, `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only signals that more exist.
    pub fn from_overfetch(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Self { items: rows, next_cursor }
    }

    /// Maps the items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }
}
