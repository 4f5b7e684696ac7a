//! The `KeyFiles` port on the user's real files: where a profile's keys are, and their byte-
//! exact removal or replacement (`config::edit`) written in one step under the rewrite lock
//! (`files::hold`).

use std::path::{Path, PathBuf};

use crate::adapters::files;
use crate::config::edit::{self, Where};
use crate::config::Profiles;
use crate::domain::{printable, Credentials, Vars};
use crate::ports::keys::{KeyFileError, KeyFiles, Rewritten};

/// How often a rewrite reads the file again when another program changed it meanwhile.
const REWRITE_TRIES: usize = 3;

/// The files `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (or their defaults) name.
pub struct UserFiles<'a> {
    pub vars: &'a Vars,
}

fn read(path: &Path) -> Result<String, KeyFileError> {
    std::fs::read_to_string(path)
        .map_err(|e| KeyFileError::File(format!("cannot read {}: {e}", path.display())))
}

fn edit_failed(path: &Path, e: impl std::fmt::Display) -> KeyFileError {
    KeyFileError::File(format!("cannot edit {}: {e}", path.display()))
}

impl UserFiles<'_> {
    /// Which file holds the profile's keys, and the kind of section they are in.
    fn place(&self, profile: &str) -> Result<(PathBuf, Where), KeyFileError> {
        let shown = printable(profile).into_owned();
        let profiles =
            Profiles::load(self.vars).map_err(|e| KeyFileError::Placement(e.to_string()))?;
        let p = profiles
            .get(profile)
            .ok_or_else(|| KeyFileError::Placement(profiles.not_found(profile).to_string()))?;
        let (Some(id), Some(secret)) = (
            p.property("aws_access_key_id"),
            p.property("aws_secret_access_key"),
        ) else {
            return Err(KeyFileError::Placement(format!(
                "profile \"{shown}\" has no aws_access_key_id and aws_secret_access_key in the files"
            )));
        };
        if id.from_credentials != secret.from_credentials {
            return Err(KeyFileError::Placement(format!(
                "profile \"{shown}\" has its aws_access_key_id in one file and its aws_secret_access_key in the other ({} and {}); put both in one file first",
                profiles.credentials_path.display(),
                profiles.config_path.display()
            )));
        }
        let (path, kind) = if id.from_credentials {
            (profiles.credentials_path.clone(), Where::Credentials)
        } else {
            (profiles.config_path.clone(), Where::Config)
        };
        // The key lines the editor would change must be the ones in use.
        let text = read(&path)?;
        let edits = edit::replace_keys(&text, profile, kind, "A", "B")
            .map_err(|e| edit_failed(&path, e))?;
        if edits.is_none() {
            return Err(KeyFileError::Placement(format!(
                "the keys of profile \"{shown}\" do not come from its own section of {} (include_profile?); edit them there yourself",
                path.display()
            )));
        }
        Ok((path, kind))
    }

    /// Rewrites the file that holds the profile's keys (which must still hold `keys`) with
    /// `edit`'s text, under the rewrite lock; when another program changes the file between
    /// the read and the rename, reads it again (a few times, then stops with nothing changed).
    /// The lock is still held when this returns, with the text it replaced.
    fn rewrite(
        &self,
        profile: &str,
        keys: &Credentials,
        private: bool,
        edit: &dyn Fn(&str, Where) -> Result<String, KeyFileError>,
    ) -> Result<(Rewritten, String, files::Held), KeyFileError> {
        let (path, _) = self.place(profile)?;
        let mut held = files::hold(&path).map_err(|e| edit_failed(&path, e))?;
        for _ in 0..REWRITE_TRIES {
            // Under the lock, from the top: the profile's keys may have moved meanwhile.
            let (now, kind) = self.place(profile)?;
            if std::fs::canonicalize(&now).ok().as_deref() != Some(held.path()) {
                return Err(KeyFileError::File(format!(
                    "the keys of profile \"{}\" moved to {} while rolecall edited {}; nothing was changed",
                    printable(profile),
                    now.display(),
                    path.display()
                )));
            }
            let text = held
                .read()
                .map_err(|e| KeyFileError::File(format!("cannot read {}: {e}", path.display())))?;
            if !text.contains(&keys.access_key_id) {
                return Err(KeyFileError::File(format!(
                    "{} no longer holds the key {}",
                    path.display(),
                    keys.key_hint()
                )));
            }
            let edited = edit(&text, kind)?;
            match held.replace(edited.as_bytes(), private) {
                Ok(done) => {
                    let rewritten = Rewritten {
                        path: path.clone(),
                        other_links: done.other_links,
                    };
                    return Ok((rewritten, text, held));
                }
                Err(files::RewriteError::Changed) => continue,
                Err(e) => {
                    return Err(KeyFileError::File(format!(
                        "cannot rewrite {}: {e}",
                        path.display()
                    )))
                }
            }
        }
        Err(KeyFileError::File(format!(
            "{} kept changing while rolecall edited it; nothing was changed, run again",
            path.display()
        )))
    }

    /// The path edit errors name.
    fn place_path(&self, profile: &str) -> PathBuf {
        self.place(profile)
            .map(|(p, _)| p)
            .unwrap_or_else(|_| PathBuf::from("the file"))
    }

    /// What the AWS tools now read for the profile: its key id and secret.
    fn keys_now(&self, profile: &str) -> Option<(String, String)> {
        let profiles = Profiles::load(self.vars).ok()?;
        let p = profiles.get(profile)?;
        Some((
            p.get("aws_access_key_id")?.to_string(),
            p.get("aws_secret_access_key")?.to_string(),
        ))
    }
}

impl KeyFiles for UserFiles<'_> {
    fn locate(&self, profile: &str) -> Result<PathBuf, KeyFileError> {
        self.place(profile).map(|(path, _)| path)
    }

    fn remove(&self, profile: &str, keys: &Credentials) -> Result<Rewritten, KeyFileError> {
        let edit = |text: &str, kind: Where| {
            edit::remove_keys(text, profile, kind)
                .map_err(|e| edit_failed(&self.place_path(profile), e))?
                .ok_or_else(|| {
                    KeyFileError::Placement(format!(
                        "profile \"{}\" has no key lines in its file",
                        printable(profile)
                    ))
                })
        };
        self.rewrite(profile, keys, false, &edit)
            .map(|(done, _, _)| done)
    }

    fn replace(
        &self,
        profile: &str,
        old: &Credentials,
        new: &Credentials,
    ) -> Result<Rewritten, KeyFileError> {
        let secret = new.secret_access_key.expose();
        let edit = |text: &str, kind: Where| {
            edit::replace_keys(text, profile, kind, &new.access_key_id, secret)
                .map_err(|e| edit_failed(&self.place_path(profile), e))?
                .ok_or_else(|| {
                    KeyFileError::File(format!(
                        "the file of profile \"{}\" has no key lines for it",
                        printable(profile)
                    ))
                })
        };
        let (done, text, mut held) = self.rewrite(profile, old, true, &edit)?;
        // What the AWS CLI will now read for the profile must be the new key, whole.
        let wanted = (new.access_key_id.clone(), secret.to_string());
        if self.keys_now(profile) != Some(wanted) {
            let _ = held.read().map(|_| held.replace(text.as_bytes(), true));
            return Err(KeyFileError::File(format!(
                "{} did not give the new key back for the profile after the rewrite, so it was put back as it was",
                done.path.display()
            )));
        }
        Ok(done)
    }
}
