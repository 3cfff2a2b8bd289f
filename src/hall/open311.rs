//! Open311 GeoReport v2 (<https://wiki.open311.org/GeoReport_v2>) at `/open311/v2/`, over
//! the same catalogue and cases: `services`, `services/{code}`, `requests` (GET and POST),
//! `requests/{id}`, `tokens/{token}` and `discovery`, each as `.json` or `.xml`.
//!
//! Decisions, as a client would need to know them:
//! - `jurisdiction_id` is the district's code (6 or 12 digits); it may be left out.
//! - Services are the catalogue items open to online requests. Every one has metadata: the
//!   required attribute `community` (the 12-digit code of the community that handles it),
//!   a single-value list of the district's communities.
//! - POST needs an `api_key` issued with `shequ open311 add-key`, a `phone` (a mobile number:
//!   the way back to the requester and the key to the public status page) and a name
//!   (`last_name` + `first_name`, family name first as Chinese names are written). The case is
//!   created at once: the answer carries both its `service_request_id` (the case number) and
//!   a `token`, which `tokens/{token}` also resolves.
//! - GET `requests` lists the requests the public submitted (online or through Open311),
//!   never the business people bring to the window, and no personal data: status, service,
//!   description, the agency responsible, dates. 90 days by default and at most 90 days
//!   per query, newest first, up to `page_size` (default 100, at most 1,000).

use axum::extract::{Path, Query, RawForm, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Value};
use serde_json::json;

use crate::hall::cases::{self, CaseInput, OPEN_STATUSES};
use crate::hall::catalogue::Item;
use crate::platform::audit;
use crate::platform::auth::guard::Public;
use crate::platform::auth::{self, Actor};
use crate::platform::db;
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::Ctx;
use crate::platform::http::routes::Routes;
use crate::platform::text::xml_escape;
use crate::platform::time::district_tz;
use crate::vals;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/open311/v2/{file}", get_root)
        .post("/open311/v2/{file}", post_requests)
        .get("/open311/v2/services/{file}", get_service)
        .get("/open311/v2/requests/{file}", get_request)
        .get("/open311/v2/tokens/{file}", get_token)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

/// The resource and format of a path's last segment, or the spec's 404 (in JSON: no format
/// was recognised).
fn resource<'a>(ctx: &Ctx, file: &'a str) -> std::result::Result<(&'a str, Format), Box<Response>> {
    split(file).ok_or_else(|| {
        Box::new(error(
            Format::Json,
            StatusCode::NOT_FOUND,
            ctx.tr.t("open311.not_found"),
        ))
    })
}

/// `services.json` → ("services", Json).
fn split(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let f = match ext {
        "json" => Format::Json,
        "xml" => Format::Xml,
        _ => return None,
    };
    Some((name, f))
}

/// One XML element per field of an object; an array's members repeat the element named
/// after the array (`attributes` → `attribute`, `values` → `value`, …).
fn to_xml(out: &mut String, tag: &str, v: &serde_json::Value) {
    match v {
        serde_json::Value::Array(a) => {
            out.push_str(&format!("<{tag}>"));
            let member = tag.strip_suffix('s').unwrap_or("item");
            for x in a {
                to_xml(out, member, x);
            }
            out.push_str(&format!("</{tag}>"));
        }
        serde_json::Value::Object(o) => {
            out.push_str(&format!("<{tag}>"));
            for (k, x) in o {
                to_xml(out, k, x);
            }
            out.push_str(&format!("</{tag}>"));
        }
        serde_json::Value::Null => out.push_str(&format!("<{tag}/>")),
        serde_json::Value::String(s) => out.push_str(&format!("<{tag}>{}</{tag}>", xml_escape(s))),
        other => out.push_str(&format!("<{tag}>{other}</{tag}>")),
    }
}

/// A document in the requested format: `root`/`item` name the XML wrapper and elements.
fn respond(
    f: Format,
    status: StatusCode,
    root: &str,
    item: &str,
    v: serde_json::Value,
) -> Response {
    let (body, ct) = match f {
        Format::Json => (v.to_string(), "application/json; charset=utf-8"),
        Format::Xml => {
            let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            match &v {
                serde_json::Value::Array(a) => {
                    s.push_str(&format!("<{root}>"));
                    for x in a {
                        to_xml(&mut s, item, x);
                    }
                    s.push_str(&format!("</{root}>"));
                }
                other => to_xml(&mut s, root, other),
            }
            (s, "text/xml; charset=utf-8")
        }
    };
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    r
}

/// An error as the spec has it: a list of `{code, description}`.
fn error(f: Format, status: StatusCode, description: &str) -> Response {
    respond(
        f,
        status,
        "errors",
        "error",
        json!([{ "code": status.as_u16(), "description": description }]),
    )
}

fn app_error(ctx: &Ctx, f: Format, e: AppError) -> Response {
    match e {
        AppError::Invalid(errs) => {
            let list: Vec<serde_json::Value> = errs
                .iter()
                .map(|e| {
                    json!({ "code": 400, "description": format!("{}: {}", e.field, ctx.tr.field_error(e)) })
                })
                .collect();
            respond(f, StatusCode::BAD_REQUEST, "errors", "error", json!(list))
        }
        AppError::NotFound => error(f, StatusCode::NOT_FOUND, ctx.tr.t("open311.not_found")),
        AppError::Forbidden | AppError::Unauthorized => {
            error(f, StatusCode::FORBIDDEN, ctx.tr.t("open311.bad_key"))
        }
        AppError::TooManyRequests { retry_after_secs } => {
            let mut r = error(
                f,
                StatusCode::TOO_MANY_REQUESTS,
                ctx.tr.t("open311.too_many"),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        other => {
            tracing::error!("open311: {}", other.describe());
            error(
                f,
                StatusCode::INTERNAL_SERVER_ERROR,
                ctx.tr.t("errors.page.internal.message"),
            )
        }
    }
}

fn param<'a>(pairs: &'a [(String, String)], k: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// The jurisdiction, when given, must be this district.
fn check_jurisdiction(s: &AppState, pairs: &[(String, String)]) -> Result<()> {
    match param(pairs, "jurisdiction_id") {
        None => Ok(()),
        Some(j) if j == s.district.as_str() || j == &s.district.as_str()[..6] => Ok(()),
        Some(_) => Err(AppError::NotFound),
    }
}

fn online_items(items: &[Item]) -> impl Iterator<Item = &Item> {
    items.iter().filter(|i| i.active && i.online)
}

fn service_json(i: &Item) -> serde_json::Value {
    json!({
        "service_code": i.code,
        "service_name": i.name,
        "description": if i.description.is_empty() { i.name_en.clone() } else { i.description.clone() },
        "metadata": true,
        "type": "realtime",
        "keywords": format!("{}, {}", i.group_key, i.kind),
        "group": i.kind,
    })
}

// ------------------------------------------------------------------ GET

async fn get_root(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (name, f) = match resource(&ctx, &file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let r = match name {
        "services" => services(&s, f, &pairs).await,
        "requests" => list_requests(&s, &ctx, f, &pairs).await,
        "discovery" => Ok(discovery(&s, f)),
        _ => Err(AppError::NotFound),
    };
    r.unwrap_or_else(|e| app_error(&ctx, f, e))
}

fn discovery(s: &AppState, f: Format) -> Response {
    let base = if s.config.public_url.is_empty() {
        "/open311/v2/".to_string()
    } else {
        format!("{}/open311/v2/", s.config.public_url.trim_end_matches('/'))
    };
    respond(
        f,
        StatusCode::OK,
        "discovery",
        "endpoint",
        json!({
            "changeset": "2026-11-25T00:00:00Z",
            "contact": "区民政局社区建设科",
            "key_service": "shequ open311 add-key",
            "endpoints": [{
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-25T00:00:00Z",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }],
        }),
    )
}

async fn services(s: &AppState, f: Format, pairs: &[(String, String)]) -> Result<Response> {
    check_jurisdiction(s, pairs)?;
    let items = crate::hall::state(s).items(&s.db).await?;
    let list: Vec<serde_json::Value> = online_items(&items).map(service_json).collect();
    Ok(respond(
        f,
        StatusCode::OK,
        "services",
        "service",
        json!(list),
    ))
}

async fn get_service(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (code, f) = match resource(&ctx, &file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let r = async {
        check_jurisdiction(&s, &pairs)?;
        let items = crate::hall::state(&s).items(&s.db).await?;
        let item = online_items(&items)
            .find(|i| i.code == code)
            .ok_or(AppError::NotFound)?;
        let (lo, hi) = s.district.descendant_range();
        let communities: Vec<(String, String)> = db::all_json(
            &s.db.conn,
            &["code", "name"],
            "SELECT code, name FROM divisions WHERE code BETWEEN ? AND ? AND level = 5 \
             AND merged_into IS NULL",
            vals![lo, hi],
        )
        .await?;
        let mut communities = communities;
        communities.sort();
        let values: Vec<serde_json::Value> = communities
            .iter()
            .map(|(k, n)| json!({ "key": k, "name": n }))
            .collect();
        Ok::<_, AppError>(respond(
            f,
            StatusCode::OK,
            "service_definition",
            "attribute",
            json!({
                "service_code": item.code,
                "attributes": [{
                    "variable": true,
                    "code": "community",
                    "datatype": "singlevaluelist",
                    "required": true,
                    "datatype_description": "12-digit code of the community",
                    "order": 1,
                    "description": "所在社区（村、居委会）",
                    "values": values,
                }],
            }),
        ))
    }
    .await;
    r.unwrap_or_else(|e| app_error(&ctx, f, e))
}

/// What the public may read of a request: the service, its status, the community and town
/// (as the place), the dates, who is responsible, and what staff wrote for the public. Never
/// the applicant's name, phone, own words, address or position — they stay with the case.
#[derive(FromQueryResult)]
struct PublicCase {
    number: String,
    status: String,
    item_code: String,
    item_name: String,
    public_description: String,
    community_name: String,
    town_name: String,
    referred_to: Option<String>,
    received_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    due_on: Option<NaiveDate>,
    token: Option<String>,
}

const PUBLIC_SELECT: &str = "SELECT k.number, k.status, i.code AS item_code, i.name AS item_name, \
    k.public_description, c.name AS community_name, t.name AS town_name, k.referred_to, \
    k.received_at, k.updated_at, k.due_on, k.token \
    FROM cases k JOIN service_items i ON i.id = k.item_id \
    JOIN divisions c ON c.code = k.community_code \
    JOIN divisions t ON t.code = substr(k.community_code, 1, 9) || '000'";

fn w3c(t: &DateTime<Utc>) -> String {
    t.with_timezone(&district_tz()).to_rfc3339()
}

fn request_json(tr: &crate::platform::i18n::Tr, c: &PublicCase) -> serde_json::Value {
    let open = !matches!(c.status.as_str(), "completed" | "rejected");
    json!({
        "service_request_id": c.number,
        "status": if open { "open" } else { "closed" },
        // the status in words, not the words of whoever worked the case
        "status_notes": tr.t(&format!("hall.status.{}", c.status)),
        "service_name": c.item_name,
        "service_code": c.item_code,
        "description": c.public_description,
        "agency_responsible": c.referred_to.clone().unwrap_or_else(|| "社区服务中心".into()),
        "service_notice": "",
        "requested_datetime": w3c(&c.received_at),
        "updated_datetime": w3c(&c.updated_at),
        "expected_datetime": c.due_on.and_then(|d| d.and_hms_opt(17, 0, 0))
            .and_then(|t| t.and_local_timezone(district_tz()).single())
            .map(|t| t.to_rfc3339()),
        // the place is the community, never the applicant's address or position
        "address": format!("{}{}", c.town_name, c.community_name),
        "address_id": "",
        "zipcode": "",
        "lat": null,
        "long": null,
        "media_url": "",
    })
}

fn parse_w3c(field: &str, v: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| AppError::invalid(field, "open311.bad_datetime"))
}

async fn list_requests(
    s: &AppState,
    ctx: &Ctx,
    f: Format,
    pairs: &[(String, String)],
) -> Result<Response> {
    check_jurisdiction(s, pairs)?;
    let (cond, mut v) = cases::case_scope(&crate::platform::auth::Scope::District, &s.district);
    let mut wh = vec![cond, "k.channel IN ('online', 'open311')".to_string()];
    if let Some(ids) = param(pairs, "service_request_id") {
        // the ids override every other filter
        let ids: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .take(100)
            .collect();
        wh.push(format!(
            "k.number IN ({})",
            vec!["?"; ids.len().max(1)].join(", ")
        ));
        if ids.is_empty() {
            v.push(Value::from(""));
        }
        v.extend(ids.iter().map(|x| Value::from(x.to_string())));
    } else {
        if let Some(codes) = param(pairs, "service_code") {
            let codes: Vec<&str> = codes.split(',').map(str::trim).take(50).collect();
            wh.push(format!("i.code IN ({})", vec!["?"; codes.len()].join(", ")));
            v.extend(codes.iter().map(|x| Value::from(x.to_string())));
        }
        let end = match param(pairs, "end_date") {
            Some(e) => parse_w3c("end_date", e)?,
            None => s.db.clock().now(),
        };
        let start = match param(pairs, "start_date") {
            Some(x) => parse_w3c("start_date", x)?,
            None => end - Duration::days(90),
        };
        if end < start || end - start > Duration::days(90) {
            return Err(AppError::invalid("start_date", "open311.range"));
        }
        wh.push("k.received_at BETWEEN ? AND ?".into());
        v.extend(vals![start, end]);
        match param(pairs, "status") {
            None => {}
            Some(st) => {
                let want: Vec<&str> = st.split(',').map(str::trim).collect();
                match (want.contains(&"open"), want.contains(&"closed")) {
                    (true, true) => {}
                    (true, false) => wh.push(format!("k.status IN {OPEN_STATUSES}")),
                    (false, true) => wh.push(format!("k.status NOT IN {OPEN_STATUSES}")),
                    _ => return Err(AppError::invalid("status", "open311.bad_status")),
                }
            }
        }
    }
    let size = match param(pairs, "page_size") {
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| AppError::invalid("page_size", "open311.bad_page_size"))?,
        None => 100,
    };
    let rows: Vec<PublicCase> = db::all(
        &s.db.conn,
        &format!(
            "{PUBLIC_SELECT} WHERE {} ORDER BY k.received_at DESC, k.id DESC LIMIT {size}",
            wh.join(" AND ")
        ),
        v,
    )
    .await?;
    let list: Vec<serde_json::Value> = rows.iter().map(|c| request_json(&ctx.tr, c)).collect();
    Ok(respond(
        f,
        StatusCode::OK,
        "service_requests",
        "request",
        json!(list),
    ))
}

async fn get_request(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (id, f) = match resource(&ctx, &file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let r = async {
        check_jurisdiction(&s, &pairs)?;
        let (cond, mut v) = cases::case_scope(&crate::platform::auth::Scope::District, &s.district);
        v.push(id.into());
        let c: PublicCase = db::one(
            &s.db.conn,
            &format!(
                "{PUBLIC_SELECT} WHERE {cond} AND k.channel IN ('online', 'open311') AND k.number = ?"
            ),
            v,
        )
        .await?
        .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(respond(
            f,
            StatusCode::OK,
            "service_requests",
            "request",
            json!([request_json(&ctx.tr, &c)]),
        ))
    }
    .await;
    r.unwrap_or_else(|e| app_error(&ctx, f, e))
}

async fn get_token(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let (token, f) = match resource(&ctx, &file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    let r = async {
        check_jurisdiction(&s, &pairs)?;
        let c: PublicCase = db::one(
            &s.db.conn,
            &format!("{PUBLIC_SELECT} WHERE k.token = ?"),
            vals![token],
        )
        .await?
        .ok_or(AppError::NotFound)?;
        Ok::<_, AppError>(respond(
            f,
            StatusCode::OK,
            "service_requests",
            "request",
            json!([{ "service_request_id": c.number, "token": c.token }]),
        ))
    }
    .await;
    r.unwrap_or_else(|e| app_error(&ctx, f, e))
}

// ------------------------------------------------------------------ POST

pub const MAX_BODY: usize = 64 * 1024;

/// The client behind an api_key, or refusal.
async fn client(s: &AppState, key: Option<&str>) -> Result<(i64, String)> {
    #[derive(FromQueryResult)]
    struct C {
        id: i64,
        label: String,
    }
    let key = key.ok_or(AppError::Forbidden)?;
    let c: C = db::one(
        &s.db.conn,
        "SELECT id, label FROM open311_clients WHERE key_hash = ? AND revoked = ?",
        vals![auth::sha256_hex(key), false],
    )
    .await?
    .ok_or(AppError::Forbidden)?;
    Ok((c.id, c.label))
}

async fn post_requests(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    RawForm(body): RawForm,
) -> Response {
    let (name, f) = match resource(&ctx, &file) {
        Ok(x) => x,
        Err(r) => return *r,
    };
    if name != "requests" {
        return error(f, StatusCode::NOT_FOUND, ctx.tr.t("open311.not_found"));
    }
    if body.len() > MAX_BODY {
        return error(
            f,
            StatusCode::PAYLOAD_TOO_LARGE,
            ctx.tr.t("open311.too_large"),
        );
    }
    let Ok(mut pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return error(f, StatusCode::BAD_REQUEST, ctx.tr.t("open311.malformed"));
    };
    // the spec allows api_key and jurisdiction_id in the query string too
    pairs.extend(query);
    let r = async {
        check_jurisdiction(&s, &pairs)?;
        let limits = &s.config.limits;
        if let Some(ip) = ctx.client {
            crate::platform::http::limit(
                &s,
                &format!("open311-ip:{ip}"),
                limits.open311_posts_per_ip_10min,
                std::time::Duration::from_secs(600),
            )?;
        }
        let (client_id, label) = client(&s, param(&pairs, "api_key")).await?;
        crate::platform::http::limit(
            &s,
            &format!("open311-key:{client_id}"),
            limits.open311_posts_per_hour,
            std::time::Duration::from_secs(3600),
        )?;
        let items = crate::hall::state(&s).items(&s.db).await?;
        let first = param(&pairs, "first_name").unwrap_or("").trim().to_string();
        let last = param(&pairs, "last_name").unwrap_or("").trim().to_string();
        let name = if first.is_ascii() && last.is_ascii() {
            format!("{first} {last}").trim().to_string()
        } else {
            format!("{last}{first}")
        };
        let input = CaseInput {
            community: param(&pairs, "attribute[community]")
                .unwrap_or("")
                .to_string(),
            item: param(&pairs, "service_code").unwrap_or("").to_string(),
            resident_id: String::new(),
            applicant_name: name,
            applicant_phone: param(&pairs, "phone").unwrap_or("").to_string(),
            id_number: String::new(),
            description: param(&pairs, "description").unwrap_or("").to_string(),
            address: param(&pairs, "address_string").unwrap_or("").to_string(),
        };
        let mut n = input.check(&items, "open311", true)?;
        let coord = |k: &str, range: f64| -> Result<Option<f64>> {
            match param(&pairs, k) {
                None => Ok(None),
                Some(x) => x
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && v.abs() <= range)
                    .map(Some)
                    .ok_or_else(|| AppError::invalid(k, "open311.bad_coordinate")),
            }
        };
        n.lat = coord("lat", 90.0)?;
        n.lon = coord("long", 180.0)?;
        let cal = crate::hall::state(&s).calendar(&s.db).await?;
        let actor = Actor {
            id: None,
            name: format!("open311:{label}#{client_id}"),
        };
        let (reg, notice) =
            cases::register(&s.db, &s.district, &cal, &actor, &n, s.db.clock().now()).await?;
        crate::hall::state(&s).notify(notice);
        Ok::<_, AppError>(respond(
            f,
            StatusCode::CREATED,
            "service_requests",
            "request",
            json!([{
                "service_request_id": reg.number,
                "token": reg.token,
                "service_notice": ctx.tr.t("open311.notice"),
                "account_id": null,
            }]),
        ))
    }
    .await;
    r.unwrap_or_else(|e| app_error(&ctx, f, e))
}

/// Issue a key for a third-party client; only its hash is kept. Returns the key.
pub async fn add_key(db: &db::Db, actor: &Actor, label: &str) -> Result<String> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(AppError::invalid("label", "common.required"));
    }
    let key = auth::random_token()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO open311_clients (label, key_hash, created_at) VALUES (?, ?, ?) RETURNING id",
        vals![
            label,
            auth::sha256_hex(&key),
            crate::platform::time::real_now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        actor,
        "create",
        "open311_client",
        &id.to_string(),
        None::<&()>,
        Some(&json!({ "label": label })),
    )
    .await?;
    Ok(key)
}
