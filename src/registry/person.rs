//! A person's registry fields as typed - in the window's form or in a row of a village's
//! spreadsheet - checked into a [`Person`] by one rule for both: the ID number (GB 11643:
//! check digit and date; the area code is the store's to check, against the divisions),
//! gender and birth date taken from it (and a typed one that disagrees refused), choices read
//! as key, label or synonym, dates not in the future, lengths bounded.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;

use crate::platform::error::FieldError;
use crate::platform::time::parse_date;
use crate::platform::types::{IdNumber, Phone};
use crate::registry::codes::{self, Choices};
use crate::registry::rules;

/// A person's fields as typed (every one text; empty when not given).
#[derive(Clone, Debug, Default)]
pub struct PersonInput {
    pub name: String,
    pub id_number: String,
    pub gender: String,
    pub birth_date: String,
    pub phone: String,
    pub address: String,
    /// The household's number in the community (户号).
    pub household: String,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub employment: String,
    pub residence: String,
    pub arrived_on: String,
    pub disability_category: String,
    pub disability_grade: String,
    /// Tag keys or labels.
    pub tags: Vec<String>,
}

/// A person's fields, checked: what the store writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: String,
    pub id_number: Option<String>,
    /// '1', '2' or ''.
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub address: String,
    pub household: String,
    pub relation: String,
    pub ethnicity: String,
    pub education: String,
    pub employment: String,
    pub residence: String,
    pub arrived_on: Option<NaiveDate>,
    pub disability: String,
    /// The tags column (`,elderly,`).
    pub tags: String,
}

impl Person {
    /// The six-digit area code of the ID number, for the store to check against the divisions.
    pub fn area_code(&self) -> Option<&str> {
        self.id_number.as_deref().map(|id| &id[..6])
    }
}

/// The choices of every coded field, built once.
pub struct Vocab {
    pub relations: Choices,
    pub ethnicities: Choices,
    pub education: Choices,
    pub employment: Choices,
    pub residence: Choices,
    pub genders: Choices,
    pub tags: Choices,
    pub household_kinds: Choices,
}

/// The registry's vocabulary.
pub fn vocab() -> &'static Vocab {
    static V: OnceLock<Vocab> = OnceLock::new();
    V.get_or_init(|| Vocab {
        relations: Choices::relations(),
        ethnicities: Choices::ethnicities(),
        education: Choices::education(),
        employment: Choices::employment(),
        residence: Choices::residence(),
        genders: Choices::genders(),
        tags: Choices::tags(),
        household_kinds: Choices::household_kinds(),
    })
}

/// The earliest birth date the registry accepts.
const EARLIEST_BIRTH: (i32, u32, u32) = (1890, 1, 1);

impl PersonInput {
    /// Check every field, collecting every problem; `today` bounds the dates.
    pub fn check(&self, today: NaiveDate) -> Result<Person, Vec<FieldError>> {
        let v = vocab();
        let mut errs = Vec::new();
        let mut err = |field: &str, key: &str| errs.push(FieldError::new(field, key));
        let name = self.name.trim();
        let mut too_long = Vec::new();
        if name.is_empty() {
            err("name", "common.required");
        } else if name.chars().count() > 50 {
            too_long.push(("name", 50));
        }
        for (field, value, max) in [
            ("address", &self.address, 200),
            ("household", &self.household, 20),
        ] {
            if value.trim().chars().count() > max {
                too_long.push((field, max));
            }
        }
        let id = match self.id_number.trim() {
            "" => None,
            s => match IdNumber::parse(s) {
                Ok(id) if id.birth_date() > today => {
                    err("id_number", "id.birth_date");
                    None
                }
                Ok(id) => Some(id),
                Err(key) => {
                    err("id_number", key);
                    None
                }
            },
        };
        let typed_gender = match self.gender.trim() {
            "" => None,
            g => match v.genders.read(g) {
                Some(k) => Some(k.to_string()),
                None => {
                    err("gender", "hall.choose_one");
                    None
                }
            },
        };
        let typed_birth = match self.birth_date.trim() {
            "" => None,
            b => match parse_date(b) {
                Some(d) if d > today || d < earliest() => {
                    err("birth_date", "registry.birth_date");
                    None
                }
                Some(d) => Some(d),
                None => {
                    err("birth_date", "common.date");
                    None
                }
            },
        };
        // the ID number decides; a typed value that disagrees is a mistake somewhere
        let (gender, birth_date) = match &id {
            Some(id) => {
                let g = codes::gender_of(id).to_string();
                if typed_gender.as_ref().is_some_and(|t| *t != g) {
                    err("gender", "registry.not_as_id");
                }
                if typed_birth.is_some_and(|b| b != id.birth_date()) {
                    err("birth_date", "registry.not_as_id");
                }
                (g, Some(id.birth_date()))
            }
            None => (typed_gender.unwrap_or_default(), typed_birth),
        };
        let phone = match self.phone.trim() {
            "" => None,
            s => match Phone::parse(s) {
                Ok(p) => Some(p.as_str().to_string()),
                Err(key) => {
                    err("phone", key);
                    None
                }
            },
        };
        let mut choice = |field: &str, cell: &str, c: &Choices, default: &str| -> String {
            match cell.trim() {
                "" => default.to_string(),
                t => c.read(t).map(str::to_string).unwrap_or_else(|| {
                    err(field, "hall.choose_one");
                    String::new()
                }),
            }
        };
        let relation = choice("relation", &self.relation, &v.relations, "");
        let ethnicity = choice("ethnicity", &self.ethnicity, &v.ethnicities, "");
        let education = choice("education", &self.education, &v.education, "");
        let employment = choice("employment", &self.employment, &v.employment, "");
        let residence = choice("residence", &self.residence, &v.residence, "registered");
        let mut tags: Vec<String> = Vec::new();
        for t in self.tags.iter().flat_map(|t| split_list(t)) {
            match v.tags.read(t) {
                Some(k) => tags.push(k.to_string()),
                None => err("tags", "hall.choose_one"),
            }
        }
        let disability = match (
            self.disability_category.trim(),
            self.disability_grade.trim(),
        ) {
            ("", "") => String::new(),
            (c, g) => match (number_of(c), number_of(g)) {
                (Some(c), Some(g)) => codes::disability(c, g).unwrap_or_else(|| {
                    err("disability_category", "registry.disability");
                    String::new()
                }),
                _ => {
                    err("disability_category", "registry.disability");
                    String::new()
                }
            },
        };
        if !disability.is_empty() {
            // a disability certificate's category and grade make the person disabled
            tags.push("disabled".into());
        }
        let arrived_on = match self.arrived_on.trim() {
            "" => None,
            a => match parse_date(a) {
                Some(d) if d > today => {
                    err("arrived_on", "registry.future");
                    None
                }
                Some(d) => Some(d),
                None => {
                    err("arrived_on", "common.date");
                    None
                }
            },
        };
        for (field, max) in too_long {
            errs.push(FieldError::new(field, "common.too_long").with(max));
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(Person {
            name: name.to_string(),
            id_number: id.map(|i| i.as_str().to_string()),
            gender,
            birth_date,
            phone,
            address: self.address.trim().to_string(),
            household: self.household.trim().to_string(),
            relation,
            ethnicity,
            education,
            employment,
            residence,
            arrived_on,
            disability,
            tags: rules::tags_column(tags.iter().map(String::as_str)),
        })
    }
}

fn earliest() -> NaiveDate {
    let (y, m, d) = EARLIEST_BIRTH;
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The items of a list typed in one cell: `低保, 残疾人、党员`.
pub fn split_list(cell: &str) -> impl Iterator<Item = &str> {
    // not '/': a label may hold one (低保 / 低收入)
    cell.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A category or grade as typed: `2`, `二级`, `2级`, `肢体` (a category's label).
fn number_of(cell: &str) -> Option<u8> {
    const CN: [char; 7] = ['一', '二', '三', '四', '五', '六', '七'];
    let t = cell.trim().trim_end_matches(['级', '类']);
    if let Ok(n) = t.parse() {
        return Some(n);
    }
    if let Some(p) = CN.iter().position(|c| t == c.to_string()) {
        return Some(p as u8 + 1);
    }
    let zh = crate::platform::i18n::Tr::new(crate::platform::i18n::Lang::Zh);
    (1..=codes::DISABILITY_CATEGORIES).find(|n| {
        let key = format!("registry.disability_category.{n}");
        let label = zh.t(&key);
        label == t || label.trim_end_matches("残疾") == t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    fn keys(r: Result<Person, Vec<FieldError>>) -> Vec<(String, String)> {
        r.err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.key))
            .collect()
    }

    #[test]
    fn the_id_number_decides_gender_and_birth() {
        let p = PersonInput {
            name: " 欧阳建国 ".into(),
            id_number: "11010519491231002x".into(),
            relation: "户主".into(),
            ethnicity: "汉".into(),
            tags: vec!["低保、高龄".into()],
            ..Default::default()
        };
        // 高龄 is not a tag (age is counted from the birth date)
        assert_eq!(
            keys(p.check(today())),
            vec![("tags".into(), "hall.choose_one".into())]
        );
        let p = PersonInput {
            tags: vec!["低保 / 低收入，老年人".into()],
            disability_category: "肢体".into(),
            disability_grade: "二级".into(),
            ..p
        };
        let ok = p.check(today()).unwrap();
        assert_eq!(ok.name, "欧阳建国");
        assert_eq!(ok.id_number.as_deref(), Some("11010519491231002X"));
        assert_eq!(
            (ok.gender.as_str(), ok.birth_date),
            ("2", NaiveDate::from_ymd_opt(1949, 12, 31))
        );
        assert_eq!((ok.relation.as_str(), ok.ethnicity.as_str()), ("02", "01"));
        assert_eq!(ok.residence, "registered");
        assert_eq!(ok.disability, "4-2");
        assert_eq!(ok.tags, ",disabled,elderly,low_income,");
        assert_eq!(ok.area_code(), Some("110105"));
        let wrong = PersonInput {
            gender: "男".into(),
            birth_date: "1949-12-30".into(),
            ..p.clone()
        };
        assert_eq!(
            keys(wrong.check(today())),
            vec![
                ("gender".into(), "registry.not_as_id".into()),
                ("birth_date".into(), "registry.not_as_id".into())
            ]
        );
    }

    #[test]
    fn every_problem_is_named() {
        let p = PersonInput {
            name: "".into(),
            id_number: "110105194912310021".into(),
            phone: "1391234".into(),
            relation: "邻居".into(),
            birth_date: "2027-01-01".into(),
            arrived_on: "2026-02-30".into(),
            disability_category: "9".into(),
            disability_grade: "1".into(),
            household: "1".repeat(21),
            ..Default::default()
        };
        let fields: Vec<String> = keys(p.check(today())).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "id_number",
                "birth_date",
                "phone",
                "relation",
                "disability_category",
                "arrived_on",
                "household"
            ]
        );
        // a birth in the future, an impossible date in the number
        let future = PersonInput {
            name: "甲".into(),
            id_number: format!("11010520300101001{}", {
                let c = IdNumber::check_char("11010520300101001");
                c as char
            }),
            ..Default::default()
        };
        assert_eq!(keys(future.check(today()))[0].1, "id.birth_date");
        let feb30 = PersonInput {
            name: "甲".into(),
            id_number: "110105194902300012".into(),
            ..Default::default()
        };
        assert_eq!(keys(feb30.check(today()))[0].1, "id.birth_date");
    }
}
