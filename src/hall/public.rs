//! The hall's public pages, for residents without an account: the service guide, each
//! community's provider directory (where the contact card's QR code leads), the online
//! request form and the status page.
//!
//! Against abuse, the request form carries a signed timestamp (a submission faster than a
//! person can type, or older than two hours, is refused), a hidden field that people leave
//! empty and robots fill, and a limit of three public requests per phone a day. The status
//! page answers a wrong number and a wrong phone with the same words, and stops answering a
//! case number after five misses in ten minutes.

use std::time::Instant;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::hall::cases::{self, CaseFull, CaseInput, Event, StepRequest, Who};
use crate::hall::catalogue::Item;
use crate::platform::auth;
use crate::platform::auth::guard::Public;
use crate::platform::db;
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::saved_or_show;
use crate::platform::http::form::{FormState, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::time::show;
use crate::platform::types::{DivisionCode, Level};
use crate::vals;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/guide", guide_page)
        .get("/request", request_page)
        .post("/request", post_request)
        .get("/status", status_page)
        .post("/status", post_status)
        .post("/status/rate", post_rate)
}

const MIN_FORM_SECS: i64 = 3;
const MAX_FORM_SECS: i64 = 2 * 60 * 60;
const LOOKUP_MISSES: u32 = 5;
const LOOKUP_WINDOW_SECS: u64 = 600;

fn english(ctx: &Ctx) -> bool {
    ctx.tr.lang.code() == "en"
}

/// The installation's form key: read from `settings`, made once.
async fn form_key(s: &AppState) -> Result<String> {
    let hall = crate::hall::state(s);
    hall.form_key
        .get_or_try_init(|| async {
            let read = || async {
                #[derive(sea_orm::FromQueryResult)]
                struct V {
                    value: String,
                }
                db::one::<V, _>(
                    &s.db.conn,
                    "SELECT value FROM settings WHERE key = 'form_key'",
                    vals![],
                )
                .await
            };
            if let Some(v) = read().await? {
                return Ok(v.value);
            }
            db::exec(
                &s.db.conn,
                "INSERT INTO settings (key, value) VALUES ('form_key', ?) ON CONFLICT (key) DO NOTHING",
                vals![auth::random_token()?],
            )
            .await?;
            read()
                .await?
                .map(|v| v.value)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no form key")))
        })
        .await
        .cloned()
}

/// A stamp as the request page issues it at `ts`: the time, a random nonce (so that no two
/// pages share a stamp, and each is good once), and the signature of both.
pub fn stamp_at(key: &str, ts: i64) -> String {
    let mut nonce = [0u8; 8];
    // without randomness the stamp is still signed; it is only less unique
    let _ = getrandom::fill(&mut nonce);
    sign(key, ts, &hex::encode(nonce))
}

fn sign(key: &str, ts: i64, nonce: &str) -> String {
    format!(
        "{ts}.{nonce}.{}",
        &auth::sha256_hex(&format!("{key}:{ts}:{nonce}"))[..32]
    )
}

/// Check a form stamp: made by us, not too fast, not too old. (That it was not used before
/// is checked where the request is stored, in the same transaction.)
fn check_stamp(key: &str, stamp: &str, now: i64) -> std::result::Result<(), &'static str> {
    let mut parts = stamp.splitn(3, '.');
    let (Some(ts), Some(nonce), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return Err("hall.form_expired");
    };
    let ts = ts.parse::<i64>().map_err(|_| "hall.form_expired")?;
    if nonce.len() != 16 || !auth::constant_time_eq(&sign(key, ts, nonce), stamp) {
        return Err("hall.form_expired");
    }
    let age = now - ts;
    if age < MIN_FORM_SECS {
        Err("hall.too_fast")
    } else if age > MAX_FORM_SECS {
        Err("hall.form_expired")
    } else {
        Ok(())
    }
}

// ------------------------------------------------------------------ guide

#[derive(Deserialize, Default)]
#[serde(default)]
struct GuideQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "public/guide.html")]
struct GuidePage {
    chrome: Chrome,
    groups: Vec<(String, Vec<Item>)>,
    q: String,
    english: bool,
}

async fn guide_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<GuideQuery>,
) -> Result<Response> {
    let items = crate::hall::state(&s).items(&s.db).await?;
    let needle = q.q.clone().unwrap_or_default();
    let needle = needle.trim();
    let mut groups: Vec<(String, Vec<Item>)> = vec![];
    for g in crate::hall::catalogue::GROUPS {
        let v: Vec<Item> = items
            .iter()
            .filter(|i| i.active && i.group_key == *g)
            .filter(|i| {
                needle.is_empty()
                    || i.name.contains(needle)
                    || i.name_en.to_lowercase().contains(&needle.to_lowercase())
            })
            .cloned()
            .collect();
        if !v.is_empty() {
            groups.push((g.to_string(), v));
        }
    }
    render(&GuidePage {
        chrome: Chrome::build(&ctx, ""),
        groups,
        q: needle.to_string(),
        english: english(&ctx),
    })
}

// ------------------------------------------------------------------ community

/// A community of this district by code: its name and its town's (404 for any other code).
pub async fn community_name(s: &AppState, code: &str) -> Result<(String, String)> {
    let c = DivisionCode::parse_level(code, Level::Community).map_err(|_| AppError::NotFound)?;
    if !s.district.contains_str(c.as_str()) {
        return Err(AppError::NotFound);
    }
    let rows: Vec<(String, String)> = db::all_json(
        &s.db.conn,
        &["c", "t"],
        "SELECT c.name AS c, t.name AS t FROM divisions c JOIN divisions t ON t.code = ? \
         WHERE c.code = ? AND c.level = 5 AND c.merged_into IS NULL",
        vals![format!("{}000", &c.as_str()[..9]), c.as_str()],
    )
    .await?;
    rows.into_iter().next().ok_or(AppError::NotFound)
}

// ------------------------------------------------------------------ online request

#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestQuery {
    community: Option<String>,
    item: Option<String>,
}

#[derive(Template)]
#[template(path = "public/request.html")]
struct RequestPage {
    chrome: Chrome,
    form: FormState,
    items: Vec<Item>,
    communities: Vec<(String, String, String)>,
    stamp: String,
    done: Option<(String, Option<chrono::NaiveDate>)>,
    english: bool,
}

impl RequestPage {
    fn v(&self, f: &str) -> String {
        self.form.value("request", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("request", f)
    }
}

/// The district's live communities with their towns, for the form's list.
async fn community_options(s: &AppState) -> Result<Vec<(String, String, String)>> {
    let (lo, hi) = s.district.descendant_range();
    let mut rows: Vec<(String, String, String)> = db::all_json(
        &s.db.conn,
        &["code", "name", "town"],
        "SELECT c.code, c.name, t.name AS town FROM divisions c JOIN divisions t \
         ON t.code = substr(c.code, 1, 9) || '000' \
         WHERE c.code BETWEEN ? AND ? AND c.level = 5 AND c.merged_into IS NULL",
        vals![lo, hi],
    )
    .await?;
    rows.sort();
    Ok(rows)
}

async fn show_request(
    s: &AppState,
    ctx: &Ctx,
    form: FormState,
    done: Option<(String, Option<chrono::NaiveDate>)>,
) -> Result<Response> {
    let key = form_key(s).await?;
    let items = crate::hall::state(s)
        .items(&s.db)
        .await?
        .iter()
        .filter(|i| i.active && i.online)
        .cloned()
        .collect();
    let page = RequestPage {
        chrome: Chrome::build(ctx, ""),
        form,
        items,
        communities: community_options(s).await?,
        stamp: stamp_at(&key, crate::platform::time::real_now().timestamp()),
        done,
        english: english(ctx),
    };
    render_form(&page, &page.form)
}

async fn request_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RequestQuery>,
) -> Result<Response> {
    let form = FormState::from_error(
        "request",
        &ctx.tr,
        &[],
        vec![
            ("community", q.community.unwrap_or_default()),
            ("item", q.item.unwrap_or_default()),
        ],
    );
    show_request(&s, &ctx, form, None).await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct RequestForm {
    community: String,
    item: String,
    applicant_name: String,
    applicant_phone: String,
    address: String,
    description: String,
    stamp: String,
    /// The field people do not see and robots fill.
    website: String,
}

async fn post_request(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<RequestForm>,
) -> Result<Response> {
    crate::platform::http::public_form_limit(&s, &ctx)?;
    let key = form_key(&s).await?;
    let result = async {
        if !f.website.is_empty() {
            return Err(AppError::invalid("_form", "hall.form_expired"));
        }
        check_stamp(
            &key,
            &f.stamp,
            crate::platform::time::real_now().timestamp(),
        )
        .map_err(|k| AppError::invalid("_form", k))?;
        let input = CaseInput {
            community: f.community.clone(),
            item: f.item.clone(),
            resident_id: String::new(),
            applicant_name: f.applicant_name.clone(),
            applicant_phone: f.applicant_phone.clone(),
            id_number: String::new(),
            description: f.description.clone(),
            address: f.address.clone(),
        };
        let items = crate::hall::state(&s).items(&s.db).await?;
        let mut n = input.check(&items, "online", true)?;
        n.stamp = Some(f.stamp.clone());
        let cal = crate::hall::state(&s).calendar(&s.db).await?;
        let actor = auth::Actor::system("public");
        cases::register(&s.db, &s.district, &cal, &actor, &n, s.db.clock().now()).await
    }
    .await;
    let values = vec![
        ("community", f.community),
        ("item", f.item),
        ("applicant_name", f.applicant_name),
        ("applicant_phone", f.applicant_phone),
        ("address", f.address),
        ("description", f.description),
    ];
    let saved = |(reg, notice): (cases::Registered, _)| {
        crate::hall::state(&s).notify(notice);
        show_request(
            &s,
            &ctx,
            FormState::default(),
            Some((reg.number, reg.due_on)),
        )
    };
    saved_or_show(result, saved, "request", &ctx.tr, values, |form| {
        show_request(&s, &ctx, form, None)
    })
    .await
}

// ------------------------------------------------------------------ status

#[derive(Template)]
#[template(path = "public/status.html")]
struct StatusPage {
    chrome: Chrome,
    form: FormState,
    found: Option<(CaseFull, Item, Vec<Event>)>,
    number: String,
    phone: String,
    not_found: bool,
    rated: bool,
    english: bool,
}

impl StatusPage {
    fn when(&self, e: &Event) -> String {
        show(&e.at)
    }
    fn v(&self, f: &str) -> String {
        self.form.value("rate", f)
    }
    fn e(&self, f: &str) -> String {
        self.form.error("rate", f)
    }
}

async fn status_page(_: Public, ctx: Ctx) -> Result<Response> {
    render(&StatusPage {
        chrome: Chrome::build(&ctx, ""),
        form: FormState::default(),
        found: None,
        number: String::new(),
        phone: String::new(),
        not_found: false,
        rated: false,
        english: english(&ctx),
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct StatusForm {
    number: String,
    phone: String,
    stars: String,
    comment: String,
}

/// Whether lookups of this number from this client are paused after misses. Keyed by both:
/// someone guessing phones elsewhere never pauses the applicant's own lookups.
fn paused(s: &AppState, key: &str) -> bool {
    let hall = crate::hall::state(s);
    let map = hall.lookups.lock().unwrap_or_else(|e| e.into_inner());
    map.get(key)
        .is_some_and(|(at, n)| *n >= LOOKUP_MISSES && at.elapsed().as_secs() < LOOKUP_WINDOW_SECS)
}

fn missed(s: &AppState, key: &str) {
    let hall = crate::hall::state(s);
    let mut map = hall.lookups.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 10_000 {
        map.retain(|_, (at, _)| at.elapsed().as_secs() < LOOKUP_WINDOW_SECS);
    }
    let e = map.entry(key.to_string()).or_insert((Instant::now(), 0));
    if e.0.elapsed().as_secs() >= LOOKUP_WINDOW_SECS {
        *e = (Instant::now(), 0);
    }
    e.1 += 1;
}

async fn find(
    s: &AppState,
    ctx: &Ctx,
    f: &StatusForm,
) -> Result<Option<(CaseFull, Item, Vec<Event>)>> {
    let number = f.number.trim();
    let key = format!("{number}|{}", ctx.client_key());
    if paused(s, &key) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: LOOKUP_WINDOW_SECS,
        });
    }
    match cases::lookup(&s.db, &s.district, number, &f.phone).await? {
        Some(c) => {
            let items = crate::hall::state(s).items(&s.db).await?;
            let item = items
                .iter()
                .find(|i| i.id == c.item_id)
                .cloned()
                .ok_or(AppError::NotFound)?;
            let events = cases::events(&s.db, &c).await?;
            Ok(Some((c, item, events)))
        }
        None => {
            missed(s, &key);
            Ok(None)
        }
    }
}

async fn show_status(
    s: &AppState,
    ctx: &Ctx,
    f: StatusForm,
    form: FormState,
    rated: bool,
) -> Result<Response> {
    let found = find(s, ctx, &f).await?;
    let page = StatusPage {
        chrome: Chrome::build(ctx, ""),
        not_found: found.is_none(),
        found,
        number: f.number,
        phone: f.phone,
        form,
        rated,
        english: english(ctx),
    };
    render_form(&page, &page.form)
}

async fn post_status(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<Response> {
    crate::platform::http::public_form_limit(&s, &ctx)?;
    show_status(&s, &ctx, f, FormState::default(), false).await
}

/// The applicant rates a completed case, once, from the status page.
async fn post_rate(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<Response> {
    crate::platform::http::public_form_limit(&s, &ctx)?;
    let Some((c, _, _)) = find(&s, &ctx, &f).await? else {
        return show_status(&s, &ctx, f, FormState::default(), false).await;
    };
    let result = async {
        let stars = f
            .stars
            .trim()
            .parse::<u8>()
            .map_err(|_| AppError::invalid("stars", "hall.stars_range"))?;
        if f.comment.chars().count() > 500 {
            return Err(AppError::Invalid(vec![FieldError::new(
                "comment",
                "hall.comment_too_long",
            )]));
        }
        let cal = crate::hall::state(&s).calendar(&s.db).await?;
        cases::step(
            &s.db,
            &cal,
            &s.district,
            Who::Applicant,
            c.id,
            StepRequest::Rate {
                stars,
                comment: f.comment.clone(),
            },
            s.db.clock().now(),
        )
        .await
    }
    .await;
    let values = vec![("stars", f.stars.clone()), ("comment", f.comment.clone())];
    // the status page is drawn either way, for the request the form was sent from
    let again = f.clone();
    saved_or_show(
        result,
        |_| show_status(&s, &ctx, f, FormState::default(), true),
        "rate",
        &ctx.tr,
        values,
        |form| show_status(&s, &ctx, again, form, false),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_signed_and_timed() {
        let key = "k";
        let st = stamp_at(key, 1_000);
        assert_ne!(st, stamp_at(key, 1_000), "each page its own stamp");
        assert_eq!(check_stamp(key, &st, 1_010), Ok(()));
        assert_eq!(check_stamp(key, &st, 1_001), Err("hall.too_fast"));
        assert_eq!(
            check_stamp(key, &st, 1_000 + MAX_FORM_SECS + 1),
            Err("hall.form_expired")
        );
        assert_eq!(check_stamp("other", &st, 1_010), Err("hall.form_expired"));
        assert_eq!(
            check_stamp(key, "1000.deadbeef", 1_010),
            Err("hall.form_expired")
        );
        let (ts, rest) = st.split_once('.').unwrap();
        let forged = format!("{}.{rest}", ts.parse::<i64>().unwrap() + 1);
        assert_eq!(check_stamp(key, &forged, 1_010), Err("hall.form_expired"));
        assert_eq!(check_stamp(key, "", 1_010), Err("hall.form_expired"));
    }
}
