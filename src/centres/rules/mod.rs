//! Pure rules of service-centre construction: checklist compliance against a standard
//! version, the area norm and reward by construction mode, project status changes, yearly
//! coverage with merges, targets and the forecast. No IO, no clock, no database.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::geo::rules::{Merge, successor_on};
use crate::platform::error::FieldError;

mod coverage;

pub use coverage::*;

/// The largest floor or room area taken without question: 100,000 m² (in dm²).
pub const MAX_AREA_DM2: i64 = 100_000 * 100;
/// The largest single amount of money: 100 million yuan (in fen).
pub const MAX_AMOUNT_FEN: i64 = 100_000_000 * 100;

crate::keyed_enum!(
    /// How the centre is built. `Integrated`: demolition or planning blocks a build, so the
    /// community's existing rooms deliver the functions (the blocking reason is recorded).
    Mode { New = "new", Renovation = "renovation", Integrated = "integrated" }
);

crate::keyed_enum!(
    /// Where a project stands: planned → under construction → completed → accepted, or
    /// acceptance failed → rectifying → accepted again.
    Status {
        Planned = "planned",
        UnderConstruction = "under_construction",
        Completed = "completed",
        Accepted = "accepted",
        Failed = "failed",
        Rectifying = "rectifying",
    }
);

crate::keyed_enum!(
    /// The parts of the standard: 一厅 七站 七室 两栏 一校 一场地, and barrier-free facilities.
    Category {
        Hall = "hall",
        Station = "station",
        Room = "room",
        Board = "board",
        School = "school",
        Field = "field",
        BarrierFree = "barrier_free",
    }
);

impl Status {
    /// A centre has been built (it counts for coverage) once construction is completed.
    pub fn is_finished(self) -> bool {
        !matches!(self, Status::Planned | Status::UnderConstruction)
    }
    /// Acceptance may be inspected for a completed centre or one being rectified.
    pub fn can_be_inspected(self) -> bool {
        matches!(self, Status::Completed | Status::Rectifying)
    }
}

/// The status changes a user makes by hand; `Accepted` and `Failed` come only from an
/// inspection. Going one step back corrects a mistake. Returns the message key if refused.
pub fn manual_transition(
    from: Status,
    to: Status,
    actual_start: Option<NaiveDate>,
    actual_completion: Option<NaiveDate>,
    inspected: bool,
) -> Result<(), &'static str> {
    use Status::*;
    match (from, to) {
        (Planned, UnderConstruction) if actual_start.is_none() => Err("centres.need_actual_start"),
        (Planned, UnderConstruction) => Ok(()),
        (UnderConstruction, Completed) if actual_completion.is_none() => {
            Err("centres.need_actual_completion")
        }
        (UnderConstruction, Completed) => Ok(()),
        (Failed, Rectifying) => Ok(()),
        (UnderConstruction, Planned) => Ok(()),
        (Completed, UnderConstruction) if !inspected => Ok(()),
        _ => Err("centres.bad_transition"),
    }
}

/// The terms of a standard version that depend on the construction mode.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Terms {
    pub area_new_dm2: Option<i64>,
    pub area_renovation_dm2: Option<i64>,
    pub area_integrated_dm2: Option<i64>,
    pub reward_new_fen: i64,
    pub reward_renovation_fen: i64,
    pub reward_integrated_fen: i64,
}

impl Terms {
    /// The floor-area norm for a mode; `None` when the standard sets none.
    pub fn area_norm(&self, mode: Mode) -> Option<i64> {
        match mode {
            Mode::New => self.area_new_dm2,
            Mode::Renovation => self.area_renovation_dm2,
            Mode::Integrated => self.area_integrated_dm2,
        }
    }
    /// The one-off acceptance reward for a mode.
    pub fn reward(&self, mode: Mode) -> i64 {
        match mode {
            Mode::New => self.reward_new_fen,
            Mode::Renovation => self.reward_renovation_fen,
            Mode::Integrated => self.reward_integrated_fen,
        }
    }
}

/// One required or optional facility of a standard version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Item {
    pub id: i64,
    pub category: Category,
    pub name: String,
    pub required: bool,
    pub min_area_dm2: Option<i64>,
}

/// A project's record for one item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    pub item_id: i64,
    pub present: bool,
    pub area_dm2: Option<i64>,
}

/// The checklist result against a standard version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Compliance {
    /// Required items not present.
    pub missing_required: Vec<String>,
    /// Present items with a minimum area that is not reached (or not recorded).
    pub below_min_area: Vec<String>,
    pub required_items: usize,
    pub required_present: usize,
    pub area_norm_dm2: Option<i64>,
    pub floor_area_dm2: Option<i64>,
    /// The floor area reaches the norm of the mode, or the mode has none.
    pub area_ok: bool,
}

impl Compliance {
    /// Every required item present at its minimum area.
    pub fn items_ok(&self) -> bool {
        self.missing_required.is_empty() && self.below_min_area.is_empty()
    }
    /// The centre meets the standard: items and area.
    pub fn compliant(&self) -> bool {
        self.items_ok() && self.area_ok
    }
}

/// Check a project's checklist and floor area against a standard version. Items of the
/// standard without an entry count as absent; entries for other items are ignored. The area
/// norm ("about 1,500 m²") is read as a minimum.
pub fn check(
    items: &[Item],
    entries: &[Entry],
    terms: &Terms,
    mode: Mode,
    floor_area_dm2: Option<i64>,
) -> Compliance {
    let by_item: HashMap<i64, &Entry> = entries.iter().map(|e| (e.item_id, e)).collect();
    let mut c = Compliance {
        area_norm_dm2: terms.area_norm(mode),
        floor_area_dm2,
        ..Default::default()
    };
    for item in items {
        let entry = by_item.get(&item.id).filter(|e| e.present);
        if item.required {
            c.required_items += 1;
        }
        match entry {
            None if item.required => c.missing_required.push(item.name.clone()),
            None => {}
            Some(e) => {
                if item.required {
                    c.required_present += 1;
                }
                if let Some(min) = item.min_area_dm2
                    && item.required
                    && e.area_dm2.is_none_or(|a| a < min)
                {
                    c.below_min_area.push(item.name.clone());
                }
            }
        }
    }
    c.area_ok = match c.area_norm_dm2 {
        None => true,
        Some(norm) => floor_area_dm2.is_some_and(|a| a >= norm),
    };
    c
}

/// The name of an item as compared for duplicates: no spaces, case folded, full-width
/// brackets as half-width.
pub fn item_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            '／' => '/',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// One item row of the standard form: (form row, category, name, required, minimum area).
pub type ItemLine = (usize, Option<Category>, String, bool, Option<i64>);

/// A standard version as entered, before it is stored.
#[derive(Clone, Debug, Default)]
pub struct StandardInput {
    pub name: String,
    pub effective_year: i64,
    pub terms: Terms,
    pub items: Vec<ItemLine>,
}

/// Field errors of a standard version: names, duplicates, areas, rewards. Item fields are
/// named `i{row}_{field}`.
pub fn validate_standard(s: &StandardInput) -> Vec<FieldError> {
    let mut errs = vec![];
    if s.name.trim().is_empty() {
        errs.push(FieldError::new("name", "common.required"));
    } else if s.name.chars().count() > 100 {
        errs.push(FieldError::new("name", "common.too_long").with(100));
    }
    if !(1949..=2200).contains(&s.effective_year) {
        errs.push(FieldError::new("effective_year", "centres.year_range"));
    }
    for (field, v) in [
        ("area_new", s.terms.area_new_dm2),
        ("area_renovation", s.terms.area_renovation_dm2),
        ("area_integrated", s.terms.area_integrated_dm2),
    ] {
        if let Some(e) = check_area(field, v) {
            errs.push(e);
        }
    }
    for (field, v) in [
        ("reward_new", s.terms.reward_new_fen),
        ("reward_renovation", s.terms.reward_renovation_fen),
        ("reward_integrated", s.terms.reward_integrated_fen),
    ] {
        if let Some(e) = check_amount(field, v) {
            errs.push(e);
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row, cat, name, _, min) in &s.items {
        let f = |x: &str| format!("i{row}_{x}");
        if cat.is_none() {
            errs.push(FieldError::new(&f("category"), "centres.bad_category"));
        }
        let key = item_key(name);
        if key.is_empty() {
            errs.push(FieldError::new(&f("name"), "common.required"));
        } else if name.chars().count() > 60 {
            errs.push(FieldError::new(&f("name"), "common.too_long").with(60));
        } else if let Some(first) = seen.get(&key) {
            errs.push(FieldError::new(&f("name"), "centres.duplicate_item").with(first + 1));
        } else {
            seen.insert(key, *row);
        }
        if let Some(e) = check_area(&f("min_area"), *min) {
            errs.push(e);
        }
    }
    if !s.items.iter().any(|i| i.3) {
        errs.push(FieldError::new("items", "centres.no_required_items"));
    }
    errs
}

/// An area must be positive and plausible.
pub fn check_area(field: &str, v: Option<i64>) -> Option<FieldError> {
    match v {
        Some(a) if a < 0 => Some(FieldError::new(field, "centres.negative")),
        Some(a) if a > MAX_AREA_DM2 => Some(FieldError::new(field, "centres.area_absurd")),
        _ => None,
    }
}

/// A sum of money must not be negative and plausible.
pub fn check_amount(field: &str, v: i64) -> Option<FieldError> {
    if v < 0 {
        Some(FieldError::new(field, "centres.negative"))
    } else if v > MAX_AMOUNT_FEN {
        Some(FieldError::new(field, "centres.amount_absurd"))
    } else {
        None
    }
}

/// A project as entered (the form or the API), before it is stored.
#[derive(Clone, Debug, Default)]
pub struct ProjectInput {
    pub mode: Option<Mode>,
    pub blocking_reason: String,
    pub pilot: bool,
    pub pilot_year: Option<i64>,
    pub planned_start: Option<NaiveDate>,
    pub planned_completion: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_completion: Option<NaiveDate>,
    pub floor_area_dm2: Option<i64>,
    /// district, town, village, donations
    pub invest_fen: [i64; 4],
    pub note: String,
    /// The revision the form was opened at (platform::revision); none from the API.
    pub revision: Option<i64>,
}

pub const INVEST_FIELDS: [&str; 4] = [
    "invest_district",
    "invest_town",
    "invest_village",
    "invest_donation",
];

/// Field errors of a project given its current status and today's date.
pub fn validate_project(p: &ProjectInput, status: Status, today: NaiveDate) -> Vec<FieldError> {
    let mut errs = vec![];
    if p.mode.is_none() {
        errs.push(FieldError::new("mode", "centres.bad_mode"));
    }
    let reason = p.blocking_reason.trim();
    if p.mode == Some(Mode::Integrated) && reason.is_empty() {
        errs.push(FieldError::new(
            "blocking_reason",
            "centres.need_blocking_reason",
        ));
    }
    if reason.chars().count() > 500 {
        errs.push(FieldError::new("blocking_reason", "common.too_long").with(500));
    }
    if p.note.chars().count() > 2000 {
        errs.push(FieldError::new("note", "common.too_long").with(2000));
    }
    if p.pilot {
        match p.pilot_year {
            None => errs.push(FieldError::new("pilot_year", "centres.need_pilot_year")),
            Some(y) if !(1949..=i64::from(chrono::Datelike::year(&today)) + 5).contains(&y) => {
                errs.push(FieldError::new("pilot_year", "centres.year_range"))
            }
            _ => {}
        }
    }
    if let (Some(a), Some(b)) = (p.planned_start, p.planned_completion)
        && b < a
    {
        errs.push(FieldError::new(
            "planned_completion",
            "centres.completion_before_start",
        ));
    }
    if let (Some(a), Some(b)) = (p.actual_start, p.actual_completion)
        && b < a
    {
        errs.push(FieldError::new(
            "actual_completion",
            "centres.completion_before_start",
        ));
    }
    if p.actual_completion.is_some() && p.actual_start.is_none() {
        errs.push(FieldError::new("actual_start", "centres.need_actual_start"));
    }
    for (field, d) in [
        ("actual_start", p.actual_start),
        ("actual_completion", p.actual_completion),
    ] {
        if d.is_some_and(|d| d > today) {
            errs.push(FieldError::new(field, "centres.in_future"));
        }
    }
    if status.is_finished() && p.actual_completion.is_none() {
        errs.push(FieldError::new(
            "actual_completion",
            "centres.need_actual_completion",
        ));
    }
    if status != Status::Planned && p.actual_start.is_none() {
        errs.push(FieldError::new("actual_start", "centres.need_actual_start"));
    }
    if let Some(e) = check_area("floor_area", p.floor_area_dm2) {
        errs.push(e);
    }
    if p.floor_area_dm2 == Some(0) {
        errs.push(FieldError::new("floor_area", "centres.area_zero"));
    }
    for (field, v) in INVEST_FIELDS.iter().zip(p.invest_fen) {
        if let Some(e) = check_amount(field, v) {
            errs.push(e);
        }
    }
    errs.sort_by(|a, b| a.field.cmp(&b.field));
    errs.dedup_by(|a, b| a.field == b.field);
    errs
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn items() -> Vec<Item> {
        vec![
            Item {
                id: 1,
                category: Category::Hall,
                name: "便民服务大厅".into(),
                required: true,
                min_area_dm2: Some(8000),
            },
            Item {
                id: 2,
                category: Category::Station,
                name: "残疾人康复站".into(),
                required: true,
                min_area_dm2: None,
            },
            Item {
                id: 3,
                category: Category::Room,
                name: "老年活动室".into(),
                required: false,
                min_area_dm2: Some(3000),
            },
        ]
    }

    fn terms() -> Terms {
        Terms {
            area_new_dm2: Some(150_000),
            area_renovation_dm2: Some(100_000),
            area_integrated_dm2: None,
            reward_new_fen: 10_000_000,
            reward_renovation_fen: 5_000_000,
            reward_integrated_fen: 0,
        }
    }

    fn e(item_id: i64, present: bool, area: Option<i64>) -> Entry {
        Entry {
            item_id,
            present,
            area_dm2: area,
        }
    }

    #[test]
    fn checklist_finds_missing_items_and_small_rooms() {
        let c = check(
            &items(),
            &[e(1, true, Some(9000)), e(2, false, None)],
            &terms(),
            Mode::New,
            Some(160_000),
        );
        assert_eq!(c.missing_required, vec!["残疾人康复站"]);
        assert!(c.below_min_area.is_empty());
        assert_eq!((c.required_items, c.required_present), (2, 1));
        assert!(c.area_ok && !c.items_ok() && !c.compliant());
        // hall too small, optional room ignored, renovation norm 1,000 m²
        let c = check(
            &items(),
            &[e(1, true, Some(7999)), e(2, true, None), e(9, true, None)],
            &terms(),
            Mode::Renovation,
            Some(100_000),
        );
        assert_eq!(c.below_min_area, vec!["便民服务大厅"]);
        assert!(c.area_ok);
        // all there, but a new build of 1,400 m² misses the 1,500 m² norm
        let c = check(
            &items(),
            &[e(1, true, Some(8000)), e(2, true, None)],
            &terms(),
            Mode::New,
            Some(140_000),
        );
        assert!(c.items_ok() && !c.area_ok && !c.compliant());
        // integrated centres have no area norm here
        let c = check(
            &items(),
            &[e(1, true, Some(8000)), e(2, true, None)],
            &terms(),
            Mode::Integrated,
            None,
        );
        assert!(c.compliant());
    }

    #[test]
    fn norm_and_reward_follow_the_mode() {
        let t = terms();
        assert_eq!(t.area_norm(Mode::New), Some(150_000));
        assert_eq!(t.area_norm(Mode::Renovation), Some(100_000));
        assert_eq!(t.reward(Mode::New), 10_000_000);
        assert_eq!(t.reward(Mode::Renovation), 5_000_000);
        assert_eq!(t.reward(Mode::Integrated), 0);
    }

    #[test]
    fn status_changes_by_hand() {
        use Status::*;
        let day = Some(d("2008-01-01"));
        assert!(manual_transition(Planned, UnderConstruction, day, None, false).is_ok());
        assert_eq!(
            manual_transition(Planned, UnderConstruction, None, None, false),
            Err("centres.need_actual_start")
        );
        assert_eq!(
            manual_transition(UnderConstruction, Completed, day, None, false),
            Err("centres.need_actual_completion")
        );
        assert!(manual_transition(UnderConstruction, Completed, day, day, false).is_ok());
        assert!(manual_transition(Failed, Rectifying, day, day, true).is_ok());
        assert!(manual_transition(Completed, UnderConstruction, day, day, false).is_ok());
        assert!(manual_transition(Completed, UnderConstruction, day, day, true).is_err());
        for to in [Accepted, Failed] {
            for from in Status::ALL {
                assert!(manual_transition(*from, to, day, day, false).is_err());
            }
        }
        assert!(manual_transition(Planned, Completed, day, day, false).is_err());
    }

    #[test]
    fn standard_with_duplicates_is_refused() {
        let mut s = StandardInput {
            name: "标准".into(),
            effective_year: 2006,
            terms: terms(),
            items: vec![
                (0, Some(Category::Hall), "便民服务大厅".into(), true, None),
                (1, Some(Category::Room), "老年活动室".into(), false, None),
                (
                    2,
                    Some(Category::Room),
                    " 便民服务 大厅".into(),
                    false,
                    None,
                ),
            ],
        };
        let errs = validate_standard(&s);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "i2_name");
        assert_eq!(errs[0].key, "centres.duplicate_item");
        assert_eq!(errs[0].args, vec!["1"]);
        s.items.truncate(2);
        assert!(validate_standard(&s).is_empty());
        s.terms.area_new_dm2 = Some(-1);
        s.terms.reward_new_fen = MAX_AMOUNT_FEN + 1;
        s.items[0].3 = false;
        let fields: Vec<_> = validate_standard(&s).into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["area_new", "reward_new", "items"]);
        assert_eq!(item_key("警务（调解）室"), item_key("警务(调解)室"));
    }

    #[test]
    fn project_input_is_checked() {
        let today = d("2026-11-25");
        let mut p = ProjectInput {
            mode: Some(Mode::Integrated),
            actual_start: Some(d("2008-05-01")),
            actual_completion: Some(d("2008-04-01")),
            floor_area_dm2: Some(-5),
            invest_fen: [0, -1, 0, MAX_AMOUNT_FEN + 1],
            pilot: true,
            ..Default::default()
        };
        let fields: Vec<_> = validate_project(&p, Status::Completed, today)
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            vec![
                "actual_completion",
                "blocking_reason",
                "floor_area",
                "invest_donation",
                "invest_town",
                "pilot_year"
            ]
        );
        p.blocking_reason = "拆迁".into();
        p.actual_completion = Some(d("2008-09-01"));
        p.floor_area_dm2 = Some(100_000);
        p.invest_fen = [1, 2, 3, 4];
        p.pilot_year = Some(2006);
        assert!(validate_project(&p, Status::Completed, today).is_empty());
        p.actual_completion = None;
        assert_eq!(
            validate_project(&p, Status::Completed, today)[0].key,
            "centres.need_actual_completion"
        );
        p.actual_completion = Some(d("2027-01-01"));
        assert_eq!(
            validate_project(&p, Status::Completed, today)[0].key,
            "centres.in_future"
        );
    }

    fn fact(code: &str, town: usize, done: Option<&str>, plan: Option<&str>) -> Fact {
        Fact {
            code: code.into(),
            town,
            completed_on: done.map(d),
            planned_completion: plan.map(d),
        }
    }

    #[test]
    fn coverage_counts_merged_centres_under_the_successor() {
        // A (with a centre from 2007) merges into B on 2012-03-01; B has none of its own.
        let facts = vec![
            fact("A", 0, Some("2007-06-01"), None),
            fact("B", 0, None, Some("2013-06-01")),
            fact("C", 1, Some("2008-12-31"), None),
            fact("D", 1, None, Some("2008-10-01")),
        ];
        let mut merges = HashMap::new();
        merges.insert(
            "A".to_string(),
            Merge {
                successor: "B".into(),
                on: d("2012-03-01"),
            },
        );
        let (towns, total) = coverage(2007, &facts, &merges, 2);
        assert_eq!(
            total,
            Count {
                communities: 4,
                covered: 1,
                expected: 1
            }
        );
        assert_eq!(towns[1].covered, 0);
        let (towns, total) = coverage(2008, &facts, &merges, 2);
        assert_eq!(
            (total.communities, total.covered, total.expected),
            (4, 2, 3)
        );
        assert_eq!(towns[1].expected, 2);
        let (towns, total) = coverage(2011, &facts, &merges, 2);
        assert_eq!((total.communities, total.covered), (4, 2));
        assert_eq!(towns[0].covered, 1);
        // from the merge, A is gone and B counts as covered through A's centre
        let (towns, total) = coverage(2012, &facts, &merges, 2);
        assert_eq!((total.communities, total.covered), (3, 2));
        assert_eq!(
            towns[0],
            Count {
                communities: 1,
                covered: 1,
                expected: 1
            }
        );
        assert!(total.meets(66) && !total.meets(67));
        assert_eq!(total.permille(), 666);
    }

    #[test]
    fn targets_carry_forward_and_towns_fall_back() {
        let mut t = BTreeMap::new();
        t.insert((String::new(), 2007), 50);
        t.insert((String::new(), 2008), 80);
        t.insert(("T1".to_string(), 2008), 85);
        t.insert((String::new(), 2010), 100);
        assert_eq!(target_for(2006, None, &t), None);
        assert_eq!(target_for(2007, None, &t), Some(50));
        assert_eq!(target_for(2009, None, &t), Some(80));
        assert_eq!(target_for(2015, None, &t), Some(100));
        assert_eq!(target_for(2007, Some("T1"), &t), Some(50));
        assert_eq!(target_for(2008, Some("T1"), &t), Some(85));
        assert_eq!(target_for(2009, Some("T1"), &t), Some(85));
        assert_eq!(target_for(2009, Some("T2"), &t), Some(80));
        // the district's later target supersedes the town's older one
        assert_eq!(target_for(2010, Some("T1"), &t), Some(100));
        t.insert(("T1".to_string(), 2010), 95);
        assert_eq!(target_for(2010, Some("T1"), &t), Some(95));
    }

    #[test]
    fn reasons_for_being_behind() {
        let today = d("2026-06-01");
        assert_eq!(behind_reason(false, None, 2026, today), Behind::NoProject);
        assert_eq!(behind_reason(true, None, 2026, today), Behind::Unplanned);
        assert_eq!(
            behind_reason(true, Some(d("2027-01-01")), 2026, today),
            Behind::PlannedLater
        );
        assert_eq!(
            behind_reason(true, Some(d("2026-05-01")), 2026, today),
            Behind::Overdue
        );
        assert_eq!(
            behind_reason(true, Some(d("2026-12-31")), 2026, today),
            Behind::OnTrack
        );
    }

    /// (town, completion day, planned day, merge into (index, day))
    type RawFact = (u8, Option<u16>, Option<u16>, Option<(u8, u16)>);

    fn arb_facts() -> impl Strategy<Value = Vec<RawFact>> {
        // (town, completion day offset, planned day offset, merge (successor index, day))
        proptest::collection::vec(
            (
                0u8..4,
                proptest::option::of(0u16..7000),
                proptest::option::of(0u16..7000),
                proptest::option::weighted(0.15, (0u8..40, 0u16..7000)),
            ),
            1..40,
        )
    }

    proptest! {
        #[test]
        fn coverage_is_bounded_and_sums_over_towns(raw in arb_facts(), year in 2005i32..2026) {
            let base = d("2006-01-01");
            let n = raw.len();
            let facts: Vec<Fact> = raw.iter().enumerate().map(|(i, (t, c, p, _))| Fact {
                code: format!("C{i}"),
                town: *t as usize,
                completed_on: c.map(|x| base + chrono::Days::new(u64::from(x))),
                planned_completion: p.map(|x| base + chrono::Days::new(u64::from(x))),
            }).collect();
            // merges only into a later index that is itself never merged: no cycles
            let mut merges = HashMap::new();
            for (i, (_, _, _, m)) in raw.iter().enumerate() {
                if let Some((s, day)) = m {
                    let s = *s as usize % n;
                    if s > i && raw[s].3.is_none() {
                        merges.insert(format!("C{i}"), Merge {
                            successor: format!("C{s}"),
                            on: base + chrono::Days::new(u64::from(*day)),
                        });
                    }
                }
            }
            let (towns, total) = coverage(year, &facts, &merges, 4);
            prop_assert!(total.covered <= total.expected && total.expected <= total.communities);
            let sum = towns.iter().fold(Count::default(), |mut a, c| { a.add(*c); a });
            prop_assert_eq!(sum, total);
            let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap();
            let merged_away = merges.values().filter(|m| m.on <= end).count() as i64;
            prop_assert_eq!(total.communities, n as i64 - merged_away);
            // without merges, the covered count never falls from one year to the next
            if merges.is_empty() {
                let (_, next) = coverage(year + 1, &facts, &merges, 4);
                prop_assert!(next.covered >= total.covered);
            }
            // every centre finished long ago: everything covered
            let all_done: Vec<Fact> = facts.iter().cloned().map(|mut f| {
                f.completed_on = Some(d("2000-01-01"));
                f
            }).collect();
            let (_, t) = coverage(year, &all_done, &merges, 4);
            prop_assert_eq!(t.covered, t.communities);
        }
    }
}
