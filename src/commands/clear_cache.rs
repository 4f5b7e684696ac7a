//! `rolecall clear-cache`.

use crate::cli::ClearCacheArgs;
use crate::context::Context;
use crate::{Error, Outcome};

pub fn run(_args: ClearCacheArgs, _ctx: &mut Context) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "\"rolecall clear-cache\" is not yet implemented".into(),
    ))
}
