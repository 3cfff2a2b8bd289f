//! Text as it enters and leaves. Everything people or programs send passes [`clean`] at the
//! boundary (the inbound layer of `platform::http`): control characters go, line ends become
//! `\n`, and the text is NFC-normalised, so that what is stored is what every reader can show
//! — PostgreSQL refuses NUL bytes, XML 1.0 refuses most control characters, and the same word
//! typed on two keyboards compares equal. [`xml_text`] is the writers' defence for text stored
//! before this rule (or by a path that skipped it).

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The most characters one field may hold. The longest texts people write here (minutes,
/// guideline methods) are a few thousand characters; a field beyond this is a mistake or an
/// attack and is refused whole, never cut.
pub const MAX_FIELD_CHARS: usize = 100_000;

/// A character that [`clean`] drops: C0 controls but tab and line feed, DEL, C1 controls,
/// and the two noncharacters XML refuses.
fn dropped(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// The text as it may be stored: controls dropped (tab and newline kept), `\r\n` and lone `\r`
/// as `\n`, NFC. Borrowed when nothing changes, which is almost always.
pub fn clean(s: &str) -> Cow<'_, str> {
    let plain = !s.chars().any(|c| dropped(c) || c == '\r');
    if plain && is_nfc_quick(s.chars()) == IsNormalized::Yes {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out.nfc().collect())
}

/// Whether a text is longer than a field may be.
pub fn too_long(s: &str) -> bool {
    // bytes bound characters from above: count only when it could matter
    s.len() > MAX_FIELD_CHARS && s.chars().count() > MAX_FIELD_CHARS
}

/// A character XML 1.0 allows in content (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// The text without the characters XML 1.0 (and so Atom, Open311's XML, SVG) cannot carry.
pub fn xml_text(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().filter(|c| xml_char(*c)).collect())
    }
}

/// Escape text for XML content and attributes, dropping what XML cannot carry.
pub fn xml_escape(s: &str) -> String {
    let s = xml_text(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encode a query value (everything but unreserved characters).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_go_line_ends_become_newlines() {
        assert_eq!(clean("华\u{0}建\u{7}国"), "华建国");
        assert_eq!(clean("a\r\nb\rc\nd\te"), "a\nb\nc\nd\te");
        assert_eq!(clean("x\u{1b}[31m\u{7f}\u{85}y"), "x[31my");
        assert!(matches!(clean("平常的字 plain"), Cow::Borrowed(_)));
        // NFC: e + combining acute is é
        assert_eq!(clean("e\u{301}"), "\u{e9}");
    }

    #[test]
    fn xml_keeps_only_what_it_may_carry() {
        assert_eq!(
            xml_escape("a\u{b}<b>&\"'\u{fffe}"),
            "a&lt;b&gt;&amp;&quot;&apos;"
        );
        assert_eq!(xml_text("ok\n\t"), "ok\n\t");
    }

    proptest! {
        #[test]
        fn cleaned_text_is_clean_and_stable(s in "\\PC*|[\\x00-\\x1f\\x7f-\\x9f a-z\u{301}]*") {
            let once = clean(&s).into_owned();
            prop_assert!(!once.chars().any(|c| dropped(c) || c == '\r'));
            prop_assert_eq!(clean(&once).into_owned(), once.clone());
            prop_assert_eq!(xml_text(&once).into_owned(), once);
        }
    }
}
