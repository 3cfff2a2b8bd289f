//! The working calendar: holidays and make-up working days, year by year.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CalendarQuery {
    pub(super) year: Option<i32>,
    pub(super) saved: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/calendar.html")]
pub(super) struct CalendarPage {
    pub(super) chrome: Chrome,
    pub(super) year: i32,
    pub(super) years: Vec<i32>,
    pub(super) days: Vec<CalendarDay>,
    pub(super) form: FormState,
    pub(super) saved: bool,
}

impl CalendarPage {
    fn weekday(&self, d: &NaiveDate) -> String {
        self.chrome
            .tr
            .t(&format!(
                "hall.weekday.{}",
                d.weekday().num_days_from_monday()
            ))
            .to_string()
    }
}

pub(super) async fn show_calendar(
    s: &AppState,
    ctx: &Ctx,
    year: i32,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let this = s.db.clock().today().year();
    let page = CalendarPage {
        chrome: Chrome::build(ctx, "/hall/items"),
        year,
        years: (this - 2..=this + 1).collect(),
        days: catalogue::calendar_days(&s.db, Some(year)).await?,
        form,
        saved,
    };
    render_form(&page, &page.form)
}

pub(super) async fn calendar_page(
    _: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<CalendarQuery>,
) -> Result<Response> {
    let year = q.year.unwrap_or(s.db.clock().today().year());
    if !(2000..=2200).contains(&year) {
        return Err(AppError::invalid("year", "hall.bad_year"));
    }
    show_calendar(&s, &ctx, year, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DayForm {
    pub(super) day: String,
    pub(super) kind: String,
    pub(super) name: String,
}

pub(super) async fn post_calendar(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<DayForm>,
) -> Result<Response> {
    let result = match parse_date(&f.day) {
        Some(d) if f.name.chars().count() <= 30 => {
            catalogue::set_day(&s.db, &u.actor(), d, &f.kind, &f.name)
                .await
                .map(|_| d)
        }
        Some(_) => Err(AppError::invalid("name", "hall.comment_too_long")),
        None => Err(AppError::invalid("day", "common.date")),
    };
    let result = result.map(|d| {
        crate::hall::state(&s).forget();
        format!("/hall/calendar?year={}&saved=1", d.year())
    });
    redirect_or_show(
        result,
        "day",
        &ctx.tr,
        vec![("day", f.day), ("kind", f.kind), ("name", f.name)],
        |form| show_calendar(&s, &ctx, s.db.clock().today().year(), form, false),
    )
    .await
}

pub(super) async fn post_calendar_delete(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(f): CsrfForm<DayForm>,
) -> Result<Response> {
    let d = parse_date(&f.day).ok_or_else(|| AppError::invalid("day", "common.date"))?;
    catalogue::delete_day(&s.db, &u.actor(), d).await?;
    crate::hall::state(&s).forget();
    Ok(crate::platform::http::redirect(&format!(
        "/hall/calendar?year={}&saved=1",
        d.year()
    )))
}
