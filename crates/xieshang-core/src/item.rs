//! The item engine's rules: each kind of item (concern now; proposal, opinion report,
//! supervision opinion and consultation action later) declares its states and
//! transitions as data, with the parties that may take each. [`KindSpec::apply`]
//! is the one decision; the store writes the state, the timeline event, the audit
//! record and the outbox jobs of an accepted transition in one transaction.

use crate::role::Role;

/// Who takes a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// A user acting in one of their roles.
    Role(Role),
    /// The resident who raised the item (known by the tracking code, no account).
    Resident,
    /// The system itself (deadlines, jobs).
    System,
}

/// One allowed move between states.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// Stable action code, e.g. `assign`.
    pub action: &'static str,
    /// States it may start from.
    pub from: &'static [&'static str],
    /// State it leads to.
    pub to: &'static str,
    /// Who may take it.
    pub by: &'static [Party],
}

/// A kind of item: its states and transitions.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// Stable kind code.
    pub kind: &'static str,
    /// State of a new item.
    pub initial: &'static str,
    /// Every state.
    pub states: &'static [&'static str],
    /// States in which the item is closed: only `reopen` moves it on.
    pub closed: &'static [&'static str],
    /// Allowed transitions.
    pub transitions: &'static [Transition],
    /// Timeline events that leave the state as it is (reminders, escalations,
    /// comments); replay passes over them.
    pub notes: &'static [&'static str],
}

/// Why a transition was refused; `Display` is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// No such action for this kind.
    #[error("'{action}' is not something that can be done to a {kind}")]
    UnknownAction {
        /// Kind code.
        kind: &'static str,
        /// Action asked for.
        action: String,
    },
    /// The action exists but not from the current state.
    #[error("this {kind} is '{state}', so '{action}' cannot be done now")]
    WrongState {
        /// Kind code.
        kind: &'static str,
        /// Current state.
        state: String,
        /// Action asked for.
        action: &'static str,
    },
    /// The party may not take this action.
    #[error("'{action}' is not yours to do")]
    NotPermitted {
        /// Action asked for.
        action: &'static str,
    },
}

impl Party {
    /// Stable code stored in timelines.
    pub fn code(self) -> &'static str {
        match self {
            Party::Role(r) => r.code(),
            Party::Resident => "resident",
            Party::System => "system",
        }
    }
}

impl KindSpec {
    /// Whether the state is closed.
    pub fn is_closed(&self, state: &str) -> bool {
        self.closed.contains(&state)
    }

    /// Decides a transition: the new state, or why not.
    pub fn apply(&self, state: &str, action: &str, party: Party) -> Result<&'static str, Refused> {
        let Some(t) = self.transitions.iter().find(|t| t.action == action) else {
            return Err(Refused::UnknownAction {
                kind: self.kind,
                action: action.to_owned(),
            });
        };
        if !t.from.contains(&state) {
            return Err(Refused::WrongState {
                kind: self.kind,
                state: state.to_owned(),
                action: t.action,
            });
        }
        if !t.by.contains(&party) {
            return Err(Refused::NotPermitted { action: t.action });
        }
        Ok(t.to)
    }

    /// The party an actor acts as for `action` on an item of the unit at `path`:
    /// one of the actor's roles over that unit that the transition allows.
    pub fn party_for(
        &self,
        action: &str,
        actor: &crate::Actor,
        path: &crate::OrgPath,
    ) -> Option<Party> {
        let t = self.transitions.iter().find(|t| t.action == action)?;
        actor
            .roles_over(path)
            .map(Party::Role)
            .find(|p| t.by.contains(p))
    }

    /// Replays a timeline of actions from the initial state (the timeline is the
    /// single source of an item's history).
    pub fn replay<'a>(
        &self,
        actions: impl IntoIterator<Item = (&'a str, Party)>,
    ) -> Result<&'static str, Refused> {
        let mut state = self.initial;
        for (action, party) in actions {
            if self.notes.contains(&action) {
                continue;
            }
            state = self.apply(state, action, party)?;
        }
        Ok(state)
    }
}

const STAFF: Party = Party::Role(Role::Staff);
const DEPT: Party = Party::Role(Role::DepartmentHandler);

/// Residents' concerns (民情诉求): 收集 → 分流 → 办结 → 反馈.
pub const CONCERN: KindSpec = KindSpec {
    kind: "concern",
    initial: "submitted",
    states: &[
        "submitted",
        "accepted",
        "rejected",
        "merged",
        "converted",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
        "reopened",
    ],
    closed: &["rejected", "merged", "converted", "closed"],
    transitions: &[
        Transition {
            action: "accept",
            from: &["submitted"],
            to: "accepted",
            by: &[STAFF],
        },
        Transition {
            action: "reject",
            from: &["submitted"],
            to: "rejected",
            by: &[STAFF],
        },
        Transition {
            action: "merge",
            from: &["submitted", "accepted"],
            to: "merged",
            by: &[STAFF],
        },
        Transition {
            action: "convert",
            from: &["submitted", "accepted"],
            to: "converted",
            by: &[STAFF],
        },
        Transition {
            action: "assign",
            from: &["accepted", "reopened"],
            to: "assigned",
            by: &[STAFF],
        },
        Transition {
            action: "request_reassignment",
            from: &["assigned"],
            to: "accepted",
            by: &[DEPT],
        },
        Transition {
            action: "progress",
            from: &["assigned", "in_progress"],
            to: "in_progress",
            by: &[DEPT],
        },
        Transition {
            action: "resolve",
            from: &["assigned", "in_progress"],
            to: "resolved",
            by: &[DEPT],
        },
        Transition {
            action: "feedback_satisfied",
            from: &["resolved"],
            to: "closed",
            by: &[Party::Resident],
        },
        Transition {
            action: "feedback_basically_satisfied",
            from: &["resolved"],
            to: "closed",
            by: &[Party::Resident],
        },
        Transition {
            action: "feedback_unsatisfied",
            from: &["resolved"],
            to: "reopened",
            by: &[Party::Resident],
        },
        Transition {
            action: "close",
            from: &["resolved"],
            to: "closed",
            by: &[STAFF, Party::System],
        },
        Transition {
            action: "reopen",
            from: &["closed", "rejected"],
            to: "reopened",
            by: &[STAFF],
        },
    ],
    notes: &["remind", "escalate", "reveal", "same_report"],
};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parties() -> Vec<Party> {
        let mut p: Vec<Party> = Role::ALL.into_iter().map(Party::Role).collect();
        p.extend([Party::Resident, Party::System]);
        p
    }

    #[test]
    fn spec_is_consistent() {
        let s = CONCERN;
        assert!(s.states.contains(&s.initial));
        for t in s.transitions {
            assert!(s.states.contains(&t.to), "{}", t.action);
            assert!(t.from.iter().all(|f| s.states.contains(f)), "{}", t.action);
            let leaves_closed = t.from.iter().any(|f| s.is_closed(f));
            assert!(
                !leaves_closed || t.action == "reopen",
                "{} leaves a closed state",
                t.action
            );
        }
    }

    #[test]
    fn every_edge_allowed_and_forbidden() {
        let s = CONCERN;
        for state in s.states {
            for t in s.transitions {
                for party in parties() {
                    let got = s.apply(state, t.action, party);
                    let allowed = t.from.contains(state) && t.by.contains(&party);
                    assert_eq!(
                        got.is_ok(),
                        allowed,
                        "{state} --{}--> by {party:?}",
                        t.action
                    );
                    if allowed {
                        assert_eq!(got, Ok(t.to));
                    }
                }
            }
        }
        let e = s.apply("closed", "assign", STAFF).unwrap_err();
        assert_eq!(
            e.to_string(),
            "this concern is 'closed', so 'assign' cannot be done now"
        );
        assert!(matches!(
            s.apply("submitted", "fly", STAFF),
            Err(Refused::UnknownAction { .. })
        ));
        assert_eq!(
            s.apply("submitted", "accept", Party::Role(Role::Member)),
            Err(Refused::NotPermitted { action: "accept" })
        );
    }

    proptest! {
        /// Random walks: the timeline replays to the current state, and a closed
        /// item changes only through reopen.
        #[test]
        fn random_walks_keep_the_invariants(steps in proptest::collection::vec((0usize..64, 0usize..64), 0..60)) {
            let s = CONCERN;
            let all_parties = parties();
            let mut state = s.initial;
            let mut timeline: Vec<(&str, Party)> = Vec::new();
            for (a, p) in steps {
                let action = s.transitions[a % s.transitions.len()].action;
                let party = all_parties[p % all_parties.len()];
                if let Ok(next) = s.apply(state, action, party) {
                    prop_assert!(!s.is_closed(state) || action == "reopen");
                    timeline.push((action, party));
                    state = next;
                }
                prop_assert_eq!(s.replay(timeline.iter().copied()), Ok(state));
            }
        }
    }
}
