//! Text rules every layer shares: what a terminal may be shown, how durations are written and
//! read.

use time::Duration;

/// `text` as one line a terminal shows literally: control characters (a newline in a profile
/// name, an escape sequence in a config value) are written as escapes, so a message stays one
/// line and nothing from a config file can drive the terminal.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    // Control characters, and the bidirectional controls that reorder what a terminal shows.
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if printable_ascii(text) || !text.chars().any(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Whether `text` is printable ASCII, as nearly every name and value is (and then
/// [`printable`] keeps it as it is): a byte test each, no decoding, and no early exit, so that
/// the bytes are tested many at a time.
pub fn printable_ascii(text: &str) -> bool {
    text.bytes()
        .fold(true, |all, b| all & (b' '..=b'~').contains(&b))
}

/// Whether `text` has white space or a control character. One pass over the bytes, without
/// an early exit, so that they are tested many at a time: in ASCII those are the bytes up to
/// the space, and DEL; text with a byte beyond ASCII is tested by its characters.
pub fn has_blank(text: &str) -> bool {
    let (blank, ascii) = text.bytes().fold((false, true), |(blank, ascii), b| {
        (blank | (b <= b' ') | (b == 0x7f), ascii & b.is_ascii())
    });
    if ascii {
        blank
    } else {
        text.chars().any(|c| c.is_whitespace() || c.is_control())
    }
}

/// Whether `a` and `b` are the same bytes, compared eight at a time in the program itself: a
/// slice comparison calls the C library's `bcmp`, which the static musl build compares a byte
/// at a time (names and keys of 8 to 30 bytes, compared tens of thousands of times by `list`).
/// No early exit on the first difference: secrets (a token, an OAuth state) are compared
/// with it too.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    fn word(bytes: &[u8]) -> u64 {
        let mut word = [0; 8];
        word.copy_from_slice(bytes);
        u64::from_ne_bytes(word)
    }
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    let words = x
        .by_ref()
        .zip(y.by_ref())
        .fold(0, |diff, (p, q)| diff | (word(p) ^ word(q)));
    let rest = x.remainder().iter().zip(y.remainder());
    words == 0 && rest.fold(0, |diff, (p, q)| diff | (p ^ q)) == 0
}

/// How many characters `text` shows (its length when it is ASCII).
pub fn char_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Lower-case hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// `1h 02m`, `14m`, `30s`.
pub fn human(d: Duration) -> String {
    let secs = d.whole_seconds().max(0);
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        _ => format!("{}h {:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

/// A URL as it may be shown: any `user:password@` in it replaced by `…@`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://…@{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Whether an `http://` URL's host, as written, is this machine (`localhost`, 127.0.0.0/8,
/// `[::1]`): the only place a plain-HTTP endpoint is accepted without `ROLECALL_ALLOW_HTTP=1`.
pub fn plain_http_off_loopback(url: &str) -> bool {
    // Byte tests, no lower-case copy: `list` checks the endpoint of each of 10,000 plans.
    let Some(rest) = strip_prefix_ignore_case(url, "http://") else {
        return false;
    };
    let authority = &rest[..rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len())];
    // (Byte positions: the characters looked for are ASCII.)
    let at = |text: &str, c: u8| text.bytes().position(|b| b == c);
    let host = match authority.bytes().rposition(|b| b == b'@') {
        Some(i) => &authority[i + 1..],
        None => authority,
    };
    let host = if host.starts_with('[') {
        &host[..at(host, b']').map_or(host.len(), |i| i + 1)]
    } else {
        &host[..at(host, b':').unwrap_or(host.len())]
    };
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host == "[::1]"
        || (host.starts_with("127.") && dotted_quad(host));
    !loopback
}

/// Four numbers of 0 to 255 with dots between them (`split('.')` and `parse::<u8>`, in one
/// pass over the bytes).
fn dotted_quad(host: &str) -> bool {
    let (mut parts, mut start) = (0, 0);
    for (i, b) in host.bytes().chain([b'.']).enumerate() {
        if b == b'.' {
            if host[start..i].parse::<u8>().is_err() {
                return false;
            }
            parts += 1;
            start = i + 1;
        }
    }
    parts == 4
}

/// `text` without `prefix`, ASCII letters' case aside.
pub fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Why a text is not an acceptable duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationError {
    /// Not a whole number with an optional `s`, `m` or `h`.
    NotADuration,
    /// A duration, but longer than the maximum given.
    TooLong(Duration),
}

/// The one duration parser: whole seconds (`3600`), or a whole number with `s`, `m` or `h`
/// (`90m`, `1h`), at most `max`. Surrounding white space is ignored.
pub fn parse_duration(text: &str, max: Duration) -> Result<Duration, DurationError> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => text.split_at(i),
        None => (text, "s"),
    };
    let n: i64 = number.parse().map_err(|_| DurationError::NotADuration)?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => return Err(DurationError::NotADuration),
    };
    let seconds = n.checked_mul(factor).ok_or(DurationError::TooLong(max))?;
    let d = Duration::seconds(seconds);
    if d > max {
        return Err(DurationError::TooLong(max));
    }
    Ok(d)
}

/// A time as RFC 3339 in UTC, to the second (`2026-11-22T11:00:00Z`): how every expiration is
/// printed, whatever precision the clock or STS gave it.
pub fn timestamp(t: time::OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_to_the_second() {
        let t = time::macros::datetime!(2026-11-22 12:00:00.123456789 +01:00);
        assert_eq!(timestamp(t), "2026-11-22T11:00:00Z");
    }

    #[test]
    fn blanks_are_white_space_and_control_characters_in_ascii_and_beyond() {
        let blank = |c: char| c.is_whitespace() || c.is_control();
        for c in (0u8..=0x7f)
            .map(char::from)
            .chain(['é', '\u{85}', '\u{a0}', '\u{3000}'])
        {
            for text in [format!("{c}"), format!("arn:{c}x"), format!("{c}é")] {
                assert_eq!(has_blank(&text), text.chars().any(blank), "{text:?}");
            }
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn same_is_slice_equality() {
        let texts = [
            "",
            "a",
            "ab",
            "AWS_REGION",
            "AWS_REGIOM",
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URM",
            "bWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_STS",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same(a.as_bytes(), b.as_bytes()), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("profile \"prod\""), "profile \"prod\"");
        assert_eq!(printable("a\nb\x1b[2Jc\u{7f}é"), "a\\nb\\u{1b}[2Jc\\u{7f}é");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
    }

    #[test]
    fn durations() {
        let max = Duration::hours(12);
        assert_eq!(parse_duration("300", max), Ok(Duration::seconds(300)));
        assert_eq!(parse_duration(" 5m ", max), Ok(Duration::minutes(5)));
        assert_eq!(parse_duration("1h", max), Ok(Duration::hours(1)));
        assert_eq!(parse_duration("0", max), Ok(Duration::ZERO));
        for bad in ["", "m", "5x", "-5", "1.5m", "h1"] {
            assert_eq!(
                parse_duration(bad, max),
                Err(DurationError::NotADuration),
                "{bad}"
            );
        }
        for long in ["13h", "43201", "99999999999999999h"] {
            assert_eq!(
                parse_duration(long, max),
                Err(DurationError::TooLong(max)),
                "{long}"
            );
        }
        assert_eq!(
            parse_duration("99999999999999999999", max),
            Err(DurationError::NotADuration)
        );
    }

    #[test]
    fn urls_for_people_and_plain_http_off_this_machine() {
        assert_eq!(
            redact_url("http://bob:s3cret@127.0.0.1:5000/x"),
            "http://…@127.0.0.1:5000/x"
        );
        assert_eq!(
            redact_url("https://sts.amazonaws.com"),
            "https://sts.amazonaws.com"
        );
        for ok in [
            "http://127.0.0.1:5000",
            "http://localhost/",
            "http://[::1]:80",
            "https://sts.example.com",
            "http://u:p@127.9.9.9",
            "HTTP://LocalHost:8080/x",
            "http://127.000.0.1:8080",
            "http://[::1]",
            "",
            "http:/",
            "ftp://example.com",
        ] {
            assert!(!plain_http_off_loopback(ok), "{ok}");
        }
        for bad in [
            "http://sts.example.com",
            "http://10.0.0.1:5000",
            "HTTP://localhost.evil.com",
            "http://127.0.0.1.evil.com",
            "http://127.0.0.1@evil.com",
            "Http://127.0.0.256",
            "http://127.0.0.1.",
            "http://127..0.1",
            "http://127.0.0",
            "http://",
            "http://é.example.com",
        ] {
            assert!(plain_http_off_loopback(bad), "{bad}");
        }
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::seconds(30)), "30s");
        assert_eq!(human(Duration::minutes(14)), "14m");
        assert_eq!(human(Duration::seconds(3720)), "1h 02m");
        assert_eq!(human(Duration::seconds(-5)), "0s");
    }
}
