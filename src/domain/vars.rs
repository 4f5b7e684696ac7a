//! The environment, read once: a snapshot of the variables rolecall reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A snapshot of the environment variables rolecall reads. Built once in `main` from the
/// process environment, or from a list in tests, so that nothing else reads the environment.
/// The adapters share the one snapshot: a clone copies a pointer, not the environment.
#[derive(Clone, Debug, Default)]
pub struct Vars {
    inner: Arc<Snapshot>,
}

#[derive(Clone, Debug, Default)]
struct Snapshot {
    /// Every variable's name and value, back to back in one buffer.
    text: String,
    /// One entry per name (of a name set twice, the later value, where the name was first
    /// set), in the order the names were first set.
    entries: Vec<Entry>,
    /// Variables that are set but not valid UTF-8 (left out of `entries`).
    not_utf8: Vec<String>,
    /// One bit a name's hash can set (its top eight bits): a look-up of a name that is not set,
    /// which is most of a plan's look-ups, ends at a clear bit without a search.
    present: [u64; 4],
    /// An open-addressing table of `entries`' indexes by their hash (`EMPTY`: none), twice
    /// as many slots as entries: a look-up of a name that is set compares one name.
    slots: Vec<u32>,
}

const EMPTY: u32 = u32::MAX;

/// A variable: the hash of its name, and where its name and value are in the buffer.
#[derive(Clone, Copy, Debug, Default)]
struct Entry {
    hash: u64,
    start: u32,
    eq: u32,
    end: u32,
}

/// A variable name's hash, eight bytes at a time (FxHash's step): a plan looks up a handful
/// of variables, and `list` plans 10,000 profiles.
/// Always inlined, as are `get` and `non_empty`: the hash of a name written in the code (all
/// of them but a few) is then worked out by the compiler, not on every look-up.
#[inline(always)]
fn hash(name: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let step = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut chunks = name.chunks_exact(8);
    let mut h = name.len() as u64;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        // The last bytes as a little-endian word, shifted in (a copy of a few bytes of unknown
        // length is a call to the C library's memcpy).
        let word = rest
            .iter()
            .rev()
            .fold(0, |word, &b| (word << 8) | u64::from(b));
        h = step(h, word);
    }
    h
}

const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, from `h`.
fn fnv(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// FNV-1a as a map's hasher: for maps keyed by names from the user's own files (profiles,
/// sections), where SipHash's cost shows at 10,000 names and no one picks the names to
/// collide.
#[derive(Clone, Copy, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(FNV_BASIS)
    }
}

impl std::hash::Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv(self.0, bytes);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`Fnv`].
pub type FnvMap<K, V> = std::collections::HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;
/// A `HashSet` with [`Fnv`].
pub type FnvSet<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<Fnv>>;

impl Snapshot {
    fn name(&self, e: &Entry) -> &[u8] {
        &self.text.as_bytes()[e.start as usize..e.eq as usize]
    }

    fn name_str(&self, e: &Entry) -> &str {
        &self.text[e.start as usize..e.eq as usize]
    }

    fn value(&self, e: &Entry) -> &str {
        &self.text[e.eq as usize..e.end as usize]
    }

    /// The slot a hash looks at first (bits of the hash's upper half: its lower bits are a
    /// product's, the weakest).
    fn home(&self, h: u64) -> usize {
        (h >> 32) as usize & (self.slots.len() - 1)
    }

    /// The entry of `name` (of hash `h`), through `slots`.
    fn find(&self, h: u64, name: &str) -> Option<&Entry> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(h);
        loop {
            let e = self.entries.get(*self.slots.get(i)? as usize)?;
            if e.hash == h && super::text::same(self.name(e), name.as_bytes()) {
                return Some(e);
            }
            i = (i + 1) & mask;
        }
    }

    /// `slots` and `present` for `entries` as they now are, and one entry a name: of two
    /// entries of one name, the later stays, where the earlier was.
    fn index(&mut self) {
        let size = (self.entries.len() * 2).next_power_of_two().max(8);
        self.slots = vec![EMPTY; size];
        let all = std::mem::take(&mut self.entries);
        let mut kept: Vec<Entry> = Vec::with_capacity(all.len());
        for e in all {
            let mut i = self.home(e.hash);
            loop {
                match self.slots[i] {
                    EMPTY => {
                        self.slots[i] = u32::try_from(kept.len()).unwrap_or(EMPTY);
                        kept.push(e);
                        break;
                    }
                    at if kept[at as usize].hash == e.hash
                        && super::text::same(self.name(&kept[at as usize]), self.name(&e)) =>
                    {
                        kept[at as usize] = e;
                        break;
                    }
                    _ => i = (i + 1) & (size - 1),
                }
            }
            self.mark(e.hash);
        }
        self.entries = kept;
    }

    /// The bit of `present` a hash sets: word, then bit.
    fn bit(h: u64) -> (usize, u64) {
        let top = (h >> 56) as usize;
        (top >> 6, 1 << (top & 63))
    }

    /// Whether a name of hash `h` may be set (false: it is not).
    fn may_hold(&self, h: u64) -> bool {
        let (word, bit) = Self::bit(h);
        self.present[word] & bit != 0
    }

    fn mark(&mut self, h: u64) {
        let (word, bit) = Self::bit(h);
        self.present[word] |= bit;
    }

    /// Appends `name` and `value` to the buffer; their entry.
    fn push(&mut self, name: &str, value: &str) -> Entry {
        let start = self.text.len();
        self.text.push_str(name);
        let eq = self.text.len();
        self.text.push_str(value);
        Entry {
            hash: hash(name.as_bytes()),
            start: start as u32,
            eq: eq as u32,
            end: self.text.len() as u32,
        }
    }
}

impl Vars {
    /// The process environment (variables that are not valid UTF-8 are left out). Without a
    /// usable `HOME`, the home directory comes from the system's user database, as the AWS
    /// CLI finds it, never from the current directory.
    pub fn from_process() -> Self {
        let mut not_utf8 = Vec::new();
        let mut vars = Self::from_pairs(std::env::vars_os().filter_map(|(k, v)| {
            let k = k.into_string().ok()?;
            match v.into_string() {
                Ok(v) => Some((k, v)),
                Err(_) => {
                    not_utf8.push(k);
                    None
                }
            }
        }));
        Arc::make_mut(&mut vars.inner).not_utf8 = not_utf8;
        vars.home_from_the_system();
        vars
    }

    /// The environment block as the kernel keeps it (`NAME=VALUE` entries, each ended by a
    /// NUL: Linux's `/proc/self/environ`), read as `from_process` reads the environment: an
    /// entry without `=` after its first byte is skipped, as is a name that is not UTF-8; a
    /// value that is not UTF-8 leaves its name in `is_not_utf8`. One buffer for the whole
    /// snapshot, where `from_process` has two strings a variable.
    pub fn from_block(block: &[u8]) -> Self {
        let mut snapshot = Snapshot {
            text: String::with_capacity(block.len()),
            ..Snapshot::default()
        };
        for entry in block.split(|b| *b == 0).filter(|e| !e.is_empty()) {
            let Some(eq) = entry[1..].iter().position(|b| *b == b'=').map(|i| i + 1) else {
                continue;
            };
            let Ok(name) = std::str::from_utf8(&entry[..eq]) else {
                continue;
            };
            match std::str::from_utf8(&entry[eq + 1..]) {
                Ok(value) => {
                    let e = snapshot.push(name, value);
                    snapshot.entries.push(e);
                }
                Err(_) => snapshot.not_utf8.push(name.to_string()),
            }
        }
        snapshot.index();
        let mut vars = Self {
            inner: Arc::new(snapshot),
        };
        vars.home_from_the_system();
        vars
    }

    /// Without a usable `HOME` (or `USERPROFILE`), the one of the system's user database.
    fn home_from_the_system(&mut self) {
        if self.non_empty("HOME").is_none() && self.non_empty("USERPROFILE").is_none() {
            self.or_insert("HOME", || {
                std::env::home_dir().and_then(|h| h.into_os_string().into_string().ok())
            });
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut snapshot = Snapshot::default();
        for (k, v) in pairs {
            let e = snapshot.push(&k.into(), &v.into());
            snapshot.entries.push(e);
        }
        snapshot.index();
        Self {
            inner: Arc::new(snapshot),
        }
    }

    /// Marks `name` as set to something that is not UTF-8 (the testable twin of what
    /// `from_process` finds).
    #[cfg(test)]
    pub fn with_not_utf8(mut self, name: &str) -> Self {
        Arc::make_mut(&mut self.inner)
            .not_utf8
            .push(name.to_string());
        self
    }

    /// Whether `name` is set to something that is not valid UTF-8: for a path or a profile
    /// name that is an error, never a silent fall-back to the default.
    pub fn is_not_utf8(&self, name: &str) -> bool {
        self.inner.not_utf8.iter().any(|n| n == name)
    }

    /// Every variable, in the order the names were first set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let s = &*self.inner;
        s.entries.iter().map(move |e| (s.name_str(e), s.value(e)))
    }

    #[inline(always)]
    pub fn get(&self, name: &str) -> Option<&str> {
        let s = &*self.inner;
        let h = hash(name.as_bytes());
        if !s.may_hold(h) {
            return None;
        }
        s.find(h, name).map(|e| s.value(e))
    }

    /// The value if set and not empty.
    #[inline(always)]
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    /// The user's home directory (`HOME`, else `USERPROFILE`); the root directory when there is
    /// none at all, so that a file is never looked up relative to wherever rolecall runs.
    pub fn home(&self) -> PathBuf {
        self.non_empty("HOME")
            .or_else(|| self.non_empty("USERPROFILE"))
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(std::path::MAIN_SEPARATOR_STR))
    }

    /// `~/x` → `$HOME/x`, as the AWS CLI expands the file path variables.
    pub fn expand_home(&self, path: &str) -> PathBuf {
        match path.strip_prefix("~/").or_else(|| path.strip_prefix("~\\")) {
            Some(rest) => self.home().join(rest),
            None if path == "~" => self.home(),
            None => Path::new(path).to_path_buf(),
        }
    }

    /// `name` set to `value` when it is not set (or empty) already.
    pub fn or_insert(&mut self, name: &str, value: impl FnOnce() -> Option<String>) {
        if self.non_empty(name).is_none() {
            if let Some(value) = value() {
                let s = Arc::make_mut(&mut self.inner);
                let e = s.push(name, &value);
                s.entries.push(e);
                s.index();
            }
        }
    }

    /// The login name, for the default role session name.
    pub fn user(&self) -> Option<&str> {
        self.non_empty("USER")
            .or_else(|| self.non_empty("LOGNAME"))
            .or_else(|| self.non_empty("USERNAME"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_fnv_1a_and_keys_maps() {
        use std::hash::Hasher;
        let mut h = Fnv::default();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c); // the published FNV-1a value
        let map: FnvMap<String, u32> = [("prod".to_string(), 1), ("dev".to_string(), 2)]
            .into_iter()
            .collect();
        assert_eq!(map.get("dev"), Some(&2));
        assert_eq!(map.get("staging"), None);
    }

    #[test]
    fn the_last_value_of_a_name_wins_and_every_name_is_found() {
        let v = Vars::from_pairs([("B", "1"), ("A", "2"), ("B", "3"), ("C", ""), ("A", "4")]);
        assert_eq!(v.get("A"), Some("4"));
        assert_eq!(v.get("B"), Some("3"));
        assert_eq!(v.get("C"), Some(""));
        assert_eq!(v.non_empty("C"), None);
        assert_eq!(v.get("D"), None);
        assert_eq!(v.iter().count(), 3);
        // Every name set is found past the filter of names that are not; of 2,000 names that
        // are not, most end at it and none is found.
        let many = Vars::from_pairs((0..300).map(|i| (format!("VAR_{i}"), i.to_string())));
        for i in 0..300 {
            assert_eq!(many.get(&format!("VAR_{i}")), Some(i.to_string().as_str()));
        }
        let s = &*many.inner;
        let absent: Vec<String> = (0..2000).map(|i| format!("UNSET_{i}")).collect();
        assert!(absent.iter().all(|n| many.get(n).is_none()));
        let stopped = absent
            .iter()
            .filter(|n| !s.may_hold(hash(n.as_bytes())))
            .count();
        assert!(stopped > 0, "the filter never stops a look-up");
        let few = Vars::from_pairs([("HOME", "/h"), ("USER", "u")]);
        let stopped = absent
            .iter()
            .filter(|n| !few.inner.may_hold(hash(n.as_bytes())))
            .count();
        assert!(stopped > 1900, "{stopped} of 2,000 stopped");
    }

    #[test]
    fn or_insert_fills_only_an_unset_or_empty_name_and_leaves_clones_alone() {
        let mut v = Vars::from_pairs([("HOME", ""), ("USER", "maria")]);
        let before = v.clone();
        v.or_insert("HOME", || Some("/home/maria".into()));
        v.or_insert("USER", || Some("other".into()));
        v.or_insert("LOGNAME", || Some("maria".into()));
        v.or_insert("SHELL", || None);
        assert_eq!(v.get("HOME"), Some("/home/maria"));
        assert_eq!(v.get("USER"), Some("maria"));
        assert_eq!(v.get("LOGNAME"), Some("maria"));
        assert_eq!(v.get("SHELL"), None);
        assert_eq!(before.get("HOME"), Some(""));
        assert_eq!(before.get("LOGNAME"), None);
        // The empty HOME was replaced, not joined by a second one.
        assert_eq!(v.iter().filter(|(k, _)| *k == "HOME").count(), 1);
        assert_eq!(v.iter().count(), 3);
    }
}

#[cfg(test)]
mod block_tests {
    use super::*;

    #[test]
    fn a_block_reads_as_the_environment_is_read() {
        let block =
            b"HOME=/home/m\0=C:=C:\\\\x\0NOEQUALS\0A=1=2\0EMPTY=\0BAD=\xff\xfe\0\xffKEY=v\0A=3\0";
        let v = Vars::from_block(block);
        assert_eq!(v.get("HOME"), Some("/home/m"));
        // A name may start with `=` (Windows' drive variables); the first `=` after it splits.
        assert_eq!(v.get("=C:"), Some("C:\\\\x"));
        assert_eq!(v.get("NOEQUALS"), None);
        assert_eq!(v.get("A"), Some("3"), "the later of two wins");
        assert_eq!(v.get("EMPTY"), Some(""));
        assert_eq!(v.get("BAD"), None);
        assert!(v.is_not_utf8("BAD"));
        assert_eq!(v.iter().count(), 4);
        let pairs = Vars::from_pairs([
            ("HOME", "/home/m"),
            ("=C:", "C:\\\\x"),
            ("A", "3"),
            ("EMPTY", ""),
        ]);
        let mut a: Vec<_> = v.iter().collect();
        let mut b: Vec<_> = pairs.iter().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
