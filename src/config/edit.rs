//! Byte-exact edits of a config or credentials file's text: only the lines of one profile's
//! `aws_access_key_id` and `aws_secret_access_key` change (taken out, or given new values), or
//! one key of a profile's config section is set (`login_session` by `rolecall login`); every
//! other byte (other profiles, comments, blank lines, order, line ends) stays. Pure: the
//! caller reads and writes the file.

use super::file::{parse, parse_header, ParseError, Property};

const KEY_NAMES: [&str; 2] = ["aws_access_key_id", "aws_secret_access_key"];

/// Which section headers hold a profile: `[NAME]` in the credentials file; `[profile NAME]`
/// (or `[default]`) in the config file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    Credentials,
    Config,
}

fn holds(header: &str, profile: &str, file: Where) -> bool {
    match file {
        Where::Credentials => header == profile,
        // The loader's own reading of a header (`[profile "my name"]` is `my name`).
        Where::Config => super::config_profile_name(header).as_deref() == Some(profile),
    }
}

/// The file's lines, each with its line end.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

/// 0-based indices of the key lines of `profile`; none when a key has continuation lines
/// (a value over several lines is no key; such a file is left for a person to edit).
fn key_lines(text: &str, profile: &str, file: Where) -> Result<Vec<usize>, ParseError> {
    let sections = parse(text)?;
    let keys: Vec<&super::file::Property> = sections
        .iter()
        .filter(|s| holds(&s.header, profile, file))
        .flat_map(|s| s.properties.iter())
        .filter(|(k, _)| KEY_NAMES.contains(&k.as_ref()))
        .map(|(_, p)| p)
        .collect();
    if keys
        .iter()
        .any(|p| p.value.contains('\n') || !p.sub.is_empty())
    {
        return Ok(Vec::new());
    }
    Ok(keys.iter().map(|p| p.line_index()).collect())
}

/// The header of the section a line opens, if it opens one.
fn header_of(line: &str) -> Option<String> {
    let trimmed = line.trim_start_matches('\u{feff}').trim();
    trimmed
        .starts_with('[')
        .then(|| parse_header(trimmed))
        .flatten()
}

/// The text without `profile`'s key lines, and without a header of that profile under which
/// nothing but blank lines would remain. `None` when the profile has no key lines.
pub fn remove_keys(text: &str, profile: &str, file: Where) -> Result<Option<String>, ParseError> {
    let drop = key_lines(text, profile, file)?;
    if drop.is_empty() {
        return Ok(None);
    }
    let all = lines(text);
    let mut keep = vec![true; all.len()];
    for i in drop {
        keep[i] = false;
    }
    let mut i = 0;
    while i < all.len() {
        let Some(header) = header_of(all[i]) else {
            i += 1;
            continue;
        };
        let end = (i + 1..all.len())
            .find(|&j| header_of(all[j]).is_some())
            .unwrap_or(all.len());
        let empty = (i + 1..end).all(|j| !keep[j] || all[j].trim().is_empty());
        if holds(&header, profile, file) && empty {
            keep[i] = false;
        }
        i = end;
    }
    // A byte order mark belongs to the file, not to a first line that goes.
    let bom = if !keep[0] && all[0].starts_with('\u{feff}') {
        "\u{feff}"
    } else {
        ""
    };
    let kept: String = all
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(l, _)| *l)
        .collect();
    Ok(Some(format!("{bom}{kept}")))
}

/// The text with new values for `profile`'s key lines (each line's key, spacing, comment and
/// line end kept). `None` when the profile has no key lines.
pub fn replace_keys(
    text: &str,
    profile: &str,
    file: Where,
    access_key_id: &str,
    secret_access_key: &str,
) -> Result<Option<String>, ParseError> {
    if key_lines(text, profile, file)?.is_empty() {
        return Ok(None);
    }
    let sections = parse(text)?;
    let mut changes: Vec<(usize, &str, &str)> = Vec::new();
    for section in sections.iter().filter(|s| holds(&s.header, profile, file)) {
        for (key, property) in &section.properties {
            let new = match key.as_ref() {
                "aws_access_key_id" => access_key_id,
                "aws_secret_access_key" => secret_access_key,
                _ => continue,
            };
            changes.push((property.line_index(), &*property.value, new));
        }
    }
    if changes.is_empty() {
        return Ok(None);
    }
    let mut all: Vec<String> = lines(text).into_iter().map(str::to_string).collect();
    for (i, old, new) in changes {
        let line = &all[i];
        let Some(eq) = line.find(['=', ':']) else {
            continue;
        };
        let (head, tail) = line.split_at(eq + 1);
        all[i] = match tail.find(old).filter(|_| !old.is_empty()) {
            Some(at) => format!("{head}{}{new}{}", &tail[..at], &tail[at + old.len()..]),
            None => {
                let end = &tail[tail.trim_end_matches(['\r', '\n']).len()..];
                format!("{head} {new}{end}")
            }
        };
    }
    Ok(Some(all.concat()))
}

/// The text with `key = value` in `profile`'s config section: the key's line replaced (the
/// last one, as the loader reads it), else a line after the section's header, else a new
/// `[profile NAME]` (`[default]`) section at the end. Every other byte stays.
pub fn set_value(text: &str, profile: &str, key: &str, value: &str) -> Result<String, ParseError> {
    let sections = parse(text)?;
    let existing = sections
        .iter()
        .filter(|s| holds(&s.header, profile, Where::Config))
        .filter_map(|s| s.get(key))
        .next_back()
        .map(Property::line_index);
    let all = lines(text);
    let end_of = |line: &str| {
        if line.ends_with("\r\n") {
            "\r\n"
        } else {
            "\n"
        }
    };
    if let Some(i) = existing {
        let mut out: Vec<String> = all.iter().map(|l| l.to_string()).collect();
        out[i] = format!("{key} = {value}{}", end_of(all[i]));
        return Ok(out.concat());
    }
    if let Some(h) = (0..all.len())
        .find(|&i| header_of(all[i]).is_some_and(|h| holds(&h, profile, Where::Config)))
    {
        let mut out: Vec<String> = all.iter().map(|l| l.to_string()).collect();
        let eol = end_of(all[h]);
        if !out[h].ends_with('\n') {
            out[h].push_str(eol);
        }
        out.insert(h + 1, format!("{key} = {value}{eol}"));
        return Ok(out.concat());
    }
    let header = if profile == "default" {
        "[default]".to_string()
    } else {
        format!("[profile {profile}]")
    };
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!("{header}\n{key} = {value}\n"));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_value_replaces_inserts_or_appends_a_section() {
        let text = "# mine\n[profile dev]\nregion = eu-west-1\r\nlogin_session = old\r\n\n[default]\nregion = x\n";
        assert_eq!(
            set_value(text, "dev", "login_session", "arn:new").unwrap(),
            "# mine\n[profile dev]\nregion = eu-west-1\r\nlogin_session = arn:new\r\n\n[default]\nregion = x\n"
        );
        assert_eq!(
            set_value(text, "default", "login_session", "arn:d").unwrap(),
            "# mine\n[profile dev]\nregion = eu-west-1\r\nlogin_session = old\r\n\n[default]\nlogin_session = arn:d\nregion = x\n"
        );
        assert_eq!(
            set_value("[default]\nregion = x", "new", "login_session", "arn:n").unwrap(),
            "[default]\nregion = x\n\n[profile new]\nlogin_session = arn:n\n"
        );
        assert_eq!(
            set_value("", "default", "login_session", "arn:n").unwrap(),
            "[default]\nlogin_session = arn:n\n"
        );
    }

    const FILE: &str = "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT0000000\r\naws_secret_access_key=s1 # old\r\nregion = eu-west-1\r\n\r\n[work]\naws_access_key_id = AKIAWORK00000000000\n\naws_secret_access_key = s2\n\n; trailing comment\n[other]\nx = 1\n";

    #[test]
    fn removes_exactly_the_key_lines() {
        let out = remove_keys(FILE, "default", Where::Credentials)
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "aws_access_key_id = AKIADEFAULT0000000\r\naws_secret_access_key=s1 # old\r\n",
                ""
            )
        );
    }

    #[test]
    fn a_header_with_only_blank_lines_left_goes_too() {
        let out = remove_keys(FILE, "work", Where::Credentials)
            .unwrap()
            .unwrap();
        // The comment stays, so it belongs to... the [work] block: the header stays too.
        assert!(
            out.contains("[work]\n\n\n; trailing comment\n[other]"),
            "{out}"
        );
        let plain =
            "[a]\nk = 1\n[work]\naws_access_key_id = X\naws_secret_access_key = Y\n\n[b]\nk = 2\n";
        let out = remove_keys(plain, "work", Where::Credentials)
            .unwrap()
            .unwrap();
        assert_eq!(out, "[a]\nk = 1\n\n[b]\nk = 2\n");
    }

    #[test]
    fn config_sections_and_missing_profiles() {
        let config = "[profile p]\naws_access_key_id = X\naws_secret_access_key = Y\nregion = r\n[p]\nk = v\n";
        let out = remove_keys(config, "p", Where::Config).unwrap().unwrap();
        assert_eq!(out, "[profile p]\nregion = r\n[p]\nk = v\n");
        assert_eq!(remove_keys(config, "nope", Where::Config).unwrap(), None);
    }

    #[test]
    fn quoted_names_and_a_byte_order_mark() {
        let config = "\u{feff}[profile \"my name\"]\naws_access_key_id = X\naws_secret_access_key = Y\n[profile b]\nk = v\n";
        let out = remove_keys(config, "my name", Where::Config)
            .unwrap()
            .unwrap();
        assert_eq!(out, "\u{feff}[profile b]\nk = v\n");
    }

    #[test]
    fn replaces_values_in_place() {
        let out = replace_keys(
            FILE,
            "default",
            Where::Credentials,
            "AKIANEW000000000000",
            "n3w",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            out,
            FILE.replace("AKIADEFAULT0000000", "AKIANEW000000000000")
                .replace("=s1 # old", "=n3w # old")
        );
    }
}
