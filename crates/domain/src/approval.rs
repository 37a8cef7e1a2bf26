//! How a workspace approves its posts: team steps in order, each passed when any one of its
//! approvers (or all of them) approves, then, if asked, the client through a link that works
//! without an account. Any "changes, please" sends the post back to draft.

use serde::{Deserialize, Serialize};

/// At most this many team steps.
pub const MAX_STEPS: usize = 4;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalStep {
    pub name: String,
    /// Every approver must approve (otherwise any one is enough).
    pub all: bool,
    /// User ids.
    pub approvers: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalPolicy {
    pub steps: Vec<ApprovalStep>,
    /// The client approves last, through a link.
    pub client: bool,
}

impl Default for ApprovalPolicy {
    /// No team step; the client's link.
    fn default() -> Self {
        ApprovalPolicy {
            steps: Vec::new(),
            client: true,
        }
    }
}

/// Why a policy cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("step {0} has no approver")]
    NoApprover(usize),
    #[error("step {0} has no name")]
    NoName(usize),
    #[error("at most {MAX_STEPS} steps")]
    TooManySteps,
    #[error(
        "with no team step and no client link, posts would need no approval: keep at least one"
    )]
    Empty,
}

impl ApprovalPolicy {
    /// Checks a policy as written by a person (steps numbered from 1 in the errors).
    pub fn check(&self) -> Result<(), PolicyError> {
        if self.steps.len() > MAX_STEPS {
            return Err(PolicyError::TooManySteps);
        }
        if self.steps.is_empty() && !self.client {
            return Err(PolicyError::Empty);
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.name.trim().is_empty() {
                return Err(PolicyError::NoName(i + 1));
            }
            if step.approvers.is_empty() {
                return Err(PolicyError::NoApprover(i + 1));
            }
        }
        Ok(())
    }
}

impl ApprovalStep {
    /// The step is passed with these approvers' approvals.
    pub fn passed(&self, approved_by: &[i64]) -> bool {
        let count = |id: &i64| approved_by.contains(id);
        if self.all {
            self.approvers.iter().all(count)
        } else {
            self.approvers.iter().any(count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(all: bool) -> ApprovalStep {
        ApprovalStep {
            name: "Rédaction".into(),
            all,
            approvers: vec![1, 2],
        }
    }

    #[test]
    fn any_needs_one_all_needs_every_approver() {
        assert!(!step(false).passed(&[]));
        assert!(step(false).passed(&[2]));
        assert!(!step(false).passed(&[3]), "only the step's approvers count");
        assert!(!step(true).passed(&[2]));
        assert!(step(true).passed(&[2, 1, 3]));
    }

    #[test]
    fn policies_are_checked() {
        assert_eq!(ApprovalPolicy::default().check(), Ok(()));
        let empty = ApprovalPolicy {
            steps: vec![],
            client: false,
        };
        assert_eq!(empty.check(), Err(PolicyError::Empty));
        let nobody = ApprovalPolicy {
            steps: vec![
                step(false),
                ApprovalStep {
                    approvers: vec![],
                    ..step(true)
                },
            ],
            client: false,
        };
        assert_eq!(nobody.check(), Err(PolicyError::NoApprover(2)));
    }
}
