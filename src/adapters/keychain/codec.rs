//! The bytes a session is stored as in a keychain, and how large ones are split.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::domain::{Credentials, Secret};

/// Schema version of the stored bytes; anything else is a miss.
const VERSION: u32 = 1;
/// Marks the first part of a session split over several keychain entries.
const SPLIT_MARK: &str = "rolecall-split:";

#[derive(Serialize, Deserialize)]
struct Stored {
    v: u32,
    k: String,
    s: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    t: Option<String>,
    e: i64,
    /// The account; absent in entries written before sessions carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<String>,
}

/// Compact JSON: a session token fits Windows' 2,560-byte credential blob as UTF-8 bytes.
pub fn encode(credentials: &Credentials) -> Option<Vec<u8>> {
    let stored = Stored {
        v: VERSION,
        k: credentials.access_key_id.clone(),
        s: credentials.secret_access_key.expose().to_string(),
        t: credentials
            .session_token
            .as_ref()
            .map(|t| t.expose().to_string()),
        e: credentials.expiration?.unix_timestamp(),
        a: credentials.account_id.clone(),
    };
    serde_json::to_vec(&stored).ok()
}

/// `None` for anything that is not a complete entry of this schema (never an error: an
/// unreadable entry is a cache miss, replaced by the next success).
pub fn decode(bytes: &[u8]) -> Option<Credentials> {
    let stored: Stored = serde_json::from_slice(bytes).ok()?;
    if stored.v != VERSION || stored.k.is_empty() || stored.s.is_empty() {
        return None;
    }
    Some(Credentials {
        access_key_id: stored.k,
        secret_access_key: Secret::new(stored.s),
        session_token: stored.t.map(Secret::new),
        expiration: Some(OffsetDateTime::from_unix_timestamp(stored.e).ok()?),
        account_id: stored.a,
    })
}

/// Splits `bytes` into parts of at most `max` bytes; the first part says how many there
/// are. Stores without a size limit get one part, the bytes as they are.
pub fn split(bytes: &[u8], max: Option<usize>) -> Vec<Vec<u8>> {
    let Some(max) = max.filter(|m| bytes.len() > *m) else {
        return vec![bytes.to_vec()];
    };
    // The header takes room in the first part: "rolecall-split:NN:".
    let room = max.saturating_sub(SPLIT_MARK.len() + 4).max(1);
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let first = room.min(bytes.len());
    let rest: Vec<&[u8]> = bytes[first..].chunks(max).collect();
    let mut head = format!("{SPLIT_MARK}{}:", rest.len() + 1).into_bytes();
    head.extend_from_slice(&bytes[..first]);
    parts.push(head);
    parts.extend(rest.into_iter().map(<[u8]>::to_vec));
    parts
}

/// How many parts a stored first part announces, and its own payload.
pub fn split_header(first: &[u8]) -> (usize, &[u8]) {
    let Some(rest) = first.strip_prefix(SPLIT_MARK.as_bytes()) else {
        return (1, first);
    };
    let Some(colon) = rest.iter().position(|b| *b == b':') else {
        return (1, first);
    };
    match std::str::from_utf8(&rest[..colon])
        .ok()
        .and_then(|n| n.parse().ok())
    {
        Some(n) if (2..=64).contains(&n) => (n, &rest[colon + 1..]),
        _ => (1, first),
    }
}

/// A session with a session token of STS's largest size, 4,096 bytes of base64 text (tests of
/// every store).
#[cfg(test)]
pub fn largest_session() -> Credentials {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let token: String = (0..4096)
        .map(|i| char::from(ALPHABET[(i * 7 + i / 64) % ALPHABET.len()]))
        .collect();
    Credentials {
        access_key_id: "ASIALARGESTTOKEN0001".into(),
        secret_access_key: Secret::new("s".repeat(40)),
        session_token: Some(Secret::new(token)),
        expiration: Some(OffsetDateTime::from_unix_timestamp(4_102_444_800).unwrap()),
        account_id: Some("123456789012".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: Secret::new("secret/+="),
            session_token: Some(Secret::new("t".repeat(1900))),
            expiration: Some(datetime!(2026-11-22 11:00 UTC)),
            account_id: Some("123456789012".into()),
        }
    }

    #[test]
    fn round_trip() {
        let bytes = encode(&creds()).unwrap();
        assert_eq!(decode(&bytes), Some(creds()));
    }

    #[test]
    fn entries_from_before_the_account_are_read() {
        let old = br#"{"v":1,"k":"ASIA","s":"S","t":"T","e":1795000000}"#;
        let c = decode(old).expect("an old entry is a hit");
        assert_eq!(c.account_id, None);
        assert_eq!(c.access_key_id, "ASIA");
    }

    #[test]
    fn corrupt_truncated_and_foreign_entries_are_misses() {
        let bytes = encode(&creds()).unwrap();
        assert_eq!(decode(&bytes[..bytes.len() / 2]), None);
        assert_eq!(decode(b""), None);
        assert_eq!(decode(b"\xff\xfe garbage"), None);
        assert_eq!(decode(br#"{"v":2,"k":"A","s":"B","e":1}"#), None);
        assert_eq!(decode(br#"{"v":1,"k":"","s":"B","e":1}"#), None);
        assert_eq!(decode(br#"{"AccessKeyId":"A"}"#), None);
        assert_eq!(
            decode(br#"{"v":1,"k":"A","s":"B","e":99999999999999999}"#),
            None
        );
    }

    #[test]
    fn long_term_keys_are_not_stored() {
        let mut c = creds();
        c.expiration = None;
        assert_eq!(encode(&c), None);
    }

    #[test]
    fn split_and_join() {
        let bytes: Vec<u8> = (0..6000u32).map(|i| (i % 251) as u8).collect();
        for max in [None, Some(10_000), Some(2560), Some(100)] {
            let parts = split(&bytes, max);
            if let Some(m) = max {
                assert!(parts.iter().all(|p| p.len() <= m), "max {m}");
            }
            let (n, head) = split_header(&parts[0]);
            assert_eq!(n, parts.len(), "max {max:?}");
            let mut joined = head.to_vec();
            for p in &parts[1..] {
                joined.extend_from_slice(p);
            }
            assert_eq!(joined, bytes, "max {max:?}");
        }
    }

    #[test]
    fn the_largest_session_splits_into_two_windows_blobs_and_joins_whole() {
        let bytes = encode(&largest_session()).unwrap();
        assert!(
            bytes.len() > 4096 && bytes.len() < 2 * 2560,
            "{}",
            bytes.len()
        );
        let parts = split(&bytes, Some(2560));
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.len() <= 2560));
        let (n, head) = split_header(&parts[0]);
        assert_eq!(n, 2);
        let joined = [head, &parts[1][..]].concat();
        assert_eq!(decode(&joined), Some(largest_session()));
    }

    #[test]
    fn a_session_token_fits_the_windows_limit_in_two_parts_at_most() {
        let bytes = encode(&creds()).unwrap();
        assert!(bytes.len() < 2 * 2560);
        assert!(split(&bytes, Some(2560)).len() <= 2);
    }
}
