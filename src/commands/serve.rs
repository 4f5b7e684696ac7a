//! `rolecall serve`: the credential endpoint of `exec --server` (or, with `--imds`, of
//! `exec --imds`) without a command, in the foreground until a signal stops it, for IDEs and
//! containers. It prints the variables each client needs, then serves and refreshes.

use super::obtain::{obtain, Hands, Obtained, PlanTo, Purpose};
use super::Context;
use crate::cli::{ServeArgs, ServeFormat};
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(args: ServeArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let bind = check(&args)?;
    let purpose = Purpose {
        plan_to: match args.format {
            ServeFormat::Json | ServeFormat::Docker => PlanTo::Stderr,
            _ => PlanTo::Stdout,
        },
        hands_out: Hands::Endpoint { imds: args.imds },
        command: "serve",
        run: None,
    };
    let (plan, credentials) = match obtain(&args.credentials, ctx, purpose)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    serve(args, bind, &plan, credentials, ctx)
}

/// The address to listen on, once the flags are known to fit together.
fn check(args: &ServeArgs) -> Result<std::net::IpAddr, Error> {
    let bind = args.bind.unwrap_or(std::net::Ipv4Addr::LOCALHOST.into());
    if args.credentials.no_session {
        return Err(Error::Usage(
            "serve hands out sessions, never long-term keys, so --no-session cannot apply; drop it"
                .into(),
        ));
    }
    if bind.is_unspecified() || bind.is_multicast() {
        return Err(Error::Usage(format!(
            "--bind {bind} is not one interface's address; name the address clients reach (a Docker bridge's, such as 172.17.0.1, or 169.254.170.2)"
        )));
    }
    if args.imds && !bind.is_loopback() {
        return Err(Error::Usage(
            "--imds answers anyone who reaches it (the instance metadata protocol has no secret a client shows), so it listens on 127.0.0.1 only; drop --bind, or serve a container endpoint without --imds".into(),
        ));
    }
    Ok(bind)
}

#[cfg(not(unix))]
fn serve(
    _: ServeArgs,
    _: std::net::IpAddr,
    _: &crate::domain::plan::Plan,
    _: crate::domain::Credentials,
    _: &mut Context,
) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "serve is not available on this platform yet".into(),
    ))
}

/// The endpoint, the variables on stdout, and the refresh loop until a signal.
#[cfg(unix)]
fn serve(
    args: ServeArgs,
    bind: std::net::IpAddr,
    plan: &crate::domain::plan::Plan,
    credentials: crate::domain::Credentials,
    ctx: &mut Context,
) -> Result<Outcome, Error> {
    use crate::adapters::server::{Kind, Options};
    use crate::domain::freshness::{CacheMode, CachePolicy};
    use crate::execute::supervise::{first_session, supervise, Supervision};
    let (current, keys) = first_session(ctx.deps(), plan, credentials)?;
    let kind = match args.imds {
        true => Kind::InstanceMetadata(super::obtain::imds_identity(plan)),
        false => Kind::Container {
            clients: usize::from(args.clients),
        },
    };
    let options = Options { bind, kind };
    let server = super::obtain::start_endpoint(plan, &current, options, "serve", ctx)?;
    let base = crate::domain::env::changes(&current, &plan.target(), ctx.vars);
    let text = variables(args.format, base, &server, ctx)?;
    // Signals are taken before the clients learn where to connect.
    let mut stop = crate::adapters::child::Foreground::new()
        .map_err(|e| Error::Usage(format!("cannot handle signals: {e}")))?;
    super::write_out(ctx, text.as_bytes())?;
    ctx.note(&format!(
        "serving the credentials of profile \"{}\" at {} until Ctrl-C",
        plan.profile, server.url
    ));
    let policy = CachePolicy {
        mode: match args.credentials.no_cache {
            true => CacheMode::Bypass,
            false => CacheMode::Use,
        },
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    let s = Supervision { plan, keys, policy };
    let code = supervise(ctx.deps(), &server, &s, current, &mut stop, &mut ctx.err);
    drop(server);
    Ok(Outcome::Exit(code))
}

/// Each client's variables in `format`: the endpoint's, the region, and (but for docker, whose
/// containers have files of their own) the profile's settings and what keeps a `[default]`
/// profile's keys from coming first.
#[cfg(unix)]
fn variables(
    format: ServeFormat,
    base: Vec<crate::domain::env::Change>,
    server: &crate::adapters::server::CredentialServer,
    ctx: &mut Context,
) -> Result<String, Error> {
    use crate::domain::env::{self, Change};
    use crate::render::serve::ClientFormat;
    use crate::render::Format;
    let base: Vec<Change> = base
        .into_iter()
        .filter(|c| c.name().starts_with("AWS_"))
        .filter(|c| format != ServeFormat::Docker || c.name().ends_with("REGION"))
        .collect();
    let each: Vec<Vec<Change>> = match server.tokens.is_empty() {
        true => vec![env::for_imds(base, &server.url)],
        false => server
            .tokens
            .iter()
            .map(|t| env::for_endpoint(base.clone(), &server.url, t.expose()))
            .collect(),
    };
    let each = match format {
        ServeFormat::Docker => each,
        _ => each
            .into_iter()
            .map(|c| super::obtain::isolate(c, ctx))
            .collect(),
    };
    let format = match format {
        ServeFormat::Sh => ClientFormat::Text(Format::Sh),
        ServeFormat::Fish => ClientFormat::Text(Format::Fish),
        ServeFormat::Pwsh => ClientFormat::Text(Format::PowerShell),
        ServeFormat::Dotenv => ClientFormat::Text(Format::Dotenv),
        ServeFormat::Json => ClientFormat::Json,
        ServeFormat::Docker => ClientFormat::Docker,
    };
    Ok(crate::render::serve::clients(format, &each)?)
}
