//! What the demo's meetings decided and the volunteers did: the roll call, topics, resolutions, tasks and service records.

use super::*;

/// The roll call and the list must agree: present is the ticked names.
pub(super) async fn roll_call(tx: &WriteTx) -> anyhow::Result<()> {
    db::exec(
        tx,
        "INSERT INTO meeting_attendance (meeting_id, representative_id) \
         SELECT m.id, r.id FROM meetings m JOIN representatives r ON r.community_code = m.community_code \
         WHERE m.list_size IS NOT NULL AND m.present IS NOT NULL AND \
           (SELECT COUNT(*) FROM representatives x WHERE x.community_code = r.community_code \
            AND x.id < r.id) < m.present",
        vals![],
    )
    .await
    .map_err(err)?;
    db::exec(
        tx,
        "UPDATE meetings SET list_size = (SELECT COUNT(*) FROM representatives r \
           WHERE r.community_code = meetings.community_code), \
         present = (SELECT COUNT(*) FROM meeting_attendance a WHERE a.meeting_id = meetings.id) \
         WHERE list_size IS NOT NULL",
        vals![],
    )
    .await
    .map_err(err)?;

    Ok(())
}

/// Topics, resolutions and tasks of the meetings.
pub(super) async fn meeting_outcomes(
    tx: &WriteTx,
    rng: &mut Rng,
    (t, now): When,
) -> anyhow::Result<()> {
    #[derive(FromQueryResult)]
    struct M {
        id: i64,
        kind: String,
        starts_at: chrono::DateTime<Utc>,
        list_size: Option<i64>,
        present: Option<i64>,
    }
    let ms: Vec<M> = db::all(
        tx,
        "SELECT id, kind, starts_at, list_size, present FROM meetings ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut topics = vec![];
    let mut resolutions = vec![];
    for m in &ms {
        let ahead = if m.kind == "villager_forum" { 7 } else { 5 };
        for k in 0..rng.range(1, 3) {
            let late = m.kind == "villager_forum" && rng.range(0, 9) == 0;
            let lead = if late {
                ahead - 2
            } else {
                ahead + rng.range(0, 4)
            };
            topics.push(vals![
                m.id,
                TOPICS[((m.id + k) as usize) % TOPICS.len()],
                "请村民提前了解方案，会上讨论。",
                (m.starts_at - Duration::days(lead) - Duration::hours(3))
                    .min(now - Duration::hours(rng.range(2, 48))),
                late.then_some(2i64)
            ]);
        }
        if let Some(present) = m.present.filter(|p| *p > 0) {
            let quorate = m.list_size.is_none_or(|l| present * 3 > l * 2);
            let votes_for = rng.range(present / 2 + 1, present.max(1));
            let against = rng.range(0, present - votes_for);
            let abstain = present - votes_for - against;
            resolutions.push(vals![
                m.id,
                "同意按方案实施，由村委会负责落实。",
                votes_for,
                against,
                abstain,
                quorate,
                m.starts_at + Duration::hours(2)
            ]);
        }
    }
    db::insert_rows(
        tx,
        "meeting_topics",
        &["meeting_id", "title", "body", "published_at", "short_days"],
        topics,
    )
    .await
    .map_err(err)?;
    db::insert_rows(
        tx,
        "resolutions",
        &[
            "meeting_id",
            "text",
            "votes_for",
            "votes_against",
            "abstentions",
            "passed",
            "recorded_at",
        ],
        resolutions,
    )
    .await
    .map_err(err)?;
    db::exec(
        tx,
        "INSERT INTO meeting_tasks (meeting_id, resolution_id, description, owner, due_on, done_on) \
         SELECT r.meeting_id, r.id, '按决议组织实施并向村民报告进度', '村委会主任', ?, \
           CASE WHEN r.id % 3 = 0 THEN NULL ELSE ? END \
         FROM resolutions r WHERE r.passed",
        vals![t + Duration::days(30), t - Duration::days(3)],
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// Service records: a few per volunteer, most verified.
pub(super) async fn service_records(
    tx: &WriteTx,
    rng: &mut Rng,
    (t, now): When,
) -> anyhow::Result<()> {
    #[derive(FromQueryResult)]
    struct V {
        id: i64,
        community_code: String,
        organisation_id: Option<i64>,
    }
    let vs: Vec<V> = db::all(
        tx,
        "SELECT id, community_code, organisation_id FROM volunteers ORDER BY id",
        vals![],
    )
    .await
    .map_err(err)?;
    let mut records = vec![];
    for v in &vs {
        for _ in 0..rng.range(1, 6) {
            let verified = rng.range(0, 9) < 8;
            let served = t - Duration::days(rng.range(1, 300));
            records.push(vals![
                v.id,
                v.community_code.clone(),
                v.organisation_id,
                served,
                pick(
                    rng,
                    &[
                        "为孤寡老人上门服务",
                        "河道清洁",
                        "义务理发",
                        "活动现场秩序维护",
                        "邻里纠纷调解",
                        "助学辅导"
                    ]
                ),
                rng.range(1, 8) * 5,
                verified.then_some("staff"),
                verified.then_some(now),
                "demo",
                now
            ]);
        }
    }
    db::insert_rows(
        tx,
        "service_records",
        &[
            "volunteer_id",
            "community_code",
            "organisation_id",
            "served_on",
            "description",
            "tenths",
            "verified_by",
            "verified_at",
            "created_by",
            "created_at",
        ],
        records,
    )
    .await
    .map_err(err)?;
    Ok(())
}
