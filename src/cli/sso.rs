//! `rolecall sso …`: IAM Identity Center sign-in.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCandidates;

use super::{profile_candidates, Chatter};

#[derive(Debug, Args)]
pub struct SsoArgs {
    #[command(subcommand)]
    pub command: SsoCommand,
}

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Sign in to an IAM Identity Center session (the browser, or --use-device-code)
    #[command(
        after_help = "The URL is always printed on stderr; nothing goes to stdout. The token is kept in the keychain (in the AWS CLI's cache file too only with --aws-cache) and refreshed without asking while its refresh token lasts. One login per session at a time: a second rolecall waits and uses the first one's token."
    )]
    Login(SsoLoginArgs),
    /// Sign out: the portal's Logout, then forget the token, the AWS CLI's cache file for the session and the role sessions made with it
    Logout(SsoTargetArgs),
    /// Print a [profile …] block for every account and role the sign-in may use (never edits the config)
    Profiles(SsoProfilesArgs),
}

#[derive(Debug, Args)]
pub struct SsoTargetArgs {
    /// A profile that signs in through the session (default: $AWS_PROFILE, else the only sso-session)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: Option<String>,

    /// The [sso-session NAME] to use instead of a profile's
    #[arg(long, value_name = "NAME", conflicts_with = "profile")]
    pub sso_session: Option<String>,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct SsoProfilesArgs {
    #[command(flatten)]
    pub target: SsoTargetArgs,

    /// Route every tool through rolecall: each role gets a profile NAME with
    /// `credential_process = rolecall export --format process NAME-sso` beside the SSO profile
    /// NAME-sso, so the AWS CLI and the SDKs need no token cache of their own
    #[arg(long)]
    pub credential_process: bool,
}

#[derive(Debug, Args)]
pub struct SsoLoginArgs {
    #[command(flatten)]
    pub target: SsoTargetArgs,

    /// The device-code flow: a code to enter on the verification page, for a browser on
    /// another machine
    #[arg(long)]
    pub use_device_code: bool,

    /// Do not start a browser: the device-code flow, with the URL and code printed for a
    /// browser anywhere
    #[arg(long)]
    pub no_browser: bool,

    /// Also write the token as the AWS CLI's cache file (~/.aws/sso/cache), so the AWS CLI,
    /// the SDKs and every other tool see this sign-in; without it, only rolecall (and tools
    /// that call rolecall) do
    #[arg(long)]
    pub aws_cache: bool,
}

impl SsoCommand {
    pub fn chatter(&self) -> &Chatter {
        match self {
            SsoCommand::Login(a) => &a.target.chatter,
            SsoCommand::Logout(a) => &a.chatter,
            SsoCommand::Profiles(a) => &a.target.chatter,
        }
    }
}
