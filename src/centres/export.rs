//! The ledger of centres as XLSX and CSV: one row per community, one column per checklist
//! item of the standard in force, headers in the user's language (Chinese by default).
//! Both exports share the column list; XLSX keeps numbers and dates typed, CSV writes them
//! plainly (UTF-8 with a BOM, so Excel opens the Chinese text correctly).

use chrono::NaiveDate;

use crate::centres::rules::item_key;
use crate::centres::store::{LedgerRow, Standard, in_force};
use crate::platform::error::Result;
use crate::platform::i18n::Tr;
use crate::platform::sheet::{self, Cell};

const FIXED: &[&str] = &[
    "centres.col.code",
    "centres.col.community",
    "centres.col.town",
    "centres.col.status",
    "centres.col.mode",
    "centres.col.blocking_reason",
    "centres.col.pilot",
    "centres.col.pilot_year",
    "centres.col.planned_start",
    "centres.col.planned_completion",
    "centres.col.actual_start",
    "centres.col.actual_completion",
    "centres.col.accepted_on",
    "centres.col.floor_area",
    "centres.col.area_norm",
    "centres.col.invest_district",
    "centres.col.invest_town",
    "centres.col.invest_village",
    "centres.col.invest_donation",
    "centres.col.invest_total",
    "centres.col.reward",
    "centres.col.compliance",
    "centres.col.missing",
    "centres.col.merged_into",
];

/// The standard whose items become columns: the one in force this year.
fn column_standard(standards: &[Standard], year: i32) -> Option<&Standard> {
    in_force(standards, year).or_else(|| standards.last())
}

/// Header and rows of the ledger as typed cells.
pub fn table(
    tr: &Tr,
    rows: &[LedgerRow],
    standards: &[Standard],
    year: i32,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let cols = column_standard(standards, year);
    let items = cols.map(|s| s.items.as_slice()).unwrap_or(&[]);
    let mut header: Vec<String> = FIXED.iter().map(|k| tr.t(k).to_string()).collect();
    header.extend(items.iter().map(|i| i.name.clone()));
    // For every version: the id of its item under each column (by id, else by name).
    let columns_of: std::collections::HashMap<i64, Vec<Option<i64>>> = standards
        .iter()
        .map(|st| {
            let keys: Vec<(i64, String)> =
                st.items.iter().map(|i| (i.id, item_key(&i.name))).collect();
            let ids = items
                .iter()
                .map(|col| {
                    let key = item_key(&col.name);
                    keys.iter()
                        .find(|(id, k)| *id == col.id || *k == key)
                        .map(|(id, _)| *id)
                })
                .collect();
            (st.id, ids)
        })
        .collect();
    let yes = tr.t("centres.export.yes");
    let no = tr.t("centres.export.no");
    let out = rows
        .iter()
        .map(|r| {
            let mut cells = vec![
                Cell::text(r.code.clone()),
                Cell::text(r.name.clone()),
                Cell::text(r.town_name.clone()),
            ];
            match &r.project {
                None => {
                    cells.push(Cell::text(tr.t("centres.status.none")));
                    cells.extend(std::iter::repeat_n(Cell::Empty, FIXED.len() - 5));
                }
                Some(p) => {
                    let c = r.compliance.clone().unwrap_or_default();
                    let opt_date = |d: Option<NaiveDate>| d.map(Cell::Date).unwrap_or(Cell::Empty);
                    cells.extend([
                        Cell::text(tr.t(&format!("centres.status.{}", p.status))),
                        Cell::text(tr.t(&format!("centres.mode.{}", p.mode))),
                        Cell::text(p.blocking_reason.clone()),
                        Cell::text(if p.pilot { yes } else { "" }),
                        p.pilot_year
                            .map(|y| Cell::Int(i64::from(y)))
                            .unwrap_or(Cell::Empty),
                        opt_date(p.planned_start),
                        opt_date(p.planned_completion),
                        opt_date(p.actual_start),
                        opt_date(p.actual_completion),
                        opt_date(p.accepted_on),
                        p.floor_area_dm2.map(Cell::Area).unwrap_or(Cell::Empty),
                        c.area_norm_dm2.map(Cell::Area).unwrap_or(Cell::Empty),
                        Cell::Money(p.invest_district_fen),
                        Cell::Money(p.invest_town_fen),
                        Cell::Money(p.invest_village_fen),
                        Cell::Money(p.invest_donation_fen),
                        Cell::Money(p.invest_total_fen()),
                        r.reward_fen.map(Cell::Money).unwrap_or(Cell::Empty),
                        Cell::text(tr.t(if c.compliant() {
                            "centres.compliance.ok"
                        } else if !c.items_ok() {
                            "centres.compliance.missing"
                        } else {
                            "centres.compliance.area"
                        })),
                        Cell::text(
                            c.missing_required
                                .iter()
                                .chain(&c.below_min_area)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join("、"),
                        ),
                    ]);
                }
            }
            cells.push(Cell::text(r.merged_into.clone().unwrap_or_default()));
            // Item columns: matched by id on the same version, by name on another.
            let own_items = r
                .project
                .as_ref()
                .and_then(|p| columns_of.get(&p.standard_id));
            for own in 0..items.len() {
                let cell = match own_items.and_then(|ids| ids[own]) {
                    None => Cell::Empty,
                    Some(id) => {
                        let present = r.entries.iter().any(|e| e.item_id == id && e.present);
                        Cell::text(if present { yes } else { no })
                    }
                };
                cells.push(cell);
            }
            cells
        })
        .collect();
    (header, out)
}

/// The ledger as an XLSX workbook: typed numbers and dates, frozen header, filters.
pub fn ledger_xlsx(
    tr: &Tr,
    rows: &[LedgerRow],
    standards: &[Standard],
    year: i32,
) -> Result<Vec<u8>> {
    let (header, cells) = table(tr, rows, standards, year);
    let widths: Vec<f64> = (0..header.len())
        .map(|c| match c {
            0 => 14.0,
            1 => 22.0,
            2 => 12.0,
            _ if c < FIXED.len() => 12.0,
            _ => 8.0,
        })
        .collect();
    sheet::xlsx(tr.t("centres.export.sheet"), &header, &cells, &widths, 2)
}

/// The ledger as CSV, UTF-8 with a BOM.
pub fn ledger_csv(
    tr: &Tr,
    rows: &[LedgerRow],
    standards: &[Standard],
    year: i32,
) -> Result<Vec<u8>> {
    let (header, cells) = table(tr, rows, standards, year);
    sheet::csv(&header, &cells)
}
