//! Loading both files into [`Profiles`]: each file read and parsed a line at a time (a
//! 10,000-profile config is never in memory whole), each section merged as it ends.

use std::io::BufRead;
use std::path::Path;

use super::file::{self, ParseError, Parser, Section};
use super::{config_profile_name, file_path, include, ConfigError, FileKind, Profiles, RawProfile};
use crate::domain::Vars;

/// The largest config or credentials file rolecall reads (real ones are a few kilobytes).
const MAX_FILE_BYTES: u64 = 64 << 20;

/// About the fewest bytes a profile takes in a config file (a header, `role_arn`,
/// `source_profile` and `region` are more), to size the map of profiles once.
const BYTES_A_PROFILE: u64 = 100;

impl Profiles {
    /// Loads both files from the paths the environment names (`AWS_CONFIG_FILE`,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/…`). A missing file is an empty file.
    pub fn load(vars: &Vars) -> Result<Self, ConfigError> {
        for name in [
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_PROFILE",
        ] {
            if vars.is_not_utf8(name) {
                return Err(ConfigError::NotUtf8(name));
            }
        }
        let (config_path, config_var) = file_path(vars, FileKind::Config);
        let (credentials_path, credentials_var) = file_path(vars, FileKind::Credentials);
        let mut builder = Builder::default();
        // A file that cannot be read is reported before a file that does not parse (either
        // one's), as when both were read whole first.
        let parsed = |path: &Path, kind, from, builder: &mut Builder| {
            let Some(lines) = Lines::open(path, kind, from)? else {
                return Ok::<_, ConfigError>((false, None));
            };
            if kind == FileKind::Config {
                // Room for the profiles its size suggests, at most 65,536 of them.
                builder.reserve((lines.size / BYTES_A_PROFILE).min(1 << 16) as usize);
            }
            let mut failed = None;
            let mut parser = Parser::new(|section| builder.add(kind, section));
            lines.each(|line| {
                if failed.is_none() {
                    failed = parser.line(line).err();
                }
            })?;
            parser.finish();
            Ok((true, failed))
        };
        let (config, config_failed) =
            parsed(&config_path, FileKind::Config, config_var, &mut builder)?;
        builder.end_config();
        let (credentials, credentials_failed) = parsed(
            &credentials_path,
            FileKind::Credentials,
            credentials_var,
            &mut builder,
        )?;
        for (kind, path, failed) in [
            (FileKind::Config, &config_path, config_failed),
            (FileKind::Credentials, &credentials_path, credentials_failed),
        ] {
            if let Some(error) = failed {
                return Err(ConfigError::Malformed {
                    kind,
                    path: path.display().to_string(),
                    error,
                });
            }
        }
        let mut profiles = builder.profiles;
        profiles.config_path = config_path;
        profiles.credentials_path = credentials_path;
        profiles.no_files = !config && !credentials;
        Ok(profiles)
    }

    /// The testable twin of [`Profiles::load`]: both files' texts.
    pub fn from_strs(config: &str, credentials: &str) -> Result<Self, (FileKind, ParseError)> {
        let mut builder = Builder::default();
        let sections = |text: &str| text.bytes().filter(|&b| b == b'[').count();
        builder.reserve(sections(config) + sections(credentials));
        for (kind, text) in [
            (FileKind::Config, config),
            (FileKind::Credentials, credentials),
        ] {
            file::each_section(text, |section| builder.add(kind, section))
                .map_err(|e| (kind, e))?;
            if kind == FileKind::Config {
                builder.end_config();
            }
        }
        Ok(builder.profiles)
    }

    /// The profile of `name`, recorded in the order the first time it appears.
    pub(super) fn entry(&mut self, name: &str) -> &mut RawProfile {
        if !self.map.contains_key(name) {
            // One copy of the name, shared by the map and the order.
            let name: super::Name = name.into();
            self.order.push(name.clone());
            self.map.insert(name, RawProfile::default());
        }
        self.map.get_mut(name).expect("inserted above")
    }

    /// A config file section that names no profile: `[services NAME]` and `[sso-session
    /// NAME]` are kept, others (which the AWS CLI ignores) are not.
    fn add_section(&mut self, section: Section) {
        if let Some(name) = section.header.strip_prefix("services ") {
            self.services.insert(name.trim().to_string(), section);
        } else if let Some(name) = section.header.strip_prefix("sso-session ") {
            // Repeated headers merge, the later values winning, as for profiles.
            let merged = self
                .sso_sessions
                .entry(name.trim().to_string())
                .or_insert_with(|| Section {
                    header: section.header.clone(),
                    properties: Vec::new(),
                });
            merged.properties.extend(section.properties);
        }
    }
}

/// The profiles of the files as their sections come.
#[derive(Default)]
struct Builder {
    profiles: Profiles,
    /// `[profile default]` wins over `[default]`: plain `[default]` sections merge first, so
    /// `[profile default]` sections wait for the end of the config file (their name still
    /// takes its place in the order where it first appears).
    later: Vec<Section>,
}

impl Builder {
    /// Room for `names` profiles: no growing (and rehashing) of a 10,000-name map.
    fn reserve(&mut self, names: usize) {
        self.profiles.map.reserve(names);
        self.profiles.order.reserve(names);
    }

    fn add(&mut self, kind: FileKind, section: Section) {
        match kind {
            FileKind::Config => self.config(section),
            FileKind::Credentials => self.credentials(section),
        }
    }

    /// A section of the config file.
    fn config(&mut self, section: Section) {
        let profiles = &mut self.profiles;
        // Each header read once: the profile it names, if any.
        match config_profile_name(&section.header) {
            Some(name) if name == "default" && section.header != "default" => {
                profiles.entry(&name);
                self.later.push(section);
            }
            Some(name) => profiles.entry(&name).merge(section),
            None => profiles.add_section(section),
        }
    }

    /// The config file is over: its `[profile default]` sections, then the includes (of
    /// config-file profiles only: before the credentials file).
    fn end_config(&mut self) {
        for section in std::mem::take(&mut self.later) {
            self.profiles.entry("default").merge(section);
        }
        self.profiles.includes = include::merge(&mut self.profiles.map);
    }

    /// A section of the credentials file.
    fn credentials(&mut self, section: Section) {
        let raw = self.profiles.entry(&section.header);
        raw.in_credentials = true;
        raw.properties
            .extend(section.properties.into_iter().map(|(k, mut p)| {
                p.from_credentials = true;
                (k, p)
            }));
    }
}

/// A file to read a line at a time, opened.
struct Lines<'a> {
    path: &'a Path,
    kind: FileKind,
    /// The variable that named the file, if one did.
    from: Option<&'a str>,
    /// Its size when it was opened (0 for `/dev/null`).
    size: u64,
    /// `None` for `/dev/null`.
    reader: Option<std::io::BufReader<std::io::Take<std::fs::File>>>,
}

impl<'a> Lines<'a> {
    /// Opens a file (its one `stat`); `None` when it does not exist. `/dev/null` is an empty
    /// file, as for the AWS CLI; other devices and FIFOs (which would block or never end) are
    /// refused, as are files larger than [`MAX_FILE_BYTES`].
    fn open(
        path: &'a Path,
        kind: FileKind,
        from: Option<&'a str>,
    ) -> Result<Option<Self>, ConfigError> {
        use std::io::Read;
        let mut lines = Lines {
            path,
            kind,
            from,
            size: 0,
            reader: None,
        };
        let (variable, _) = kind.variable();
        lines.size = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => m.len(),
            Ok(_) if is_dev_null(path) => return Ok(Some(lines)),
            Ok(_) => {
                return Err(lines.error(format!(
                    "it is not a regular file; point {variable} at your {kind} file"
                )))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(lines.error(io_reason(&e, path))),
        };
        if lines.size > MAX_FILE_BYTES {
            return Err(lines.too_large());
        }
        let file = std::fs::File::open(path).map_err(|e| lines.error(io_reason(&e, path)))?;
        // The file whole when it is small (most are a few KB), else 64 KiB of it at a time.
        let buffer =
            usize::try_from(lines.size + 1).map_or(64 << 10, |n| n.clamp(1 << 10, 64 << 10));
        lines.reader = Some(std::io::BufReader::with_capacity(
            buffer,
            file.take(MAX_FILE_BYTES + 1),
        ));
        Ok(Some(lines))
    }

    /// Every line (without its `\n`) to `line`, 64 KiB of the file in memory at once; text
    /// that is not UTF-8 is refused.
    fn each(mut self, mut line: impl FnMut(&str)) -> Result<(), ConfigError> {
        let Some(mut reader) = self.reader.take() else {
            return Ok(()); // /dev/null
        };
        let (mut bytes, mut offset) = (Vec::new(), 0);
        loop {
            bytes.clear();
            let n = reader
                .read_until(b'\n', &mut bytes)
                .map_err(|e| self.error(io_reason(&e, self.path)))?;
            if n == 0 {
                return Ok(());
            }
            if offset + n as u64 > MAX_FILE_BYTES {
                return Err(self.too_large()); // it grew since it was measured
            }
            let text = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
            match std::str::from_utf8(text) {
                Ok(text) => line(text),
                Err(e) => {
                    return Err(self.error(format!(
                        "it is not valid UTF-8 (byte {}); save it as UTF-8",
                        offset + e.valid_up_to() as u64
                    )))
                }
            }
            offset += n as u64;
        }
    }

    fn error(&self, reason: String) -> ConfigError {
        let (variable, _) = self.kind.variable();
        ConfigError::Read {
            kind: self.kind,
            path: self.path.display().to_string(),
            variable: match self.from {
                Some(v) => format!("from {v}"),
                None => format!("the default; {variable} is not set"),
            },
            reason,
        }
    }

    fn too_large(&self) -> ConfigError {
        self.error(format!(
            "it is larger than {} MiB; is it really an AWS {} file?",
            MAX_FILE_BYTES >> 20,
            self.kind
        ))
    }
}

/// The OS's message as it is, with a fix where there is an obvious one.
fn io_reason(e: &std::io::Error, path: &Path) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => format!(
            "{e}; make it readable for your user (chmod u+r {}) or check the directories above it",
            path.display()
        ),
        _ => e.to_string(),
    }
}

fn is_dev_null(path: &Path) -> bool {
    cfg!(unix) && std::fs::canonicalize(path).is_ok_and(|p| p == Path::new("/dev/null"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(
        config: &[u8],
        credentials: Option<&[u8]>,
    ) -> (tempfile::TempDir, Result<Profiles, ConfigError>) {
        let dir = tempfile::tempdir().unwrap();
        let (c, k) = (dir.path().join("config"), dir.path().join("credentials"));
        std::fs::write(&c, config).unwrap();
        match credentials {
            Some(bytes) => std::fs::write(&k, bytes).unwrap(),
            None => std::fs::create_dir(&k).unwrap(), // a credentials "file" that is a directory
        }
        let vars = Vars::from_pairs([
            ("AWS_CONFIG_FILE", c.to_str().unwrap()),
            ("AWS_SHARED_CREDENTIALS_FILE", k.to_str().unwrap()),
        ]);
        let loaded = Profiles::load(&vars);
        (dir, loaded)
    }

    #[test]
    fn a_file_read_a_line_at_a_time_is_the_file_read_whole() {
        let config = "\u{feff}[default]\r\nregion = eu-west-1\r\n[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\n  more\nsource_profile = default\n\n[profile default]\noutput = json\ns3 =\n  region = x\n[profile b]\nregion = é";
        let creds = "[default]\naws_access_key_id = A\naws_secret_access_key = s\n";
        let (_dir, loaded) = load(config.as_bytes(), Some(creds.as_bytes()));
        let loaded = loaded.unwrap();
        let whole = Profiles::from_strs(config, creds).unwrap();
        let all = |p: &Profiles| {
            p.names()
                .map(|n| {
                    format!(
                        "{n}: {:?}",
                        p.get(n).unwrap().properties().collect::<Vec<_>>()
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(all(&loaded), all(&whole));
        assert_eq!(
            loaded.get("a").unwrap().get("role_arn"),
            Some("arn:aws:iam::123456789012:role/a\nmore")
        );
        assert_eq!(loaded.get("b").unwrap().get("region"), Some("é"));
    }

    #[test]
    fn errors_come_in_the_order_of_files_read_whole_first() {
        // Not UTF-8 at byte 27, after a line that does not parse: the file cannot be read.
        let (_dir, e) = load(b"[default]\ngarbage\nregion = \xff\n", Some(b""));
        let e = e.unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8 (byte 27)"), "{e}");
        // A config that does not parse and a credentials file that cannot be read: the read.
        let (_dir, e) = load(b"[default]\ngarbage\n", None);
        let e = e.unwrap_err().to_string();
        assert!(
            e.contains("not a regular file") && e.contains("credentials"),
            "{e}"
        );
        // Both read, neither parses: the config's line.
        let (_dir, e) = load(b"[default]\ngarbage\n", Some(b"x = 1\n"));
        let e = e.unwrap_err().to_string();
        assert!(e.contains("config") && e.contains("line 2"), "{e}");
        let (_dir, e) = load(b"[default]\n", Some(b"[a]\nx = 1\n  y\n[\n"));
        let e = e.unwrap_err().to_string();
        assert!(e.contains("credentials") && e.contains("line 4"), "{e}");
    }
}
