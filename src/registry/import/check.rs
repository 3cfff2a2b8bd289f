//! Checking a file before anything is written: every row as the window's form checks a
//! person ([`crate::registry::person`]), then what no single row shows - an ID number twice in
//! the file, or already registered in another community; an area code the divisions do not
//! know; two heads of one household - and what each row would do: add a person, change one
//! (only the columns the file has), or nothing.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{FromQueryResult, Value};

use crate::platform::db::{self, Db};
use crate::platform::error::{FieldError, Result};
use crate::registry::codes;
use crate::registry::import::read::{self, FileError};
use crate::registry::import::{Counts, FIELDS, Mapping, REQUIRED, RowError};
use crate::registry::person::{Person, PersonInput, vocab};

/// What a row would do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    New,
    Changed(i64),
    Unchanged,
}

/// A row checked, with what it would do.
#[derive(Clone, Debug)]
pub struct Planned {
    pub row: usize,
    pub person: Person,
    pub action: Action,
}

/// A household of the file: its fields from its head's row (or its first), and whether it is
/// new or would change.
#[derive(Clone, Debug, Default)]
pub struct HouseholdPlan {
    pub number: String,
    pub kind: String,
    pub point: String,
    pub house_number: String,
    pub existing: Option<i64>,
    pub changed: bool,
    /// the row its fields came from, and whether that row is the head's
    from_row: usize,
    from_head: bool,
}

/// The file checked.
#[derive(Debug, Default)]
pub struct Checked {
    pub headers: Vec<String>,
    pub mapping: Mapping,
    pub counts: Counts,
    pub errors: Vec<RowError>,
    pub rows: Vec<Planned>,
    pub households: Vec<HouseholdPlan>,
}

impl Checked {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
    fn fail(&mut self, row: usize, field: &str, e: FieldError) {
        self.errors.push(RowError {
            row,
            field: field.to_string(),
            error: e,
        });
    }
}

/// A stored person of the community, as the file's rows are compared with.
#[derive(FromQueryResult)]
struct Stored {
    id: i64,
    status: String,
    id_number: Option<String>,
    name: String,
    phone: Option<String>,
    address: String,
    household: String,
    relation: String,
    gender: String,
    birth_date: Option<String>,
    ethnicity: String,
    education: String,
    employment: String,
    residence: String,
    arrived_on: Option<String>,
    disability: String,
    tags: String,
}

impl Stored {
    fn person(&self) -> Person {
        let date = |s: &Option<String>| {
            s.as_deref()
                .and_then(|d| NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d").ok())
        };
        Person {
            name: self.name.clone(),
            id_number: self.id_number.clone(),
            gender: self.gender.clone(),
            birth_date: date(&self.birth_date),
            phone: self.phone.clone(),
            address: self.address.clone(),
            household: self.household.clone(),
            relation: self.relation.clone(),
            ethnicity: self.ethnicity.clone(),
            education: self.education.clone(),
            employment: self.employment.clone(),
            residence: self.residence.clone(),
            arrived_on: date(&self.arrived_on),
            disability: self.disability.clone(),
            tags: self.tags.clone(),
        }
    }
}

/// Whether a file's person differs from the stored one in a column the file has.
pub fn differs(file: &Person, stored: &Person, has: &dyn Fn(&str) -> bool) -> bool {
    let pairs: [(&str, bool); 16] = [
        ("name", file.name != stored.name),
        ("id_number", file.id_number != stored.id_number),
        ("gender", file.gender != stored.gender),
        (
            "birth_date",
            file.birth_date != stored.birth_date && file.id_number.is_none(),
        ),
        ("phone", file.phone != stored.phone),
        ("address", file.address != stored.address),
        ("household", file.household != stored.household),
        ("relation", file.relation != stored.relation),
        ("ethnicity", file.ethnicity != stored.ethnicity),
        ("education", file.education != stored.education),
        ("employment", file.employment != stored.employment),
        ("residence", file.residence != stored.residence),
        ("arrived_on", file.arrived_on != stored.arrived_on),
        ("disability_category", file.disability != stored.disability),
        ("tags", file.tags != stored.tags),
        // a birth date from the ID number is stored with it
        (
            "id_number",
            file.id_number.is_some() && file.birth_date != stored.birth_date,
        ),
    ];
    pairs.iter().any(|(f, d)| *d && has(f))
}

/// Check a file for `community` with `mapping` (`None`: as its headers suggest).
pub async fn check(
    db: &Db,
    community: &str,
    bytes: &[u8],
    mapping: Option<Mapping>,
    progress: &indicatif::ProgressBar,
) -> Result<Checked> {
    let today = db.clock().today();
    let mut out = Checked::default();
    let mut cells: Vec<(usize, Vec<String>)> = Vec::new();
    let read = read::scan(bytes, |n, row| {
        if out.headers.is_empty() {
            out.headers = row.to_vec();
        } else {
            cells.push((n, row.to_vec()));
        }
        true
    });
    match read {
        Ok(()) => {}
        Err(FileError::Unreadable(k)) => {
            out.fail(0, "file", FieldError::new("file", k));
            return Ok(out);
        }
        Err(FileError::TooManyRows(n)) => {
            out.fail(
                0,
                "file",
                FieldError::new("file", "registry.import.too_many").with(n),
            );
            return Ok(out);
        }
    }
    out.mapping = mapping.unwrap_or_else(|| super::suggest(&out.headers));
    out.mapping.resize(out.headers.len(), None);
    for f in REQUIRED {
        if !out.mapping.contains(&Some(f)) {
            let label = format!("registry.import.field.{f}");
            out.fail(
                0,
                f,
                FieldError::new(f, "registry.import.missing_column").with(label),
            );
        }
    }
    if cells.is_empty() {
        out.fail(0, "file", FieldError::new("file", "registry.import.empty"));
    }
    if !out.errors.is_empty() {
        return Ok(out);
    }
    progress.set_length(cells.len() as u64);
    let column: HashMap<&str, usize> = out
        .mapping
        .iter()
        .enumerate()
        .filter_map(|(i, f)| f.map(|f| (f, i)))
        .collect();
    let known = Known::load(db, community).await?;
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut heads: HashMap<String, usize> = HashMap::new();
    let mut households: HashMap<String, HouseholdPlan> = HashMap::new();
    let mut planned = Vec::with_capacity(cells.len());
    let v = vocab();
    let total = cells.len();
    for (i, (n, mut row)) in std::mem::take(&mut cells).into_iter().enumerate() {
        let n = &n;
        if i % 10_000 == 0 {
            progress.set_position(i as u64);
        }
        // each cell moved out of the row once (no copy of a million rows' text)
        let mut cell = |f: &str| -> String {
            column
                .get(f)
                .and_then(|c| row.get_mut(*c))
                .map(std::mem::take)
                .unwrap_or_default()
        };
        let input = PersonInput {
            name: cell("name"),
            id_number: cell("id_number"),
            gender: cell("gender"),
            birth_date: cell("birth_date"),
            phone: cell("phone"),
            address: cell("address"),
            household: cell("household"),
            relation: cell("relation"),
            ethnicity: cell("ethnicity"),
            education: cell("education"),
            employment: cell("employment"),
            residence: cell("residence"),
            arrived_on: cell("arrived_on"),
            disability_category: cell("disability_category"),
            disability_grade: cell("disability_grade"),
            tags: vec![cell("tags")],
        };
        let before = out.errors.len();
        let mut person = match input.check(today) {
            Ok(p) => Some(p),
            Err(errs) => {
                for e in errs {
                    let field = e.field.clone();
                    out.fail(*n, &field, e);
                }
                None
            }
        };
        if let Some(p) = &person {
            if p.household.is_empty() {
                out.fail(
                    *n,
                    "household",
                    FieldError::new("household", "common.required"),
                );
            }
            if p.relation.is_empty() {
                out.fail(
                    *n,
                    "relation",
                    FieldError::new("relation", "common.required"),
                );
            }
        }
        // the household's own columns
        let kind = match cell("household_kind").as_str() {
            "" => String::new(),
            k => match v.household_kinds.read(k) {
                Some(k) => k.to_string(),
                None => {
                    out.fail(
                        *n,
                        "household_kind",
                        FieldError::new("household_kind", "hall.choose_one"),
                    );
                    String::new()
                }
            },
        };
        let (point, house) = (cell("point"), cell("house_number"));
        for (f, val, max) in [("point", &point, 50), ("house_number", &house, 30)] {
            if val.chars().count() > max {
                out.fail(*n, f, FieldError::new(f, "common.too_long").with(max));
            }
        }
        if let Some(p) = person.as_mut().filter(|_| out.errors.len() == before) {
            if let Some(id) = &p.id_number {
                if let Some(first) = by_id.insert(id.clone(), *n) {
                    out.fail(
                        *n,
                        "id_number",
                        FieldError::new("id_number", "registry.import.same_id").with(first),
                    );
                } else if !known.area(&id[..6]) {
                    out.fail(*n, "id_number", FieldError::new("id_number", "id.area"));
                }
            }
            if p.relation == codes::HEAD
                && let Some(first) = heads.insert(p.household.clone(), *n)
            {
                out.fail(
                    *n,
                    "relation",
                    FieldError::new("relation", "registry.import.two_heads").with(first),
                );
            }
            let h = households
                .entry(p.household.clone())
                .or_insert_with(|| HouseholdPlan {
                    number: p.household.clone(),
                    from_row: *n,
                    ..Default::default()
                });
            let is_head = p.relation == codes::HEAD;
            if h.kind.is_empty() && h.point.is_empty() && h.house_number.is_empty()
                || is_head && !h.from_head
            {
                h.kind = kind;
                h.point = point;
                h.house_number = house;
                h.from_row = *n;
                h.from_head = is_head;
            }
        }
        if out.errors.len() == before
            && let Some(p) = person
        {
            planned.push((*n, p));
        }
    }
    progress.set_position(total as u64);
    let has = |f: &str| column.contains_key(f);
    let elsewhere = known
        .registered_elsewhere(db, community, by_id.keys())
        .await?;
    for (n, p) in planned {
        if let Some(id) = &p.id_number
            && let Some(place) = elsewhere.get(id)
        {
            out.fail(
                n,
                "id_number",
                FieldError::new("id_number", "registry.import.elsewhere").with(place.clone()),
            );
            continue;
        }
        let stored = match &p.id_number {
            Some(id) => known.by_id.get(id),
            None => known
                .by_name
                .get(&(p.household.clone(), p.name.clone(), p.birth_date)),
        }
        .map(|i| &known.stored[*i]);
        let action = match stored {
            Some(s) if s.status != "present" => {
                out.fail(n, "name", FieldError::new("name", "registry.import.left"));
                continue;
            }
            Some(s) if differs(&p, &s.person(), &has) => Action::Changed(s.id),
            Some(_) => Action::Unchanged,
            None => Action::New,
        };
        out.rows.push(Planned {
            row: n,
            person: p,
            action,
        });
    }
    out.errors.sort_by_key(|e| e.row);
    // households: new ones, and the changed columns of stored ones
    let mut plans: Vec<HouseholdPlan> = households.into_values().collect();
    plans.sort_by_key(|h| h.from_row);
    for h in &mut plans {
        match known.households.get(&h.number) {
            Some((id, kind, point, house)) => {
                h.existing = Some(*id);
                h.changed = (has("household_kind") && !h.kind.is_empty() && h.kind != *kind)
                    || (has("point") && h.point != *point)
                    || (has("house_number") && h.house_number != *house);
            }
            None => out.counts.households_new += 1,
        }
    }
    out.households = plans;
    let c = &mut out.counts;
    c.rows = out.rows.len()
        + out
            .errors
            .iter()
            .map(|e| e.row)
            .collect::<HashSet<_>>()
            .len();
    c.refused = out
        .errors
        .iter()
        .filter(|e| e.row > 0)
        .map(|e| e.row)
        .collect::<HashSet<_>>()
        .len();
    for r in &out.rows {
        match r.action {
            Action::New => c.new += 1,
            Action::Changed(_) => c.changed += 1,
            Action::Unchanged => c.unchanged += 1,
        }
    }
    Ok(out)
}

/// What the database already knows that the check needs: the community's people and
/// households, and the area codes of the divisions.
struct Known {
    stored: Vec<Stored>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<(String, String, Option<NaiveDate>), usize>,
    households: HashMap<String, (i64, String, String, String)>,
    areas: HashSet<String>,
}

impl Known {
    async fn load(db: &Db, community: &str) -> Result<Known> {
        let stored: Vec<Stored> = db::all(
            &db.conn,
            "SELECT id, status, id_number, name, phone, address, household, relation, gender, \
             CAST(birth_date AS TEXT) AS birth_date, ethnicity, education, employment, \
             residence, CAST(arrived_on AS TEXT) AS arrived_on, disability, tags \
             FROM residents WHERE community_code = ? AND anonymised_at IS NULL",
            crate::vals![community],
        )
        .await?;
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, s) in stored.iter().enumerate() {
            if let Some(id) = &s.id_number {
                by_id.insert(id.clone(), i);
            }
            let p = s.person();
            by_name.insert((p.household, p.name, p.birth_date), i);
        }
        let households = db::all_json::<(i64, String, String, String, String), _>(
            &db.conn,
            &["id", "number", "kind", "point", "house_number"],
            "SELECT id, number, kind, point, house_number FROM households WHERE community_code = ?",
            crate::vals![community],
        )
        .await?
        .into_iter()
        .map(|(id, n, k, p, h)| (n, (id, k, p, h)))
        .collect();
        // a county by its six digits, a city by its four
        let areas = db::all_json::<(String, i64), _>(
            &db.conn,
            &["code", "level"],
            "SELECT code, level FROM divisions WHERE level IN (2, 3)",
            vec![],
        )
        .await?
        .into_iter()
        .map(|(c, level)| c[..if level == 3 { 6 } else { 4 }].to_string())
        .collect();
        Ok(Known {
            stored,
            by_id,
            by_name,
            households,
            areas,
        })
    }

    /// As [`crate::registry::save::area_known`]: the county, or its city.
    fn area(&self, area: &str) -> bool {
        self.areas.contains(area) || self.areas.contains(&area[..4])
    }

    /// The ID numbers of the file already registered in another community, with its name.
    async fn registered_elsewhere<'a>(
        &self,
        db: &Db,
        community: &str,
        ids: impl Iterator<Item = &'a String>,
    ) -> Result<HashMap<String, String>> {
        let wanted: Vec<&String> = ids.filter(|i| !self.by_id.contains_key(*i)).collect();
        let mut out = HashMap::new();
        for chunk in wanted.chunks(5_000) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut v: Vec<Value> = vec![community.into()];
            v.extend(chunk.iter().map(|i| Value::from(i.as_str())));
            let rows = db::all_json::<(String, String), _>(
                &db.conn,
                &["id_number", "name"],
                &format!(
                    "SELECT r.id_number, c.name FROM residents r JOIN divisions c \
                     ON c.code = r.community_code WHERE r.community_code <> ? \
                     AND r.id_number IN ({marks})"
                ),
                v,
            )
            .await?;
            out.extend(rows);
        }
        Ok(out)
    }
}

/// The columns a file has, in [`FIELDS`] order (for the page).
pub fn mapped_fields(m: &Mapping) -> Vec<&'static str> {
    FIELDS
        .iter()
        .copied()
        .filter(|f| m.contains(&Some(*f)))
        .collect()
}
