//! `rolecall eks`: kubectl's token, and the kubeconfig entry that asks rolecall for it.

use clap::{Args, Subcommand};

use super::{region, CredentialArgs};

#[derive(Debug, Args)]
pub struct EksArgs {
    #[command(subcommand)]
    pub command: EksCommand,
}

#[derive(Debug, Subcommand)]
pub enum EksCommand {
    /// Print kubectl's ExecCredential for the cluster: a token signed with the profile's session
    #[command(
        after_help = "A cached session makes it take milliseconds. It asks for an MFA code or a sign-in only on /dev/tty; without one it fails at once and names the command that signs in.",
        mut_arg("region", |a| a.help("The region whose STS endpoint the token is for (default: where rolecall calls STS: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)")),
        mut_arg("no_session", |a| a.help("For a profile of long-term keys: sign with the keys themselves instead of a one-hour GetSessionToken session of them")),
    )]
    Token(EksTokenArgs),
    /// Print the kubeconfig `users:` entry that runs `rolecall eks token` for the cluster
    Kubeconfig(EksKubeconfigArgs),
}

#[derive(Debug, Args)]
pub struct EksTokenArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// The cluster's name (its id for a local cluster on Outposts)
    #[arg(long, value_name = "NAME")]
    pub cluster: String,
}

#[derive(Debug, Args)]
pub struct EksKubeconfigArgs {
    /// The profile kubectl signs in with
    #[arg(add = clap_complete::engine::ArgValueCandidates::new(super::profile_candidates))]
    pub profile: String,

    /// The cluster's name
    #[arg(long, value_name = "NAME")]
    pub cluster: String,

    /// The region of the cluster's STS call (default: the profile's)
    #[arg(long, value_name = "REGION", value_parser = region)]
    pub region: Option<String>,

    /// The user's name in the kubeconfig (default: rolecall-PROFILE-CLUSTER)
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
}
