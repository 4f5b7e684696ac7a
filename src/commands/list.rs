//! `rolecall list`.

use crate::cli::ListArgs;
use crate::context::Context;
use crate::{Error, Outcome};

pub fn run(_args: ListArgs, _ctx: &mut Context) -> Result<Outcome, Error> {
    Err(Error::Usage(
        "\"rolecall list\" is not yet implemented".into(),
    ))
}
