//! `rolecall list`: every profile with its kind, source and cached session. Never calls STS,
//! never prompts, never unlocks the keychain (session states come from the index).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::obtain::{inputs, NO_OVERRIDES};
use super::{write_out, Context};
use crate::cli::ListArgs;
use crate::config::Profiles;
use crate::domain::freshness::SessionState;
use crate::domain::vars::FnvSet;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::plan::{plan, Inputs};
use crate::render::table::{Fit, Table};

#[derive(Serialize)]
#[cfg_attr(test, derive(Clone))]
struct Row<'a> {
    profile: &'a str,
    kind: &'static str,
    role_arn: Option<Cow<'a, str>>,
    source: Option<Cow<'a, str>>,
    region: Option<&'a str>,
    mfa_serial: Option<&'a str>,
    /// An SSO profile's account and role.
    #[serde(skip_serializing_if = "Option::is_none")]
    sso_account_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sso_role_name: Option<&'a str>,
    /// Where a profile's long-term keys live: `keychain`, `file-store` (the encrypted file
    /// store) or `file` (the credentials file).
    #[serde(skip_serializing_if = "Option::is_none")]
    keys: Option<&'static str>,
    /// Why the profile cannot work, if it cannot (a cycle, a missing source, an invalid value).
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<String>,
    #[serde(skip)]
    state: SessionState,
    session: &'static str,
    session_expires: Option<String>,
}

fn rows<'a>(
    profiles: &'a Profiles,
    inputs: &Inputs,
    index: &HashMap<String, i64>,
    indexed: &FnvSet<String>,
) -> Vec<Row<'a>> {
    let now = inputs.now;
    // Every name has its profile: room for all at once, not a doubling buffer of 10,000.
    let mut rows = Vec::with_capacity(profiles.names().size_hint().0);
    let all = profiles
        .names()
        .filter_map(|name| profiles.get(name))
        .map(|p| {
            let in_keychain = inputs.stored_keys.key_id(p.name).is_some();
            let (kind, source) = if in_keychain {
                ("keys", Some(Cow::Borrowed("keychain")))
            } else {
                p.kind_and_source()
            };
            let keys = if in_keychain {
                Some("keychain")
            } else {
                p.get("aws_access_key_id").map(|_| "file")
            };
            // Every profile is planned (a few microseconds each), so a broken one is marked;
            // the session a run would use is the plan's last step or a cached process result.
            // Checked without cache keys; planned with them only where a session is indexed.
            let checking = Inputs {
                cache_keys: false,
                ..*inputs
            };
            let planned = plan(profiles, p.name, &checking);
            let problem = planned.as_ref().err().and_then(|e| e.profile_problem());
            let key = planned
                .ok()
                .filter(|_| indexed.contains(p.name))
                .and_then(|_| plan(profiles, p.name, inputs).ok())
                .and_then(|plan| plan.final_key().map(str::to_string));
            let state = key
                .map(|k| SessionState::of(index, &k, now))
                .unwrap_or(SessionState::None);
            row(p, (kind, source), keys, problem, state)
        });
    rows.extend(all);
    rows
}

/// One profile's row.
fn row<'a>(
    p: crate::config::Profile<'a>,
    (kind, source): (&'static str, Option<Cow<'a, str>>),
    keys: Option<&'static str>,
    problem: Option<String>,
    state: SessionState,
) -> Row<'a> {
    Row {
        profile: p.name,
        kind,
        role_arn: p.get("role_arn").map(Cow::Borrowed).or_else(|| {
            (kind == "sso").then(|| {
                Cow::Owned(format!(
                    "{}/{}",
                    p.get("sso_account_id").unwrap_or("?"),
                    p.get("sso_role_name").unwrap_or("?")
                ))
            })
        }),
        sso_account_id: p.get("sso_account_id"),
        sso_role_name: p.get("sso_role_name"),
        source,
        region: p.get("region"),
        mfa_serial: p.get("mfa_serial"),
        keys,
        problem,
        state,
        session: match state {
            SessionState::Valid(_) => "valid",
            SessionState::Expired => "expired",
            SessionState::None => "none",
        },
        session_expires: match state {
            SessionState::Valid(e) => Some(crate::domain::text::timestamp(e)),
            _ => None,
        },
    }
}

pub fn run(args: ListArgs, ctx: &mut Context) -> Result<Outcome, Error> {
    let profiles = ctx.profiles()?;
    if profiles.no_files {
        return Err(profiles.no_files_error().into());
    }
    if args.names {
        let mut text = String::new();
        for name in profiles.names() {
            // Shown, never obeyed: control characters escaped, as in the table.
            text.push_str(&printable(name));
            text.push('\n');
        }
        write_out(ctx, text.as_bytes())?;
        return Ok(Outcome::Done);
    }
    let now = ctx.clock.now();
    let entries = ctx.cached_index();
    let indexed: FnvSet<String> = entries.iter().map(|e| e.profile.clone()).collect();
    let index: HashMap<String, i64> = entries.into_iter().map(|e| (e.key, e.expiration)).collect();
    let mut rows = rows(&profiles, &inputs(ctx, &NO_OVERRIDES), &index, &indexed);
    for row in rows.iter_mut().filter(|r| r.keys == Some("keychain")) {
        if let Some(kind) = ctx.keys.kind_of(row.profile) {
            row.keys = Some(kind);
            row.source = Some(Cow::Borrowed(kind));
        }
    }
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&rows).unwrap_or_default();
        t.push('\n');
        t
    } else {
        let mut table = table(rows, now);
        render(&mut table, ctx.terminal.color, ctx.terminal.width)
    };
    write_out(ctx, text.as_bytes())?;
    ctx.retire((profiles, index, indexed, text));
    Ok(Outcome::Done)
}

/// A row's colours: the profile bold, the session by its state.
fn style(r: &Row) -> [&'static str; 7] {
    let session = match (&r.problem, r.state) {
        (Some(_), _) => "31",
        (None, SessionState::Valid(_)) => "32",
        (None, SessionState::Expired) => "33",
        (None, SessionState::None) => "2",
    };
    ["1", "", "", "", "", "", session]
}

/// The columns, in order; `fit` drops them from the back of `DROP_ORDER` first.
const HEADER: [&str; 7] = [
    "PROFILE", "KIND", "ROLE", "SOURCE", "REGION", "MFA", "SESSION",
];
/// Which columns go, one by one, when the table is wider than the terminal.
const DROP_ORDER: [usize; 4] = [5, 4, 3, 1];
const ROLE: usize = 2;

/// The table's text: every row whole when piped (`width` is `None`); on a terminal, as wide
/// as it is: ARNs shortened to the role's name first, then columns dropped, then the role cut.
fn render(table: &mut Table, color: bool, width: Option<usize>) -> String {
    let fit = Fit {
        shorten: ROLE,
        drop_order: &DROP_ORDER,
    };
    table.render(&fit, color, width)
}

/// The table of the rows.
fn table(rows: Vec<Row<'_>>, now: OffsetDateTime) -> Table<'_> {
    const DASH: &str = "—";
    let styles: Vec<&str> = rows.iter().flat_map(style).collect();
    let cells = rows.into_iter().flat_map(|r| {
        [
            Cow::Borrowed(r.profile),
            Cow::Borrowed(r.kind),
            r.role_arn.unwrap_or(Cow::Borrowed(DASH)),
            r.source.unwrap_or(Cow::Borrowed(DASH)),
            Cow::Borrowed(r.region.unwrap_or(DASH)),
            Cow::Borrowed(
                r.mfa_serial
                    .map(|m| m.rsplit(':').next().unwrap_or(m))
                    .unwrap_or(DASH),
            ),
            match &r.problem {
                Some(problem) => Cow::Owned(format!("broken: {problem}")),
                None => r.state.text(now),
            },
        ]
        // Names and values from the config are shown, never obeyed by the terminal (a cell
        // with nothing to escape is kept as it is).
        .map(|cell| match printable(&cell) {
            Cow::Borrowed(_) => cell,
            Cow::Owned(escaped) => Cow::Owned(escaped),
        })
    });
    let mut table = Table {
        header: HEADER.iter().map(|h| Cow::Borrowed(*h)).collect(),
        cells: Vec::with_capacity(styles.len()),
        styles,
    };
    table.cells.extend(cells);
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    #[test]
    fn kinds_sources_and_session_states() {
        let config = "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = default\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/maria\n[profile e]\nrole_arn = arn:aws:iam::123456789012:role/e\ncredential_source = Ec2InstanceMetadata\n[profile w]\nrole_arn = arn:aws:iam::123456789012:role/w\nweb_identity_token_file = /t\n[profile p]\ncredential_process = x\n[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = ghost\n";
        let creds = "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n";
        let profiles = Profiles::from_strs(config, creds).unwrap();
        let vars = crate::domain::Vars::default();
        let settings = crate::settings::Settings::default();
        let inputs = Inputs {
            vars: &vars,
            settings: &settings,
            now: NOW,
            overrides: &Default::default(),
            identity: &crate::ports::identity::Anonymous,
            stored_keys: &Default::default(),
            policies: &crate::ports::policy::NoPolicyFiles,
            cache_keys: true,
        };
        let plan_r = plan(&profiles, "r", &inputs).unwrap();
        let plan_e = plan(&profiles, "e", &inputs).unwrap();
        let index = HashMap::from([
            (
                plan_r.steps.last().unwrap().cache_key().to_string(),
                (NOW + time::Duration::minutes(42)).unix_timestamp(),
            ),
            (
                plan_e.steps.last().unwrap().cache_key().to_string(),
                (NOW - time::Duration::minutes(1)).unix_timestamp(),
            ),
        ]);
        let indexed: FnvSet<String> = ["r".to_string(), "e".to_string()].into_iter().collect();
        let rows = rows(&profiles, &inputs, &index, &indexed);
        let summary: Vec<(&str, &str, String)> = rows
            .iter()
            .map(|r| (r.profile, r.kind, r.state.text(NOW).into_owned()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("r", "role", "valid 42m".to_string()),
                ("e", "credential source", "expired".to_string()),
                ("w", "web identity", "—".to_string()),
                ("p", "process", "—".to_string()),
                ("broken", "role", "—".to_string()),
                ("default", "keys", "—".to_string()),
            ]
        );
        let text = render(&mut table(rows.clone(), NOW), false, None);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("PROFILE  KIND"), "{text}");
        assert!(
            lines[1].contains("arn:aws:iam::123456789012:role/r")
                && lines[1].contains("mfa/maria")
                && lines[1].ends_with("valid 42m"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
        assert!(
            render(&mut table(rows.clone(), NOW), true, None).contains("\x1b[32mvalid 42m\x1b[0m")
        );
        let broken = rows.iter().find(|r| r.profile == "broken").unwrap();
        assert_eq!(
            broken.problem.as_deref(),
            Some("source_profile \"ghost\" is missing")
        );
        assert!(
            text.lines().any(|l| l.starts_with("broken ")
                && l.ends_with("broken: source_profile \"ghost\" is missing")),
            "{text}"
        );
        // On a narrow terminal: role names instead of ARNs, then fewer columns, never wider.
        for width in [100, 80, 60, 40] {
            let narrow = render(&mut table(rows.clone(), NOW), false, Some(width));
            for line in narrow.lines() {
                assert!(
                    line.chars().count() <= width.max(52),
                    "{width}: {line:?}\n{narrow}"
                );
            }
            assert!(narrow.lines().nth(1).unwrap().starts_with("r "), "{narrow}");
        }
        let narrow = render(&mut table(rows.clone(), NOW), false, Some(80));
        assert!(
            !narrow.contains("arn:aws:iam") && narrow.contains(" r "),
            "{narrow}"
        );
    }
}
