//! Test doubles and harnesses, compiled only for tests: a fake of every port, an in-memory
//! store, a fixed clock, fixtures, and [`World`], which runs a whole command line in-process.
//! Tests anywhere may use this module; it may use any layer.

mod account_flows;
mod fakes;
mod flows;
mod keys;
mod login;
mod login_flows;
mod memory;
mod sso;
mod world;

use time::macros::datetime;
use time::OffsetDateTime;

pub use fakes::{CountingPrompt, FakeSources, FakeSts, FixedClock, NoPicker, NoPrompt};
pub use keys::{FakeIam, MemoryKeys, ScriptedAsk};
pub use login::{FakeSignIn, MemoryLoginFiles};
pub use memory::MemoryStore;
pub use sso::{FakeSso, MemoryTokens, NoAuthorize};
pub use world::World;

use crate::config::Profiles;
use crate::domain::plan::Plan;
use crate::domain::Vars;
use crate::plan::{plan, Inputs};
use crate::settings::Settings;

/// The time every fake answers at unless a test says otherwise.
pub const NOW: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);

/// The plan for `name` from config and credentials text, with these variables.
pub fn plan_of(
    config: &str,
    credentials: &str,
    name: &str,
    vars: &[(&str, &str)],
    now: OffsetDateTime,
) -> Plan {
    let profiles = Profiles::from_strs(config, credentials).expect("the fixture parses");
    let vars = Vars::from_pairs(vars.iter().copied());
    let settings = Settings::from_vars(&vars);
    let inputs = Inputs {
        vars: &vars,
        settings: &settings,
        now,
        overrides: &Default::default(),
        identity: &crate::ports::identity::Anonymous,
        stored_keys: &Default::default(),
        policies: &crate::ports::policy::NoPolicyFiles,
        checked: None,
    };
    plan(&profiles, name, &inputs).expect("the fixture plans")
}
