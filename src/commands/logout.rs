//! `rolecall logout`: forget a profile's sign-in (rolecall's tokens; the AWS CLI's file with
//! `--aws-cache`) and the sessions made with it.

use super::obtain::forget_rooted;
use super::Context;
use crate::cli::LogoutArgs;
use crate::domain::plan::Source;
use crate::domain::Outcome;
use crate::error::Error;
use crate::execute::login_flow::sign_out;

pub fn run(args: LogoutArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    let name = args
        .profile
        .or_else(|| ctx.vars.non_empty("AWS_PROFILE").map(str::to_string))
        .unwrap_or_else(|| "default".to_string());
    let profile = profiles
        .get(&name)
        .ok_or_else(|| profiles.not_found(&name))?;
    let Some(session) = profile.get("login_session") else {
        return Err(Error::Usage(format!(
            "profile \"{name}\" has no login_session; run \"rolecall login --profile {name}\" to sign in"
        )));
    };
    let login = crate::domain::login::LoginSession {
        profile: name.clone(),
        session: session.to_string(),
        endpoint: crate::plan::signin_endpoint(&profiles, Some(profile), ctx.vars),
    };
    let done = sign_out(ctx.login_files, &login, args.aws_cache)?;
    let rooted = |s: &Source| matches!(s, Source::Login { login: l, .. } if l.session == session);
    let forgotten = forget_rooted(ctx, &profiles, &rooted, "this sign-in");
    let what = match (done.had_own, done.removed_file) {
        (false, false) => "there was no sign-in to forget".to_string(),
        (true, false) => "forgot rolecall's tokens".to_string(),
        (false, true) => "deleted the AWS CLI's token file".to_string(),
        (true, true) => "forgot rolecall's tokens and deleted the AWS CLI's token file".to_string(),
    };
    ctx.note(&format!(
        "{session}: {what}; forgot {forgotten} cached session{}",
        if forgotten == 1 { "" } else { "s" }
    ));
    Ok(Outcome::Done)
}
