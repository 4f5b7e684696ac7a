//! `rolecall keys add | import | remove | list`: long-term keys in the keychain (`rotate` is
//! in `keys_rotate.rs`). Secrets are never taken from argv, never printed, never written to
//! a file by rolecall.

use super::{write_out, Context};
use crate::adapters::files;
use crate::cli::{
    KeysAddArgs, KeysArgs, KeysCommand, KeysImportArgs, KeysListArgs, KeysRemoveArgs,
};
use crate::config::edit::{self, Where};
use crate::config::Profiles;
use crate::domain::keys::key_problem;
use crate::domain::plan::Source;
use crate::domain::{key_hint, printable, Credentials, Outcome, Secret};
use crate::error::Error;

pub fn run(args: KeysArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    match args.command {
        KeysCommand::Add(a) => add(a, ctx),
        KeysCommand::Import(a) => import(a, ctx),
        KeysCommand::Remove(a) => remove(a, ctx),
        KeysCommand::Rotate(a) => super::keys_rotate::run(a, ctx),
        KeysCommand::List(a) => list(a, ctx),
    }
}

/// A profile name rolecall can keep keys under: printable, and not empty.
fn check_name(profile: &str) -> Result<(), Error> {
    if profile.is_empty() || profile.chars().any(char::is_control) || profile.len() > 256 {
        return Err(Error::Usage(format!(
            "\"{}\" cannot be a profile name: use up to 256 printable characters",
            printable(profile)
        )));
    }
    Ok(())
}

fn add(args: KeysAddArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profile = args.profile.as_str();
    check_name(profile)?;
    let keys = if args.from_env {
        from_env(ctx)?
    } else {
        ask_keys(profile, ctx)?
    };
    if let Some(why) = key_problem(&keys.access_key_id, keys.secret_access_key.expose()) {
        return Err(Error::Usage(format!("not stored: {why}")));
    }
    let previous = ctx.stored_keys().key_id(profile).map(str::to_string);
    let profiles = ctx.profiles().ok();
    ctx.keys.put(profile, &keys).map_err(|e| {
        Error::Keys(format!(
            "the keys of profile \"{}\" were not stored: {e}",
            printable(profile)
        ))
    })?;
    if let (Some(old), Some(profiles)) = (&previous, &profiles) {
        if old != &keys.access_key_id {
            forget_sessions(ctx, profiles, profile);
        }
    }
    ctx.note(&format!(
        "stored the keys of profile \"{}\" ({}) in {}",
        printable(profile),
        keys.key_hint(),
        ctx.keys.describe()
    ));
    if let Some(profiles) = &profiles {
        match profiles.get(profile) {
            Some(p) if p.get("aws_access_key_id").is_some() => ctx.note(&format!(
                "{} still has keys for profile \"{}\" in plaintext; rolecall uses the keychain's first, and \"rolecall keys import {0}\" would replace these with the file's: delete those lines yourself",
                profiles.credentials_path.display(),
                printable(profile)
            )),
            Some(p) if p.in_config() || p.in_credentials() => {}
            _ => ctx.verbose(&format!(
                "profile \"{}\" is not in {}: rolecall knows it from the keychain alone",
                printable(profile),
                profiles.config_path.display()
            )),
        }
    }
    Ok(Outcome::Done)
}

/// `--from-env`: the long-term keys in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
fn from_env(ctx: &Context) -> Result<Credentials, Error> {
    if ctx.vars.non_empty("AWS_SESSION_TOKEN").is_some()
        || ctx.vars.non_empty("AWS_SECURITY_TOKEN").is_some()
    {
        return Err(Error::Usage(
            "AWS_SESSION_TOKEN is set, so the variables hold a session, not long-term keys; unset it, or add the IAM user's own access key".into(),
        ));
    }
    let (Some(id), Some(secret)) = (
        ctx.vars.non_empty("AWS_ACCESS_KEY_ID"),
        ctx.vars.non_empty("AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Err(Error::Usage(
            "--from-env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set".into(),
        ));
    };
    Ok(Credentials {
        access_key_id: id.trim().to_string(),
        secret_access_key: Secret::new(secret.trim()),
        session_token: None,
        expiration: None,
    })
}

/// The key id and the hidden secret, from the person at the terminal.
fn ask_keys(profile: &str, ctx: &Context) -> Result<Credentials, Error> {
    if !ctx.ask.available() {
        return Err(Error::Usage(format!(
            "rolecall keys add asks for the keys on a terminal, and there is none; run it in a terminal, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and pass --from-env (\"rolecall keys add {} --from-env\")",
            printable(profile)
        )));
    }
    let failed = |e: crate::ports::ask::AskError| Error::Usage(format!("no keys stored: {e}"));
    let id = ctx.ask.line("Access key ID").map_err(failed)?;
    let secret = ctx.ask.hidden("Secret access key").map_err(failed)?;
    Ok(Credentials {
        access_key_id: id.trim().to_string(),
        secret_access_key: Secret::new(secret.expose().trim()),
        session_token: None,
        expiration: None,
    })
}

/// Where a profile's keys are in the files: which file and the kind of section.
/// Where a profile's keys are in the files: which file and the kind of section. Both keys
/// must be in the same file and in the profile's own section there (not split between the
/// files, not from an `include_profile`): the one place `import` and `rotate` can edit.
pub(super) fn file_of(
    profiles: &Profiles,
    profile: &str,
) -> Result<(std::path::PathBuf, Where), Error> {
    let shown = printable(profile).into_owned();
    let p = profiles
        .get(profile)
        .ok_or_else(|| Error::Config(profiles.not_found(profile)))?;
    let (Some(id), Some(secret)) = (
        p.property("aws_access_key_id"),
        p.property("aws_secret_access_key"),
    ) else {
        return Err(Error::KeysConfig(format!(
            "profile \"{shown}\" has no aws_access_key_id and aws_secret_access_key in the files"
        )));
    };
    if id.from_credentials != secret.from_credentials {
        return Err(Error::KeysConfig(format!(
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
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::Keys(format!("cannot read {}: {e}", path.display())))?;
    let edits = edit::replace_keys(&text, profile, kind, "A", "B")
        .map_err(|e| Error::Keys(format!("cannot edit {}: {e}", path.display())))?;
    if edits.is_none() {
        return Err(Error::KeysConfig(format!(
            "the keys of profile \"{shown}\" do not come from its own section of {} (include_profile?); edit them there yourself",
            path.display()
        )));
    }
    Ok((path, kind))
}

fn import(args: KeysImportArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let name = args.profile.as_str();
    let profiles = ctx.profiles()?;
    let shown = printable(name).into_owned();
    let Some(p) = profiles.get(name) else {
        return Err(profiles.not_found(name).into());
    };
    let (Some(id), Some(secret)) = (p.get("aws_access_key_id"), p.get("aws_secret_access_key"))
    else {
        return Err(Error::KeysConfig(format!(
            "profile \"{shown}\" has no aws_access_key_id and aws_secret_access_key in {} to import",
            profiles.credentials_path.display()
        )));
    };
    if p.get("aws_session_token").is_some() {
        return Err(Error::KeysConfig(format!(
            "profile \"{shown}\" has an aws_session_token: its keys are a session, not long-term keys, so they are not imported"
        )));
    }
    if let Some(why) = key_problem(id, secret) {
        return Err(Error::KeysConfig(format!(
            "profile \"{shown}\": not imported: {why}"
        )));
    }
    let keys = Credentials {
        access_key_id: id.to_string(),
        secret_access_key: Secret::new(secret),
        session_token: None,
        expiration: None,
    };
    // The new text first: a file rolecall cannot edit is refused before anything is stored.
    let edited = if args.keep_file {
        None
    } else {
        let (path, kind) = file_of(&profiles, name)?;
        let text = std::fs::read_to_string(&path).map_err(|e| {
            Error::Keys(format!(
                "cannot read {}: {e}; nothing imported",
                path.display()
            ))
        })?;
        let new = edit::remove_keys(&text, name, kind)
            .map_err(|e| {
                Error::Keys(format!(
                    "cannot edit {}: {e}; nothing imported",
                    path.display()
                ))
            })?
            .ok_or_else(|| {
                Error::KeysConfig(format!(
                    "profile \"{shown}\" has no key lines in {}",
                    path.display()
                ))
            })?;
        Some((path, new))
    };
    let previous = ctx.keys.get(name).ok().flatten();
    ctx.keys.put(name, &keys).map_err(|e| {
        Error::Keys(format!(
            "the keys of profile \"{shown}\" were not imported: {e}; {} is unchanged",
            profiles.credentials_path.display()
        ))
    })?;
    // Read back before the plaintext copy goes.
    let back = ctx.keys.get(name);
    let same = matches!(&back, Ok(Some(k)) if k.access_key_id == keys.access_key_id && k.secret_access_key == keys.secret_access_key);
    let undo = |ctx: &Context| match &previous {
        Some(old) => ctx.keys.put(name, old),
        None => ctx.keys.remove(name),
    };
    if !same {
        let _ = undo(ctx);
        return Err(Error::Keys(format!(
            "the keychain did not give back the keys of profile \"{shown}\" just stored; nothing imported, the file is unchanged"
        )));
    }
    if let Some((path, text)) = &edited {
        if let Err(e) = files::replace(path, text.as_bytes()) {
            let _ = undo(ctx);
            return Err(Error::Keys(format!(
                "cannot rewrite {}: {e}; it is unchanged and the keychain copy was removed again",
                path.display()
            )));
        }
    }
    if previous.is_some_and(|old| old.access_key_id != keys.access_key_id) {
        forget_sessions(ctx, &profiles, name);
    }
    ctx.note(&match &edited {
        Some((path, _)) => format!(
            "moved the keys of profile \"{shown}\" ({}) into {}; removed them from {}",
            keys.key_hint(),
            ctx.keys.describe(),
            path.display()
        ),
        None => format!(
            "copied the keys of profile \"{shown}\" ({}) into {}; the file keeps its copy (--keep-file)",
            keys.key_hint(),
            ctx.keys.describe()
        ),
    });
    Ok(Outcome::Done)
}

fn remove(args: KeysRemoveArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let name = args.profile.as_str();
    let shown = printable(name).into_owned();
    let Some(id) = ctx.stored_keys().key_id(name).map(str::to_string) else {
        return Err(Error::KeysConfig(format!(
            "profile \"{shown}\" has no keys in the keychain; \"rolecall keys list\" shows those that do"
        )));
    };
    if !args.yes {
        if !ctx.ask.available() {
            return Err(Error::Usage(format!(
                "removing keys asks for confirmation on a terminal; pass --yes to remove the keys of profile \"{shown}\" without asking"
            )));
        }
        let question = format!(
            "Delete the keys of profile \"{shown}\" ({}) from the keychain? They cannot be recovered from rolecall",
            key_hint(&id)
        );
        match ctx.ask.confirm(&question) {
            Ok(true) => {}
            Ok(false) => return Err(Error::Keys("nothing removed".into())),
            Err(e) => return Err(Error::Usage(format!("nothing removed: {e}"))),
        }
    }
    let profiles = ctx.profiles().ok();
    if let Some(profiles) = &profiles {
        forget_sessions(ctx, profiles, name);
    }
    ctx.keys.remove(name).map_err(|e| {
        Error::Keys(format!(
            "the keys of profile \"{shown}\" were not removed: {e}"
        ))
    })?;
    ctx.note(&format!(
        "removed the keys of profile \"{shown}\" ({}) and the sessions made with them",
        key_hint(&id)
    ));
    Ok(Outcome::Done)
}

fn list(args: KeysListArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let stored = ctx.stored_keys().clone();
    let text = if args.json {
        let rows: Vec<serde_json::Value> = stored
            .0
            .iter()
            .map(|(p, id)| serde_json::json!({"profile": p, "access_key_id": id, "store": ctx.keys.describe()}))
            .collect();
        let mut t = serde_json::to_string_pretty(&rows).unwrap_or_default();
        t.push('\n');
        t
    } else {
        let mut t = String::new();
        for (p, id) in &stored.0 {
            t.push_str(&format!("{}\t{id}\n", printable(p)));
        }
        t
    };
    write_out(ctx, text.as_bytes())?;
    Ok(Outcome::Done)
}

/// Forgets every cached session built on `root`'s keys.
pub(super) fn forget_sessions(ctx: &mut Context, profiles: &Profiles, root: &str) {
    let rooted = |source: &Source| match source {
        Source::Stored { profile, .. } | Source::Static { profile, .. } => profile == root,
        _ => false,
    };
    let removed = super::clear_cache::forget_rooted(ctx, profiles, &rooted, "the old keys");
    ctx.verbose(&format!(
        "forgot the sessions made with the keys of profile \"{}\" ({removed} cache entries)",
        printable(root)
    ));
}
