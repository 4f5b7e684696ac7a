//! The `KeyFiles` port on the user's real files: where a profile's keys are, and their byte-
//! exact removal or replacement (`config::edit`) written in one step (`files::replace`).

use std::path::{Path, PathBuf};

use crate::adapters::files;
use crate::config::edit::{self, Where};
use crate::config::Profiles;
use crate::domain::{printable, Credentials, Vars};
use crate::ports::keys::{KeyFileError, KeyFiles};

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

    /// The file's text, if it still holds `keys`.
    fn holding(&self, path: &Path, keys: &Credentials) -> Result<String, KeyFileError> {
        let text = read(path)?;
        if !text.contains(&keys.access_key_id) {
            return Err(KeyFileError::File(format!(
                "{} no longer holds the key {}",
                path.display(),
                keys.key_hint()
            )));
        }
        Ok(text)
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

    fn remove(&self, profile: &str, keys: &Credentials) -> Result<PathBuf, KeyFileError> {
        let (path, kind) = self.place(profile)?;
        let text = self.holding(&path, keys)?;
        let edited = edit::remove_keys(&text, profile, kind)
            .map_err(|e| edit_failed(&path, e))?
            .ok_or_else(|| {
                KeyFileError::Placement(format!(
                    "profile \"{}\" has no key lines in {}",
                    printable(profile),
                    path.display()
                ))
            })?;
        files::replace(&path, edited.as_bytes())
            .map_err(|e| KeyFileError::File(format!("cannot rewrite {}: {e}", path.display())))?;
        Ok(path)
    }

    fn replace(
        &self,
        profile: &str,
        old: &Credentials,
        new: &Credentials,
    ) -> Result<PathBuf, KeyFileError> {
        let (path, kind) = self.place(profile)?;
        let text = self.holding(&path, old)?;
        let secret = new.secret_access_key.expose();
        let edited = edit::replace_keys(&text, profile, kind, &new.access_key_id, secret)
            .map_err(|e| edit_failed(&path, e))?
            .ok_or_else(|| {
                KeyFileError::File(format!(
                    "{} has no key lines for the profile",
                    path.display()
                ))
            })?;
        files::replace(&path, edited.as_bytes())
            .map_err(|e| KeyFileError::File(format!("cannot rewrite {}: {e}", path.display())))?;
        // What the AWS CLI will now read for the profile must be the new key, whole.
        let wanted = (new.access_key_id.clone(), secret.to_string());
        if self.keys_now(profile) != Some(wanted) {
            let _ = files::replace(&path, text.as_bytes());
            return Err(KeyFileError::File(format!(
                "{} did not give the new key back for the profile after the rewrite, so it was put back as it was",
                path.display()
            )));
        }
        Ok(path)
    }
}
