//! The window's worklist: what waits for the signed-in user.

use super::*;

#[derive(Template)]
#[template(path = "hall/worklist.html")]
pub(super) struct WorklistPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<CaseRow>,
    pub(super) open: i64,
    pub(super) overdue: i64,
    pub(super) today: NaiveDate,
    pub(super) can_register: bool,
    pub(super) english: bool,
}

impl WorklistPage {
    fn counts(&self) -> String {
        self.chrome
            .tr
            .f("hall.worklist.counts", &[&self.open, &self.overdue])
    }
    fn item_label<'a>(&self, r: &'a CaseRow) -> &'a str {
        if self.english && !r.item_name_en.is_empty() {
            &r.item_name_en
        } else {
            &r.item_name
        }
    }
}

pub const WORKLIST_SIZE: u64 = 100;

pub(super) async fn worklist_page(
    u: Require<Hall>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let today = s.db.clock().today();
    let rows = cases::worklist(&s.db, &s.district, &u, WORKLIST_SIZE).await?;
    let (open, overdue) = cases::open_counts(&s.db, &s.district, &u.scope, today).await?;
    render(&WorklistPage {
        chrome: Chrome::build(&ctx, "/hall"),
        rows,
        open,
        overdue,
        today,
        can_register: Window::ROLES.contains(&u.role),
        english: ctx.tr.lang.code() == "en",
    })
}
