//! Proposals from residents, representatives and topics raised: received, answered in
//! public, implemented or declined, with the figures the district reports.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::Scope;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::time::parse_date;
use crate::platform::types::DivisionCode;
use crate::selfgov::meetings::representatives::representatives;
use crate::selfgov::proposals::rules;
use crate::selfgov::proposals::rules::ProposalStatus;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::in_scope;
use crate::selfgov::store::live_community;
use crate::vals;
use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use sea_orm::Value;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ proposals

#[derive(Clone, Debug, FromQueryResult)]
pub struct Proposal {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub source: String,
    pub author: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub meeting_id: Option<i64>,
    pub meeting_title: Option<String>,
    pub answer: String,
    pub reason: String,
    pub received_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub implemented_on: Option<NaiveDate>,
}

impl Proposal {
    pub fn status(&self) -> ProposalStatus {
        parse_status(&self.status).unwrap_or(ProposalStatus::Received)
    }
    /// The proposer's name as the public sees it (`张*三`).
    pub fn author_masked(&self) -> String {
        crate::platform::types::mask_name(&self.author)
    }
    /// Days from receipt to the answer.
    pub fn response_days(&self) -> Option<i64> {
        self.answered_on.map(|a| (a - self.received_on).num_days())
    }
    pub fn next_steps(&self) -> Vec<&'static str> {
        use ProposalStatus::*;
        match self.status() {
            Received => vec!["under_study", "adopted", "partly_adopted", "not_adopted"],
            UnderStudy => vec!["adopted", "partly_adopted", "not_adopted"],
            Adopted | PartlyAdopted => vec!["implemented"],
            NotAdopted | Implemented => vec![],
        }
    }
}

pub fn parse_status(s: &str) -> Option<ProposalStatus> {
    use ProposalStatus::*;
    [
        Received,
        UnderStudy,
        Adopted,
        PartlyAdopted,
        NotAdopted,
        Implemented,
    ]
    .into_iter()
    .find(|x| x.key() == s)
}

const PROPOSAL_SELECT: &str = "SELECT p.id, p.community_code, d.name AS community_name, p.source, \
    p.author, p.title, p.body, p.status, p.meeting_id, m.title AS meeting_title, p.answer, \
    p.reason, p.received_on, p.answered_on, p.implemented_on \
    FROM proposals p JOIN divisions d ON d.code = p.community_code \
    LEFT JOIN meetings m ON m.id = p.meeting_id";

pub async fn proposals(
    db: &Db,
    cond: (String, Vec<Value>),
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<Proposal>> {
    let (c, mut v) = cond;
    let s = match status {
        Some(s) => {
            v.push(s.into());
            "AND p.status = ?"
        }
        None => "",
    };
    db::all(
        &db.conn,
        &format!(
            "{PROPOSAL_SELECT} WHERE {c} {s} ORDER BY p.received_on DESC, p.id DESC LIMIT {limit}"
        ),
        v,
    )
    .await
}

pub async fn proposal(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<Proposal> {
    let p: Proposal = db::one(
        &db.conn,
        &format!("{PROPOSAL_SELECT} WHERE p.id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !in_scope(scope, district, &p.community_code) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProposalInput {
    pub source: String,
    pub author: String,
    pub title: String,
    pub body: String,
    pub received_on: String,
    pub representative_id: String,
}

pub async fn create_proposal(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &ProposalInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut check = Parse::default();
    if !["resident", "representative", "topic"].contains(&i.source.as_str()) {
        check
            .errs
            .push(FieldError::new("source", "selfgov.bad_choice"));
    }
    let author = check.text("author", &i.author, 60);
    let title = check.text("title", &i.title, 100);
    let received = match i.received_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    match received {
        None => check
            .errs
            .push(FieldError::new("received_on", "selfgov.bad_date")),
        Some(d) if d > db.clock().today() => check
            .errs
            .push(FieldError::new("received_on", "selfgov.future_date")),
        _ => {}
    }
    let rep = check.choice("representative_id", &i.representative_id);
    if let Some(r) = rep
        && !representatives(db, &code).await?.iter().any(|x| x.id == r)
    {
        check
            .errs
            .push(FieldError::new("representative_id", "selfgov.bad_choice"));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO proposals (community_code, source, author, representative_id, title, body, \
         status, received_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?) RETURNING id",
        vals![
            code,
            i.source.clone(),
            author,
            rep,
            title,
            i.body.trim(),
            received,
            db.clock().now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "proposal",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProposalStep {
    pub to: String,
    pub answer: String,
    pub reason: String,
    pub meeting_id: String,
}

pub async fn step_proposal(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    i: &ProposalStep,
) -> Result<()> {
    let p = proposal(db, district, &u.scope, id).await?;
    check_writer(u, &p.community_code)?;
    let mut check = Parse::default();
    let Some(to) = parse_status(&i.to) else {
        return Err(AppError::invalid("to", "selfgov.bad_choice"));
    };
    let meeting_id = check.choice("meeting_id", &i.meeting_id);
    if let Some(m) = meeting_id {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM meetings WHERE id = ? AND community_code = ?",
            vals![m, p.community_code.clone()],
        )
        .await?;
        if ok.is_none() {
            check
                .errs
                .push(FieldError::new("meeting_id", "selfgov.bad_choice"));
        }
    }
    let given = if to == ProposalStatus::NotAdopted {
        &i.reason
    } else {
        &i.answer
    };
    if let Err(k) = rules::proposal_step(p.status(), to, given) {
        let field = match k {
            "selfgov.reason_required" => "reason",
            "selfgov.answer_required" => "answer",
            _ => "to",
        };
        check.errs.push(FieldError::new(field, k));
    }
    check.finish()?;
    let (answer, reason) = match to {
        ProposalStatus::NotAdopted => (
            if i.answer.trim().is_empty() {
                i.reason.trim().to_string()
            } else {
                i.answer.trim().to_string()
            },
            i.reason.trim().to_string(),
        ),
        ProposalStatus::Adopted | ProposalStatus::PartlyAdopted => {
            (i.answer.trim().to_string(), String::new())
        }
        // implementation may add to the answer; under study keeps it empty
        ProposalStatus::Implemented if !i.answer.trim().is_empty() => {
            (i.answer.trim().to_string(), p.reason.clone())
        }
        _ => (p.answer.clone(), p.reason.clone()),
    };
    let answered_on = if to.answered() {
        p.answered_on.or(Some(db.clock().today()))
    } else {
        None
    };
    let implemented_on = (to == ProposalStatus::Implemented).then(|| db.clock().today());
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE proposals SET status = ?, answer = ?, reason = ?, answered_on = ?, \
         implemented_on = ?, meeting_id = COALESCE(?, meeting_id), updated_at = ? WHERE id = ?",
        vals![
            to.key(),
            answer.clone(),
            reason.clone(),
            answered_on,
            implemented_on,
            meeting_id,
            db.clock().now(),
            id
        ],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "status",
        "proposal",
        &id.to_string(),
        Some(&serde_json::json!({"status": p.status, "answer": p.answer})),
        Some(&serde_json::json!({"status": to.key(), "answer": answer, "reason": reason, "meeting_id": meeting_id})),
    )
    .await?;
    Ok(())
}

/// Proposals of a community: counts by status and the response times (receipt to answer).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, FromQueryResult)]
pub struct ProposalStats {
    pub community_code: String,
    pub community_name: String,
    pub total: i64,
    pub open: i64,
    pub adopted: i64,
    pub not_adopted: i64,
    pub implemented: i64,
    pub answered: i64,
    /// total days from receipt to answer, over the answered ones
    pub response_days: i64,
    pub slowest_days: Option<i64>,
}

impl ProposalStats {
    pub fn mean_days(&self) -> String {
        if self.answered == 0 {
            "—".into()
        } else {
            format!("{:.1}", self.response_days as f64 / self.answered as f64)
        }
    }
}

pub async fn proposal_stats(
    db: &Db,
    cond: (String, Vec<Value>),
    year: i32,
) -> Result<Vec<ProposalStats>> {
    let (c, mut v) = cond;
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
    v.push(from.into());
    v.push(to.into());
    let days = if db.is_sqlite() {
        "CAST(julianday(p.answered_on) - julianday(p.received_on) AS BIGINT)"
    } else {
        "CAST(p.answered_on - p.received_on AS BIGINT)"
    };
    db::all(
        &db.conn,
        &format!(
            "SELECT p.community_code, d.name AS community_name, CAST(COUNT(*) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN p.status IN ('received', 'under_study') THEN 1 ELSE 0 END) AS BIGINT) AS open, \
             CAST(SUM(CASE WHEN p.status IN ('adopted', 'partly_adopted', 'implemented') THEN 1 ELSE 0 END) AS BIGINT) AS adopted, \
             CAST(SUM(CASE WHEN p.status = 'not_adopted' THEN 1 ELSE 0 END) AS BIGINT) AS not_adopted, \
             CAST(SUM(CASE WHEN p.status = 'implemented' THEN 1 ELSE 0 END) AS BIGINT) AS implemented, \
             CAST(COUNT(p.answered_on) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM({days}), 0) AS BIGINT) AS response_days, \
             CAST(MAX({days}) AS BIGINT) AS slowest_days \
             FROM proposals p JOIN divisions d ON d.code = p.community_code \
             WHERE {c} AND p.received_on >= ? AND p.received_on < ? \
             GROUP BY p.community_code, d.name ORDER BY p.community_code"
        ),
        v,
    )
    .await
}
