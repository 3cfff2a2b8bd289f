//! The registry as a spreadsheet: the people of the caller's territory (one community, or as
//! filtered), present or all, masked as the caller sees them, in the import template's
//! columns and labels - so a community's own export, imported again, changes nothing.

use sea_orm::FromQueryResult;

use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::i18n::Tr;
use crate::platform::personal::{Address, BirthDate, Hidden, IdCard, Mobile, Name, Personal};
use crate::platform::sheet::Cell;
use crate::platform::types::{DivisionCode, Level};
use crate::registry::codes;
use crate::registry::import::FIELDS;
use crate::registry::residents::{sees_personal, territory};
use crate::registry::rules::{self, ResidentTags};

/// The most people one file holds; more are asked to be narrowed to a town or community.
pub const MAX_ROWS: u64 = 100_000;

#[derive(FromQueryResult)]
struct Row {
    id: i64,
    community_code: String,
    community_name: String,
    household: String,
    household_kind: String,
    point: String,
    house_number: String,
    relation: String,
    name: Personal<Name>,
    id_number: Option<Personal<IdCard>>,
    gender: String,
    birth_date: Option<Personal<BirthDate>>,
    ethnicity: String,
    education: String,
    employment: String,
    residence: String,
    phone: Option<Personal<Mobile>>,
    address: Personal<Address>,
    arrived_on: Option<String>,
    tags: Personal<ResidentTags>,
    disability: Personal<Hidden>,
}

/// The rows of an export: (header, rows). `community`/`town`: a division in the territory.
pub async fn rows(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    tr: &Tr,
    within: Option<&str>,
) -> Result<(Vec<String>, Vec<Vec<Cell>>)> {
    let (cond, mut v) =
        territory(&u.scope, district, "r.community_code").ok_or(AppError::Forbidden)?;
    let mut wh = vec![
        cond,
        "r.status = 'present'".to_string(),
        "r.anonymised_at IS NULL".to_string(),
    ];
    if let Some(w) = within.map(str::trim).filter(|w| !w.is_empty()) {
        let code = DivisionCode::parse(w)
            .ok()
            .filter(|c| matches!(c.level(), Level::Town | Level::Community))
            .ok_or_else(|| AppError::invalid("community", "hall.bad_community"))?;
        let (lo, hi) = code.descendant_range();
        wh.push("r.community_code BETWEEN ? AND ?".into());
        v.extend([lo.into(), hi.into()]);
    }
    let wh = wh.join(" AND ");
    let n = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM residents r WHERE {wh}"),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u64;
    if n > MAX_ROWS {
        return Err(AppError::Invalid(vec![
            FieldError::new("community", "registry.too_many_to_export").with(MAX_ROWS),
        ]));
    }
    let rows: Vec<Row> = db::all(
        &db.conn,
        &format!(
            "SELECT r.id, r.community_code, c.name AS community_name, COALESCE(h.number, r.household) AS household, \
             COALESCE(h.kind, '') AS household_kind, COALESCE(h.point, '') AS point, \
             COALESCE(h.house_number, '') AS house_number, r.relation, r.name, r.id_number, \
             r.gender, CAST(r.birth_date AS TEXT) AS birth_date, r.ethnicity, r.education, \
             r.employment, r.residence, r.phone, r.address, \
             CAST(r.arrived_on AS TEXT) AS arrived_on, r.tags, r.disability \
             FROM residents r JOIN divisions c ON c.code = r.community_code \
             LEFT JOIN households h ON h.id = r.household_id WHERE {wh} \
             ORDER BY r.community_code, length(h.number), h.number, r.relation, r.id"
        ),
        v,
    )
    .await?;
    let full = sees_personal(u);
    if full {
        // an export in full is a showing of every person in it
        let people: Vec<(i64, String)> = rows
            .iter()
            .map(|r| (r.id, r.community_code.clone()))
            .collect();
        let tx = db.write_tx().await?;
        for chunk in people.chunks(5_000) {
            crate::registry::access::record(&tx, u, chunk, "export", "", db.clock().now()).await?;
        }
        tx.commit().await?;
    }
    let label = |group: &str, k: &str| {
        if k.is_empty() {
            Cell::Empty
        } else {
            Cell::text(tr.t(&format!("{group}.{k}")).to_string())
        }
    };
    let mut header: Vec<String> = vec![tr.t("hall.col.community").to_string()];
    header.extend(
        FIELDS
            .iter()
            .map(|f| tr.t(&format!("registry.import.field.{f}")).to_string()),
    );
    let out = rows
        .into_iter()
        .map(|r| {
            let (cat, grade) = codes::disability_parts(r.disability.reveal(full).shown().as_str())
                .map(|(c, g)| (Cell::Int(c.into()), Cell::Int(g.into())))
                .unwrap_or((Cell::Empty, Cell::Empty));
            let tags = rules::tags_of(&r.tags.clone().reveal(full).shown())
                .into_iter()
                .filter(|t| *t != "disabled" || matches!(cat, Cell::Empty))
                .map(|t| tr.t(&format!("hall.tag.{t}")).to_string())
                .collect::<Vec<_>>()
                .join("、");
            vec![
                Cell::text(r.community_name),
                Cell::text(r.household),
                label("registry.household_kind", &r.household_kind),
                Cell::text(r.point),
                Cell::text(r.house_number),
                label("registry.relation", &r.relation),
                Cell::text(r.name.reveal(full).shown()),
                Cell::text(
                    r.id_number
                        .map(|i| i.reveal(full).shown())
                        .unwrap_or_default(),
                ),
                label("registry.gender", &r.gender),
                Cell::text(
                    r.birth_date
                        .map(|b| b.reveal(full).shown())
                        .unwrap_or_default(),
                ),
                label("registry.ethnicity", &r.ethnicity),
                label("registry.education", &r.education),
                label("registry.employment", &r.employment),
                label("registry.residence", &r.residence),
                Cell::text(r.phone.map(|p| p.reveal(full).shown()).unwrap_or_default()),
                Cell::text(r.address.reveal(full).shown()),
                Cell::text(r.arrived_on.unwrap_or_default()),
                Cell::text(tags),
                cat,
                grade,
            ]
        })
        .collect();
    Ok((header, out))
}
