//! The home page: for the public a short introduction and the login link; for each role the
//! figures of its own scope and where to go next.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;

use crate::geo::store::{self, Figures};
use crate::platform::auth::{Role, Scope};
use crate::platform::charts::{Bar, bar_chart};
use crate::platform::error::Result;
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::platform::http::{AppState, render};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    chrome: Chrome,
    signed_in: bool,
    role: String,
    figures: Figures,
    chart: String,
    /// Staff: a link to their community's page.
    own_community: Option<String>,
    show_towns: bool,
}

async fn home(State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let chrome = Chrome::build(&ctx, "/");
    let Some(u) = &ctx.user else {
        return render(&HomePage {
            chrome,
            signed_in: false,
            role: String::new(),
            figures: Figures::default(),
            chart: String::new(),
            own_community: None,
            show_towns: false,
        });
    };
    let figures = store::figures(&s.db, &s.district, &u.scope).await?;
    let towns = store::list_towns(&s.db, &s.district, &u.scope).await?;
    let bars: Vec<Bar> = towns
        .iter()
        .map(|t| Bar {
            label: t.name.clone(),
            value: t.population,
            href: Some(format!("/towns/{}", t.code)),
        })
        .collect();
    let chart = if towns.len() > 1 {
        bar_chart(ctx.tr.t("geo.chart.population_by_town"), &bars)
    } else {
        String::new()
    };
    let own_community = match &u.scope {
        Scope::Community(c) => Some(c.as_str().to_string()),
        _ => None,
    };
    render(&HomePage {
        chrome,
        signed_in: true,
        role: ctx.tr.t(&u.role.label_key()).to_string(),
        show_towns: !towns.is_empty() && u.role != Role::Provider,
        figures,
        chart,
        own_community,
    })
}
