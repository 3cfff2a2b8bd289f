//! Today's kind of work for the demo staff's communities, made through the hall's own steps.

use super::*;

/// The demo staff's communities get today's kind of work through the real registration path:
/// an online request waiting for acceptance, a case overdue, one referred to a department,
/// a housekeeping request dispatched to the demo provider, one just registered.
pub(super) async fn live_cases(
    db: &Db,
    district: &crate::platform::types::DivisionCode,
    cal: &Calendar,
    items: &[Item],
    communities: &[String],
) -> anyhow::Result<()> {
    use crate::hall::cases::{self, CaseInput, ReferTo, StepRequest, Who};
    use crate::platform::auth::CurrentUser;
    let admin = CurrentUser::system_admin("demo");
    let item = |code: &str| {
        items
            .iter()
            .find(|i| i.code == code)
            .map(|i| i.id.to_string())
    };
    let now = db.clock().now();
    let days_ago = |n: i64| now - Duration::days(n);
    for community in ["320205106203", "320205001001"] {
        if !communities.iter().any(|c| c == community) {
            continue;
        }
        let plan: [(&str, &str, &str, &'static str, i64); 5] = [
            ("MZ-03", "顾桂英", "13861700001", "window", 16),
            ("SF-01", "钱永康", "13861700002", "window", 4),
            ("BM-02", "沈玉兰", "13861700003", "window", 1),
            ("JY-01", "邹小红", "13861700004", "window", 0),
            ("WS-01", "华建国", "13861700005", "online", 0),
        ];
        for (i, (code, name, phone, channel, ago)) in plan.into_iter().enumerate() {
            let Some(item_id) = item(code) else { continue };
            let input = CaseInput {
                community: community.into(),
                item: item_id,
                applicant_name: name.into(),
                applicant_phone: phone.into(),
                description: "（演示）".into(),
                ..Default::default()
            };
            let n = input
                .check(items, channel, channel != "window")
                .map_err(err)?;
            let at = days_ago(ago);
            let (reg, _) = cases::register(db, district, cal, &Actor::system("demo"), &n, at)
                .await
                .map_err(err)?;
            let step = |req| cases::step(db, cal, district, Who::User(&admin), reg.id, req, at);
            match i {
                // 高龄津贴 registered 16 days ago, still in progress: overdue
                0 => {
                    step(StepRequest::Start).await.map_err(err)?;
                }
                // mediation referred to the justice bureau
                1 => {
                    let dept = items
                        .iter()
                        .find(|i| i.code == code)
                        .and_then(|i| i.department_id);
                    if let Some(d) = dept {
                        let deadline = cal.add_working_days(at.date_naive(), 10);
                        step(StepRequest::Refer {
                            to: ReferTo::Department(d),
                            deadline,
                        })
                        .await
                        .map_err(err)?;
                    }
                }
                // housekeeping dispatched to the first provider (the demo provider account)
                2 => {
                    let deadline = cal.add_working_days(at.date_naive(), 2);
                    let _ = step(StepRequest::Refer {
                        to: ReferTo::Provider(1),
                        deadline,
                    })
                    .await;
                }
                _ => {}
            }
        }
    }
    Ok(())
}
