//! Construction standards, versioned: the rooms a centre must have, areas and rewards.

use super::*;
use crate::platform::db::WriteTx;

#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Standard {
    pub id: i64,
    pub name: String,
    pub effective_year: i32,
    #[serde(flatten)]
    pub terms: Terms,
    pub note: String,
    pub items: Vec<Item>,
    /// Projects built against this version.
    pub projects: i64,
    /// Raised by each save (platform::revision).
    #[serde(default)]
    pub revision: i64,
}

#[derive(FromQueryResult)]
pub(super) struct StandardRow {
    pub(super) id: i64,
    pub(super) name: String,
    pub(super) effective_year: i32,
    pub(super) area_new_dm2: Option<i64>,
    pub(super) area_renovation_dm2: Option<i64>,
    pub(super) area_integrated_dm2: Option<i64>,
    pub(super) reward_new_fen: i64,
    pub(super) reward_renovation_fen: i64,
    pub(super) reward_integrated_fen: i64,
    pub(super) note: String,
    pub(super) projects: i64,
    pub(super) revision: i64,
}

#[derive(FromQueryResult)]
pub(super) struct ItemRow {
    pub(super) id: i64,
    pub(super) standard_id: i64,
    pub(super) category: String,
    pub(super) name: String,
    pub(super) required: bool,
    pub(super) min_area_dm2: Option<i64>,
}

/// Every standard version with its items, oldest first.
pub async fn standards<C: ConnectionTrait>(c: &C) -> Result<Vec<Standard>> {
    let rows: Vec<StandardRow> = db::all(
        c,
        "SELECT s.id, s.name, s.effective_year, s.area_new_dm2, s.area_renovation_dm2, \
           s.area_integrated_dm2, s.reward_new_fen, s.reward_renovation_fen, s.reward_integrated_fen, \
           s.note, (SELECT COUNT(*) FROM centre_projects p WHERE p.standard_id = s.id) AS projects, \
           s.revision \
         FROM centre_standards s ORDER BY s.effective_year, s.id",
        vals![],
    )
    .await?;
    let items: Vec<ItemRow> = db::all(
        c,
        "SELECT id, standard_id, category, name, required, min_area_dm2 FROM centre_standard_items \
         ORDER BY standard_id, position, id",
        vals![],
    )
    .await?;
    let mut by_standard: HashMap<i64, Vec<Item>> = HashMap::new();
    for i in items {
        by_standard.entry(i.standard_id).or_default().push(Item {
            id: i.id,
            category: Category::parse(&i.category).unwrap_or(Category::Room),
            name: i.name,
            required: i.required,
            min_area_dm2: i.min_area_dm2,
        });
    }
    Ok(rows
        .into_iter()
        .map(|r| Standard {
            items: by_standard.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            effective_year: r.effective_year,
            terms: Terms {
                area_new_dm2: r.area_new_dm2,
                area_renovation_dm2: r.area_renovation_dm2,
                area_integrated_dm2: r.area_integrated_dm2,
                reward_new_fen: r.reward_new_fen,
                reward_renovation_fen: r.reward_renovation_fen,
                reward_integrated_fen: r.reward_integrated_fen,
            },
            note: r.note,
            projects: r.projects,
            revision: r.revision,
        })
        .collect())
}

pub async fn load_standard(db: &Db, id: i64) -> Result<Standard> {
    standards(&db.conn)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

/// The version in force in a year: the latest effective in or before it.
pub fn in_force(standards: &[Standard], year: i32) -> Option<&Standard> {
    standards
        .iter()
        .filter(|s| s.effective_year <= year)
        .max_by_key(|s| s.effective_year)
}

/// A standard version as saved from the form: items carry their id when they exist already.
pub struct StandardSave {
    pub input: StandardInput,
    pub note: String,
    /// Per form row: the existing item id, if any.
    pub item_ids: HashMap<usize, i64>,
    /// Existing items to remove.
    pub remove: Vec<i64>,
    /// The revision the form was opened at (platform::revision).
    pub revision: Option<i64>,
}

/// Create (`id` None) or update a standard version with its items. Items recorded in some
/// project's checklist cannot be removed: the version is history by then; make a new one.
pub async fn save_standard(
    db: &Db,
    actor: &Actor,
    id: Option<i64>,
    s: &StandardSave,
) -> Result<i64> {
    let mut errs = rules::validate_standard(&s.input);
    if s.note.chars().count() > 2000 {
        errs.push(FieldError::new("note", "common.too_long").with(2000));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let all = standards(&tx).await?;
    let before = match id {
        Some(id) => Some(
            all.iter()
                .find(|x| x.id == id)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    if all
        .iter()
        .any(|x| i64::from(x.effective_year) == s.input.effective_year && Some(x.id) != id)
    {
        return Err(AppError::invalid("effective_year", "centres.year_taken"));
    }
    let sid = write_standard(&tx, id, s).await?;
    let existing: Vec<i64> = before
        .as_ref()
        .map(|b| b.items.iter().map(|i| i.id).collect())
        .unwrap_or_default();
    save_items(&tx, sid, s, &existing).await?;
    let after = standards(&tx)
        .await?
        .into_iter()
        .find(|x| x.id == sid)
        .ok_or(AppError::NotFound)?;
    audit::commit(
        tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "centre_standard",
        &sid.to_string(),
        before.as_ref(),
        Some(&after),
    )
    .await?;
    Ok(sid)
}

/// The standard's own row: updated at the revision the form was opened at, or inserted; its id.
async fn write_standard(tx: &WriteTx, id: Option<i64>, s: &StandardSave) -> Result<i64> {
    let now = tx.clock().now();
    let t = &s.input.terms;
    Ok(match id {
        Some(id) => {
            revision::update(
                tx,
                "centre_standards",
                "centre_standard",
                id,
                s.revision,
                "name = ?, effective_year = ?, area_new_dm2 = ?, area_renovation_dm2 = ?, \
                 area_integrated_dm2 = ?, reward_new_fen = ?, reward_renovation_fen = ?, \
                 reward_integrated_fen = ?, note = ?, updated_at = ?",
                vals![
                    s.input.name.trim(),
                    s.input.effective_year,
                    t.area_new_dm2,
                    t.area_renovation_dm2,
                    t.area_integrated_dm2,
                    t.reward_new_fen,
                    t.reward_renovation_fen,
                    t.reward_integrated_fen,
                    s.note.trim(),
                    now
                ],
            )
            .await?;
            id
        }
        None => db::scalar(
            tx,
            "INSERT INTO centre_standards (name, effective_year, area_new_dm2, area_renovation_dm2, \
             area_integrated_dm2, reward_new_fen, reward_renovation_fen, reward_integrated_fen, note, \
             created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vals![
                s.input.name.trim(),
                s.input.effective_year,
                t.area_new_dm2,
                t.area_renovation_dm2,
                t.area_integrated_dm2,
                t.reward_new_fen,
                t.reward_renovation_fen,
                t.reward_integrated_fen,
                s.note.trim(),
                now,
                now
            ],
        )
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?,
    })
}

/// The standard's items as the form sent them: removed (unless some checklist used them),
/// renamed and reordered, added.
async fn save_items(tx: &WriteTx, sid: i64, s: &StandardSave, existing: &[i64]) -> Result<()> {
    for rid in &s.remove {
        if !existing.contains(rid) {
            continue;
        }
        let used = db::scalar(
            tx,
            "SELECT COUNT(*) FROM centre_checklist WHERE item_id = ?",
            vals![*rid],
        )
        .await?
        .unwrap_or(0);
        if used > 0 {
            let row = s
                .item_ids
                .iter()
                .find(|(_, v)| *v == rid)
                .map(|(k, _)| *k)
                .unwrap_or(0);
            return Err(AppError::Invalid(vec![
                FieldError::new(&format!("i{row}_name"), "centres.item_in_use").with(used),
            ]));
        }
        db::exec(
            tx,
            "DELETE FROM centre_standard_items WHERE id = ? AND standard_id = ?",
            vals![*rid, sid],
        )
        .await?;
    }
    // Existing items first all take a temporary name, so that swapping two names does not
    // trip the (standard, name) key half-way.
    let kept: Vec<i64> = s
        .input
        .items
        .iter()
        .filter_map(|(row, ..)| s.item_ids.get(row).copied())
        .filter(|i| existing.contains(i))
        .collect();
    for item_id in &kept {
        db::exec(
            tx,
            "UPDATE centre_standard_items SET name = ? WHERE id = ? AND standard_id = ?",
            vals![format!("\u{1}{item_id}"), *item_id, sid],
        )
        .await?;
    }
    for (pos, (row, cat, name, required, min)) in s.input.items.iter().enumerate() {
        let cat = cat.map(Category::key).unwrap_or("room");
        match s.item_ids.get(row).filter(|i| existing.contains(i)) {
            Some(item_id) => {
                db::exec(
                    tx,
                    "UPDATE centre_standard_items SET category = ?, name = ?, required = ?, \
                     min_area_dm2 = ?, position = ? WHERE id = ? AND standard_id = ?",
                    vals![cat, name.trim(), *required, *min, pos as i32, *item_id, sid],
                )
                .await?;
            }
            None => {
                db::exec(
                    tx,
                    "INSERT INTO centre_standard_items (standard_id, category, name, required, min_area_dm2, position) \
                     VALUES (?, ?, ?, ?, ?, ?)",
                    vals![sid, cat, name.trim(), *required, *min, pos as i32],
                )
                .await?;
            }
        }
    }
    Ok(())
}
