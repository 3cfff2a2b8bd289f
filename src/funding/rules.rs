//! Pure rules of funding: the per-capita allocation under a total cap (largest remainder, to
//! the fen), the words each line is explained in, and the batch life cycle. No IO.

use serde::{Deserialize, Serialize};

use crate::platform::types::{Fen, thousands_i};

/// One community's claim: its permanent population in the chosen year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub code: String,
    pub population: i64,
}

/// One allocated line, in the order of the claims.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub population: i64,
    /// rate × population, in fen
    pub entitled_fen: i64,
    pub amount_fen: i64,
    /// 1 fen added by the largest-remainder rounding
    pub remainder_fen: i64,
}

/// The result of an allocation run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub lines: Vec<Allocation>,
    pub entitled_fen: i64,
    pub total_fen: i64,
    /// Scale applied when the entitlement exceeds the cap: `cap / entitlement`, as a pair.
    pub scale: Option<(i64, i64)>,
}

/// Allocate `rate_fen` per resident under `cap_fen`; the lines come in the order of the claims. Where the entitlements exceed the cap,
/// every line is scaled by cap / entitlement, rounded down to the fen, and the fen left
/// over go one each to the largest remainders (ties by code): the lines sum to exactly
/// min(entitlement, cap), none exceeds its entitlement, and more population never yields
/// less money.
pub fn allocate(claims: &[Claim], rate_fen: i64, cap_fen: i64) -> Run {
    let entitled: Vec<i64> = claims
        .iter()
        .map(|c| rate_fen.saturating_mul(c.population.max(0)))
        .collect();
    let total: i128 = entitled.iter().map(|e| i128::from(*e)).sum();
    let cap = i128::from(cap_fen.max(0));
    if total <= cap {
        return Run {
            lines: claims
                .iter()
                .zip(&entitled)
                .map(|(c, e)| Allocation {
                    population: c.population,
                    entitled_fen: *e,
                    amount_fen: *e,
                    remainder_fen: 0,
                })
                .collect(),
            entitled_fen: total as i64,
            total_fen: total as i64,
            scale: None,
        };
    }
    let mut lines: Vec<Allocation> = Vec::with_capacity(claims.len());
    let mut rema: Vec<(i128, usize)> = Vec::with_capacity(claims.len());
    let mut given: i128 = 0;
    for (i, (c, e)) in claims.iter().zip(&entitled).enumerate() {
        let num = i128::from(*e) * cap;
        let amount = num / total;
        given += amount;
        rema.push((num % total, i));
        lines.push(Allocation {
            population: c.population,
            entitled_fen: *e,
            amount_fen: amount as i64,
            remainder_fen: 0,
        });
    }
    let short = (cap - given) as usize;
    if short > 0 {
        rema.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| claims[a.1].code.cmp(&claims[b.1].code))
        });
        for (_, i) in rema.into_iter().take(short) {
            lines[i].amount_fen += 1;
            lines[i].remainder_fen = 1;
        }
    }
    Run {
        lines,
        entitled_fen: total as i64,
        total_fen: cap as i64,
        scale: Some((cap as i64, total as i64)),
    }
}

/// `0.9375` — the scale to six decimals, trailing zeros dropped.
pub fn scale_text(scale: (i64, i64)) -> String {
    let (num, den) = (i128::from(scale.0), i128::from(scale.1.max(1)));
    let micro = (num * 1_000_000 + den / 2) / den;
    let s = format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// How a per-capita line was computed, in words a clerk can check:
/// `10 元 × 3,214 人 × 缩放 0.9375 = 30,131.25 元`.
pub fn per_capita_explanation(a: &Allocation, rate_fen: i64, scale: Option<(i64, i64)>) -> String {
    let rate = Fen(rate_fen).yuan_string();
    let rate = rate.strip_suffix(".00").unwrap_or(&rate);
    let mut s = format!("{rate} 元 × {} 人", thousands_i(a.population));
    if let Some(sc) = scale {
        s.push_str(&format!(" × 缩放 {}", scale_text(sc)));
    }
    s.push_str(&format!(" = {} 元", Fen(a.amount_fen).yuan_string()));
    if a.remainder_fen > 0 {
        s.push_str("（含尾差调整 0.01 元）");
    }
    s
}

/// The numbers of a per-capita batch that every line's words are made from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerCapitaParams {
    pub rate_fen: i64,
    pub cap_fen: i64,
    pub entitled_fen: i64,
    pub scale: Option<(i64, i64)>,
}

impl PerCapitaParams {
    /// Read from a batch's params JSON.
    pub fn from_json(s: &str) -> Option<PerCapitaParams> {
        let v: serde_json::Value = serde_json::from_str(s).ok()?;
        let scale = v["scale"]
            .as_array()
            .and_then(|a| Some((a.first()?.as_i64()?, a.get(1)?.as_i64()?)));
        Some(PerCapitaParams {
            rate_fen: v["rate_fen"].as_i64()?,
            cap_fen: v["cap_fen"].as_i64().unwrap_or(0),
            entitled_fen: v["entitled_fen"].as_i64().unwrap_or(0),
            scale,
        })
    }

    /// The words of a line of this batch, from its population and amount; the fen of the
    /// largest-remainder rounding shows as such.
    pub fn explain(&self, population: i64, amount_fen: i64) -> String {
        let entitled = self.rate_fen.saturating_mul(population);
        let remainder_fen = match self.scale {
            Some((num, den)) if den > 0 => {
                let floor = (i128::from(entitled) * i128::from(num) / i128::from(den)) as i64;
                (amount_fen - floor).clamp(0, 1)
            }
            _ => 0,
        };
        per_capita_explanation(
            &Allocation {
                population,
                entitled_fen: entitled,
                amount_fen,
                remainder_fen,
            },
            self.rate_fen,
            self.scale,
        )
    }
}

/// Where a batch stands: draft → approved → paid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BatchStatus {
    Draft,
    Approved,
    Paid,
}

impl BatchStatus {
    pub fn key(self) -> &'static str {
        match self {
            BatchStatus::Draft => "draft",
            BatchStatus::Approved => "approved",
            BatchStatus::Paid => "paid",
        }
    }
    pub fn parse(s: &str) -> Option<BatchStatus> {
        match s {
            "draft" => Some(BatchStatus::Draft),
            "approved" => Some(BatchStatus::Approved),
            "paid" => Some(BatchStatus::Paid),
            _ => None,
        }
    }
    /// The status a batch must have for a step; `None` for an unknown step.
    pub fn required_for(step: &str) -> Option<BatchStatus> {
        match step {
            "approve" | "delete" => Some(BatchStatus::Draft),
            "pay" => Some(BatchStatus::Approved),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn claims(pops: &[i64]) -> Vec<Claim> {
        pops.iter()
            .enumerate()
            .map(|(i, p)| Claim {
                code: format!("{i:03}"),
                population: *p,
            })
            .collect()
    }

    #[test]
    fn under_the_cap_everyone_gets_the_entitlement() {
        let r = allocate(&claims(&[3214, 2000]), 1000, 100_000_000);
        assert_eq!(r.total_fen, 5_214_000);
        assert_eq!(r.lines[0].amount_fen, 3_214_000);
        assert_eq!(r.scale, None);
        assert_eq!(
            per_capita_explanation(&r.lines[0], 1000, r.scale),
            "10 元 × 3,214 人 = 32,140.00 元"
        );
    }

    #[test]
    fn over_the_cap_lines_scale_and_sum_exactly() {
        // 10 yuan × 3,214 and 10 yuan × 2,000 = 52,140 yuan under a 48,881.25 yuan cap
        let r = allocate(&claims(&[3214, 2000]), 1000, 4_888_125);
        assert_eq!(r.scale, Some((4_888_125, 5_214_000)));
        assert_eq!(scale_text(r.scale.unwrap()), "0.9375");
        assert_eq!(r.lines[0].amount_fen, 3_013_125);
        assert_eq!(
            per_capita_explanation(&r.lines[0], 1000, r.scale),
            "10 元 × 3,214 人 × 缩放 0.9375 = 30,131.25 元"
        );
        assert_eq!(r.lines.iter().map(|l| l.amount_fen).sum::<i64>(), 4_888_125);
        // three equal claims, one fen to share out: the first code gets it
        let r = allocate(&claims(&[1, 1, 1]), 100, 100);
        let amounts: Vec<i64> = r.lines.iter().map(|l| l.amount_fen).collect();
        assert_eq!(amounts, vec![34, 33, 33]);
        assert!(per_capita_explanation(&r.lines[0], 100, r.scale).contains("尾差"));
        assert_eq!(scale_text((1, 3)), "0.333333");
    }

    #[test]
    fn words_follow_from_the_batch_numbers() {
        let r = allocate(&claims(&[1, 1, 1]), 100, 100);
        let p = PerCapitaParams {
            rate_fen: 100,
            cap_fen: 100,
            entitled_fen: r.entitled_fen,
            scale: r.scale,
        };
        for l in &r.lines {
            assert_eq!(
                p.explain(l.population, l.amount_fen),
                per_capita_explanation(l, 100, r.scale)
            );
        }
        let json = r#"{"rate_fen":1000,"cap_fen":300000000,"entitled_fen":315949000,"scale":[300000000,315949000]}"#;
        let p = PerCapitaParams::from_json(json).unwrap();
        assert_eq!(p.scale, Some((300_000_000, 315_949_000)));
        assert!(PerCapitaParams::from_json("{}").is_none());
    }

    #[test]
    fn batch_steps_need_their_status() {
        assert_eq!(
            BatchStatus::required_for("approve"),
            Some(BatchStatus::Draft)
        );
        assert_eq!(
            BatchStatus::required_for("pay"),
            Some(BatchStatus::Approved)
        );
        assert_eq!(
            BatchStatus::required_for("delete"),
            Some(BatchStatus::Draft)
        );
        assert_eq!(BatchStatus::required_for("edit"), None);
    }

    proptest! {
        #[test]
        fn allocation_sums_exactly_never_exceeds_and_is_monotone(
            pops in proptest::collection::vec(0i64..50_000, 1..300),
            rate in 1i64..5_000,
            cap in 0i64..2_000_000_000,
        ) {
            let r = allocate(&claims(&pops), rate, cap);
            let entitled: i64 = pops.iter().map(|p| p * rate).sum();
            let sum: i64 = r.lines.iter().map(|l| l.amount_fen).sum();
            prop_assert_eq!(sum, entitled.min(cap));
            prop_assert_eq!(r.total_fen, sum);
            for l in &r.lines {
                prop_assert!(l.amount_fen <= l.entitled_fen);
                prop_assert!(l.amount_fen >= 0);
            }
            for a in &r.lines {
                for b in &r.lines {
                    if a.population > b.population {
                        prop_assert!(a.amount_fen >= b.amount_fen, "{:?} vs {:?}", a, b);
                    }
                }
            }
        }
    }
}
