//! Two people editing one record: the later save must not silently undo the earlier one.
//!
//! Every editable record has a `revision`, raised by one on each save. Its form carries the
//! revision it was opened at (a hidden field); the save updates only `WHERE revision = ?`.
//! A save that matches no row was made on a stale copy: nothing is written, and the form is
//! shown again with the person's own values, who saved in between and when, and, next to each
//! field the other person changed, what it holds now (from the audit log, which records every
//! save). The form then carries the new revision: saving again applies the person's edit on
//! top, knowingly. The answer is 409.
//!
//! A request without a revision (an API client that does not send one) saves as before.

use sea_orm::{ConnectionTrait, Value};

use crate::platform::db;
use crate::platform::error::{AppError, FieldError, Result};
use crate::vals;

/// The hidden field's name.
pub const FIELD: &str = crate::platform::error::STALE_FIELD;

/// The key of the form-level message a stale save gets (its last argument is the current
/// revision, which the form shown again carries).
pub const STALE: &str = crate::platform::error::STALE_KEY;

pub use crate::platform::error::is_stale;

/// The revision a form was opened at; `None` when not sent.
pub fn base(s: &str) -> Result<Option<i64>> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| AppError::invalid(FIELD, "common.whole_number"))
}

/// The WHERE condition (` AND revision = ?`) and its value for a save from `base`.
pub fn guard(base: Option<i64>) -> (&'static str, Vec<Value>) {
    match base {
        Some(r) => (" AND revision = ?", vals![r]),
        None => ("", vec![]),
    }
}

/// `UPDATE {table} SET {set}, revision = revision + 1 WHERE id = ?`, only at revision `base`
/// when given. A save that matches nothing is the stale-save error when it had a base (the
/// record moved on), else 404.
pub async fn update<C: ConnectionTrait>(
    c: &C,
    table: &str,
    entity: &str,
    id: i64,
    base: Option<i64>,
    set: &str,
    values: Vec<Value>,
) -> Result<()> {
    update_as(c, table, (entity, &id.to_string()), id, base, set, values).await
}

/// [`update`] for a record the audit log names by another key (a centre's project by its
/// community's code): `audited` is (entity, entity_id) as the log has them.
pub async fn update_as<C: ConnectionTrait>(
    c: &C,
    table: &str,
    audited: (&str, &str),
    id: i64,
    base: Option<i64>,
    set: &str,
    mut values: Vec<Value>,
) -> Result<()> {
    let (cond, gv) = guard(base);
    values.push(id.into());
    values.extend(gv);
    let n = db::exec(
        c,
        &format!("UPDATE {table} SET {set}, revision = revision + 1 WHERE id = ?{cond}"),
        values,
    )
    .await?;
    match (n, base) {
        (0, Some(b)) => Err(stale(c, table, audited, id, b).await),
        (0, None) => Err(AppError::NotFound),
        _ => Ok(()),
    }
}

/// The revision to carry in the form shown again after a stale save.
pub fn current_of(errs: &[FieldError]) -> Option<&str> {
    errs.iter()
        .find(|e| is_stale(e))
        .and_then(|e| e.args.last())
        .map(String::as_str)
}

/// After an UPDATE guarded by [`guard`] matched no row: the error that tells what happened.
/// `table` holds the record (`id`, `revision`); `audited` names it as the audit log does.
pub async fn stale<C: ConnectionTrait>(
    c: &C,
    table: &str,
    audited: (&str, &str),
    id: i64,
    base: i64,
) -> AppError {
    match explain(c, table, audited, id, base).await {
        Ok(e) => e,
        Err(e) => e,
    }
}

async fn explain<C: ConnectionTrait>(
    c: &C,
    table: &str,
    (entity, entity_id): (&str, &str),
    id: i64,
    base: i64,
) -> Result<AppError> {
    let Some(current) = db::scalar(
        c,
        &format!("SELECT revision FROM {table} WHERE id = ?"),
        vals![id],
    )
    .await?
    else {
        return Ok(AppError::NotFound);
    };
    #[derive(sea_orm::FromQueryResult)]
    struct Entry {
        at: chrono::DateTime<chrono::Utc>,
        actor_name: String,
        before_json: Option<String>,
        after_json: Option<String>,
    }
    // the saves since the form was opened, newest first (a revision a save)
    let since = (current - base).clamp(1, 50);
    let entries: Vec<Entry> = db::all(
        c,
        &format!(
            "SELECT at, actor_name, before_json, after_json FROM audit_log \
             WHERE entity = ? AND entity_id = ? ORDER BY id DESC LIMIT {since}"
        ),
        vals![entity, entity_id],
    )
    .await?;
    let (who, when) = match entries.first() {
        Some(e) => {
            let name = db::one::<Name, _>(
                c,
                "SELECT display_name AS name FROM users WHERE username = ?",
                vals![e.actor_name.as_str()],
            )
            .await?
            .map(|n| n.name)
            .unwrap_or_else(|| e.actor_name.clone());
            (name, crate::platform::time::show(&e.at))
        }
        None => (String::new(), String::new()),
    };
    let mut errs = vec![
        FieldError::new(FIELD, STALE)
            .with(who)
            .with(when)
            .with(current),
    ];
    // each field another save changed, with what it holds now (the newest save's value)
    let mut done = std::collections::HashSet::new();
    for e in &entries {
        let parse = |s: &Option<String>| -> serde_json::Map<String, serde_json::Value> {
            s.as_deref()
                .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default()
        };
        let (before, after) = (parse(&e.before_json), parse(&e.after_json));
        for (k, now) in &after {
            // a field both sides name (the log's before is the stored record, its after the
            // save's input: only their common fields compare)
            if matches!(k.as_str(), "id" | "revision" | "updated_at" | "created_at")
                || before.get(k).is_none_or(|b| b == now)
                || !done.insert(k.clone())
            {
                continue;
            }
            errs.push(match shown(now) {
                Some(v) => FieldError::new(k, "common.changed_meanwhile").with(v),
                None => FieldError::new(k, "common.changed_meanwhile_hidden"),
            });
        }
    }
    Ok(AppError::Invalid(errs))
}

#[derive(sea_orm::FromQueryResult)]
struct Name {
    name: String,
}

/// A value as the message quotes it: text (clipped), a number, yes or no; none for what the
/// log keeps hidden (personal fields) or for lists and objects.
fn shown(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) if s.starts_with("[personal") => None,
        serde_json::Value::String(s) => {
            let n = s.chars().count();
            Some(if n > 60 {
                format!("{}…", s.chars().take(60).collect::<String>())
            } else {
                s.clone()
            })
        }
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(if *b { "✓" } else { "✗" }.into()),
        serde_json::Value::Null => Some("—".into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_and_values() {
        assert_eq!(base("").unwrap(), None);
        assert_eq!(base(" 7 ").unwrap(), Some(7));
        assert!(base("x").is_err());
        assert_eq!(shown(&serde_json::json!("[personal, changed]")), None);
        assert_eq!(shown(&serde_json::json!(3)).as_deref(), Some("3"));
        assert_eq!(
            shown(&serde_json::json!("a".repeat(70)))
                .unwrap()
                .chars()
                .count(),
            61
        );
    }
}
