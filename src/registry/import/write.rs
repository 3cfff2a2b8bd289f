//! Writing a checked file: in one transaction, the new households and the changed columns of
//! stored ones, the new people (in multi-row statements) and the changed ones, each new
//! person's arrival in their household's history, the heads of households, and one audit
//! entry - the file's name, SHA-256 and counts, never a person's data.

use sea_orm::Value;

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
    checked: &Checked,
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
    progress.set_length(checked.rows.len() as u64);
    progress.set_position(0);
    let mut columns = vec!["community_code"];
    columns.extend(PERSON_COLUMNS);
    columns.extend(["created_at", "updated_at"]);
    let mut batch: Vec<Vec<Value>> = Vec::with_capacity(1000);
    for (i, r) in checked.rows.iter().enumerate() {
        match r.action {
            Action::New => {
                let mut v = vals![community];
                v.extend(person_values(&r.person));
                v.extend(vals![now, now]);
                batch.push(v);
                if batch.len() == 1000 {
                    db::insert_rows(&tx, "residents", &columns, std::mem::take(&mut batch)).await?;
                }
            }
            Action::Changed(id) => update(&tx, &checked.mapping, id, &r.person, now).await?,
            Action::Unchanged => {}
        }
        if i % 10_000 == 0 {
            progress.set_position(i as u64);
        }
    }
    db::insert_rows(&tx, "residents", &columns, batch).await?;
    progress.set_position(checked.rows.len() as u64);
    progress.set_message("households");
    // the new people and the changed ones to their households, by number
    db::exec(
        &tx,
        "UPDATE residents SET household_id = (SELECT h.id FROM households h \
         WHERE h.community_code = residents.community_code AND h.number = residents.household) \
         WHERE community_code = ? AND (id > ? OR household_id IS NULL) AND household <> ''",
        vals![community, first_new],
    )
    .await?;
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

/// A changed person: the columns the file has, and their household.
async fn update(
    tx: &crate::platform::db::WriteTx,
    mapping: &Mapping,
    id: i64,
    p: &crate::registry::person::Person,
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
