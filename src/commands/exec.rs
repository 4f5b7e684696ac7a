//! `rolecall exec`: run a command with the credentials in its environment, or (`--server`)
//! with an ECS-style credential endpoint that rolecall, staying its parent, keeps fresh.

#[cfg(unix)]
use super::obtain::isolated_region;
use super::obtain::{exec_request, obtain, Hands, Obtained, PlanTo, Purpose};
use super::Context;
use crate::cli::ExecArgs;
#[cfg(unix)]
use crate::domain::env;
#[cfg(unix)]
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(args: ExecArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    if args.server && args.credentials.no_session {
        return Err(Error::Usage(
            "exec --server serves sessions, never long-term keys, so --no-session cannot apply; drop it (the command gets a GetSessionToken session of the keys, refreshed as it runs)".into(),
        ));
    }
    let purpose = Purpose {
        plan_to: PlanTo::Stdout,
        hands_out: match args.server {
            true => Hands::Endpoint,
            false => Hands::Variables,
        },
        command: match args.server {
            true => "exec --server",
            false => "exec",
        },
        run: args.command.first().map(|p| {
            let name = std::path::Path::new(p).file_name().unwrap_or(p.as_os_str());
            name.to_string_lossy().into_owned()
        }),
    };
    let (plan, credentials) = match obtain(&args.credentials, ctx, purpose)? {
        Obtained::Credentials(plan, credentials) => (plan, credentials),
        Obtained::Explained => return Ok(Outcome::Done),
    };
    if args.server {
        return serve(args, &plan, credentials, ctx);
    }
    let request = exec_request(&plan, &credentials, args.command, ctx)?;
    Ok(Outcome::Exec(request))
}

#[cfg(not(unix))]
fn serve(
    _: ExecArgs,
    _: &crate::domain::plan::Plan,
    _: crate::domain::Credentials,
    _: &mut Context,
) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "exec --server is not available on this platform yet".into(),
    ))
}

/// `--server`: the endpoint, the command, and the refresh loop until the command ends.
#[cfg(unix)]
fn serve(
    args: ExecArgs,
    plan: &crate::domain::plan::Plan,
    credentials: crate::domain::Credentials,
    ctx: &mut Context,
) -> Result<Outcome, Error> {
    use crate::adapters::server::{CredentialServer, Served};
    use crate::execute::supervise::{first_session, supervise, Supervision};
    let (current, keys) = first_session(ctx.deps(), plan, credentials)?;
    let server = CredentialServer::start(Served::of(&current), on_served(plan, ctx))
        .map_err(|e| Error::Usage(format!("cannot serve credentials on 127.0.0.1: {e}")))?;
    let mut exec = exec_request(plan, &current, args.command, ctx)?;
    exec.changes = env::for_endpoint(exec.changes, &server.url, server.token.expose());
    exec.changes = isolate(exec.changes, ctx);
    ctx.verbose(&format!(
        "serving the credentials of profile \"{}\" at {}",
        plan.profile, server.url
    ));
    let mut child = match crate::adapters::child::Supervised::spawn(&exec) {
        Ok(child) => child,
        Err((code, message)) => {
            ctx.err.error(&message);
            return Ok(Outcome::Exit(code));
        }
    };
    let policy = CachePolicy {
        mode: match args.credentials.no_cache {
            true => CacheMode::Bypass,
            false => CacheMode::Use,
        },
        refresh_window: ctx.settings.refresh_window.clone()?,
    };
    let s = Supervision { plan, keys, policy };
    let code = supervise(ctx.deps(), &server, &s, current, &mut child, &mut ctx.err);
    drop(server); // the port closes with the command
    Ok(Outcome::Exit(code))
}

/// A `[default]` profile with credentials of its own (keys, SSO, a role, a process) is what
/// every SDK and the AWS CLI use before the container endpoint, since `AWS_PROFILE` is unset:
/// then the command gets no shared files at all, so it can only use the endpoint.
#[cfg(unix)]
fn isolate(changes: Vec<env::Change>, ctx: &mut Context) -> Vec<env::Change> {
    let Some(region) = isolated_region(ctx) else {
        return changes;
    };
    ctx.verbose(&format!(
        "profile \"default\" has credentials of its own, which the AWS tools would use before the endpoint: the command gets AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE = {} (so it sees no other profile)",
        env::NULL_DEVICE
    ));
    env::without_shared_files(changes, region.as_deref(), ctx.vars)
}

/// The audit record of each session a connection of the command gets: the plan's role, the
/// client's port, the key's last four characters and the expiry.
#[cfg(unix)]
fn on_served(
    plan: &crate::domain::plan::Plan,
    ctx: &Context,
) -> Option<crate::adapters::server::OnServed> {
    let recorder = ctx.audit.recorder()?;
    let placeholder = crate::domain::Credentials {
        access_key_id: String::new(),
        secret_access_key: crate::domain::Secret::new(""),
        session_token: None,
        expiration: None,
        account_id: None,
    };
    let (now, pid) = (ctx.clock.now(), std::process::id());
    let base =
        crate::domain::audit::AuditEntry::of("exec --server request", plan, &placeholder, now, pid);
    Some(Box::new(move |client, key_id, expiration| {
        let mut entry = base.clone();
        #[allow(clippy::disallowed_methods)] // the request's own time, on the server's thread
        let now = time::OffsetDateTime::now_utc();
        entry.time = crate::domain::text::timestamp(now);
        entry.key = crate::domain::secret::key_tail(key_id);
        entry.expiration = (!expiration.is_empty()).then(|| expiration.to_string());
        entry.client = Some(format!("127.0.0.1:{client}"));
        recorder(&entry);
    }))
}
