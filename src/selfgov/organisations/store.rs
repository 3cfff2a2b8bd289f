//! Civil organisations (社区社会组织): registered or filed, their members and leaders, the
//! town's review.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::Role;
use crate::platform::auth::Scope;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::revision;
use crate::platform::time::parse_date;
use crate::platform::types::DivisionCode;
use crate::selfgov::organisations::rules;
use crate::selfgov::organisations::rules::Standing;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::code_scope;
use crate::selfgov::store::in_scope;
use crate::selfgov::store::live_community;
use crate::vals;
use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ organisations

pub const ORG_KINDS: [&str; 7] = [
    "economic",
    "charity",
    "social_service",
    "culture_sports",
    "elderly",
    "volunteer",
    "other",
];

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: Option<String>,
    pub certificate_no: Option<String>,
    pub founded_on: NaiveDate,
    pub leader: String,
    pub members: i64,
    pub status: String,
    /// Raised by each save (platform::revision).
    pub revision: i64,
    pub last_review_year: Option<i32>,
    pub last_review: Option<String>,
    pub volunteers: i64,
}

const ORG_SELECT: &str = "SELECT o.id, o.community_code, d.name AS community_name, o.name, \
    o.kind, o.standing, o.credit_code, o.certificate_no, o.founded_on, o.leader, o.members, \
    o.status, o.revision, r.year AS last_review_year, r.result AS last_review, \
    (SELECT COUNT(*) FROM volunteers v WHERE v.organisation_id = o.id) AS volunteers \
    FROM organisations o JOIN divisions d ON d.code = o.community_code \
    LEFT JOIN organisation_reviews r ON r.organisation_id = o.id AND r.year = \
      (SELECT MAX(year) FROM organisation_reviews x WHERE x.organisation_id = o.id)";

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct OrgQuery {
    pub community: Option<String>,
    pub kind: Option<String>,
    pub standing: Option<String>,
    pub status: Option<String>,
}

pub async fn organisations(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    q: &OrgQuery,
) -> Result<Vec<Organisation>> {
    let (c, mut v) = code_scope(scope, district, "o.community_code");
    let mut cond = c;
    for (col, val) in [
        ("o.community_code", &q.community),
        ("o.kind", &q.kind),
        ("o.standing", &q.standing),
        ("o.status", &q.status),
    ] {
        if let Some(x) = val.as_deref().filter(|x| !x.is_empty()) {
            cond.push_str(&format!(" AND {col} = ?"));
            v.push(x.into());
        }
    }
    db::all(
        &db.conn,
        &format!(
            "{ORG_SELECT} WHERE {cond} ORDER BY o.standing DESC, o.community_code, o.name, o.id"
        ),
        v,
    )
    .await
}

/// How many organisations in scope are registered and how many filed.
pub async fn standing_counts(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<(i64, i64)> {
    let (c, v) = code_scope(scope, district, "o.community_code");
    let count = |standing: &'static str| {
        let mut v = v.clone();
        v.push(standing.into());
        let sql = format!("SELECT COUNT(*) FROM organisations o WHERE {c} AND o.standing = ?");
        async move { db::scalar(&db.conn, &sql, v).await }
    };
    Ok((
        count("registered").await?.unwrap_or(0),
        count("filed").await?.unwrap_or(0),
    ))
}

pub async fn organisation(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<Organisation> {
    let o: Organisation = db::one(&db.conn, &format!("{ORG_SELECT} WHERE o.id = ?"), vals![id])
        .await?
        .ok_or(AppError::NotFound)?;
    if !in_scope(scope, district, &o.community_code) {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrgInput {
    pub community: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: String,
    pub certificate_no: String,
    pub founded_on: String,
    pub leader: String,
    pub members: String,
    pub status: String,
    /// The revision the form was opened at.
    pub revision: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgSave {
    pub community: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: Option<String>,
    pub certificate_no: Option<String>,
    pub founded_on: NaiveDate,
    pub leader: String,
    pub members: i64,
    pub status: String,
}

/// The organisation form checked (`today` bounds the founding date).
pub fn check_org(i: &OrgInput, today: NaiveDate) -> Result<OrgSave> {
    let mut check = Parse::default();
    let name = check.text("name", &i.name, 100);
    if !ORG_KINDS.contains(&i.kind.as_str()) {
        check
            .errs
            .push(FieldError::new("kind", "selfgov.bad_choice"));
    }
    let standing = match i.standing.as_str() {
        "registered" => Some(Standing::Registered),
        "filed" => Some(Standing::Filed),
        _ => {
            check
                .errs
                .push(FieldError::new("standing", "selfgov.bad_choice"));
            None
        }
    };
    let mut credit_code = None;
    if let Some(s) = standing {
        match rules::check_org_identity(s, &i.credit_code, &i.certificate_no) {
            Ok(c) => credit_code = c,
            Err((field, key)) => check.errs.push(FieldError::new(field, key)),
        }
    }
    let founded = parse_date(&i.founded_on);
    match founded {
        None => check
            .errs
            .push(FieldError::new("founded_on", "selfgov.bad_date")),
        Some(d) if d > today => check
            .errs
            .push(FieldError::new("founded_on", "selfgov.future_date")),
        _ => {}
    }
    let leader = check.text("leader", &i.leader, 30);
    let members = match i.members.trim().parse::<i64>() {
        Ok(n) if (1..=100_000).contains(&n) => n,
        _ => {
            check
                .errs
                .push(FieldError::new("members", "selfgov.bad_members"));
            0
        }
    };
    let status = if i.status.is_empty() {
        "active".to_string()
    } else {
        i.status.clone()
    };
    if !["active", "dormant", "dissolved"].contains(&status.as_str()) {
        check
            .errs
            .push(FieldError::new("status", "selfgov.bad_choice"));
    }
    check.finish()?;
    let cert = i.certificate_no.trim();
    Ok(OrgSave {
        community: i.community.trim().to_string(),
        name,
        kind: i.kind.clone(),
        standing: i.standing.clone(),
        credit_code,
        certificate_no: (!cert.is_empty()).then(|| cert.to_string()),
        founded_on: founded.unwrap_or_default(),
        leader,
        members,
        status,
    })
}

const ORG_CONSTRAINTS: &[crate::platform::error::Constraint] = &[
    crate::platform::error::Constraint::unique(
        "organisations",
        &["credit_code"],
        "credit_code",
        "selfgov.duplicate_code",
    ),
    crate::platform::error::Constraint::unique(
        "organisations",
        &["community_code", "name"],
        "name",
        "selfgov.duplicate_name",
    ),
];

pub async fn save_org(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    i: &OrgInput,
) -> Result<i64> {
    // the register is kept by the district and by each community for its own
    if !(u.is_admin() || u.role == Role::CommunityStaff) {
        return Err(AppError::Forbidden);
    }
    let mut i = i.clone();
    if let Scope::Community(c) = &u.scope {
        i.community = c.as_str().to_string();
    }
    let s = check_org(&i, db.clock().today())?;
    check_writer(u, &s.community)?;
    let code = live_community(db, district, &s.community)
        .await
        .map_err(|_| AppError::invalid("community", "selfgov.bad_choice"))?
        .0;
    let before = match id {
        Some(id) => {
            let o = organisation(db, district, &u.scope, id).await?;
            check_writer(u, &o.community_code)?;
            Some(o)
        }
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let v = vals![
        code,
        s.name.clone(),
        s.kind.clone(),
        s.standing.clone(),
        s.credit_code.clone(),
        s.certificate_no.clone(),
        s.founded_on,
        s.leader.clone(),
        s.members,
        s.status.clone(),
        now
    ];
    let oid = match id {
        None => {
            let mut v = v;
            v.push(now.into());
            db::scalar(
                &tx,
                "INSERT INTO organisations (community_code, name, kind, standing, credit_code, \
                 certificate_no, founded_on, leader, members, status, updated_at, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                v,
            )
            .await
            .map(|x| x.unwrap_or(0))
        }
        Some(id) => revision::update(
            &tx,
            "organisations",
            "organisation",
            id,
            revision::base(&i.revision)?,
            "community_code = ?, name = ?, kind = ?, standing = ?, credit_code = ?, \
             certificate_no = ?, founded_on = ?, leader = ?, members = ?, status = ?, \
             updated_at = ?",
            v,
        )
        .await
        .map(|_| id),
    }
    .map_err(|e| e.on_constraint(ORG_CONSTRAINTS))?;
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "register" },
        "organisation",
        &oid.to_string(),
        before.as_ref(),
        Some(&s),
    )
    .await?;
    Ok(oid)
}

pub async fn review_org(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    year: &str,
    result: &str,
    note: &str,
) -> Result<()> {
    let o = organisation(db, district, &u.scope, id).await?;
    check_writer(u, &o.community_code)?;
    let mut check = Parse::default();
    let this = db
        .clock()
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026);
    let year = match year.trim().parse::<i32>() {
        Ok(y)
            if (o
                .founded_on
                .format("%Y")
                .to_string()
                .parse()
                .unwrap_or(1949)..=this)
                .contains(&y) =>
        {
            y
        }
        _ => {
            check.errs.push(FieldError::new("year", "selfgov.bad_year"));
            0
        }
    };
    if !["pass", "basic", "fail"].contains(&result) {
        check
            .errs
            .push(FieldError::new("result", "selfgov.bad_choice"));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "DELETE FROM organisation_reviews WHERE organisation_id = ? AND year = ?",
        vals![id, year],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO organisation_reviews (organisation_id, year, result, note, reviewed_by) \
         VALUES (?, ?, ?, ?, ?)",
        vals![id, year, result, note.trim(), u.username.clone()],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "review",
        "organisation",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"year": year, "result": result, "note": note.trim()})),
    )
    .await?;
    Ok(())
}
