//! Domain values that can only be built by parsing (DOMAIN.md "Data conventions"): a handler
//! never holds an unchecked string where one of these fits.

use std::fmt;

/// A statistical division code (统计用区划代码), normalised to 12 digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode([u8; 12]);

/// The level a division code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Province = 1,
    City = 2,
    Area = 3,
    Town = 4,
    Community = 5,
}

impl Level {
    pub fn from_i64(n: i64) -> Option<Level> {
        Some(match n {
            1 => Level::Province,
            2 => Level::City,
            3 => Level::Area,
            4 => Level::Town,
            5 => Level::Community,
            _ => return None,
        })
    }
    /// How many significant digits a code of this level has.
    pub fn digits(self) -> usize {
        match self {
            Level::Province => 2,
            Level::City => 4,
            Level::Area => 6,
            Level::Town => 9,
            Level::Community => 12,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeError {
    Empty,
    NotDigits,
    BadLength(usize),
    /// Digits beyond the level's significant part must be zero.
    NonZeroPadding,
    /// A required part (province, city …) is zero.
    ZeroPart,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeError::Empty => write!(f, "code is empty"),
            CodeError::NotDigits => write!(f, "code must contain digits only"),
            CodeError::BadLength(n) => write!(f, "code has {n} digits; expected 2, 4, 6, 9 or 12"),
            CodeError::NonZeroPadding => {
                write!(f, "a 12-digit code has non-zero digits below its level")
            }
            CodeError::ZeroPart => write!(f, "a part of the code is all zeros"),
        }
    }
}

impl std::error::Error for CodeError {}

impl DivisionCode {
    /// Parse a code of 2, 4, 6, 9 or 12 digits (the short forms of the national files, or the
    /// 12-digit form), as the code of the level its significant digits give.
    pub fn parse(s: &str) -> Result<DivisionCode, CodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::NotDigits);
        }
        let mut out = [b'0'; 12];
        match s.len() {
            2 | 4 | 6 | 9 | 12 => out[..s.len()].copy_from_slice(s.as_bytes()),
            n => return Err(CodeError::BadLength(n)),
        }
        let code = DivisionCode(out);
        // The province part is never zero; lower parts are zero only as padding below the level.
        if &out[0..2] == b"00" {
            return Err(CodeError::ZeroPart);
        }
        let lvl = code.level();
        if s.len() != 12 && lvl.digits() != s.len() {
            // e.g. "320200" given as an area code: its area part is zero.
            return Err(CodeError::ZeroPart);
        }
        Ok(code)
    }

    /// Parse a short or 12-digit code that must be of the given level.
    pub fn parse_level(s: &str, level: Level) -> Result<DivisionCode, CodeError> {
        let c = Self::parse(s)?;
        if c.level() != level {
            let t = s.trim();
            return Err(if t.len() == 12 {
                CodeError::NonZeroPadding
            } else {
                CodeError::BadLength(t.len())
            });
        }
        Ok(c)
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("000000000000")
    }

    /// The level follows from which trailing parts are zero.
    pub fn level(&self) -> Level {
        let b = &self.0;
        if &b[9..12] != b"000" {
            Level::Community
        } else if &b[6..9] != b"000" {
            Level::Town
        } else if &b[4..6] != b"00" {
            Level::Area
        } else if &b[2..4] != b"00" {
            Level::City
        } else {
            Level::Province
        }
    }

    /// The inclusive range of 12-digit codes of this division and everything below it.
    pub fn descendant_range(&self) -> (String, String) {
        let p = &self.as_str()[..self.level().digits()];
        (format!("{p:0<12}"), format!("{p:9<12}"))
    }

    fn truncated(&self, digits: usize) -> DivisionCode {
        let mut out = [b'0'; 12];
        out[..digits].copy_from_slice(&self.0[..digits]);
        DivisionCode(out)
    }

    /// The code of the enclosing division one level up.
    /// Is `code` this division or one under it?
    pub fn contains_str(&self, code: &str) -> bool {
        let (lo, hi) = self.descendant_range();
        code >= lo.as_str() && code <= hi.as_str()
    }

    pub fn parent(&self) -> Option<DivisionCode> {
        match self.level() {
            Level::Province => None,
            Level::City => Some(self.truncated(2)),
            Level::Area => Some(self.truncated(4)),
            Level::Town => Some(self.truncated(6)),
            Level::Community => Some(self.truncated(9)),
        }
    }

    /// The county-level area (区/县) this code lies in, for levels at or below it.
    pub fn area(&self) -> Option<DivisionCode> {
        (self.level() >= Level::Area).then(|| self.truncated(6))
    }

    /// The three town digits (for town- and community-level codes).
    fn town_digits(&self) -> u16 {
        digits_value(&self.0[6..9])
    }

    fn village_digits(&self) -> u16 {
        digits_value(&self.0[9..12])
    }

    pub fn town_kind(&self) -> Option<TownKind> {
        (self.level() >= Level::Town).then(|| TownKind::from_digits(self.town_digits()))
    }

    pub fn community_kind(&self) -> Option<CommunityKind> {
        (self.level() == Level::Community)
            .then(|| CommunityKind::from_digits(self.village_digits()))
    }
}

fn digits_value(b: &[u8]) -> u16 {
    b.iter().fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'))
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DivisionCode({})", self.as_str())
    }
}

/// Town-level kind from the town digits (DOMAIN.md): 000–099 street, 100–199 town,
/// 200–299 township, 400–599 development zones, farms and the like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TownKind {
    Street,
    Town,
    Township,
    Zone,
    Other,
}

impl TownKind {
    pub fn from_digits(d: u16) -> TownKind {
        match d {
            0..=99 => TownKind::Street,
            100..=199 => TownKind::Town,
            200..=299 => TownKind::Township,
            400..=599 => TownKind::Zone,
            _ => TownKind::Other,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            TownKind::Street => "street",
            TownKind::Town => "town",
            TownKind::Township => "township",
            TownKind::Zone => "zone",
            TownKind::Other => "other",
        }
    }
}

/// Village digits 001–199 residents' committee (居委会), 200–399 village committee (村委会).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommunityKind {
    Residents,
    Village,
    Other,
}

impl CommunityKind {
    pub fn from_digits(d: u16) -> CommunityKind {
        match d {
            1..=199 => CommunityKind::Residents,
            200..=399 => CommunityKind::Village,
            _ => CommunityKind::Other,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            CommunityKind::Residents => "residents",
            CommunityKind::Village => "village",
            CommunityKind::Other => "other",
        }
    }
    pub fn parse_key(s: &str) -> Option<CommunityKind> {
        match s {
            "residents" => Some(CommunityKind::Residents),
            "village" => Some(CommunityKind::Village),
            "other" => Some(CommunityKind::Other),
            _ => None,
        }
    }
    /// The SQL range of village digits (the last three of the code) for this kind.
    pub fn digit_range(self) -> (&'static str, &'static str) {
        match self {
            CommunityKind::Residents => ("001", "199"),
            CommunityKind::Village => ("200", "399"),
            CommunityKind::Other => ("400", "999"),
        }
    }
}

// ------------------------------------------------------------------ ID number

/// A resident ID number (居民身份证号, GB 11643) with a valid check character and birth date.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

impl IdNumber {
    pub fn parse(s: &str) -> Result<IdNumber, &'static str> {
        let s = s.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err("id.length");
        }
        if !b[..17].iter().all(u8::is_ascii_digit) {
            return Err("id.digits");
        }
        let date = &s[6..14];
        if chrono::NaiveDate::parse_from_str(date, "%Y%m%d").is_err() {
            return Err("id.birth_date");
        }
        if b[17] != Self::check_char(&s[..17]) {
            return Err("id.check");
        }
        Ok(IdNumber(s))
    }

    /// The check character for the first 17 digits.
    pub fn check_char(first17: &str) -> u8 {
        let sum: u32 = first17
            .bytes()
            .zip(ID_WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        ID_CHECK[(sum % 11) as usize]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn birth_date(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").unwrap_or_default()
    }
    pub fn is_male(&self) -> bool {
        (self.0.as_bytes()[16] - b'0') % 2 == 1
    }
    /// `3202**********1234`
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }
}

impl fmt::Debug for IdNumber {
    // Personal data never reaches logs whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

// ------------------------------------------------------- unified social credit code

/// A unified social credit code (统一社会信用代码, GB 32100).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

const CREDIT_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

impl CreditCode {
    pub fn parse(s: &str) -> Result<CreditCode, &'static str> {
        let s = s.trim().to_ascii_uppercase();
        if s.len() != 18 {
            return Err("credit.length");
        }
        let mut vals = [0u32; 18];
        for (i, b) in s.bytes().enumerate() {
            match CREDIT_ALPHABET.iter().position(|&c| c == b) {
                Some(p) => vals[i] = p as u32,
                None => return Err("credit.chars"),
            }
        }
        if s.as_bytes()[17] != Self::check_char(&s[..17]).unwrap_or(0) {
            return Err("credit.check");
        }
        Ok(CreditCode(s))
    }

    /// The check character for 17 characters of the alphabet (None if one is outside it).
    pub fn check_char(first17: &str) -> Option<u8> {
        let mut sum = 0u32;
        for (b, w) in first17.bytes().zip(CREDIT_WEIGHTS) {
            sum += CREDIT_ALPHABET.iter().position(|&c| c == b)? as u32 * w;
        }
        Some(CREDIT_ALPHABET[((31 - sum % 31) % 31) as usize])
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ------------------------------------------------------------------ phone

/// A mainland mobile number: 11 digits `1[3-9]\d{9}` after removing +86 and separators.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(s: &str) -> Result<Phone, &'static str> {
        let mut d: String = s
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')'))
            .collect();
        if let Some(rest) = d.strip_prefix("+86").or_else(|| d.strip_prefix("0086")) {
            d = rest.to_string();
        } else if d.len() == 13 && d.starts_with("86") {
            d = d[2..].to_string();
        }
        let b = d.as_bytes();
        if b.len() != 11 || !b.iter().all(u8::is_ascii_digit) {
            return Err("phone.format");
        }
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err("phone.format");
        }
        Ok(Phone(d))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `138****5678`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// A person's name masked for lists: 张*三 / 李*.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => chars[0].to_string(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

// ------------------------------------------------------------------ money

/// Money in fen (分). Shown as yuan with two decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

impl Fen {
    /// Parse a yuan amount such as `1,234.5`, `1234.56` or `-3`. At most two decimals.
    pub fn parse_yuan(s: &str) -> Result<Fen, &'static str> {
        parse_hundredths(s, &["元"])
            .map(Fen)
            .map_err(|e| e.key("money"))
    }

    /// `1,234,567.89`
    pub fn yuan_string(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let s = format!(
            "{}{}.{:02}",
            if neg { "-" } else { "" },
            thousands(abs / 100),
            abs % 100
        );
        s
    }
}

/// Why a decimal with at most two places did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecimalError {
    Format,
    Decimals,
    TooLarge,
}

impl DecimalError {
    /// The message key under a group: `money.format`, `area.decimals` …
    pub fn key(self, group: &str) -> &'static str {
        match (group, self) {
            ("money", DecimalError::Format) => "money.format",
            ("money", DecimalError::Decimals) => "money.decimals",
            ("money", DecimalError::TooLarge) => "money.too_large",
            (_, DecimalError::Format) => "area.format",
            (_, DecimalError::Decimals) => "area.decimals",
            (_, DecimalError::TooLarge) => "area.too_large",
        }
    }
}

/// Parse a decimal with at most two places into hundredths: `1,234.5` → 123450. Thousands
/// separators (also full-width) and one of `units` at the end are allowed.
pub fn parse_hundredths(s: &str, units: &[&str]) -> Result<i64, DecimalError> {
    let mut s: String = s
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，')
        .collect();
    for u in units {
        if let Some(r) = s.strip_suffix(u) {
            s = r.trim().to_string();
            break;
        }
    }
    let (neg, body) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.as_str()),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::Format);
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecimalError::Decimals);
    }
    let whole: i64 = int.parse().map_err(|_| DecimalError::TooLarge)?;
    let mut f = format!("{frac:0<2}");
    f.truncate(2);
    let part: i64 = f.parse().unwrap_or(0);
    let total = whole
        .checked_mul(100)
        .and_then(|v| v.checked_add(part))
        .ok_or(DecimalError::TooLarge)?;
    Ok(if neg { -total } else { total })
}

/// An area in dm² (hundredths of a square metre), shown in m².
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Area(pub i64);

impl Area {
    /// Parse square metres: `1,523.5`, `1500㎡`, `80 平方米`.
    pub fn parse_m2(s: &str) -> Result<Area, &'static str> {
        parse_hundredths(s, &["平方米", "平米", "㎡", "m²", "m2"])
            .map(Area)
            .map_err(|e| e.key("area"))
    }

    /// `1,523.5` (no trailing zeros), in m².
    pub fn m2_string(self) -> String {
        let neg = self.0 < 0;
        let abs = self.0.unsigned_abs();
        let mut s = format!("{}{}", if neg { "-" } else { "" }, thousands(abs / 100));
        match abs % 100 {
            0 => {}
            r if r % 10 == 0 => s.push_str(&format!(".{}", r / 10)),
            r => s.push_str(&format!(".{r:02}")),
        }
        s
    }
}

/// `397000` → `397,000`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

pub fn thousands_i(n: i64) -> String {
    if n < 0 {
        format!("-{}", thousands(n.unsigned_abs()))
    } else {
        thousands(n as u64)
    }
}

/// An enum of fixed choices stored and sent by a stable key (`"under_construction"`): `key()`,
/// `parse()` and `ALL`, serde in snake case, an OpenAPI schema.
#[macro_export]
macro_rules! keyed_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $key:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s.trim() { $($key => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn areas_in_square_metres() {
        assert_eq!(Area::parse_m2("1,523.5"), Ok(Area(152_350)));
        assert_eq!(Area::parse_m2("1500㎡"), Ok(Area(150_000)));
        assert_eq!(Area::parse_m2(" 80 平方米"), Ok(Area(8000)));
        assert_eq!(Area::parse_m2("1.234"), Err("area.decimals"));
        assert_eq!(Area::parse_m2("abc"), Err("area.format"));
        assert_eq!(Area(152_350).m2_string(), "1,523.5");
        assert_eq!(Area(150_000).m2_string(), "1,500");
        assert_eq!(Area(8_005).m2_string(), "80.05");
        assert_eq!(Fen::parse_yuan("1.234"), Err("money.decimals"));
    }

    #[test]
    fn division_levels_and_kinds() {
        let c = DivisionCode::parse("320205106201").unwrap();
        assert_eq!(c.level(), Level::Community);
        assert_eq!(c.community_kind(), Some(CommunityKind::Village));
        assert_eq!(c.town_kind(), Some(TownKind::Town));
        assert_eq!(c.parent().unwrap().as_str(), "320205106000");
        assert_eq!(c.area().unwrap().as_str(), "320205000000");
        let s = DivisionCode::parse("320205001").unwrap();
        assert_eq!(s.as_str(), "320205001000");
        assert_eq!(s.level(), Level::Town);
        assert_eq!(s.town_kind(), Some(TownKind::Street));
        assert_eq!(
            s.descendant_range(),
            ("320205001000".to_string(), "320205001999".to_string())
        );
        assert_eq!(
            DivisionCode::parse("320205400").unwrap().town_kind(),
            Some(TownKind::Zone)
        );
        assert_eq!(
            DivisionCode::parse("320205001001")
                .unwrap()
                .community_kind(),
            Some(CommunityKind::Residents)
        );
        assert_eq!(DivisionCode::parse("32").unwrap().level(), Level::Province);
        assert_eq!(
            DivisionCode::parse("3202")
                .unwrap()
                .parent()
                .unwrap()
                .as_str(),
            "320000000000"
        );
    }

    #[test]
    fn division_bad_codes() {
        assert_eq!(DivisionCode::parse(""), Err(CodeError::Empty));
        assert_eq!(DivisionCode::parse("32a2"), Err(CodeError::NotDigits));
        assert_eq!(DivisionCode::parse("32020"), Err(CodeError::BadLength(5)));
        assert_eq!(DivisionCode::parse("00"), Err(CodeError::ZeroPart));
        assert_eq!(DivisionCode::parse("320200"), Err(CodeError::ZeroPart));
        assert!(DivisionCode::parse_level("320205001", Level::Community).is_err());
    }

    proptest! {
        #[test]
        fn division_codes_roundtrip(p in 11u32..=65, c in 1u32..=99, a in 1u32..=99, t in 1u32..=999, v in 1u32..=999) {
            let s = format!("{p:02}{c:02}{a:02}{t:03}{v:03}");
            let code = DivisionCode::parse(&s).unwrap();
            prop_assert_eq!(code.as_str(), s.as_str());
            prop_assert_eq!(code.level(), Level::Community);
            let town = code.parent().unwrap();
            prop_assert_eq!(town.level(), Level::Town);
            prop_assert_eq!(DivisionCode::parse(&s[..9]).unwrap(), town);
        }

        #[test]
        fn division_parse_never_panics(s in "\\PC{0,20}") {
            let _ = DivisionCode::parse(&s);
        }

        #[test]
        fn id_numbers_with_right_check_parse(addr in 110000u32..659999, y in 1930i32..2020, doy in 0u32..365, seq in 0u32..999) {
            let d = chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap() + chrono::Days::new(doy.into());
            let first = format!("{addr:06}{}{seq:03}", d.format("%Y%m%d"));
            let check = IdNumber::check_char(&first) as char;
            let id = IdNumber::parse(&format!("{first}{check}")).unwrap();
            prop_assert_eq!(id.birth_date(), d);
            prop_assert_eq!(id.is_male(), seq % 2 == 1);
            // any other check character is refused
            for c in "0123456789X".chars().filter(|c| *c != check) {
                let s = format!("{first}{c}");
                prop_assert!(IdNumber::parse(&s).is_err());
            }
            let m = id.masked();
            prop_assert_eq!(m.len(), 18);
            prop_assert!(m.contains("**********"));
        }

        #[test]
        fn id_parse_never_panics(s in "\\PC{0,25}") {
            let _ = IdNumber::parse(&s);
        }

        #[test]
        fn credit_codes_with_right_check_parse(body in "[0-9A-HJ-NPQRTUWXY]{17}") {
            let check = CreditCode::check_char(&body).unwrap() as char;
            let ok = format!("{body}{check}");
            prop_assert!(CreditCode::parse(&ok).is_ok());
            let wrong = if check == '0' { '1' } else { '0' };
            let bad = format!("{body}{wrong}");
            prop_assert!(CreditCode::parse(&bad).is_err());
        }

        #[test]
        fn credit_parse_never_panics(s in "\\PC{0,25}") {
            let _ = CreditCode::parse(&s);
        }

        #[test]
        fn phones_parse_and_mask(second in 3u8..=9, rest in 0u64..1_000_000_000) {
            let p = format!("1{second}{rest:09}");
            let ph = Phone::parse(&format!("+86 {p}")).unwrap();
            prop_assert_eq!(ph.as_str(), p.as_str());
            prop_assert_eq!(ph.masked(), format!("{}****{}", &p[..3], &p[7..]));
        }

        #[test]
        fn phone_parse_never_panics(s in "\\PC{0,20}") {
            let _ = Phone::parse(&s);
        }

        #[test]
        fn money_roundtrips(fen in -10_000_000_000i64..10_000_000_000) {
            let f = Fen(fen);
            prop_assert_eq!(Fen::parse_yuan(&f.yuan_string()).unwrap(), f);
        }
    }

    #[test]
    fn known_values() {
        // GB 11643 example
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert_eq!(IdNumber::parse("110105194912310021"), Err("id.check"));
        assert_eq!(
            IdNumber::parse("110105194913310029").unwrap_err(),
            "id.birth_date"
        );
        assert_eq!(
            IdNumber::parse("320205198001011234")
                .map(|i| i.masked())
                .unwrap_or_default()
                .len(),
            if IdNumber::parse("320205198001011234").is_ok() {
                18
            } else {
                0
            }
        );
        assert!(CreditCode::parse("91350100M000100Y43").is_ok());
        assert_eq!(CreditCode::parse("91350100M000100Y44"), Err("credit.check"));
        assert_eq!(CreditCode::parse("91350100M000100YI3"), Err("credit.chars"));
        assert_eq!(Phone::parse("12812345678"), Err("phone.format"));
        assert_eq!(
            Phone::parse("138-1234-5678").unwrap().masked(),
            "138****5678"
        );
        assert_eq!(mask_name("张三丰"), "张*丰");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(Fen::parse_yuan("1,234.5").unwrap(), Fen(123450));
        assert_eq!(Fen::parse_yuan("1.234"), Err("money.decimals"));
        assert_eq!(Fen(-5).yuan_string(), "-0.05");
        assert_eq!(thousands(397000), "397,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
