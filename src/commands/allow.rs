//! `rolecall allow [DIR]`: trust the `.rolecall` file of a directory as it is now.

use super::Context;
use crate::cli::ProjectArgs;
use crate::domain::project::{self, FILE_NAME};
use crate::domain::{printable, Outcome};
use crate::error::Error;

pub fn run(args: ProjectArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let dir = args.dir.unwrap_or_else(|| std::path::PathBuf::from("."));
    let dir = std::fs::canonicalize(&dir)
        .map_err(|e| Error::Usage(format!("cannot use the directory {}: {e}", dir.display())))?;
    let found = ctx.projects.find(Some(&dir)).map_err(Error::Usage)?;
    let Some(found) = found else {
        return Err(Error::Usage(format!(
            "{} has no {FILE_NAME} file; write the profile's name into one first",
            dir.display()
        )));
    };
    let text = String::from_utf8_lossy(&found.bytes);
    let file = project::parse(&text)
        .map_err(|why| Error::Usage(format!("{} cannot be used: {why}", found.path.display())))?;
    let digest = project::digest(&found.bytes);
    ctx.projects
        .allow(&found.path, &digest)
        .map_err(Error::Keys)?;
    ctx.note(&format!(
        "allowed {}: profile \"{}\" is used there when none is named, until the file changes",
        found.path.display(),
        printable(&file.profile)
    ));
    Ok(Outcome::Done)
}
