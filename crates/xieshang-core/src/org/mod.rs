//! The organisation tree: kinds of unit, which kind may hold which, and paths.

use serde::{Deserialize, Serialize};

// h-locate begin
pub mod point;
// h-locate end

/// A kind of organisational unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgKind {
    /// City CPPCC (市政协).
    City,
    /// District or county CPPCC (区县政协).
    District,
    /// Street liaison group (街道政协工作联络组).
    Street,
    /// Community (社区).
    Community,
    /// Grid (网格).
    Grid,
    /// Government department (职能部门).
    Department,
    /// School hosting a student society.
    School,
    /// Party organisation (党组织).
    Party,
}

impl OrgKind {
    /// Every kind, in display order.
    pub const ALL: [OrgKind; 8] = [
        OrgKind::City,
        OrgKind::District,
        OrgKind::Street,
        OrgKind::Community,
        OrgKind::Grid,
        OrgKind::Department,
        OrgKind::School,
        OrgKind::Party,
    ];

    /// Stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            OrgKind::City => "city",
            OrgKind::District => "district",
            OrgKind::Street => "street",
            OrgKind::Community => "community",
            OrgKind::Grid => "grid",
            OrgKind::Department => "department",
            OrgKind::School => "school",
            OrgKind::Party => "party",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Kinds that may sit directly under a unit of this kind.
    pub fn allowed_children(self) -> &'static [OrgKind] {
        match self {
            OrgKind::City => &[
                OrgKind::District,
                OrgKind::Department,
                OrgKind::School,
                OrgKind::Party,
            ],
            OrgKind::District => &[
                OrgKind::Street,
                OrgKind::Department,
                OrgKind::School,
                OrgKind::Party,
            ],
            OrgKind::Street => &[OrgKind::Community, OrgKind::Party],
            OrgKind::Community => &[OrgKind::Grid, OrgKind::Party],
            // A party unit holds the levels below it (decision 0048).
            OrgKind::Party => &[OrgKind::Party],
            OrgKind::Grid | OrgKind::Department | OrgKind::School => &[],
        }
    }

    /// Whether a unit of `child` kind may be placed under a unit of this kind.
    pub fn may_hold(self, child: OrgKind) -> bool {
        self.allowed_children().contains(&child)
    }
}

/// A materialised path of organisation ids, `/1/4/17/`, root first.
///
/// A unit's subtree is every unit whose path starts with the unit's path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrgPath(String);

impl OrgPath {
    /// The path of a root unit with the given id.
    pub fn root(id: i64) -> OrgPath {
        OrgPath(format!("/{id}/"))
    }

    /// The path of a child with the given id under this path.
    pub fn child(&self, id: i64) -> OrgPath {
        OrgPath(format!("{}{id}/", self.0))
    }

    /// Parses a stored path; `None` when it is not of the form `/1/2/`.
    pub fn parse(raw: &str) -> Option<OrgPath> {
        let inner = raw.strip_prefix('/')?.strip_suffix('/')?;
        if inner.is_empty() || !inner.split('/').all(|p| p.parse::<i64>().is_ok()) {
            return None;
        }
        Some(OrgPath(raw.to_owned()))
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Ids from the root down to this unit.
    pub fn ids(&self) -> Vec<i64> {
        self.0
            .split('/')
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    }

    /// Depth of the unit: 1 for a root.
    pub fn depth(&self) -> usize {
        self.ids().len()
    }

    /// The branch the unit belongs to: its ancestor one level below the root
    /// (a district under the city), the unit itself at that level, or the root
    /// for the root. Concerns carry it so that a branch's queue is one index
    /// range however many units the branch holds.
    pub fn branch(&self) -> i64 {
        let ids = self.ids();
        ids.get(1).or(ids.first()).copied().unwrap_or_default()
    }

    /// True when this unit is `ancestor` itself or lies in its subtree.
    pub fn is_within(&self, ancestor: &OrgPath) -> bool {
        self.0.starts_with(&ancestor.0)
    }
}

impl std::fmt::Display for OrgPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a new unit's code will sit, for [`code_fits`].
#[derive(Debug, Clone, Copy)]
pub enum CodePlace<'a> {
    /// The root of the tree (the city).
    Root,
    /// Directly under the root (a district, or a city-level unit): a branch,
    /// beside the branches with these codes.
    Branch(&'a [String]),
    /// Inside the branch with this code (at any depth).
    Inside(&'a str),
}

/// Whether a new unit may take `code` where it will sit (decision 0019). The
/// code namespace under a branch is the branch's own: a unit inside a district
/// carries the district's code and `-` in front (`yanliang-guanshan-g01`), so
/// no one names a unit as if it were another district's; a new branch's code
/// may not read as inside another branch (`yanliang-x`) nor make another
/// branch's code read as inside it.
pub fn code_fits(code: &str, place: CodePlace<'_>) -> bool {
    let inside = |code: &str, branch: &str| {
        code.strip_prefix(branch)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| !rest.is_empty())
    };
    match place {
        CodePlace::Root => true,
        CodePlace::Branch(others) => others.iter().all(|o| !inside(code, o) && !inside(o, code)),
        CodePlace::Inside(branch) => inside(code, branch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_reserved_per_branch() {
        let districts: Vec<String> = ["yanliang", "beilin", "yan"].map(String::from).to_vec();
        assert!(code_fits(
            "yanliang-guanshan",
            CodePlace::Inside("yanliang")
        ));
        assert!(code_fits(
            "yanliang-guanshan-g01",
            CodePlace::Inside("yanliang")
        ));
        assert!(code_fits("beilin-nanyuanmen", CodePlace::Inside("beilin")));
        // Another district's prefix, none, or a look-alike.
        assert!(!code_fits("yanliang-fake", CodePlace::Inside("beilin")));
        assert!(!code_fits("fh-c4", CodePlace::Inside("yanliang")));
        assert!(!code_fits("yanliangx-c4", CodePlace::Inside("yanliang")));
        assert!(!code_fits("yanliang", CodePlace::Inside("yanliang")));
        assert!(!code_fits("yanliang-", CodePlace::Inside("yanliang")));
        assert!(!code_fits("yan-x", CodePlace::Inside("yanliang")));
        // New branches: free, except inside another's namespace or around one.
        assert!(code_fits("lintong", CodePlace::Branch(&districts)));
        assert!(code_fits("yanta", CodePlace::Branch(&districts)));
        assert!(!code_fits("yanliang-new", CodePlace::Branch(&districts)));
        assert!(!code_fits("beilin-x", CodePlace::Branch(&districts)));
        let with_dash: Vec<String> = vec!["xa-cgj".into()];
        assert!(!code_fits("xa", CodePlace::Branch(&with_dash)));
        assert!(code_fits("xa", CodePlace::Root));
    }

    #[test]
    fn a_units_branch_is_its_ancestor_below_the_root() {
        let city = OrgPath::root(1);
        let district = city.child(7);
        let grid = district.child(12).child(40).child(41);
        assert_eq!(city.branch(), 1);
        assert_eq!(district.branch(), 7);
        assert_eq!(grid.branch(), 7);
        assert_eq!(city.child(8).child(9).branch(), 8);
    }

    #[test]
    fn subtree_membership_is_by_whole_segments() {
        let city = OrgPath::root(1);
        let d1 = city.child(2);
        let d12 = city.child(12);
        let street = d1.child(30);
        assert!(street.is_within(&d1));
        assert!(street.is_within(&city));
        assert!(!d12.is_within(&d1), "/1/12/ must not count as inside /1/2/");
        assert!(!d1.is_within(&street));
        assert_eq!(street.ids(), vec![1, 2, 30]);
        assert_eq!(street.depth(), 3);
    }

    #[test]
    fn parse_rejects_malformed_paths() {
        assert!(OrgPath::parse("/1/2/").is_some());
        assert!(OrgPath::parse("/1/x/").is_none());
        assert!(OrgPath::parse("1/2/").is_none());
        assert!(OrgPath::parse("//").is_none());
    }

    #[test]
    fn kinds_round_trip_and_nest() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.code()), Some(k));
        }
        assert!(OrgKind::District.may_hold(OrgKind::Street));
        assert!(!OrgKind::Grid.may_hold(OrgKind::Street));
        assert!(!OrgKind::Street.may_hold(OrgKind::District));
    }
}
