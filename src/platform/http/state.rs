//! The application's state: the database, the configuration, the signed-in users' cache,
//! per-client limits, and what each domain keeps between requests ([`Parts`]).

use std::sync::Arc;

use crate::platform::auth::CurrentUser;
use crate::platform::cache::TtlCache;
use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::http::ctx;
use crate::platform::types::DivisionCode;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The county-level division this installation serves.
    pub district: DivisionCode,
    /// Signed-in users by credential hash, for a few seconds (platform::cache).
    pub principals: Arc<TtlCache<CurrentUser>>,
    /// What each domain keeps between requests (caches, senders), one value per type.
    pub parts: Parts,
    /// Per-client limits (sliding windows).
    pub limits: Arc<crate::platform::limits::Limiter>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        let district = config.district()?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            district,
            principals: Arc::default(),
            parts: Parts::default(),
            limits: Arc::default(),
        })
    }
}

impl AppState {
    /// The part of type `T` a domain keeps here (`hall::state`), made on first use.
    pub fn part<T: std::any::Any + Send + Sync + Default>(&self) -> Arc<T> {
        self.parts.get()
    }
}

/// What domains keep between requests, one value per type: each domain reaches its own through
/// a typed accessor (`hall::state(&s)`), so the platform's state names no domain. A part not
/// put in is made from its `Default` on first use, so it is never missing.
#[derive(Clone, Default)]
pub struct Parts(Arc<std::sync::RwLock<Map>>);

type Map = std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>;

impl Parts {
    pub fn get<T: std::any::Any + Send + Sync + Default>(&self) -> Arc<T> {
        let key = std::any::TypeId::of::<T>();
        let found = {
            let map = self.0.read().unwrap_or_else(|e| e.into_inner());
            map.get(&key).cloned()
        };
        let part = found.unwrap_or_else(|| {
            let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
            map.entry(key)
                .or_insert_with(|| Arc::new(T::default()))
                .clone()
        });
        // the map holds a `T` under `T`'s id: the cast cannot fail
        part.downcast::<T>()
            .unwrap_or_else(|_| Arc::new(T::default()))
    }

    /// Put `part` in, replacing the one there (the tests' recording notification sender).
    pub fn put<T: std::any::Any + Send + Sync>(&self, part: T) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.insert(std::any::TypeId::of::<T>(), Arc::new(part));
    }
}

/// The public address of a page, for links that leave the browser (QR codes, feeds): the
/// configured `public_url`, else the listen address — never the request's `Host` header,
/// which the sender chooses.
pub fn public_url(s: &AppState, path: &str) -> String {
    format!("{}{path}", s.config.public_base().0)
}

/// Count a hit of `key` against a limit of `max` in `window`; 429 with the wait past it.
pub fn limit(
    s: &AppState,
    key: &str,
    max: u32,
    window: std::time::Duration,
) -> Result<(), AppError> {
    s.limits
        .hit(key, max, window, std::time::Instant::now())
        .map_err(|secs| AppError::TooManyRequests {
            retry_after_secs: secs,
        })
}

/// The limit on public forms (online requests, status lookups, ratings) per client address.
/// Requests made in-process (no peer address: tests, tools) are not limited; the server
/// always knows its peers.
pub fn public_form_limit(s: &AppState, ctx: &ctx::Ctx) -> Result<(), AppError> {
    match ctx.client {
        Some(ip) => limit(
            s,
            &format!("public:{ip}"),
            s.config.limits.public_posts_per_10min,
            std::time::Duration::from_secs(600),
        ),
        None => Ok(()),
    }
}
