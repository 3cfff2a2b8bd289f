//! Each community's public life in the demo: meetings, proposals, notices, activities and volunteers, as rows inserted in slices.

use super::*;

/// Every community's public life, as rows: meetings (and their bookings), proposals, notices,
/// activities (and theirs), volunteers.
#[derive(Default)]
pub(super) struct Life {
    pub(super) meetings: Vec<Vec<Value>>,
    pub(super) bookings: Vec<Vec<Value>>,
    pub(super) activities: Vec<Vec<Value>>,
    pub(super) proposals: Vec<Vec<Value>>,
    pub(super) notices: Vec<Vec<Value>>,
    pub(super) volunteers: Vec<Vec<Value>>,
}

impl Life {
    /// One community's rows, each kind in turn.
    pub(super) fn community(
        &mut self,
        c: &str,
        reps: i64,
        rooms: &Rooms,
        orgs: &[OrgRow],
        rng: &mut Rng,
        when: When,
    ) {
        self.meetings_of(c, reps, rooms, rng, when);
        self.proposals_of(c, rng, when);
        self.notices_of(c, rng, when);
        self.activities_of(c, rooms, rng, when);
        self.volunteers_of(c, orgs, rng, when.0);
    }

    /// Meetings: four in the past year, one or two ahead, in the office when it has one.
    fn meetings_of(&mut self, c: &str, reps: i64, rooms: &Rooms, rng: &mut Rng, (t, now): When) {
        let office = rooms
            .of(c, "党员活动室")
            .or_else(|| rooms.of(c, "社区办公室"));
        let place = if office.is_none() {
            "村委会会议室"
        } else {
            ""
        };
        for k in 0..6 {
            let days: i64 = match k {
                0..=3 => -(30 + 80 * k as i64 + rng.range(0, 20)),
                4 => rng.range(8, 20),
                _ => rng.range(21, 40),
            };
            let d = t + Duration::days(days);
            let kind = match k {
                0 | 2 | 4 => "representative_assembly",
                _ => "villager_forum",
            };
            let (s, e) = (at(d, 19, 0), at(d, 21, 0));
            let title = format!(
                "{}年第{}次{}",
                d.format("%Y"),
                k + 1,
                if kind == "villager_forum" {
                    "村民论坛"
                } else {
                    "村民代表会议"
                }
            );
            if let Some(r) = office {
                self.bookings.push(vals![
                    r,
                    title.clone(),
                    "村委会",
                    utc(s),
                    utc(e),
                    "demo",
                    now
                ]);
            }
            let (list, present) = if days < 0 {
                if kind == "representative_assembly" {
                    let l = reps;
                    (Some(l), Some((l * 3 / 4 + rng.range(0, l / 4)).min(l)))
                } else {
                    (None, Some(rng.range(20, 90)))
                }
            } else {
                (None, None)
            };
            self.meetings.push(vals![
                c.to_string(),
                kind,
                title,
                utc(s),
                utc(e),
                office,
                place,
                list,
                present,
                if days < 0 {
                    "会议按议程进行，与会人员充分讨论，形成决议。"
                } else {
                    ""
                },
                "demo",
                now,
                now
            ]);
        }
    }

    /// Proposals over two years, in every state.
    fn proposals_of(&mut self, c: &str, rng: &mut Rng, (t, now): When) {
        for k in 0..rng.range(4, 10) {
            let received = t - Duration::days(rng.range(5, 700));
            let (status, answer, reason, answered, implemented) = match k % 5 {
                0 => ("received", "", "", None, None),
                1 => ("under_study", "", "", None, None),
                2 => (
                    "adopted",
                    "已采纳，列入明年村级公益事业计划。",
                    "",
                    Some(received + Duration::days(rng.range(3, 30))),
                    None,
                ),
                3 => (
                    "not_adopted",
                    "经村民代表会议讨论，暂不实施。",
                    "村集体经费不足，且多数代表认为不急需。",
                    Some(received + Duration::days(rng.range(5, 40))),
                    None,
                ),
                _ => {
                    let a = received + Duration::days(rng.range(3, 20));
                    (
                        "implemented",
                        "已采纳并落实。",
                        "",
                        Some(a),
                        Some((a + Duration::days(rng.range(10, 60))).min(t)),
                    )
                }
            };
            let answered = answered.map(|a: NaiveDate| a.min(t));
            self.proposals.push(vals![
                c.to_string(),
                if k % 3 == 0 {
                    "representative"
                } else {
                    "resident"
                },
                name(rng),
                pick(rng, PROPOSALS),
                "",
                status,
                answer,
                reason,
                received,
                answered,
                implemented,
                now
            ]);
        }
    }

    /// Notices: each board, one expired.
    fn notices_of(&mut self, c: &str, rng: &mut Rng, (t, now): When) {
        for (k, (board, cat, title, body)) in NOTICES.iter().enumerate() {
            let publish = t - Duration::days(rng.range(1, 60) + if k == 2 { 60 } else { 0 });
            let expire = if k == 2 {
                Some(publish + Duration::days(7))
            } else {
                None
            };
            self.notices.push(vals![
                c.to_string(),
                *board,
                *cat,
                *title,
                *body,
                publish,
                expire,
                "demo",
                now,
                now
            ]);
        }
    }

    /// Activities: weekly series in the rooms from 120 days back to 60 ahead, and a
    /// performance and a sports contest each month on the field.
    fn activities_of(&mut self, c: &str, rooms: &Rooms, rng: &mut Rng, (t, now): When) {
        let start = crate::selfgov::rooms::store::monday(t - Duration::days(120));
        let series: [Series; 4] = [
            (
                "chess_cards",
                "棋牌娱乐",
                "老年活动室",
                1,
                (14, 0),
                (16, 30),
            ),
            (
                "fitness_dance",
                "广场健身舞",
                "室外活动场地",
                0,
                (19, 0),
                (20, 30),
            ),
            (
                "education",
                "居民学校：农技讲座",
                "居民学校（教室）",
                3,
                (19, 0),
                (20, 30),
            ),
            ("calligraphy", "书画交流", "图书阅览室", 5, (9, 0), (11, 0)),
        ];
        for (kind, title, room_name, weekday, (sh, sm), (eh, em)) in series {
            let room = rooms.of(c, room_name).or_else(|| {
                if kind == "chess_cards" {
                    rooms.of(c, "文体活动室")
                } else {
                    None
                }
            });
            let mut d = start + Duration::days(weekday);
            while d <= t + Duration::days(60) {
                let (s, e) = (at(d, sh, sm), at(d, eh, em));
                let cancelled = rng.range(0, 99) < 2;
                if let Some(r) = room {
                    self.bookings
                        .push(vals![r, title, "社区", utc(s), utc(e), "demo", now]);
                }
                self.activities.push(vals![
                    c.to_string(),
                    kind,
                    title,
                    "",
                    utc(s),
                    utc(e),
                    room,
                    if room.is_none() {
                        "村委会门前广场"
                    } else {
                        ""
                    },
                    "社区居委会",
                    (d < t).then(|| rng.range(10, 60)),
                    cancelled,
                    now
                ]);
                d += Duration::days(7);
            }
        }
        // a performance and a sports contest each month on the field
        for m in 0..6 {
            let d = start + Duration::days(5 + 28 * m + 1);
            let room = rooms.of(c, "室外活动场地");
            let (kind, title, s, e) = if m % 2 == 0 {
                ("performance", "文艺表演晚会", at(d, 18, 30), at(d, 20, 30))
            } else {
                ("sports", "村民趣味运动会", at(d, 8, 30), at(d, 11, 30))
            };
            if let Some(r) = room {
                self.bookings
                    .push(vals![r, title, "社区", utc(s), utc(e), "demo", now]);
            }
            self.activities.push(vals![
                c.to_string(),
                kind,
                title,
                "欢迎村民参加。",
                utc(s),
                utc(e),
                room,
                if room.is_none() {
                    "村委会门前广场"
                } else {
                    ""
                },
                "社区文体队",
                (d < t).then(|| rng.range(50, 300)),
                false,
                now
            ]);
        }
    }

    /// Volunteers, some in the community's organisations.
    fn volunteers_of(&mut self, c: &str, orgs: &[OrgRow], rng: &mut Rng, t: NaiveDate) {
        let local_orgs: Vec<i64> = orgs
            .iter()
            .filter(|o| o.community_code == c)
            .map(|o| o.id)
            .collect();
        for _ in 0..rng.range(8, 25) {
            let org = if !local_orgs.is_empty() && rng.range(0, 2) == 0 {
                Some(local_orgs[rng.range(0, local_orgs.len() as i64 - 1) as usize])
            } else {
                None
            };
            self.volunteers.push(vals![
                c.to_string(),
                name(rng),
                "",
                pick(rng, SKILLS),
                rng.range(0, 9) < 3,
                org,
                t - Duration::days(rng.range(30, 1500)),
                true
            ]);
        }
    }

    /// Insert the rows made so far and let them go (the larger synthetic districts would hold
    /// millions of activities and bookings): the same rows in the same order, whenever flushed.
    pub(super) async fn flush(&mut self, tx: &WriteTx) -> anyhow::Result<()> {
        let Life {
            meetings,
            bookings,
            activities,
            proposals,
            notices,
            volunteers,
        } = std::mem::take(self);
        let tables = [
            ("meetings", MEETINGS_COLUMNS, meetings),
            ("bookings", BOOKINGS_COLUMNS, bookings),
            ("activities", ACTIVITIES_COLUMNS, activities),
            ("proposals", PROPOSALS_COLUMNS, proposals),
            ("notices", NOTICES_COLUMNS, notices),
            ("volunteers", VOLUNTEERS_COLUMNS, volunteers),
        ];
        for (table, columns, rows) in tables {
            db::insert_rows(tx, table, columns, rows)
                .await
                .map_err(err)?;
        }
        Ok(())
    }

    /// Link activities and meetings to their bookings; cancelled activities free theirs.
    pub(super) async fn link(tx: &WriteTx, now: DateTime<Utc>) -> anyhow::Result<()> {
        for table in ["activities", "meetings"] {
            db::exec(
                tx,
                &format!(
                    "UPDATE {table} SET booking_id = (SELECT b.id FROM bookings b \
                     WHERE b.room_id = {table}.room_id AND b.starts_at = {table}.starts_at \
                     AND b.cancelled_at IS NULL) WHERE room_id IS NOT NULL"
                ),
                vals![],
            )
            .await
            .map_err(err)?;
        }
        db::exec(
            tx,
            "UPDATE bookings SET cancelled_at = ? \
             WHERE id IN (SELECT booking_id FROM activities WHERE cancelled AND booking_id IS NOT NULL)",
            vals![now],
        )
        .await
        .map_err(err)?;
        Ok(())
    }
}

/// The columns of the demo's `meetings` rows, in their order.
const MEETINGS_COLUMNS: &[&str] = &[
    "community_code",
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "room_id",
    "place",
    "list_size",
    "present",
    "minutes",
    "created_by",
    "created_at",
    "updated_at",
];

/// The columns of the demo's `bookings` rows, in their order.
const BOOKINGS_COLUMNS: &[&str] = &[
    "room_id",
    "title",
    "organiser",
    "starts_at",
    "ends_at",
    "created_by",
    "created_at",
];

/// The columns of the demo's `activities` rows, in their order.
const ACTIVITIES_COLUMNS: &[&str] = &[
    "community_code",
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "room_id",
    "place",
    "organiser",
    "participants",
    "cancelled",
    "updated_at",
];

/// The columns of the demo's `proposals` rows, in their order.
const PROPOSALS_COLUMNS: &[&str] = &[
    "community_code",
    "source",
    "author",
    "title",
    "body",
    "status",
    "answer",
    "reason",
    "received_on",
    "answered_on",
    "implemented_on",
    "updated_at",
];

/// The columns of the demo's `notices` rows, in their order.
const NOTICES_COLUMNS: &[&str] = &[
    "community_code",
    "board",
    "category",
    "title",
    "body",
    "publish_on",
    "expire_on",
    "created_by",
    "created_at",
    "updated_at",
];

/// The columns of the demo's `volunteers` rows, in their order.
const VOLUNTEERS_COLUMNS: &[&str] = &[
    "community_code",
    "name",
    "phone",
    "skills",
    "party_member",
    "organisation_id",
    "joined_on",
    "active",
];
