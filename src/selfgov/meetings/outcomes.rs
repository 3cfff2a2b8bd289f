//! What a meeting decided and what follows: resolutions with their votes (the majority rule)
//! and the tasks that carry them out, each with an owner and a due date.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::time::parse_date;
use crate::platform::types::DivisionCode;
use crate::selfgov::common::*;
use crate::selfgov::meetings::rules;
use crate::selfgov::meetings::rules::Votes;
use crate::selfgov::meetings::store::{Meeting, meeting, topics};
use crate::vals;
use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ resolutions and tasks

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Resolution {
    pub id: i64,
    pub meeting_id: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub passed: bool,
}

pub async fn resolutions(db: &Db, meeting: &Meeting) -> Result<Vec<Resolution>> {
    db::all(
        &db.conn,
        "SELECT id, meeting_id, topic_id, text, votes_for, votes_against, abstentions, passed \
         FROM resolutions WHERE meeting_id = ? ORDER BY id",
        vals![meeting.id],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ResolutionInput {
    pub topic_id: String,
    pub text: String,
    pub votes_for: String,
    pub votes_against: String,
    pub abstentions: String,
    /// what the minutes say: "passed", "failed", or empty to let the votes decide
    pub outcome: String,
}

/// Record a resolution after the roll call: the outcome follows the votes and the quorum,
/// and minutes that say otherwise are refused.
pub async fn record_resolution(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    i: &ResolutionInput,
) -> Result<(i64, bool)> {
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let mut check = Parse::default();
    let text_ = check.text("text", &i.text, 2000);
    let votes = Votes {
        for_: check.count("votes_for", &i.votes_for),
        against: check.count("votes_against", &i.votes_against),
        abstain: check.count("abstentions", &i.abstentions),
    };
    let topic_id = check.choice("topic_id", &i.topic_id);
    if let Some(t) = topic_id
        && !topics(db, &m).await?.iter().any(|x| x.id == t)
    {
        check
            .errs
            .push(FieldError::new("topic_id", "selfgov.bad_choice"));
    }
    let claimed = match i.outcome.as_str() {
        "passed" => Some(true),
        "failed" => Some(false),
        "" => None,
        _ => {
            check
                .errs
                .push(FieldError::new("outcome", "selfgov.bad_choice"));
            None
        }
    };
    let Some(present) = m.present else {
        check
            .errs
            .push(FieldError::new("votes_for", "selfgov.attendance_first"));
        return Err(AppError::Invalid(check.errs));
    };
    check.finish()?;
    let passed = rules::resolution(
        m.kind(),
        votes,
        present as u32,
        m.list_size.unwrap_or(0) as u32,
        claimed,
    )
    .map_err(|k| {
        let field = if k == "selfgov.votes_exceed_attendance" {
            "votes_for"
        } else {
            "outcome"
        };
        AppError::Invalid(vec![
            FieldError::new(field, k)
                .with(present)
                .with(m.list_size.unwrap_or(0)),
        ])
    })?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO resolutions (meeting_id, topic_id, text, votes_for, votes_against, \
         abstentions, passed, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            meeting_id,
            topic_id,
            text_,
            i64::from(votes.for_),
            i64::from(votes.against),
            i64::from(votes.abstain),
            passed,
            db.clock().now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "resolve",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"resolution": id, "votes": votes, "passed": passed})),
    )
    .await?;
    Ok((id, passed))
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub meeting_id: i64,
    pub resolution_id: Option<i64>,
    pub description: String,
    pub owner: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

impl Task {
    pub fn overdue(&self, today: &NaiveDate) -> bool {
        self.done_on.is_none() && self.due_on < *today
    }
}

pub async fn tasks(db: &Db, meeting: &Meeting) -> Result<Vec<Task>> {
    db::all(
        &db.conn,
        "SELECT id, meeting_id, resolution_id, description, owner, due_on, done_on \
         FROM meeting_tasks WHERE meeting_id = ? ORDER BY due_on, id",
        vals![meeting.id],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskInput {
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub resolution_id: String,
}

pub async fn add_task(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    i: &TaskInput,
) -> Result<i64> {
    let (description, owner, due_on, resolution_id) =
        (&i.description, &i.owner, &i.due_on, &i.resolution_id);
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let mut check = Parse::default();
    let description = check.text("description", description, 500);
    let owner = check.text("owner", owner, 60);
    let due = parse_date(due_on);
    if due.is_none() {
        check
            .errs
            .push(FieldError::new("due_on", "selfgov.bad_date"));
    }
    let resolution_id = check.choice("resolution_id", resolution_id);
    if let Some(r) = resolution_id
        && !resolutions(db, &m).await?.iter().any(|x| x.id == r)
    {
        check
            .errs
            .push(FieldError::new("resolution_id", "selfgov.bad_choice"));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO meeting_tasks (meeting_id, resolution_id, description, owner, due_on) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![
            meeting_id,
            resolution_id,
            description.clone(),
            owner.clone(),
            due
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"task": id, "description": description, "owner": owner, "due_on": due})),
    )
    .await?;
    Ok(id)
}

pub async fn finish_task(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    task_id: i64,
) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct T {
        meeting_id: i64,
        done_on: Option<NaiveDate>,
    }
    let t: T = db::one(
        &db.conn,
        "SELECT meeting_id, done_on FROM meeting_tasks WHERE id = ?",
        vals![task_id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let m = meeting(db, district, &u.scope, t.meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    if t.done_on.is_some() {
        return Err(AppError::invalid("task", "selfgov.already_done"));
    }
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE meeting_tasks SET done_on = ? WHERE id = ?",
        vals![db.clock().today(), task_id],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "complete",
        "meeting",
        &m.id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"task": task_id})),
    )
    .await?;
    Ok(m.id)
}
