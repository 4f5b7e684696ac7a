//! What a sign-in looks like from here, without changing it: the token a run would use, in
//! words (`--dry-run`, no keychain unlock, no request), and the roles the sign-in gives
//! (`rolecall sso profiles`).

use time::OffsetDateTime;

use super::sso::{token, SsoDeps};
use super::ExecuteError;
use crate::domain::sso::{SsoEndpoints, SsoRole, SsoSession, TokenState, USABLE_MARGIN};
use crate::domain::text::human;
use crate::ports::clock::Clock;
use crate::ports::sso::{Account, SsoTokens};
use crate::printer::Printer;

/// The SSO token a run of `role` would use, in words.
pub fn token_state(tokens: &dyn SsoTokens, clock: &dyn Clock, role: &SsoRole) -> String {
    let now = clock.now();
    let session = &role.session;
    let mut seen = Vec::new();
    if let Some(s) = tokens.own_summary(session) {
        let refreshable = s.refreshable_until.is_some_and(|r| r > now);
        seen.push(("rolecall's token (keychain)", s.expires_at, refreshable));
    }
    let mut skipped = String::new();
    match tokens.cli(session) {
        Ok(Some(t)) if !t.grants_account_access() => {
            skipped = format!(
                " (not used: the token in {}: {})",
                tokens.cli_file(session),
                super::sso::foreign(&t)
            );
        }
        Ok(Some(t)) => seen.push(("the AWS CLI's token", t.expires_at, t.refreshable(now))),
        _ => {}
    }
    describe(&seen, now, role) + &skipped
}

/// The first usable of `seen` (whose, expiry, refreshable), in words.
fn describe(seen: &[(&str, OffsetDateTime, bool)], now: OffsetDateTime, role: &SsoRole) -> String {
    let session = &role.session;
    let fresh = |e: OffsetDateTime| TokenState::at(e, now) == TokenState::Fresh;
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
    if let Some((whose, e, _)) = seen.iter().find(|(_, e, _)| *e - now > USABLE_MARGIN) {
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

/// Every account of the sign-in with the roles it may take there, in the portal's order.
pub fn roles(
    d: SsoDeps,
    out: &mut Printer,
    session: &SsoSession,
    endpoints: &SsoEndpoints,
    hint_name: &str,
) -> Result<Vec<(Account, Vec<String>)>, ExecuteError> {
    let access = token(d, out, session, endpoints, hint_name)?;
    let accounts = d
        .api
        .list_accounts(endpoints, &access)
        .map_err(ExecuteError::Sso)?;
    let mut all = Vec::new();
    for account in accounts {
        let roles = d
            .api
            .list_account_roles(endpoints, &access, &account.id)
            .map_err(ExecuteError::Sso)?;
        all.push((account, roles));
    }
    Ok(all)
}
