//! Democratic supervision (民主监督, issue 31 points 1–3): a body's rule set
//! (working days for a department's rectification plan and for its result,
//! whether the plan is a required step), the kinds of a group's activities,
//! the group's rating of a result, and the checks of a supervision opinion
//! (监督意见) as typed. Rules only; the store keeps the groups and runs the
//! opinion on the item engine ([`crate::item::SUPERVISION_OPINION`]).

use crate::concern::FieldErrors;
use crate::item::Action;
use crate::values::{invalid, Invalid};
use chrono::NaiveDate;

/// A body's supervision rules, one set for every group (decision 0045).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Working days the department has for its rectification plan (整改方案).
    pub plan_days: u32,
    /// Working days, from the opinion's sending, within which the result
    /// (整改结果) must come: the latest deadline a group may set.
    pub result_days: u32,
    /// Whether the plan is a required step before the result.
    pub require_plan: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            plan_days: 10,
            result_days: 60,
            require_plan: true,
        }
    }
}

/// Days out of range.
pub const DAYS_RANGE: Invalid = invalid(
    "err.supervision.days",
    "give a whole number of working days from 1 to 250",
);
/// A result window shorter than the plan's.
pub const RESULT_BEFORE_PLAN: Invalid = invalid(
    "err.supervision.result_days",
    "the result needs at least as many working days as the plan",
);

impl Rules {
    /// Parses the settings form: every field's error at once.
    pub fn parse(
        plan_days: &str,
        result_days: &str,
        require_plan: bool,
    ) -> Result<Rules, FieldErrors> {
        let mut errors = FieldErrors::new();
        let days = |s: &str| {
            s.trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=250).contains(d))
        };
        let plan = days(plan_days);
        let result = days(result_days);
        if plan.is_none() {
            errors.push(("plan_days", DAYS_RANGE));
        }
        if result.is_none() {
            errors.push(("result_days", DAYS_RANGE));
        }
        if let (Some(p), Some(r)) = (plan, result) {
            if r < p {
                errors.push(("result_days", RESULT_BEFORE_PLAN));
            }
        }
        match (plan, result) {
            (Some(plan_days), Some(result_days)) if errors.is_empty() => Ok(Rules {
                plan_days,
                result_days,
                require_plan,
            }),
            _ => Err(errors),
        }
    }
}

/// What a group's activity was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    /// 视察/检查.
    Inspection,
    /// 座谈会.
    Meeting,
    /// 问卷调查.
    Questionnaire,
    /// 公示监督联系卡: a public phone number people may call.
    ContactCard,
}

impl ActivityKind {
    /// Every kind, in display order.
    pub const ALL: [ActivityKind; 4] = [
        ActivityKind::Inspection,
        ActivityKind::Meeting,
        ActivityKind::Questionnaire,
        ActivityKind::ContactCard,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ActivityKind::Inspection => "inspection",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Questionnaire => "questionnaire",
            ActivityKind::ContactCard => "contact_card",
        }
    }

    /// The kind of a code.
    pub fn parse(code: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The group's rating of a department's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rating {
    /// 满意.
    Satisfied,
    /// 基本满意.
    BasicallySatisfied,
    /// 不满意: the department answers again.
    Unsatisfied,
}

impl Rating {
    /// Every rating.
    pub const ALL: [Rating; 3] = [
        Rating::Satisfied,
        Rating::BasicallySatisfied,
        Rating::Unsatisfied,
    ];

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Unsatisfied => "unsatisfied",
        }
    }

    /// The rating of a code.
    pub fn parse(code: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The engine's action for it.
    pub fn action(self) -> Action {
        match self {
            Rating::Satisfied => Action::FeedbackSatisfied,
            Rating::BasicallySatisfied => Action::FeedbackBasicallySatisfied,
            Rating::Unsatisfied => Action::FeedbackUnsatisfied,
        }
    }
}

/// Longest title.
pub const TITLE_MAX: usize = 100;
/// Longest opinion, plan, result or note.
pub const TEXT_MAX: usize = 5000;

/// A missing or too long title.
pub const TITLE_LENGTH: Invalid = invalid(
    "err.supervision.title",
    "give a title of 1 to 100 characters",
);
/// A missing or too long text.
pub const TEXT_LENGTH: Invalid = invalid("err.supervision.text", "write 1 to 5000 characters");
/// No department chosen.
pub const NO_DEPARTMENT: Invalid = invalid(
    "err.supervision.department",
    "choose the department the opinion goes to (one the group is posted to)",
);
/// No or a bad deadline.
pub const NO_DEADLINE: Invalid = invalid(
    "err.supervision.deadline",
    "give the date by which the department must report its result (YYYY-MM-DD)",
);
/// A deadline before the plan's or past the body's rules.
pub const DEADLINE_RANGE: Invalid = invalid(
    "err.supervision.deadline_range",
    "the deadline must fall after the plan is due and within the body's working days for a result",
);

/// Checks a text field: 1 to `max` characters after trimming.
pub fn text(s: &str, max: usize) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && t.chars().count() <= max).then(|| t.to_owned())
}

/// A supervision opinion as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpinion {
    /// Title (关于…的监督意见).
    pub title: String,
    /// The opinion.
    pub body: String,
    /// The department it goes to.
    pub department: i64,
    /// The date by which the result is due.
    pub deadline: NaiveDate,
}

impl NewOpinion {
    /// Parses the form: every field's error at once.
    pub fn parse(
        title: &str,
        body: &str,
        department: &str,
        deadline: &str,
    ) -> Result<NewOpinion, FieldErrors> {
        let mut errors = FieldErrors::new();
        let t = text(title, TITLE_MAX);
        if t.is_none() {
            errors.push(("opinion_title", TITLE_LENGTH));
        }
        let b = text(body, TEXT_MAX);
        if b.is_none() {
            errors.push(("body", TEXT_LENGTH));
        }
        let d = department.trim().parse::<i64>().ok().filter(|d| *d > 0);
        if d.is_none() {
            errors.push(("department", NO_DEPARTMENT));
        }
        let due = NaiveDate::parse_from_str(deadline.trim(), "%Y-%m-%d").ok();
        if due.is_none() {
            errors.push(("deadline", NO_DEADLINE));
        }
        match (t, b, d, due) {
            (Some(title), Some(body), Some(department), Some(deadline)) => Ok(NewOpinion {
                title,
                body,
                department,
                deadline,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_opinion_without_department_or_deadline_names_both() {
        let e = NewOpinion::parse("关于加强抽检的监督意见", "建议加强抽检。", "", "").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["department", "deadline"]);
        let ok = NewOpinion::parse(" 标题 ", "正文", "7", "2026-12-31").unwrap();
        assert_eq!((ok.title.as_str(), ok.department), ("标题", 7));
    }

    #[test]
    fn rules_check_their_days() {
        assert_eq!(
            Rules::parse("10", "30", true),
            Ok(Rules {
                plan_days: 10,
                result_days: 30,
                require_plan: true
            })
        );
        let e = Rules::parse("0", "x", false).unwrap_err();
        assert_eq!(e.len(), 2);
        let e = Rules::parse("20", "10", false).unwrap_err();
        assert_eq!(e[0].0, "result_days");
    }

    #[test]
    fn codes_read_back() {
        for k in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(k.code()), Some(k));
        }
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.code()), Some(r));
        }
    }
}
