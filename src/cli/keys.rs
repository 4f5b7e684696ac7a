//! `rolecall keys …`: long-term access keys kept in the keychain.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCandidates;

use super::{profile_candidates, Chatter};

#[derive(Debug, Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    pub command: KeysCommand,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Store a profile's access key in the keychain (asked for on the terminal, secret hidden)
    #[command(
        after_help = "The secret is never taken from the command line. With --from-env, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are read (a session's AWS_SESSION_TOKEN is refused: these are long-term keys). ~/.aws is not touched."
    )]
    Add(KeysAddArgs),
    /// Move a profile's keys from the credentials file into the keychain
    #[command(
        after_help = "Only the aws_access_key_id and aws_secret_access_key lines (and a section header left with nothing under it) are removed; every other byte of the file stays. If anything fails, the file is untouched and nothing stays in the keychain."
    )]
    Import(KeysImportArgs),
    /// Delete a profile's keys from the keychain, and the sessions made with them
    Remove(KeysRemoveArgs),
    /// Replace a profile's access key with a new one in IAM (the old one is deleted)
    #[command(
        after_help = "CreateAccessKey for the key's own IAM user, stored where the old key was (keychain or credentials file), checked with GetCallerIdentity, then the old key is deleted. With mfa_serial, the IAM calls use one MFA session."
    )]
    Rotate(KeysRotateArgs),
    /// List the profiles whose keys are in the keychain (key ids only, never secrets)
    List(KeysListArgs),
    /// Move every stored key and SSO sign-in to the file store or the keychain
    #[command(
        after_help = "Each key is read back from its new store before the old copy is deleted. The SSO tokens and client registrations moved are those of the sessions your profiles use."
    )]
    Migrate(KeysMigrateArgs),
}

#[derive(Debug, Args)]
pub struct KeysMigrateArgs {
    /// Where to: the encrypted file store, or the OS keychain (secret-service on Linux)
    #[arg(long, value_name = "STORE", value_parser = ["file", "secret-service", "keychain", "credential-manager"])]
    pub to: String,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct KeysAddArgs {
    /// The profile the keys are for (it need not exist in ~/.aws/config)
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: String,

    /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking
    #[arg(long)]
    pub from_env: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct KeysImportArgs {
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: String,

    /// Leave the keys in the file as well (the keychain's copy is used first)
    #[arg(long)]
    pub keep_file: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct KeysRemoveArgs {
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: String,

    /// Do not ask for confirmation (needed without a terminal)
    #[arg(long, short)]
    pub yes: bool,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct KeysRotateArgs {
    #[arg(add = ArgValueCandidates::new(profile_candidates))]
    pub profile: String,

    /// The current MFA code, for a profile with mfa_serial
    #[arg(long, short = 't', value_name = "CODE")]
    pub mfa_token: Option<String>,

    #[command(flatten)]
    pub chatter: Chatter,
}

#[derive(Debug, Args)]
pub struct KeysListArgs {
    /// JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

impl KeysCommand {
    pub fn chatter(&self) -> Option<&Chatter> {
        match self {
            KeysCommand::Add(a) => Some(&a.chatter),
            KeysCommand::Import(a) => Some(&a.chatter),
            KeysCommand::Remove(a) => Some(&a.chatter),
            KeysCommand::Rotate(a) => Some(&a.chatter),
            KeysCommand::Migrate(a) => Some(&a.chatter),
            KeysCommand::List(_) => None,
        }
    }
}
