//! The residents' site, where one page draws on several domains: a community's public page
//! (`/p/{code}`): the convenience services that serve it (the hall) beside its public life
//! (self-government's meetings, notices, activities and rooms). Pages of one domain stay in
//! that domain (`hall::public`, `selfgov::public`); what composes them lives here, above both.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::hall::providers::{self, Provider};
use crate::hall::public;
use crate::hall::registers::by_category;
use crate::platform::auth::guard::Public;
use crate::platform::error::Result;
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::selfgov::public::PublicLife;

pub fn router() -> Routes<AppState> {
    Routes::new().get("/p/{code}", directory_page)
}

#[derive(Template)]
#[template(path = "public/directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    code: String,
    community: String,
    town: String,
    groups: Vec<(&'static str, Vec<Provider>)>,
    life: PublicLife,
    /// Today's duty at the service hall: who, from when to when.
    duty: Vec<crate::workers::roster::Duty>,
}

async fn directory_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let (community, town) = public::community_name(&s, &code).await?;
    let ps = providers::serving(&s.db, &code, s.db.clock().today()).await?;
    let life = crate::selfgov::public::life(&s, &code).await?;
    let duty = crate::workers::roster::today(&s.db, &code, s.db.clock().today()).await?;
    render(&DirectoryPage {
        duty,
        life,
        chrome: Chrome::build(&ctx, ""),
        code,
        community,
        town,
        groups: by_category(&ps),
    })
}
