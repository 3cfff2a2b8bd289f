//! The demo's cases, community by community: drawn (item, applicant, channel), planned (accepted, referred, completed, rated), with their timelines and counters.

use super::*;

/// What the cases are drawn from.
pub(super) struct CaseMaker<'a> {
    pub(super) cal: &'a Calendar,
    pub(super) items: &'a [Item],
    pub(super) weights: Vec<i64>,
    pub(super) total_weight: i64,
    pub(super) first: NaiveDate,
    pub(super) span: i64,
    pub(super) today: NaiveDate,
    pub(super) now: DateTime<Utc>,
    pub(super) per_community: i64,
    pub(super) providers: &'a Providers,
}

/// A group's cases as rows, their timelines and their counters.
#[derive(Default)]
pub(super) struct Made {
    pub(super) case_rows: Vec<Vec<Value>>,
    pub(super) event_rows: Vec<(String, Timeline)>,
    pub(super) stats: BTreeMap<(String, i64, i32), [i64; 8 + HIST_BUCKETS]>,
    pub(super) counters: BTreeMap<(String, i32), i64>,
}

impl CaseMaker<'_> {
    /// A community's cases from 2024 to today; one in sixteen came in the last fortnight, so
    /// the worklists have work on them.
    pub(super) fn cases_of(
        &self,
        c: &str,
        here: &[(String, String, i64)],
        rng: &mut Rng,
        made: &mut Made,
    ) {
        let mut days: Vec<i64> = (0..self.per_community)
            .map(|_| {
                if rng.range(0, 15) == 0 {
                    self.span - rng.range(0, 14)
                } else {
                    rng.range(0, self.span)
                }
            })
            .collect();
        days.sort_unstable();
        for off in days {
            self.one_case(c, here, off, rng, made);
        }
    }

    /// One case: its item, applicant and channel drawn, its course planned, where it was
    /// referred, its row, its timeline and its counters.
    fn one_case(
        &self,
        c: &str,
        here: &[(String, String, i64)],
        off: i64,
        rng: &mut Rng,
        made: &mut Made,
    ) {
        let (cal, today, now) = (self.cal, self.today, self.now);
        let d = self.draw(c, here, off, rng, made);
        let plan = plan_case(rng, cal, d.item, d.received, today, d.channel);
        let to = self.referral(c, d.item, &plan, rng);
        let number = rules::case_number(c, d.year, d.seq as u32);
        let seq = d.seq;
        let at = |day: NaiveDate, h: u32| -> DateTime<Utc> {
            day.and_hms_opt(h, rng_minute(seq), 0)
                .map(crate::platform::time::to_utc)
                .unwrap_or(now)
        };
        let in_community = to.kind.is_none() || to.kind == Some("provider");
        let handling = plan.completed.map(|done| {
            cal.working_days_between(plan.accepted.unwrap_or(d.received), done)
                .max(0)
        });
        made.case_rows.push(case_row(
            c,
            &d,
            &plan,
            &to,
            &number,
            handling,
            in_community,
            &at,
        ));
        let ev = timeline(&plan, d.channel, d.received, to.name.as_deref(), &at);
        made.event_rows.push((number, ev));
        made.count(c, d.item.id, d.year, &plan, handling, in_community);
    }

    /// A case's received day (a working day, not after today), its item (by the items'
    /// weights), its number in the community's year, its applicant and its channel.
    fn draw(
        &self,
        c: &str,
        here: &[(String, String, i64)],
        off: i64,
        rng: &mut Rng,
        made: &mut Made,
    ) -> Drawn<'_> {
        let mut received = self.first + Duration::days(off);
        while !self.cal.is_working(received) {
            received = received.succ_opt().unwrap_or(received);
        }
        if received > self.today {
            received = self.today;
        }
        let mut pick = rng.range(0, self.total_weight - 1);
        let mut ix = 0;
        while pick >= self.weights[ix] {
            pick -= self.weights[ix];
            ix += 1;
        }
        let item = &self.items[ix];
        let year = received.year();
        let seq = {
            let e = made.counters.entry((c.to_string(), year)).or_insert(0);
            *e += 1;
            *e
        };
        let who = &here[rng.range(0, here.len() as i64 - 1) as usize];
        let walk_in = rng.range(0, 9) < 3;
        let (applicant_name, applicant_phone, resident) = if walk_in {
            (name(rng), phone(rng), None)
        } else {
            (who.0.clone(), who.1.clone(), Some(who.2))
        };
        let channel = match rng.range(0, 19) {
            0 if item.online => "open311",
            1..=2 if item.online => "online",
            _ => "window",
        };
        Drawn {
            item,
            received,
            year,
            seq,
            applicant_name,
            applicant_phone,
            resident,
            channel,
        }
    }

    /// Where a referred case went: a provider serving the community (convenience items), the
    /// item's department, or the town's centre.
    fn referral(&self, c: &str, item: &Item, plan: &Plan, rng: &mut Rng) -> Referral {
        let providers = self.providers;
        let provider = if item.kind == "convenience" {
            item.provider_category.as_deref().and_then(|cat| {
                providers
                    .dispatch
                    .get(&(c.to_string(), cat))
                    .map(|ps| ps[rng.range(0, ps.len() as i64 - 1) as usize])
            })
        } else {
            None
        };
        let kind = match (plan.referred, item.finish_at.as_str(), provider) {
            (false, _, _) => None,
            (true, _, Some(_)) => Some("provider"),
            (true, "department", _) => Some("department"),
            (true, "town_centre", _) => Some("town_centre"),
            (true, _, None) => None,
        };
        let name = match kind {
            Some("town_centre") => Some(format!(
                "{}行政受理中心",
                providers
                    .town_names
                    .get(&format!("{}000", &c[..9]))
                    .map(String::as_str)
                    .unwrap_or("镇")
            )),
            Some("department") => item.department_name.clone(),
            Some("provider") => provider.and_then(|p| providers.names.get(&p).cloned()),
            _ => None,
        };
        Referral {
            kind,
            provider,
            name,
        }
    }
}

/// A case's draw: what is asked, when, by whom, through which channel.
struct Drawn<'a> {
    item: &'a Item,
    received: NaiveDate,
    year: i32,
    seq: i64,
    applicant_name: String,
    applicant_phone: String,
    resident: Option<i64>,
    channel: &'static str,
}

/// Where a case was referred, if it was.
struct Referral {
    kind: Option<&'static str>,
    provider: Option<i64>,
    name: Option<String>,
}

/// A case's row for the `cases` insert, in its columns' order.
#[allow(clippy::too_many_arguments)]
fn case_row(
    c: &str,
    d: &Drawn<'_>,
    plan: &Plan,
    to: &Referral,
    number: &str,
    handling: Option<i64>,
    in_community: bool,
    at: &dyn Fn(NaiveDate, u32) -> DateTime<Utc>,
) -> Vec<Value> {
    let item = d.item;
    let received_at = at(d.received, 9);
    vals![
        number.to_string(),
        c.to_string(),
        item.id,
        d.resident,
        d.applicant_name.clone(),
        d.applicant_phone.clone(),
        d.channel,
        plan.status,
        "",
        "",
        received_at,
        d.received,
        plan.accepted,
        plan.due,
        plan.rejected
            .then(|| "材料不齐，已告知补齐后再办".to_string()),
        to.kind,
        if to.kind == Some("department") {
            item.department_id
        } else {
            None
        },
        if to.kind == Some("provider") {
            to.provider
        } else {
            None
        },
        to.name.clone(),
        to.kind.and(plan.referral_deadline),
        plan.completed,
        plan.completed.map(|_| in_community),
        handling,
        plan.completed
            .map(|_| "已办结，结果已告知申请人".to_string()),
        plan.rating.map(i64::from),
        plan.rating.map(|s| if s >= 4 {
            "满意".to_string()
        } else {
            "速度偏慢".to_string()
        }),
        plan.rating.and(plan.completed).map(|day| at(day, 17)),
        (d.channel != "window").then(|| format!("demo{}{}{}", &c[6..], d.seq, d.year)),
        "demo",
        received_at
    ]
}

/// A case's timeline after registration (the insert trigger writes its first entry).
pub(super) fn timeline(
    plan: &Plan,
    channel: &str,
    received: NaiveDate,
    referred_to: Option<&str>,
    at: &dyn Fn(NaiveDate, u32) -> DateTime<Utc>,
) -> Timeline {
    let mut ev: Timeline = vec![];
    if channel != "window" {
        if plan.status == "rejected" {
            ev.push((at(received, 11), "reject", "rejected", "材料不齐".into()));
        } else if let Some(a) = plan.accepted {
            ev.push((at(a, 10), "accept", "accepted", String::new()));
        }
    }
    if let (Some(t), Some(d)) = (referred_to, plan.referred_on) {
        ev.push((at(d, 14), "refer", "referred", t.to_string()));
    }
    if let Some(d) = plan.completed {
        ev.push((at(d, 16), "complete", "completed", "已办结".into()));
        if let Some(s) = plan.rating {
            ev.push((at(d, 17), "rate", "completed", format!("{s}★")));
        }
    }
    ev
}

impl Made {
    /// A case in the counters (the insert trigger counts it received).
    fn count(
        &mut self,
        c: &str,
        item: i64,
        year: i32,
        plan: &Plan,
        handling: Option<i64>,
        in_community: bool,
    ) {
        let st = self
            .stats
            .entry((c.to_string(), item, year))
            .or_insert([0; 8 + HIST_BUCKETS]);
        if plan.status == "rejected" {
            st[1] += 1;
        }
        if let (Some(d), Some(h)) = (plan.completed, handling) {
            st[2] += 1;
            st[3] += i64::from(in_community);
            st[4] += i64::from(plan.due.is_some_and(|due| d > due));
            st[7] += h;
            st[8 + rules::hist_bucket(h)] += 1;
        }
        if let Some(s) = plan.rating {
            st[5] += 1;
            st[6] += i64::from(s);
        }
    }

    /// The cases, then their events by the ids they were given, then the counters.
    pub(super) async fn insert(
        self,
        tx: &crate::platform::db::WriteTx,
        group: &[String],
    ) -> anyhow::Result<()> {
        let Made {
            case_rows,
            event_rows,
            stats,
            ..
        } = self;
        let (lo, hi) = (group[0].clone(), group[group.len() - 1].clone());
        db::insert_rows(
            tx,
            "cases",
            &[
                "number",
                "community_code",
                "item_id",
                "resident_id",
                "applicant_name",
                "applicant_phone",
                "channel",
                "status",
                "description",
                "address",
                "received_at",
                "received_on",
                "accepted_on",
                "due_on",
                "reject_reason",
                "referred_kind",
                "referred_department_id",
                "provider_id",
                "referred_to",
                "referred_deadline",
                "completed_on",
                "finished_in_community",
                "handling_days",
                "result",
                "rating",
                "rating_comment",
                "rated_at",
                "token",
                "registered_by",
                "updated_at",
            ],
            case_rows,
        )
        .await
        .map_err(err)?;
        let ids: BTreeMap<String, i64> = db::all_json::<(String, i64), _>(
            tx,
            &["number", "id"],
            "SELECT number, id FROM cases WHERE community_code BETWEEN ? AND ?",
            vals![lo, hi],
        )
        .await
        .map_err(err)?
        .into_iter()
        .collect();
        let mut events = vec![];
        for (number, ev) in event_rows {
            let Some(id) = ids.get(&number) else { continue };
            for (at, step, status, note) in ev {
                events.push(vals![*id, at, "demo", step, status, note]);
            }
        }
        db::insert_rows(
            tx,
            "case_events",
            &[
                "case_id",
                "at",
                "actor_name",
                "step",
                "status_after",
                "note",
            ],
            events,
        )
        .await
        .map_err(err)?;
        let counters = crate::hall::measures::counter_columns();
        let mut cols = vec!["community_code", "item_id", "year"];
        cols.extend(counters.iter().map(String::as_str));
        let add = cols[3..]
            .iter()
            .map(|c| format!("{c} = case_stats.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        db::insert_rows_then(
            tx,
            "case_stats",
            &cols,
            stats
                .into_iter()
                .map(|((c, item, year), s)| {
                    let mut v = vals![c, item, year];
                    v.extend(s.iter().map(|n| Value::from(*n)));
                    v
                })
                .collect(),
            &format!("ON CONFLICT (community_code, item_id, year) DO UPDATE SET {add}"),
        )
        .await
        .map_err(err)?;
        Ok(())
    }
}

pub(super) fn rng_minute(seq: i64) -> u32 {
    (seq % 60) as u32
}

/// A generated case's steps: when, step, status after, note.
pub(super) type Timeline = Vec<(DateTime<Utc>, &'static str, &'static str, String)>;

/// How a generated case went.
pub(super) struct Plan {
    pub(super) status: &'static str,
    pub(super) accepted: Option<NaiveDate>,
    pub(super) due: Option<NaiveDate>,
    pub(super) rejected: bool,
    pub(super) referred: bool,
    pub(super) referred_on: Option<NaiveDate>,
    pub(super) referral_deadline: Option<NaiveDate>,
    pub(super) completed: Option<NaiveDate>,
    pub(super) rating: Option<u8>,
}

pub(super) fn plan_case(
    rng: &mut Rng,
    cal: &Calendar,
    item: &Item,
    received: NaiveDate,
    today: NaiveDate,
    channel: &str,
) -> Plan {
    let limit = item.time_limit_days as u32;
    let online = channel != "window";
    let rejected = rng.range(0, 39) == 0;
    let accepted = if online {
        let a = cal.add_working_days(received, rng.range(0, 1) as u32);
        (a <= today).then_some(a)
    } else {
        Some(received)
    };
    if rejected && online {
        return Plan {
            status: "rejected",
            accepted: None,
            due: None,
            rejected: true,
            referred: false,
            referred_on: None,
            referral_deadline: None,
            completed: None,
            rating: None,
        };
    }
    let Some(accepted) = accepted else {
        return Plan {
            status: "received",
            accepted: None,
            due: None,
            rejected: false,
            referred: false,
            referred_on: None,
            referral_deadline: None,
            completed: None,
            rating: None,
        };
    };
    let due = cal.add_working_days(accepted, limit);
    let referred = item.finish_at != "community" || item.kind == "convenience";
    // mostly on time; one in twelve late by a few days
    let took = if rng.range(0, 11) == 0 {
        limit + rng.range(1, 6) as u32
    } else {
        rng.range(0, i64::from(limit)) as u32
    };
    let done = cal.add_working_days(accepted, took);
    // the newest cases are still open (and a rare old one stuck, overdue)
    let stuck = rng.range(0, 499) == 0;
    if done > today || stuck {
        let referred_on = referred.then_some(accepted);
        return Plan {
            status: if referred {
                "referred"
            } else if rng.range(0, 1) == 0 {
                "in_progress"
            } else {
                "accepted"
            },
            accepted: Some(accepted),
            due: Some(due),
            rejected: false,
            referred,
            referred_on,
            referral_deadline: referred.then_some(due),
            completed: None,
            rating: None,
        };
    }
    let rating = (rng.range(0, 9) < 6).then(|| match rng.range(0, 19) {
        0 => 1,
        1 => 2,
        2..=4 => 3,
        5..=10 => 4,
        _ => 5,
    });
    Plan {
        status: "completed",
        accepted: Some(accepted),
        due: Some(due),
        rejected: false,
        referred,
        referred_on: referred.then_some(accepted),
        referral_deadline: referred.then_some(due),
        completed: Some(done),
        rating,
    }
}
