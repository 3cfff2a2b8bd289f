//! The home page: for the public a short introduction and the login link; for each role the
//! figures of its own scope and where to go next.

use crate::platform::auth::CurrentUser;
use crate::platform::db;
use crate::vals;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::geo::store::{self, Figures};
use crate::platform::auth::guard::Public;
use crate::platform::auth::{Role, Scope};
use crate::platform::charts::{Bar, bar_chart};
use crate::platform::error::Result;
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};

pub fn router() -> Routes<AppState> {
    Routes::new().get("/", home)
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    chrome: Chrome,
    signed_in: bool,
    role: String,
    figures: Figures,
    chart: String,
    /// Staff: a link to their community's page.
    own_community: Option<String>,
    show_towns: bool,
    todo: Vec<Todo>,
}

/// One thing waiting for this user, with how many and where to do it.
pub struct Todo {
    pub label_key: &'static str,
    pub count: i64,
    pub href: String,
}

/// What waits for a user in the work of the other domains: sheets to fill, review or score,
/// centres awaiting acceptance, batches to approve or pay, cases, proposals, hours and tasks.
/// Each is one count in the user's scope; only those with something waiting are shown.
async fn todo(s: &AppState, u: &CurrentUser) -> Result<Vec<Todo>> {
    let (lo, hi) = match &u.scope {
        Scope::Town(t) => t.descendant_range(),
        Scope::Community(c) => c.descendant_range(),
        _ => s.district.descendant_range(),
    };
    let w = Within { lo, hi };
    let mut out = Todos(vec![]);
    assessment_todo(s, u, &w, &mut out).await?;
    centres_todo(s, u, &w, &mut out).await?;
    funding_todo(s, u, &mut out).await?;
    hall_todo(s, u, &mut out).await?;
    selfgov_todo(s, u, &w, &mut out).await?;
    workers_todo(s, u, &mut out).await?;
    Ok(out.0)
}

/// The division codes of the user's scope (`BETWEEN lo AND hi`).
struct Within {
    lo: String,
    hi: String,
}

/// The list being gathered: a count is shown only when something waits.
struct Todos(Vec<Todo>);

impl Todos {
    fn push(&mut self, label_key: &'static str, count: Option<i64>, href: String) {
        if let Some(n) = count.filter(|n| *n > 0) {
            self.0.push(Todo {
                label_key,
                count: n,
                href,
            });
        }
    }
}

/// The open round's sheets: to fill (staff), to review (towns), to score (departments,
/// assessors, the district).
async fn assessment_todo(s: &AppState, u: &CurrentUser, w: &Within, out: &mut Todos) -> Result<()> {
    let conn = &s.db.conn;
    let open_round = db::scalar(
        conn,
        "SELECT MAX(id) FROM assessment_rounds WHERE status = 'open'",
        vals![],
    )
    .await?;
    if let Some(round) = open_round {
        let sheets = |cond: &str| {
            format!(
                "SELECT COUNT(*) FROM assessment_sheets s WHERE s.round_id = ? AND s.community_code BETWEEN ? AND ? AND {cond}"
            )
        };
        match u.role {
            Role::CommunityStaff => {
                let n = db::scalar(
                    conn,
                    &sheets("s.self_at IS NULL"),
                    vals![round, w.lo.clone(), w.hi.clone()],
                )
                .await?;
                out.push(
                    "home.todo.self",
                    n,
                    format!("/assessment/rounds/{round}/sheets/{}", w.lo),
                );
            }
            Role::TownOfficer | Role::DistrictAdmin => {
                let n = db::scalar(
                    conn,
                    &sheets("s.self_at IS NOT NULL AND s.town_at IS NULL"),
                    vals![round, w.lo.clone(), w.hi.clone()],
                )
                .await?;
                out.push("home.todo.review", n, format!("/assessment/rounds/{round}"));
            }
            _ => {}
        }
        // sheets reviewed with indicators still to score by this user
        let dept = match (&u.scope, u.role) {
            (Scope::Department(d), Role::DepartmentOfficer) => {
                Some(format!("g.department_id = {d}"))
            }
            (_, Role::Assessor) => Some("g.department_id IS NULL".to_string()),
            (_, Role::DistrictAdmin) => Some("1 = 1".to_string()),
            _ => None,
        };
        if let Some(dept) = dept {
            let n = db::scalar(
                conn,
                &format!(
                    "SELECT COUNT(DISTINCT s.id) FROM assessment_sheets s \
                     JOIN round_guidelines rg ON rg.round_id = s.round_id JOIN guidelines g ON g.id = rg.guideline_id \
                     JOIN guideline_indicators i ON i.guideline_id = g.id \
                     LEFT JOIN assessment_scores x ON x.sheet_id = s.id AND x.indicator_id = i.id \
                     WHERE s.round_id = ? AND s.town_at IS NOT NULL AND x.points_x10 IS NULL AND {dept} \
                       AND s.community_code BETWEEN ? AND ?"
                ),
                vals![round, w.lo.clone(), w.hi.clone()],
            )
            .await?;
            out.push("home.todo.score", n, format!("/assessment/rounds/{round}"));
        }
    }
    Ok(())
}

/// Centres waiting for their acceptance inspection.
async fn centres_todo(s: &AppState, u: &CurrentUser, w: &Within, out: &mut Todos) -> Result<()> {
    let conn = &s.db.conn;
    if matches!(
        u.role,
        Role::Assessor | Role::DistrictAdmin | Role::TownOfficer
    ) {
        let n = db::scalar(
            conn,
            "SELECT COUNT(*) FROM centre_projects WHERE status IN ('completed', 'rectifying') \
             AND community_code BETWEEN ? AND ?",
            vals![w.lo.clone(), w.hi.clone()],
        )
        .await?;
        out.push(
            "home.todo.inspect",
            n,
            "/centres/ledger?status=completed".into(),
        );
    }
    Ok(())
}

/// For the district and the towns: community workers whose certificate registration or
/// contract ends within the reminder horizon (the register's own filters).
async fn workers_todo(s: &AppState, u: &CurrentUser, out: &mut Todos) -> Result<()> {
    use crate::workers::store::{WorkerQuery, count};
    if !matches!(u.role, Role::DistrictAdmin | Role::TownOfficer) {
        return Ok(());
    }
    let today = s.db.clock().today();
    for (due, key) in [
        ("certificate", "home.todo.worker_certificates"),
        ("contract", "home.todo.worker_contracts"),
    ] {
        let q = WorkerQuery {
            due: Some(due.into()),
            ..Default::default()
        };
        let total = count(&s.db, &s.district, u, &q, today).await?;
        out.push(key, Some(total as i64), format!("/workers?due={due}"));
    }
    // training hours short of the year's target: from September, when there is still time
    if chrono::Datelike::month(&today) >= 9 {
        let q = WorkerQuery {
            due: Some("training".into()),
            ..Default::default()
        };
        let total = count(&s.db, &s.district, u, &q, today).await?;
        out.push(
            "home.todo.worker_training",
            Some(total as i64),
            "/workers?due=training".into(),
        );
    }
    Ok(())
}

/// The district's batches to approve or pay, and rewards due without a batch.
async fn funding_todo(s: &AppState, u: &CurrentUser, out: &mut Todos) -> Result<()> {
    let conn = &s.db.conn;
    if u.role == Role::DistrictAdmin {
        for (status, key) in [
            ("draft", "home.todo.approve"),
            ("approved", "home.todo.pay"),
        ] {
            let n = db::scalar(
                conn,
                "SELECT COUNT(*) FROM payment_batches WHERE status = ?",
                vals![status],
            )
            .await?;
            out.push(key, n, "/funding/batches".into());
        }
        let due = db::scalar(
            conn,
            "SELECT COUNT(*) FROM centre_rewards r WHERE r.status = 'due' \
             AND NOT EXISTS (SELECT 1 FROM payment_lines l WHERE l.reward_id = r.id)",
            vals![],
        )
        .await?;
        out.push("home.todo.rewards", due, "/funding/batches".into());
    }
    Ok(())
}

/// The service hall: open cases in scope (a department's, a provider's own), the overdue.
async fn hall_todo(s: &AppState, u: &CurrentUser, out: &mut Todos) -> Result<()> {
    if u.role != Role::Assessor {
        let (open, overdue) =
            crate::hall::cases::open_counts(&s.db, &s.district, &u.scope, s.db.clock().today())
                .await?;
        out.push(
            "home.todo.hall_overdue",
            Some(overdue),
            "/hall/cases?state=overdue".into(),
        );
        out.push("home.todo.hall_open", Some(open), "/hall".into());
    }
    Ok(())
}

/// Self-government: proposals waiting for an answer; for a community's staff also the hours
/// to verify, overdue follow-up tasks and meetings soon without an announced topic.
async fn selfgov_todo(s: &AppState, u: &CurrentUser, w: &Within, out: &mut Todos) -> Result<()> {
    let conn = &s.db.conn;
    if matches!(
        u.scope,
        Scope::District | Scope::Town(_) | Scope::Community(_)
    ) && u.role != Role::Assessor
    {
        let here = match &u.scope {
            Scope::Community(c) => format!("/selfgov/c/{}", c.as_str()),
            _ => "/selfgov".to_string(),
        };
        let waiting = db::scalar(
            conn,
            "SELECT COUNT(*) FROM proposals WHERE community_code BETWEEN ? AND ? \
             AND status IN ('received', 'under_study')",
            vals![w.lo.clone(), w.hi.clone()],
        )
        .await?;
        out.push("home.todo.proposals", waiting, format!("{here}#proposals"));
        if let Scope::Community(c) = &u.scope {
            let unverified = db::scalar(
                conn,
                "SELECT COUNT(*) FROM service_records WHERE community_code = ? AND verified_at IS NULL",
                vals![c.as_str()],
            )
            .await?;
            out.push(
                "home.todo.records",
                unverified,
                format!("{here}/volunteers#records"),
            );
            let overdue = db::scalar(
                conn,
                "SELECT COUNT(*) FROM meeting_tasks t JOIN meetings m ON m.id = t.meeting_id \
                 WHERE m.community_code = ? AND t.done_on IS NULL AND t.due_on < ?",
                vals![c.as_str(), s.db.clock().today()],
            )
            .await?;
            out.push("home.todo.tasks", overdue, format!("{here}#meetings"));
            let now = s.db.clock().now();
            let bare = db::scalar(
                conn,
                "SELECT COUNT(*) FROM meetings m WHERE m.community_code = ? AND m.starts_at >= ? \
                 AND m.starts_at < ? AND m.cancelled_at IS NULL AND NOT EXISTS (SELECT 1 FROM meeting_topics t WHERE t.meeting_id = m.id)",
                vals![c.as_str(), now, now + chrono::Duration::days(14)],
            )
            .await?;
            out.push(
                "home.todo.meetings_without_topics",
                bare,
                format!("{here}#meetings"),
            );
        }
    }
    Ok(())
}

async fn home(_: Public, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let chrome = Chrome::build(&ctx, "/");
    let Some(u) = &ctx.user else {
        return render(&HomePage {
            chrome,
            signed_in: false,
            role: String::new(),
            figures: Figures::default(),
            chart: String::new(),
            own_community: None,
            show_towns: false,
            todo: vec![],
        });
    };
    let figures = store::figures(&s.db, &s.district, &u.scope).await?;
    let towns = store::list_towns(&s.db, &s.district, &u.scope).await?;
    let bars: Vec<Bar> = towns
        .iter()
        .map(|t| Bar {
            label: t.name.clone(),
            value: t.population,
            href: Some(format!("/towns/{}", t.code)),
        })
        .collect();
    let chart = if towns.len() > 1 {
        bar_chart(ctx.tr.t("geo.chart.population_by_town"), &bars)
    } else {
        String::new()
    };
    let own_community = match &u.scope {
        Scope::Community(c) => Some(c.as_str().to_string()),
        _ => None,
    };
    let todo = todo(&s, u).await?;
    render(&HomePage {
        chrome,
        signed_in: true,
        todo,
        role: ctx.tr.t(&u.role.label_key()).to_string(),
        show_towns: !towns.is_empty() && u.role != Role::Provider,
        figures,
        chart,
        own_community,
    })
}
