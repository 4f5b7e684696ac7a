//! A read-only view of one merged profile.

use super::{Property, RawProfile};

/// One profile by name, with case-insensitive key look-ups (keys are stored lowercase).
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    pub name: &'a str,
    raw: &'a RawProfile,
}

impl<'a> Profile<'a> {
    pub(crate) fn new(name: &'a str, raw: &'a RawProfile) -> Self {
        Self { name, raw }
    }

    /// The value of `key`, if present and not empty.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.property(key)
            .map(|p| p.value.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The whole property, with any nested sub-properties.
    pub fn property(&self, key: &str) -> Option<&'a Property> {
        self.raw
            .properties
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, p)| p)
    }

    /// Every key with its property, in file order (a repeated key more than once).
    pub fn properties(&self) -> impl Iterator<Item = (&'a str, &'a Property)> {
        self.raw.properties.iter().map(|(k, p)| (k.as_str(), p))
    }

    pub fn in_config(&self) -> bool {
        self.raw.in_config
    }

    pub fn in_credentials(&self) -> bool {
        self.raw.in_credentials
    }
}
