//! `rolecall console [PROFILE]`: the AWS console in the browser, signed in as the profile's
//! role. The session comes as for `export` (cache, MFA); long-term keys first become a
//! `GetFederationToken` session (the sign-in endpoint takes no long-term keys); the
//! federation endpoint turns the session into a sign-in token.

use super::obtain::{obtain, Obtained, PlanTo};
use super::{write_out, Context};
use crate::cli::ConsoleArgs;
use crate::domain::console::{destination, login_url, session_json, Partition};
use crate::domain::plan::Step;
use crate::domain::text::{plain_http_off_loopback, redact_url};
use crate::domain::{Outcome, Secret};
use crate::error::Error;
use crate::execute::ExecuteError;
use crate::ports::console::SignInError;

/// The console session when neither `--duration` nor the profile says.
const DEFAULT_SECONDS: u32 = 3600;

pub fn run(mut args: ConsoleArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    // --duration is the console session's: the role's own session is the profile's, cached
    // as for export.
    let asked = args.credentials.duration.take();
    // The sign-in endpoint takes no long-term keys, and GetFederationToken takes no session:
    // a keys profile goes to GetFederationToken with the keys themselves.
    args.credentials.no_session = true;
    let (plan, credentials) = match obtain(&args.credentials, ctx, PlanTo::Stderr)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    let role_arn = plan.steps.iter().rev().find_map(|s| match s {
        Step::AssumeRole(a) => Some(a.role_arn.as_str()),
        Step::AssumeRoleWithWebIdentity(w) => Some(w.role_arn.as_str()),
        Step::GetSessionToken(_) => None,
    });
    let region = plan.region.as_deref();
    let partition = Partition::of(role_arn, region);
    let landing = destination(partition, region, args.destination.as_deref())
        .map_err(|e| Error::Usage(e.to_string()))?;
    let federation = partition.federation_url(ctx.vars.non_empty("AWS_ENDPOINT_URL_SIGNIN"));
    if plain_http_off_loopback(&federation) && !ctx.settings.allow_http {
        return Err(Error::Usage(format!(
            "the sign-in endpoint {} is plain http:// to another machine, so the session would cross the network in cleartext; use https://, or set ROLECALL_ALLOW_HTTP=1 for a lab",
            redact_url(&federation)
        )));
    }
    let shown = redact_url(&federation);
    // A role session may ask for the console session's length; a federated user's may not.
    let (session, duration) = match &credentials.session_token {
        Some(token) => {
            let profile_seconds = plan.steps.last().map(Step::lifetime_seconds);
            let seconds = asked.or(profile_seconds).unwrap_or(DEFAULT_SECONDS);
            let json = session_json(
                &credentials.access_key_id,
                credentials.secret_access_key.expose(),
                token.expose(),
            );
            (Secret::new(json), Some(seconds))
        }
        None => {
            let seconds = asked.unwrap_or(DEFAULT_SECONDS);
            ctx.verbose(&format!(
                "profile \"{}\" has long-term keys: GetFederationToken for {seconds} s first (the sign-in endpoint takes no long-term keys)",
                plan.profile
            ));
            let federated = ctx
                .sts
                .get_federation_token(&plan.endpoint, &credentials, &federated_name(ctx), seconds)
                .map_err(|e| {
                    Error::Execute(ExecuteError::Sts(
                        e.with_target(format!("profile \"{}\"", plan.profile)),
                    ))
                })?;
            let token = federated.session_token.as_ref().ok_or_else(|| {
                Error::Execute(ExecuteError::Internal(
                    "GetFederationToken answered without a session token".into(),
                ))
            })?;
            let json = session_json(
                &federated.access_key_id,
                federated.secret_access_key.expose(),
                token.expose(),
            );
            (Secret::new(json), None)
        }
    };
    ctx.verbose(&format!("asking {shown} for a sign-in token"));
    let token = match ctx.signin.signin_token(&federation, &session, duration) {
        Err(SignInError::Refused { .. }) if duration.is_some() => {
            // A chained role session allows at most one hour: without SessionDuration the
            // console session lasts as long as the role session does.
            ctx.note(&format!(
                "the sign-in endpoint refused SessionDuration={} (a role assumed with another role's session allows at most 1h); signed in for the rest of the role session instead",
                duration.unwrap_or_default()
            ));
            ctx.signin.signin_token(&federation, &session, None)?
        }
        other => other?,
    };
    let url = Secret::new(login_url(&federation, &landing, token.expose()));
    if args.stdout {
        write_out(ctx, format!("{}\n", url.expose()).as_bytes())?;
        return Ok(Outcome::Done);
    }
    ctx.signin.open_in_browser(&url)?;
    ctx.note(&format!(
        "opened the AWS console for profile \"{}\" in the browser",
        crate::domain::printable(&plan.profile)
    ));
    Ok(Outcome::Done)
}

/// The federated user's name: `rolecall-LOGIN`, within STS's 32 characters and its
/// `[\w+=,.@-]` alphabet.
fn federated_name(ctx: &Context) -> String {
    let user: String = ctx
        .vars
        .user()
        .unwrap_or("user")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .collect();
    let mut name = format!("rolecall-{user}");
    name.truncate(32);
    if name.len() < 2 {
        name = "rolecall".into();
    }
    name
}
