//! The audit log: every create, update and delete in every domain, append-only and
//! hash-chained. Each entry's hash covers its fields and the previous entry's hash, so editing
//! or deleting any entry breaks the chain from there on; `shequ audit verify` finds the first
//! break. Entries are written inside the transaction of the change they describe.

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, FromQueryResult};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::platform::auth::Actor;
use crate::platform::db::{self, Db, WriteTx};
use crate::platform::error::Result;
use crate::vals;

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The actions and entities the domains record; each has a label under `audit.actions.*` /
/// `audit.entities.*` in the locales. A domain that records a new one adds it here.
pub const ACTIONS: &[&str] = &[
    "create", "update", "delete", "merge", "rename", "import", "password", "status", "review",
    "approve", "pay", "publish", "submit", "score", "sign_off", "register", "accept", "reject",
    "start", "refer", "complete", "rate", "cancel", "book", "verify", "attend", "resolve", "erase",
];
pub const ENTITIES: &[&str] = &[
    "user",
    "department",
    "community",
    "population_snapshot",
    "divisions",
    "api_token",
    "centre_standard",
    "coverage_target",
    "centre_project",
    "centre_checklist",
    "centre_inspection",
    "centre_reward",
    "payment_batch",
    "contribution",
    "budget",
    "guideline",
    "assessment_round",
    "assessment_sheet",
    "sheet_attachment",
    "resident",
    "service_item",
    "calendar_day",
    "provider",
    "case",
    "open311_client",
    "community_tag",
    "notice_rule",
    "room",
    "booking",
    "activity",
    "organisation",
    "representative",
    "meeting",
    "proposal",
    "notice",
    "volunteer",
    "service_record",
];

/// `ACTIONS` for "actions", `ENTITIES` for "entities".
pub fn keys(group: &str) -> &'static [&'static str] {
    match group {
        "actions" => ACTIONS,
        _ => ENTITIES,
    }
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of one entry given the previous hash. Field order and separators are fixed
/// forever: changing them would invalidate every existing chain.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(
    prev_hash: &str,
    at: &DateTime<Utc>,
    actor_id: Option<i64>,
    actor_name: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> String {
    let mut h = Sha256::new();
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let actor_id = actor_id.map(|i| i.to_string()).unwrap_or_default();
    for part in [
        prev_hash,
        &at,
        &actor_id,
        actor_name,
        action,
        entity,
        entity_id,
        before.unwrap_or("\u{0}"),
        after.unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The fields of each entity that hold a person's data. The append-only log can never be
/// edited, so it must never hold them: an entry records *that* such a field was set or
/// changed, never its value, and a person's data can be erased from the records (PIPL) while
/// the chain stays whole. (Staff accounts' names are not listed: they are the actors.)
pub const PERSONAL_FIELDS: &[(&str, &[&str])] = &[
    (
        "resident",
        &[
            "name",
            "id_number",
            "phone",
            "address",
            "household",
            "tags",
            "gender",
            "birth_date",
            "ethnicity",
            "relation",
            "education",
            "employment",
            "arrived_on",
            "disability",
        ],
    ),
    // where a household lives
    ("household", &["point", "house_number"]),
    (
        "worker",
        &["name", "id_number", "phone", "birth_date", "pay_fen"],
    ),
    (
        "case",
        &[
            "applicant_name",
            "applicant_phone",
            "id_number",
            "address",
            "description",
            "lat",
            "lon",
            "comment",
            "rating_comment",
        ],
    ),
    ("volunteer", &["name", "phone"]),
    ("recruitment_applicant", &["name", "id_number"]),
    ("proposal", &["author"]),
    ("representative", &["name", "names"]),
];

/// What stands in the log for a personal value.
pub const PERSONAL_MARK: &str = "[personal]";
/// What stands for a personal value set or changed by the entry.
pub const PERSONAL_CHANGED: &str = "[personal, changed]";

fn blank(v: Option<&serde_json::Value>) -> bool {
    match v {
        None | Some(serde_json::Value::Null) => true,
        Some(serde_json::Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// Replace the personal values of an entry's before and after by marks: `[personal]` where
/// there was a value, `[personal, changed]` where the entry set or changed one.
pub fn redact(
    entity: &str,
    before: &mut Option<serde_json::Value>,
    after: &mut Option<serde_json::Value>,
) {
    let Some((_, fields)) = PERSONAL_FIELDS.iter().find(|(e, _)| *e == entity) else {
        return;
    };
    for f in *fields {
        let b = before.as_ref().and_then(|v| v.get(*f)).cloned();
        let a = after.as_ref().and_then(|v| v.get(*f)).cloned();
        let changed = b != a;
        if let Some(serde_json::Value::Object(o)) = before.as_mut()
            && o.contains_key(*f)
            && !blank(b.as_ref())
        {
            o.insert((*f).to_string(), PERSONAL_MARK.into());
        }
        if let Some(serde_json::Value::Object(o)) = after.as_mut()
            && o.contains_key(*f)
            && !blank(a.as_ref())
        {
            let mark = if changed {
                PERSONAL_CHANGED
            } else {
                PERSONAL_MARK
            };
            o.insert((*f).to_string(), mark.into());
        }
    }
}

fn to_value<T: Serialize>(v: Option<&T>) -> Result<Option<serde_json::Value>> {
    Ok(match v {
        Some(v) => Some(serde_json::to_value(v).map_err(anyhow::Error::from)?),
        None => None,
    })
}

fn to_text(v: Option<serde_json::Value>) -> Result<Option<String>> {
    Ok(match v {
        Some(v) => Some(serde_json::to_string(&v).map_err(anyhow::Error::from)?),
        None => None,
    })
}

/// The end of every audited write: append the entry and commit, in that order, so no change
/// is stored without its line in the log (and none is acknowledged before the commit
/// returned). Writes that log several entries call [`record`] for all but the last.
pub async fn commit<B: Serialize, A: Serialize>(
    tx: WriteTx,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    record(&tx, actor, action, entity, entity_id, before, after).await?;
    tx.commit().await?;
    Ok(())
}

/// Append one entry inside `tx`. The transaction must be a write transaction
/// ([`Db::write_tx`]); on PostgreSQL an advisory lock serialises appenders.
pub async fn record<B: Serialize, A: Serialize>(
    tx: &DatabaseTransaction,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    if tx.get_database_backend() == DbBackend::Postgres {
        tx.execute_unprepared("SELECT pg_advisory_xact_lock(7715001)")
            .await?;
    }
    // PostgreSQL keeps microseconds: hash exactly what will be read back.
    let at = crate::platform::time::real_now().trunc_subsecs(6);
    let (mut before, mut after) = (to_value(before)?, to_value(after)?);
    redact(entity, &mut before, &mut after);
    let before = to_text(before)?;
    let after = to_text(after)?;
    let entry = |prev: &str| {
        let hash = entry_hash(
            prev,
            &at,
            actor.id,
            &actor.name,
            action,
            entity,
            entity_id,
            before.as_deref(),
            after.as_deref(),
        );
        let values = vals![
            at,
            actor.id,
            actor.name.clone(),
            action,
            entity,
            entity_id,
            before.clone(),
            after.clone(),
            prev,
            hash.clone()
        ];
        (hash, values)
    };
    // The hash this process appended last is most likely still the last one: append after
    // it on condition that it is, in one statement. Another process's entry (or a rolled-back
    // transaction) fails the condition and the entry is appended after the real last one.
    let guess = last_hash().lock().map(|g| g.clone()).unwrap_or(None);
    if let Some(prev) = guess {
        let (hash, mut values) = entry(&prev);
        values.push(prev.clone().into());
        let n = db::exec(
            tx,
            "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, \
             before_json, after_json, prev_hash, hash) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? \
             WHERE (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) = ?",
            values,
        )
        .await?;
        if n == 1 {
            remember(hash);
            return Ok(());
        }
    }
    let prev: Option<String> = db::one::<HashRow, _>(
        tx,
        "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1",
        vals![],
    )
    .await?
    .map(|r| r.hash);
    let prev = prev.unwrap_or_else(|| GENESIS.to_string());
    let (hash, values) = entry(&prev);
    db::exec(
        tx,
        "INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, before_json, \
         after_json, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    .await?;
    remember(hash);
    Ok(())
}

/// The hash of the entry this process appended last (a guess, checked on use).
fn last_hash() -> &'static std::sync::Mutex<Option<String>> {
    static LAST: std::sync::OnceLock<std::sync::Mutex<Option<String>>> = std::sync::OnceLock::new();
    LAST.get_or_init(Default::default)
}

fn remember(hash: String) {
    if let Ok(mut g) = last_hash().lock() {
        *g = Some(hash);
    }
}

#[derive(FromQueryResult)]
struct HashRow {
    hash: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact {
        entries: u64,
    },
    /// The first entry whose stored hash or link does not match.
    Broken {
        entries_checked: u64,
        first_bad_id: i64,
        reason: String,
    },
}

/// Walk the whole chain in id order, in pages, recomputing every hash.
pub async fn verify(db: &Db) -> Result<Verification> {
    let mut prev = GENESIS.to_string();
    let mut last_id = 0i64;
    let mut count = 0u64;
    loop {
        let page: Vec<AuditEntry> = db::all(
            &db.conn,
            "SELECT id, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, \
             prev_hash, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT 5000",
            vals![last_id],
        )
        .await?;
        if page.is_empty() {
            return Ok(Verification::Intact { entries: count });
        }
        for e in page {
            if e.prev_hash != prev {
                return Ok(Verification::Broken {
                    entries_checked: count,
                    first_bad_id: e.id,
                    reason: "link to the previous entry does not match (an entry before it was removed or changed)".into(),
                });
            }
            let h = entry_hash(
                &e.prev_hash,
                &e.at,
                e.actor_id,
                &e.actor_name,
                &e.action,
                &e.entity,
                &e.entity_id,
                e.before_json.as_deref(),
                e.after_json.as_deref(),
            );
            if h != e.hash {
                return Ok(Verification::Broken {
                    entries_checked: count,
                    first_bad_id: e.id,
                    reason: "content does not match its hash (the entry was edited)".into(),
                });
            }
            prev = e.hash;
            last_id = e.id;
            count += 1;
        }
    }
}

/// Filters of the audit page and API.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// First day (YYYY-MM-DD, district time).
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, district time).
    pub to: Option<String>,
    pub page: Option<u64>,
}

pub const AUDIT_PAGE_SIZE: u64 = 50;

pub async fn list(db: &Db, f: &AuditFilter) -> Result<(Vec<AuditEntry>, u64)> {
    let mut wh = vec!["1=1".to_string()];
    let mut v = vals![];
    let nonempty = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    if let Some(e) = nonempty(&f.entity) {
        wh.push("entity = ?".into());
        v.push(e.into());
    }
    if let Some(e) = nonempty(&f.entity_id) {
        wh.push("entity_id = ?".into());
        v.push(e.into());
    }
    if let Some(a) = nonempty(&f.actor) {
        wh.push("actor_name = ?".into());
        v.push(a.into());
    }
    if let Some(a) = nonempty(&f.action) {
        wh.push("action = ?".into());
        v.push(a.into());
    }
    let day = |field: &str, o: &Option<String>| -> Result<Option<chrono::NaiveDate>> {
        match nonempty(o) {
            None => Ok(None),
            Some(d) => crate::platform::time::parse_date(&d)
                .map(Some)
                .ok_or_else(|| crate::platform::error::AppError::bad_param(field)),
        }
    };
    if let Some(d) = day("from", &f.from)? {
        wh.push("at >= ?".into());
        v.push(crate::platform::time::day_start_utc(d).into());
    }
    if let Some(d) = day("to", &f.to)? {
        wh.push("at < ?".into());
        v.push(crate::platform::time::day_start_utc(d + chrono::Days::new(1)).into());
    }
    let where_sql = wh.join(" AND ");
    let total = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM audit_log WHERE {where_sql}"),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u64;
    let offset = crate::platform::http::pagination::offset(f.page, AUDIT_PAGE_SIZE);
    let mut v2 = v;
    v2.push(i64::try_from(offset).unwrap_or(i64::MAX).into());
    let rows = db::all(
        &db.conn,
        &format!(
            "SELECT id, at, actor_id, actor_name, action, entity, entity_id, before_json, after_json, \
             prev_hash, hash FROM audit_log WHERE {where_sql} ORDER BY id DESC LIMIT {AUDIT_PAGE_SIZE} OFFSET ?"
        ),
        v2,
    )
    .await?;
    Ok((rows, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recorded_key_has_a_label_in_both_languages() {
        use crate::platform::i18n::{Lang, Tr};
        for lang in [Lang::Zh, Lang::En] {
            let tr = Tr::new(lang);
            for (group, keys) in [("actions", ACTIONS), ("entities", ENTITIES)] {
                for k in keys {
                    assert!(
                        tr.has(&format!("audit.{group}.{k}")),
                        "{lang:?} audit.{group}.{k}"
                    );
                }
            }
        }
    }

    #[test]
    fn personal_values_never_reach_the_log() {
        let mut before = Some(serde_json::json!({
            "name": "郁金香", "phone": "13912348888", "address": "", "community_code": "320205106203"
        }));
        let mut after = Some(serde_json::json!({
            "name": "郁金香", "phone": "13912347777", "address": "7 组", "community_code": "320205106203"
        }));
        redact("resident", &mut before, &mut after);
        let (b, a) = (before.unwrap(), after.unwrap());
        assert_eq!(b["name"], PERSONAL_MARK);
        assert_eq!(b["phone"], PERSONAL_MARK);
        assert_eq!(b["address"], "", "nothing there: nothing to hide");
        assert_eq!(a["name"], PERSONAL_MARK, "unchanged");
        assert_eq!(a["phone"], PERSONAL_CHANGED);
        assert_eq!(a["address"], PERSONAL_CHANGED);
        assert_eq!(a["community_code"], "320205106203", "not personal");
        let mut created = Some(serde_json::json!({"name": "王五"}));
        redact("resident", &mut None, &mut created);
        assert_eq!(created.unwrap()["name"], PERSONAL_CHANGED);
        let mut other = Some(serde_json::json!({"name": "区民政局"}));
        redact("department", &mut None, &mut other);
        assert_eq!(other.unwrap()["name"], "区民政局");
    }

    #[test]
    fn hash_depends_on_every_field() {
        let at = crate::platform::time::real_now().trunc_subsecs(6);
        let base = entry_hash(
            "p",
            &at,
            Some(1),
            "a",
            "create",
            "user",
            "1",
            None,
            Some("{}"),
        );
        assert_eq!(
            base,
            entry_hash(
                "p",
                &at,
                Some(1),
                "a",
                "create",
                "user",
                "1",
                None,
                Some("{}")
            )
        );
        assert_ne!(
            base,
            entry_hash(
                "q",
                &at,
                Some(1),
                "a",
                "create",
                "user",
                "1",
                None,
                Some("{}")
            )
        );
        assert_ne!(
            base,
            entry_hash(
                "p",
                &at,
                Some(2),
                "a",
                "create",
                "user",
                "1",
                None,
                Some("{}")
            )
        );
        assert_ne!(
            base,
            entry_hash(
                "p",
                &at,
                Some(1),
                "a",
                "create",
                "user",
                "1",
                Some(""),
                Some("{}")
            )
        );
        // length-prefixing: moving a character between fields changes the hash
        assert_ne!(
            entry_hash("p", &at, None, "ab", "c", "e", "1", None, None),
            entry_hash("p", &at, None, "a", "bc", "e", "1", None, None)
        );
    }
}
