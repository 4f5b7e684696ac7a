//! `rolecall sso login | logout | profiles`: IAM Identity Center sign-in. Nothing is printed
//! on stdout but `profiles`' blocks; the login's URL and code go to stderr.

use std::collections::HashSet;

use super::obtain::{every_plan, inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::{SsoArgs, SsoCommand, SsoLoginArgs, SsoProfilesArgs, SsoTargetArgs};
use crate::config::Profiles;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::execute::signout::sign_out;
use crate::execute::sso::{login, LoginOptions};
use crate::execute::sso_view::roles;
use crate::plan::{sso_target, SsoTarget};
use crate::ports::sso::Account;

pub fn run(args: SsoArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    match args.command {
        SsoCommand::Login(a) => run_login(a, ctx),
        SsoCommand::Logout(a) => logout(a, ctx),
        SsoCommand::Profiles(a) => profiles(a, ctx),
    }
}

fn target(args: &SsoTargetArgs, profiles: &Profiles, ctx: &Context) -> Result<SsoTarget, Error> {
    let (session, profile) = (args.sso_session.as_deref(), args.profile.as_deref());
    Ok(sso_target(
        profiles,
        session,
        profile,
        &inputs(ctx, &NO_OVERRIDES),
    )?)
}

fn run_login(args: SsoLoginArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args.target, &profiles, ctx)?;
    let options = LoginOptions {
        device_code: args.use_device_code,
        no_browser: args.no_browser,
        force: true,
        aws_cache: args.aws_cache,
    };
    let d = ctx.sso_deps();
    login(d, &mut ctx.err, &t.session, &t.endpoints, options)?;
    Ok(Outcome::Done)
}

fn logout(args: SsoTargetArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args, &profiles, ctx)?;
    let plans = every_plan(ctx, &profiles);
    let d = ctx.sso_deps();
    let done = sign_out(d, ctx.store, &t.session, &t.endpoints, &plans, &mut ctx.err)?;
    let sessions = match done.forgotten {
        0 => String::new(),
        1 => "; forgot 1 cached role session".to_string(),
        n => format!("; forgot {n} cached role sessions"),
    };
    ctx.note(&match (done.tokens, done.removed_cli_file) {
        (0, _) => format!(
            "there was no sign-in to {} here: nothing to sign out of{sessions}",
            t.session.describe()
        ),
        (_, true) => format!(
            "signed out of {} (the AWS CLI's token too){sessions}",
            t.session.describe()
        ),
        (_, false) => format!("signed out of {}{sessions}", t.session.describe()),
    });
    Ok(Outcome::Done)
}

/// `<account name>-<role>`, lowercased, anything outside `A-Za-z0-9._-` as `-`.
fn profile_name(account: &str, role: &str) -> String {
    format!("{account}-{role}")
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Whether a profile of the config already takes `role` in `account` through this sign-in.
fn configured(profiles: &Profiles, t: &SsoTarget, account: &str, role: &str) -> bool {
    profiles.names().filter_map(|n| profiles.get(n)).any(|p| {
        let same_sign_in = match &t.session.name {
            Some(name) => p.get("sso_session") == Some(name.as_str()),
            None => p.get("sso_start_url") == Some(t.session.start_url.as_str()),
        };
        same_sign_in
            && p.get("sso_account_id") == Some(account)
            && p.get("sso_role_name") == Some(role)
    })
}

/// The SSO profile of `role` in `account`.
fn sso_block(name: &str, account: &Account, role: &str, t: &SsoTarget) -> String {
    let mut text = format!("[profile {name}]\n");
    match &t.session.name {
        Some(s) => text.push_str(&format!("sso_session = {s}\n")),
        None => text.push_str(&format!(
            "sso_start_url = {}\nsso_region = {}\n",
            t.session.start_url, t.session.region
        )),
    }
    text.push_str(&format!(
        "sso_account_id = {}\nsso_role_name = {}\nregion = {}\n\n",
        account.id,
        printable(role),
        t.session.region
    ));
    text
}

/// A profile any tool reads through rolecall, for the SSO profile `sso`.
fn process_block(name: &str, sso: &str, region: &str) -> String {
    format!(
        "[profile {name}]\ncredential_process = rolecall export --format process {sso}\nregion = {region}\n\n"
    )
}

/// A name no profile has yet (`base`, else `base-2`, …), taken.
fn free_name(base: &str, taken: &mut HashSet<String>, suffix: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) || taken.contains(&format!("{name}{suffix}")) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    taken.insert(format!("{name}{suffix}"));
    name
}

/// One config block per account and role the config does not have yet (two with
/// `--credential-process`), named so that no two profiles share a name: appending the output
/// twice adds nothing the second time.
fn blocks(
    found: &[(Account, Vec<String>)],
    t: &SsoTarget,
    profiles: &Profiles,
    via_rolecall: bool,
) -> String {
    let mut taken: HashSet<String> = profiles.names().map(str::to_string).collect();
    let mut text = String::new();
    for (account, roles) in found {
        for role in roles {
            if configured(profiles, t, &account.id, role) {
                continue;
            }
            let shown = if account.name.is_empty() {
                &account.id
            } else {
                &account.name
            };
            let base = profile_name(shown, role);
            if via_rolecall {
                let name = free_name(&base, &mut taken, "-sso");
                let sso = format!("{name}-sso");
                text.push_str(&process_block(&name, &sso, &t.session.region));
                text.push_str(&sso_block(&sso, account, role, t));
            } else {
                let name = free_name(&base, &mut taken, "");
                text.push_str(&sso_block(&name, account, role, t));
            }
        }
    }
    text
}

fn profiles(args: SsoProfilesArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args.target, &profiles, ctx)?;
    let d = ctx.sso_deps();
    let found = roles(d, &mut ctx.err, &t.session, &t.endpoints, &t.hint_name)?;
    let text = blocks(&found, &t, &profiles, args.credential_process);
    write_out(ctx, text.as_bytes())?;
    if text.is_empty() {
        ctx.note(&match found.iter().all(|(_, roles)| roles.is_empty()) {
            true => format!("{} gives this sign-in no roles", t.session.describe()),
            false => format!(
                "{} already has a profile for every role this sign-in gives",
                profiles.config_path.display()
            ),
        });
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names() {
        assert_eq!(
            profile_name("Dev Account", "ReadOnly"),
            "dev-account-readonly"
        );
        assert_eq!(
            profile_name("Prod (EU)", "Admin/Ops"),
            "prod--eu--admin-ops"
        );
    }
}

#[cfg(test)]
mod flows {
    use time::Duration;

    use crate::domain::sso::Token;
    use crate::domain::Secret;
    use crate::ports::sso::SsoErrorKind;
    use crate::testing::{World, NOW};

    const CONFIG: &str = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\n";

    fn token(access: &str, left: Duration, refreshable: bool) -> Token {
        Token {
            access_token: Secret::new(access),
            expires_at: NOW + left,
            refresh_token: refreshable.then(|| Secret::new("refresh")),
            client_id: Some("client".into()),
            client_secret: Some(Secret::new("secret")),
            registration_expires_at: Some(NOW + Duration::days(30)),
            scopes: None,
        }
    }

    fn world() -> World {
        let w = World::new();
        w.write_config(CONFIG);
        w
    }

    #[test]
    fn an_expiring_aws_cli_token_is_refreshed_and_written_back_once() {
        let w = world();
        w.tokens
            .cli
            .borrow_mut()
            .insert("corp".into(), token("old", Duration::minutes(5), true));
        for _ in 0..3 {
            let (outcome, stdout, stderr) = w.run(&["export", "--format", "json", "dev"]);
            assert!(outcome.is_ok(), "{stderr}");
            assert!(stdout.contains("ASIASSOROLE"), "{stdout}");
        }
        assert_eq!(
            *w.sso.calls.borrow(),
            [
                "CreateToken refresh_token",
                "GetRoleCredentials 111122223333 ReadOnly with fresh-access"
            ],
            "one refresh, one fetch, then the cache"
        );
        let written = w.tokens.cli.borrow()["corp"].clone();
        assert_eq!(written.access_token.expose(), "fresh-access");
        assert_eq!(written.refresh_token.unwrap().expose(), "fresh-refresh");
        assert!(
            w.tokens.own.borrow().is_empty(),
            "an AWS CLI token stays the AWS CLI's"
        );
    }

    #[test]
    fn rolecalls_own_fresh_token_wins_and_a_chained_role_is_capped() {
        let w = world();
        w.tokens
            .own
            .borrow_mut()
            .insert("corp".into(), token("mine", Duration::hours(4), false));
        w.tokens
            .cli
            .borrow_mut()
            .insert("corp".into(), token("theirs", Duration::hours(4), false));
        let (outcome, _, stderr) = w.run(&["export", "admin"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert_eq!(
            w.sso.calls.borrow()[0],
            "GetRoleCredentials 111122223333 ReadOnly with mine"
        );
        let calls = w.sts.calls.borrow();
        assert_eq!(calls.len(), 1);
        assert_eq!(
            calls[0].caller, "ASIASSOROLE",
            "the role is assumed with the SSO role's key"
        );
    }

    #[test]
    fn no_usable_token_without_a_terminal_and_refusals_are_exit_4() {
        let w = world();
        w.tokens
            .cli
            .borrow_mut()
            .insert("corp".into(), token("old", Duration::minutes(-1), false));
        let (outcome, stdout, _) = w.run(&["export", "dev"]);
        let e = outcome.unwrap_err();
        assert_eq!(e.exit_code(), 4);
        assert!(stdout.is_empty());
        let text = e.to_string();
        assert!(
            text.contains("rolecall sso login dev")
                && text.contains("aws sso login --sso-session corp"),
            "{text}"
        );
        assert!(w.sso.calls.borrow().is_empty());

        let mut w = world();
        w.sso.role_error = Some(SsoErrorKind::Forbidden);
        w.tokens
            .own
            .borrow_mut()
            .insert("corp".into(), token("mine", Duration::hours(4), false));
        let e = w.run(&["export", "dev"]).0.unwrap_err();
        assert_eq!(e.exit_code(), 4);
        assert!(
            e.to_string().contains("ReadOnly in account 111122223333"),
            "{e}"
        );
    }

    #[test]
    fn logout_says_what_it_did_only_when_it_did_it() {
        let w = world();
        w.tokens
            .own
            .borrow_mut()
            .insert("corp".into(), token("mine", Duration::hours(4), false));
        let (outcome, _, stderr) = w.run(&["sso", "logout", "dev"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(
            stderr.contains("signed out of sso-session \"corp\""),
            "{stderr}"
        );
        let (outcome, _, stderr) = w.run(&["sso", "logout", "dev"]);
        assert!(outcome.is_ok(), "{stderr}");
        assert!(
            stderr.contains("there was no sign-in to sso-session \"corp\" here")
                && !stderr.contains("signed out"),
            "{stderr}"
        );
    }

    #[test]
    fn dry_run_never_counts_on_a_token_the_run_will_not_use() {
        let w = world();
        // Valid for 30 more seconds, not refreshable: too little for the run to use.
        w.tokens
            .own
            .borrow_mut()
            .insert("corp".into(), token("mine", Duration::seconds(30), false));
        let (_, out, _) = w.run(&["export", "--dry-run", "dev"]);
        assert!(
            out.contains("no usable token") && out.contains("a sign-in is needed"),
            "{out}"
        );
    }
}
