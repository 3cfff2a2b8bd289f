//! Writing a checked file: in one transaction, the new households and the changed columns of
//! stored ones, the new people (in multi-row statements) and the changed ones, each new
//! person's arrival in their household's history, the heads of households, and one audit
//! entry - the file's name, SHA-256 and counts, never a person's data.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Value};

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::registry::import::check::{Action, Checked};
use crate::registry::import::{Counts, Mapping};
use crate::registry::save::{PERSON_COLUMNS, person_values};
use crate::vals;

/// A file checked clean, written. `file_name` and `sha256` go to the audit log.
pub async fn write(
    db: &Db,
    actor: &Actor,
    community: &str,
    mut checked: Checked,
    file_name: &str,
    sha256: &str,
    progress: &indicatif::ProgressBar,
) -> Result<Counts> {
    if !checked.is_clean() {
        return Err(AppError::invalid("file", "registry.import.not_clean"));
    }
    let counts = checked.counts.clone();
    let nothing = counts.new == 0
        && counts.changed == 0
        && counts.households_new == 0
        && !checked.households.iter().any(|h| h.changed);
    if nothing {
        return Ok(counts);
    }
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let today = db.clock().today();
    // households first, so people can point at them
    let new_households: Vec<Vec<Value>> = checked
        .households
        .iter()
        .filter(|h| h.existing.is_none())
        .map(|h| {
            let kind = if h.kind.is_empty() {
                "registered"
            } else {
                h.kind.as_str()
            };
            vals![
                community,
                h.number.clone(),
                h.point.clone(),
                h.house_number.clone(),
                kind,
                today,
                now,
                now
            ]
        })
        .collect();
    db::insert_rows(
        &tx,
        "households",
        &[
            "community_code",
            "number",
            "point",
            "house_number",
            "kind",
            "formed_on",
            "created_at",
            "updated_at",
        ],
        new_households,
    )
    .await?;
    let has = |f: &str| checked.mapping.contains(&Some(f));
    for h in checked.households.iter().filter(|h| h.changed) {
        let id = h.existing.unwrap_or_default();
        if has("household_kind") && !h.kind.is_empty() {
            db::exec(
                &tx,
                "UPDATE households SET kind = ? WHERE id = ?",
                vals![h.kind.clone(), id],
            )
            .await?;
        }
        if has("point") {
            db::exec(
                &tx,
                "UPDATE households SET point = ? WHERE id = ?",
                vals![h.point.clone(), id],
            )
            .await?;
        }
        if has("house_number") {
            db::exec(
                &tx,
                "UPDATE households SET house_number = ?, updated_at = ? WHERE id = ?",
                vals![h.house_number.clone(), now, id],
            )
            .await?;
        }
    }
    let first_new: i64 = db::scalar(&tx, "SELECT COALESCE(MAX(id), 0) FROM residents", vec![])
        .await?
        .unwrap_or(0);
    let homes: HashMap<String, i64> = db::all_json::<(String, i64), _>(
        &tx,
        &["number", "id"],
        "SELECT number, id FROM households WHERE community_code = ?",
        vals![community],
    )
    .await?
    .into_iter()
    .collect();
    // a large file: the indexes are built once after the rows, not row by row
    let bulk = counts.new >= BULK;
    let made = if bulk {
        if db.is_sqlite() {
            tx.execute_unprepared("PRAGMA cache_size = -262144").await?;
        }
        db::drop_indexes(&tx, LOAD_INDEXES).await?
    } else {
        vec![]
    };
    let total = checked.rows.len();
    progress.set_length(total as u64);
    progress.set_position(0);
    let mut columns = vec!["community_code"];
    columns.extend(PERSON_COLUMNS);
    columns.extend(["household_id", "created_at", "updated_at"]);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(1000);
    let rows = std::mem::take(&mut checked.rows);
    for (i, r) in rows.into_iter().enumerate() {
        match r.action {
            Action::New => {
                let home = homes.get(&r.person.household).copied();
                let mut v = vals![community];
                // the text moves into the statement (no copy of a million rows)
                v.extend(crate::registry::save::person_values_owned(r.person));
                v.extend(vals![home, now, now]);
                batch.push(v);
                if batch.len() == 10_000 {
                    db::insert_rows(&tx, "residents", &columns, std::mem::take(&mut batch)).await?;
                }
            }
            Action::Changed(id) => {
                let home = homes.get(&r.person.household).copied();
                update(&tx, &checked.mapping, id, &r.person, home, now).await?
            }
            Action::Unchanged => {}
        }
        if i % 10_000 == 0 {
            progress.set_position(i as u64);
        }
    }
    db::insert_rows(&tx, "residents", &columns, batch).await?;
    progress.set_position(total as u64);
    progress.set_message("households");
    // each new person's arrival in their household's history: 出生 when they came on the day
    // they were born, 迁入 otherwise (on the import's day when the file gives no date)
    db::exec(
        &tx,
        "INSERT INTO household_moves (household_id, resident_id, kind, on_date, reason, \
         created_at) SELECT household_id, id, CASE WHEN arrived_on = birth_date THEN 'birth' \
         ELSE 'move_in' END, COALESCE(arrived_on, ?), ?, ? FROM residents \
         WHERE id > ? AND community_code = ? AND household_id IS NOT NULL",
        vals![today, short(file_name), now, first_new, community],
    )
    .await?;
    if bulk {
        progress.set_message("indexes");
        db::build_indexes(&tx, &made).await?;
        if db.is_sqlite() {
            tx.execute_unprepared("PRAGMA cache_size = -32000").await?;
        }
    }
    // heads of the community's households: the present member related as 户主
    db::exec(
        &tx,
        "UPDATE households SET head_id = (SELECT MIN(r.id) FROM residents r \
         WHERE r.household_id = households.id AND r.relation = '02' AND r.status = 'present') \
         WHERE community_code = ?",
        vals![community],
    )
    .await?;
    progress.set_message("committing");
    audit::commit(
        tx,
        actor,
        "import",
        "registry",
        community,
        None::<&()>,
        Some(&serde_json::json!({
            "file": file_name,
            "sha256": sha256,
            "counts": counts,
        })),
    )
    .await?;
    Ok(counts)
}

/// New people from which a file is written as a bulk load: the indexes dropped and built
/// again once (sorting a million keys beats inserting them one by one), and a larger page
/// cache for the write. PostgreSQL holds the residents' table locked meanwhile: a file of
/// this size is the command line's, at a quiet hour.
const BULK: usize = 50_000;

/// The indexes a bulk load builds again after the rows.
const LOAD_INDEXES: &[&str] = &[
    "residents_community",
    "residents_phone",
    "residents_household",
    "residents_name",
    "residents_id_tail",
    "residents_phone_tail",
    "residents_birth",
    "household_moves_household",
    "household_moves_resident",
];

/// A changed person: the columns the file has, and their household.
async fn update(
    tx: &crate::platform::db::WriteTx,
    mapping: &Mapping,
    id: i64,
    p: &crate::registry::person::Person,
    home: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let all = person_values(p);
    let mut sets = vec![];
    let mut v = vec![];
    for (col, value) in PERSON_COLUMNS.iter().zip(all) {
        let field = match *col {
            "disability" => "disability_category",
            // the ID number brings its birth date and gender
            "birth_date" | "gender"
                if mapping.contains(&Some("id_number")) && p.id_number.is_some() =>
            {
                "id_number"
            }
            c => c,
        };
        if mapping.contains(&Some(field)) {
            sets.push(format!("{col} = ?"));
            v.push(value);
        }
    }
    if mapping.contains(&Some("household")) {
        sets.push("household_id = ?".into());
        v.push(home.into());
    }
    sets.push("updated_at = ?".into());
    sets.push("revision = revision + 1".into());
    v.extend(vals![now, id]);
    db::exec(
        tx,
        &format!("UPDATE residents SET {} WHERE id = ?", sets.join(", ")),
        v,
    )
    .await?;
    Ok(())
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}
