//! The one safe writer: a temporary file created exclusively (an unpredictable name, `O_EXCL`)
//! in the target's folder, the target's mode and owner kept, synced, then renamed over the
//! target, and the folder synced. A symbolic link is not replaced: the file it points to is
//! written. A file with several hard links is rewritten in place (renaming would split the
//! links), then synced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Mode of a new file (before the umask, as `fs::write` would create it).
const NEW_FILE_MODE: u32 = 0o666;

/// Writes `contents` to `path` safely (see the module documentation); nothing is changed when
/// it fails.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("files-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let f = dir.join("a.yaml");
/// runbook_dsl::files::write_file(&f, "x: 1\n").unwrap();
/// assert_eq!(std::fs::read_to_string(&f).unwrap(), "x: 1\n");
/// std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn write_file(path: &Path, contents: &str) -> io::Result<()> {
    let mut staged = Staged::new(path, contents)?;
    staged.commit()
}

/// A write prepared but not yet visible: the temporary file is complete and synced, and
/// [`Staged::commit`] renames it over the target. Dropped without commit, it is removed, so
/// that a set of files can be written all or nothing (`emit`).
pub struct Staged {
    target: PathBuf,
    temp: Option<tempfile::TempPath>,
    in_place: Option<String>,
}

impl Staged {
    /// Prepares the write of `contents` to `path`.
    pub fn new(path: &Path, contents: &str) -> io::Result<Staged> {
        let target = resolve_links(path)?;
        let existing = match fs::metadata(&target) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        if let Some(m) = &existing {
            if !m.is_file() {
                return Err(io::Error::other(format!("{} is not a regular file", target.display())));
            }
            if m.nlink() > 1 {
                // Renaming would give this name a new file and leave the other links on the
                // old one: write in place on commit instead.
                return Ok(Staged { target, temp: None, in_place: Some(contents.to_string()) });
            }
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // Exclusive creation with a random name: a planted file or link is never opened.
        let mut tmp =
            tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".tmp").rand_bytes(12).tempfile_in(&dir)?;
        tmp.write_all(contents.as_bytes())?;
        let file = tmp.as_file();
        match &existing {
            Some(m) => {
                file.set_permissions(fs::Permissions::from_mode(m.mode() & 0o7777))?;
                keep_owner(file, m.uid(), m.gid());
            }
            None => file.set_permissions(fs::Permissions::from_mode(NEW_FILE_MODE & !umask()))?,
        }
        file.sync_all()?;
        Ok(Staged { target, temp: Some(tmp.into_temp_path()), in_place: None })
    }

    /// The file that [`Staged::commit`] writes (a symbolic link's target).
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Makes the write visible: renames the temporary file over the target and syncs the folder.
    pub fn commit(&mut self) -> io::Result<()> {
        if let Some(contents) = self.in_place.take() {
            let mut f = OpenOptions::new().write(true).truncate(true).open(&self.target)?;
            f.write_all(contents.as_bytes())?;
            return f.sync_all();
        }
        let Some(temp) = self.temp.take() else { return Ok(()) };
        temp.persist(&self.target).map_err(|e| e.error)?;
        if let Some(dir) = self.target.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Best effort: some file systems refuse to sync a folder.
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

/// The file a path finally names: symbolic links followed (a dangling link names the file to
/// create at its target).
fn resolve_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&p)?;
                p = match p.parent() {
                    Some(parent) if to.is_relative() => parent.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other(format!("{}: too many levels of symbolic links", path.display())))
}

/// Gives the new file the old one's owner and group, where the user may (root may; others
/// can keep their own files' group).
fn keep_owner(file: &File, uid: u32, gid: u32) {
    let Ok(now) = file.metadata() else { return };
    if now.uid() != uid || now.gid() != gid {
        let _ = std::os::unix::fs::fchown(file, Some(uid), Some(gid))
            .or_else(|_| std::os::unix::fs::fchown(file, None, Some(gid)));
    }
}

/// The process's file creation mask.
fn umask() -> u32 {
    // SAFETY: umask only sets and returns the process's mask; it is restored at once.
    unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("files-write-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn mode_is_kept_links_are_followed_and_hard_links_stay_shared() {
        let d = dir("keep");
        let f = d.join("a.yaml");
        fs::write(&f, "old").unwrap();
        fs::set_permissions(&f, fs::Permissions::from_mode(0o640)).unwrap();
        write_file(&f, "new").unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "new");
        assert_eq!(fs::metadata(&f).unwrap().mode() & 0o777, 0o640);

        let link = d.join("link.yaml");
        std::os::unix::fs::symlink("a.yaml", &link).unwrap();
        write_file(&link, "via link").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link stays a link");
        assert_eq!(fs::read_to_string(&f).unwrap(), "via link");

        let hard = d.join("hard.yaml");
        fs::hard_link(&f, &hard).unwrap();
        write_file(&hard, "both").unwrap();
        assert_eq!(fs::read_to_string(&f).unwrap(), "both", "hard links stay one file");

        let left: Vec<_> =
            fs::read_dir(&d).unwrap().flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".tmp")).collect();
        assert!(left.is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_dropped_stage_leaves_nothing() {
        let d = dir("drop");
        let f = d.join("b.yaml");
        drop(Staged::new(&f, "x").unwrap());
        assert_eq!(fs::read_dir(&d).unwrap().count(), 0);
        fs::remove_dir_all(&d).unwrap();
    }
}
