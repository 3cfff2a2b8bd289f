//! The printable contact cards of a community (A6 and A4).

use super::*;

/// Providers of a community grouped by category, for the card and the public directory.
pub fn by_category(ps: &[Provider]) -> Vec<(&'static str, Vec<Provider>)> {
    rules::PROVIDER_CATEGORIES
        .iter()
        .map(|c| {
            (
                *c,
                ps.iter()
                    .filter(|p| p.category_list().contains(c))
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// A QR code as inline SVG.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(120, 120)
            .quiet_zone(true)
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1),
        Err(_) => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CardQuery {
    /// a6 (default) or a4
    pub(super) size: Option<String>,
}

#[derive(Template)]
#[template(path = "hall/card.html")]
pub(super) struct CardPage {
    pub(super) chrome: Chrome,
    pub(super) community: String,
    pub(super) town: String,
    pub(super) groups: Vec<(&'static str, Vec<Provider>)>,
    pub(super) qr: String,
    pub(super) url: String,
    pub(super) a4: bool,
    pub(super) printed_on: NaiveDate,
}

pub(super) async fn card_page(
    u: Require<Registry>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CardQuery>,
) -> Result<Response> {
    let c = crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let today = s.db.clock().today();
    let ps = providers::serving(&s.db, &c.row.code, today).await?;
    let url = crate::platform::http::public_url(&s, &format!("/p/{}", c.row.code));
    // a QR code to an address residents cannot reach (the listen address) is worse than none
    let configured = s.config.public_base().1;
    render(&CardPage {
        chrome: Chrome::build(&ctx, "/hall/providers"),
        community: c.row.name.clone(),
        town: c.row.town_name.clone(),
        groups: by_category(&ps),
        qr: if configured {
            qr_svg(&url)
        } else {
            String::new()
        },
        url,
        a4: q.size.as_deref() == Some("a4"),
        printed_on: today,
    })
}
