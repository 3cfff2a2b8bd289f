//! The case list and the ledgers (by item, by community), with their spreadsheets.

use super::*;

#[derive(Template)]
#[template(path = "hall/cases.html")]
pub(super) struct CasesPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<CaseRow>,
    pub(super) pager: Pager,
    pub(super) q: CaseQuery,
    pub(super) items: Vec<Item>,
    pub(super) departments: Vec<(i64, String)>,
    pub(super) today: NaiveDate,
    pub(super) export_href: String,
    pub(super) is_admin: bool,
    pub(super) english: bool,
}

impl CasesPage {
    fn item_label<'a>(&self, r: &'a CaseRow) -> &'a str {
        if self.english && !r.item_name_en.is_empty() {
            &r.item_name_en
        } else {
            &r.item_name
        }
    }
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn status_is(&self, s: &str) -> bool {
        self.q.status.as_deref() == Some(s)
    }
    fn state_is(&self, s: &str) -> bool {
        self.q.state.as_deref() == Some(s)
    }
    fn item_is(&self, id: &i64) -> bool {
        self.q.item == Some(*id)
    }
    fn dept_is(&self, id: &i64) -> bool {
        self.q.department == Some(*id)
    }
    fn year_text(&self) -> String {
        self.q.year.map(|y| y.to_string()).unwrap_or_default()
    }
    fn area_text(&self) -> &str {
        self.q.area.as_deref().unwrap_or("")
    }
}

pub(super) fn case_query_string(q: &CaseQuery) -> String {
    let item = q.item.map(|i| i.to_string()).unwrap_or_default();
    let year = q.year.map(|i| i.to_string()).unwrap_or_default();
    let dept = q.department.map(|i| i.to_string()).unwrap_or_default();
    query_without_page(&[
        ("q", q.q.as_deref().unwrap_or("")),
        ("status", q.status.as_deref().unwrap_or("")),
        ("state", q.state.as_deref().unwrap_or("")),
        ("item", &item),
        ("area", q.area.as_deref().unwrap_or("")),
        ("year", &year),
        ("department", &dept),
    ])
}

pub async fn department_options(s: &AppState) -> Result<Vec<(i64, String)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct D {
        id: i64,
        name: String,
    }
    let rows: Vec<D> = db::all(
        &s.db.conn,
        "SELECT id, name FROM departments WHERE active = ? ORDER BY sort_order, id",
        vals![true],
    )
    .await?;
    Ok(rows.into_iter().map(|d| (d.id, d.name)).collect())
}

pub(super) async fn cases_page(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CaseQuery>,
) -> Result<Response> {
    let today = s.db.clock().today();
    let (rows, total, page) = cases::list(&s.db, &s.district, &u, &q, today).await?;
    let base = case_query_string(&q);
    let export_href = if base.is_empty() {
        "/hall/cases.xlsx".to_string()
    } else {
        format!("/hall/cases.xlsx?{base}")
    };
    render(&CasesPage {
        chrome: Chrome::build(&ctx, "/hall"),
        rows,
        pager: Pager::new(page, total, cases::PAGE_SIZE, base),
        items: crate::hall::state(&s).items(&s.db).await?.to_vec(),
        departments: department_options(&s).await?,
        q,
        today,
        export_href,
        is_admin: u.is_admin(),
        english: ctx.tr.lang.code() == "en",
    })
}

/// The case ledger as XLSX: every case in the user's scope and filter. A department's
/// officer gets the department's own ledger (its items and what was referred to it); the
/// admin cuts any department's with `?department=`. One entry, many ledgers.
pub(super) async fn ledger_xlsx(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(mut q): Query<CaseQuery>,
) -> Result<Response> {
    let tr = &ctx.tr;
    let today = s.db.clock().today();
    // a ledger is a year's (this year's unless another is asked for), and not without limit
    if q.year.is_none() && q.q.is_none() {
        q.year = Some(today.year());
    }
    let total = cases::count(&s.db, &s.district, &u, &q, today).await?;
    if total > LEDGER_MAX_ROWS {
        return Err(AppError::Invalid(vec![
            crate::platform::error::FieldError::new("year", "hall.ledger_too_big")
                .with(LEDGER_MAX_ROWS),
        ]));
    }
    let rows = cases::ledger_rows(&s.db, &s.district, &u, &q, today).await?;
    let header: Vec<String> = [
        "number",
        "community",
        "item",
        "channel",
        "applicant",
        "phone",
        "received_on",
        "due_on",
        "status",
        "referred_to",
        "completed_on",
        "handling_days",
        "overdue",
        "rating",
    ]
    .iter()
    .map(|k| tr.t(&format!("hall.col.{k}")).to_string())
    .collect();
    let english = tr.lang.code() == "en";
    let body: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.number.clone()),
                Cell::text(r.community_name.clone()),
                Cell::text(if english && !r.item_name_en.is_empty() {
                    r.item_name_en.clone()
                } else {
                    r.item_name.clone()
                }),
                Cell::text(tr.t(&format!("hall.channel.{}", r.channel)).to_string()),
                Cell::text(r.applicant_name.to_string()),
                Cell::text(r.applicant_phone.to_string()),
                Cell::Date(r.received_on),
                r.due_on.map(Cell::Date).unwrap_or(Cell::Empty),
                Cell::text(tr.t(&format!("hall.status.{}", r.status)).to_string()),
                Cell::text(r.referred_to.clone().unwrap_or_default()),
                r.completed_on.map(Cell::Date).unwrap_or(Cell::Empty),
                r.handling_days.map(Cell::Int).unwrap_or(Cell::Empty),
                Cell::text(if r.overdue(today) || late(r) {
                    tr.t("common.yes").to_string()
                } else {
                    String::new()
                }),
                r.rating.map(Cell::Int).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    let bytes = sheet::xlsx(
        tr.t("hall.ledger.sheet"),
        &header,
        &body,
        &[
            24.0, 14.0, 20.0, 8.0, 10.0, 14.0, 12.0, 12.0, 8.0, 22.0, 12.0, 8.0, 6.0, 6.0,
        ],
        1,
    )?;
    let name = match q.department {
        Some(d) => format!("hall-ledger-department-{d}.xlsx"),
        None => match &u.scope {
            Scope::Department(d) => format!("hall-ledger-department-{d}.xlsx"),
            _ => "hall-ledger.xlsx".to_string(),
        },
    };
    Ok(sheet::xlsx_response(bytes, &name))
}

/// The most rows one ledger export holds (an XLSX sheet takes 1,048,576; a village PC opens
/// far fewer with comfort).
pub const LEDGER_MAX_ROWS: u64 = 200_000;

/// Completed after its deadline.
pub(super) fn late(r: &CaseRow) -> bool {
    matches!((r.completed_on, r.due_on), (Some(c), Some(d)) if c > d)
}
