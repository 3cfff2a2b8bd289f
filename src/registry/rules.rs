//! The registry's rules: the codes of the national standards a resident's record uses, what
//! an ID number tells (GB 11643), the tags departments work with and who sees them, and what
//! a search box's text asks for.

/// Resident tags. Disability and low income are sensitive personal information (PIPL
/// art. 28): shown only to those who see full personal data.
pub const TAGS: &[(&str, bool)] = &[
    ("elderly", false),
    ("disabled", true),
    ("low_income", true),
    ("job_seeker", false),
    ("party_member", false),
    ("veteran", false),
    ("living_alone", false),
    ("extreme_poverty", true),
    ("empty_nest", false),
    // a minor's circumstances (PIPL art. 28: minors' data is sensitive)
    ("left_behind_child", true),
    ("unemployed", false),
    ("childbearing", false),
];

pub fn is_tag(key: &str) -> bool {
    TAGS.iter().any(|(k, _)| *k == key)
}

pub fn is_sensitive_tag(key: &str) -> bool {
    TAGS.iter().any(|(k, s)| *k == key && *s)
}

crate::personal_kind!(
    /// A resident's tags as a personal value: masked, the sensitive ones (PIPL art. 28) are
    /// left out.
    pub ResidentTags,
    |v| tags_column(tags_of(v).into_iter().filter(|t| !is_sensitive_tag(t)))
);

/// Tags as stored: keys between commas, so `LIKE '%,disabled,%'` finds one.
pub fn tags_column<'a>(tags: impl IntoIterator<Item = &'a str>) -> String {
    tags_column_of(tags, is_tag)
}

/// Keys between commas, keeping those `known` accepts, sorted and once each.
pub fn tags_column_of<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    known: impl Fn(&str) -> bool,
) -> String {
    let mut v: Vec<&str> = tags.into_iter().filter(|t| known(t)).collect();
    v.sort_unstable();
    v.dedup();
    format!(",{}", v.iter().map(|t| format!("{t},")).collect::<String>())
}

pub fn tags_of(column: &str) -> Vec<&str> {
    column.split(',').filter(|t| !t.is_empty()).collect()
}

// ------------------------------------------------------------------ search

/// What a search box's text asks for. Who sees people masked (`欧**国`, `3202**********1234`,
/// `139****5678`) may only ask what they see — otherwise which rows match would tell them
/// the hidden part: a full ID number or phone, or a piece of a name beyond its family name,
/// is refused; the last 4 digits and the name as shown are not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// A whole ID number (GB 11643).
    IdNumber(String),
    /// A whole mobile number.
    Phone(String),
    /// The last digits of an ID number or phone (4–8 for full viewers, exactly 4 otherwise).
    Tail(String),
    /// Part of a case number (`320205106203-2026-…`): not personal.
    Number(String),
    /// Part of a name (full viewers).
    NameLike(String),
    /// A name as masking shows it: its first character, its length, its last character.
    NameShown {
        first: char,
        len: usize,
        last: Option<char>,
    },
    /// A family name: names beginning with this character.
    Family(char),
}

/// Read a search text for a viewer who sees full values (`full`) or masked ones. `Ok(None)`
/// for an empty text; `Err` with the message key when a masked viewer asks beyond what it
/// sees.
pub fn search_terms(q: &str, full: bool) -> Result<Option<Search>, &'static str> {
    use crate::platform::types::{IdNumber, Phone};
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let upper = q.to_uppercase();
    let digits_tail = upper
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (b == b'X' && i == upper.len() - 1));
    if let Ok(id) = IdNumber::parse(&upper) {
        return if full {
            Ok(Some(Search::IdNumber(id.as_str().to_string())))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if let Ok(p) = Phone::parse(q) {
        return if full {
            Ok(Some(Search::Phone(p.as_str().to_string())))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if digits_tail && (4..=8).contains(&upper.len()) {
        return if full || upper.len() == 4 {
            Ok(Some(Search::Tail(upper)))
        } else {
            Err("hall.search_as_shown")
        };
    }
    if q.contains('-') && q.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Ok(Some(Search::Number(q.to_string())));
    }
    if q.chars().all(|c| c.is_ascii_digit()) {
        // more digits than a tail and fewer than a whole number: a case number's beginning
        return Ok(Some(Search::Number(q.to_string())));
    }
    let chars: Vec<char> = q.chars().collect();
    if chars.len() >= 2 && chars[0] != '*' && chars[1..].contains(&'*') {
        // 欧**国 or 李*: stars stand for hidden characters, only the ends may show
        let last = chars[chars.len() - 1];
        let middle_hidden = chars[1..chars.len() - 1].iter().all(|c| *c == '*');
        if middle_hidden {
            return Ok(Some(Search::NameShown {
                first: chars[0],
                len: chars.len(),
                last: (last != '*').then_some(last),
            }));
        }
        return Err("hall.search_as_shown");
    }
    if full {
        return Ok(Some(Search::NameLike(q.to_string())));
    }
    if chars.len() == 1 {
        return Ok(Some(Search::Family(chars[0])));
    }
    Err("hall.search_as_shown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_sorted_and_known() {
        assert_eq!(
            tags_column(["low_income", "elderly", "nonsense", "elderly"]),
            ",elderly,low_income,"
        );
        assert_eq!(tags_column([]), ",");
        assert_eq!(
            tags_of(",elderly,low_income,"),
            vec!["elderly", "low_income"]
        );
        assert!(is_sensitive_tag("disabled") && !is_sensitive_tag("elderly"));
    }

    #[test]
    fn masked_viewers_search_only_what_they_see() {
        use Search::*;
        let id = "11010519491231002X";
        assert_eq!(search_terms(id, true), Ok(Some(IdNumber(id.into()))));
        assert_eq!(search_terms(id, false), Err("hall.search_as_shown"));
        assert_eq!(
            search_terms("13912345678", true),
            Ok(Some(Phone("13912345678".into())))
        );
        assert!(search_terms("13912345678", false).is_err());
        assert_eq!(search_terms("5678", false), Ok(Some(Tail("5678".into()))));
        assert_eq!(search_terms("002x", false), Ok(Some(Tail("002X".into()))));
        assert!(
            search_terms("345678", false).is_err(),
            "six digits show two hidden"
        );
        assert_eq!(
            search_terms("345678", true),
            Ok(Some(Tail("345678".into())))
        );
        assert_eq!(
            search_terms("欧阳", true),
            Ok(Some(NameLike("欧阳".into())))
        );
        assert!(search_terms("欧阳", false).is_err());
        assert!(search_terms("建国", false).is_err());
        assert_eq!(search_terms("欧", false), Ok(Some(Family('欧'))));
        assert_eq!(
            search_terms("欧**国", false),
            Ok(Some(NameShown {
                first: '欧',
                len: 4,
                last: Some('国')
            }))
        );
        assert_eq!(
            search_terms("李*", false),
            Ok(Some(NameShown {
                first: '李',
                len: 2,
                last: None
            }))
        );
        assert!(search_terms("欧*阳*", false).is_err());
        assert_eq!(
            search_terms("320205106203-2026", false),
            Ok(Some(Number("320205106203-2026".into())))
        );
        assert_eq!(search_terms("  ", false), Ok(None));
    }

    proptest::proptest! {
        /// Whatever a masked viewer may search by, the masked form of a matching name shows
        /// it: nothing hidden can be told apart by searching.
        #[test]
        fn shown_patterns_match_only_by_what_masking_shows(name in "[\u{4e00}-\u{4e20}]{1,5}") {
            let shown = crate::platform::types::mask_name(&name);
            if let Ok(Some(Search::NameShown { first, len, last })) = search_terms(&shown, false) {
                let chars: Vec<char> = name.chars().collect();
                proptest::prop_assert_eq!(chars[0], first);
                proptest::prop_assert_eq!(chars.len(), len);
                if let Some(l) = last {
                    proptest::prop_assert_eq!(chars[chars.len() - 1], l);
                }
            }
        }
    }
}
