//! Certificates on a worker's record (助理社会工作师, 社会工作师, 高级社会工作师, and others kept
//! as data), and the headline measure they make: the communities with a certified social
//! worker serving in them on a day, out of all the territory's communities.

use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::geo::store::community_scope_sql;
use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Constraint, FieldError, Result};
use crate::platform::http::form::Parse;
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::rules::{self, CertificateLevel};
use crate::workers::store::{Worker, choice, load, may_write};

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CertificateRow {
    pub id: i64,
    pub level: String,
    pub number: String,
    pub obtained_on: NaiveDate,
    pub registered_until: Option<NaiveDate>,
}

impl CertificateRow {
    pub fn rule(&self) -> rules::Certificate {
        rules::Certificate {
            level: CertificateLevel::parse(&self.level).unwrap_or(CertificateLevel::Other),
            obtained_on: self.obtained_on,
            registered_until: self.registered_until,
        }
    }
}

pub async fn certificates(db: &Db, worker: &Worker) -> Result<Vec<CertificateRow>> {
    db::all(
        &db.conn,
        "SELECT id, level, number, obtained_on, registered_until FROM worker_certificates \
         WHERE worker_id = ? ORDER BY obtained_on DESC, id DESC",
        vals![worker.id],
    )
    .await
}

/// A certificate as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CertificateInput {
    pub level: String,
    pub number: String,
    pub obtained_on: String,
    pub registered_until: String,
}

const CERT_UNIQUE: &[Constraint] = &[Constraint::unique(
    "worker_certificates",
    &["level", "number"],
    "number",
    "workers.certificate_taken",
)];

/// Record a certificate on a worker's record (those who keep the worker's unit).
pub async fn add_certificate(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    i: &CertificateInput,
) -> Result<i64> {
    let today = db.clock().today();
    let w = load(db, district, u, id, today).await?;
    if !may_write(u, &w.unit_code) {
        return Err(AppError::Forbidden);
    }
    let mut check = Parse::default();
    let level = choice(
        &mut check,
        "level",
        &i.level,
        CertificateLevel::parse,
        CertificateLevel::key,
    );
    let number = check.text("number", &i.number, 40);
    let obtained_on = check.required_date("obtained_on", &i.obtained_on);
    if obtained_on > today {
        check
            .errs
            .push(FieldError::new("obtained_on", "common.not_after_today"));
    }
    let until = check.date("registered_until", &i.registered_until);
    if until.is_some_and(|u| u < obtained_on) {
        check.errs.push(FieldError::new(
            "registered_until",
            "workers.registered_before_obtained",
        ));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let cid = db::scalar(
        &tx,
        "INSERT INTO worker_certificates (worker_id, level, number, obtained_on, registered_until) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![id, level, number.clone(), obtained_on, until],
    )
    .await
    .map_err(|e| e.on_constraint(CERT_UNIQUE));
    let cid = match cid {
        Ok(Some(c)) => c,
        Ok(None) => return Err(AppError::Internal(anyhow::anyhow!("no id returned"))),
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "worker_certificate",
        &format!("{id}/{cid}"),
        None::<&()>,
        Some(&serde_json::json!({
            "level": level, "number": number, "obtained_on": obtained_on, "registered_until": until
        })),
    )
    .await?;
    Ok(cid)
}

/// The certified-social-worker coverage of the communities in `u`'s territory on `on`: the
/// count and the communities still without one (code, name), in code order.
pub async fn coverage(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    on: NaiveDate,
) -> Result<(rules::Coverage, Vec<(String, String)>)> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let communities: Vec<(String, String)> = db::all_json(
        &db.conn,
        &["code", "name"],
        &format!(
            "SELECT c.code, c.name FROM divisions c WHERE {scope} AND c.level = 5 \
             AND c.merged_into IS NULL ORDER BY c.code"
        ),
        v,
    )
    .await?;
    let certified: Vec<(String,)> = db::all_json(
        &db.conn,
        &["unit_code"],
        "SELECT DISTINCT p.unit_code FROM worker_periods p JOIN worker_certificates x \
         ON x.worker_id = p.worker_id WHERE p.start_on <= ? AND (p.end_on IS NULL OR p.end_on >= ?) \
         AND x.level <> 'other' AND x.obtained_on <= ? \
         AND (x.registered_until IS NULL OR x.registered_until >= ?)",
        vals![on, on, on, on],
    )
    .await?;
    let certified: std::collections::HashSet<&str> =
        certified.iter().map(|(c,)| c.as_str()).collect();
    let codes: Vec<&str> = communities.iter().map(|(c, _)| c.as_str()).collect();
    let (count, without) = rules::coverage(&codes, &certified);
    let names: std::collections::HashMap<&str, &str> = communities
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    let without = without
        .into_iter()
        .map(|c| {
            (
                c.to_string(),
                names.get(c).copied().unwrap_or_default().to_string(),
            )
        })
        .collect();
    Ok((count, without))
}
