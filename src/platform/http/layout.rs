//! What every page shares: the header with the scope you are in, navigation for your role,
//! the language switch, the CSRF token for forms.

use crate::platform::auth::{Role, Scope};
use crate::platform::http::ctx::Ctx;
use crate::platform::i18n::{Lang, Tr};
use crate::platform::text::urlencode;

#[derive(Clone, Debug)]
pub struct NavItem {
    pub href: &'static str,
    pub label_key: &'static str,
    pub active: bool,
}

#[derive(Clone, Debug)]
pub struct Chrome {
    pub tr: Tr,
    pub lang: &'static str,
    pub user_name: Option<String>,
    pub role_label: String,
    pub scope_label: String,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// Link that switches language and comes back here.
    pub switch_href: String,
    pub switch_label: &'static str,
    /// Today and now on the business clock, for "overdue", "past" and "current" marks.
    pub today: chrono::NaiveDate,
    pub now: chrono::DateTime<chrono::Utc>,
    /// The date the pages are shown as of, when the clock is set (`SHEQU_NOW`, `demo --now`):
    /// a banner says so, so no one takes a demo's calendar for the real one.
    pub as_of: Option<chrono::NaiveDate>,
    /// The user keeps residents' records (the district and a community's staff): links to
    /// the forms that change them are shown.
    pub keeps_records: bool,
}

impl Chrome {
    /// `active` names the navigation entry of this page (its href).
    pub fn build(ctx: &Ctx, active: &str) -> Chrome {
        let tr = ctx.tr;
        let mut nav = vec![];
        let item = |href: &'static str, label_key: &'static str| NavItem {
            href,
            label_key,
            active: href == active,
        };
        let (user_name, role_label, scope_label) = match &ctx.user {
            Some(u) => {
                nav.push(item("/", "nav.home"));
                if u.role != Role::Provider {
                    if !matches!(u.scope, Scope::Community(_)) {
                        nav.push(item("/towns", "nav.towns"));
                    }
                    nav.push(item("/communities", "nav.communities"));
                    nav.push(item("/centres", "nav.centres"));
                    nav.push(item("/assessment", "nav.assessment"));
                    match u.role {
                        Role::Assessor => {}
                        // a department reads the batches of its own guidelines
                        Role::DepartmentOfficer => {
                            nav.push(item("/funding/batches", "nav.funding"))
                        }
                        _ => nav.push(item("/funding", "nav.funding")),
                    }
                    nav.push(item("/departments", "nav.departments"));
                }
                if u.role != Role::Assessor {
                    nav.push(item("/hall", "nav.hall"));
                }
                if u.role != Role::Provider {
                    nav.push(item("/selfgov", "nav.selfgov"));
                }
                if matches!(
                    u.role,
                    Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
                ) {
                    nav.push(item("/registry/households", "nav.registry"));
                    nav.push(item("/workers", "nav.workers"));
                }
                if u.is_admin() {
                    nav.push(item("/admin/users", "nav.users"));
                    nav.push(item("/admin/audit", "nav.audit"));
                }
                nav.push(item("/account", "nav.account"));
                let scope = u.scope_label.clone();
                (
                    Some(u.display_name.clone()),
                    tr.t(&u.role.label_key()).to_string(),
                    scope,
                )
            }
            None => (None, String::new(), String::new()),
        };
        let other = ctx.tr.lang.other();
        let clock = ctx.clock;
        Chrome {
            today: clock.today(),
            now: clock.now(),
            as_of: clock.is_shifted().then(|| clock.today()),
            tr,
            lang: ctx.tr.lang.code(),
            user_name,
            role_label,
            scope_label,
            nav,
            csrf: ctx.csrf.clone(),
            keeps_records: ctx
                .user
                .as_ref()
                .is_some_and(|u| matches!(u.role, Role::DistrictAdmin | Role::CommunityStaff)),
            switch_href: format!(
                "/lang/{}?next={}",
                other.short(),
                urlencode(&ctx.path_and_query)
            ),
            switch_label: match other {
                Lang::En => "English",
                Lang::Zh => "中文",
            },
        }
    }

    /// An aside in brackets as the language writes them: "（…）" in Chinese, " (…)" in English.
    pub fn paren(&self, s: impl std::fmt::Display) -> String {
        if self.lang == "en" {
            format!(" ({s})")
        } else {
            format!("（{s}）")
        }
    }

    /// The label of a key in a group: `tk("hall.status", "referred")`.
    pub fn tk(&self, group: &str, key: impl AsRef<str>) -> String {
        self.tr.t(&format!("{group}.{}", key.as_ref())).to_string()
    }

    pub fn page_of(&self, p: &crate::platform::http::pagination::Pager) -> String {
        self.tr.f("common.page_of", &[&p.page, &p.pages])
    }

    /// A formatted message from templates: `chrome.fmt("key", [a.to_string()])`.
    pub fn fmt(&self, key: impl AsRef<str>, args: impl AsRef<[String]>) -> String {
        let args: Vec<&dyn std::fmt::Display> = args
            .as_ref()
            .iter()
            .map(|a| a as &dyn std::fmt::Display)
            .collect();
        self.tr.f(key.as_ref(), &args)
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }
}
