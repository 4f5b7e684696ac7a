//! `rolecall console [PROFILE]`: the AWS console in the browser, signed in as the profile's
//! role. The session comes as for `export` (cache, MFA); `execute::console` turns it into a
//! sign-in token.

use super::obtain::{obtain, Hands, Obtained, PlanTo, Purpose};
use super::{write_out, Context};
use crate::cli::ConsoleArgs;
use crate::domain::console::{destination, login_url, Partition};
use crate::domain::text::{plain_http_off_loopback, redact_url};
use crate::domain::{Outcome, Secret};
use crate::error::Error;
use crate::execute::console::{signin_token, ConsoleDeps, ConsoleSignIn};

pub fn run(mut args: ConsoleArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    // --duration is the console session's: the role's own session is the profile's, cached
    // as for export.
    let asked = args.credentials.duration.take();
    // The sign-in endpoint takes no long-term keys, and GetFederationToken takes no session:
    // a keys profile goes to GetFederationToken with the keys themselves.
    args.credentials.no_session = true;
    let purpose = Purpose {
        plan_to: PlanTo::Stderr,
        hands_out: Hands::Console(asked),
        command: "console",
        run: None,
    };
    let (plan, credentials) = match obtain(&args.credentials, ctx, purpose)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    let role_arn = plan.role_arn();
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
    ctx.verbose(&format!(
        "asking {} for a sign-in token",
        redact_url(&federation)
    ));
    let request = ConsoleSignIn {
        plan: &plan,
        credentials: &credentials,
        federation_url: &federation,
        asked_seconds: asked,
        federated_name: &federated_name(ctx),
    };
    let d = ConsoleDeps {
        sts: ctx.sts,
        signin: ctx.signin,
    };
    let token = signin_token(d, &request, &mut ctx.err)?;
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
