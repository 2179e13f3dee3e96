//! What the process may do to the file system and how many files it may hold open: the data directory
//! (database, secret key, photos) is private to the user Tagdesk runs as, and the file descriptor limit is
//! raised as far as the system allows so that the connection limit, not the kernel, refuses connections.

use std::path::Path;

/// From now on, files this process creates are `0600` and directories `0700` (umask `077`): the SQLite
/// database with its `-wal`/`-shm` files, photos, backups and the secret key.
pub fn restrict_new_files() {
    #[cfg(unix)]
    {
        rustix::process::umask(rustix::fs::Mode::from_bits_truncate(0o077));
    }
}

/// Creates the data directory (`0700`) if needed; warns when an existing one, or its attachments
/// directory, can be read by other users.
pub fn prepare_data_dir(dir: &Path) -> std::io::Result<()> {
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    warn_if_open(dir);
    warn_if_open(&dir.join("attachments"));
    warn_if_open(&dir.join("secret.key"));
    Ok(())
}

/// Logs a warning when `path` exists and other users may read or write it (anything in `0o077`).
pub fn warn_if_open(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                let wanted = if meta.is_dir() { "0700" } else { "0600" };
                tracing::warn!(
                    path = %path.display(),
                    mode = %format!("{mode:04o}"),
                    "other users can access this; run: chmod {wanted} (and chmod -R go-rwx for directories)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Raises the soft limit of open files to the hard limit; returns the limit now in force (`None` where
/// it cannot be read).
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if let (Some(current), Some(maximum)) = (limit.current, limit.maximum)
            && current < maximum
            && setrlimit(Resource::Nofile, Rlimit { current: Some(maximum), maximum: Some(maximum) }).is_ok()
        {
            return Some(maximum);
        }
        // `None` here means "unlimited".
        Some(limit.current.unwrap_or(u64::MAX))
    }
    #[cfg(not(unix))]
    None
}
