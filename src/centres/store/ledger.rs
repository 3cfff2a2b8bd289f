//! The construction ledger: one row per community, with its project and checklist.

use super::*;

#[derive(Debug, Default, Clone, Deserialize, utoipa::IntoParams)]
pub struct LedgerFilter {
    /// Town code (9 or 12 digits).
    pub town: Option<String>,
    /// Project status, `none` for communities without a project.
    pub status: Option<String>,
    /// Part of the community's name or code.
    pub q: Option<String>,
    pub page: Option<u64>,
}

/// One row of the ledger: a community and its centre.
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LedgerRow {
    pub code: String,
    pub name: String,
    pub town_code: String,
    pub town_name: String,
    pub merged_into: Option<String>,
    #[serde(flatten)]
    pub project: Option<Project>,
    /// Inspection date and reward, when accepted.
    pub reward_fen: Option<i64>,
    pub compliance: Option<Compliance>,
    /// Checklist of the project: item id → (present, area).
    #[serde(skip)]
    pub entries: Vec<Entry>,
}

pub const LEDGER_PAGE_SIZE: u64 = 50;

#[derive(Deserialize)]
pub(super) struct LedgerJson {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) town_code: String,
    pub(super) town_name: String,
    pub(super) merged_into: Option<String>,
    pub(super) project_id: Option<i64>,
    pub(super) standard_id: Option<i64>,
    pub(super) mode: Option<String>,
    pub(super) blocking_reason: Option<String>,
    pub(super) pilot: Option<i64>,
    pub(super) pilot_year: Option<i32>,
    pub(super) planned_start: Option<NaiveDate>,
    pub(super) planned_completion: Option<NaiveDate>,
    pub(super) actual_start: Option<NaiveDate>,
    pub(super) actual_completion: Option<NaiveDate>,
    pub(super) accepted_on: Option<NaiveDate>,
    pub(super) floor_area_dm2: Option<i64>,
    pub(super) invest_district_fen: Option<i64>,
    pub(super) invest_town_fen: Option<i64>,
    pub(super) invest_village_fen: Option<i64>,
    pub(super) invest_donation_fen: Option<i64>,
    pub(super) status: Option<String>,
    pub(super) note: Option<String>,
    pub(super) review_note: Option<String>,
    pub(super) reviewed_by: Option<String>,
    pub(super) reviewed_at: Option<String>,
    pub(super) revision: Option<i64>,
    pub(super) reward_fen: Option<i64>,
    pub(super) checklist: Option<String>,
    pub(super) total_rows: i64,
}

/// Communities in scope with their centres, filtered; one page or (`limit` None) all of
/// them, and the total. Merged-away communities appear when they have a project.
pub async fn ledger(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    f: &LedgerFilter,
    limit: Option<(u64, u64)>,
) -> Result<(Vec<LedgerRow>, u64)> {
    let (wh, v) = ledger_where(district, scope, f)?;
    let wh = wh.join(" AND ");
    let paging = match limit {
        Some((l, o)) => format!(" LIMIT {l} OFFSET {o}"),
        None => String::new(),
    };
    let backend = db.backend();
    let item_expr = match backend {
        DbBackend::Postgres => {
            "k.item_id::text || ':' || (CASE WHEN k.present THEN 1 ELSE 0 END)::text || ':' || COALESCE(k.area_dm2::text, '')"
        }
        _ => {
            "k.item_id || ':' || (CASE WHEN k.present THEN 1 ELSE 0 END) || ':' || COALESCE(k.area_dm2, '')"
        }
    };
    let checklist = format!(
        "(SELECT {} FROM centre_checklist k WHERE k.project_id = p.id)",
        db::comma_list(backend, item_expr)
    );
    let reviewed_at = match backend {
        DbBackend::Postgres => {
            "to_char(p.reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
        }
        _ => "p.reviewed_at",
    };
    let from = "FROM divisions c \
        JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' \
        LEFT JOIN centre_projects p ON p.community_code = c.code \
        LEFT JOIN centre_rewards r ON r.project_id = p.id";
    let mut both = v.clone();
    both.extend(v);
    let sql = format!(
        "SELECT c.code, c.name, t.code AS town_code, t.name AS town_name, c.merged_into, \
           p.id AS project_id, p.standard_id, p.mode, p.blocking_reason, \
           CASE WHEN p.id IS NULL THEN NULL WHEN p.pilot THEN 1 ELSE 0 END AS pilot, p.pilot_year, \
           p.planned_start, p.planned_completion, p.actual_start, p.actual_completion, p.accepted_on, \
           p.floor_area_dm2, p.invest_district_fen, p.invest_town_fen, p.invest_village_fen, \
           p.invest_donation_fen, p.status, p.note, p.review_note, p.reviewed_by, \
           {reviewed_at} AS reviewed_at, p.revision, r.amount_fen AS reward_fen, {checklist} AS checklist, \
           (SELECT COUNT(*) FROM divisions c {from_count} WHERE {wh}) AS total_rows \
         {from} WHERE {wh} ORDER BY c.code{paging}",
        from_count = "LEFT JOIN centre_projects p ON p.community_code = c.code",
    );
    let mut rows: Vec<LedgerJson> = db::all_json(&db.conn, LEDGER_COLUMNS, &sql, both).await?;
    rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    let total = rows.first().map(|r| r.total_rows as u64).unwrap_or(0);
    let all = standards(&db.conn).await?;
    let out = rows.into_iter().map(|r| ledger_row(r, &all)).collect();
    Ok((out, total))
}

/// The columns of the ledger's query, in the order `LedgerJson` reads them.
const LEDGER_COLUMNS: &[&str] = &[
    "code",
    "name",
    "town_code",
    "town_name",
    "merged_into",
    "project_id",
    "standard_id",
    "mode",
    "blocking_reason",
    "pilot",
    "pilot_year",
    "planned_start",
    "planned_completion",
    "actual_start",
    "actual_completion",
    "accepted_on",
    "floor_area_dm2",
    "invest_district_fen",
    "invest_town_fen",
    "invest_village_fen",
    "invest_donation_fen",
    "status",
    "note",
    "review_note",
    "reviewed_by",
    "reviewed_at",
    "revision",
    "reward_fen",
    "checklist",
    "total_rows",
];

/// The ledger's conditions: the scope, merged-away communities only with a project, and the
/// filters (town, status, search).
fn ledger_where(
    district: &DivisionCode,
    scope: &Scope,
    f: &LedgerFilter,
) -> Result<(Vec<String>, Vec<sea_orm::Value>)> {
    let (cond, mut v) = geo::community_scope_sql(scope, district);
    let mut wh = vec![
        "c.level = 5".to_string(),
        cond,
        "(c.merged_into IS NULL OR p.id IS NOT NULL)".into(),
    ];
    geo::filter_town(f.town.as_deref(), &mut wh, &mut v)?;
    match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some("none") => wh.push("p.id IS NULL".into()),
        Some(s) => {
            let s = Status::parse(s)
                .ok_or_else(|| AppError::invalid("status", "centres.bad_status"))?;
            wh.push("p.status = ?".into());
            v.push(s.key().into());
        }
    }
    geo::filter_search(f.q.as_deref(), &mut wh, &mut v);
    Ok((wh, v))
}

/// One ledger row: the project read back, its checklist and its compliance with its standard.
fn ledger_row(r: LedgerJson, all: &[Standard]) -> LedgerRow {
    let entries = parse_entries(r.checklist.as_deref().unwrap_or(""));
    let project = r.project_id.map(|id| Project {
        id,
        community_code: r.code.clone(),
        standard_id: r.standard_id.unwrap_or(0),
        mode: r.mode.unwrap_or_default(),
        blocking_reason: r.blocking_reason.unwrap_or_default(),
        pilot: r.pilot == Some(1),
        pilot_year: r.pilot_year,
        planned_start: r.planned_start,
        planned_completion: r.planned_completion,
        actual_start: r.actual_start,
        actual_completion: r.actual_completion,
        accepted_on: r.accepted_on,
        floor_area_dm2: r.floor_area_dm2,
        invest_district_fen: r.invest_district_fen.unwrap_or(0),
        invest_town_fen: r.invest_town_fen.unwrap_or(0),
        invest_village_fen: r.invest_village_fen.unwrap_or(0),
        invest_donation_fen: r.invest_donation_fen.unwrap_or(0),
        status: r.status.unwrap_or_default(),
        note: r.note.unwrap_or_default(),
        review_note: r.review_note.unwrap_or_default(),
        reviewed_by: r.reviewed_by,
        reviewed_at: r
            .reviewed_at
            .as_deref()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|d| d.with_timezone(&Utc)),
        revision: r.revision.unwrap_or(1),
    });
    let compliance = project.as_ref().and_then(|p| {
        all.iter()
            .find(|s| s.id == p.standard_id)
            .map(|s| rules::check(&s.items, &entries, &s.terms, p.mode(), p.floor_area_dm2))
    });
    LedgerRow {
        code: r.code,
        name: r.name,
        town_code: r.town_code,
        town_name: r.town_name,
        merged_into: r.merged_into,
        project,
        reward_fen: r.reward_fen,
        compliance,
        entries,
    }
}

/// `12:1:8000,13:0:` → entries.
pub(super) fn parse_entries(s: &str) -> Vec<Entry> {
    s.split(',')
        .filter_map(|part| {
            let mut it = part.split(':');
            let item_id = it.next()?.parse().ok()?;
            let present = it.next()? == "1";
            let area_dm2 = it.next().and_then(|a| a.parse().ok());
            Some(Entry {
                item_id,
                present,
                area_dm2,
            })
        })
        .collect()
}
