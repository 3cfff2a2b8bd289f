//! Importing a worker list from the spreadsheet a town or community already keeps (.xlsx):
//! the columns found by their headers (the register's own Chinese or English headers, as the
//! downloadable template has them), every row checked before anything is written - the unit
//! one the importer keeps, the choices by their labels, dates as dates or text - and then all
//! rows registered in one transaction, or none. A row whose ID number is already in the
//! register is left as it is: importing the same file twice registers nobody twice. (Changes
//! to registered workers - a move, a new post - are made on their record, where the history
//! is kept; an import only adds.)

use calamine::{Data, Reader};
use chrono::NaiveDate;
use serde::Serialize;

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::i18n::{Lang, Tr};
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::rules::{Education, Employment, Political, Post};
use crate::workers::store::{self, WorkerInput};

/// The most rows one file may hold.
pub const MAX_ROWS: usize = 5_000;

/// The template's columns, in order: the register's field names.
pub const COLUMNS: [&str; 13] = [
    "unit",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "education",
    "political",
    "post",
    "employment",
    "start_on",
    "contract_end",
    "phone",
    "pay",
];

/// Columns a file must have.
const REQUIRED: [&str; 7] = [
    "unit",
    "name",
    "education",
    "political",
    "post",
    "employment",
    "start_on",
];

/// A problem in the file: the row (1-based, as the spreadsheet numbers it; 0 for the file),
/// the column's field and the error.
#[derive(Clone, Debug, Serialize)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub error: FieldError,
}

/// What an import did.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    /// Rows whose ID number was already in the register: left as they are.
    pub unchanged: usize,
}

/// Why an import wrote nothing: the file's problems, every one of them.
#[derive(Debug)]
pub enum Refused {
    Rows(Vec<RowError>),
    Other(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Other(e)
    }
}

impl From<sea_orm::DbErr> for Refused {
    fn from(e: sea_orm::DbErr) -> Self {
        Refused::Other(e.into())
    }
}

fn file_error(key: &str) -> Refused {
    Refused::Rows(vec![RowError {
        row: 0,
        field: "file".into(),
        error: FieldError::new("file", key),
    }])
}

/// A cell as the text a form would have sent: dates as 2026-11-25, whole numbers without a
/// decimal point; `None` for a number where text must be (an ID number typed as a number has
/// lost its last digits).
fn cell_text(d: &Data, field: &str) -> Option<String> {
    Some(match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::Int(n) => n.to_string(),
        Data::Float(f) if field == "id_number" && f.abs() >= 1e15 => return None,
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(x) => {
            let (y, m, d, ..) = x.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map(|d| d.to_string())
                .unwrap_or_default()
        }
        Data::Error(_) => String::new(),
    })
}

/// The field a header names: the register's label in either language, or the field's name.
fn field_of(header: &str, zh: &Tr, en: &Tr) -> Option<&'static str> {
    let h: String = header.split_whitespace().collect();
    COLUMNS.iter().copied().find(|f| {
        let key = format!("workers.field.{f}");
        let strip = |s: &str| s.split_whitespace().collect::<String>();
        h == *f || h == strip(zh.t(&key)) || h.eq_ignore_ascii_case(&strip(en.t(&key)))
    })
}

/// A choice as typed: its label in either language, or its key.
fn choice<T: Copy>(
    v: &str,
    group: &str,
    all: &[T],
    key: fn(T) -> &'static str,
    zh: &Tr,
    en: &Tr,
) -> String {
    let v = v.trim();
    all.iter()
        .map(|x| key(*x))
        .find(|k| {
            let label = format!("workers.{group}.{k}");
            v == *k || v == zh.t(&label) || v.eq_ignore_ascii_case(en.t(&label))
        })
        .map(str::to_string)
        // left as typed: the check names it as not a choice
        .unwrap_or_else(|| v.to_string())
}

/// Whether a unit's name is what a row says, the committee's suffix left off as villages
/// write it: 黄土塘村委会 is 黄土塘村 (and 黄土塘), 门楼社区居委会 is 门楼社区.
fn names_unit(official: &str, typed: &str) -> bool {
    const SUFFIXES: [&str; 9] = [
        "委会",
        "村委会",
        "居委会",
        "委员会",
        "民委员会",
        "村民委员会",
        "居民委员会",
        "社区居委会",
        "社区居民委员会",
    ];
    let typed = typed.trim();
    !typed.is_empty()
        && (official == typed
            || official
                .strip_prefix(typed)
                .is_some_and(|rest| SUFFIXES.contains(&rest)))
}

/// A date column's cell that is a bare number: Excel's serial day (a date typed into a cell
/// without a date format), from 1900 to 2200.
fn serial_date(d: &Data) -> Option<String> {
    let n = match d {
        Data::Float(f) if f.fract() == 0.0 => *f as i64,
        Data::Int(n) => *n,
        _ => return None,
    };
    (1..=110_000).contains(&n).then(|| {
        (NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default() + chrono::Duration::days(n))
            .to_string()
    })
}

/// The rows of the file as forms, with their spreadsheet row numbers.
fn read(
    bytes: &[u8],
    units: &[(String, String)],
    zh: &Tr,
    en: &Tr,
) -> std::result::Result<Vec<(usize, WorkerInput)>, Refused> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|_| file_error("workers.import.not_xlsx"))?;
    let Some(Ok(range)) = wb.worksheet_range_at(0) else {
        return Err(file_error("workers.import.empty"));
    };
    let mut rows = range.rows().enumerate();
    // the header row: the first with a column we know, within the first ten rows
    let (header_at, columns) = loop {
        let Some((i, row)) = rows.next() else {
            return Err(file_error("workers.import.no_header"));
        };
        let cols: Vec<Option<&'static str>> = row
            .iter()
            .map(|c| cell_text(c, "").and_then(|h| field_of(&h, zh, en)))
            .collect();
        if cols.iter().flatten().count() >= 2 {
            break (i, cols);
        }
        if i >= 10 {
            return Err(file_error("workers.import.no_header"));
        }
    };
    let missing: Vec<RowError> = REQUIRED
        .iter()
        .filter(|f| !columns.contains(&Some(**f)))
        .map(|f| RowError {
            row: header_at + 1,
            field: (*f).to_string(),
            error: FieldError::new(f, "workers.import.missing_column"),
        })
        .collect();
    if !missing.is_empty() {
        return Err(Refused::Rows(missing));
    }
    let mut out = vec![];
    let mut errors = vec![];
    for (i, row) in rows {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        if out.len() >= MAX_ROWS {
            return Err(file_error("workers.import.too_many"));
        }
        let mut pairs = vec![];
        for (c, field) in columns.iter().enumerate() {
            let Some(field) = field else { continue };
            let is_date = matches!(*field, "birth_date" | "start_on" | "contract_end");
            let cell = row.get(c);
            if let Some(date) = cell.filter(|_| is_date).and_then(serial_date) {
                pairs.push((field.to_string(), date));
                continue;
            }
            match cell.map(|d| cell_text(d, field)) {
                Some(Some(v)) => pairs.push((field.to_string(), v)),
                Some(None) => errors.push(RowError {
                    row: i + 1,
                    field: field.to_string(),
                    error: FieldError::new(field, "workers.import.id_as_number"),
                }),
                None => {}
            }
        }
        let mut input: WorkerInput = crate::platform::http::form::from_pairs(&pairs);
        // a unit by its name or its code, among those the importer keeps
        let unit = input.unit.trim().to_string();
        input.unit = units
            .iter()
            .find(|(code, name)| *code == unit || names_unit(name, &unit))
            .map(|(code, _)| code.clone())
            .unwrap_or(unit);
        input.gender = match input.gender.trim() {
            "男" => "male".into(),
            "女" => "female".into(),
            g => g.to_ascii_lowercase(),
        };
        input.education = choice(
            &input.education,
            "education",
            Education::ALL,
            Education::key,
            zh,
            en,
        );
        input.political = choice(
            &input.political,
            "political",
            Political::ALL,
            Political::key,
            zh,
            en,
        );
        input.post = choice(&input.post, "post", Post::ALL, Post::key, zh, en);
        input.employment = choice(
            &input.employment,
            "employment",
            Employment::ALL,
            Employment::key,
            zh,
            en,
        );
        out.push((i + 1, input));
    }
    if !errors.is_empty() {
        return Err(Refused::Rows(errors));
    }
    if out.is_empty() {
        return Err(file_error("workers.import.empty"));
    }
    Ok(out)
}

/// Whether a row without an ID number is someone already serving in the unit: the same name
/// and birth date there (a second import of a file leaves them as they are).
async fn registered_without_id(db: &Db, i: &WorkerInput) -> Result<bool> {
    let Some(birth) = crate::platform::time::parse_date(&i.birth_date) else {
        return Ok(false);
    };
    Ok(db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM workers w JOIN worker_periods p ON p.worker_id = w.id \
         AND p.end_on IS NULL WHERE w.name = ? AND w.birth_date = ? AND p.unit_code = ?",
        vals![i.name.trim(), birth, i.unit.clone()],
    )
    .await?
    .unwrap_or(0)
        > 0)
}

/// Check every row, then register the new ones in one transaction - or, if any row has a
/// problem, nothing, with every problem by row and column.
pub async fn import(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    bytes: &[u8],
) -> std::result::Result<Imported, Refused> {
    let units = store::writable_units(db, district, u).await?;
    if units.is_empty() {
        return Err(Refused::Other(AppError::Forbidden));
    }
    let (zh, en) = (Tr::new(Lang::Zh), Tr::new(Lang::En));
    let rows = read(bytes, &units, &zh, &en)?;
    let today = db.clock().today();
    let known: std::collections::HashSet<String> = db::all_json::<(String,), _>(
        &db.conn,
        &["id_number"],
        "SELECT id_number FROM workers WHERE id_number IS NOT NULL",
        vals![],
    )
    .await?
    .into_iter()
    .map(|(i,)| i)
    .collect();
    let mut errors = vec![];
    let mut seen = std::collections::HashMap::new();
    let mut new = vec![];
    let mut unchanged = 0;
    for (row, input) in rows {
        let id = input.id_number.trim().to_ascii_uppercase();
        if !id.is_empty() && known.contains(&id) {
            unchanged += 1;
            continue;
        }
        if id.is_empty() && registered_without_id(db, &input).await? {
            unchanged += 1;
            continue;
        }
        if !id.is_empty()
            && let Some(first) = seen.insert(id.clone(), row)
        {
            errors.push(RowError {
                row,
                field: "id_number".into(),
                error: FieldError::new("id_number", "workers.import.same_id_as_row").with(first),
            });
            continue;
        }
        if !units.iter().any(|(c, _)| *c == input.unit) {
            errors.push(RowError {
                row,
                field: "unit".into(),
                error: FieldError::new("unit", "workers.import.not_your_unit"),
            });
        }
        if let Err(AppError::Invalid(es)) = store::check(&input, today) {
            errors.extend(es.into_iter().map(|e| RowError {
                row,
                field: e.field.clone(),
                error: e,
            }));
        }
        new.push((row, input));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.row, COLUMNS.iter().position(|c| *c == e.field)));
        return Err(Refused::Rows(errors));
    }
    let tx = db.write_tx().await?;
    let mut added = vec![];
    for (row, input) in &new {
        match store::register_in(db, &tx, district, u, input).await {
            Ok(id) => added.push(id),
            Err(AppError::Invalid(es)) => {
                tx.rollback().await?;
                return Err(Refused::Rows(
                    es.into_iter()
                        .map(|e| RowError {
                            row: *row,
                            field: e.field.clone(),
                            error: e,
                        })
                        .collect(),
                ));
            }
            Err(e) => {
                tx.rollback().await?;
                return Err(Refused::Other(e));
            }
        }
    }
    let result = Imported {
        added: added.len(),
        unchanged,
    };
    audit::commit(
        tx,
        &u.actor(),
        "import",
        "worker",
        "xlsx",
        None::<&()>,
        Some(&serde_json::json!({ "added": added, "unchanged": unchanged })),
    )
    .await?;
    Ok(result)
}

/// The template: the headers in the reader's language and one example row.
pub fn template(tr: &Tr, example_unit: &str) -> Result<Vec<u8>> {
    use crate::platform::sheet::{self, Cell};
    let headers: Vec<String> = COLUMNS
        .iter()
        .map(|f| tr.t(&format!("workers.field.{f}")).to_string())
        .collect();
    let label = |group: &str, k: &str| Cell::text(tr.t(&format!("workers.{group}.{k}")));
    let example = vec![
        Cell::text(example_unit),
        Cell::text(tr.t("workers.import.example_name")),
        Cell::text("11010519491231002X"),
        Cell::Empty,
        Cell::Empty,
        label("education", "college"),
        label("political", "party"),
        label("post", "full_time_worker"),
        label("employment", "full_time"),
        NaiveDate::from_ymd_opt(2008, 3, 1).map_or(Cell::Empty, Cell::Date),
        NaiveDate::from_ymd_opt(2027, 12, 31).map_or(Cell::Empty, Cell::Date),
        Cell::text("13912345678"),
        Cell::Money(320_000),
    ];
    sheet::xlsx(
        tr.t("workers.import.sheet"),
        &headers,
        &[example],
        &[
            16.0, 10.0, 20.0, 6.0, 12.0, 12.0, 12.0, 14.0, 14.0, 12.0, 12.0, 14.0, 12.0,
        ],
        0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_by_the_names_villages_use() {
        assert!(names_unit("黄土塘村委会", "黄土塘村"));
        assert!(names_unit("黄土塘村委会", "黄土塘"));
        assert!(names_unit("门楼社区居委会", "门楼社区"));
        assert!(names_unit("门楼社区居委会", "门楼社区居委会"));
        assert!(!names_unit("黄土塘村委会", "黄土"));
        assert!(!names_unit("黄土塘村委会", ""));
    }

    #[test]
    fn bare_numbers_in_date_columns_are_excel_days() {
        assert_eq!(
            serial_date(&Data::Float(45352.0)).as_deref(),
            Some("2024-03-01")
        );
        assert_eq!(serial_date(&Data::Int(1)).as_deref(), Some("1899-12-31"));
        assert_eq!(serial_date(&Data::Float(45352.5)), None);
        assert_eq!(serial_date(&Data::String("2024-03-01".into())), None);
    }
}
