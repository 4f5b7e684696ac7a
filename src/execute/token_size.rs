//! `doctor --online PROFILE`: a session of the profile whose token STS pads to the largest size
//! it gives (`MinimumSessionTokenSize`, 4,096 bytes), checked in every session store layer and
//! in every output format, so a set-up shows it keeps such tokens whole before STS hands them
//! out unasked. The session is neither cached under the profile nor handed out.

use super::{execute, Deps, ExecuteError, MfaToken};
use crate::domain::env;
use crate::domain::freshness::{CacheMode, CachePolicy};
use crate::domain::plan::Plan;
use crate::domain::Vars;
use crate::ports::store::StoreCheck;
use crate::printer::Printer;
use crate::render::{render, Format};

/// The largest session token STS gives, and what `MinimumSessionTokenSize` asks for.
pub const LARGEST_TOKEN: u16 = 4096;

/// What the check found.
pub struct TokenSize {
    /// The size of the token STS answered with.
    pub size: usize,
    /// Each store layer, with its problem if it did not keep the session whole.
    pub stores: Vec<StoreCheck>,
    /// Each output format, with why it cannot carry the token whole, if it cannot.
    pub formats: Vec<(&'static str, Option<String>)>,
}

/// Gets the session of `plan` (which asks for the largest token: `Overrides::min_token_size`),
/// bypassing the cache, and checks it everywhere it would go.
pub fn check(plan: &Plan, deps: Deps, out: &mut Printer) -> Result<TokenSize, ExecuteError> {
    let policy = CachePolicy {
        mode: CacheMode::Bypass,
        refresh_window: None,
    };
    let credentials = execute(plan, deps, out, policy, &MfaToken::new(None))?;
    let token = credentials
        .session_token
        .as_ref()
        .map(|t| t.expose().to_string())
        .unwrap_or_default();
    let changes = env::changes(&credentials, &plan.target(), &Vars::default());
    let formats = [
        ("sh", Format::Sh),
        ("fish", Format::Fish),
        ("powershell", Format::PowerShell),
        ("cmd", Format::Cmd),
        ("dotenv", Format::Dotenv),
        ("json", Format::Json),
    ]
    .into_iter()
    .map(|(name, format)| {
        let problem = match render(format, &changes) {
            Ok(text) if text.contains(&token) => None,
            Ok(_) => Some("the token is not whole in the output".to_string()),
            Err(e) => Some(e.to_string()),
        };
        (name, problem)
    })
    .collect();
    Ok(TokenSize {
        size: token.len(),
        stores: deps.store.check_session(&credentials),
        formats,
    })
}
