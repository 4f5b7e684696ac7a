//! The keychain of macOS (the login Keychain) and Windows (the Credential Manager), for real:
//! a session written, read back, listed and deleted the way `export` does it, with a session
//! token of STS's 4,096-byte maximum, which the Credential Manager (2,560 bytes a blob) only
//! takes split over several credentials. Linux's keychains have integration tests of their
//! own. Ignored by default, since they write to the user's own keychain: CI runs them on
//! macOS and Windows with `cargo test --lib -- --ignored platform_store`.

use crate::domain::{Credentials, Secret, Vars};
use crate::ports::store::Label;
use crate::settings::Settings;

/// A token as long as STS may send: 4,096 bytes of base64 text.
fn longest_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..4096)
        .map(|i| char::from(ALPHABET[(i * 7 + i / 64) % ALPHABET.len()]))
        .collect()
}

/// A key of this run alone (two CI jobs on one machine never share one).
fn unique_key(tag: &str) -> String {
    format!("{tag}{:08x}", std::process::id())
}

#[test]
#[ignore = "writes to this user's keychain: CI runs it on macOS and Windows with --ignored"]
fn platform_store_keeps_lists_and_forgets_a_session_with_a_4096_byte_token() {
    let tmp = tempfile::tempdir().unwrap();
    let vars = Vars::from_pairs([("HOME", tmp.path().to_string_lossy().into_owned())]);
    let settings = Settings {
        state_dir: Some(tmp.path().join("state")),
        ..Settings::default()
    };
    let state = super::StateDir::locate(settings.state_dir.as_deref(), &vars);
    let store = super::open(&settings, &vars, &state, false).unwrap();
    let session = Credentials {
        access_key_id: "ASIAPLATFORMSMOKE001".into(),
        secret_access_key: Secret::new("s".repeat(40)),
        session_token: Some(Secret::new(longest_token())),
        // 2100-01-01: the store keeps whatever it is given; no clock is read.
        expiration: Some(time::OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap()),
        account_id: None,
    };
    assert!(
        super::codec::encode(&session).unwrap().len() > 2560,
        "the session must not fit one Credential Manager blob"
    );
    let key = unique_key("5e55");
    let label = Label {
        profile: "smoke",
        session_name: None,
    };

    store.put(&key, label, &session).unwrap();
    let back = store.get(&key).unwrap();
    let listed = store.index();
    let held = store.stored_keys();
    store.remove(&key).unwrap();

    assert!(back == Some(session), "the session read back differs");
    assert!(
        listed.iter().any(|e| e.key == key && e.profile == "smoke"),
        "the index does not list the session"
    );
    // The Credential Manager store is built without listing; the macOS Keychain lists.
    if let Some(held) = held.unwrap() {
        assert!(
            held.contains(&key),
            "the keychain does not list the session"
        );
    }
    assert!(
        store.get(&key).unwrap().is_none(),
        "the session outlived remove"
    );
    assert!(store.index().iter().all(|e| e.key != key));
}

#[test]
#[ignore = "writes to this user's keychain: CI runs it on macOS and Windows with --ignored"]
fn platform_store_splits_a_large_secret_and_deletes_every_part() {
    let backend = super::platform::backend("auto").unwrap();
    let key = unique_key("split-");
    let bytes: Vec<u8> = longest_token().into_bytes().repeat(2);

    backend.set(&key, "rolecall smoke test", &bytes).unwrap();
    let back = backend.get(&key).unwrap();
    backend.delete(&key).unwrap();

    assert!(
        back.as_deref() == Some(bytes.as_slice()),
        "read back differs"
    );
    assert_eq!(backend.get(&key).unwrap(), None);
    // A continuation part (`KEY.1`, present only where the store splits) is gone too.
    assert_eq!(backend.get(&format!("{key}.1")).unwrap(), None);
}
