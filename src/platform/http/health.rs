//! Liveness (`/healthz`: the process answers and can read) and readiness (`/readyz`: it can
//! also write now). A monitor or load balancer watches `/readyz`: it turns 503 while the disk
//! is full or the database cannot be reached, and back to 200 by itself when that passes.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::platform::auth::guard::Public;
use crate::platform::db;
use crate::platform::error::{AppError, Outage};
use crate::platform::http::state::AppState;
use crate::vals;

/// How long the readiness probe waits for its write (behind the writers queued before it).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "ok")))]
pub async fn healthz(_: Public, State(state): State<AppState>) -> Result<Response, AppError> {
    db::scalar(&state.db.conn, "SELECT CAST(1 AS BIGINT)", vals![]).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], "ok").into_response())
}

/// The last readiness probe, reused for a second (`/readyz` is public: its write must not
/// become anyone's load generator). Kept in the state's parts.
#[derive(Default)]
struct LastProbe(tokio::sync::Mutex<Option<Probe>>);

/// A readiness probe's answer and when it was taken.
pub type Probe = (std::time::Instant, Readiness);

/// How long one probe's answer is reused.
const PROBE_REUSE: Duration = Duration::from_secs(1);

/// What `/readyz` reports.
#[derive(Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    /// `ok`, or why reading failed.
    pub read: &'static str,
    /// `ok`, `storage` (disk full or failing, or less free space than `min_free_mb`),
    /// `connection` (unreachable, dropped, locked),
    /// `timeout` (the probe's write waited longer than 5 s) or `error`.
    pub write: &'static str,
    /// Free bytes on the SQLite database's file system (none for PostgreSQL).
    pub free_bytes: Option<u64>,
}

fn cause(e: &AppError) -> &'static str {
    match e {
        AppError::Unavailable(Outage::Storage) => "storage",
        AppError::Unavailable(Outage::Connection) => "connection",
        _ => "error",
    }
}

/// Readiness: a read, then a write that must commit (one row of its own table). 200 when both
/// pass, else 503 with what failed.
#[utoipa::path(get, path = "/readyz", tag = "system", responses(
    (status = 200, description = "reads and writes work", body = Readiness),
    (status = 503, description = "the database cannot write (disk full) or cannot be reached", body = Readiness)))]
pub async fn readyz(_: Public, State(state): State<AppState>) -> Response {
    let readiness = state.part::<LastProbe>();
    let mut last = readiness.0.lock().await;
    let body = match &*last {
        Some((at, r)) if at.elapsed() < PROBE_REUSE => r.clone(),
        _ => {
            let r = check(&state).await;
            *last = Some((std::time::Instant::now(), r.clone()));
            r
        }
    };
    drop(last);
    let status = if body.status == "ready" {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

async fn check(state: &AppState) -> Readiness {
    let read = match db::scalar(&state.db.conn, "SELECT CAST(1 AS BIGINT)", vals![]).await {
        Ok(_) => "ok",
        Err(e) => cause(&e),
    };
    let write = match tokio::time::timeout(PROBE_TIMEOUT, probe(state)).await {
        Ok(Ok(())) => "ok",
        Ok(Err(e)) => cause(&e),
        Err(_) => "timeout",
    };
    let free_bytes = state
        .db
        .target
        .sqlite_path()
        .map(|p| match p.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => d.to_path_buf(),
            None => std::path::PathBuf::from("."),
        })
        .and_then(|dir| fs4::available_space(dir).ok());
    let floor = state.config.min_free_mb.saturating_mul(1024 * 1024);
    let write = match free_bytes {
        Some(free) if write == "ok" && free < floor => "storage",
        _ => write,
    };
    let ready = read == "ok" && write == "ok";
    Readiness {
        status: if ready { "ready" } else { "unavailable" },
        read,
        write,
        free_bytes,
    }
}

async fn probe(state: &AppState) -> Result<(), AppError> {
    let tx = state.db.write_tx().await?;
    db::exec(
        &tx,
        "INSERT INTO readiness (id, checked_at) VALUES (1, ?) \
         ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
        vals![crate::platform::time::real_now()],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
