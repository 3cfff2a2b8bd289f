//! Coverage: which communities a centre counts for, and the share against a target.

use super::*;

/// What coverage needs to know of one community (current or merged away) in scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    pub code: String,
    /// Index of the community's town in the caller's town list.
    pub town: usize,
    /// When its centre was finished (actual completion).
    pub completed_on: Option<NaiveDate>,
    /// When its centre is planned to be finished, if not yet.
    pub planned_completion: Option<NaiveDate>,
}

/// Communities and those with a finished centre, for one town or the whole scope.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub communities: i64,
    pub covered: i64,
    /// Covered plus those whose centre is planned to be finished within the year.
    pub expected: i64,
}

impl Count {
    pub(super) fn add(&mut self, o: Count) {
        self.communities += o.communities;
        self.covered += o.covered;
        self.expected += o.expected;
    }
    /// Share covered in per mille (integer, for charts and sorting).
    pub fn permille(&self) -> i64 {
        (self.covered * 1000)
            .checked_div(self.communities)
            .unwrap_or(0)
    }
    /// `covered / communities` reaches `pct` percent (exact, no rounding).
    pub fn meets(&self, pct: i64) -> bool {
        self.covered * 100 >= pct * self.communities
    }
    /// The expected count reaches `pct` percent.
    pub fn expected_meets(&self, pct: i64) -> bool {
        self.expected * 100 >= pct * self.communities
    }
}

/// Coverage at the end of `year`, per town index and in total. The communities of that year
/// are those not merged away by 31 December; a centre finished by then counts for the
/// community that stands for its own community on that date (so a merged-away village's
/// centre counts under its successor from the merge date). `expected` adds the communities
/// without a finished centre that have one planned to finish within the year.
pub fn coverage(
    year: i32,
    facts: &[Fact],
    merges: &HashMap<String, Merge>,
    towns: usize,
) -> (Vec<Count>, Count) {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let index: HashMap<&str, usize> = if merges.is_empty() {
        HashMap::new()
    } else {
        facts
            .iter()
            .enumerate()
            .map(|(i, f)| (f.code.as_str(), i))
            .collect()
    };
    // 0 not covered, 1 expected within the year, 2 covered
    let mut state = vec![0u8; facts.len()];
    for (i, f) in facts.iter().enumerate() {
        let s = match (f.completed_on, f.planned_completion) {
            (Some(d), _) if d <= end => 2,
            (None, Some(p)) if p <= end => 1,
            _ => continue,
        };
        let target = if merges.is_empty() || !merges.contains_key(&f.code) {
            Some(i)
        } else {
            index.get(successor_on(&f.code, end, merges)).copied()
        };
        if let Some(t) = target {
            state[t] = state[t].max(s);
        }
    }
    let mut per_town = vec![Count::default(); towns];
    let mut total = Count::default();
    for (i, f) in facts.iter().enumerate() {
        if merges.get(&f.code).is_some_and(|m| m.on <= end) {
            continue; // merged away by then
        }
        let c = Count {
            communities: 1,
            covered: i64::from(state[i] == 2),
            expected: i64::from(state[i] >= 1),
        };
        if let Some(t) = per_town.get_mut(f.town) {
            t.add(c);
        }
        total.add(c);
    }
    (per_town, total)
}

/// The target in force for a year: the latest one set for that year or before (a target,
/// once set, holds until a later year sets another). For a town, the town's own target and
/// the district's compete: the later year wins, the town's on the same year.
pub fn target_for(
    year: i32,
    town: Option<&str>,
    targets: &BTreeMap<(String, i32), i64>,
) -> Option<i64> {
    let latest = |key: &str| {
        targets
            .range((key.to_string(), i32::MIN)..=(key.to_string(), year))
            .next_back()
            .map(|((_, y), v)| (*y, *v))
    };
    let district = latest("");
    match (town.and_then(latest), district) {
        (Some((ty, tv)), Some((dy, _))) if ty >= dy => Some(tv),
        (Some(t), None) => Some(t.1),
        (_, d) => d.map(|d| d.1),
    }
}

/// Why a community without a finished centre by the end of a year is behind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Behind {
    /// No project at all.
    NoProject,
    /// A project, but no planned completion date.
    Unplanned,
    /// Planned to finish after the year.
    PlannedLater,
    /// The planned completion date has passed.
    Overdue,
    /// Planned to finish within the year, still ahead.
    OnTrack,
    /// Finished, but after that year (looking back at a past year).
    FinishedLater,
}

impl Behind {
    pub fn key(self) -> &'static str {
        match self {
            Behind::NoProject => "no_project",
            Behind::Unplanned => "unplanned",
            Behind::PlannedLater => "planned_later",
            Behind::Overdue => "overdue",
            Behind::OnTrack => "on_track",
            Behind::FinishedLater => "finished_later",
        }
    }
}

/// How a community without a finished centre stands for `year`, seen on `today`.
pub fn behind_reason(
    has_project: bool,
    planned_completion: Option<NaiveDate>,
    year: i32,
    today: NaiveDate,
) -> Behind {
    let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    match (has_project, planned_completion) {
        (false, _) => Behind::NoProject,
        (true, None) => Behind::Unplanned,
        (true, Some(p)) if p > end => Behind::PlannedLater,
        (true, Some(p)) if p < today => Behind::Overdue,
        (true, Some(_)) => Behind::OnTrack,
    }
}
