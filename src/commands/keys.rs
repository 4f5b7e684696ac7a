//! `rolecall keys add | import | remove | list | rotate`: long-term keys in the keychain.
//! Secrets are never taken from argv, never printed, never written to a file by rolecall.

use super::obtain::{every_plan, forget_keys_of, inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::{
    KeysAddArgs, KeysArgs, KeysCommand, KeysImportArgs, KeysListArgs, KeysMigrateArgs,
    KeysRemoveArgs, KeysRotateArgs,
};
use crate::config::Profiles;
use crate::domain::keys::{key_problem, other_tools_hint};
use crate::domain::plan::{Plan, Source};
use crate::domain::{key_hint, printable, Credentials, Outcome, Secret};
use crate::error::Error;
use crate::execute::import::{self, ImportDeps};
use crate::execute::migrate::MigrateDeps;
use crate::execute::rotate::{self, RotateDeps, Rotation};
use crate::execute::MfaToken;
use crate::plan::{check_endpoint, iam_endpoint, plan, Overrides};

pub fn run(args: KeysArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    match args.command {
        KeysCommand::Add(a) => add(a, ctx),
        KeysCommand::Import(a) => import(a, ctx),
        KeysCommand::Remove(a) => remove(a, ctx),
        KeysCommand::Rotate(a) => rotate(a, ctx),
        KeysCommand::List(a) => list(a, ctx),
        KeysCommand::Migrate(a) => migrate(a, ctx),
    }
}

fn migrate(args: KeysMigrateArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let to_file = args.to == "file";
    let (from, from_tokens) = ctx.stores.open(!to_file);
    let (to, to_tokens) = ctx.stores.open(to_file);
    let (from_logins, to_logins) = (
        ctx.stores.open_login(!to_file),
        ctx.stores.open_login(to_file),
    );
    let (mut sessions, mut logins) = (Vec::new(), Vec::new());
    if let Ok(profiles) = ctx.profiles() {
        for p in every_plan(ctx, &profiles) {
            match p.source {
                Source::Sso { role, .. } if !sessions.contains(&role.session) => {
                    sessions.push(role.session)
                }
                Source::Login { login, .. } if !logins.contains(&login) => logins.push(login),
                _ => {}
            }
        }
    }
    let d = MigrateDeps {
        from: from.as_ref(),
        to: to.as_ref(),
        from_tokens: from_tokens.as_ref(),
        to_tokens: to_tokens.as_ref(),
        from_logins: from_logins.as_ref(),
        to_logins: to_logins.as_ref(),
    };
    let done = crate::execute::migrate::migrate(d, &sessions, &logins)
        .map_err(|e| Error::Keys(e.to_string()))?;
    ctx.note(&format!(
        "moved the keys of {} profiles{}, {} AWS sign-ins and {} SSO sign-ins into {}",
        done.keys.len(),
        match done.keys.is_empty() {
            true => String::new(),
            false => format!(" ({})", printable(&done.keys.join(", "))),
        },
        done.logins,
        done.tokens,
        to.describe()
    ));
    Ok(Outcome::Done)
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
            forget_keys_of(ctx, profiles, profile);
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
        account_id: None,
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
        account_id: None,
    })
}

/// The long-term keys `keys import` would take from the profile's files.
fn importable(profiles: &Profiles, name: &str) -> Result<Credentials, Error> {
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
    Ok(Credentials {
        access_key_id: id.to_string(),
        secret_access_key: Secret::new(secret),
        session_token: None,
        expiration: None,
        account_id: None,
    })
}

fn import(args: KeysImportArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let name = args.profile.as_str();
    let profiles = ctx.profiles()?;
    let keys = importable(&profiles, name)?;
    let d = ImportDeps {
        keys: ctx.keys,
        files: ctx.key_files,
    };
    let chains = every_plan(ctx, &profiles);
    let done = import::import(d, name, &keys, args.keep_file)?;
    if done.replaced_other_keys {
        forget_keys_of(ctx, &profiles, name);
    }
    if done.removed_from.is_some() {
        other_tools_note(ctx, &profiles, &chains, name);
    }
    let (shown, hint, store) = (printable(name), keys.key_hint(), ctx.keys.describe());
    ctx.note(&match &done.removed_from {
        Some(path) => format!(
            "moved the keys of profile \"{shown}\" ({hint}) into {store}; removed them from {}{}",
            path.display(),
            linked_copies(done.other_links, "the keys")
        ),
        None => format!(
            "copied the keys of profile \"{shown}\" ({hint}) into {store}; the file keeps its copy (--keep-file)"
        ),
    });
    Ok(Outcome::Done)
}

/// The AWS CLI and the SDKs read keys from the file, not the keychain: say which profiles
/// they lose and how to keep them.
fn other_tools_note(ctx: &mut Context, profiles: &Profiles, chains: &[Plan], name: &str) {
    let rooted = crate::execute::forget::keys_of(name);
    let mut built: Vec<&str> = chains
        .iter()
        .filter(|p| rooted(&p.source) && p.profile != name)
        .map(|p| p.profile.as_str())
        .collect();
    built.dedup();
    let also = match built.is_empty() {
        true => String::new(),
        false => format!(" (nor for {}, built on it)", printable(&built.join(", "))),
    };
    let config = profiles.config_path.display().to_string();
    ctx.note(&format!(
        "the AWS CLI and the SDKs no longer find keys for profile \"{}\"{also}: {}",
        printable(name),
        other_tools_hint(name, &config)
    ));
}

/// What a rewrite left in other hard links of the file.
fn linked_copies(n: u64, what: &str) -> String {
    match n {
        0 => String::new(),
        1 => format!(", but another hard link to that file still holds {what}: find it with find / -samefile FILE and delete it"),
        n => format!(", but {n} other hard links to that file still hold {what}: find them with find / -samefile FILE and delete them"),
    }
}

fn rotate(args: KeysRotateArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let name = args.profile.as_str();
    let profiles = ctx.profiles()?;
    let raw = Overrides {
        no_session: true,
        ..Overrides::default()
    };
    let keys_plan = plan(&profiles, name, &inputs(ctx, &raw))?;
    let mfa_plan = match profiles.get(name).and_then(|p| p.get("mfa_serial")) {
        Some(_) => Some(plan(&profiles, name, &inputs(ctx, &NO_OVERRIDES))?),
        None => None,
    };
    let region = &keys_plan.endpoint.region;
    let iam = iam_endpoint(&profiles, profiles.get(name), ctx.vars, region);
    // The new secret comes back in IAM's answer: never over plain http:// to another host.
    let allow = ctx.settings.allow_http;
    check_endpoint("IAM", "IAM", iam.url.as_deref(), allow)?;
    check_endpoint("STS", "STS", keys_plan.endpoint.url.as_deref(), allow)?;
    let chains = every_plan(ctx, &profiles);
    let request = Rotation {
        profile: name,
        keys_plan: &keys_plan,
        mfa_plan: mfa_plan.as_ref(),
        mfa_token: &MfaToken::new(args.mfa_token.clone()),
        iam: &iam,
        chains: &chains,
    };
    let d = RotateDeps {
        walk: ctx.deps(),
        iam: ctx.iam,
        files: ctx.key_files,
    };
    let done = rotate::rotate(d, &request, &mut ctx.err)?;
    ctx.note(&format!(
        "rotated the access key of profile \"{}\" (IAM user {}): {} is stored in {}, {} is deleted{}",
        printable(name),
        done.user,
        done.new_hint,
        done.place,
        done.old_hint,
        linked_copies(done.other_links, "the old key")
    ));
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
        forget_keys_of(ctx, profiles, name);
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

#[cfg(test)]
mod flows {
    use crate::error::Error;
    use crate::testing::World;

    #[test]
    fn rotation_of_file_keys_rewrites_the_file_and_deletes_the_old_key_with_the_new() {
        let w = World::new();
        let (outcome, stdout, stderr) = w.run(&["keys", "rotate", "default"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(stdout.is_empty());
        let calls = w.iam.calls.borrow().clone();
        assert_eq!(
            calls,
            [
                "ListAccessKeys by AKIAROOT",
                "CreateAccessKey by AKIAROOT",
                "DeleteAccessKey by AKIANEWKEY0000000000"
            ]
        );
        let text = std::fs::read_to_string(w.credentials_path()).unwrap();
        assert_eq!(
            text,
            "[default]\naws_access_key_id = AKIANEWKEY0000000000\naws_secret_access_key = new-secret\n"
        );
    }

    #[test]
    fn with_mfa_serial_one_mfa_session_carries_every_iam_call() {
        let w = World::new();
        w.write_config("[default]\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n");
        let (outcome, _, stderr) = w.run(&["keys", "rotate", "default", "--mfa-token", "123456"]);
        assert!(outcome.is_ok(), "{stderr}");
        let sts: Vec<(String, Option<String>)> = w
            .sts
            .calls
            .borrow()
            .iter()
            .filter(|c| c.op == "GetSessionToken")
            .map(|c| (c.caller.clone(), c.code.clone()))
            .collect();
        assert_eq!(
            sts,
            [("AKIAROOT".to_string(), Some("123456".to_string()))],
            "one code"
        );
        let iam = w.iam.calls.borrow().clone();
        assert_eq!(iam.len(), 3, "{iam:?}");
        assert!(
            iam.iter().all(|c| c.ends_with("by ASIA2")),
            "every IAM call with the MFA session: {iam:?}"
        );
    }

    #[test]
    fn a_new_key_that_never_works_is_deleted_and_the_old_one_put_back_after_a_minute() {
        let w = World::new();
        let before = std::fs::read_to_string(w.credentials_path()).unwrap();
        w.sts
            .unknown_keys
            .borrow_mut()
            .push("AKIANEWKEY0000000000".into());
        let (outcome, _, stderr) = w.run(&["keys", "rotate", "default"]);
        let text = outcome.unwrap_err().to_string();
        assert!(text.contains("did not work within a minute"), "{text}");
        assert!(stderr.contains("checking the new key"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(w.credentials_path()).unwrap(),
            before
        );
        let calls = w.iam.calls.borrow().clone();
        assert_eq!(
            calls.last().unwrap(),
            "DeleteAccessKey by AKIAROOT",
            "{calls:?}"
        );
        let tries = w
            .sts
            .calls
            .borrow()
            .iter()
            .filter(|c| c.caller == "AKIANEWKEY0000000000")
            .count();
        assert_eq!(tries, 8, "about a minute of tries, on the test's clock");
    }

    #[test]
    fn the_old_key_stays_in_its_file_while_the_new_one_is_checked() {
        let w = World::new();
        *w.sts.watch.borrow_mut() = Some(w.credentials_path());
        let (outcome, _, stderr) = w.run(&["keys", "rotate", "default"]);
        assert!(outcome.is_ok(), "{stderr}");
        let seen = w.sts.seen.borrow().clone();
        let checks: Vec<&String> = seen.iter().skip(1).collect();
        assert!(!checks.is_empty());
        assert!(
            checks
                .iter()
                .all(|t| t.contains("AKIAROOT") && !t.contains("AKIANEWKEY")),
            "an interruption during the check leaves the old key in place: {checks:?}"
        );
        assert!(std::fs::read_to_string(w.credentials_path())
            .unwrap()
            .contains("AKIANEWKEY"));
    }

    #[test]
    fn a_slow_check_says_how_it_goes() {
        let w = World::new();
        w.sts
            .unknown_keys
            .borrow_mut()
            .push("AKIANEWKEY0000000000".into());
        let (_, _, stderr) = w.run(&["keys", "rotate", "default"]);
        for n in 1..8 {
            assert!(
                stderr.contains(&format!("not usable yet (try {n} of 8)")),
                "{stderr}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_rotated_secret_never_lands_in_a_file_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let w = World::new();
        let path = w.credentials_path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (outcome, _, stderr) = w.run(&["keys", "rotate", "default"]);
        assert!(outcome.is_ok(), "{stderr}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_linked_copy_that_keeps_the_keys_is_named() {
        let w = World::new();
        let path = w.credentials_path();
        std::fs::write(
            &path,
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        )
        .unwrap();
        std::fs::hard_link(&path, path.with_file_name("credentials.bak")).unwrap();
        let (outcome, _, stderr) = w.run(&["keys", "import", "default"]);
        assert!(outcome.is_ok(), "{:?} {stderr}", outcome.err());
        assert!(
            stderr.contains("another hard link to that file still holds the keys"),
            "{stderr}"
        );
    }

    #[test]
    fn a_failed_delete_keeps_the_new_key_and_names_the_old_one() {
        let mut w = World::new();
        w.iam.fail = Some("DeleteAccessKey");
        let (outcome, _, _) = w.run(&["keys", "rotate", "default"]);
        let e = outcome.unwrap_err();
        assert_eq!(e.exit_code(), 1);
        let text = e.to_string();
        assert!(
            text.contains("is stored and works") && text.contains("ending ROOT"),
            "{text}"
        );
        assert!(std::fs::read_to_string(w.credentials_path())
            .unwrap()
            .contains("AKIANEWKEY"));
    }

    #[test]
    fn two_keys_already_change_nothing_and_roles_are_refused() {
        let w = World::new();
        w.iam
            .keys
            .borrow_mut()
            .extend(["AKIAROOT".to_string(), "AKIAOTHER".to_string()]);
        let (outcome, _, _) = w.run(&["keys", "rotate", "default"]);
        let text = outcome.unwrap_err().to_string();
        assert!(
            text.contains("already has two access keys") && text.contains("nothing was changed"),
            "{text}"
        );
        assert!(!w
            .iam
            .calls
            .borrow()
            .iter()
            .any(|c| c.starts_with("CreateAccessKey")));
        let (outcome, _, _) = w.run(&["keys", "rotate", "a"]);
        assert!(matches!(outcome, Err(Error::KeysConfig(_))));
    }

    #[test]
    fn a_warm_run_never_reads_the_keychain_and_hands_out_a_session() {
        let mut w = World::new();
        w.keys = crate::testing::MemoryKeys::with("vault", "AKIAIOSFODNN7EXAMPLE", "s3cret");
        for _ in 0..3 {
            let (outcome, stdout, stderr) = w.run(&["export", "--format", "json", "vault"]);
            assert!(outcome.is_ok(), "{stderr}");
            assert!(
                stdout.contains("SessionToken") && !stdout.contains("s3cret"),
                "{stdout}"
            );
        }
        assert_eq!(w.keys.reads.get(), 1, "only the cold run read the secret");
        assert_eq!(w.calls(), 1, "one GetSessionToken");
        // A role on them: the keys are the chain's root.
        let (outcome, _, _) = w.run(&["export", "--no-session", "vault"]);
        assert!(outcome.is_ok());
        assert_eq!(w.keys.reads.get(), 2);
    }

    /// The benchmark's warm run: a session chained from keys in the file store is served
    /// without reading (or unlocking) the store.
    #[cfg(unix)]
    #[test]
    fn a_warm_run_never_reads_the_file_store() {
        use crate::adapters::keychain::backend::Backend;
        use crate::adapters::keychain::filestore::{FileBackend, NoCache, Passphrase, Vault};
        use crate::adapters::keychain::keys::{KeychainKeys, Kind, KEYS_SERVICE};
        use crate::adapters::keychain::StateDir;
        use crate::ports::store::StoreError;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;

        struct Pass;
        impl Passphrase for Pass {
            fn get(
                &self,
                _: &std::path::Path,
                _: bool,
            ) -> Result<age::secrecy::SecretString, StoreError> {
                Ok("pw".to_string().into())
            }
            fn unattended(&self) -> bool {
                true
            }
        }
        /// Counts the reads of the file store.
        struct Counting(FileBackend, Arc<AtomicUsize>);
        impl Backend for Counting {
            fn name(&self) -> String {
                self.0.name()
            }
            fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
                self.1.fetch_add(1, Ordering::SeqCst);
                self.0.get(key)
            }
            fn set(&self, key: &str, label: &str, bytes: &[u8]) -> Result<(), StoreError> {
                self.0.set(key, label, bytes)
            }
            fn delete(&self, key: &str) -> Result<(), StoreError> {
                self.0.delete(key)
            }
        }

        let mut w = World::new();
        let reads = Arc::new(AtomicUsize::new(0));
        let vault = Vault::for_tests(w.home().join("data"), Box::new(Pass), Box::new(NoCache));
        let keys = KeychainKeys::new(
            Box::new(Counting(
                FileBackend::new(vault, KEYS_SERVICE),
                reads.clone(),
            )),
            Kind::File,
            StateDir::at(w.home().join("state")),
        );
        crate::ports::keys::KeyStore::put(
            &keys,
            "vault",
            &crate::domain::Credentials {
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
                secret_access_key: crate::domain::Secret::new("s3cret"),
                session_token: None,
                expiration: None,
                account_id: None,
            },
        )
        .unwrap();
        w.real_keys = Some(Box::new(keys));
        for _ in 0..3 {
            let (outcome, stdout, stderr) = w.run(&["export", "--format", "json", "vault"]);
            assert!(outcome.is_ok(), "{stderr}");
            assert!(stdout.contains("SessionToken"), "{stdout}");
        }
        // put read the old entry once; the cold run once; the warm runs never.
        assert_eq!(
            reads.load(Ordering::SeqCst),
            2,
            "only the cold run read the store"
        );
        assert_eq!(w.calls(), 1, "one GetSessionToken");
    }

    #[test]
    fn add_asks_on_the_terminal_and_import_undoes_a_failed_store() {
        let mut w = World::new();
        w.ask = crate::testing::ScriptedAsk::answers(&[
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG",
        ]);
        let (outcome, _, stderr) = w.run(&["keys", "add", "new"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(!stderr.contains("wJalr"), "{stderr}");
        assert_eq!(w.keys.keys.borrow()["new"].0, "AKIAIOSFODNN7EXAMPLE");
        let before =
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n";
        std::fs::write(w.credentials_path(), before).unwrap();
        w.keys.fail_put = true;
        let e = w.run(&["keys", "import", "default"]).0.unwrap_err();
        assert!(e.to_string().contains("were not imported"), "{e}");
        assert_eq!(
            std::fs::read_to_string(w.credentials_path()).unwrap(),
            before
        );
    }

    #[test]
    fn import_says_which_profiles_other_tools_lose_and_how_to_keep_them() {
        let w = World::new();
        std::fs::write(
            w.credentials_path(),
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n",
        )
        .unwrap();
        let (outcome, _, stderr) = w.run(&["keys", "import", "default"]);
        assert!(
            outcome.is_ok(),
            "{:?} {stderr}",
            outcome.err().map(|e| e.to_string())
        );
        assert!(
            stderr.contains("no longer find keys for profile \"default\" (nor for a, built on it)")
                && stderr.contains(
                    "credential_process = rolecall export --format process default\" to [default]"
                ),
            "{stderr}"
        );
        let (_, out, _) = w.run(&["doctor"]);
        assert!(out.contains("only in the keychain"), "{out}");
    }
}
