//! Login, logout, the language switch and the user's own account page.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::Response;
use serde::Deserialize;

use crate::platform::audit;
use crate::platform::auth::guard::{Public, Signed};
use crate::platform::auth::{self, Role, check_password_strength, hash_password, verify_password};
use crate::platform::db;
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::i18n::Lang;
use crate::vals;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/login", login_page)
        .post("/login", login_submit)
        .post("/logout", logout)
        .get("/lang/{code}", switch_lang)
        .get("/account", account_page)
        .post("/account", change_password)
        .get("/api/v1/me", api_me)
}

pub use crate::platform::http::safe_next;

#[derive(Template)]
#[template(path = "home/login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    username: String,
    error: String,
    notice: String,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    bye: Option<String>,
}

async fn login_page(_: Public, ctx: Ctx, Query(q): Query<LoginQuery>) -> Result<Response> {
    if ctx.user.is_some() {
        return Ok(crate::platform::http::redirect(&safe_next(
            q.next.as_deref(),
        )));
    }
    let notice = if q.expired.is_some() {
        ctx.tr.t("auth.session_expired").to_string()
    } else if q.bye.is_some() {
        ctx.tr.t("auth.logged_out").to_string()
    } else {
        String::new()
    };
    render(&LoginPage {
        chrome: Chrome::build(&ctx, "/login"),
        next: safe_next(q.next.as_deref()),
        username: String::new(),
        error: String::new(),
        notice,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

fn login_failed(
    ctx: &Ctx,
    name: &str,
    next: Option<&str>,
    key: &str,
    status: axum::http::StatusCode,
) -> Result<Response> {
    login_failed_with(ctx, name, next, ctx.tr.t(key).to_string(), status)
}

fn login_failed_with(
    ctx: &Ctx,
    name: &str,
    next: Option<&str>,
    error: String,
    status: axum::http::StatusCode,
) -> Result<Response> {
    let mut resp = render(&LoginPage {
        chrome: Chrome::build(ctx, "/login"),
        next: safe_next(next),
        username: name.to_string(),
        error,
        notice: String::new(),
    })?;
    *resp.status_mut() = status;
    Ok(resp)
}

/// "Too many failures: wait …" as a 429 with `Retry-After`.
fn must_wait(ctx: &Ctx, name: &str, next: Option<&str>, secs: u64) -> Result<Response> {
    let wait = if secs < 60 {
        ctx.tr.f1("auth.seconds", secs)
    } else {
        ctx.tr.f1("auth.minutes", secs.div_ceil(60))
    };
    let mut r = login_failed_with(
        ctx,
        name,
        next,
        ctx.tr.f1("auth.locked", wait),
        axum::http::StatusCode::TOO_MANY_REQUESTS,
    )?;
    if let Ok(v) = header::HeaderValue::from_str(&secs.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Ok(r)
}

async fn login_submit(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Result<Response> {
    let now = crate::platform::time::real_now();
    let name = f.username.trim().to_string();
    if name.is_empty() || f.password.is_empty() {
        return login_failed(
            &ctx,
            &name,
            f.next.as_deref(),
            "auth.fill_both",
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let client = ctx.client_key();
    if let Some(secs) = auth::locked_for(&s.db, &name, &client, now).await? {
        return must_wait(&ctx, &name, f.next.as_deref(), secs);
    }
    let user = auth::find_user_by_name(&s.db.conn, &name).await?;
    // Verify against a fixed hash when the user is unknown, so timing does not reveal names.
    let ok = match &user {
        Some(u) => verify_password(&f.password, &u.password_hash) && u.active,
        None => {
            let _ = verify_password(&f.password, dummy_hash());
            false
        }
    };
    let Some(user) = user.filter(|_| ok) else {
        return match auth::record_failure(&s.db, &name, &client, now).await? {
            Some(secs) => must_wait(&ctx, &name, f.next.as_deref(), secs),
            None => login_failed(
                &ctx,
                &name,
                f.next.as_deref(),
                "auth.wrong",
                axum::http::StatusCode::UNAUTHORIZED,
            ),
        };
    };
    auth::clear_failures(&s.db, &name, &client).await?;
    let (token, _csrf) = auth::create_session(&s.db, user.id).await?;
    let mut resp = crate::platform::http::redirect(&safe_next(f.next.as_deref()));
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            SESSION_COOKIE,
            &token,
            auth::SESSION_HOURS * 3600,
            s.config.secure_cookies,
        ),
    );
    Ok(resp)
}

/// A real argon2 hash, verified against for unknown account names (same cost as a real check).
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("no such account").unwrap_or_default())
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(
    _: Public,
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response> {
    if let Some(tok) = crate::platform::http::ctx::cookie(&headers, SESSION_COOKIE) {
        auth::delete_session(&s.db, tok).await?;
        s.principals.forget(&auth::sha256_hex(tok));
    }
    let mut resp = crate::platform::http::redirect("/login?bye=1");
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", 0, s.config.secure_cookies),
    );
    Ok(resp)
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Set the language cookie and go back. A preference, not data: a plain link works.
async fn switch_lang(
    _: Public,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let mut resp = crate::platform::http::redirect(&safe_next(q.next.as_deref()));
    resp.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            LANG_COOKIE,
            lang.short(),
            60 * 60 * 24 * 365,
            s.config.secure_cookies,
        ),
    );
    Ok(resp)
}

#[derive(Template)]
#[template(path = "home/account.html")]
struct AccountPage {
    chrome: Chrome,
    username: String,
    role: String,
    errors: Vec<(String, String)>,
    saved: bool,
}

impl AccountPage {
    fn fields(&self) -> [(&'static str, &'static str, &'static str); 3] {
        [
            ("current", "account.current", "current-password"),
            ("new_password", "account.new", "new-password"),
            ("confirm", "account.confirm", "new-password"),
        ]
    }
    fn error(&self, field: &str) -> String {
        self.errors
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.clone())
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

async fn account_page(
    Signed(u): Signed,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    render(&AccountPage {
        chrome: Chrome::build(&ctx, "/account"),
        username: u.username.clone(),
        role: ctx.tr.t(&u.role.label_key()).to_string(),
        errors: vec![],
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
}

async fn change_password(
    Signed(u): Signed,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response> {
    let row = auth::find_user(&s.db.conn, u.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let mut errs = vec![];
    if !verify_password(&f.current, &row.password_hash) {
        errs.push(FieldError::new("current", "password.wrong_current"));
    }
    if let Err(k) = check_password_strength(&f.new_password) {
        errs.push(FieldError::new("new_password", k).with(auth::MIN_PASSWORD_LEN));
    }
    if f.new_password != f.confirm {
        errs.push(FieldError::new("confirm", "password.mismatch"));
    }
    if !errs.is_empty() {
        let mut resp = render(&AccountPage {
            chrome: Chrome::build(&ctx, "/account"),
            username: u.username.clone(),
            role: ctx.tr.t(&u.role.label_key()).to_string(),
            errors: errs
                .iter()
                .map(|e| (e.field.clone(), ctx.tr.field_error(e)))
                .collect(),
            saved: false,
        })?;
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    set_password(&s, &u.actor(), u.id, &f.new_password).await?;
    Ok(crate::platform::http::redirect("/account?saved=1"))
}

/// Replace a user's password, end their sessions and API tokens, and audit it (never the
/// hash).
pub async fn set_password(
    s: &AppState,
    actor: &auth::Actor,
    user_id: i64,
    password: &str,
) -> Result<()> {
    let hash = hash_password(password)?;
    let tx = s.db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE users SET password_hash = ? WHERE id = ?",
        vals![hash, user_id],
    )
    .await?;
    db::exec(
        &tx,
        "DELETE FROM sessions WHERE user_id = ?",
        vals![user_id],
    )
    .await?;
    // API tokens were issued under the old password: they end with it
    db::exec(
        &tx,
        "UPDATE api_tokens SET revoked = ? WHERE user_id = ?",
        vals![true, user_id],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "password",
        "user",
        &user_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"password": "changed"})),
    )
    .await?;
    s.principals.retain(|u| u.id != user_id);
    Ok(())
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// `district`, `department:ID`, `town:CODE`, `community:CODE` or `provider:ID`.
    pub scope: String,
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401)))]
pub async fn api_me(Signed(u): Signed) -> Json<Me> {
    use crate::platform::auth::Scope;
    let scope = match &u.scope {
        Scope::District => "district".to_string(),
        Scope::Department(id) => format!("department:{id}"),
        Scope::Town(c) => format!("town:{c}"),
        Scope::Community(c) => format!("community:{c}"),
        Scope::Provider(id) => format!("provider:{id}"),
    };
    Json(Me {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: u.role,
        scope,
    })
}
