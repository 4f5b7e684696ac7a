//! A property's key, lower case, in 16 bytes: one of the keys rolecall knows, by its index
//! (no copy: 10,000 profiles have 30,000 keys), else a copy of its own.

use std::fmt;
use std::ops::Deref;

use super::keys::ROLECALL;

#[derive(Clone, PartialEq, Eq)]
#[allow(clippy::box_collection)] // the box is the point: 8 bytes where a String is 24
pub enum Key {
    /// `ROLECALL[i]`.
    Known(u16),
    /// Any other key (boxed twice: one pointer, so that the key is 16 bytes).
    Other(Box<String>),
}

impl Key {
    /// The key's own string.
    pub fn into_owned(self) -> String {
        match self {
            Key::Known(i) => ROLECALL[usize::from(i)].to_string(),
            Key::Other(s) => *s,
        }
    }
}

impl Deref for Key {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Key::Known(i) => ROLECALL[usize::from(*i)],
            Key::Other(s) => s,
        }
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        self
    }
}

impl PartialEq<str> for Key {
    fn eq(&self, other: &str) -> bool {
        crate::domain::text::same(self.as_bytes(), other.as_bytes())
    }
}

impl PartialEq<&str> for Key {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// The keys rolecall knows that a parse has met, in slots by their length and first and last
/// bytes: a file repeats a handful of keys (10,000 profiles: 30,000 keys, three different).
#[derive(Default)]
pub(super) struct Known([Option<u16>; 32]);

impl Known {
    /// The key lower case: a key rolecall knows is not copied.
    pub(super) fn key(&mut self, key: &str) -> Key {
        let b = key.as_bytes();
        let slot = (b.len() ^ usize::from(b[0]) ^ (usize::from(b[b.len() - 1]) << 2)) & 31;
        let same = |i: u16| crate::domain::text::same(ROLECALL[usize::from(i)].as_bytes(), b);
        if let Some(i) = self.0[slot].filter(|&i| same(i)) {
            return Key::Known(i);
        }
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            return Key::Other(Box::new(key.to_ascii_lowercase()));
        }
        // Length and first byte first: most known keys are ruled out without a comparison.
        match ROLECALL
            .iter()
            .position(|known| {
                known.len() == b.len()
                    && known.as_bytes()[0] == b[0]
                    && crate::domain::text::same(known.as_bytes(), b)
            })
            .and_then(|i| u16::try_from(i).ok())
        {
            Some(i) => {
                self.0[slot] = Some(i);
                Key::Known(i)
            }
            None => Key::Other(Box::new(key.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lower_case_and_known_ones_are_not_copied() {
        assert_eq!(std::mem::size_of::<Key>(), 16);
        let mut known = Known::default();
        // Every known key twice (the second from its slot, whatever shares it), in capitals
        // too, and keys no one knows.
        for key in ROLECALL.iter().chain(ROLECALL) {
            let got = known.key(key);
            assert!(matches!(got, Key::Known(_)) && got == *key, "{key}");
            let upper = known.key(&key.to_ascii_uppercase());
            assert!(matches!(upper, Key::Other(_)) && upper == *key, "{key}");
        }
        for key in ["role_arm", "Role_Arm", "x", "region2"] {
            let got = known.key(key);
            assert!(matches!(got, Key::Other(_)), "{key}");
            assert_eq!(got.into_owned(), key.to_ascii_lowercase());
        }
    }
}
