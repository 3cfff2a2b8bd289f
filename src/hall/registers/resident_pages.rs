//! Residents: the register, search, one resident with their cases.

use super::*;

/// Residents: the admin, towns (masked) and the community's staff.
pub type Registry = Territorial;
/// Who keeps the registry: the admin and the community's staff (towns read it masked).
pub type RegistryKeepers = AdminAndStaff;

#[derive(Template)]
#[template(path = "hall/residents.html")]
pub(super) struct ResidentsPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<Resident>,
    pub(super) pager: Pager,
    pub(super) q: ResidentQuery,
    pub(super) tags: Vec<&'static str>,
    pub(super) can_edit: bool,
    /// What an erasure just removed, for the message.
    pub(super) erased: Option<(i64, i64, i64)>,
}

impl ResidentsPage {
    /// What an erasure just did, in words.
    fn erased_text(&self) -> String {
        match self.erased {
            Some((c, v, p)) => self.chrome.tr.f("hall.erase.done", &[&c, &v, &p]),
            None => String::new(),
        }
    }
    fn q_text(&self) -> &str {
        self.q.q.as_deref().unwrap_or("")
    }
    fn tag_is(&self, t: &str) -> bool {
        self.q.tag.as_deref() == Some(t)
    }
}

/// Tags a user may see and filter by.
pub(super) fn visible_tags(u: &CurrentUser) -> Vec<&'static str> {
    rules::TAGS
        .iter()
        .filter(|(_, sensitive)| !sensitive || sees_personal(u))
        .map(|(k, _)| *k)
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ErasedFlag {
    /// `cases.volunteers.proposals` of an erasure just done
    pub(super) erased: Option<String>,
}

impl ErasedFlag {
    fn counts(&self) -> Option<(i64, i64, i64)> {
        let mut n = self.erased.as_deref()?.split('.').map(|x| x.parse().ok());
        Some((n.next()??, n.next()??, n.next()??))
    }
}

pub(super) async fn residents_page(
    u: Require<Registry>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ResidentQuery>,
    Query(done): Query<ErasedFlag>,
) -> Result<Response> {
    let (rows, total, page) = residents::search(&s.db, &s.district, &u, &q).await?;
    let base = query_without_page(&[
        ("q", q.q.as_deref().unwrap_or("")),
        ("community", q.community.as_deref().unwrap_or("")),
        ("tag", q.tag.as_deref().unwrap_or("")),
    ]);
    render(&ResidentsPage {
        chrome: Chrome::build(&ctx, "/hall/residents"),
        rows,
        pager: Pager::new(page, total, residents::PAGE_SIZE, base),
        tags: visible_tags(&u),
        can_edit: sees_personal(&u),
        erased: done.counts(),
        q,
    })
}
