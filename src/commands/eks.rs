//! `rolecall eks token` (kubectl's exec plugin) and `rolecall eks kubeconfig`.

use super::obtain::{obtain, Hands, Obtained, PlanTo, Purpose};
use super::{write_out, Context};
use crate::cli::{EksArgs, EksCommand, EksKubeconfigArgs, EksTokenArgs};
use crate::domain::Outcome;
use crate::error::Error;
use crate::execute::eks::{exec_credential, TokenRequest};
use crate::execute::ExecuteError;
use crate::ports::mfa::MfaError;

pub fn run(args: EksArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    match args.command {
        EksCommand::Token(args) => token(args, ctx),
        EksCommand::Kubeconfig(args) => kubeconfig(args, ctx),
    }
}

/// The session (cached, or asked for on the terminal when there is one), then the token
/// signed with it: no STS call on a warm run.
fn token(args: EksTokenArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let purpose = Purpose {
        plan_to: PlanTo::Stderr,
        hands_out: Hands::Variables,
        command: "eks token",
        run: None,
    };
    let (plan, credentials) = match obtain(&args.credentials, ctx, purpose) {
        Ok(Obtained::Credentials(plan, credentials)) => (plan, credentials),
        Ok(Obtained::Explained) => return Ok(Outcome::Done),
        Err(e) => return Err(without_terminal(e, &args)),
    };
    let request = TokenRequest {
        cluster: &args.cluster,
        endpoint: &plan.endpoint,
        exec_info: ctx.vars.non_empty("KUBERNETES_EXEC_INFO"),
        now: ctx.clock.now(),
    };
    let text = exec_credential(
        &crate::adapters::aws::presign::Sigv4,
        &credentials,
        &request,
    )?;
    write_out(ctx, text.as_bytes())?;
    Ok(Outcome::Done)
}

/// kubectl runs the plugin without a terminal in scripts and CI: an MFA code cannot be asked
/// for there, so the error names the command that caches a session from a terminal.
fn without_terminal(e: Error, args: &EksTokenArgs) -> Error {
    match e {
        Error::Execute(ExecuteError::Mfa(MfaError::NoTerminal(serial))) => {
            let profile = args.credentials.profile.as_deref().unwrap_or("PROFILE");
            Error::Execute(ExecuteError::Mfa(MfaError::Prompt(format!(
                "an MFA code for {serial} is needed but there is no terminal to ask on; run \"rolecall eks token --cluster {} {profile}\" in a terminal once (the session is cached), then kubectl works without one",
                args.cluster
            ))))
        }
        other => other,
    }
}

fn kubeconfig(args: EksKubeconfigArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    if profiles.get(&args.profile).is_none() {
        return Err(profiles.not_found_from(&args.profile, "").into());
    }
    let user = args
        .user
        .clone()
        .unwrap_or_else(|| format!("rolecall-{}-{}", args.profile, args.cluster));
    let text = crate::domain::eks::kubeconfig_user(
        &user,
        &args.profile,
        &args.cluster,
        args.region.as_deref(),
    );
    write_out(ctx, text.as_bytes())?;
    Ok(Outcome::Done)
}
