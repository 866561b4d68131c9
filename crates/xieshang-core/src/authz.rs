//! The permission decision: role × organisation subtree.
//!
//! Every read or change of data asks an [`Actor`] here, either for one record
//! ([`Actor::check`]) or for the subtrees a list may cover ([`Actor::scopes`]); the
//! store turns scopes into SQL. No other code decides who may do what.

use crate::account::role::{Permission, Role};
use crate::org::OrgPath;

/// One role held over the subtree rooted at an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Id of the organisation at the root of the subtree.
    pub org_id: i64,
    /// Path of that organisation.
    pub org_path: OrgPath,
}

/// A signed-in user with their grants.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Account id.
    pub user_id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Roles with their subtrees.
    pub grants: Vec<Grant>,
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The user may see the record but not do this to it (403), or, with no
    /// record in question, holds no role that carries the permission anywhere.
    #[error("you have no right to do this")]
    Forbidden,
    /// The user may not even see the record: reported exactly as a record that
    /// does not exist (404), so that ids probed one by one reveal nothing of
    /// other districts' records, or of one's own district's to a role that
    /// does not see them (decision 0018).
    #[error("not found")]
    OutOfScope,
}

/// How a person stands to one record apart from the roles they hold over its
/// unit. The store finds the relations (an assignment, a follow, who recorded
/// it); which permissions each relation carries is decided here, with the
/// roles, so that no handler or query grants access on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// The record (a concern, a proposal) is assigned to a department the
    /// actor handles for.
    AssignedDepartment,
    /// The actor follows the record (a member paired with its area).
    Follower,
    /// The actor recorded the record on a resident's behalf (a liaison
    /// officer, a grid worker, a member on duty): they may read what they
    /// recorded, and follow its state, but not act on it.
    Recorder,
    /// The actor is invited to the consultation, or handles for a unit that
    /// takes part in it or owns one of its agreed actions: they may read it.
    Participant,
    /// The actor wrote the proposal or is invited to co-sign it: they may
    /// read it (what each may do to it, the store decides by who they are).
    Proposer,
    /// The actor submitted the opinion report, or one merged into it: they
    /// may read it and follow each step.
    Reporter,
}

impl Relation {
    /// The permissions the relation carries on its one record.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Relation::AssignedDepartment => &[
                ConcernView,
                ConcernHandle,
                ReporterReveal,
                ProposalView,
                ProposalHandle,
            ],
            Relation::Follower | Relation::Recorder => &[ConcernView],
            Relation::Participant => &[ConsultationView],
            Relation::Proposer => &[ProposalView],
            Relation::Reporter => &[ReportView],
        }
    }

    /// Whether the relation carries the permission.
    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl Actor {
    /// An actor that is no account (a benchmark's, a test's): `role` over the
    /// subtree at `path`.
    pub fn unattached(name: &str, role: Role, path: OrgPath) -> Actor {
        Actor {
            user_id: 0,
            username: name.into(),
            display_name: name.into(),
            grants: vec![Grant {
                role,
                org_id: path.ids().last().copied().unwrap_or(0),
                org_path: path,
            }],
        }
    }

    /// True when some grant carries the permission, wherever it applies.
    pub fn has_permission(&self, permission: Permission) -> bool {
        self.grants.iter().any(|g| g.role.allows(permission))
    }

    /// True when the actor holds the role somewhere.
    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Decides one action on a record that belongs to the unit at `target`:
    /// allowed; or forbidden when the actor may see the record
    /// ([`Permission::seen_with`] over `target`) but not do this; or else out
    /// of scope, which callers report as not found.
    pub fn check(&self, permission: Permission, target: &OrgPath) -> Result<(), Denied> {
        if self.holds(permission, target) {
            Ok(())
        } else if self.holds(permission.seen_with(), target) {
            Err(Denied::Forbidden)
        } else {
            Err(Denied::OutOfScope)
        }
    }

    /// [`Actor::check`] for one record to which the actor also stands in
    /// `relations`: a relation that carries the permission allows it; one
    /// that lets the actor see the record makes a refusal 403 rather than
    /// 404.
    pub fn check_related(
        &self,
        permission: Permission,
        target: &OrgPath,
        relations: &[Relation],
    ) -> Result<(), Denied> {
        let direct = self.check(permission, target);
        if direct.is_ok() || relations.iter().any(|r| r.allows(permission)) {
            Ok(())
        } else if relations.iter().any(|r| r.allows(permission.seen_with())) {
            Err(Denied::Forbidden)
        } else {
            direct
        }
    }

    /// True when some grant carries the permission over `target`.
    fn holds(&self, permission: Permission, target: &OrgPath) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.allows(permission) && target.is_within(&g.org_path))
    }

    /// Requires the permission somewhere (for pages that list within scope).
    pub fn require(&self, permission: Permission) -> Result<(), Denied> {
        if self.has_permission(permission) {
            Ok(())
        } else {
            Err(Denied::Forbidden)
        }
    }

    /// The roles the actor holds over the unit at `target`, in grant order.
    pub fn roles_over<'a>(&'a self, target: &'a OrgPath) -> impl Iterator<Item = Role> + 'a {
        self.grants
            .iter()
            .filter(move |g| target.is_within(&g.org_path))
            .map(|g| g.role)
    }

    /// The subtree roots where the permission holds, with nested roots removed.
    pub fn scopes(&self, permission: Permission) -> Vec<OrgPath> {
        let mut roots: Vec<OrgPath> = self
            .grants
            .iter()
            .filter(|g| g.role.allows(permission))
            .map(|g| g.org_path.clone())
            .collect();
        roots.sort_by_key(|p| p.depth());
        let mut out: Vec<OrgPath> = Vec::new();
        for r in roots {
            if !out.iter().any(|o| r.is_within(o)) {
                out.push(r);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn actor(grants: Vec<(Role, OrgPath)>) -> Actor {
        Actor {
            user_id: 1,
            username: "u".into(),
            display_name: "u".into(),
            grants: grants
                .into_iter()
                .map(|(role, org_path)| Grant {
                    role,
                    org_id: *org_path.ids().last().unwrap_or(&0),
                    org_path,
                })
                .collect(),
        }
    }

    #[test]
    fn staff_of_one_district_cannot_reach_another() {
        let city = OrgPath::root(1);
        let yanliang = city.child(2);
        let beilin = city.child(3);
        let a = actor(vec![(Role::Staff, yanliang.clone())]);
        assert_eq!(a.check(Permission::OrgManage, &yanliang.child(9)), Ok(()));
        assert_eq!(
            a.check(Permission::OrgManage, &beilin),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            a.check(Permission::OrgManage, &city),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn who_sees_a_record_is_forbidden_an_action_and_who_does_not_is_told_nothing() {
        let d = OrgPath::root(1).child(2);
        let other = OrgPath::root(1).child(3);
        // A leader sees the district's units but does not manage them: 403.
        let l = actor(vec![(Role::Leader, d.clone())]);
        assert_eq!(l.check(Permission::OrgManage, &d), Err(Denied::Forbidden));
        assert_eq!(
            l.check(Permission::ConcernTriage, &d.child(9)),
            Err(Denied::Forbidden)
        );
        // In another district they see nothing: 404.
        assert_eq!(
            l.check(Permission::OrgManage, &other),
            Err(Denied::OutOfScope)
        );
        // A member does not see units at all, even in their own district: 404.
        let m = actor(vec![(Role::Member, d.clone())]);
        assert_eq!(m.check(Permission::OrgView, &d), Err(Denied::OutOfScope));
        assert_eq!(m.check(Permission::UserManage, &d), Err(Denied::OutOfScope));
        assert_eq!(m.require(Permission::OrgView), Err(Denied::Forbidden));
    }

    #[test]
    fn who_recorded_a_record_reads_it_and_nothing_more() {
        let d = OrgPath::root(1).child(2);
        let street = d.child(7);
        let l = actor(vec![(Role::LiaisonOfficer, street.clone())]);
        let rec = [Relation::Recorder];
        // Without the relation a liaison officer does not see concerns at all.
        assert_eq!(
            l.check(Permission::ConcernView, &street),
            Err(Denied::OutOfScope)
        );
        assert_eq!(
            l.check_related(Permission::ConcernView, &street, &rec),
            Ok(())
        );
        // Seeing is not acting: triage, handling, revealing are 403.
        for p in [
            Permission::ConcernTriage,
            Permission::ConcernHandle,
            Permission::ReporterReveal,
        ] {
            assert_eq!(
                l.check_related(p, &street, &rec),
                Err(Denied::Forbidden),
                "{p:?}"
            );
        }
        // An assigned department handles and reveals; a follower only reads.
        let h = actor(vec![(Role::DepartmentHandler, d.child(9))]);
        assert_eq!(
            h.check_related(
                Permission::ConcernHandle,
                &street,
                &[Relation::AssignedDepartment]
            ),
            Ok(())
        );
        assert_eq!(
            h.check_related(Permission::ConcernHandle, &street, &[Relation::Follower]),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            h.check_related(Permission::ConcernHandle, &street, &[]),
            Err(Denied::OutOfScope)
        );
    }

    #[test]
    fn scopes_drop_nested_roots() {
        let city = OrgPath::root(1);
        let d = city.child(2);
        let a = actor(vec![
            (Role::Staff, d.clone()),
            (Role::CityOverseer, city.clone()),
        ]);
        assert_eq!(a.scopes(Permission::OrgView), vec![city.clone()]);
        assert_eq!(a.scopes(Permission::OrgManage), vec![d]);
    }

    proptest! {
        /// A check passes exactly when some grant both carries the permission and
        /// covers the target; `scopes` agrees with `check`.
        #[test]
        fn check_agrees_with_scopes(
            grants in proptest::collection::vec((0usize..11, 1i64..6, 1i64..6), 0..4),
            target in (1i64..6, 1i64..6, 1i64..6),
            perm in 0usize..Permission::ALL.len(),
        ) {
            let grants: Vec<(Role, OrgPath)> = grants
                .into_iter()
                .map(|(r, a, b)| (Role::ALL[r], OrgPath::root(1).child(a).child(b)))
                .collect();
            let a = actor(grants.clone());
            let p = Permission::ALL[perm];
            let t = OrgPath::root(1).child(target.0).child(target.1).child(target.2);
            let expected = grants.iter().any(|(r, g)| r.allows(p) && t.is_within(g));
            prop_assert_eq!(a.check(p, &t).is_ok(), expected);
            prop_assert_eq!(a.scopes(p).iter().any(|s| t.is_within(s)), expected);
        }
    }
}
