//! `--dry-run`: what a run of the plan would do, from what the stores hold now, without an STS
//! call, a prompt or a keychain unlock. The same plan, the same `resume_point` and cache rule
//! as the run; the stores are asked only which sessions they hold (the kernel keyring by name,
//! the Secret Service by attribute), never for a secret.

use std::collections::{HashMap, HashSet};

use crate::domain::console::Partition;
use crate::domain::env::{self, Change};
use crate::domain::freshness::CachePolicy;
use crate::domain::plan::{Plan, Source, Step};
use crate::domain::text::{human, redact_url};
use crate::domain::{Credentials, Secret, Vars};
use crate::ports::clock::Clock;
use crate::ports::sso::SsoTokens;
use crate::ports::store::SessionStore;
use crate::render::dry_run;

/// The ports a dry run reads.
#[derive(Clone, Copy)]
pub struct ExplainDeps<'a> {
    pub store: &'a dyn SessionStore,
    pub tokens: &'a dyn SsoTokens,
    pub clock: &'a dyn Clock,
}

/// What the command hands the credentials to.
pub enum HandsOut {
    /// Variables for a shell or a child (`export`, `use`, `exec`).
    Variables,
    /// A credential endpoint for a supervised command (`exec --server`); `isolated`: the
    /// command gets no shared files, with this region of `[default]`'s.
    Endpoint {
        isolated: Option<Option<String>>,
        /// As the instance metadata service (`--imds`) rather than a container endpoint.
        imds: bool,
    },
    /// A console sign-in (`console`), for `--duration` if given.
    Console { asked_seconds: Option<u32> },
}

/// What to explain.
pub struct Explain<'a> {
    pub plan: &'a Plan,
    pub policy: CachePolicy,
    /// `--mfa-token` was given.
    pub mfa_token: bool,
    pub hands_out: HandsOut,
    pub vars: &'a Vars,
    /// What will make the run fail, seen from the configuration and the environment.
    pub warnings: Vec<String>,
}

/// The plan in words, with what the stores hold.
pub fn explain(d: ExplainDeps, r: &Explain) -> String {
    let plan = r.plan;
    let entries = held_index(d.store);
    let index: HashMap<String, i64> = entries
        .iter()
        .map(|e| (e.key.clone(), e.expiration))
        .collect();
    let session_names: HashMap<String, String> = entries
        .into_iter()
        .filter_map(|e| Some((e.key, e.session_name?)))
        .collect();
    let unindexed = unindexed(d.store, plan, &index);
    let sso_token = match &plan.source {
        Source::Sso { role, .. } => Some(super::sso_view::token_state(d.tokens, d.clock, role)),
        _ => None,
    };
    let (changes, hands_out) = handed_out(r, d.clock.now());
    dry_run::render(
        plan,
        &dry_run::Facts {
            index: &index,
            session_names: &session_names,
            unindexed: &unindexed,
            now: d.clock.now(),
            policy: r.policy,
            mfa_token: r.mfa_token,
            warnings: &r.warnings,
            changes: &changes,
            hands_out: &hands_out,
            sso_token: sso_token.as_deref(),
        },
    )
}

/// The session index, without the sessions the store no longer holds: a dry run claims only
/// what the run will find. A store that cannot be reached holds nothing a run could use.
fn held_index(store: &dyn SessionStore) -> Vec<crate::ports::store::IndexEntry> {
    let mut entries = store.index();
    if entries.is_empty() {
        return entries;
    }
    let wanted: Vec<String> = entries.iter().map(|e| e.key.clone()).collect();
    match store.held(&wanted) {
        Ok(Some(keys)) => {
            let keys: HashSet<String> = keys.into_iter().collect();
            entries.retain(|e| keys.contains(&e.key));
        }
        Ok(None) => {}
        Err(_) => entries.clear(),
    }
    entries
}

/// The plan's sessions the store holds although the index does not list them (a lost or
/// stale index): the run reads them, and uses them while they are fresh.
fn unindexed(
    store: &dyn SessionStore,
    plan: &Plan,
    index: &HashMap<String, i64>,
) -> HashSet<String> {
    let missing: Vec<String> = plan
        .session_keys()
        .filter(|k| !index.contains_key(*k))
        .map(str::to_string)
        .collect();
    if missing.is_empty() {
        return HashSet::new();
    }
    store.surely_held(&missing).into_iter().collect()
}

/// The variables the run sets and unsets, from placeholder credentials of the kind it hands
/// out, and the lines that say what else it does with them.
fn handed_out(r: &Explain, now: time::OffsetDateTime) -> (Vec<Change>, Vec<String>) {
    let plan = r.plan;
    // A credential_process decides itself whether it returns a session or keys.
    let process_only = plan.steps.is_empty() && matches!(plan.source, Source::Process { .. });
    let temporary = !plan.steps.is_empty() || plan.source.temporary().is_some() || process_only;
    let placeholder = Credentials {
        access_key_id: String::new(),
        secret_access_key: Secret::new(""),
        session_token: temporary.then(|| Secret::new("")),
        expiration: temporary.then_some(now),
        account_id: plan.account(),
    };
    let changes = env::changes(&placeholder, &plan.target(), r.vars);
    let mut lines = Vec::new();
    if process_only {
        lines.push("AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION are set when the process answers with a session, unset when it answers with long-term keys".to_string());
    }
    match &r.hands_out {
        HandsOut::Variables => (changes, lines),
        HandsOut::Endpoint { isolated, imds } => {
            let mut changes = match imds {
                true => env::for_imds(changes, "http://127.0.0.1:PORT/"),
                false => env::for_endpoint(changes, "http://127.0.0.1:PORT/PATH", "TOKEN"),
            };
            lines.push(match imds {
                true => "serves the session as the instance metadata service (IMDSv2) on 127.0.0.1 (a random port) and refreshes it while it runs",
                false => "serves the session on 127.0.0.1 (a random port, path and token) and refreshes it while it runs",
            }.to_string());
            if let Some(region) = isolated {
                changes = env::without_shared_files(changes, region.as_deref(), r.vars);
                lines.push(format!(
                    "profile \"default\" has credentials of its own: the command reads no shared config or credentials file ({})",
                    env::NULL_DEVICE
                ));
            }
            (changes, lines)
        }
        HandsOut::Console { asked_seconds } => {
            lines.extend(console_lines(r, *asked_seconds));
            (Vec::new(), lines)
        }
    }
}

/// What `console` does with the session: the federation endpoint, for how long, then the
/// browser.
fn console_lines(r: &Explain, asked: Option<u32>) -> Vec<String> {
    let plan = r.plan;
    let role_arn = plan.role_arn();
    let partition = Partition::of(role_arn, plan.region.as_deref());
    let federation = partition.federation_url(r.vars.non_empty("AWS_ENDPOINT_URL_SIGNIN"));
    let federation = redact_url(&federation);
    let keys = plan.steps.is_empty() && plan.source.temporary().is_none();
    let seconds = |s: u32| human(time::Duration::seconds(i64::from(s)));
    let mut lines = Vec::new();
    if keys {
        lines.push(format!(
            "then GetFederationToken for {} (the sign-in endpoint takes no long-term keys)",
            seconds(asked.unwrap_or(3600))
        ));
        lines.push(format!("then getSigninToken at {federation}"));
    } else {
        let own = plan.steps.last().map(Step::lifetime_seconds);
        lines.push(format!(
            "then getSigninToken at {federation} for a console session of {}",
            seconds(asked.or(own).unwrap_or(3600))
        ));
    }
    lines.push("then opens the console in the browser through a one-shot 127.0.0.1 address (--stdout prints the URL instead); sets no variable".to_string());
    lines
}
