//! `rolecall sso login | logout | profiles`: IAM Identity Center sign-in. Nothing is printed
//! on stdout but `profiles`' blocks; the login's URL and code go to stderr.

use std::collections::HashSet;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::{SsoArgs, SsoCommand, SsoLoginArgs, SsoTargetArgs};
use crate::config::Profiles;
use crate::domain::plan::Source;
use crate::domain::sso::{SsoEndpoints, SsoSession};
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::execute::sso::{login, token, LoginOptions};
use crate::execute::ExecuteError;
use crate::plan::{plan, session_section, sso_endpoints};

pub fn run(args: SsoArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    match args.command {
        SsoCommand::Login(a) => run_login(a, ctx),
        SsoCommand::Logout(a) => logout(a, ctx),
        SsoCommand::Profiles(a) => profiles(a, ctx),
    }
}

/// The session a command is about, its endpoints, and the name to use in hints.
struct Target {
    session: SsoSession,
    endpoints: SsoEndpoints,
    hint_name: String,
}

fn target(args: &SsoTargetArgs, profiles: &Profiles, ctx: &Context) -> Result<Target, Error> {
    let config = profiles.config_path.display().to_string();
    let by_session = |name: &str| -> Result<Target, Error> {
        if profiles.sso_session(name).is_none() {
            let known = profiles.sso_session_names();
            return Err(Error::Usage(format!(
                "{config} has no [sso-session {}] section{}",
                printable(name),
                if known.is_empty() {
                    String::new()
                } else {
                    format!("; it has {}", known.join(", "))
                }
            )));
        }
        let session = session_section(profiles, &format!("sso-session {name}"), name, &|_| None)?;
        let endpoints = sso_endpoints(profiles, None, ctx.vars, &session.region);
        let allow = ctx.settings.allow_http;
        crate::plan::check_endpoint("SSO portal", "SSO", endpoints.portal.as_deref(), allow)?;
        crate::plan::check_endpoint("SSO OIDC", "SSO_OIDC", endpoints.oidc.as_deref(), allow)?;
        Ok(Target {
            session,
            endpoints,
            hint_name: format!("--sso-session {name}"),
        })
    };
    if let Some(name) = &args.sso_session {
        return by_session(name);
    }
    let profile = args
        .profile
        .clone()
        .or_else(|| ctx.vars.non_empty("AWS_PROFILE").map(str::to_string));
    let Some(profile) = profile else {
        return match profiles.sso_session_names()[..] {
            [only] => by_session(only),
            [] => Err(Error::Usage(format!(
                "{config} has no [sso-session] section and no profile was named; name an IAM Identity Center profile or --sso-session NAME"
            ))),
            _ => Err(Error::Usage(format!(
                "{config} has several sso-sessions ({}); name a profile or --sso-session NAME",
                profiles.sso_session_names().join(", ")
            ))),
        };
    };
    let planned = plan(profiles, &profile, &inputs(ctx, &NO_OVERRIDES))?;
    match planned.source {
        Source::Sso { role, .. } => Ok(Target {
            session: role.session,
            endpoints: role.endpoints,
            hint_name: profile,
        }),
        other => Err(Error::Usage(format!(
            "profile \"{}\" does not sign in through IAM Identity Center (its credentials come from {})",
            printable(&profile),
            other.describe()
        ))),
    }
}

fn run_login(args: SsoLoginArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args.target, &profiles, ctx)?;
    let options = LoginOptions {
        device_code: args.use_device_code,
        no_browser: args.no_browser,
        force: true,
    };
    let d = ctx.sso_deps();
    login(d, &mut ctx.err, &t.session, &t.endpoints, options)?;
    Ok(Outcome::Done)
}

fn logout(args: SsoTargetArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args, &profiles, ctx)?;
    let tokens = ctx.sso_tokens;
    let mut found = Vec::new();
    if let Ok(Some(own)) = tokens.own(&t.session) {
        found.push(own);
    }
    if let Ok(Some(cli)) = tokens.cli(&t.session) {
        found.push(cli);
    }
    let now = ctx.clock.now();
    for token in found.iter().filter(|t| t.expires_at > now) {
        // As aws sso logout: a portal that says no (an expired or revoked token) is no reason
        // to keep the token here.
        if let Err(e) = ctx.sso.logout(&t.endpoints, &token.access_token) {
            ctx.verbose(&format!("portal Logout: {e}"));
        }
    }
    tokens.remove_own(&t.session).map_err(|e| {
        Error::Keys(format!(
            "could not forget rolecall's token of {}: {e}",
            t.session.describe()
        ))
    })?;
    let removed_file = tokens
        .remove_cli(&t.session)
        .map_err(|e| Error::Keys(e.to_string()))?;
    let forgotten = forget_sessions(ctx, &profiles, &t.session);
    ctx.note(&format!(
        "signed out of {}{}; forgot {forgotten} cached role session{}",
        t.session.describe(),
        if removed_file {
            " (the AWS CLI's token too)"
        } else {
            ""
        },
        if forgotten == 1 { "" } else { "s" }
    ));
    Ok(Outcome::Done)
}

/// Removes the cached sessions of every profile whose chain starts at the session.
fn forget_sessions(ctx: &mut Context, profiles: &Profiles, session: &SsoSession) -> usize {
    let rooted =
        |source: &Source| matches!(source, Source::Sso { role, .. } if role.session == *session);
    super::clear_cache::forget_rooted(ctx, profiles, &rooted, "this sign-in")
}

/// The SSO token a run would use, in words, for `--dry-run` (no keychain access, no request).
pub fn token_state(ctx: &Context, role: &crate::domain::sso::SsoRole) -> String {
    use crate::domain::sso::TokenState;
    use crate::domain::text::human;
    let now = ctx.clock.now();
    let session = &role.session;
    let mut seen = Vec::new();
    if let Some(s) = ctx.sso_tokens.own_summary(session) {
        let refreshable = s.refreshable_until.is_some_and(|r| r > now);
        seen.push(("rolecall's token (keychain)", s.expires_at, refreshable));
    }
    if let Ok(Some(t)) = ctx.sso_tokens.cli(session) {
        seen.push(("the AWS CLI's token", t.expires_at, t.refreshable(now)));
    }
    let fresh = |e: time::OffsetDateTime| TokenState::at(e, now) == TokenState::Fresh;
    if let Some((whose, e, r)) = seen.iter().find(|(_, e, _)| fresh(*e)) {
        return format!(
            "{whose}, valid {}{}; no token request",
            human(*e - now),
            if *r { ", refreshable" } else { "" }
        );
    }
    if let Some((whose, e, _)) = seen.iter().find(|(_, _, r)| *r) {
        return format!(
            "{whose} {}; refreshed first with CreateToken (no sign-in needed)",
            if *e <= now {
                "has expired".to_string()
            } else {
                format!("expires in {}", human(*e - now))
            }
        );
    }
    if let Some((whose, e, _)) = seen.iter().find(|(_, e, _)| *e > now) {
        return format!(
            "{whose}, valid {}, not refreshable; used as it is",
            human(*e - now)
        );
    }
    format!(
        "no usable token (expired or missing, not refreshable): a sign-in is needed; {}",
        session.login_hint(&role.profile)
    )
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

fn profiles(args: SsoTargetArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let t = target(&args, &profiles, ctx)?;
    let d = ctx.sso_deps();
    let access = token(d, &mut ctx.err, &t.session, &t.endpoints, &t.hint_name)?;
    let sso_error = |e| Error::Execute(ExecuteError::Sso(e));
    let accounts = ctx
        .sso
        .list_accounts(&t.endpoints, &access)
        .map_err(sso_error)?;
    let mut taken: HashSet<String> = profiles.names().map(str::to_string).collect();
    let mut text = String::new();
    for account in &accounts {
        let roles = ctx
            .sso
            .list_account_roles(&t.endpoints, &access, &account.id)
            .map_err(sso_error)?;
        for role in roles {
            let base = profile_name(
                if account.name.is_empty() {
                    &account.id
                } else {
                    &account.name
                },
                &role,
            );
            let mut name = base.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}-{n}");
                n += 1;
            }
            text.push_str(&format!("[profile {name}]\n"));
            match &t.session.name {
                Some(s) => text.push_str(&format!("sso_session = {s}\n")),
                None => text.push_str(&format!(
                    "sso_start_url = {}\nsso_region = {}\n",
                    t.session.start_url, t.session.region
                )),
            }
            text.push_str(&format!(
                "sso_account_id = {}\nsso_role_name = {}\n\n",
                account.id,
                printable(&role)
            ));
        }
    }
    write_out(ctx, text.as_bytes())?;
    if text.is_empty() {
        ctx.note(&format!(
            "{} gives this sign-in no roles",
            t.session.describe()
        ));
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
}
