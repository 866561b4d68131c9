//! Interface text: zh-CN (default) and en are written here; zh-TW is produced from
//! zh-CN by phrase-level OpenCC conversion once, at first use.

use std::collections::HashMap;
use std::sync::OnceLock;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese (default).
    ZhCn,
    /// Traditional Chinese, converted from zh-CN.
    ZhTw,
    /// English.
    En,
}

impl Lang {
    /// Parses a language code.
    pub fn parse(code: &str) -> Option<Lang> {
        match code {
            "zh-CN" => Some(Lang::ZhCn),
            "zh-TW" => Some(Lang::ZhTw),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The code used in `lang=` attributes and the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }
}

/// (key, zh-CN, en)
const CATALOG: &[(&str, &str, &str)] = &[
    ("app.name", "协商", "Xieshang"),
    ("app.tagline", "有事好商量，众人的事情由众人商量", "Talk it over: matters of the many, decided by the many"),
    ("nav.home", "首页", "Home"),
    ("nav.orgs", "组织机构", "Organisations"),
    ("nav.users", "账号", "Accounts"),
    ("nav.password", "修改密码", "Change password"),
    ("nav.login", "登录", "Log in"),
    ("nav.logout", "退出", "Log out"),
    ("home.resident.title", "居民：反映急难愁盼", "Residents: raise an urgent problem"),
    ("home.resident.body", "无需账号即可反映身边的问题（道路、供水、环境等），提交后凭查询码跟踪办理进度和结果。也可到所在街道“多商量”接待室或联系网格员。", "Raise a problem near you (roads, water, environment) without an account and follow it with a tracking code, or visit your street's 多商量 reception room or your grid worker."),
    ("home.member.title", "委员：履职", "Members: your duties"),
    ("home.member.body", "登录后记录坐班接待、跟进网格诉求、提交提案和社情民意信息，履职档案由活动自动生成。", "Log in to record studio receptions, follow your grids' concerns and file proposals and opinion reports; your duty record builds itself from the activity."),
    ("home.staff.title", "机关工作人员：管理", "Staff: administration"),
    ("home.staff.body", "维护本级及下级组织机构、账号与角色，受理、交办并督办群众诉求。", "Maintain your body's organisation tree, accounts and roles; triage, assign and follow residents' concerns."),
    ("home.welcome", "您好", "Hello"),
    ("home.your_roles", "您的角色", "Your roles"),
    ("login.title", "登录", "Log in"),
    ("login.username", "用户名", "Username"),
    ("login.password", "密码", "Password"),
    ("login.submit", "登录", "Log in"),
    ("login.failed", "用户名或密码错误。", "Wrong username or password."),
    ("login.locked", "登录失败次数过多，账号已临时锁定，请稍后再试或联系管理员。", "Too many failed attempts: the account is locked for a while. Try later or ask an administrator."),
    ("password.title", "修改密码", "Change password"),
    ("password.must_change", "请先设置新密码。", "Please set a new password first."),
    ("password.current", "当前密码", "Current password"),
    ("password.new", "新密码（至少10个字符）", "New password (at least 10 characters)"),
    ("password.confirm", "再次输入新密码", "New password again"),
    ("password.submit", "保存", "Save"),
    ("password.changed", "密码已修改。", "Password changed."),
    ("password.wrong_current", "当前密码不正确。", "The current password is wrong."),
    ("password.mismatch", "两次输入的新密码不一致。", "The two new passwords differ."),
    ("orgs.title", "组织机构", "Organisations"),
    ("orgs.show_archived", "显示已归档", "Show archived"),
    ("org.kind", "类型", "Kind"),
    ("org.code", "代码", "Code"),
    ("org.name", "名称", "Name"),
    ("org.parent", "上级", "Parent"),
    ("org.children", "下级单位", "Units under it"),
    ("org.none", "无", "None"),
    ("org.archived", "已归档", "Archived"),
    ("org.create", "新建下级单位", "Add a unit under it"),
    ("org.rename", "更名", "Rename"),
    ("org.move", "调整上级", "Move under another unit"),
    ("org.archive", "归档", "Archive"),
    ("org.restore", "恢复", "Restore"),
    ("org.users", "本单位账号", "Accounts of this unit"),
    ("kind.city", "市政协", "City CPPCC"),
    ("kind.district", "区县政协", "District/county CPPCC"),
    ("kind.street", "街道联络组", "Street liaison group"),
    ("kind.community", "社区", "Community"),
    ("kind.grid", "网格", "Grid"),
    ("kind.department", "职能部门", "Department"),
    ("kind.school", "学校", "School"),
    ("kind.party", "党组织", "Party organisation"),
    ("role.liaison_officer", "民情联络员", "Liaison officer"),
    ("role.grid_worker", "网格员", "Grid worker"),
    ("role.member", "委员", "Member"),
    ("role.department_handler", "部门经办人", "Department handler"),
    ("role.staff", "机关工作人员", "Staff"),
    ("role.proposal_committee", "提案委", "Proposal committee"),
    ("role.leader", "领导", "Leader"),
    ("role.city_overseer", "市级督查", "City overseer"),
    ("role.teacher", "指导教师", "Teacher"),
    ("role.student", "学生", "Student"),
    ("role.admin", "系统管理员", "Administrator"),
    ("users.title", "账号", "Accounts"),
    ("users.create", "新建账号", "New account"),
    ("users.display_name", "姓名", "Name"),
    ("users.home_org", "所属单位", "Unit"),
    ("users.initial_password", "初始密码（首次登录须修改）", "Initial password (changed at first login)"),
    ("users.locked", "已锁定", "Locked"),
    ("user.grants", "角色", "Roles"),
    ("user.grant", "授予角色", "Grant a role"),
    ("user.revoke", "撤销", "Revoke"),
    ("user.reset", "重置密码并解锁", "Reset password and unlock"),
    ("user.role", "角色", "Role"),
    ("user.scope", "范围（单位及其下级）", "Over (unit and everything under it)"),
    ("common.submit", "提交", "Submit"),
    ("nav.concerns", "民情诉求", "Concerns"),
    ("calendar.missing", "节假日安排未录入，期限暂按周一至周五计算，请管理员补充以下年份：", "The holiday schedule is missing, so deadlines count Monday to Friday only; an administrator should add these years:"),
    ("concerns.title", "民情诉求", "Residents' concerns"),
    ("concerns.raised", "提交时间", "Raised"),
    ("concerns.subject", "事项", "Subject"),
    ("concerns.empty", "暂无事项。", "Nothing here."),
    ("concerns.timeline", "办理过程", "Timeline"),
    ("concerns.note", "说明（不予受理须写明理由）", "Note (a reason is required to reject)"),
    ("action.accept", "受理", "Accept"),
    ("action.reject", "不予受理", "Reject"),
    ("action.reopen", "重新办理", "Reopen"),
    ("err.reason_required", "不予受理须写明理由。", "Give a reason to reject."),
    ("err.transition", "当前状态下不能进行此操作。", "This cannot be done in the current state."),
    ("report.title", "反映问题", "Raise a problem"),
    ("report.privacy", "无需登录，可匿名反映。提交后请记下查询码，凭码查询办理进度。", "No account needed; you may stay anonymous. Keep the tracking code you get to follow progress."),
    ("report.category", "问题类别", "Kind of problem"),
    ("report.area", "所在区域（街道 / 社区 / 网格）", "Where (street / community / grid)"),
    ("report.subject", "标题", "Title"),
    ("report.description", "具体情况", "What is wrong"),
    ("report.address", "详细地址（可选）", "Address (optional)"),
    ("err.intake.category", "请选择问题类别。", "Choose a kind of problem."),
    ("err.intake.area", "请选择所在区域。", "Choose where it is."),
    ("err.intake.title", "标题须为1至100个字符。", "A title has 1 to 100 characters."),
    ("err.intake.description", "具体情况须为1至2000个字符。", "A description has 1 to 2000 characters."),
    ("err.intake.address", "地址最多200个字符。", "An address has at most 200 characters."),
    ("err.intake.lat", "位置坐标无效。", "The coordinates are not valid."),
    ("track.filed", "已提交。请记下您的查询码：", "Submitted. Keep your tracking code:"),
    ("track.title", "查询办理进度", "Follow a concern"),
    ("track.code", "查询码", "Tracking code"),
    ("track.submit", "查询", "Look up"),
    ("track.area", "地点", "Area"),
    ("track.state", "当前状态", "Current state"),
    ("track.not_found", "没有找到该查询码，请核对后重试。", "No concern has this tracking code; please check it."),
    ("state.submitted", "已提交", "Submitted"),
    ("state.accepted", "已受理", "Accepted"),
    ("state.rejected", "不予受理", "Not accepted"),
    ("state.merged", "已并案", "Merged"),
    ("state.converted", "已转为提案或社情民意", "Turned into a proposal or opinion report"),
    ("state.assigned", "已交办", "Assigned"),
    ("state.in_progress", "办理中", "In progress"),
    ("state.resolved", "已办结", "Resolved"),
    ("state.closed", "已关闭", "Closed"),
    ("state.reopened", "已重新办理", "Reopened"),
    ("common.saved", "已保存。", "Saved."),
    ("common.language", "语言", "Language"),
    ("err.username", "用户名为3至32位小写字母、数字或 _ . -", "A username has 3 to 32 letters, digits, '_', '.' or '-'."),
    ("err.password_length", "密码长度须为10至128个字符。", "A password has 10 to 128 characters."),
    ("err.org_name", "名称须为1至60个字符。", "A name has 1 to 60 characters."),
    ("err.org_code", "代码须为2至40位小写字母、数字或连字符。", "A code has 2 to 40 letters, digits or '-'."),
    ("err.org_code_taken", "该代码已被使用。", "This code is already used."),
    ("err.org_kind", "该类型的单位不能设在此上级之下。", "This kind of unit cannot sit under that parent."),
    ("err.org_parent", "上级单位不存在或不在您的管理范围内。", "No such parent unit within your scope."),
    ("err.org_root", "根单位不能移动或归档。", "The root unit cannot be moved or archived."),
    ("err.org_cycle", "不能移到自身的下级之下。", "A unit cannot move into its own subtree."),
    ("err.org_archived", "上级单位已归档。", "The parent unit is archived."),
    ("err.org_has_children", "请先归档或移走其下级单位。", "Archive or move the units under it first."),
    ("err.org_unknown", "单位不存在。", "No such unit."),
    ("err.username_taken", "该用户名已被使用。", "This username is already used."),
    ("err.display_name", "姓名须为1至40个字符。", "A name has 1 to 40 characters."),
    ("err.role_admin_only", "只有系统管理员可以授予该角色。", "Only an administrator grants this role."),
    ("err.grant_exists", "该账号在此范围已有此角色。", "The account already has this role there."),
    ("err.bad_input", "输入有误，请检查。", "Please check your input."),
    ("error.not_found", "找不到该页面或记录", "Not found"),
    ("error.forbidden", "您没有权限执行此操作", "You have no right to do this"),
    ("error.bad_request", "请求无效", "Bad request"),
    ("error.csrf", "表单已过期，请返回刷新后重试", "The form has expired: go back, reload and try again"),
    ("error.internal", "系统出错，请稍后再试", "Something went wrong; please try again later"),
];

fn traditional() -> &'static HashMap<&'static str, &'static str> {
    static TW: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    TW.get_or_init(|| {
        CATALOG
            .iter()
            .map(|(k, zh, _)| {
                let tw: &'static str =
                    Box::leak(xieshang_text::to_traditional_tw(zh).into_boxed_str());
                (*k, tw)
            })
            .collect()
    })
}

/// Looks up interface text; an unknown key shows itself, so a gap is visible.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let Some((k, zh, en)) = CATALOG.iter().find(|(k, _, _)| *k == key) else {
        return "?";
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
        Lang::ZhTw => traditional().get(k).copied().unwrap_or(zh),
    }
}

/// The translator handed to templates.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    /// Current language.
    pub lang: Lang,
}

impl Tr {
    /// Text for a key.
    pub fn t(&self, key: &str) -> &'static str {
        text(self.lang, key)
    }

    /// The language code.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// The catalog's own copy of a key, if the key exists (for keys that arrive in a URL).
pub fn known(key: &str) -> Option<&'static str> {
    CATALOG
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(k, _, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_unique_and_translated() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in CATALOG {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.is_empty() && !en.is_empty(), "{k}");
        }
        assert_eq!(text(Lang::ZhTw, "nav.orgs"), "組織機構");
        assert_eq!(text(Lang::En, "nav.orgs"), "Organisations");
        assert_eq!(text(Lang::ZhCn, "kind.district"), "区县政协");
        assert_eq!(text(Lang::ZhTw, "kind.district"), "區縣政協");
    }
}
