//! Where attachment bytes live. [`AttachmentStore`] is the abstraction (object-safe, async);
//! [`LocalDirStore`] keeps each file under a directory (by default `<data dir>/attachments/`).
//!
//! Keys are never chosen by users: [`StorageKey::generate`] makes 128 random bits as 32 lower-case hex
//! characters, and [`StorageKey::parse`] accepts nothing else, so a key read back from the database or
//! handed over by any caller can never name a path outside the store's directory.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use rand::RngCore;

/// Length of a storage key in characters.
pub const KEY_LEN: usize = 32;

/// A random name for stored bytes: exactly [`KEY_LEN`] lower-case hex characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StorageKey(String);

impl StorageKey {
    /// A fresh random key (128 bits).
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN / 2];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    /// Accepts exactly [`KEY_LEN`] lower-case hex characters; anything else (`../x`, `a/b`, upper case,
    /// empty) is refused.
    pub fn parse(raw: &str) -> Result<Self, InvalidKey> {
        if raw.len() == KEY_LEN && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidKey)
        }
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StorageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for StorageKey {
    type Err = InvalidKey;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A string that is not a storage key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid attachment storage key (expected {KEY_LEN} lower-case hex characters)")]
pub struct InvalidKey;

impl From<InvalidKey> for io::Error {
    fn from(err: InvalidKey) -> Self {
        io::Error::new(io::ErrorKind::InvalidInput, err)
    }
}

/// The future every [`AttachmentStore`] method returns (boxed, so the trait stays object-safe).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = io::Result<T>> + Send + 'a>>;

/// Keeps attachment bytes by key. Used as `Arc<dyn AttachmentStore>`.
pub trait AttachmentStore: Send + Sync + fmt::Debug {
    /// Stores `bytes` under `key`, durably, replacing nothing visible until complete: a reader sees
    /// either no file or the whole file.
    fn put<'a>(&'a self, key: &'a StorageKey, bytes: &'a [u8]) -> StoreFuture<'a, ()>;

    /// The bytes under `key`, or `None` when there are none.
    fn get<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, Option<Vec<u8>>>;

    /// Removes the bytes under `key`; succeeds when there were none.
    fn delete<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, ()>;
}

/// Files in a local directory: `<dir>/<first two key chars>/<key>` (the fan-out keeps directories
/// small). Writes go to a temporary file in the same directory, are flushed to disk, then renamed into
/// place, so a crash never leaves a partial file under a key.
#[derive(Debug, Clone)]
pub struct LocalDirStore {
    dir: PathBuf,
}

impl LocalDirStore {
    /// A store under `dir`; the directory is created on the first write.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where `key`'s bytes live. Always inside [`Self::dir`]: keys are hex only.
    pub fn path_for(&self, key: &StorageKey) -> PathBuf {
        self.dir.join(&key.as_str()[..2]).join(key.as_str())
    }
}

impl AttachmentStore for LocalDirStore {
    fn put<'a>(&'a self, key: &'a StorageKey, bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        let path = self.path_for(key);
        let bytes = bytes.to_vec();
        Box::pin(blocking(move || write_atomically(&path, &bytes)))
    }

    fn get<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, Option<Vec<u8>>> {
        let path = self.path_for(key);
        Box::pin(blocking(move || match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }))
    }

    fn delete<'a>(&'a self, key: &'a StorageKey) -> StoreFuture<'a, ()> {
        let path = self.path_for(key);
        Box::pin(blocking(move || match std::fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => Err(err),
            _ => Ok(()),
        }))
    }
}

/// Runs file I/O on tokio's blocking pool.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(io::Error::other)?
}

/// temp file → write → fsync → rename → fsync the directory.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;

    let parent = path.parent().ok_or_else(|| io::Error::other("attachment path has no directory"))?;
    std::fs::create_dir_all(parent)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("attachment");
    let temp = parent.join(format!(".{name}.{:016x}.tmp", rand::random::<u64>()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&temp, path)?;
        sync_dir(parent)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Makes a rename durable (no-op where directories cannot be opened, e.g. Windows).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_parse_and_differ() {
        let a = StorageKey::generate();
        let b = StorageKey::generate();
        assert_ne!(a, b);
        assert_eq!(StorageKey::parse(a.as_str()), Ok(a.clone()));
        assert_eq!(a.as_str().len(), KEY_LEN);
    }

    #[test]
    fn keys_cannot_name_other_paths() {
        for bad in
            ["", "../x", "..", "/etc/passwd", "0123456789abcdef0123456789abcde/", "0123456789ABCDEF0123456789ABCDEF"]
        {
            assert_eq!(StorageKey::parse(bad), Err(InvalidKey), "{bad:?}");
        }
        let store = LocalDirStore::new("/srv/att");
        let key = StorageKey::parse("0123456789abcdef0123456789abcdef").expect("key");
        assert_eq!(store.path_for(&key), Path::new("/srv/att/01/0123456789abcdef0123456789abcdef"));
    }
}

/// The store of an app that was given none: every operation fails, so photos are never silently lost.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl AttachmentStore for NoStore {
    fn put<'a>(&'a self, _key: &'a StorageKey, _bytes: &'a [u8]) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(io::Error::other("no attachment store is configured")) })
    }

    fn get<'a>(&'a self, _key: &'a StorageKey) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async { Err(io::Error::other("no attachment store is configured")) })
    }

    fn delete<'a>(&'a self, _key: &'a StorageKey) -> StoreFuture<'a, ()> {
        Box::pin(async { Err(io::Error::other("no attachment store is configured")) })
    }
}
