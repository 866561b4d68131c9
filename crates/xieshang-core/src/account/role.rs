//! Roles and the permissions each role carries, as data.

use serde::{Deserialize, Serialize};

/// A role a user holds over an organisation subtree. Residents need no account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Role {
    /// 民情联络员
    LiaisonOfficer,
    /// 网格员
    GridWorker,
    /// 委员
    Member,
    /// Department handler (部门经办人)
    DepartmentHandler,
    /// 机关工作人员
    Staff,
    /// 提案委
    ProposalCommittee,
    /// 主席 / 副主席 / 秘书长
    Leader,
    /// City-wide overseer
    CityOverseer,
    /// Teacher of a mock society
    Teacher,
    /// Student of a mock society
    Student,
    /// System administrator
    Admin,
    /// 特邀信息员: an invited informant, who submits public-opinion reports
    /// and does nothing else.
    Informant,
}

/// Something a user may do within the subtree where they hold a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See organisation units and their details.
    OrgView,
    /// Create, rename, move and archive organisation units.
    OrgManage,
    /// See accounts and their roles.
    UserView,
    /// Create accounts, grant and revoke roles, reset passwords.
    UserManage,
    /// Read the audit log.
    AuditView,
    /// See residents' concerns and their full timelines.
    ConcernView,
    /// Triage concerns: accept, reject, merge, assign.
    ConcernTriage,
    /// Record a concern on a resident's behalf (liaison officer, grid worker,
    /// member on duty).
    ConcernRecord,
    /// Work on concerns assigned to one's department: progress, resolve, ask for
    /// reassignment. Held over the department; the assignment decides which items.
    ConcernHandle,
    /// See a reporter's name and phone in full (each time is audited).
    ReporterReveal,
    /// Urge the work on (督办) and write an instruction (批示) on concerns:
    /// the body's leaders and the city overseer.
    ConcernSupervise,
    /// See a body's consultations, rooms and outcome lists.
    ConsultationView,
    /// Call, schedule, hold and close consultations; book rooms.
    ConsultationManage,
    /// See a body's proposals and their timelines.
    ProposalView,
    /// Draft, sign and file proposals (members).
    ProposalDraft,
    /// Review filed proposals: accept, refuse, merge, return, withdraw,
    /// assign (the proposal committee).
    ProposalReview,
    /// Keep a body's terms, sessions, categories, grounds and length cap.
    ProposalManage,
    /// Work on proposals assigned to one's unit (a department's handler).
    /// Held over the department; the assignment decides which proposals.
    ProposalHandle,
    /// Vote in a body's key-proposal ballot (重点提案) and supervise (督办)
    /// the key proposals one is named for: the body's leaders.
    ProposalSupervise,
    /// Publish study materials to a body's members and read who has read
    /// them; open discussion topics and moderate them (hide a post).
    StudyManage,
    /// See a body's public-opinion reports and their timelines.
    ReportView,
    /// Submit public-opinion reports (members, informants).
    ReportSubmit,
    /// Edit (核稿), merge, decide and forward a body's opinion reports, record
    /// adoptions and leaders' instructions, keep the body's report rules.
    ReportEdit,
    /// Write and submit a district's best practices; at the city, review and
    /// select them, record field meetings and compile booklets (the store
    /// tells the district's side from the city's by the unit).
    PracticeManage,
}

impl Permission {
    /// The permission that lets one see the records this one acts on: whoever
    /// lacks it over a record is told the record does not exist (404), whoever
    /// holds it is told the action is not theirs (403) (decision 0018).
    pub fn seen_with(self) -> Permission {
        use Permission::*;
        match self {
            OrgView | OrgManage | AuditView => OrgView,
            UserView | UserManage => UserView,
            ConcernView | ConcernTriage | ConcernRecord | ConcernHandle | ReporterReveal
            | ConcernSupervise => ConcernView,
            ConsultationView | ConsultationManage => ConsultationView,
            ProposalView | ProposalDraft | ProposalReview | ProposalManage | ProposalHandle
            | ProposalSupervise => ProposalView,
            StudyManage => OrgView,
            ReportView | ReportSubmit | ReportEdit => ReportView,
            PracticeManage => PracticeManage,
        }
    }

    /// Every permission.
    pub const ALL: [Permission; 24] = [
        Permission::OrgView,
        Permission::OrgManage,
        Permission::UserView,
        Permission::UserManage,
        Permission::AuditView,
        Permission::ConcernView,
        Permission::ConcernTriage,
        Permission::ConcernRecord,
        Permission::ConcernHandle,
        Permission::ReporterReveal,
        Permission::ConcernSupervise,
        Permission::ConsultationView,
        Permission::ConsultationManage,
        Permission::ProposalView,
        Permission::ProposalDraft,
        Permission::ProposalReview,
        Permission::ProposalManage,
        Permission::ProposalHandle,
        Permission::ProposalSupervise,
        Permission::StudyManage,
        Permission::ReportView,
        Permission::ReportSubmit,
        Permission::ReportEdit,
        Permission::PracticeManage,
    ];
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 12] = [
        Role::LiaisonOfficer,
        Role::GridWorker,
        Role::Member,
        Role::DepartmentHandler,
        Role::Staff,
        Role::ProposalCommittee,
        Role::Leader,
        Role::CityOverseer,
        Role::Teacher,
        Role::Student,
        Role::Admin,
        Role::Informant,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            Role::LiaisonOfficer => "liaison_officer",
            Role::GridWorker => "grid_worker",
            Role::Member => "member",
            Role::DepartmentHandler => "department_handler",
            Role::Staff => "staff",
            Role::ProposalCommittee => "proposal_committee",
            Role::Leader => "leader",
            Role::CityOverseer => "city_overseer",
            Role::Teacher => "teacher",
            Role::Student => "student",
            Role::Admin => "admin",
            Role::Informant => "informant",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The permissions this role carries inside its subtree.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin | Role::Staff => &[
                OrgView,
                OrgManage,
                UserView,
                UserManage,
                AuditView,
                ConcernView,
                ConcernTriage,
                ConcernRecord,
                ReporterReveal,
                ConsultationView,
                ConsultationManage,
                ProposalView,
                ProposalManage,
                StudyManage,
                ReportView,
                ReportEdit,
                PracticeManage,
            ],
            Role::Leader => &[
                OrgView,
                UserView,
                AuditView,
                ConcernView,
                ConcernSupervise,
                ConsultationView,
                ProposalView,
                ProposalSupervise,
                ReportView,
            ],
            Role::CityOverseer => &[
                OrgView,
                UserView,
                ConcernView,
                ConcernSupervise,
                ConsultationView,
                ProposalView,
                ReportView,
            ],
            Role::ProposalCommittee => &[OrgView, ProposalView, ProposalReview, ProposalManage],
            Role::Member => &[ConcernRecord, ProposalDraft, ReportSubmit],
            Role::Informant => &[ReportSubmit],
            Role::LiaisonOfficer | Role::GridWorker => &[ConcernRecord],
            Role::DepartmentHandler => &[ConcernHandle, ReporterReveal, ProposalHandle],
            Role::Teacher | Role::Student => &[],
        }
    }

    /// Whether this role carries the permission.
    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// The role's standing when roles are granted (decision 0019): a system
    /// administrator above everyone; a body's leaders and the city overseer
    /// above its staff; staff above the roles they give out day to day.
    pub fn rank(self) -> u8 {
        match self {
            Role::Admin => 4,
            Role::Leader | Role::CityOverseer => 3,
            Role::Staff => 2,
            Role::ProposalCommittee
            | Role::DepartmentHandler
            | Role::Member
            | Role::LiaisonOfficer
            | Role::GridWorker
            | Role::Teacher
            | Role::Student
            | Role::Informant => 1,
        }
    }

    /// Whether a holder of this role may grant (or revoke) `other` over units
    /// inside its subtree: it must manage accounts there, and `other` must not
    /// stand above it. Nobody grants a role to themselves; that is the store's
    /// check, since it needs the account.
    pub fn may_grant(self, other: Role) -> bool {
        self.allows(Permission::UserManage) && other.rank() <= self.rank()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
        }
        assert_eq!(Role::parse("mayor"), None);
    }

    #[test]
    fn field_roles_cannot_manage_organisations() {
        for r in [
            Role::Member,
            Role::GridWorker,
            Role::Student,
            Role::LiaisonOfficer,
            Role::Informant,
        ] {
            assert!(!r.allows(Permission::OrgManage), "{r:?}");
            assert!(!r.allows(Permission::UserManage), "{r:?}");
        }
        assert!(Role::Staff.allows(Permission::OrgManage));
        assert!(!Role::Leader.allows(Permission::OrgManage));
    }

    /// Every (granter, role) pair against the table written out by hand.
    #[test]
    fn who_may_grant_which_role() {
        use Role::*;
        let grantable: &[(Role, &[Role])] = &[
            (Admin, &Role::ALL),
            (
                Staff,
                &[
                    Staff,
                    ProposalCommittee,
                    DepartmentHandler,
                    Member,
                    LiaisonOfficer,
                    GridWorker,
                    Teacher,
                    Student,
                    Informant,
                ],
            ),
            (Leader, &[]),
            (CityOverseer, &[]),
            (ProposalCommittee, &[]),
            (DepartmentHandler, &[]),
            (Member, &[]),
            (LiaisonOfficer, &[]),
            (GridWorker, &[]),
            (Teacher, &[]),
            (Student, &[]),
            (Informant, &[]),
        ];
        assert_eq!(grantable.len(), Role::ALL.len());
        for granter in Role::ALL {
            let (_, may) = grantable.iter().find(|(g, _)| *g == granter).unwrap();
            for role in Role::ALL {
                assert_eq!(
                    granter.may_grant(role),
                    may.contains(&role),
                    "{granter:?} grants {role:?}"
                );
            }
        }
    }

    #[test]
    fn nobody_grants_a_role_above_their_own() {
        for a in Role::ALL {
            for b in Role::ALL {
                if a.may_grant(b) {
                    assert!(b.rank() <= a.rank(), "{a:?} grants {b:?}");
                }
            }
        }
        assert!(!Role::Staff.may_grant(Role::Leader));
        assert!(!Role::Staff.may_grant(Role::Admin));
        assert!(!Role::Staff.may_grant(Role::CityOverseer));
        assert!(Role::Staff.may_grant(Role::DepartmentHandler));
    }
}
