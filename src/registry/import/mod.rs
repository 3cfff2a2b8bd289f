//! Importing a community's people from the spreadsheets villages already keep (户籍底册,
//! 常住人口登记表, special-group lists): an .xlsx or .csv file (UTF-8 or GB18030), its columns
//! found by their headers - the template's own, or common synonyms (身份证号 / 公民身份号码,
//! 联系电话 / 手机号 …) - in any order, with a mapping the person can correct. Every row is
//! checked first ([`check`]); the preview shows what would be new, changed, unchanged or
//! refused, each refused row with its row, column and reason; nothing is written until the
//! person confirms, and then all rows or none, in one transaction ([`write`]). A second import
//! of the same file changes nothing. The audit log records the import - file name, SHA-256,
//! counts - never the people's data.

pub mod check;
pub mod read;
pub mod staged;
pub mod write;

use serde::Serialize;

use crate::platform::error::FieldError;
use crate::platform::i18n::{Lang, Tr};

/// The fields a file's columns can stand for, in the template's order.
pub const FIELDS: [&str; 19] = [
    "household",
    "household_kind",
    "point",
    "house_number",
    "relation",
    "name",
    "id_number",
    "gender",
    "birth_date",
    "ethnicity",
    "education",
    "employment",
    "residence",
    "phone",
    "address",
    "arrived_on",
    "tags",
    "disability_category",
    "disability_grade",
];

/// Fields every file must have a column for.
pub const REQUIRED: [&str; 3] = ["household", "relation", "name"];

/// Headers seen in village files, with the field they stand for.
const SYNONYMS: &[(&str, &str)] = &[
    ("户编号", "household"),
    ("户号码", "household"),
    ("户口类型", "household_kind"),
    ("户类型", "household_kind"),
    ("自然村", "point"),
    ("居住点", "point"),
    ("村民小组", "point"),
    ("组别", "point"),
    ("楼栋", "point"),
    ("门牌", "house_number"),
    ("门牌号码", "house_number"),
    ("与户主的关系", "relation"),
    ("关系", "relation"),
    ("家庭关系", "relation"),
    ("公民身份号码", "id_number"),
    ("身份证号码", "id_number"),
    ("身份证", "id_number"),
    ("证件号码", "id_number"),
    ("性别", "gender"),
    ("出生年月", "birth_date"),
    ("出生年月日", "birth_date"),
    ("民族", "ethnicity"),
    ("学历", "education"),
    ("文化程度", "education"),
    ("职业状况", "employment"),
    ("就业情况", "employment"),
    ("户籍类别", "residence"),
    ("人员类别", "residence"),
    ("联系电话", "phone"),
    ("手机号", "phone"),
    ("手机号码", "phone"),
    ("电话", "phone"),
    ("联系方式", "phone"),
    ("住址", "address"),
    ("现住址", "address"),
    ("居住地址", "address"),
    ("迁入时间", "arrived_on"),
    ("迁入日期", "arrived_on"),
    ("特殊人群", "tags"),
    ("人群标签", "tags"),
    ("残疾类型", "disability_category"),
    ("残疾级别", "disability_grade"),
];

/// The field a header names: the template's label in either language, the field's own name,
/// or a synonym. Spaces, `*` (marking required columns) and full-width brackets are ignored.
pub fn field_of(header: &str) -> Option<&'static str> {
    let h: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊'))
        .collect();
    let h = h.split(['(', '（']).next().unwrap_or("").to_string();
    if h.is_empty() {
        return None;
    }
    let (zh, en) = (Tr::new(Lang::Zh), Tr::new(Lang::En));
    FIELDS
        .iter()
        .copied()
        .find(|f| {
            let key = format!("registry.import.field.{f}");
            h == *f || h == zh.t(&key) || h.eq_ignore_ascii_case(&en.t(&key).replace(' ', ""))
        })
        .or_else(|| SYNONYMS.iter().find(|(s, _)| *s == h).map(|(_, f)| *f))
}

/// Which field each column stands for (`None`: left out).
pub type Mapping = Vec<Option<&'static str>>;

/// The mapping a file's headers suggest; a field claimed by two columns goes to the first.
pub fn suggest(headers: &[String]) -> Mapping {
    let mut seen = std::collections::HashSet::new();
    headers
        .iter()
        .map(|h| field_of(h).filter(|f| seen.insert(*f)))
        .collect()
}

/// A mapping as the page sends it back: one field name (or empty) per column.
pub fn mapping_from(keys: &[String]) -> Mapping {
    let mut seen = std::collections::HashSet::new();
    keys.iter()
        .map(|k| {
            FIELDS
                .iter()
                .copied()
                .find(|f| f == k)
                .filter(|f| seen.insert(*f))
        })
        .collect()
}

/// The mapping stored with a staged import: field names between commas.
pub fn mapping_text(m: &Mapping) -> String {
    m.iter()
        .map(|f| f.unwrap_or(""))
        .collect::<Vec<_>>()
        .join(",")
}

pub fn mapping_parse(s: &str) -> Mapping {
    mapping_from(&s.split(',').map(str::to_string).collect::<Vec<_>>())
}

/// A problem in the file: its row (as the spreadsheet numbers them; 0 for the file as a
/// whole), the field of its column, the error.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub error: FieldError,
}

/// What an import did, or would do.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub rows: usize,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub refused: usize,
    pub households_new: usize,
}

/// The template: the headers (required ones marked) and an example row.
pub fn template(tr: &Tr) -> crate::platform::error::Result<Vec<u8>> {
    use crate::platform::sheet::Cell;
    let header: Vec<String> = FIELDS
        .iter()
        .map(|f| {
            let key = format!("registry.import.field.{f}");
            let label = tr.t(&key);
            if REQUIRED.contains(f) {
                format!("{label}*")
            } else {
                label.to_string()
            }
        })
        .collect();
    let zh = Tr::new(Lang::Zh);
    let l = |k: &str| Cell::text(tr.t(k));
    let example = vec![
        Cell::text("0001"),
        l("registry.household_kind.registered"),
        Cell::text(zh.t("registry.import.example_point")),
        Cell::text("12"),
        l("registry.relation.02"),
        Cell::text(zh.t("registry.import.example_name")),
        Cell::text("11010519491231002X"),
        l("registry.gender.2"),
        Cell::text("1949-12-31"),
        l("registry.ethnicity.01"),
        l("registry.education.junior"),
        l("registry.employment.retired"),
        l("registry.residence.registered"),
        Cell::text("13912345678"),
        Cell::text(zh.t("registry.import.example_address")),
        Cell::text(""),
        l("hall.tag.elderly"),
        Cell::text(""),
        Cell::text(""),
    ];
    crate::platform::sheet::xlsx(
        tr.t("registry.import.sheet"),
        &header,
        &[example],
        &[8.0, 10.0, 12.0, 8.0, 10.0, 10.0, 22.0, 6.0, 12.0],
        0,
    )
}
