//! Pages of the hall's registers: residents, the service catalogue, the working calendar,
//! providers, and the printable contact cards.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::hall::catalogue::{self, CalendarDay, Item, ItemInput};
use crate::hall::providers::{self, Provider, ProviderInput, ProviderQuery, Served};
use crate::hall::residents::{self, Resident, ResidentQuery, sees_personal};
use crate::hall::rules;
use crate::hall::web::Hall;
use crate::platform::auth::guard::{Admin, AdminAndStaff, Require, Territorial};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::time::parse_date;
use crate::role_set;

mod calendar_pages;
mod card_pages;
mod catalogue_pages;
mod erasure_pages;
mod provider_pages;
mod resident_form_pages;
mod resident_pages;

use calendar_pages::*;
pub use card_pages::*;
pub use catalogue_pages::*;
use erasure_pages::*;
pub use provider_pages::*;
pub use resident_form_pages::*;
pub use resident_pages::*;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/hall/residents", residents_page)
        .post("/hall/residents", post_new_resident)
        .get("/hall/residents/new", new_resident_page)
        .get("/hall/residents/{id}/erase", erase_page)
        .post("/hall/residents/{id}/erase", post_erase)
        .get("/hall/residents/{id}", resident_page)
        .post("/hall/residents/{id}", post_resident)
        .get("/hall/items", items_page)
        .post("/hall/items", post_new_item)
        .get("/hall/items/new", new_item_page)
        .get("/hall/items/{id}", item_page)
        .post("/hall/items/{id}", post_item)
        .get("/hall/calendar", calendar_page)
        .post("/hall/calendar", post_calendar)
        .post("/hall/calendar/delete", post_calendar_delete)
        .get("/hall/providers", providers_page)
        .post("/hall/providers", post_new_provider)
        .get("/hall/providers/new", new_provider_page)
        .get("/hall/providers/{id}", provider_page)
        .post("/hall/providers/{id}", post_provider)
        .get("/hall/cards/{code}", card_page)
        .get("/api/v1/residents", api_residents)
        .get("/api/v1/service-items", api_items)
        .get("/api/v1/providers", api_providers)
}

fn english(ctx: &Ctx) -> bool {
    ctx.tr.lang.code() == "en"
}
