//! `--dry-run`: the plan in words, with what is cached, without calling STS or unlocking the
//! keychain. Answers "why am I prompted" and "why is my session one hour".

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use time::{Duration, OffsetDateTime};

use crate::domain::env::Change;
use crate::domain::freshness::{resume_point, CacheMode, CachePolicy, SessionState};
use crate::domain::plan::{Mfa, Plan, Source, Step};
use crate::domain::printable;
use crate::domain::text::human;

/// What the dry run knows besides the plan.
pub struct Facts<'a> {
    /// Cache key → expiry (unix seconds), from the session index.
    pub index: &'a HashMap<String, i64>,
    /// Cache key → the role session name a cached session was made with.
    pub session_names: &'a HashMap<String, String>,
    /// Keys of the plan's sessions that the store holds but the index does not list: their
    /// expiry is unknown until the run reads them.
    pub unindexed: &'a HashSet<String>,
    pub now: OffsetDateTime,
    pub policy: CachePolicy,
    /// `--mfa-token` was given.
    pub mfa_token: bool,
    /// What will make the run fail, seen from the environment.
    pub warnings: &'a [String],
    /// The variables the run will set and unset (values of secrets are never shown).
    pub changes: &'a [Change],
    /// What else the run does with the credentials (an endpoint, a console sign-in).
    pub hands_out: &'a [String],
    /// For an SSO source: the token's state in words (whose, how long, refreshable).
    pub sso_token: Option<&'a str>,
}

/// Renders the plan.
pub fn render(plan: &Plan, facts: &Facts) -> String {
    let view = View::new(plan, facts);
    let mut out = String::new();
    view.header(&mut out);
    view.source(&mut out);
    view.sso(&mut out);
    view.steps(&mut out);
    view.remarks(&mut out);
    view.caching(&mut out);
    out
}

/// What each section of the text reads: the plan, the facts, the state of each step's cached
/// session and the step the run starts at.
struct View<'a> {
    plan: &'a Plan,
    facts: &'a Facts<'a>,
    states: Vec<SessionState>,
    start: usize,
}

impl<'a> View<'a> {
    /// Looks up each step's cached session and where the run starts, by the executor's own
    /// rule: after the outermost fresh session.
    fn new(plan: &'a Plan, facts: &'a Facts<'a>) -> Self {
        let (now, policy) = (facts.now, facts.policy);
        let states: Vec<SessionState> = plan
            .steps
            .iter()
            .map(|s| match policy.mode {
                CacheMode::Use => SessionState::of(facts.index, s.cache_key(), now),
                CacheMode::Bypass => SessionState::None,
            })
            .collect();
        let start = resume_point(plan.steps.len(), |i| match states[i] {
            SessionState::Valid(expiry) => {
                policy.fresh(expiry, now, policy.window(plan.steps[i].lifetime_seconds()))
            }
            _ => false,
        });
        View {
            plan,
            facts,
            states,
            start,
        }
    }

    /// The number of STS calls the run makes.
    fn calls(&self) -> usize {
        self.plan.steps.len() - self.start
    }

    /// Whether a step the run would call STS for may be skipped: it has a session outside the
    /// index, which the run uses if it is still fresh, or it is made only if a
    /// `credential_process` answers long-term keys.
    fn maybe_cached(&self) -> bool {
        self.plan.steps[self.start..].iter().any(|s| {
            let unindexed = self.facts.policy.mode == CacheMode::Use
                && self.facts.unindexed.contains(s.cache_key());
            let conditional = matches!(s, Step::GetSessionToken(g) if g.only_for_long_term_keys);
            unindexed || conditional
        })
    }

    /// `profile "p": 2 STS calls (region, endpoint)`.
    fn header(&self, out: &mut String) {
        let plan = self.plan;
        let _ = writeln!(
            out,
            "profile \"{}\": {} ({}{})",
            plan.profile,
            match (self.calls(), self.maybe_cached()) {
                (0, _) => "no STS call".to_string(),
                (1, false) => "1 STS call".to_string(),
                (n, false) => format!("{n} STS calls"),
                (1, true) => "at most 1 STS call".to_string(),
                (n, true) => format!("at most {n} STS calls"),
            },
            plan.endpoint.region,
            plan.endpoint
                .url
                .as_deref()
                .map(|u| format!(", {}", crate::domain::text::redact_url(u)))
                .unwrap_or_default()
        );
    }

    /// The `source:` line: the root credentials, and whether the run needs them.
    fn source(&self, out: &mut String) {
        let command = match &self.plan.source {
            Source::Process {
                command, cache_key, ..
            } => match self.process_cached(cache_key) {
                Some(state) => {
                    format!(", which runs {command} (its answer is cached, {state}: not run)")
                }
                None => format!(", which runs {command}"),
            },
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "  source: {}{command}{}",
            self.plan.source.describe(),
            if self.start > 0 {
                " (not needed: a later session is cached)"
            } else {
                ""
            }
        );
    }

    /// A cached answer of the `credential_process` that the run uses, in words.
    fn process_cached(&self, cache_key: &str) -> Option<String> {
        let (now, policy) = (self.facts.now, self.facts.policy);
        if self.start > 0 || policy.mode == CacheMode::Bypass {
            return None;
        }
        match SessionState::of(self.facts.index, cache_key, now) {
            SessionState::Valid(e) if policy.fresh(e, now, policy.process_window()) => {
                Some(SessionState::Valid(e).text(now).into_owned())
            }
            _ => None,
        }
    }

    /// For an SSO source, the `SSO:` line (cached or a portal call) and the token's state when
    /// the portal is called.
    fn sso(&self, out: &mut String) {
        let Source::Sso { role, cache_key } = &self.plan.source else {
            return;
        };
        let (now, policy) = (self.facts.now, self.facts.policy);
        let cached = match policy.mode {
            CacheMode::Use => SessionState::of(self.facts.index, cache_key, now),
            CacheMode::Bypass => SessionState::None,
        };
        let fresh =
            matches!(cached, SessionState::Valid(e) if policy.fresh(e, now, policy.window(3600)));
        let status = if self.start > 0 {
            "not needed: a later session is cached".to_string()
        } else if fresh {
            format!("cached, {}", cached.text(now))
        } else {
            "calls the SSO portal".to_string()
        };
        let _ = writeln!(
            out,
            "  SSO: GetRoleCredentials {} in account {} through {} ({}, portal {}): {status}",
            role.role_name,
            role.account_id,
            role.session.describe(),
            role.session.region,
            crate::domain::text::redact_url(&role.endpoints.portal_url())
        );
        if self.start == 0 && !fresh {
            if let Some(token) = self.facts.sso_token {
                let _ = writeln!(out, "  SSO token: {token}");
            }
        }
    }

    /// One numbered line per step, then one `MFA:` line per code the run asks for.
    fn steps(&self, out: &mut String) {
        let mut mfa_lines = Vec::new();
        for (i, step) in self.plan.steps.iter().enumerate() {
            let (what, mfa) = self.call(i, step);
            if i >= self.start {
                if let Some(mfa) = mfa {
                    mfa_lines.push(mfa_line(mfa, i + 1, self.facts.mfa_token));
                }
            }
            let status = self.status(i);
            let _ = writeln!(out, "  {}. {what} [{}]: {status}", i + 1, step.profile());
        }
        for line in mfa_lines {
            let _ = writeln!(out, "  {line}");
        }
    }

    /// The STS call of step `i` in words, and the MFA device it needs a code for.
    fn call(&self, i: usize, step: &'a Step) -> (String, Option<&'a Mfa>) {
        match step {
            Step::GetSessionToken(g) => (
                match &g.mfa {
                    Some(mfa) => format!(
                        "GetSessionToken with MFA {} for {}",
                        mfa.serial,
                        duration(Some(g.duration_seconds))
                    ),
                    None if g.only_for_long_term_keys => format!(
                        "GetSessionToken for {}, only if credential_process answers long-term keys (a session instead of them; --no-session passes them)",
                        duration(Some(g.duration_seconds))
                    ),
                    None => format!(
                        "GetSessionToken for {} (a session instead of the long-term keys; --no-session passes the keys)",
                        duration(Some(g.duration_seconds))
                    ),
                },
                g.mfa.as_ref(),
            ),
            Step::AssumeRole(a) => (
                format!(
                    "AssumeRole {} as {} for {}{}{}{}",
                    a.role_arn,
                    self.session_name(i, &a.session_name),
                    duration(a.duration_seconds),
                    a.external_id
                        .as_deref()
                        .map(|_| ", with external_id")
                        .unwrap_or(""),
                    tag_text(&a.tags),
                    a.tags
                        .source_identity
                        .as_deref()
                        .map(|s| format!(", source identity {s}"))
                        .unwrap_or_default()
                ) + &a.policy.describe(),
                a.mfa.as_ref(),
            ),
            Step::AssumeRoleWithWebIdentity(w) => (
                format!(
                    "AssumeRoleWithWebIdentity {} as {} with {} for {}{}",
                    w.role_arn,
                    self.session_name(i, &w.session_name),
                    w.token,
                    duration(w.duration_seconds),
                    w.policy.describe()
                ),
                None,
            ),
        }
    }

    /// The session name of step `i`: a cached step shows the name its session was made with,
    /// not the one a new call would use.
    fn session_name(&self, i: usize, planned: &str) -> String {
        let step = &self.plan.steps[i];
        match self.facts.session_names.get(step.cache_key()) {
            Some(name) if i + 1 == self.start => name.clone(),
            _ => planned.to_string(),
        }
    }

    /// Whether step `i` is skipped, served from the cache or calls STS (and why not cached).
    fn status(&self, i: usize) -> String {
        let now = self.facts.now;
        if i + 1 < self.start {
            "not needed: a later session is cached".to_string()
        } else if i + 1 == self.start {
            format!("cached, {}", self.states[i].text(now))
        } else {
            let cached_note = match self.states[i] {
                SessionState::Valid(e) => {
                    format!(" (cached session has only {} left)", human(e - now))
                }
                SessionState::Expired => " (cached session expired)".into(),
                SessionState::None
                    if self.facts.policy.mode == CacheMode::Use
                        && self
                            .facts
                            .unindexed
                            .contains(self.plan.steps[i].cache_key()) =>
                {
                    " unless the session the keychain holds outside the index is still fresh".into()
                }
                SessionState::None => String::new(),
            };
            format!("calls STS{cached_note}")
        }
    }

    /// The plan's notes, the warnings and the variables the run sets and unsets.
    fn remarks(&self, out: &mut String) {
        for note in &self.plan.notes {
            let _ = writeln!(out, "  note: {note}");
        }
        for warning in self.facts.warnings {
            let _ = writeln!(out, "  warning: {warning}");
        }
        for line in self.facts.hands_out {
            let _ = writeln!(out, "  {line}");
        }
        if !self.facts.changes.is_empty() {
            let _ = writeln!(out, "  {}", variables(self.facts.changes));
        }
    }

    /// When the run calls STS and caches, how long its new sessions are reused.
    fn caching(&self, out: &mut String) {
        let policy = self.facts.policy;
        if self.calls() > 0 && policy.mode == CacheMode::Use {
            let lifetime = self.plan.steps.last().map_or(3600, Step::lifetime_seconds);
            let _ = writeln!(
                out,
                "  new sessions are cached and reused while more than {} of their life remains",
                human(policy.window(lifetime))
            );
        }
    }
}

/// `sets A, B, AWS_REGION=eu-west-1; unsets C`: names, and the values that are no secret.
pub fn variables(changes: &[Change]) -> String {
    const SHOWN: &[&str] = &[
        "AWS_ACCOUNT_ID",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "ROLECALL_PROFILE",
    ];
    let set: Vec<String> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Set("ROLECALL_SET_VARS", _) => None, // bookkeeping for the next export
            Change::Set(k, v) if SHOWN.contains(k) => Some(format!("{k}={v}")),
            Change::Set(k, _) => Some(k.to_string()),
            Change::Unset(_) => None,
        })
        .collect();
    let unset: Vec<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::Unset(k) if *k != "ROLECALL_SET_VARS" => Some(*k),
            Change::Unset(_) => None,
            Change::Set(..) => None,
        })
        .collect();
    format!("sets {}; unsets {}", set.join(", "), unset.join(", "))
}

/// `, with session tags team, env`: the keys (values may be personal).
fn tag_text(tags: &crate::domain::plan::SessionTags) -> String {
    if tags.tags.is_empty() {
        return String::new();
    }
    let keys: Vec<&str> = tags.tags.iter().map(|(k, _)| k.as_str()).collect();
    format!(", with session tags {}", keys.join(", "))
}

fn mfa_line(mfa: &Mfa, step: usize, mfa_token: bool) -> String {
    let from = if mfa_token {
        "--mfa-token"
    } else if mfa.process.is_some() {
        "mfa_process"
    } else {
        "a prompt on the terminal"
    };
    format!(
        "MFA: one code for {} at step {step}, from {from}",
        mfa.serial
    )
}

/// The plan as comment lines (`# …`), which every shell format reads as nothing: a plan that
/// reaches `eval "$(rolecall export --dry-run p)"` or `| source` shows nothing and runs
/// nothing, whatever a config value holds. Control characters are escaped so that no value
/// can end a comment line (PowerShell ends lines at a carriage return too).
pub fn as_comments(plan_text: &str) -> String {
    plan_text
        .lines()
        .map(|line| format!("# {}\n", printable(line)))
        .collect()
}

fn duration(seconds: Option<u32>) -> String {
    match seconds {
        Some(s) => human(Duration::seconds(i64::from(s))),
        None => "1h 00m (STS default)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::plan_of;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

    fn facts(index: &HashMap<String, i64>, mode: CacheMode, mfa_token: bool) -> Facts<'_> {
        static NAMES: std::sync::OnceLock<HashMap<String, String>> = std::sync::OnceLock::new();
        static NONE: std::sync::OnceLock<HashSet<String>> = std::sync::OnceLock::new();
        Facts {
            index,
            session_names: NAMES.get_or_init(HashMap::new),
            unindexed: NONE.get_or_init(HashSet::new),
            hands_out: &[],
            now: NOW,
            policy: CachePolicy::new(mode),
            mfa_token,
            warnings: &[],
            changes: &[],
            sso_token: None,
        }
    }

    fn three_role_chain_with_mfa() -> Plan {
        let config = "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = default\nmfa_serial = arn:aws:iam::111111111111:mfa/maria\n[profile b]\nrole_arn = arn:aws:iam::222222222222:role/b\nsource_profile = a\nduration_seconds = 7200\n[profile c]\nrole_arn = arn:aws:iam::333333333333:role/c\nsource_profile = b\nduration_seconds = 43200\n";
        let creds = "[default]\naws_access_key_id = AKIAEXAMPLE1234\naws_secret_access_key = s\n";
        plan_of(config, creds, "c", &[("USER", "maria")], NOW)
    }

    #[test]
    fn cold_chain_shows_the_cap_and_one_mfa_step() {
        let p = three_role_chain_with_mfa();
        let text = render(&p, &facts(&HashMap::new(), CacheMode::Use, false));
        assert_eq!(
            text,
            "profile \"c\": 4 STS calls (us-east-1)\n  source: static keys of profile \"default\" (…1234)\n  1. GetSessionToken with MFA arn:aws:iam::111111111111:mfa/maria for 8h 00m [a]: calls STS\n  2. AssumeRole arn:aws:iam::111111111111:role/a as rolecall-maria-1795341600 for 1h 00m (STS default) [a]: calls STS\n  3. AssumeRole arn:aws:iam::222222222222:role/b as rolecall-maria-1795341600 for 1h 00m [b]: calls STS\n  4. AssumeRole arn:aws:iam::333333333333:role/c as rolecall-maria-1795341600 for 1h 00m [c]: calls STS\n  MFA: one code for arn:aws:iam::111111111111:mfa/maria at step 1, from a prompt on the terminal\n  note: profile \"b\": duration_seconds 7200 capped at 3600 because it is assumed with another role's session; STS limits a chained role session to one hour\n  note: profile \"c\": duration_seconds 43200 capped at 3600 because it is assumed with another role's session; STS limits a chained role session to one hour\n  new sessions are cached and reused while more than 15m of their life remains\n"
        );
    }

    #[test]
    fn the_plan_is_comments_that_no_value_can_end() {
        let text = as_comments("profile \"p\": x (eu;touch X)\n  y\r$(touch Y)\u{2028}\n");
        assert_eq!(
            text,
            "# profile \"p\": x (eu;touch X)\n#   y\\r$(touch Y)\u{2028}\n"
        );
    }

    #[test]
    fn warm_steps_are_shown_as_cached() {
        let p = three_role_chain_with_mfa();
        let index = HashMap::from([
            (
                p.steps[0].cache_key().to_string(),
                (NOW + Duration::hours(7)).unix_timestamp(),
            ),
            (
                p.steps[2].cache_key().to_string(),
                (NOW + Duration::minutes(42)).unix_timestamp(),
            ),
            (
                p.steps[3].cache_key().to_string(),
                (NOW + Duration::minutes(5)).unix_timestamp(),
            ),
        ]);
        let text = render(&p, &facts(&index, CacheMode::Use, true));
        assert!(text.starts_with("profile \"c\": 1 STS call"), "{text}");
        assert!(
            text.contains("source: static keys of profile \"default\" (…1234) (not needed"),
            "{text}"
        );
        assert!(
            text.contains("1. GetSessionToken")
                && text.contains("[a]: not needed: a later session is cached"),
            "{text}"
        );
        assert!(text.contains("[b]: cached, valid 42m"), "{text}");
        assert!(
            text.contains("[c]: calls STS (cached session has only 5m left)"),
            "{text}"
        );
        assert!(!text.contains("MFA: one code"), "no MFA needed: {text}");
        let bypass = render(&p, &facts(&index, CacheMode::Bypass, true));
        assert!(
            bypass.contains("4 STS calls") && bypass.contains("from --mfa-token"),
            "{bypass}"
        );
    }
}
