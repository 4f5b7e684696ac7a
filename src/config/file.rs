//! The AWS shared config/credentials file format, parsed as the AWS SDKs parse it.
//!
//! Rules (aws-config's profile parser is the reference):
//! - `[section]` headers; a `#` or `;` after the closing bracket starts a comment.
//! - `key = value`; keys are case-insensitive (stored lowercase); the last value wins.
//! - In a value, `#` or `;` starts a comment only when preceded by whitespace.
//! - A line starting with whitespace continues the previous property; when that property's
//!   value is empty, the continuation lines are `key = value` sub-properties (`s3 =`).
//! - Blank lines and lines whose first non-blank character is `#` or `;` are comments.
//! - A UTF-8 byte order mark is ignored; `\r\n` and `\n` line ends are both accepted.

use std::fmt;

/// One `key = value` with its nested sub-properties (for `s3 =` style blocks).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Property {
    pub value: Box<str>,
    pub sub: Nested,
    /// The 1-based line of the `key =` line.
    pub line: u32,
    /// An inline comment (`value # note`) was cut off the value: the AWS CLI, unlike the
    /// SDKs and rolecall, keeps it as part of the value.
    pub inline_comment: bool,
    /// Set by the caller for the credentials file's properties.
    pub from_credentials: bool,
}

impl Property {
    /// The 0-based index of the `key =` line among the file's lines.
    pub fn line_index(&self) -> usize {
        self.line as usize - 1
    }
}

pub use super::key::Key;
use super::key::Known;

/// The `key = value` lines of a nested block (`s3 =`), most often none: one pointer, so that a
/// property is 32 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[allow(clippy::box_collection)] // the box is the point: 8 bytes where a Vec is 24
pub struct Nested(Option<Box<Vec<(String, String)>>>);

impl Nested {
    fn push(&mut self, pair: (String, String)) {
        self.0.get_or_insert_default().push(pair);
    }
}

impl std::ops::Deref for Nested {
    type Target = [(String, String)];

    fn deref(&self) -> &[(String, String)] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// A section header and its properties, in file order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Section {
    pub header: String,
    pub properties: Vec<(Key, Property)>,
}

impl Section {
    /// The value of `key` (already lowercase); the last one wins.
    pub fn get(&self, key: &str) -> Option<&Property> {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, p)| p)
    }
}

/// A parse failure with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses a whole file into its sections, in order. Repeated headers stay separate sections;
/// the caller merges them.
pub fn parse(text: &str) -> Result<Vec<Section>, ParseError> {
    let mut sections = Vec::new();
    each_section(text, |section| sections.push(section))?;
    Ok(sections)
}

/// Parses `text`, handing each section to `emit` as it ends.
pub fn each_section(text: &str, emit: impl FnMut(Section)) -> Result<(), ParseError> {
    let mut parser = Parser::new(emit);
    for line in lines(text) {
        parser.line(line)?;
    }
    parser.finish();
    Ok(())
}

/// A file's parse, a line at a time (a file need not be in memory whole), handing each
/// section to `emit` when it ends.
pub struct Parser<F: FnMut(Section)> {
    emit: F,
    /// The section being read: its header; its properties are in `properties` until it ends,
    /// then in a vector of their exact number (10,000 sections of three keys keep no room for
    /// a fourth).
    header: Option<String>,
    properties: Vec<(Key, Property)>,
    /// The indentation of the current section's last property line: as in Python's
    /// configparser (which the AWS CLI uses), only a line indented deeper continues it.
    property_indent: Option<usize>,
    known: Known,
    /// The lines read so far.
    line_no: usize,
}

impl<F: FnMut(Section)> Parser<F> {
    pub fn new(emit: F) -> Self {
        Self {
            emit,
            header: None,
            properties: Vec::new(),
            property_indent: None,
            known: Known::default(),
            line_no: 0,
        }
    }

    /// The section read so far, to `emit`.
    fn close(&mut self) {
        if let Some(header) = self.header.take() {
            let mut properties = Vec::with_capacity(self.properties.len());
            properties.append(&mut self.properties);
            (self.emit)(Section { header, properties });
        }
    }

    /// The end of the file: the last section to `emit`.
    pub fn finish(mut self) {
        self.close();
    }

    /// The file's next line, without its `\n`.
    pub fn line(&mut self, raw: &str) -> Result<(), ParseError> {
        self.line_no += 1;
        let line_no = self.line_no;
        let raw = match line_no {
            1 => raw.strip_prefix('\u{feff}').unwrap_or(raw),
            _ => raw,
        };
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let err = |message| ParseError {
            line: line_no,
            message,
        };
        let trimmed = trim(line);
        if matches!(trimmed.as_bytes().first(), None | Some(b'#' | b';')) {
            return Ok(());
        }
        let indent = line
            .bytes()
            .position(|b| b != b' ' && b != b'\t')
            .unwrap_or(line.len());
        if self.property_indent.is_some_and(|p| indent > p) {
            if let Some((_, property)) = self.properties.last_mut() {
                let content = strip_value_comment(trimmed);
                if property.value.is_empty() || !property.sub.is_empty() {
                    let (key, value) = split_property(content, &mut self.known)
                        .ok_or_else(|| err("expected \"key = value\" in the nested block"))?;
                    property.sub.push((key.into_owned(), value.into()));
                } else {
                    let value = std::mem::take(&mut property.value);
                    property.value = [&*value, content].join("\n").into_boxed_str();
                }
                return Ok(());
            }
        }
        if trimmed.starts_with('[') {
            let header =
                parse_header(trimmed).ok_or_else(|| err("a section header must end with ]"))?;
            if header.is_empty() {
                return Err(err("a section header must have a name"));
            }
            self.close();
            self.header = Some(header);
            self.property_indent = None;
            return Ok(());
        }
        if self.header.is_none() {
            return Err(err("a property must follow a [section] header"));
        }
        let content = strip_value_comment(trimmed);
        let (key, value) = split_property(content, &mut self.known)
            .ok_or_else(|| err("expected \"key = value\""))?;
        self.properties.push((
            key,
            Property {
                value,
                sub: Nested::default(),
                line: u32::try_from(line_no).unwrap_or(u32::MAX),
                inline_comment: content.len() < trimmed.len(),
                from_credentials: false,
            },
        ));
        self.property_indent = Some(indent);
        Ok(())
    }
}

/// `[ name ]  # comment` → `name` (what the name means is the caller's business: the config
/// file's `profile NAME` is split into words as the AWS CLI does).
pub(super) fn parse_header(line: &str) -> Option<String> {
    let inner = line.strip_prefix('[')?;
    let end = inner.bytes().position(|b| b == b']')?;
    if !matches!(
        trim(&inner[end + 1..]).as_bytes().first(),
        None | Some(b'#' | b';')
    ) {
        return None;
    }
    Some(trim(&inner[..end]).to_string())
}

/// `str::trim`, without looking at the characters of a line that starts and ends with a
/// printable ASCII one (most lines: 10,000 profiles are 40,000 of them).
fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if first.is_ascii_graphic() && last.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Splits `key = value`, lowercasing and trimming the key, trimming the value.
fn split_property(line: &str, known: &mut Known) -> Option<(Key, Box<str>)> {
    let eq = line.bytes().position(|b| b == b'=')?;
    let key = trim(&line[..eq]);
    if key.is_empty() {
        return None;
    }
    Some((known.key(key), trim(&line[eq + 1..]).into()))
}

/// The lines of `text` split at `\n`, as `str::split('\n')` splits them (a SIMD search for
/// the ends: a 10,000-profile config has 40,000 lines).
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    let mut start = 0;
    ends.map(move |end| {
        let line = &text[start..end];
        start = end + 1;
        line
    })
}

/// Cuts an inline comment: `#` or `;` preceded by whitespace.
fn strip_value_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for i in memchr::memchr2_iter(b'#', b';', bytes) {
        if i > 0 && (bytes[i - 1] == b' ' || bytes[i - 1] == b'\t') {
            return line[..i].trim_end();
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(s: &Section) -> Vec<(&str, &str)> {
        s.properties
            .iter()
            .map(|(k, p)| (k.as_ref(), &*p.value))
            .collect()
    }

    #[test]
    fn sections_keys_and_inline_comments() {
        let text = "# top\n[default]\nAWS_Access_Key_ID = AKIA\n; c\n[profile x] # note\nrole_arn = arn:aws:iam::1:role/a#b  # c\nexternal_id = abc ; d\nempty =\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].header, "default");
        assert_eq!(props(&s[0]), vec![("aws_access_key_id", "AKIA")]);
        assert_eq!(s[1].header, "profile x");
        assert_eq!(
            props(&s[1]),
            vec![
                ("role_arn", "arn:aws:iam::1:role/a#b"),
                ("external_id", "abc"),
                ("empty", "")
            ]
        );
        let comments: Vec<(u32, bool)> = s[1]
            .properties
            .iter()
            .map(|(_, p)| (p.line, p.inline_comment))
            .collect();
        assert_eq!(comments, vec![(6, true), (7, true), (8, false)]);
    }

    #[test]
    fn nested_sub_properties_do_not_leak_into_the_section() {
        let text = "[profile x]\ns3 =\n  region = nested\n  max_concurrent_requests = 20 # c\nregion = us-east-1\n";
        let s = parse(text).unwrap();
        let s3 = s[0].get("s3").unwrap();
        assert_eq!(&*s3.value, "");
        assert_eq!(
            s3.sub.to_vec(),
            vec![
                ("region".to_string(), "nested".to_string()),
                ("max_concurrent_requests".to_string(), "20".to_string())
            ]
        );
        assert_eq!(&*s[0].get("region").unwrap().value, "us-east-1");
    }

    #[test]
    fn continuation_of_a_non_empty_value_appends() {
        let s = parse("[a]\nk = one\n  two\n").unwrap();
        assert_eq!(&*s[0].get("k").unwrap().value, "one\ntwo");
    }

    #[test]
    fn indented_sections_are_ordinary_properties() {
        // As configparser reads it: a line continues a property only when indented deeper.
        let s = parse("[profile x]\n    role_arn = a\n    source_profile = b\n    s3 =\n      region = r\n    [profile y]\n  region = y\n").unwrap();
        assert_eq!(
            props(&s[0]),
            vec![("role_arn", "a"), ("source_profile", "b"), ("s3", "")]
        );
        assert_eq!(
            s[0].get("s3").unwrap().sub.to_vec(),
            vec![("region".into(), "r".into())]
        );
        assert_eq!(s[1].header, "profile y");
        assert_eq!(props(&s[1]), vec![("region", "y")]);
    }

    #[test]
    fn bom_crlf_and_header_whitespace() {
        let s = parse("\u{feff}[ profile   y ]\r\nregion = eu-west-1\r\n").unwrap();
        assert_eq!(s[0].header, "profile   y");
        assert_eq!(&*s[0].get("region").unwrap().value, "eu-west-1");
    }

    #[test]
    fn last_value_wins_and_repeated_sections_stay_separate() {
        let s = parse("[a]\nk=1\nk=2\n[a]\nj=3\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(&*s[0].get("k").unwrap().value, "2");
    }

    #[test]
    fn malformed_lines_are_errors_with_line_numbers() {
        let cases = [
            ("key = 1\n[default]\n", 1),
            ("[default]\ngarbage line\n", 2),
            ("[default\n", 1),
            ("[]\n", 1),
            ("[a]\n= 1\n", 2),
            ("  k = 1\n", 1),
            ("[a] junk\n", 1),
            ("[a]\ns3 =\n  nokey\n", 3),
        ];
        for (text, line) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, line, "{text:?}: {e}");
        }
    }

    #[test]
    fn a_property_is_small() {
        // 10,000 profiles of three keys: 1.4 MB of properties, not 2.6 MB.
        assert_eq!(std::mem::size_of::<(Key, Property)>(), 48);
    }

    #[test]
    fn lines_split_as_str_split_does() {
        for text in ["", "\n", "a", "a\n", "a\nb", "\n\na\r\n\nb\n\n", "é\n名\n"] {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.split('\n').collect::<Vec<_>>(),
                "{text:?}"
            );
        }
        for (value, cut) in [
            ("a #b", "a"),
            ("a;b #c", "a;b"),
            ("a\t;b", "a"),
            ("#a", "#a"),
            ("a#b;c", "a#b;c"),
            ("a #", "a"),
        ] {
            assert_eq!(strip_value_comment(value), cut, "{value:?}");
        }
    }

    #[test]
    fn values_keep_quotes_backslashes_and_unicode() {
        let s = parse("[a]\nk = 'q' \"z\" \\n é=\n").unwrap();
        assert_eq!(&*s[0].get("k").unwrap().value, "'q' \"z\" \\n é=");
    }
}
