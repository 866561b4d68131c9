//! The item engine's rules: each kind of item (concern now; proposal, opinion report,
//! supervision opinion and consultation action later) declares its states and
//! transitions as data, with the parties that may take each. [`KindSpec::apply`]
//! is the one decision; the store writes the state, the timeline event, the audit
//! record and the outbox jobs of an accepted transition in one transaction.

use crate::account::role::Role;

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

/// Declares an enum of stable codes: each variant's code is what the
/// database, the forms and the timelines hold; `as_str` and `parse` are
/// exact inverses, and `ALL` lists every variant.
macro_rules! codes {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value of a stable code.
            pub fn parse(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                self.as_str() == other
            }
        }
    };
}

codes! {
    /// A state an item can be in (the states of every kind; a kind's
    /// [`KindSpec::states`] says which are its own).
    State {
        /// Raised, not yet looked at.
        Submitted = "submitted",
        /// Taken up by staff.
        Accepted = "accepted",
        /// Refused by staff.
        Rejected = "rejected",
        /// Merged into another item.
        Merged = "merged",
        /// Converted into an item of another kind.
        Converted = "converted",
        /// Assigned to units.
        Assigned = "assigned",
        /// Being handled.
        InProgress = "in_progress",
        /// Handled; awaiting evaluation.
        Resolved = "resolved",
        /// Done.
        Closed = "closed",
        /// Opened again.
        Reopened = "reopened",
        /// A consultation called, its meeting not yet held.
        Convened = "convened",
        /// A consultation's meeting held and its minutes recorded; its agreed
        /// actions are being carried out.
        Held = "held",
        /// Called off before it was held.
        Cancelled = "cancelled",
        /// Being written (a proposal's draft, or one returned for revision).
        Draft = "draft",
        /// Withdrawn at the proposer's request.
        Withdrawn = "withdrawn",
        /// An opinion report the office is editing (核稿).
        Editing = "editing",
        /// An opinion report the office used (采用).
        Used = "used",
        /// An opinion report kept for reference (留存).
        Kept = "kept",
        /// An opinion report not used (不采用).
        NotUsed = "not_used",
        /// A practice the city sent back with a note asking for changes.
        ChangesRequested = "changes_requested",
        /// A practice the city selected for the library (入选).
        Selected = "selected",
        /// A practice the city did not select.
        NotSelected = "not_selected",
    }
}

codes! {
    /// Something done to an item: a transition or a note (every kind's; a
    /// kind's spec says which are its own).
    Action {
        /// The first event of every item.
        Submit = "submit",
        /// Take up.
        Accept = "accept",
        /// Refuse.
        Reject = "reject",
        /// Merge into another item.
        Merge = "merge",
        /// Convert into another kind.
        Convert = "convert",
        /// Assign to units.
        Assign = "assign",
        /// An assigned unit asks to be relieved.
        RequestReassignment = "request_reassignment",
        /// Progress report.
        Progress = "progress",
        /// Handled, with a result.
        Resolve = "resolve",
        /// Evaluation: satisfied.
        FeedbackSatisfied = "feedback_satisfied",
        /// Evaluation: basically satisfied.
        FeedbackBasicallySatisfied = "feedback_basically_satisfied",
        /// Evaluation: unsatisfied (reopens).
        FeedbackUnsatisfied = "feedback_unsatisfied",
        /// Close.
        Close = "close",
        /// Reopen a closed item.
        Reopen = "reopen",
        /// Note: a deadline reminder.
        Remind = "remind",
        /// Note: an escalation.
        Escalate = "escalate",
        /// Note: personal data revealed.
        Reveal = "reveal",
        /// Note: someone else reported the same.
        SameReport = "same_report",
        /// Note: a leader or overseer urges the work on (督办).
        Urge = "urge",
        /// Note: a leader's instruction on the item (批示).
        Instruct = "instruct",
        /// Note: a consultation has been called on the item.
        Convene = "convene",
        /// A consultation's meeting is held (minutes recorded).
        Hold = "hold",
        /// Call a consultation off.
        Cancel = "cancel",
        /// Resolved by a consultation's outcome (staff, when it closes).
        ConsultationResolve = "consultation_resolve",
        /// A draft is filed for review (a proposal).
        File = "file",
        /// Sent back to its author for revision.
        Return = "return",
        /// Withdrawn at the author's request.
        Withdraw = "withdraw",
        /// Note: a co-signer is invited.
        InviteCosigner = "invite_cosigner",
        /// Note: a co-signer confirms.
        Cosign = "cosign",
        /// Note: a co-signer declines.
        DeclineCosign = "decline_cosign",
        /// Note: an assigned unit objects to its assignment (a proposal).
        Object = "object",
        /// Note: the handling unit has contacted the proposer (before replying).
        Contact = "contact",
        /// Note: a co-handling unit sends its opinion to the lead unit.
        CoOpinion = "co_opinion",
        /// Note: the deadline is extended (with the committee's approval).
        Extend = "extend",
        /// Note: nominated as a key proposal candidate.
        Nominate = "nominate",
        /// Note: chosen as a key proposal (重点提案).
        SelectKey = "select_key",
        /// The office takes a report up for editing (核稿).
        Edit = "edit",
        /// Note: the office saved a new version of the report's text.
        Revise = "revise",
        /// Decision: used (采用).
        Use = "use",
        /// Decision: kept for reference (留存).
        Keep = "keep",
        /// Decision: not used (不采用).
        NotUse = "not_use",
        /// Note: forwarded to another level (上报).
        Forward = "forward",
        /// Note: adopted by a receiving level.
        Adopt = "adopt",
        /// The city asks a district to change its practice (with a note).
        RequestChanges = "request_changes",
        /// The district sends its changed practice again.
        Resubmit = "resubmit",
        /// The city selects a practice (入选).
        Select = "select",
        /// The city does not select a practice.
        NotSelect = "not_select",
        /// Note: a practice was shown at a field meeting (现场会).
        ShowAtMeeting = "show_at_meeting",
    }
}

codes! {
    /// How an item reached the system.
    Channel {
        /// The public web form.
        Web = "web",
        /// The JSON API or Open311.
        Api = "api",
        /// Recorded by a liaison officer.
        Liaison = "liaison",
        /// Recorded by a grid worker.
        Grid = "grid",
        /// Recorded at a studio reception.
        Studio = "studio",
        /// Recorded by a member.
        Member = "member",
    }
}

/// One allowed move between states.
#[derive(Debug, Clone, Copy)]
pub struct Transition {
    /// The action.
    pub action: Action,
    /// States it may start from.
    pub from: &'static [State],
    /// State it leads to.
    pub to: State,
    /// Who may take it.
    pub by: &'static [Party],
}

/// A kind of item: its states and transitions.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// Stable kind code.
    pub kind: &'static str,
    /// State of a new item.
    pub initial: State,
    /// Every state.
    pub states: &'static [State],
    /// States in which the item is closed: only `reopen` moves it on.
    pub closed: &'static [State],
    /// Allowed transitions.
    pub transitions: &'static [Transition],
    /// Timeline events that leave the state as it is (reminders, escalations,
    /// comments); replay passes over them.
    pub notes: &'static [Action],
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
    pub fn is_closed(&self, state: State) -> bool {
        self.closed.contains(&state)
    }

    /// Whether the state stored as `code` is closed (an unknown code is not).
    pub fn is_closed_code(&self, code: &str) -> bool {
        State::parse(code).is_some_and(|s| self.is_closed(s))
    }

    /// The kind's state of a stored code, if it is one of the kind's.
    pub fn state(&self, code: &str) -> Option<State> {
        State::parse(code).filter(|s| self.states.contains(s))
    }

    /// The kind's action of a code, if it is one of its transitions or notes.
    pub fn action(&self, code: &str) -> Option<Action> {
        Action::parse(code)
            .filter(|a| self.notes.contains(a) || self.transitions.iter().any(|t| t.action == *a))
    }

    /// Decides a transition: the new state, or why not.
    pub fn apply(&self, state: State, action: Action, party: Party) -> Result<State, Refused> {
        let Some(t) = self.transitions.iter().find(|t| t.action == action) else {
            return Err(Refused::UnknownAction {
                kind: self.kind,
                action: action.as_str().to_owned(),
            });
        };
        if !t.from.contains(&state) {
            return Err(Refused::WrongState {
                kind: self.kind,
                state: state.as_str().to_owned(),
                action: t.action.as_str(),
            });
        }
        if !t.by.contains(&party) {
            return Err(Refused::NotPermitted {
                action: t.action.as_str(),
            });
        }
        Ok(t.to)
    }

    /// [`apply`](Self::apply) to codes as stored or posted: an unknown action
    /// code is refused as unknown, a state code that is not the kind's as the
    /// wrong state.
    pub fn apply_code(&self, state: &str, action: &str, party: Party) -> Result<State, Refused> {
        let Some(a) =
            Action::parse(action).filter(|a| self.transitions.iter().any(|t| t.action == *a))
        else {
            return Err(Refused::UnknownAction {
                kind: self.kind,
                action: action.to_owned(),
            });
        };
        match self.state(state) {
            Some(s) => self.apply(s, a, party),
            None => Err(Refused::WrongState {
                kind: self.kind,
                state: state.to_owned(),
                action: a.as_str(),
            }),
        }
    }

    /// The party an actor acts as for `action` on an item of the unit at `path`:
    /// one of the actor's roles over that unit that the transition allows.
    pub fn party_for(
        &self,
        action: Action,
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
    pub fn replay(
        &self,
        actions: impl IntoIterator<Item = (Action, Party)>,
    ) -> Result<State, Refused> {
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

use Action as A;
use State as S;

/// Residents' concerns (民情诉求): 收集 → 分流 → 办结 → 反馈.
pub const CONCERN: KindSpec = KindSpec {
    kind: "concern",
    initial: S::Submitted,
    states: &[
        S::Submitted,
        S::Accepted,
        S::Rejected,
        S::Merged,
        S::Converted,
        S::Assigned,
        S::InProgress,
        S::Resolved,
        S::Closed,
        S::Reopened,
    ],
    closed: &[S::Rejected, S::Merged, S::Converted, S::Closed],
    transitions: &[
        Transition {
            action: A::Accept,
            from: &[S::Submitted],
            to: S::Accepted,
            by: &[STAFF],
        },
        Transition {
            action: A::Reject,
            from: &[S::Submitted],
            to: S::Rejected,
            by: &[STAFF],
        },
        Transition {
            action: A::Merge,
            from: &[S::Submitted, S::Accepted],
            to: S::Merged,
            by: &[STAFF],
        },
        Transition {
            action: A::Convert,
            from: &[S::Submitted, S::Accepted],
            to: S::Converted,
            by: &[STAFF],
        },
        Transition {
            action: A::Assign,
            from: &[S::Accepted, S::Reopened],
            to: S::Assigned,
            by: &[STAFF],
        },
        Transition {
            action: A::RequestReassignment,
            from: &[S::Assigned],
            to: S::Accepted,
            by: &[DEPT],
        },
        Transition {
            action: A::Progress,
            from: &[S::Assigned, S::InProgress],
            to: S::InProgress,
            by: &[DEPT],
        },
        Transition {
            action: A::Resolve,
            from: &[S::Assigned, S::InProgress],
            to: S::Resolved,
            by: &[DEPT],
        },
        Transition {
            action: A::FeedbackSatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[Party::Resident],
        },
        Transition {
            action: A::FeedbackBasicallySatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[Party::Resident],
        },
        Transition {
            action: A::FeedbackUnsatisfied,
            from: &[S::Resolved],
            to: S::Reopened,
            by: &[Party::Resident],
        },
        Transition {
            action: A::ConsultationResolve,
            from: &[S::Accepted, S::Assigned, S::InProgress, S::Reopened],
            to: S::Resolved,
            by: &[STAFF],
        },
        Transition {
            action: A::Close,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[STAFF, Party::System],
        },
        Transition {
            action: A::Reopen,
            from: &[S::Closed, S::Rejected],
            to: S::Reopened,
            by: &[STAFF],
        },
    ],
    notes: &[
        A::Remind,
        A::Escalate,
        A::Reveal,
        A::SameReport,
        A::Urge,
        A::Instruct,
        A::Convene,
    ],
};

/// Consultations (协商议事): called on a topic, held (minutes and agreed
/// actions), closed by staff once every action is done, or called off.
pub const CONSULTATION: KindSpec = KindSpec {
    kind: "consultation",
    initial: S::Convened,
    states: &[S::Convened, S::Held, S::Closed, S::Cancelled],
    closed: &[S::Closed, S::Cancelled],
    transitions: &[
        Transition {
            action: A::Hold,
            from: &[S::Convened],
            to: S::Held,
            by: &[STAFF],
        },
        Transition {
            action: A::Cancel,
            from: &[S::Convened],
            to: S::Cancelled,
            by: &[STAFF],
        },
        Transition {
            action: A::Close,
            from: &[S::Held],
            to: S::Closed,
            by: &[STAFF],
        },
    ],
    notes: &[A::Remind, A::Escalate],
};

/// An action agreed at a consultation (协商成果), owned by one unit with a due
/// date: tracked like a concern's assignment until the owner marks it done.
pub const CONSULTATION_ACTION: KindSpec = KindSpec {
    kind: "consultation_action",
    initial: S::Assigned,
    states: &[S::Assigned, S::InProgress, S::Resolved],
    closed: &[S::Resolved],
    transitions: &[
        Transition {
            action: A::Progress,
            from: &[S::Assigned, S::InProgress],
            to: S::InProgress,
            by: &[DEPT, STAFF],
        },
        Transition {
            action: A::Resolve,
            from: &[S::Assigned, S::InProgress],
            to: S::Resolved,
            by: &[DEPT, STAFF],
        },
    ],
    notes: &[A::Remind, A::Escalate],
};

const MEMBER: Party = Party::Role(Role::Member);
const COMMITTEE: Party = Party::Role(Role::ProposalCommittee);

/// Proposals (提案, decision record 0033): a member drafts one (with
/// co-signers), files it; the proposal committee accepts it (a number is
/// given), refuses it on a ground, merges it into another, converts it (to an
/// opinion report or a letter), sends it back for revision, or withdraws it at
/// the proposer's request; an accepted one is assigned to units (and
/// reassigned after an objection), handled (`progress`: a unit's part
/// replied while others are pending) and replied to (`resolve`); the proposer
/// evaluates the reply: satisfied closes it, unsatisfied opens a second round
/// (`reopened`, replied to again). The committee closes what evaluation does
/// not (after a face-to-face consultation, or when no one evaluates).
pub const PROPOSAL: KindSpec = KindSpec {
    kind: "proposal",
    initial: S::Draft,
    states: &[
        S::Draft,
        S::Submitted,
        S::Accepted,
        S::Rejected,
        S::Merged,
        S::Converted,
        S::Withdrawn,
        S::Assigned,
        S::InProgress,
        S::Resolved,
        S::Reopened,
        S::Closed,
    ],
    closed: &[
        S::Rejected,
        S::Merged,
        S::Converted,
        S::Withdrawn,
        S::Closed,
    ],
    transitions: &[
        Transition {
            action: A::File,
            from: &[S::Draft],
            to: S::Submitted,
            by: &[MEMBER],
        },
        Transition {
            action: A::Accept,
            from: &[S::Submitted],
            to: S::Accepted,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Reject,
            from: &[S::Submitted],
            to: S::Rejected,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Merge,
            from: &[S::Submitted],
            to: S::Merged,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Convert,
            from: &[S::Submitted],
            to: S::Converted,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Return,
            from: &[S::Submitted],
            to: S::Draft,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Withdraw,
            from: &[S::Submitted, S::Accepted],
            to: S::Withdrawn,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Assign,
            from: &[S::Accepted, S::Assigned, S::InProgress, S::Reopened],
            to: S::Assigned,
            by: &[COMMITTEE],
        },
        Transition {
            action: A::Progress,
            from: &[S::Assigned, S::InProgress, S::Reopened],
            to: S::InProgress,
            by: &[DEPT],
        },
        Transition {
            action: A::Resolve,
            from: &[S::Assigned, S::InProgress, S::Reopened],
            to: S::Resolved,
            by: &[DEPT],
        },
        Transition {
            action: A::FeedbackSatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[MEMBER],
        },
        Transition {
            action: A::FeedbackBasicallySatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[MEMBER],
        },
        Transition {
            action: A::FeedbackUnsatisfied,
            from: &[S::Resolved],
            to: S::Reopened,
            by: &[MEMBER],
        },
        Transition {
            action: A::Close,
            from: &[S::Resolved, S::Reopened],
            to: S::Closed,
            by: &[COMMITTEE, Party::System],
        },
    ],
    notes: &[
        A::InviteCosigner,
        A::Cosign,
        A::DeclineCosign,
        A::Remind,
        A::Escalate,
        A::Object,
        A::Contact,
        A::CoOpinion,
        A::Extend,
        A::Nominate,
        A::SelectKey,
        A::Urge,
        A::Instruct,
        A::Convene,
    ],
};

/// Public-opinion reports (社情民意信息, issue 30, decision record 0041): a
/// member, a member group or an informant submits one matter; the office
/// takes it up for editing (核稿, every version kept as `revise` notes),
/// merges it into another on the same matter, or decides: used (采用), kept
/// for reference (留存) or not used (不采用). A used report travels up the
/// levels as notes (`forward`, `adopt`, `instruct`): its state stays `used`.
pub const OPINION_REPORT: KindSpec = KindSpec {
    kind: "opinion_report",
    initial: S::Submitted,
    states: &[
        S::Submitted,
        S::Editing,
        S::Used,
        S::Kept,
        S::NotUsed,
        S::Merged,
    ],
    closed: &[S::Kept, S::NotUsed, S::Merged],
    transitions: &[
        Transition {
            action: A::Edit,
            from: &[S::Submitted],
            to: S::Editing,
            by: &[STAFF],
        },
        Transition {
            action: A::Merge,
            from: &[S::Submitted, S::Editing],
            to: S::Merged,
            by: &[STAFF],
        },
        Transition {
            action: A::Use,
            from: &[S::Submitted, S::Editing],
            to: S::Used,
            by: &[STAFF],
        },
        Transition {
            action: A::Keep,
            from: &[S::Submitted, S::Editing],
            to: S::Kept,
            by: &[STAFF],
        },
        Transition {
            action: A::NotUse,
            from: &[S::Submitted, S::Editing],
            to: S::NotUsed,
            by: &[STAFF],
        },
    ],
    notes: &[A::Revise, A::Forward, A::Adopt, A::Instruct, A::Remind],
};

/// Supervision opinions (监督意见, issue 31, decision record 0045): a
/// supervision group sends one to a department it is posted to (`assigned`);
/// the department answers with its rectification plan (整改方案,
/// `progress`: `in_progress`), then with its result (整改结果, `resolve`:
/// `resolved`); the group rates the result: satisfied or basically satisfied
/// closes it, unsatisfied sends it back for another result (`reopened`).
/// Whether the plan is a required step is the body's rule, checked by the
/// store (a body that does not require it lets the result come first).
pub const SUPERVISION_OPINION: KindSpec = KindSpec {
    kind: "supervision_opinion",
    initial: S::Assigned,
    states: &[
        S::Assigned,
        S::InProgress,
        S::Resolved,
        S::Reopened,
        S::Closed,
    ],
    closed: &[S::Closed],
    transitions: &[
        Transition {
            action: A::Progress,
            from: &[S::Assigned],
            to: S::InProgress,
            by: &[DEPT, STAFF],
        },
        Transition {
            action: A::Resolve,
            from: &[S::Assigned, S::InProgress, S::Reopened],
            to: S::Resolved,
            by: &[DEPT, STAFF],
        },
        Transition {
            action: A::FeedbackSatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[MEMBER, STAFF],
        },
        Transition {
            action: A::FeedbackBasicallySatisfied,
            from: &[S::Resolved],
            to: S::Closed,
            by: &[MEMBER, STAFF],
        },
        Transition {
            action: A::FeedbackUnsatisfied,
            from: &[S::Resolved],
            to: S::Reopened,
            by: &[MEMBER, STAFF],
        },
    ],
    notes: &[A::Remind, A::Escalate],
};

/// Best practices (优秀做法, issue 31 point 5, decision record 0046): a
/// district's staff write a draft and submit it; the city's staff ask for
/// changes (with a note), and the district resubmits; the city selects it
/// for the library or not. Staff are staff on both sides: the store checks
/// that the district's steps are taken by its own staff and the city's by
/// staff of a unit above the district.
pub const PRACTICE: KindSpec = KindSpec {
    kind: "practice",
    initial: S::Draft,
    states: &[
        S::Draft,
        S::Submitted,
        S::ChangesRequested,
        S::Selected,
        S::NotSelected,
    ],
    closed: &[S::Selected, S::NotSelected],
    transitions: &[
        Transition {
            action: A::File,
            from: &[S::Draft],
            to: S::Submitted,
            by: &[STAFF],
        },
        Transition {
            action: A::RequestChanges,
            from: &[S::Submitted],
            to: S::ChangesRequested,
            by: &[STAFF],
        },
        Transition {
            action: A::Resubmit,
            from: &[S::ChangesRequested],
            to: S::Submitted,
            by: &[STAFF],
        },
        Transition {
            action: A::Select,
            from: &[S::Submitted],
            to: S::Selected,
            by: &[STAFF],
        },
        Transition {
            action: A::NotSelect,
            from: &[S::Submitted],
            to: S::NotSelected,
            by: &[STAFF],
        },
    ],
    notes: &[A::ShowAtMeeting],
};

/// Every kind the engine serves.
pub const KINDS: &[KindSpec] = &[
    CONCERN,
    CONSULTATION,
    CONSULTATION_ACTION,
    PROPOSAL,
    OPINION_REPORT,
    SUPERVISION_OPINION,
    PRACTICE,
];

/// The spec of a kind code.
pub fn spec(kind: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.kind == kind)
}

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
        for s in KINDS {
            kind_is_consistent(s);
        }
    }

    fn kind_is_consistent(s: &KindSpec) {
        assert!(s.states.contains(&s.initial));
        for t in s.transitions {
            assert!(s.states.contains(&t.to), "{}", t.action);
            assert!(t.from.iter().all(|f| s.states.contains(f)), "{}", t.action);
            let leaves_closed = t.from.iter().any(|f| s.is_closed(*f));
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
                    let got = s.apply(*state, t.action, party);
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
        let e = s.apply_code("closed", "assign", STAFF).unwrap_err();
        assert_eq!(
            e.to_string(),
            "this concern is 'closed', so 'assign' cannot be done now"
        );
        assert!(matches!(
            s.apply_code("submitted", "fly", STAFF),
            Err(Refused::UnknownAction { .. })
        ));
        assert_eq!(
            s.apply_code("submitted", "accept", Party::Role(Role::Member)),
            Err(Refused::NotPermitted { action: "accept" })
        );
    }

    #[test]
    fn proposal_edges() {
        let s = PROPOSAL;
        assert_eq!(s.apply(S::Draft, A::File, MEMBER), Ok(S::Submitted));
        assert_eq!(
            s.apply(S::Draft, A::File, COMMITTEE),
            Err(Refused::NotPermitted { action: "file" })
        );
        assert_eq!(s.apply(S::Submitted, A::Return, COMMITTEE), Ok(S::Draft));
        assert_eq!(s.apply(S::Submitted, A::Accept, COMMITTEE), Ok(S::Accepted));
        assert!(s.apply(S::Accepted, A::Accept, COMMITTEE).is_err());
        assert!(s.apply(S::Submitted, A::Accept, MEMBER).is_err());
        assert_eq!(
            s.apply(S::Accepted, A::Withdraw, COMMITTEE),
            Ok(S::Withdrawn)
        );
        assert!(s.apply(S::Draft, A::Accept, COMMITTEE).is_err());
        assert!(s.is_closed(S::Merged) && !s.is_closed(S::Draft));
        // Handling, reply, evaluation and the second round.
        assert_eq!(s.apply(S::Accepted, A::Assign, COMMITTEE), Ok(S::Assigned));
        assert_eq!(s.apply(S::Assigned, A::Assign, COMMITTEE), Ok(S::Assigned));
        assert_eq!(s.apply(S::Assigned, A::Resolve, DEPT), Ok(S::Resolved));
        assert!(s.apply(S::Assigned, A::Resolve, MEMBER).is_err());
        assert_eq!(
            s.apply(S::Resolved, A::FeedbackUnsatisfied, MEMBER),
            Ok(S::Reopened)
        );
        assert_eq!(s.apply(S::Reopened, A::Resolve, DEPT), Ok(S::Resolved));
        assert_eq!(
            s.apply(S::Resolved, A::FeedbackSatisfied, MEMBER),
            Ok(S::Closed)
        );
        assert!(s.apply(S::Resolved, A::FeedbackSatisfied, DEPT).is_err());
        assert_eq!(
            s.apply(S::Submitted, A::Convert, COMMITTEE),
            Ok(S::Converted)
        );
        assert!(s.is_closed(S::Closed) && s.is_closed(S::Converted));
    }

    #[test]
    fn opinion_report_edges() {
        let s = OPINION_REPORT;
        assert_eq!(s.apply(S::Submitted, A::Edit, STAFF), Ok(S::Editing));
        assert_eq!(s.apply(S::Editing, A::Use, STAFF), Ok(S::Used));
        assert_eq!(s.apply(S::Submitted, A::Keep, STAFF), Ok(S::Kept));
        assert_eq!(s.apply(S::Editing, A::NotUse, STAFF), Ok(S::NotUsed));
        assert_eq!(s.apply(S::Editing, A::Merge, STAFF), Ok(S::Merged));
        assert!(s.apply(S::Submitted, A::Use, MEMBER).is_err());
        assert!(s.apply(S::Used, A::NotUse, STAFF).is_err());
        assert!(s.apply(S::Used, A::Merge, STAFF).is_err());
        assert!(s.is_closed(S::NotUsed) && !s.is_closed(S::Used));
        assert_eq!(s.action("forward"), Some(A::Forward));
        assert_eq!(s.action("assign"), None);
        // A used report's forwards and adoptions leave it used.
        assert_eq!(
            s.replay([
                (A::Edit, STAFF),
                (A::Revise, STAFF),
                (A::Use, STAFF),
                (A::Forward, STAFF),
                (A::Adopt, STAFF),
                (A::Instruct, STAFF),
            ]),
            Ok(S::Used)
        );
    }

    #[test]
    fn supervision_opinion_edges() {
        let s = SUPERVISION_OPINION;
        assert_eq!(s.apply(S::Assigned, A::Progress, DEPT), Ok(S::InProgress));
        assert_eq!(s.apply(S::InProgress, A::Resolve, DEPT), Ok(S::Resolved));
        assert!(s.apply(S::InProgress, A::Resolve, MEMBER).is_err());
        assert!(s.apply(S::Resolved, A::FeedbackSatisfied, DEPT).is_err());
        assert_eq!(
            s.apply(S::Resolved, A::FeedbackUnsatisfied, MEMBER),
            Ok(S::Reopened)
        );
        assert_eq!(s.apply(S::Reopened, A::Resolve, DEPT), Ok(S::Resolved));
        assert_eq!(
            s.apply(S::Resolved, A::FeedbackBasicallySatisfied, MEMBER),
            Ok(S::Closed)
        );
        // Closed: no answer moves it.
        assert!(s.apply(S::Closed, A::Resolve, DEPT).is_err());
        assert!(s.apply(S::Closed, A::Progress, STAFF).is_err());
    }

    #[test]
    fn practice_edges() {
        let s = PRACTICE;
        assert_eq!(s.apply(S::Draft, A::File, STAFF), Ok(S::Submitted));
        assert_eq!(
            s.apply(S::Submitted, A::RequestChanges, STAFF),
            Ok(S::ChangesRequested)
        );
        assert_eq!(
            s.apply(S::ChangesRequested, A::Resubmit, STAFF),
            Ok(S::Submitted)
        );
        assert_eq!(s.apply(S::Submitted, A::Select, STAFF), Ok(S::Selected));
        assert_eq!(
            s.apply(S::Submitted, A::NotSelect, STAFF),
            Ok(S::NotSelected)
        );
        assert!(s.apply(S::Draft, A::Select, STAFF).is_err());
        assert!(s.apply(S::ChangesRequested, A::Select, STAFF).is_err());
        assert!(s.apply(S::Selected, A::RequestChanges, STAFF).is_err());
        assert!(s.apply(S::Submitted, A::Select, MEMBER).is_err());
        assert!(s.is_closed(S::Selected) && !s.is_closed(S::Submitted));
        assert_eq!(
            s.replay([
                (A::File, STAFF),
                (A::RequestChanges, STAFF),
                (A::Resubmit, STAFF),
                (A::Select, STAFF),
                (A::ShowAtMeeting, STAFF),
            ]),
            Ok(S::Selected)
        );
    }

    #[test]
    fn codes_read_back() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
        assert_eq!(State::InProgress.as_str(), "in_progress");
        assert_eq!(Action::SameReport.as_str(), "same_report");
        assert_eq!(State::parse("nowhere"), None);
        // Every code the concern kind uses is one of its own.
        assert_eq!(CONCERN.state("merged"), Some(State::Merged));
        assert_eq!(CONCERN.action("remind"), Some(Action::Remind));
        assert_eq!(CONCERN.action("submit"), None);
    }

    proptest! {
        /// Random walks: the timeline replays to the current state, and a closed
        /// item changes only through reopen.
        #[test]
        fn random_walks_keep_the_invariants(steps in proptest::collection::vec((0usize..64, 0usize..64), 0..60)) {
            let s = CONCERN;
            let all_parties = parties();
            let mut state = s.initial;
            let mut timeline: Vec<(Action, Party)> = Vec::new();
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
