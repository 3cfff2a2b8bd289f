//! The codes a resident's record uses, from the national standards the village's own
//! spreadsheets follow: relation to the head of household (GB/T 4761), ethnicity (GB 3304),
//! gender (GB/T 2261.1, from the ID number), and the registry's own choices - education,
//! employment, the kind of resident and of household, how a person came or left, disability.
//! Labels live in the locale files (`registry.<group>.<key>`); [`Choices`] reads a cell typed
//! as a key, a label in either language, or a common synonym.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use crate::platform::i18n::{Lang, Tr};
use crate::platform::types::IdNumber;

/// GB/T 4761 relations to the head of household: the codes of the groups a village's
/// register uses (户主 02; 配偶 10; 子 20; 女 30; 孙子女 40; 父母 50; 祖父母 60; 兄弟姐妹
/// 70; 其他亲属 80; 非亲属 99).
pub const RELATIONS: [&str; 10] = ["02", "10", "20", "30", "40", "50", "60", "70", "80", "99"];

/// The head of household's code.
pub const HEAD: &str = "02";

/// Synonyms seen in village registers, with the code they stand for.
const RELATION_SYNONYMS: &[(&str, &str)] = &[
    ("本人", "02"),
    ("妻", "10"),
    ("妻子", "10"),
    ("夫", "10"),
    ("丈夫", "10"),
    ("儿子", "20"),
    ("长子", "20"),
    ("次子", "20"),
    ("女儿", "30"),
    ("长女", "30"),
    ("次女", "30"),
    ("孙子", "40"),
    ("孙女", "40"),
    ("外孙子", "40"),
    ("外孙女", "40"),
    ("父亲", "50"),
    ("母亲", "50"),
    ("祖父", "60"),
    ("祖母", "60"),
    ("兄", "70"),
    ("弟", "70"),
    ("姐", "70"),
    ("妹", "70"),
    ("儿媳", "80"),
    ("女婿", "80"),
    ("其他", "80"),
];

/// GB 3304 ethnicities: 01 汉族 … 56 基诺族, 97 其他, 98 外国血统中国籍人士.
pub fn ethnicities() -> impl Iterator<Item = String> {
    (1..=56).chain([97, 98]).map(|n| format!("{n:02}"))
}

/// Tags as village lists name them.
const TAG_SYNONYMS: &[(&str, &str)] = &[
    ("低保", "low_income"),
    ("低保户", "low_income"),
    ("特困", "extreme_poverty"),
    ("五保", "extreme_poverty"),
    ("残疾", "disabled"),
    ("残疾人", "disabled"),
    ("空巢", "empty_nest"),
    ("独居", "living_alone"),
    ("独居老人", "living_alone"),
    ("留守儿童", "left_behind_child"),
    ("退役军人", "veteran"),
    ("失业", "unemployed"),
    ("育龄妇女", "childbearing"),
    ("党员", "party_member"),
];

crate::keyed_enum!(
    /// Education (the level completed).
    Education {
        None = "none",
        Primary = "primary",
        Junior = "junior",
        Senior = "senior",
        College = "college",
        Bachelor = "bachelor",
        Postgraduate = "postgraduate",
    }
);

const EDUCATION_SYNONYMS: &[(&str, &str)] = &[
    ("文盲", "none"),
    ("未上过学", "none"),
    ("小学", "primary"),
    ("初中", "junior"),
    ("高中", "senior"),
    ("中专", "senior"),
    ("职高", "senior"),
    ("大专", "college"),
    ("本科", "bachelor"),
    ("大学", "bachelor"),
    ("硕士", "postgraduate"),
    ("博士", "postgraduate"),
];

crate::keyed_enum!(
    /// Employment status.
    Employment {
        Employed = "employed",
        Farming = "farming",
        Unemployed = "unemployed",
        Retired = "retired",
        Student = "student",
        Preschool = "preschool",
        None = "none",
    }
);

const EMPLOYMENT_SYNONYMS: &[(&str, &str)] = &[
    ("在业", "employed"),
    ("就业", "employed"),
    ("务农", "farming"),
    ("失业", "unemployed"),
    ("退休", "retired"),
    ("离退休", "retired"),
    ("学生", "student"),
    ("在校", "student"),
    ("学龄前", "preschool"),
    ("无业", "none"),
];

crate::keyed_enum!(
    /// How a person belongs to the community: 户籍 (registered here and living here), 常住
    /// (registered elsewhere, here six months or more), 流动 (here for less).
    Residence {
        Registered = "registered",
        Resident = "resident",
        Floating = "floating",
    }
);

impl Residence {
    /// Counted in the permanent population (常住人口).
    pub fn permanent(self) -> bool {
        self != Residence::Floating
    }
}

const RESIDENCE_SYNONYMS: &[(&str, &str)] = &[
    ("户籍", "registered"),
    ("户籍人口", "registered"),
    ("常住", "resident"),
    ("非户籍常住", "resident"),
    ("流动", "floating"),
];

crate::keyed_enum!(
    /// The kind of household (户别).
    HouseholdKind {
        Registered = "registered",
        Resident = "resident",
        Floating = "floating",
        Collective = "collective",
    }
);

const HOUSEHOLD_SYNONYMS: &[(&str, &str)] = &[
    ("户籍", "registered"),
    ("家庭户", "registered"),
    ("常住", "resident"),
    ("流动", "floating"),
    ("集体", "collective"),
];

crate::keyed_enum!(
    /// How a person came to or left a household (the household's history).
    MoveKind {
        MoveIn = "move_in",
        MoveOut = "move_out",
        Birth = "birth",
        Death = "death",
        Split = "split",
        Merge = "merge",
    }
);

impl MoveKind {
    /// Whether this move ends the person's membership of the registry's count.
    pub fn leaves(self) -> bool {
        matches!(self, MoveKind::MoveOut | MoveKind::Death)
    }
}

crate::keyed_enum!(
    /// Whether a person is in the registry's count.
    Status {
        Present = "present",
        MovedOut = "moved_out",
        Dead = "dead",
    }
);

/// Disability categories (1 视力 2 听力 3 言语 4 肢体 5 智力 6 精神 7 多重) and grades (1-4).
pub const DISABILITY_CATEGORIES: u8 = 7;
pub const DISABILITY_GRADES: u8 = 4;

/// A disability as stored: `"4-2"` (category 4, grade 2), from its two parts.
pub fn disability(category: u8, grade: u8) -> Option<String> {
    ((1..=DISABILITY_CATEGORIES).contains(&category) && (1..=DISABILITY_GRADES).contains(&grade))
        .then(|| format!("{category}-{grade}"))
}

/// The parts of a stored disability.
pub fn disability_parts(s: &str) -> Option<(u8, u8)> {
    let (c, g) = s.split_once('-')?;
    let (c, g) = (c.parse().ok()?, g.parse().ok()?);
    disability(c, g).map(|_| (c, g))
}

/// Gender from the ID number: '1' male, '2' female (GB/T 2261.1).
pub fn gender_of(id: &IdNumber) -> &'static str {
    if id.is_male() { "1" } else { "2" }
}

/// The age on `on` of a person born on `birth`, in whole years.
pub fn age(birth: NaiveDate, on: NaiveDate) -> u32 {
    on.years_since(birth).unwrap_or(0)
}

/// The registry's age bands: (key, first age, last age).
pub const AGE_BANDS: [(&str, u32, u32); 6] = [
    ("0_6", 0, 6),
    ("7_17", 7, 17),
    ("18_34", 18, 34),
    ("35_59", 35, 59),
    ("60_79", 60, 79),
    ("80_", 80, u32::MAX),
];

/// The band of an age.
pub fn age_band(age: u32) -> &'static str {
    AGE_BANDS
        .iter()
        .find(|(_, lo, hi)| (*lo..=*hi).contains(&age))
        .map_or("80_", |(k, _, _)| k)
}

/// The birth-date bounds of a band on `on`: born on or after the first, on or before the
/// second.
pub fn band_births(on: NaiveDate, lo: u32, hi: u32) -> (NaiveDate, NaiveDate) {
    let years_back = |n: u32| {
        NaiveDate::from_ymd_opt(on.year() - n as i32, on.month(), on.day())
            .or_else(|| NaiveDate::from_ymd_opt(on.year() - n as i32, 2, 28))
            .unwrap_or(NaiveDate::MIN)
    };
    let youngest = years_back(lo);
    let oldest = if hi == u32::MAX {
        // before anyone living (and within every database's date range)
        NaiveDate::from_ymd_opt(1800, 1, 1).unwrap_or(NaiveDate::MIN)
    } else {
        years_back(hi + 1).succ_opt().unwrap_or(NaiveDate::MIN)
    };
    (oldest, youngest)
}

/// One group of choices read from a cell: its key, its label in either language, or a
/// synonym. Built once per import; reading is a hash lookup.
pub struct Choices {
    by_text: HashMap<String, String>,
}

impl Choices {
    fn build(
        group: &str,
        keys: impl IntoIterator<Item = String>,
        synonyms: &[(&str, &str)],
    ) -> Choices {
        let (zh, en) = (Tr::new(Lang::Zh), Tr::new(Lang::En));
        let mut by_text = HashMap::new();
        for k in keys {
            let label = format!("{group}.{k}");
            by_text.insert(zh.t(&label).to_string(), k.clone());
            by_text.insert(en.t(&label).to_lowercase(), k.clone());
            by_text.insert(k.clone(), k);
        }
        for (s, k) in synonyms {
            by_text
                .entry((*s).to_string())
                .or_insert_with(|| (*k).to_string());
        }
        Choices { by_text }
    }

    pub fn relations() -> Choices {
        Self::build(
            "registry.relation",
            RELATIONS.iter().map(|s| s.to_string()),
            RELATION_SYNONYMS,
        )
    }
    pub fn ethnicities() -> Choices {
        let mut c = Self::build("registry.ethnicity", ethnicities(), &[]);
        // 汉族 or 汉, 01 or 1
        let extra: Vec<(String, String)> = c
            .by_text
            .iter()
            .filter_map(|(t, k)| t.strip_suffix('族').map(|s| (s.to_string(), k.clone())))
            .chain(ethnicities().map(|k| (k.trim_start_matches('0').to_string(), k)))
            .collect();
        for (t, k) in extra {
            c.by_text.entry(t).or_insert(k);
        }
        c
    }
    pub fn education() -> Choices {
        Self::build(
            "registry.education",
            Education::ALL.iter().map(|e| e.key().to_string()),
            EDUCATION_SYNONYMS,
        )
    }
    pub fn employment() -> Choices {
        Self::build(
            "registry.employment",
            Employment::ALL.iter().map(|e| e.key().to_string()),
            EMPLOYMENT_SYNONYMS,
        )
    }
    pub fn residence() -> Choices {
        Self::build(
            "registry.residence",
            Residence::ALL.iter().map(|e| e.key().to_string()),
            RESIDENCE_SYNONYMS,
        )
    }
    pub fn household_kinds() -> Choices {
        Self::build(
            "registry.household_kind",
            HouseholdKind::ALL.iter().map(|e| e.key().to_string()),
            HOUSEHOLD_SYNONYMS,
        )
    }
    pub fn genders() -> Choices {
        Self::build("registry.gender", ["1".to_string(), "2".to_string()], &[])
    }

    pub fn tags() -> Choices {
        Self::build(
            "hall.tag",
            crate::registry::rules::TAGS
                .iter()
                .map(|(k, _)| k.to_string()),
            TAG_SYNONYMS,
        )
    }

    /// The key a cell stands for.
    pub fn read(&self, cell: &str) -> Option<&str> {
        let t = cell.trim();
        self.by_text
            .get(t)
            .or_else(|| self.by_text.get(&t.to_lowercase()))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn choices_read_keys_labels_and_synonyms() {
        let r = Choices::relations();
        assert_eq!(r.read("户主"), Some("02"));
        assert_eq!(r.read(" 妻 "), Some("10"));
        assert_eq!(r.read("99"), Some("99"));
        assert_eq!(r.read("head of household"), Some("02"));
        assert_eq!(r.read("邻居"), None);
        let e = Choices::ethnicities();
        assert_eq!(e.read("汉族"), Some("01"));
        assert_eq!(e.read("汉"), Some("01"));
        assert_eq!(e.read("1"), Some("01"));
        assert_eq!(e.read("基诺族"), Some("56"));
        assert_eq!(e.read("57"), None);
        assert_eq!(Choices::education().read("大专"), Some("college"));
        assert_eq!(Choices::residence().read("流动人口"), Some("floating"));
        assert_eq!(
            Choices::household_kinds().read("集体户"),
            Some("collective")
        );
        assert_eq!(Choices::genders().read("女"), Some("2"));
    }

    #[test]
    fn ages_bands_and_disabilities() {
        assert_eq!(age(d("1946-12-02"), d("2026-12-02")), 80);
        assert_eq!(age(d("1946-12-03"), d("2026-12-02")), 79);
        assert_eq!(age_band(80), "80_");
        assert_eq!(age_band(6), "0_6");
        assert_eq!(age_band(60), "60_79");
        let on = d("2026-12-02");
        let (oldest, youngest) = band_births(on, 60, 79);
        assert_eq!(age(youngest, on), 60);
        assert_eq!(age(youngest.succ_opt().unwrap(), on), 59);
        assert_eq!(age(oldest, on), 79);
        assert_eq!(age(oldest.pred_opt().unwrap(), on), 80);
        assert_eq!(disability(4, 2).as_deref(), Some("4-2"));
        assert_eq!(disability(8, 2), None);
        assert_eq!(disability_parts("7-4"), Some((7, 4)));
        assert_eq!(disability_parts("0-1"), None);
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(gender_of(&id), "2");
    }
}
