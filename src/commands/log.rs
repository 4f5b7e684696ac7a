//! `rolecall log [PROFILE] [--since 1h] [--json]`: the audit trail, oldest first.

use super::{write_out, Context};
use crate::cli::LogArgs;
use crate::domain::audit::{select, AuditEntry};
use crate::domain::{printable, Outcome};
use crate::error::Error;

pub fn run(args: LogArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let lines = ctx.audit.lines().map_err(Error::Keys)?;
    let since = args.since.map(|d| ctx.clock.now() - d);
    let entries = select(&lines, args.profile.as_deref(), since);
    let text: String = match args.json {
        true => entries.iter().map(AuditEntry::line).collect(),
        false => table(&entries),
    };
    write_out(ctx, text.as_bytes())?;
    if entries.is_empty() && !args.json {
        ctx.note(&format!(
            "no record in the audit log ({})",
            ctx.audit.describe()
        ));
    }
    Ok(Outcome::Done)
}

/// One line a record: when, what, which profile and role, the key's end, where.
fn table(entries: &[AuditEntry]) -> String {
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".into());
    entries
        .iter()
        .map(|e| {
            let role = e
                .role_arn
                .as_deref()
                .map(|a| a.rsplit('/').next().unwrap_or(a));
            let mut line = format!(
                "{}  {:<13}  {}  role {}  account {}  key …{}  until {}",
                e.time,
                e.command,
                e.profile,
                role.unwrap_or("—"),
                dash(&e.account),
                e.key,
                dash(&e.expiration)
            );
            if let Some(run) = &e.run {
                line.push_str(&format!("  ran {run} in {}", dash(&e.cwd)));
            }
            format!("{}\n", printable(&line))
        })
        .collect()
}
