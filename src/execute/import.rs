//! Moving a profile's long-term keys from the user's files into the keychain (`rolecall keys
//! import`): stored, read back, and only then removed from the file. A failure at any step
//! leaves the file as it was and the keychain as it was.

use std::path::PathBuf;

use crate::domain::{printable, Credentials};
use crate::ports::keys::{KeyFileError, KeyFiles, KeyStore};

/// The ports an import acts through.
#[derive(Clone, Copy)]
pub struct ImportDeps<'a> {
    pub keys: &'a dyn KeyStore,
    pub files: &'a dyn KeyFiles,
}

/// An import that went through.
pub struct Imported {
    /// The file the keys were removed from (`None` with `--keep-file`).
    pub removed_from: Option<PathBuf>,
    /// Other hard links of that file, which still hold the keys.
    pub other_links: u64,
    /// The keychain held other keys for the profile before: their sessions are stale.
    pub replaced_other_keys: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The keys are not where rolecall can edit them.
    #[error("{0}")]
    Placement(String),
    /// The keychain or the file failed; the line says what state they are in.
    #[error("{0}")]
    Failed(String),
}

/// Stores `keys` as the profile's, reads them back, then (unless `keep_file`) removes them
/// from the file they came from.
pub fn import(
    d: ImportDeps,
    profile: &str,
    keys: &Credentials,
    keep_file: bool,
) -> Result<Imported, ImportError> {
    let shown = printable(profile).into_owned();
    // A file rolecall cannot edit is refused before anything is stored.
    let path = match keep_file {
        true => None,
        false => Some(d.files.locate(profile).map_err(|e| match e {
            KeyFileError::Placement(m) => ImportError::Placement(m),
            KeyFileError::File(m) => ImportError::Failed(format!("{m}; nothing imported")),
        })?),
    };
    let previous = d.keys.get(profile).ok().flatten();
    d.keys.put(profile, keys).map_err(|e| {
        ImportError::Failed(format!(
            "the keys of profile \"{shown}\" were not imported: {e}; the file is unchanged"
        ))
    })?;
    let undo = || match &previous {
        Some(old) => d.keys.put(profile, old),
        None => d.keys.remove(profile),
    };
    // Read back before the plaintext copy goes.
    let back = d.keys.get(profile);
    let same = matches!(&back, Ok(Some(k)) if k.access_key_id == keys.access_key_id && k.secret_access_key == keys.secret_access_key);
    if !same {
        let _ = undo();
        return Err(ImportError::Failed(format!(
            "the keychain did not give back the keys of profile \"{shown}\" just stored; nothing imported, the file is unchanged"
        )));
    }
    let mut other_links = 0;
    if path.is_some() {
        match d.files.remove(profile, keys) {
            Ok(done) => other_links = done.other_links,
            Err(e) => {
                let _ = undo();
                return Err(ImportError::Failed(format!(
                    "{e}; the file is unchanged and the keychain copy was removed again"
                )));
            }
        }
    }
    Ok(Imported {
        removed_from: path,
        other_links,
        replaced_other_keys: previous.is_some_and(|old| old.access_key_id != keys.access_key_id),
    })
}
