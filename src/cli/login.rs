//! `rolecall login` and `rolecall logout`: AWS Sign-In (the `aws login` of the AWS CLI).

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::{profile_candidates, Chatter};

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The profile to sign in (default: $AWS_PROFILE, else default); made a `login_session`
    /// profile if it is none yet
    #[arg(long, add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// The region to sign in through (default: the profile's, else us-east-1)
    #[arg(long)]
    pub region: Option<String>,

    /// Sign in with a browser on any device and paste the code it shows (no loopback
    /// callback; the AWS CLI's --remote)
    #[arg(long)]
    pub remote: bool,

    /// Do not start a browser: the remote flow
    #[arg(long)]
    pub no_browser: bool,

    /// Also write the AWS CLI's token file (~/.aws/login/cache), so the AWS CLI, the SDKs and
    /// every other tool see this sign-in; without it, only rolecall (and tools that call
    /// rolecall) do
    #[arg(long)]
    pub aws_cache: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The profile whose sign-in to forget (default: $AWS_PROFILE, else default)
    #[arg(long, add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// Also delete the AWS CLI's token file of the sign-in
    #[arg(long)]
    pub aws_cache: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}
