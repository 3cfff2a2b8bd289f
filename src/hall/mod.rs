//! The one-stop service hall (一站式服务大厅): residents' business at the community's window,
//! finished there or referred with a deadline, and convenience services through contracted
//! providers; public pages and the Open311 GeoReport v2 interface over the same cases.

pub mod cases;
pub mod catalogue;
pub mod demo;
pub mod measures;
pub mod open311;
pub mod providers;
pub mod public;
pub mod registers;
pub use crate::registry::residents;
pub mod rules;
pub mod web;

/// This domain's routes with their access, mounted by [`crate::app`].
pub fn router() -> crate::platform::http::routes::Routes<crate::platform::http::AppState> {
    web::router()
        .merge(registers::router())
        .merge(public::router())
        .merge(open311::router())
}

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_cases,
    web::api_register,
    web::api_case,
    web::api_measures,
    registers::api_residents,
    registers::api_items,
    registers::api_providers,
))]
pub struct Api;

use std::sync::Arc;

use crate::hall::catalogue::Item;
use crate::hall::rules::Calendar;
use crate::platform::cache::TtlCache;
use crate::platform::db::Db;
use crate::platform::error::Result;
use crate::platform::personal::{Mask, Mobile};

/// Sends a text to a resident's phone. The default writes it to the log; an SMS gateway is
/// another implementation handed to [`HallState::with_sender`].
pub trait Sender: Send + Sync {
    fn send(&self, phone: &str, text: &str);
}

/// The default sender: the log (target `shequ::notify`), phone masked.
pub struct LogSender;

impl Sender for LogSender {
    fn send(&self, phone: &str, text: &str) {
        tracing::info!(target: "shequ::notify", phone = %<Mobile as Mask>::mask(phone), "{text}");
    }
}

/// What the hall keeps between requests: the working calendar and the catalogue (read on
/// every registration, changed a few times a year), and the notification sender.
pub struct HallState {
    calendar: TtlCache<Arc<Calendar>>,
    items: TtlCache<Arc<Vec<Item>>>,
    pub sender: Arc<dyn Sender>,
    /// The key signing the public request form (kept in `settings`, made on first use).
    pub(crate) form_key: tokio::sync::OnceCell<String>,
    /// Failed status lookups per case number, to stop guessing phones.
    pub(crate) lookups:
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, u32)>>,
}

/// The hall's part of the application state.
pub fn state(s: &crate::platform::http::AppState) -> Arc<HallState> {
    s.part()
}

impl Default for HallState {
    fn default() -> Self {
        HallState {
            calendar: TtlCache::default(),
            items: TtlCache::default(),
            sender: Arc::new(LogSender),
            form_key: tokio::sync::OnceCell::new(),
            lookups: Default::default(),
        }
    }
}

impl HallState {
    pub fn with_sender(sender: Arc<dyn Sender>) -> HallState {
        HallState {
            sender,
            ..HallState::default()
        }
    }

    pub async fn calendar(&self, db: &Db) -> Result<Arc<Calendar>> {
        if let Some(c) = self.calendar.get("") {
            return Ok(c);
        }
        let c = Arc::new(catalogue::load_calendar(db).await?);
        self.calendar.put(String::new(), c.clone());
        Ok(c)
    }

    pub async fn items(&self, db: &Db) -> Result<Arc<Vec<Item>>> {
        if let Some(c) = self.items.get("") {
            return Ok(c);
        }
        let c = Arc::new(catalogue::items(db).await?);
        self.items.put(String::new(), c.clone());
        Ok(c)
    }

    /// Drop the cached calendar and catalogue after a change.
    pub fn forget(&self) {
        self.calendar.clear();
        self.items.clear();
    }

    pub fn notify(&self, notice: Option<cases::Notice>) {
        if let Some(n) = notice {
            self.sender.send(&n.phone, &n.text);
        }
    }
}
