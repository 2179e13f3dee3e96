//! Writing a print to its file atomically (a temporary file in the same directory, synced, then renamed
//! over the target: a reader never sees half a PDF), and the words of the summary line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use tagdesk_app::labels::LabelFormat;
use tagdesk_app::labels::render::Prepared;

/// The file a print goes to, checked before any work is done.
#[derive(Debug)]
pub struct Target {
    path: PathBuf,
    dir: PathBuf,
    name: String,
}

impl Target {
    /// Checks that `path` names a file in an existing directory (not a directory itself).
    pub fn check(path: &Path) -> anyhow::Result<Self> {
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            bail!("--out {} does not name a file", path.display());
        };
        if path.is_dir() {
            bail!("--out {} is a directory; name a file in it", path.display());
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            bail!("--out {}: the directory {} does not exist", path.display(), dir.display());
        }
        Ok(Self { path: path.to_path_buf(), dir, name })
    }

    /// The target's path as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to a temporary file next to the target, syncs it and renames it over the target.
    /// On any failure the temporary file is removed and the target is left as it was.
    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let fail = || format!("cannot write {}", self.path.display());
        let mut file = tempfile::Builder::new()
            .prefix(&format!(".{}.", self.name))
            .suffix(".part")
            .tempfile_in(&self.dir)
            .with_context(fail)?;
        file.write_all(bytes).with_context(fail)?;
        file.as_file().sync_all().with_context(fail)?;
        file.persist(&self.path).map_err(|e| e.error).with_context(fail)?;
        // The rename itself is durable once the directory is synced (best effort: not every file system
        // lets a directory be opened for that).
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

/// `n` with thousands separators: `10,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n word`, with an `s` when `n` is not one: `1 page`, `10,000 labels`.
pub fn plural(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// What a print came to: `48 pages`, `2,000 files` or `1,000 rows`.
pub fn extent(prepared: &Prepared) -> String {
    let labels = prepared.labels.len() as u64;
    match prepared.format {
        LabelFormat::Pdf if prepared.template.roll => plural(labels, "page"),
        LabelFormat::Pdf => {
            let per_page = u64::from(prepared.template.labels_per_page().max(1));
            plural((u64::from(prepared.options.start_at) + labels).div_ceil(per_page), "page")
        }
        LabelFormat::Zip => plural(2 * labels, "file"),
        LabelFormat::Csv => plural(labels, "row"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(48_000_123), "48,000,123");
        assert_eq!(plural(1, "page"), "1 page");
        assert_eq!(plural(10_000, "row"), "10,000 rows");
    }

    #[test]
    fn targets_need_an_existing_directory_and_are_replaced_atomically() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(Target::check(&dir.path().join("missing/x.pdf")).is_err());
        assert!(Target::check(dir.path()).is_err());
        let path = dir.path().join("x.pdf");
        std::fs::write(&path, b"old").expect("write");
        let target = Target::check(&path).expect("a file in an existing directory");
        target.write(b"new").expect("written");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }
}
