//! `rolecall serve`: the credential endpoint without a command.

use clap::{Args, ValueEnum};

use super::CredentialArgs;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub credentials: CredentialArgs,

    /// How to print the variables a client needs (default sh)
    #[arg(long, short, value_enum, default_value = "sh")]
    pub format: ServeFormat,

    /// The address to listen on (default 127.0.0.1): a Docker bridge's, or 169.254.170.2 for
    /// containers (see the README); never all interfaces
    #[arg(long, value_name = "ADDRESS")]
    pub bind: Option<std::net::IpAddr>,

    /// Print N tokens, one per client: each client gets its own (1 to 64)
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64), conflicts_with = "imds")]
    pub clients: u16,

    /// Serve as EC2's instance metadata service (IMDSv2) instead of a container endpoint, for
    /// tools that know only the instance role (127.0.0.1 only)
    #[arg(long)]
    pub imds: bool,
}

/// How `serve` prints the variables a client needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ServeFormat {
    /// POSIX shells: export K='v' (also: bash, zsh)
    #[value(alias = "bash", alias = "zsh")]
    Sh,
    Fish,
    /// PowerShell (also: powershell)
    #[value(alias = "powershell")]
    Pwsh,
    /// K='v' lines, for an env file
    Dotenv,
    /// One JSON object per client, one per line
    Json,
    /// -e K=V arguments for docker run
    Docker,
}
