//! Pure rules of proposals (建言献策, no IO): the order a proposal is answered in.

use serde::{Deserialize, Serialize};

/// Where a proposal (建言献策) stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Received,
    UnderStudy,
    Adopted,
    PartlyAdopted,
    NotAdopted,
    Implemented,
}

impl ProposalStatus {
    pub fn key(self) -> &'static str {
        match self {
            ProposalStatus::Received => "received",
            ProposalStatus::UnderStudy => "under_study",
            ProposalStatus::Adopted => "adopted",
            ProposalStatus::PartlyAdopted => "partly_adopted",
            ProposalStatus::NotAdopted => "not_adopted",
            ProposalStatus::Implemented => "implemented",
        }
    }
    /// Answered: a decision the proposer can read.
    pub fn answered(self) -> bool {
        !matches!(self, ProposalStatus::Received | ProposalStatus::UnderStudy)
    }
}

/// A proposal's next status. A decision needs a public answer, "not adopted" its reason too;
/// only what was adopted, in whole or in part, can be implemented.
pub fn proposal_step(
    from: ProposalStatus,
    to: ProposalStatus,
    answer: &str,
) -> Result<ProposalStatus, &'static str> {
    use ProposalStatus::*;
    let ok = matches!(
        (from, to),
        (Received, UnderStudy)
            | (Received | UnderStudy, Adopted | PartlyAdopted | NotAdopted)
            | (Adopted | PartlyAdopted, Implemented)
    );
    if !ok {
        return Err("selfgov.proposal_out_of_order");
    }
    if matches!(to, Adopted | PartlyAdopted | NotAdopted) && answer.trim().is_empty() {
        return Err(if to == NotAdopted {
            "selfgov.reason_required"
        } else {
            "selfgov.answer_required"
        });
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proposals_step_in_order() {
        use ProposalStatus::*;
        assert_eq!(proposal_step(Received, UnderStudy, ""), Ok(UnderStudy));
        assert_eq!(
            proposal_step(UnderStudy, Adopted, "纳入明年村务计划"),
            Ok(Adopted)
        );
        assert_eq!(
            proposal_step(UnderStudy, NotAdopted, " "),
            Err("selfgov.reason_required")
        );
        assert_eq!(
            proposal_step(Received, PartlyAdopted, ""),
            Err("selfgov.answer_required")
        );
        assert_eq!(
            proposal_step(NotAdopted, Implemented, ""),
            Err("selfgov.proposal_out_of_order")
        );
        assert_eq!(
            proposal_step(PartlyAdopted, Implemented, ""),
            Ok(Implemented)
        );
        assert_eq!(
            proposal_step(Implemented, Received, ""),
            Err("selfgov.proposal_out_of_order")
        );
        assert!(Adopted.answered() && !UnderStudy.answered());
    }
}
