//! Arbitrary config and credentials text and a profile name: parsing and planning must give a
//! result or an error, never a panic, a hang or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rolecall::fuzzing::{plan, Inputs, Profiles, Settings, Vars};

fuzz_target!(|data: &[u8]| {
    // Split the input into config text, credentials text and a profile name.
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1}');
    let config = parts.next().unwrap_or("");
    let credentials = parts.next().unwrap_or("");
    let name = parts.next().unwrap_or("default");
    let Ok(profiles) = Profiles::from_strs(config, credentials) else {
        return;
    };
    let vars = Vars::from_pairs([
        ("USER", "fuzz"),
        ("AWS_ACCESS_KEY_ID", "AKIA"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ]);
    let settings = Settings::from_vars(&vars);
    let inputs = Inputs::basic(&vars, &settings, time::OffsetDateTime::UNIX_EPOCH);
    let _ = plan(&profiles, name, &inputs);
    for candidate in profiles.names().take(50) {
        let _ = plan(&profiles, candidate, &inputs);
    }
});
