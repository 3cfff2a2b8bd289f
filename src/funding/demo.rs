//! The demo's money, after the report: the district pays 10 yuan per permanent resident
//! every year from 2007 under a total cap (2007's cap is below the entitlement, so its lines
//! are scaled), and each centre's acceptance reward in the year it was accepted; with 2007's
//! rewards the special funds come to over 4 million yuan. Units in 龙凤巷, 黄土塘 and 宛山
//! donated (共驻共建) and villages raised their own funds. This year's per-capita batch
//! waits as a draft for approval.

use chrono::{Datelike, NaiveDate};

use crate::funding::store::{self, BudgetInput, PerCapitaInput};
use crate::platform::auth::{Actor, CurrentUser};
use crate::platform::db::Db;
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.describe())
}

/// The yearly cap in fen: 2007 is short of the entitlement; later years cover it.
fn cap_fen(year: i32, scale: i64) -> i64 {
    let yuan = if year == 2007 { 3_000_000 } else { 4_600_000 };
    yuan * 100 * scale
}

pub async fn generate(
    db: &Db,
    district: &DivisionCode,
    scale: u32,
    first_year: i32,
    last_year: i32,
) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    let admin = CurrentUser::system_admin("demo");
    let scale = i64::from(scale.max(1));
    let this_year = db.clock().today().year();
    for year in first_year + 1..=this_year {
        store::set_budget(
            db,
            district,
            &admin,
            &BudgetInput {
                year: i64::from(year),
                unit: String::new(),
                category: "per_capita".into(),
                amount_fen: cap_fen(year, scale),
                note: "人均 10 元，总量控制".into(),
            },
        )
        .await
        .map_err(err)?;
        // Per capita: paid for every year up to the last with population; this year's is a draft.
        let pop_year = (year - 1).min(last_year);
        let id = store::create_per_capita_batch(
            db,
            district,
            &actor,
            &PerCapitaInput {
                year: i64::from(year),
                population_year: i64::from(pop_year),
                rate_fen: 1000,
                cap_fen: cap_fen(year, scale),
            },
        )
        .await
        .map_err(err)?;
        if year < this_year {
            pay(db, &actor, id).await?;
        }
    }
    // Rewards: each year's accepted centres, paid in that year.
    for year in first_year..this_year {
        match store::create_reward_batch(db, district, &actor, i64::from(year), None).await {
            Ok(id) => pay(db, &actor, id).await?,
            Err(AppError::Invalid(_)) => {} // nothing accepted that year
            Err(e) => return Err(err(e)),
        }
    }
    // Joint construction: donations from units in the community, and village funds.
    let area = &district.as_str()[..6];
    let gifts: &[(&str, &str, i64, &str)] = &[
        (
            "102207",
            "无锡市锡山区龙凤巷农机专业合作社",
            80_000,
            "2007-03-18",
        ),
        ("102207", "江苏锡东建材有限公司", 50_000, "2007-09-02"),
        ("106203", "无锡黄土塘纺织有限公司", 120_000, "2007-04-26"),
        ("106203", "东港镇商会", 30_000, "2008-01-15"),
        ("102202", "宛山湖生态农业园", 60_000, "2007-06-30"),
    ];
    for (village, donor, yuan, on) in gifts {
        contribute(
            db,
            district,
            &admin,
            &format!("{area}{village}"),
            "donation",
            donor,
            *yuan,
            on,
        )
        .await?;
    }
    for (village, yuan, on) in [
        ("106203", 200_000, "2007-05-10"),
        ("102202", 150_000, "2007-05-20"),
    ] {
        contribute(
            db,
            district,
            &admin,
            &format!("{area}{village}"),
            "self_raised",
            "村集体经济组织",
            yuan,
            on,
        )
        .await?;
    }
    Ok(())
}

/// Approve and pay a demo batch, dated in its own year (per capita by the end of June, the
/// rest in December) rather than today, so the history reads as it happened.
pub async fn pay(db: &Db, actor: &Actor, id: i64) -> anyhow::Result<()> {
    store::step(db, actor, id, "approve").await.map_err(err)?;
    store::step(db, actor, id, "pay").await.map_err(err)?;
    let b = store::load_batch(db, &crate::platform::auth::Scope::District, id)
        .await
        .map_err(err)?;
    let (m, d) = if b.kind == "per_capita" {
        (6, 30)
    } else {
        (12, 20)
    };
    let paid = NaiveDate::from_ymd_opt(b.year, m, d)
        .and_then(|d| d.and_hms_opt(2, 0, 0))
        .map(|d| d.and_utc());
    if let Some(paid) = paid.filter(|p| *p < db.clock().now()) {
        crate::platform::db::exec(
            &db.conn,
            "UPDATE payment_batches SET approved_at = ?, paid_at = ?, created_at = ? WHERE id = ?",
            crate::vals![
                paid - chrono::Days::new(10),
                paid,
                paid - chrono::Days::new(20),
                id
            ],
        )
        .await
        .map_err(err)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn contribute(
    db: &Db,
    district: &DivisionCode,
    admin: &CurrentUser,
    code: &str,
    kind: &str,
    source: &str,
    yuan: i64,
    on: &str,
) -> anyhow::Result<()> {
    let on = NaiveDate::parse_from_str(on, "%Y-%m-%d")?;
    let r: Result<i64> = store::record_contribution(
        db,
        district,
        admin,
        &store::ContributionInput {
            code: code.into(),
            kind: kind.into(),
            source: source.into(),
            amount_fen: yuan * 100,
            received_on: Some(on),
            note: String::new(),
        },
        db.clock().today(),
    )
    .await;
    r.map(|_| ()).map_err(err)
}
