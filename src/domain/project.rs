//! Per-directory profiles: a `.rolecall` file in a project directory names the profile that
//! `exec`, `export`, `use` and `console` use there when none is named. It is data, never code:
//! the profile's name on its first line, then optional `region = …` and `duration = …` lines.
//! A file is used only once `rolecall allow` has recorded its path and content (a digest), as
//! direnv and mise do: a new or edited file is refused until it is allowed again.

use sha2::{Digest, Sha256};

/// The file's name.
pub const FILE_NAME: &str = ".rolecall";
/// The largest file read: a profile name and two settings fit many times over.
pub const MAX_BYTES: u64 = 4096;

/// What a `.rolecall` file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProjectFile {
    pub profile: String,
    pub region: Option<String>,
    /// Seconds.
    pub duration: Option<u32>,
}

/// Reads a `.rolecall` file's text; why not, in one line.
pub fn parse(text: &str) -> Result<ProjectFile, String> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    let profile = lines
        .next()
        .ok_or("it names no profile: put the profile's name on its first line")?;
    if profile.contains('=') || profile.chars().any(char::is_control) || profile.len() > 256 {
        return Err("its first line must be a profile's name".into());
    }
    let mut file = ProjectFile {
        profile: profile.to_string(),
        region: None,
        duration: None,
    };
    for line in lines {
        let (key, value) = line
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim()))
            .ok_or_else(|| format!("{line:?} is not a `key = value` line"))?;
        match key {
            "region" if valid_region(value) => file.region = Some(value.to_string()),
            "region" => return Err(format!("region {value:?} is not a region name")),
            "duration" => file.duration = Some(duration(value)?),
            other => {
                return Err(format!(
                    "it has {other:?}, but only region and duration may follow the profile"
                ))
            }
        }
    }
    Ok(file)
}

fn valid_region(region: &str) -> bool {
    (2..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn duration(text: &str) -> Result<u32, String> {
    let range = super::plan::DURATION_RANGE;
    let max = time::Duration::seconds(i64::from(*range.end()));
    match super::text::parse_duration(text, max) {
        Ok(d) if range.contains(&(d.whole_seconds() as u32)) => Ok(d.whole_seconds() as u32),
        _ => Err(format!("duration {text:?} is not 15m to 12h")),
    }
}

/// The digest a file is allowed by: any change of its bytes needs a new `rolecall allow`.
pub fn digest(bytes: &[u8]) -> String {
    super::text::hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_a_name_then_settings() {
        let f =
            parse("# the team's account\nprod-ro\nregion = eu-west-1\nduration = 2h\n").unwrap();
        assert_eq!(f.profile, "prod-ro");
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
        assert_eq!(f.duration, Some(7200));
        assert_eq!(
            parse("a; rm -rf ~\n").unwrap().profile,
            "a; rm -rf ~",
            "a name, never run"
        );
        for bad in [
            "",
            "region = x\n",
            "p\nsource_profile = x\n",
            "p\nduration = 99h\n",
            "p\nregion = EU WEST\n",
            "p\n$(id)\n",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert_ne!(digest(b"prod\n"), digest(b"prod \n"));
    }
}
