//! Whether a path can be an output folder at all, checked before anything is
//! run or written.
//!
//! Without it, an impossible `--out` (a folder name over the kernel's 255
//! bytes, a regular file where a folder must be, an empty path)
//! passes every check, the study runs, and the first `mkdir` fails: exit 1,
//! a runtime failure, for what is the user's input, sometimes with an empty
//! `out/` left behind. [`check_location`] turns each of these into bad
//! input (exit 2) with one line naming the path, and reads only metadata,
//! so a refusal leaves the disk as it was. Whether an existing folder may
//! be replaced or resumed is decided elsewhere (`lifecycle::claim`).

use crate::{Error, Result};
use std::path::{Component, Path};

/// The longest name of one folder or file (Linux's `NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// The longest path the kernel accepts, in bytes, without the final NUL
/// (Linux's `PATH_MAX` is 4096 with it).
pub const PATH_MAX: usize = 4095;

/// Room kept for the longest path the tool writes inside a run folder,
/// `/.runs/roster_<year>.p<point>.r<replicate>.csv.tmp` (57 bytes at the
/// widest year and indices), so a folder that passes can hold its files.
pub const INSIDE: usize = 64;

/// Names in messages are cut to this many characters (plus an ellipsis).
const SHOWN: usize = 40;

/// Checks that `dir` can be created (or already is a folder) as an output
/// folder: a non-empty path (`.` is fine: only the tool's own files are
/// ever replaced, see `layout`), no name in it longer than [`NAME_MAX`] bytes, the whole path at
/// most [`PATH_MAX`] bytes with [`INSIDE`] to spare, and no existing part
/// of it (itself or an ancestor) anything but a folder. Reads metadata
/// only; every refusal is [`Error::BadInput`].
pub fn check_location(dir: &Path) -> Result<()> {
    let bad = |shown: &Path, what: String| {
        Error::BadInput(format!("{}: {what}", shorten(shown).replace('\n', "\\n")))
    };
    if dir.as_os_str().is_empty() {
        return Err(Error::BadInput(
            "the output folder is an empty path; name a folder, e.g. out/run".into(),
        ));
    }
    let mut prefix = std::path::PathBuf::new();
    for component in dir.components() {
        prefix.push(component);
        if let Component::Normal(name) = component {
            let bytes = name.as_encoded_bytes().len();
            if bytes > NAME_MAX {
                return Err(bad(
                    &prefix,
                    format!("a folder name is {bytes} bytes; at most {NAME_MAX} are allowed"),
                ));
            }
        }
    }
    let bytes = dir.as_os_str().as_encoded_bytes().len();
    if bytes > PATH_MAX - INSIDE {
        return Err(bad(
            dir,
            format!(
                "the path is {bytes} bytes; at most {} are allowed (the files inside need the rest of {PATH_MAX})",
                PATH_MAX - INSIDE
            ),
        ));
    }
    // From the top down: the first part that does not exist ends the check
    // (it and everything below it will be created).
    let mut parts: Vec<&Path> = dir.ancestors().collect();
    parts.reverse();
    for part in parts.into_iter().filter(|p| !p.as_os_str().is_empty()) {
        match std::fs::metadata(part) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) if part == dir => {
                return Err(bad(
                    dir,
                    "exists and is not a folder; choose another --out".into(),
                ));
            }
            Ok(_) => {
                return Err(bad(
                    dir,
                    format!(
                        "{} exists and is not a folder, so no folder can be made inside it; choose another --out",
                        shorten(part).replace('\n', "\\n")
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::fs::symlink_metadata(part).is_ok() {
                    let what = if part == dir {
                        String::new()
                    } else {
                        format!("{} ", shorten(part).replace('\n', "\\n"))
                    };
                    return Err(bad(
                        dir,
                        format!("{what}is a symbolic link to nothing; choose another --out"),
                    ));
                }
                return Ok(());
            }
            Err(e) => {
                return Err(bad(
                    dir,
                    format!(
                        "cannot use {} as (part of) the output folder: {e}",
                        shorten(part).replace('\n', "\\n")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// `path` for a message, each overlong name cut to its first characters
/// and an ellipsis, and the whole cut to its start and end.
fn shorten(path: &Path) -> String {
    let cut = |text: &str, keep: usize| -> String {
        if text.chars().count() <= keep {
            text.to_string()
        } else {
            text.chars()
                .take(keep)
                .chain(std::iter::once('…'))
                .collect()
        }
    };
    let mut shown = String::new();
    for (i, component) in path.components().enumerate() {
        let text = component.as_os_str().to_string_lossy();
        if i > 0 && !shown.ends_with('/') {
            shown.push('/');
        }
        shown.push_str(&cut(&text, SHOWN));
    }
    let count = shown.chars().count();
    if count > 4 * SHOWN {
        let head: String = shown.chars().take(2 * SHOWN).collect();
        let tail: String = shown.chars().skip(count - SHOWN).collect();
        shown = format!("{head}…{tail}");
    }
    shown
}

/// That `dir`, a folder the tool is asked to read, exists and is a folder;
/// otherwise bad input naming it, with `reader` saying what reads it (e.g.
/// "charts are drawn from a run folder written by `succession run`").
pub fn require_folder(dir: &std::path::Path, reader: &str) -> crate::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let what = if dir.exists() {
        "is not a folder"
    } else {
        "no such folder"
    };
    Err(crate::Error::BadInput(format!(
        "{}: {what} ({reader})",
        dir.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_name_is_shown_cut() {
        let dir = Path::new("out").join("x".repeat(300)).join("run");
        let message = check_location(&dir).unwrap_err().to_string();
        assert_eq!(
            message,
            format!(
                "out/{}…: a folder name is 300 bytes; at most 255 are allowed",
                "x".repeat(SHOWN)
            )
        );
    }

    #[test]
    fn a_long_path_is_refused_and_shown_short() {
        let dir = Path::new("out").join(["abc"; 1500].join("/"));
        let message = check_location(&dir).unwrap_err().to_string();
        assert!(message.contains("the path is 6003 bytes"), "{message}");
        assert!(message.chars().count() < 300, "{message}");
    }

    #[test]
    fn plain_locations_pass() {
        let scratch = tempfile::tempdir().unwrap();
        check_location(scratch.path()).unwrap();
        check_location(&scratch.path().join("a/b/c")).unwrap();
        check_location(Path::new("out/run")).unwrap();
    }

    #[test]
    fn a_file_on_the_way_is_refused() {
        let scratch = tempfile::tempdir().unwrap();
        let file = scratch.path().join("file");
        std::fs::write(&file, "").unwrap();
        let message = check_location(&file).unwrap_err().to_string();
        assert!(message.ends_with("exists and is not a folder; choose another --out"));
        let message = check_location(&file.join("a/b")).unwrap_err().to_string();
        assert!(
            message.contains("no folder can be made inside it"),
            "{message}"
        );
        assert!(check_location(Path::new("")).is_err());
        assert!(check_location(Path::new(".")).is_ok());
    }
}
