//! Open recruitment (公开招聘): a round with its posts and their conditions (education, age
//! limit on the closing day), applicants with their written and interview scores, the
//! ranking by the weighted total, and the hire that makes an applicant a worker of the post's
//! unit. Applicants' data is the district's alone: every function here is for the district
//! admin, and the pages say so in their guard.

use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Constraint, FieldError, Result};
use crate::platform::http::form::Parse;
use crate::platform::personal::{IdCard, Personal};
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::rules::{self, Conditions, Education, Post};
use crate::workers::store::{self, WorkerInput};

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Round {
    pub id: i64,
    pub title: String,
    pub closes_on: NaiveDate,
    pub written_pct: i32,
    pub posts: i64,
    pub applicants: i64,
    pub hired: i64,
}

const ROUND: &str = "SELECT r.id, r.title, r.closes_on, r.written_pct, \
    (SELECT COUNT(*) FROM recruitment_posts p WHERE p.round_id = r.id) AS posts, \
    (SELECT COUNT(*) FROM recruitment_applicants a JOIN recruitment_posts p ON p.id = a.post_id \
      WHERE p.round_id = r.id) AS applicants, \
    (SELECT COUNT(*) FROM recruitment_applicants a JOIN recruitment_posts p ON p.id = a.post_id \
      WHERE p.round_id = r.id AND a.worker_id IS NOT NULL) AS hired \
    FROM recruitment_rounds r";

pub async fn rounds(db: &Db) -> Result<Vec<Round>> {
    db::all(
        &db.conn,
        &format!("{ROUND} ORDER BY r.closes_on DESC, r.id DESC"),
        vals![],
    )
    .await
}

pub async fn round(db: &Db, id: i64) -> Result<Round> {
    db::one(&db.conn, &format!("{ROUND} WHERE r.id = ?"), vals![id])
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RoundInput {
    pub title: String,
    pub closes_on: String,
    pub written_pct: String,
}

const ROUND_UNIQUE: &[Constraint] = &[Constraint::unique(
    "recruitment_rounds",
    &["title"],
    "title",
    "workers.recruitment.title_taken",
)];

pub async fn create_round(db: &Db, u: &CurrentUser, i: &RoundInput) -> Result<i64> {
    let mut check = Parse::default();
    let title = check.text("title", &i.title, 80);
    let closes_on = check.required_date("closes_on", &i.closes_on);
    let written_pct = check.between("written_pct", &i.written_pct, 0, 100);
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO recruitment_rounds (title, closes_on, written_pct, created_at) \
         VALUES (?, ?, ?, ?) RETURNING id",
        vals![title.clone(), closes_on, written_pct, tx.clock().now()],
    )
    .await;
    let id = match id {
        Ok(Some(id)) => id,
        Ok(None) => return Err(AppError::Internal(anyhow::anyhow!("no id returned"))),
        Err(e) => {
            tx.rollback().await?;
            return Err(e.on_constraint(ROUND_UNIQUE));
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "recruitment_round",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"title": title, "closes_on": closes_on, "written_pct": written_pct})),
    )
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct PostRow {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub post: String,
    pub places: i32,
    pub min_education: String,
    pub max_age: i32,
}

pub async fn posts(db: &Db, round: i64) -> Result<Vec<PostRow>> {
    db::all(
        &db.conn,
        "SELECT p.id, p.unit_code, c.name AS unit_name, p.post, p.places, p.min_education, \
         p.max_age FROM recruitment_posts p JOIN divisions c ON c.code = p.unit_code \
         WHERE p.round_id = ? ORDER BY p.id",
        vals![round],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct PostInput {
    pub unit: String,
    pub post: String,
    pub places: String,
    pub min_education: String,
    pub max_age: String,
}

pub async fn add_post(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round_id: i64,
    i: &PostInput,
) -> Result<i64> {
    let r = round(db, round_id).await?;
    let mut check = Parse::default();
    let units = store::writable_units(db, district, u).await?;
    if !units.iter().any(|(c, _)| *c == i.unit) {
        check
            .errs
            .push(FieldError::new("unit", "common.bad_choice"));
    }
    let post = Post::parse(i.post.trim()).map(Post::key);
    if post.is_none() {
        check
            .errs
            .push(FieldError::new("post", "common.bad_choice"));
    }
    let places = check.between("places", &i.places, 1, 100);
    let min_education = Education::parse(i.min_education.trim()).map(Education::key);
    if min_education.is_none() {
        check
            .errs
            .push(FieldError::new("min_education", "common.bad_choice"));
    }
    let max_age = check.between("max_age", &i.max_age, 16, 70);
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO recruitment_posts (round_id, unit_code, post, places, min_education, \
         max_age) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        vals![r.id, i.unit.clone(), post, places, min_education, max_age],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "recruitment_post",
        &format!("{}/{id}", r.id),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(id)
}

/// An applicant with their scores and, once ranked, their total and place.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Applicant {
    pub id: i64,
    pub post_id: i64,
    pub name: String,
    #[schema(value_type = String)]
    pub id_number: Personal<IdCard>,
    pub education: String,
    pub major: String,
    pub experience: String,
    pub written_x10: Option<i32>,
    pub interview_x10: Option<i32>,
    pub worker_id: Option<i64>,
}

pub async fn applicants(db: &Db, round: i64) -> Result<Vec<Applicant>> {
    db::all(
        &db.conn,
        "SELECT a.id, a.post_id, a.name, a.id_number, a.education, a.major, a.experience, \
         a.written_x10, a.interview_x10, a.worker_id FROM recruitment_applicants a \
         JOIN recruitment_posts p ON p.id = a.post_id WHERE p.round_id = ? ORDER BY a.id",
        vals![round],
    )
    .await
}

/// An applicant placed: eligible or the condition missed, the total (hundredths of a point)
/// and the rank among the post's eligible applicants with both scores.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Ranked {
    pub applicant: Applicant,
    /// The condition missed (a message key), if any.
    pub ineligible: Option<String>,
    pub total_x100: Option<u32>,
    pub rank: Option<usize>,
    /// Ranked within the post's places.
    pub within_places: bool,
}

/// Rank a post's applicants: those meeting the conditions on the closing day and scored in
/// both tests, by the weighted total.
pub fn rank(post: &PostRow, round: &Round, applicants: &[Applicant]) -> Vec<Ranked> {
    let conditions = Conditions {
        min_education: Education::parse(&post.min_education).unwrap_or(Education::Junior),
        max_age: post.max_age.max(0) as u32,
    };
    let mut out: Vec<Ranked> = applicants
        .iter()
        .filter(|a| a.post_id == post.id)
        .map(|a| {
            let age = rules::identity(a.id_number.expose())
                .map(|(birth, _)| rules::age_on(birth, round.closes_on))
                .unwrap_or(0);
            let education = Education::parse(&a.education).unwrap_or(Education::Junior);
            let ineligible = conditions.admits(education, age).err().map(str::to_string);
            let total = match (a.written_x10, a.interview_x10, &ineligible) {
                (Some(w), Some(i), None) => rules::weighted_total(
                    w.max(0) as u32,
                    i.max(0) as u32,
                    round.written_pct.max(0) as u32,
                )
                .ok(),
                _ => None,
            };
            Ranked {
                applicant: a.clone(),
                ineligible,
                total_x100: total,
                rank: None,
                within_places: false,
            }
        })
        .collect();
    let totals: Vec<(usize, u32)> = out
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.total_x100.map(|t| (i, t)))
        .collect();
    for (i, _, place) in rules::rank(&totals) {
        out[i].rank = Some(place);
        out[i].within_places = place <= post.places.max(0) as usize;
    }
    out.sort_by_key(|r| (r.rank.is_none(), r.rank, r.applicant.id));
    out
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ApplicantInput {
    pub post: String,
    pub name: String,
    pub id_number: String,
    pub education: String,
    pub major: String,
    pub experience: String,
}

const APPLICANT_UNIQUE: &[Constraint] = &[Constraint::unique(
    "recruitment_applicants",
    &["post_id", "id_number"],
    "id_number",
    "workers.recruitment.applied_already",
)];

pub async fn add_applicant(
    db: &Db,
    u: &CurrentUser,
    round_id: i64,
    i: &ApplicantInput,
) -> Result<i64> {
    let r = round(db, round_id).await?;
    let ps = posts(db, r.id).await?;
    let mut check = Parse::default();
    let post = i
        .post
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|p| ps.iter().any(|x| x.id == *p));
    if post.is_none() {
        check
            .errs
            .push(FieldError::new("post", "common.bad_choice"));
    }
    let name = check.text("name", &i.name, 40);
    let id_number = i.id_number.trim().to_ascii_uppercase();
    if let Err(k) = rules::identity(&id_number) {
        check.errs.push(FieldError::new("id_number", k));
    }
    let education = Education::parse(i.education.trim()).map(Education::key);
    if education.is_none() {
        check
            .errs
            .push(FieldError::new("education", "common.bad_choice"));
    }
    let (major, experience) = (i.major.trim().to_string(), i.experience.trim().to_string());
    for (field, v, max) in [("major", &major, 60), ("experience", &experience, 500)] {
        if v.chars().count() > max {
            check
                .errs
                .push(FieldError::new(field, "common.too_long").with(max));
        }
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO recruitment_applicants (post_id, name, id_number, education, major, \
         experience, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            post,
            name.clone(),
            id_number,
            education,
            major,
            experience,
            tx.clock().now()
        ],
    )
    .await;
    let id = match id {
        Ok(Some(id)) => id,
        Ok(None) => return Err(AppError::Internal(anyhow::anyhow!("no id returned"))),
        Err(e) => {
            tx.rollback().await?;
            return Err(e.on_constraint(APPLICANT_UNIQUE));
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "recruitment_applicant",
        &format!("{}/{id}", r.id),
        None::<&()>,
        Some(&serde_json::json!({ "post": post, "name": name })),
    )
    .await?;
    Ok(id)
}

/// Scores typed as points with one decimal ("86.5"): tenths, 0 to 100 points.
fn tenths(check: &mut Parse, field: &str, v: &str) -> Option<i64> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    let parsed = v.split_once('.').map_or_else(
        || v.parse::<i64>().ok().and_then(|p| p.checked_mul(10)),
        |(p, d)| match (p.parse::<i64>(), d.len(), d.parse::<i64>()) {
            (Ok(p), 1, Ok(d)) => p.checked_mul(10).and_then(|t| t.checked_add(d)),
            _ => None,
        },
    );
    match parsed.filter(|t| (0..=1000).contains(t)) {
        Some(t) => Some(t),
        None => {
            check
                .errs
                .push(FieldError::new(field, "workers.recruitment.bad_score"));
            None
        }
    }
}

/// Record the scores of a round's applicants, as typed (`written_{id}`, `interview_{id}`);
/// an empty box leaves a score unset. Returns how many applicants' scores were written.
pub async fn record_scores(
    db: &Db,
    u: &CurrentUser,
    round_id: i64,
    scores: &[(i64, String, String)],
) -> Result<usize> {
    let r = round(db, round_id).await?;
    let known = applicants(db, r.id).await?;
    let mut check = Parse::default();
    let mut rows = vec![];
    for (a, w, i) in scores {
        let Some(before) = known.iter().find(|x| x.id == *a) else {
            continue;
        };
        let written = tenths(&mut check, &format!("written_{a}"), w);
        let interview = tenths(&mut check, &format!("interview_{a}"), i);
        if written != before.written_x10.map(i64::from)
            || interview != before.interview_x10.map(i64::from)
        {
            rows.push((*a, written, interview));
        }
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    for (a, w, i) in &rows {
        db::exec(
            &tx,
            "UPDATE recruitment_applicants SET written_x10 = ?, interview_x10 = ? WHERE id = ?",
            vals![*w, *i, *a],
        )
        .await?;
    }
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "recruitment_scores",
        &r.id.to_string(),
        None::<&()>,
        Some(&rows),
    )
    .await?;
    Ok(rows.len())
}

/// Hire an applicant ranked within the post's places: a worker record of the post's unit
/// from the day given, full-time, and the applicant linked to it - both or neither.
pub async fn hire(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    round_id: i64,
    applicant: i64,
    start_on: &str,
) -> Result<i64> {
    let r = round(db, round_id).await?;
    let ps = posts(db, r.id).await?;
    let all = applicants(db, r.id).await?;
    let a = all
        .iter()
        .find(|a| a.id == applicant)
        .ok_or(AppError::NotFound)?;
    if a.worker_id.is_some() {
        return Err(AppError::invalid(
            "start_on",
            "workers.recruitment.hired_already",
        ));
    }
    let post = ps
        .iter()
        .find(|p| p.id == a.post_id)
        .ok_or(AppError::NotFound)?;
    let placed = rank(post, &r, &all)
        .into_iter()
        .find(|x| x.applicant.id == a.id)
        .is_some_and(|x| x.within_places);
    if !placed {
        return Err(AppError::invalid(
            "start_on",
            "workers.recruitment.not_within_places",
        ));
    }
    let input = WorkerInput {
        unit: post.unit_code.clone(),
        name: a.name.clone(),
        id_number: a.id_number.expose().to_string(),
        education: a.education.clone(),
        political: "masses".into(),
        post: post.post.clone(),
        employment: "full_time".into(),
        start_on: start_on.to_string(),
        ..Default::default()
    };
    let tx = db.write_tx().await?;
    let hired = async {
        let wid = store::register_in(db, &tx, district, u, &input).await?;
        db::exec(
            &tx,
            "UPDATE recruitment_applicants SET worker_id = ? WHERE id = ?",
            vals![wid, a.id],
        )
        .await?;
        Ok::<_, AppError>(wid)
    }
    .await;
    let wid = match hired {
        Ok(w) => w,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "recruitment_applicant",
        &format!("{}/{}", r.id, a.id),
        None::<&()>,
        Some(&serde_json::json!({ "worker_id": wid })),
    )
    .await?;
    Ok(wid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_read_in_tenths() {
        let mut c = Parse::default();
        assert_eq!(tenths(&mut c, "w", "86.5"), Some(865));
        assert_eq!(tenths(&mut c, "w", "90"), Some(900));
        assert_eq!(tenths(&mut c, "w", ""), None);
        assert!(c.errs.is_empty());
        for bad in [
            "100.5",
            "86.55",
            "-1",
            "八十",
            "1e3",
            "9223372036854775807",
            "922337203685477580.7",
        ] {
            let mut c = Parse::default();
            assert_eq!(tenths(&mut c, "w", bad), None, "{bad}");
            assert_eq!(c.errs.len(), 1, "{bad}");
        }
    }
}
