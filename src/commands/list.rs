//! `rolecall list`: every profile with its kind, source and cached session. Never calls STS,
//! never prompts, never unlocks the keychain (session states come from the index).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;
use time::OffsetDateTime;

use super::obtain::{inputs, NO_OVERRIDES};
use std::io::Write;

use super::{write_out, write_pieces, Context};
use crate::cli::ListArgs;
use crate::config::Profile;
use crate::domain::freshness::SessionState;
use crate::domain::text::printable_ascii;
use crate::domain::vars::FnvSet;
use crate::domain::{printable, Outcome};
use crate::error::Error;
use crate::plan::survey::{survey, Found, Keys};
use crate::render::table::{Fit, Table};

/// A row as `--json` writes it.
#[derive(Serialize)]
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
    /// Why the profile cannot work, if it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a str>,
    session: &'static str,
    session_expires: Option<String>,
}

/// A profile's row as `--json` writes it.
fn row<'r>(f: &'r Found) -> Row<'r> {
    let p = f.profile;
    Row {
        profile: p.name,
        kind: f.kind,
        role_arn: f.role(),
        source: f.source(),
        region: p.get("region"),
        mfa_serial: p.get("mfa_serial"),
        sso_account_id: p.get("sso_account_id"),
        sso_role_name: p.get("sso_role_name"),
        keys: f.keys.name(),
        problem: f.problem.as_deref(),
        session: match f.state {
            SessionState::Valid(_) => "valid",
            SessionState::Expired => "expired",
            SessionState::None => "none",
        },
        session_expires: match f.state {
            SessionState::Valid(e) => Some(crate::domain::text::timestamp(e)),
            _ => None,
        },
    }
}

/// The rows as a JSON array, each built as it is written.
struct Rows<'r, 'a>(&'r [Found<'a>]);

impl Serialize for Rows<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(row))
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
    let mut found = survey(&profiles, &inputs(ctx, &NO_OVERRIDES), &index, &indexed);
    for f in found.iter_mut().filter(|f| f.keys.stored()) {
        if let Some(store) = ctx.keys.kind_of(f.profile.name) {
            f.keys = match store {
                "file-store" => Keys::FileStore,
                _ => Keys::Keychain,
            };
        }
    }
    if args.json {
        write_pieces(ctx, |out| {
            serde_json::to_writer_pretty(&mut *out, &Rows(&found))?;
            out.write_all(b"\n")
        })?;
    } else {
        let (color, width) = (ctx.terminal.color, ctx.terminal.width);
        write_pieces(ctx, |out| write(&found, now, color, width, out))?;
    }
    drop(found); // borrows the profiles; a few strings of its own
    ctx.retire((profiles, index, indexed));
    Ok(Outcome::Done)
}

/// A row's colour in a column: the profile bold, the session by its state.
fn style(f: &Found, column: usize) -> &'static str {
    match (column, &f.problem, f.state) {
        (0, _, _) => "1",
        (SESSION, Some(_), _) => "31",
        (SESSION, None, SessionState::Valid(_)) => "32",
        (SESSION, None, SessionState::Expired) => "33",
        (SESSION, None, SessionState::None) => "2",
        _ => "",
    }
}

/// The columns, in order; `fit` drops them from the back of `DROP_ORDER` first.
const HEADER: [&str; 7] = [
    "PROFILE", "KIND", "ROLE", "SOURCE", "REGION", "MFA", "SESSION",
];
/// Which columns go, one by one, when the table is wider than the terminal.
const DROP_ORDER: [usize; 4] = [5, 4, 3, 1];
const ROLE: usize = 2;
const SESSION: usize = 6;

/// How the table fits a terminal: ARNs shortened to the role's name first, then columns
/// dropped, then the role cut.
const FIT: Fit = Fit {
    shorten: ROLE,
    drop_order: &DROP_ORDER,
};

/// A profile's cell in a column.
/// `plain`: the profile's name and values are printable ASCII (see [`plain`]).
fn cell<'a>(f: &Found<'a>, column: usize, now: OffsetDateTime, plain: bool) -> Cow<'a, str> {
    const DASH: &str = "—";
    // Names and values from the config are shown, never obeyed by the terminal (a cell with
    // nothing to escape is kept as it is); the kinds and session states are rolecall's own.
    let shown = |cell: Cow<'a, str>| match plain {
        true => cell,
        false => match printable(&cell) {
            Cow::Borrowed(_) => cell,
            Cow::Owned(escaped) => Cow::Owned(escaped),
        },
    };
    let p = f.profile;
    match column {
        0 => shown(Cow::Borrowed(p.name)),
        1 => Cow::Borrowed(f.kind),
        ROLE => shown(f.role().unwrap_or(Cow::Borrowed(DASH))),
        3 => shown(f.source().unwrap_or(Cow::Borrowed(DASH))),
        4 => shown(Cow::Borrowed(p.get("region").unwrap_or(DASH))),
        5 => shown(Cow::Borrowed(
            p.get("mfa_serial")
                .map(|m| m.rsplit(':').next().unwrap_or(m))
                .unwrap_or(DASH),
        )),
        _ => match &f.problem {
            // A problem may name another profile (a cycle's): always escaped.
            Some(problem) => Cow::Owned(format!("broken: {}", printable(problem))),
            None => f.state.text(now),
        },
    }
}

/// Whether every cell made of `profile` is shown as it is: its name and every value are
/// printable ASCII, and so is whatever a cell makes of them.
fn plain(profile: Profile) -> bool {
    printable_ascii(profile.name) && profile.properties().all(|(_, p)| printable_ascii(&p.value))
}

/// Writes the table of the profiles: every row whole when piped (`width` is `None`); on a
/// terminal, as wide as it is (see [`FIT`]). Its cells are made as they are written.
fn write(
    found: &[Found],
    now: OffsetDateTime,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // Each profile's values tested once, not in each of its cells twice (widths, then text).
    let plain_rows: Vec<bool> = found.iter().map(|f| plain(f.profile)).collect();
    let cell = |row: usize, column: usize| cell(&found[row], column, now, plain_rows[row]);
    let style = |row: usize, column: usize| style(&found[row], column);
    let table = Table {
        header: &HEADER,
        rows: found.len(),
        cell: &cell,
        style: &style,
    };
    table.write(&FIT, color, width, out)
}

#[cfg(test)]
fn render(found: &[Found], now: OffsetDateTime, color: bool, width: Option<usize>) -> String {
    let mut out = Vec::new();
    write(found, now, color, width, &mut out).expect("a Vec takes every write");
    String::from_utf8(out).expect("the table's text is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Profiles;
    use crate::plan::{plan, Inputs};
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
            checked: None,
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
        let rows = survey(&profiles, &inputs, &index, &indexed);
        let summary: Vec<(&str, &str, String)> = rows
            .iter()
            .map(|f| (f.profile.name, row(f).kind, f.state.text(NOW).into_owned()))
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
        let text = render(&rows, NOW, false, None);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("PROFILE  KIND"), "{text}");
        assert!(
            lines[1].contains("arn:aws:iam::123456789012:role/r")
                && lines[1].contains("mfa/maria")
                && lines[1].ends_with("valid 42m"),
            "{text}"
        );
        assert!(!text.contains('\x1b'));
        assert!(render(&rows, NOW, true, None).contains("\x1b[32mvalid 42m\x1b[0m"));
        let broken = rows.iter().find(|f| f.profile.name == "broken").unwrap();
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
            let narrow = render(&rows, NOW, false, Some(width));
            for line in narrow.lines() {
                assert!(
                    line.chars().count() <= width.max(52),
                    "{width}: {line:?}\n{narrow}"
                );
            }
            assert!(narrow.lines().nth(1).unwrap().starts_with("r "), "{narrow}");
        }
        let narrow = render(&rows, NOW, false, Some(80));
        assert!(
            !narrow.contains("arn:aws:iam") && narrow.contains(" r "),
            "{narrow}"
        );
    }

    #[test]
    fn a_value_with_a_control_character_is_shown_escaped_and_its_neighbours_as_they_are() {
        let config = "[profile v]\ncredential_process = x\nregion = \u{1b}[31mred\n[profile w]\ncredential_process = x\nregion = eu-west-1\n[profile \u{1b}x]\nregion = x\n[profile b]\nregion = a\u{202e}b\n";
        let profiles = Profiles::from_strs(config, "").unwrap();
        let (vars, settings) = (
            crate::domain::Vars::default(),
            crate::settings::Settings::default(),
        );
        let inputs = Inputs::basic(&vars, &settings, NOW);
        let rows = survey(&profiles, &inputs, &HashMap::new(), &FnvSet::default());
        assert_eq!(
            rows.iter().map(|f| plain(f.profile)).collect::<Vec<_>>(),
            [false, true, false, false]
        );
        let text = render(&rows, NOW, false, None);
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("\\u{1b}[31mred"), "{text:?}");
        assert!(text.contains("eu-west-1"), "{text:?}");
        assert!(text.lines().any(|l| l.starts_with("\\u{1b}")), "{text:?}");
        // A bidirectional control (not ASCII) is escaped too.
        assert!(
            !text.contains('\u{202e}') && text.contains("a\\u{202e}b"),
            "{text:?}"
        );
    }
}
