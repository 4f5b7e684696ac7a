//! `rolecall lock`: forget the file store's unlocked key now.

use super::Context;
use crate::cli::LockArgs;
use crate::domain::Outcome;
use crate::error::Error;

pub fn run(_args: LockArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let was_unlocked = crate::execute::lock::lock(ctx.vault)?;
    let what = ctx.vault.describe();
    ctx.note(&if was_unlocked {
        format!("locked {what}; the next run that needs it asks for the passphrase")
    } else {
        format!("{what} was not unlocked in this session")
    });
    Ok(Outcome::Done)
}
