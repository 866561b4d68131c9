//! Interface text: zh-CN (default) and en are written here; zh-TW is produced from
//! zh-CN by OpenCC's character conversion (s2tw, no Taiwan phrases) once, at first
//! use. Labels from data go through [`static_label`] and [`Tr::label`], and
//! punctuation between texts through [`Tr::colon`] and its siblings (decision 0027).

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
    ("home.resident.body", "无需账号即可反映身边的问题（道路、供水、环境等），提交后凭查询码跟踪办理进度和结果。也可到所在街道“多商量”接待室或联系网格员。", "Raise a problem near you (roads, water, environment) without an account and follow it with a tracking code, or visit your street's Duo Shangliang (\"talk it over\") reception room or your grid worker."),
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
    ("login.failed", "登录失败：用户名或密码错误，或账号已被暂时锁定。多次失败后请稍后再试，或请管理员重置密码。", "Login failed: wrong username or password, or the account is locked for a while. After several failures try again later, or ask an administrator to reset the password."),
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
    ("webhooks.title", "数据推送（Webhook）", "Webhooks"),
    ("webhooks.help", "本单位及下级的诉求、协商和协商事项事件推送到外部系统；请求体为 JSON，以 HMAC-SHA256 签名（X-Xieshang-Signature 头）；失败会按退避间隔重试。", "Concern, consultation and agreed action events in this unit's subtree are posted to outside systems as JSON signed with HMAC-SHA256 (X-Xieshang-Signature header); failures are retried with back-off."),
    ("webhooks.secret", "签名密钥（只显示这一次，请妥善保存）：", "Signing secret (shown only this once; keep it safe):"),
    ("webhooks.events", "事件", "Events"),
    ("webhooks.disabled", "已停用", "Disabled"),
    ("webhooks.disable", "停用", "Disable"),
    ("webhooks.create", "添加", "Add"),
    ("webhooks.log", "推送记录", "Delivery log"),
    ("webhooks.attempts", "尝试次数", "Attempts"),
    ("webhooks.result", "结果", "Result"),
    ("webhooks.delivered", "已送达", "Delivered"),
    ("webhooks.pending", "等待发送", "Waiting"),
    ("err.webhook_url", "请填写 https:// 或 http:// 开头的地址（最多500个字符）。", "Give an https:// or http:// address of at most 500 characters."),
    ("err.webhook_credentials", "地址中不能含用户名或密码；推送以签名验证身份。", "No user name or password in the address: deliveries are signed instead."),
    ("err.webhook_address", "该地址指向内部网络（本机、内网、链路本地等），不允许推送；如确需推送到内网，请由运维在配置 webhook_allow_private 中放行。", "The address points inside the network (this host, a private or link-local range ...); ask the operator to allow the range with webhook_allow_private if deliveries must go there."),
    ("err.webhook_events", "请至少选择一个事件。", "Choose at least one event."),

    ("export.tracking_code", "查询码", "Tracking code"),
    ("export.category", "类别", "Category"),
    ("export.area", "区域", "Area"),
    ("export.title", "标题", "Title"),
    ("export.description", "具体情况", "Description"),
    ("export.state", "状态", "State"),
    ("export.created_at", "提交时间", "Raised"),
    ("export.deadline_at", "办理时限", "Deadline"),
    ("export.resolved_at", "办结时间", "Resolved"),
    ("export.agency", "牵头部门", "Lead department"),
    ("export.result_note", "办理结果", "Result"),
    ("export.csv", "导出 CSV", "Export CSV"),
    ("export.xlsx", "导出 Excel", "Export Excel"),

    ("concerns.deadline", "办理时限", "Deadline"),
    ("concerns.overdue", "已逾期", "Overdue"),
    ("concerns.escalated", "已督办", "Escalated"),
    ("concerns.channel", "来源", "Channel"),
    ("concerns.recorded_by", "代录人", "Recorded by"),
    ("concerns.result", "办理结果", "Result"),
    ("concerns.departments", "承办部门", "Departments"),
    ("concerns.lead", "牵头", "Lead"),
    ("concerns.paired", "包联委员", "Paired members"),
    ("concerns.reporters", "反映人", "Reporters"),
    ("concerns.merged_from", "并案自", "merged from"),
    ("concerns.reveal", "查看完整联系方式", "Show full contact details"),
    ("concerns.reveal_audited", "每次查看均记入审计日志。", "Every view is recorded in the audit log."),
    ("concerns.no_reporter", "反映人未留联系方式。", "The reporter left no contact details."),
    ("concerns.assign", "交办", "Assign"),
    ("concerns.assign_help", "勾选承办部门并指定一个牵头部门；办理时限按问题类别的工作日计算，网格包联委员自动跟进。", "Tick the departments and choose one lead; the deadline counts the category's working days, and the grid's paired members follow automatically."),
    ("concerns.note_plain", "说明", "Note"),
    ("concerns.merge_into", "并入（填写保留事项的查询码）", "Merge into (tracking code of the concern that stays)"),
    ("concerns.convert_to", "转为", "Turn into"),
    ("concerns.handle", "部门办理", "Department handling"),
    ("concerns.handle_note", "办理情况（进展、结果或申请改派的理由）", "What was done (progress, result, or why to reassign)"),
    ("convert.proposal_lead", "提案线索", "Proposal lead"),
    ("convert.opinion_report", "社情民意信息", "Public-opinion report"),
    ("action.assign", "交办", "Assign"),
    ("action.merge", "并案", "Merge"),
    ("action.convert", "转办", "Convert"),
    ("action.progress", "报告进展", "Post progress"),
    ("action.resolve", "办结", "Resolve"),
    ("action.request_reassignment", "申请改派", "Ask for reassignment"),
    ("stats.title", "诉求统计", "Concern figures"),
    ("stats.total", "总数", "Total"),
    ("stats.median", "办结用时中位数（天）", "Median days to resolution"),
    ("stats.satisfaction", "满意率", "Satisfaction rate"),
    ("stats.by_state", "按状态", "By state"),
    ("stats.by_category", "按类别", "By category"),
    ("stats.by_street", "按街道", "By street"),
    ("my.title", "我的待办", "My work"),
    ("my.lead", "本部门牵头", "My department leads"),
    ("my.co", "本部门协办", "My department assists"),
    ("my.paired", "网格包联", "Paired grid"),
    ("nav.notifications", "通知", "Notifications"),
    ("notify.mark_read", "全部标为已读", "Mark all read"),
    ("notify.submitted", "新诉求", "New concern"),
    ("notify.accepted", "已受理", "Accepted"),
    ("notify.rejected", "不予受理", "Not accepted"),
    ("notify.assigned", "诉求已交办", "Assigned"),
    ("notify.progress", "办理进展", "Progress"),
    ("notify.resolved", "诉求已办结", "Resolved"),
    ("notify.reassignment_requested", "申请改派", "Reassignment asked"),
    ("notify.reminder", "临期提醒", "Deadline near"),
    ("notify.overdue", "逾期督办", "Overdue, escalated"),
    ("notify.reopened", "诉求重新办理", "Reopened"),
    ("notify.closed", "群众已评价", "Feedback given"),
    ("notify.merged", "诉求已并案", "Merged"),
    ("notify.converted", "诉求已转办", "Converted"),
    ("notify.updated", "诉求更新", "Updated"),
    ("record.title", "代录诉求", "Record a concern"),
    ("record.help", "民情联络员、网格员和委员为群众代为登记诉求；来源和代录人会被记录。", "Liaison officers, grid workers and members record concerns for residents; the channel and the recorder are kept."),
    ("record.done", "已登记。请把查询码交给反映人：", "Recorded. Give the resident this tracking code:"),
    ("channel.web", "网上反映", "Web form"),
    ("channel.api", "应用接口", "App (API)"),
    ("channel.liaison", "民情联络员", "Liaison officer"),
    ("channel.grid", "网格员", "Grid worker"),
    ("channel.studio", "委员工作室接待", "Member studio reception"),
    ("channel.member", "委员走访", "Member visit"),
    ("report.position", "位置坐标（可选）", "Coordinates (optional)"),
    ("report.locate", "使用我的位置", "Use my location"),
    ("report.lat", "纬度", "Latitude"),
    ("report.lng", "经度", "Longitude"),
    ("report.photos", "照片（最多4张，每张不超过10MB）", "Photos (up to 4, 10 MB each)"),
    ("report.contact", "联系方式（可选）", "Contact (optional)"),
    ("report.contact_help", "仅办理人员可见，加密保存，页面上只显示部分号码。", "Only those handling it can see it; stored encrypted and shown masked."),
    ("report.name", "姓名", "Name"),
    ("report.phone", "手机号码", "Phone"),
    ("track.merged", "此事项已与以下事项合并办理：", "This concern is handled together with:"),
    ("track.feedback", "评价办理结果", "Your feedback"),
    ("track.rating", "您对办理结果", "How satisfied are you"),
    ("track.comment", "意见建议（可选）", "Comment (optional)"),
    ("track.thanks_field", "致谢（可选）", "Thanks (optional)"),
    ("track.thanks_word", "致谢", "Thanks"),
    ("track.thanks", "感谢您的评价。", "Thank you for your feedback."),
    ("rating.satisfied", "满意", "Satisfied"),
    ("rating.basically_satisfied", "基本满意", "Basically satisfied"),
    ("rating.unsatisfied", "不满意", "Unsatisfied"),
    ("event.submit", "提交", "Submitted"),
    ("event.accept", "受理", "Accepted"),
    ("event.reject", "不予受理", "Rejected"),
    ("event.merge", "并案", "Merged"),
    ("event.convert", "转办", "Converted"),
    ("event.assign", "交办", "Assigned"),
    ("event.request_reassignment", "申请改派", "Reassignment asked"),
    ("event.progress", "报告进展", "Progress"),
    ("event.resolve", "办结", "Resolved"),
    ("event.feedback_satisfied", "评价：满意", "Feedback: satisfied"),
    ("event.feedback_basically_satisfied", "评价：基本满意", "Feedback: basically satisfied"),
    ("event.feedback_unsatisfied", "评价：不满意", "Feedback: unsatisfied"),
    ("event.close", "关闭", "Closed"),
    ("event.reopen", "重新办理", "Reopened"),
    ("event.remind", "临期提醒", "Reminder"),
    ("event.escalate", "逾期督办", "Escalated"),
    ("event.escalate_public", "已督办", "Followed up"),
    ("event.other", "其他", "Other"),
    ("party.resident", "群众", "Resident"),
    ("party.system", "系统", "System"),
    ("err.channel", "请选择来源。", "Choose a channel."),
    ("err.photo", "照片须为 JPEG、PNG 或 WebP 图片，每张不超过10MB。", "A photo must be a JPEG, PNG or WebP image of at most 10 MB."),
    ("err.photo_count", "最多上传4张照片。", "At most 4 photos."),
    ("err.photo_pixels", "照片像素过多：每张最多4000万像素，请缩小后再上传。", "A photo has too many pixels: at most 40 megapixels each. Scale it down and upload it again."),
    ("err.note_required", "请填写办理情况或理由。", "Say what was done, or why."),
    ("err.lead_only", "只有牵头部门可以办结。", "Only the lead department resolves."),
    ("err.reassign_window", "已超过可申请改派的期限。", "The time to ask for reassignment has passed."),
    ("err.departments", "请从列表中选择至少一个承办部门。", "Choose at least one department from the list."),
    ("err.lead", "牵头部门须在所选部门之中。", "The lead must be one of the chosen departments."),
    ("err.merge_target", "没有找到可并入的事项（须为本辖区未关闭的事项）。", "No open concern with that tracking code here."),
    ("err.rating", "请选择评价。", "Choose a rating."),
    ("err.too_long", "内容过长。", "Too long."),
    ("err.seal", "个人信息无法解密，请联系管理员。", "Personal data could not be opened; contact the administrator."),
    ("err.intake.name", "姓名最多50个字符。", "A name has at most 50 characters."),
    ("err.intake.phone", "请填写正确的手机或固定电话号码。", "Give a valid mobile or landline number."),
    ("err.intake.photos", "照片须为 JPEG、PNG 或 WebP 图片，每张不超过10MB。", "A photo must be a JPEG, PNG or WebP image of at most 10 MB."),

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
    ("err.text_line_break", "标题、姓名、电话、地址等须写在一行内，不能换行。", "Titles, names, phone numbers and addresses take one line: no line breaks."),
    ("err.text_direction", "文字中含有改变文字方向的控制字符（如 U+202E），请删除后再提交。", "The text holds direction control characters (such as U+202E); remove them and send it again."),
    ("err.text_control", "文字中含有控制字符或非字符（如 U+FFFF），请删除后再提交。", "The text holds control characters or noncharacters (such as U+FFFF); remove them and send it again."),
    ("track.filed", "已提交。请记下您的查询码：", "Submitted. Keep your tracking code:"),
    ("common.prev", "上一页", "Previous page"),
    ("studios.title", "委员工作室", "Member studios"),
    ("studio.weekdays", "坐班日", "Duty days"),
    ("studio.per_day", "每次人数", "Members per day"),
    ("studio.members", "委员", "Members"),
    ("studio.qr", "扫码签到", "Scan to check in"),
    ("studio.generate", "生成值班表", "Generate the rota"),
    ("studio.swap", "调换两个班次", "Swap two shifts"),
    ("studio.from", "开始日期", "From"),
    ("record.duty_title", "履职档案", "Duty record"),
    ("score.title", "委员履职积分", "Members' duty scores"),
    ("report.group_title", "委员履职情况报告", "members' duty report"),
    ("report.group_sheet", "履职情况", "Duty"),
    ("report.totals", "合计", "Totals"),
    ("report.each_member", "委员个人履职", "Each member"),
    ("report.highlights", "履职亮点", "Highlights"),
    ("report.link", "年度履职报告", "Annual duty report"),
    ("score.warnings", "需要关注的委员：", "Members needing attention:"),
    ("score.total", "积分", "Score"),
    ("score.grade", "等次", "Grade"),
    ("score.notes", "提示", "Warnings"),
    ("score.rules", "积分规则", "Scoring rules"),
    ("score.item", "项目", "Item"),
    ("score.points", "每次分值", "Points per unit"),
    ("score.cap", "年度上限", "Yearly cap"),
    ("score.minimum", "年度最低次数", "Yearly minimum"),
    ("score.exit_at", "退出提示次数", "Exit trigger at"),
    ("score.below", "未达最低要求：", "Below the minimum: "),
    ("score.exit", "达到退出情形：", "Exit trigger reached: "),
    ("score.meeting", "参加会议活动", "Meetings attended"),
    ("score.shift_attended", "工作室坐班", "Studio shifts attended"),
    ("score.shift_missed", "坐班未到", "Studio shifts missed"),
    ("score.reception", "接待群众", "Visitors received"),
    ("score.concern_recorded", "代群众登记诉求", "Concerns recorded"),
    ("score.concern_followed", "跟进网格诉求", "Concerns followed"),
    ("score.speech", "发言", "Speeches"),
    ("score.research", "调研", "Research"),
    ("score.inspection", "视察", "Inspections"),
    ("score.special_task", "专项任务", "Special tasks"),
    ("grade.excellent", "优秀", "Excellent"),
    ("grade.competent", "称职", "Competent"),
    ("grade.not_competent", "不称职", "Not competent"),
    ("err.rule", "分值须为-100至100的整数，上限和次数为0至1000。", "Points from -100 to 100; caps and counts from 0 to 1000."),
    ("record.shifts_attended", "工作室坐班（已签到）", "Studio shifts attended"),
    ("record.shifts_missed", "工作室坐班（未签到）", "Studio shifts missed"),
    ("record.receptions", "接待群众", "Visitors received"),
    ("record.receptions_filed", "其中转为诉求", "of which filed as concerns"),
    ("record.concerns_recorded", "代群众登记诉求", "Concerns recorded for residents"),
    ("record.concerns_followed", "跟进结对网格诉求", "Concerns followed in paired grids"),
    ("record.from_activity", "以上由系统根据签到、接待和诉求办理记录自动生成，无需重复填报。", "Read from check-ins, receptions and concerns: nothing is entered twice."),
    ("record.manual", "补充记录", "Manual entries"),
    ("record.kind", "类别", "Kind"),
    ("record.description", "履职内容", "What was done"),
    ("record.evidence", "佐证材料", "Evidence"),
    ("record.add", "添加", "Add"),
    ("entry.meeting", "会议活动", "Meeting"),
    ("entry.speech", "发言", "Speech"),
    ("entry.research", "调研", "Research"),
    ("entry.inspection", "视察", "Inspection"),
    ("entry.special_task", "专项任务", "Special task"),
    ("entry.other", "其他", "Other"),
    ("err.entry", "请填写履职内容和佐证材料。", "Give what was done and its evidence."),
    ("studio.new", "设立委员工作室", "Set up a studio"),
    ("studio.unit", "所属街道", "Street"),
    ("studio.name", "名称", "Name"),
    ("studio.on_holiday", "坐班日遇节假日", "When a duty day is a holiday"),
    ("studio.holiday_move", "顺延到下一个工作日", "Move to the next working day"),
    ("studio.holiday_skip", "当天不安排", "No duty that day"),
    ("studio.members_help", "委员用户名，每行一个，按轮值顺序", "Members' usernames, one per line, in rotation order"),
    ("studio.create", "设立", "Set up"),
    ("studio.edit", "修改工作室设置和委员", "Change the studio's settings and members"),
    ("err.studio_name", "名称须为1至100个字符。", "A name has 1 to 100 characters."),
    ("err.studio_weekdays", "请至少选择一个坐班日。", "Choose at least one duty day."),
    ("err.studio_per_day", "每次人数须为1至10。", "1 to 10 members a day."),
    ("err.studio_member", "每行须是本单位一名委员的用户名。", "Every line must be the username of a member of this unit."),
    ("reception.title", "接待登记", "Receptions"),
    ("reception.matter", "来访群众反映的事项", "The visitor's matter"),
    ("reception.action", "当场答复或处理情况", "What was answered or done"),
    ("reception.to_concern", "需要交办的", "When it needs work elsewhere"),
    ("reception.make_concern", "转为诉求，交有关方面办理", "File it as a concern for the bodies concerned"),
    ("reception.log", "登记", "Log"),
    ("duty.filed", "已登记并转为诉求，请把查询码告诉来访群众。", "Logged and filed as a concern: give the visitor its tracking code."),
    ("err.reception_shift", "请在本人值班当天签到后登记接待。", "Log receptions on your own shift, after checking in."),
    ("err.matter", "事项须为1至2000个字符。", "The matter has 1 to 2000 characters."),
    ("err.reception_done", "这条接待已经转为诉求。", "This reception is a concern already."),
    ("err.no_key", "服务器未配置个人信息密钥，无法保存姓名和电话。", "This server has no personal-data key, so names and phones cannot be kept."),
    ("studio.to", "结束日期", "To"),
    ("studio.swap_a", "班次一", "First shift"),
    ("studio.swap_b", "班次二", "Second shift"),
    ("studio.rota", "值班表", "Rota"),
    ("studio.missed", "未签到的班次：", "Shifts missed:"),
    ("studio.day", "日期", "Day"),
    ("studio.member", "值班委员", "Member on duty"),
    ("studio.empty", "这段时间还没有值班安排。", "No shifts in this period yet."),
    ("duty.title", "我的坐班", "My duty shifts"),
    ("duty.checked_in", "已签到", "Checked in"),
    ("duty.missed", "未签到", "Missed"),
    ("duty.upcoming", "待值班", "Upcoming"),
    ("duty.check_in", "签到", "Check in"),
    ("duty.none", "近期没有您的坐班安排。", "No duty shifts for you soon."),
    ("duty.moved_from", "节假日顺延，原定", "moved from the holiday"),
    ("weekday.1", "周一", "Monday"),
    ("weekday.2", "周二", "Tuesday"),
    ("weekday.3", "周三", "Wednesday"),
    ("weekday.4", "周四", "Thursday"),
    ("weekday.5", "周五", "Friday"),
    ("weekday.6", "周六", "Saturday"),
    ("weekday.7", "周日", "Sunday"),
    ("err.rota_range", "日期范围须从前到后，且不超过一年。", "The range runs forwards and covers at most a year."),
    ("err.swap", "只能调换不同日期、尚未签到的两个班次。", "Swap two shifts on different days that nobody has checked in to."),
    ("err.check_in", "只能在值班当天签到，且只签一次。", "Check in on the day of the shift, once."),
    ("area.served_by", "服务力量", "Who serves it"),
    ("area.members", "结对委员", "Paired members"),
    ("area.none", "暂无。", "None yet."),
    ("area.open", "在办诉求", "Open concerns"),
    ("area.my_grids", "我服务的网格", "Grids I serve"),
    ("common.next", "下一页", "Next page"),
    ("track.joined", "已为您关注这件事，您反映的情况已记入。查询码：", "You now follow this concern and your report was added to it. Tracking code:"),
    ("event.same_report", "又有居民反映同一问题", "Another resident reported the same problem"),
    ("similar.title", "附近已有相似的问题正在办理", "Similar problems nearby are already being handled"),
    ("similar.help", "如果是同一个问题，点“是同一个问题”即可关注办理进度，不必重复提交。", "If it is the same problem, choose \"Same problem\" to follow it instead of filing it again."),
    ("similar.same", "是同一个问题，关注它", "Same problem: follow it"),
    ("similar.different", "都不是？请检查下面的内容后继续提交。", "None of these? Check your report below and submit it."),
    ("similar.submit_anyway", "不是同一个问题，继续提交", "Not the same problem: submit"),
    ("similar.photos_again", "照片尚未上传，请重新选择照片后提交。", "Your photos were not uploaded yet: choose them again before submitting."),
    ("similar.staff", "相似的在办诉求", "Similar open concerns"),
    ("similar.merge_into", "并入此件", "Merge into this"),
    ("search.title", "搜索诉求", "Search concerns"),
    ("search.query", "关键词（简体、繁体均可）", "Words (simplified or traditional)"),
    ("search.any", "不限", "Any"),
    ("search.state", "状态", "State"),
    ("search.from", "提交日期从", "Raised from"),
    ("search.to", "至", "to"),
    ("search.submit", "查找", "Search"),
    ("search.found", "找到", "Found"),
    ("search.none", "没有找到匹配的诉求。", "No concern matches."),
    ("err.search.date", "日期格式应为 年-月-日。", "Dates are written year-month-day."),
    ("err.query_long", "关键词太多，请精简到32个词以内。", "Too many words: use at most 32."),
    ("hotspots.title", "热点问题", "Hotspots"),
    ("hotspots.help", "同一街道或网格在一段时间内反复出现的相似诉求，可作为协商议题的候选。", "Similar concerns that recur in one street or grid over a period: candidate topics for a consultation."),
    ("hotspots.days", "最近天数", "Last days"),
    ("hotspots.level", "范围", "Within"),
    ("hotspots.level.street", "街道", "Street"),
    ("hotspots.min", "至少件数", "At least"),
    ("hotspots.concerns", "件诉求", "concerns"),
    ("hotspots.none", "这段时间没有热点。", "No hotspots in this period."),
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
    ("common.save", "保存", "Save"),
    ("common.language", "语言", "Language"),
    ("err.username", "用户名为3至32位小写字母、数字或 _ . -", "A username has 3 to 32 letters, digits, '_', '.' or '-'."),
    ("err.password_length", "密码长度须为10至128个字符。", "A password has 10 to 128 characters."),
    ("err.org_name", "名称须为1至60个字符。", "A name has 1 to 60 characters."),
    ("err.org_code", "代码须为2至40位小写字母、数字或连字符。", "A code has 2 to 40 letters, digits or '-'."),
    ("err.org_code_taken", "该代码已被使用。", "This code is already used."),
    ("err.org_code_branch", "机构代码须以所属区县的代码加“-”开头（例如 yanliang-guanshan），不能使用其他区县的代码。", "A unit's code starts with its district's code and '-' (such as yanliang-guanshan); another district's code cannot be used."),
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
    ("err.role_above_own", "不能授予、收回高于本人的角色，也不能重置持有此类角色的账号的密码。", "Nobody grants or takes back a role above their own, or resets the password of an account that holds one."),
    ("err.grant_self", "不能给自己授予角色，请由其他有权限的人员办理。", "Nobody grants a role to themselves; ask someone else who may."),
    ("err.grant_exists", "该账号在此范围已有此角色。", "The account already has this role there."),
    ("err.bad_input", "输入有误，请检查。", "Please check your input."),
    ("error.not_found", "找不到该页面或记录", "Not found"),
    ("error.forbidden", "您没有权限执行此操作", "You have no right to do this"),
    ("error.bad_request", "请求无效", "Bad request"),
    ("account.email", "电子邮箱", "Email address"),
    ("account.email_hint", "忘记密码或账号被锁定时，重设链接发到这里；留空则只能请管理员重置。", "Where reset links go if you forget your password or are locked out; leave it empty and only an administrator can reset it."),
    ("reset.title", "重设密码", "Reset your password"),
    ("reset.link", "忘记密码或账号被锁定？", "Forgot your password, or locked out?"),
    ("reset.explain", "输入用户名。账号登记了电子邮箱的，我们会把重设链接发到该邮箱，30 分钟内有效；设置新密码后，被锁定的账号随即解锁。没有登记邮箱的，请联系管理员重置。", "Enter your username. If the account has an email address, a reset link valid for 30 minutes is sent there; choosing a new password also unlocks a locked account. Without an email address, ask an administrator to reset it."),
    ("reset.send", "发送重设链接", "Send the reset link"),
    ("reset.sent", "如该账号登记了电子邮箱，重设链接已发出，请查收。", "If the account has an email address, a reset link is on its way."),
    ("reset.invalid", "此重设链接无效或已过期。", "This reset link is not valid or has expired."),
    ("reset.again", "重新申请重设链接", "Ask for a new link"),
    ("reset.done", "密码已重设，请用新密码登录。", "Your password is reset: log in with the new one."),
    ("error.too_many", "请求过于频繁，请稍后再试。", "Too many requests: please wait a little and try again."),
    ("err.resident_key", "查询码与密钥不符，请核对您提交时收到的密钥。", "The key does not match this tracking code: check the key you were given when you submitted."),
    ("track.key", "密钥", "Key"),
    ("track.key_hint", "提交时收到的密钥（评价办理结果需要，与查询码不同，请勿告诉他人）", "The key you were given when you submitted (needed to give feedback; unlike the tracking code, keep it to yourself)"),
    ("track.key_once", "请同时记下您的密钥，评价办理结果时需要，它只显示这一次：", "Also keep your key: you need it to give feedback, and it is shown only this once:"),
    ("track.key_link", "或收藏此链接（含密钥，请勿转发）：", "Or bookmark this link (it holds the key; do not share it):"),
    ("record.key", "密钥（反映人评价时需要，只显示这一次）：", "Key (the resident needs it to give feedback; shown only this once):"),
    ("error.csrf", "表单已过期，请返回刷新后重试", "The form has expired: go back, reload and try again"),
    ("error.too_large", "上传的内容过大：每个文件最多10MB，每次提交最多41MB", "The upload is too large: at most 10 MB a file and 41 MB a submission"),
    ("error.internal", "系统出错，请稍后再试", "Something went wrong; please try again later"),
    ("common.all", "全部", "All"),
    ("common.filter", "筛选", "Filter"),
    ("common.unknown", "未知", "Unknown"),
    ("err.phone", "电话号码应为11位手机号或固定电话。", "A phone number is an 11-digit mobile or a landline."),
    ("err.email", "电子邮箱格式不正确。", "The email address is not valid."),
    ("err.no_seal_key", "未配置个人信息密钥，不能保存联系方式。", "No personal-data key is configured, so contact details cannot be stored."),
    ("roster.title", "委员名册", "Member roster"),
    ("roster.link", "委员名册", "Member roster"),
    ("roster.active", "在册", "Active"),
    ("roster.exited", "已退出", "Exited"),
    ("roster.sectors", "界别数", "Sectors"),
    ("roster.find", "姓名或编号", "Name or number"),
    ("roster.status", "状态", "Status"),
    ("roster.status_active", "在册", "Active"),
    ("roster.status_exited", "已退出", "Exited"),
    ("roster.code", "编号", "Number"),
    ("roster.name", "姓名", "Name"),
    ("roster.term", "届次", "Term"),
    ("roster.sector", "界别", "Sector"),
    ("roster.street_group", "街道组", "Street group"),
    ("roster.phone", "电话", "Phone"),
    ("roster.email", "邮箱", "Email"),
    ("roster.phone_new", "新电话（留空不变）", "New phone (blank keeps it)"),
    ("roster.email_new", "新邮箱（留空不变）", "New email (blank keeps it)"),
    ("roster.joined_on", "加入日期", "Joined on"),
    ("roster.account", "登录账号", "Account"),
    ("roster.reason", "事由", "Reason"),
    ("roster.none", "没有符合条件的委员。", "No members match."),
    ("roster.by_sector", "各界别在册人数", "Active members by sector"),
    ("roster.add", "增补委员", "Add a member"),
    ("roster.import", "导入名册", "Import the roster"),
    ("roster.import_help", "上传 CSV 或 XLSX（第一行为表头），或粘贴 CSV。先预检，预检无误再导入；有任何一行不合格则不写入。可用表头：", "Upload CSV or XLSX (first row: headers), or paste CSV. Check first; an import with any refused row writes nothing. Headers:"),
    ("roster.import_file", "文件（CSV 或 XLSX）", "File (CSV or XLSX)"),
    ("roster.import_paste", "或粘贴 CSV", "Or paste CSV"),
    ("roster.dry_run", "预检", "Check (dry run)"),
    ("roster.import_commit", "导入", "Import"),
    ("roster.import_rows", "数据行", "Rows"),
    ("roster.import_ok", "合格", "Accepted"),
    ("roster.import_rejected", "问题", "Problems"),
    ("roster.import_written", "已导入委员：", "Members imported:"),
    ("roster.import_nothing", "存在不合格的行，未写入任何数据。", "Some rows were refused; nothing was written."),
    ("roster.import_clean", "预检通过，可以导入。", "All rows pass; ready to import."),
    ("roster.line", "行", "Line"),
    ("roster.column", "列", "Column"),
    ("roster.value", "内容", "Value"),
    ("roster.why", "原因", "Reason"),
    ("roster.back", "返回委员名册", "Back to the roster"),
    ("roster.reveal", "查看完整联系方式", "Show full contact details"),
    ("roster.history", "变动记录", "History"),
    ("roster.on_date", "日期", "Date"),
    ("roster.change", "变动", "Change"),
    ("roster.by", "经办人", "Recorded by"),
    ("roster.change_join", "加入", "Joined"),
    ("roster.change_exit", "退出", "Exited"),
    ("roster.change_rejoin", "重新加入", "Joined again"),
    ("roster.change_update", "信息变更", "Details changed"),
    ("roster.exit", "办理退出", "Record an exit"),
    ("roster.exit_help", "退出后，该委员的账号不再具有委员身份，解除网格结对、退出工作室轮值并移除今后的值班。", "On exit the account loses the member role, its grid pairings, its studio places and its future duty shifts."),
    ("roster.exit_type", "退出方式", "Type of exit"),
    ("roster.rejoin", "重新加入", "Join again"),
    ("roster.edit", "修改信息", "Edit details"),
    ("roster.joined", "已记录加入。", "The join is recorded."),
    ("roster.exited_ok", "已记录退出。", "The exit is recorded."),
    ("exit.resignation", "辞职", "Resignation"),
    ("exit.removal", "免职", "Removal"),
    ("exit.revocation", "撤销资格", "Revocation"),
    ("exit.persuaded", "劝辞", "Persuaded to resign"),
    ("err.import_header", "表头缺少必填列（编号、姓名、届次、界别）。", "The header lacks a required column (number, name, term, sector)."),
    ("err.import_too_many", "一次最多导入 5000 行。", "At most 5,000 rows per import."),
    ("err.import_file_size", "文件超过10MB，不像花名册；请删除多余的内容后再导入。", "The file is over 10 MB, too large for a roster; delete what does not belong and import again."),
    ("err.import_empty", "请上传文件或粘贴内容。", "Upload a file or paste rows."),
    ("err.import_encoding", "文件编码无法识别，请存为 UTF-8 或 GBK 的 CSV。", "The file's encoding is not recognised; save it as CSV in UTF-8 or GBK."),
    ("err.import_csv", "CSV 格式有误。", "The CSV is malformed."),
    ("err.import_xlsx", "XLSX 文件无法读取。", "The XLSX file cannot be read."),
    ("err.import_too_big", "文件解压后超过32MB或包含的部件过多，不像花名册，未予读取。", "The file unpacks to more than 32 MB or holds too many parts for a roster; it was not read."),
    ("err.import_bounds", "表格超出花名册的范围：最多5000行、64列、32万个单元格。请删除多余的行和列（包括空的）后再导入。", "The table is larger than a roster may be: at most 5,000 rows, 64 columns and 320,000 cells. Delete the extra rows and columns (empty ones too) and import again."),
    ("err.member_code", "编号应为 1 到 32 个字符。", "A number has 1 to 32 characters."),
    ("err.member_code_taken", "该编号已在名册中。", "This number is already on the roster."),
    ("err.member_code_twice", "该编号在文件中重复。", "This number appears twice in the file."),
    ("err.member_name", "姓名应为 1 到 40 个字符。", "A name has 1 to 40 characters."),
    ("err.member_term", "届次应为 1 到 40 个字符。", "A term has 1 to 40 characters."),
    ("err.member_sector", "界别应为 1 到 40 个字符。", "A sector has 1 to 40 characters."),
    ("err.member_street", "本级政协下没有这个街道。", "No such street in this body."),
    ("err.member_date", "日期应为今天或以前，格式如 2026-03-01。", "A date on or before today, such as 2026-03-01."),
    ("err.member_account", "本级政协下没有这个账号。", "No such account in this body."),
    ("err.member_account_taken", "该账号已对应名册中的其他委员。", "This account already belongs to another member on the roster."),
    ("err.member_reason", "请填写事由（最多 500 字）。", "Give a reason (at most 500 characters)."),
    ("err.member_not_active", "该委员不在册，不能办理退出。", "Only an active member can exit."),
    ("err.member_not_exited", "该委员仍在册。", "This member is still active."),
    ("err.exit_type", "请选择退出方式。", "Choose the type of exit."),
    ("nav.skip", "跳到正文", "Skip to main content"),
    ("stats.count", "件数", "Count"),
    ("stats.street", "街道", "Street"),
    ("table.scroll", "表格，可左右滚动", "Table, scrolls sideways"),
    ("track.photo", "诉求照片", "Photo of the concern"),
    ("reception.mine", "我的接待记录", "My receptions"),
    ("reception.as_proposal_lead", "作为提案线索", "Mark as a proposal lead"),
    ("reception.as_opinion_report", "作为社情民意", "Mark as an opinion report"),
    ("reception.is_proposal_lead", "提案线索", "Proposal lead"),
    ("reception.is_opinion_report", "社情民意", "Opinion report"),
    ("reception.marked", "已标记，待提案或社情民意工作采用。", "Marked; it waits for the proposal or opinion-report work to take it up."),
    ("record.receptions_leads", "作为线索", "as leads"),
    ("err.reception_lead_done", "这条接待已作此标记。", "This reception is already marked so."),
    // --- issue 28: consultations ---
    ("consult.title", "协商议事", "Consultations"),
    ("consult.new", "召集协商", "Call a consultation"),
    ("consult.call", "召集", "Call it"),
    ("consult.called", "已召集协商。请邀请参加人员、排好议程。", "The consultation is called. Invite its participants and set the agenda."),
    ("consult.all", "全部", "All"),
    ("consult.empty", "还没有协商。", "No consultations yet."),
    ("consult.state", "状态", "State"),
    ("consult.state.convened", "已召集", "Called"),
    ("consult.state.held", "已召开，成果落实中", "Held; actions under way"),
    ("consult.state.closed", "已办结", "Closed"),
    ("consult.state.cancelled", "已取消", "Called off"),
    ("consult.kind", "协商类型", "Kind"),
    ("consult.kind.grassroots", "基层协商", "Grassroots consultation"),
    ("consult.kind.thematic", "专题协商", "Thematic consultation"),
    ("consult.kind.counterpart", "对口协商", "Counterpart consultation"),
    ("consult.kind.sector", "界别协商", "Sector consultation"),
    ("consult.kind.proposal_handling", "提案办理协商", "Proposal-handling consultation"),
    ("consult.kind.mock", "模拟协商", "Mock consultation"),
    ("consult.topic", "议题", "Topic"),
    ("consult.description", "说明（可选）", "Description (optional)"),
    ("consult.unit", "所属单位", "Body"),
    ("consult.when", "时间", "When"),
    ("consult.starts", "开始时间", "Starts"),
    ("consult.ends", "结束时间", "Ends"),
    ("consult.short_notice_ok", "确认提前通知时间少于规定（将记录在案）", "Confirm a notice shorter than the rule (it is kept on record)"),
    ("consult.rule_warning", "时间规则", "Rule of time"),
    ("consult.short_notice_kept", "提前通知时间少于规定，经工作人员确认", "Less notice than the rule, confirmed by staff"),
    ("consult.room", "会议室", "Room"),
    ("consult.room_of", " · ", " · "),
    ("consult.no_room", "不预订会议室（填写地点）", "No room (give the place)"),
    ("consult.place", "地点（不预订会议室时填写）", "Place (when no room is booked)"),
    ("consult.from_concerns", "针对的居民诉求", "Concerns it is called on"),
    ("consult.ics", "下载会议日历文件", "Download the meeting's calendar file"),
    ("consult.ics_feed", "日历订阅（ICS）", "Calendar feed (ICS)"),
    ("consult.participants", "参加人员", "Participants"),
    ("consult.participant", "参加人", "Participant"),
    ("consult.as", "身份", "As"),
    ("consult.answer", "回复", "Answer"),
    ("consult.answer.pending", "未回复", "No answer yet"),
    ("consult.answer.attend", "参加", "Attends"),
    ("consult.answer.decline", "不参加", "Declines"),
    ("consult.answer.deputy", "委派他人参加", "Sends a deputy"),
    ("consult.your_answer", "您的回复", "Your answer"),
    ("consult.deputy", "委派人员姓名（委派他人时填写）", "The deputy's name (when sending one)"),
    ("consult.present", "到会", "Present"),
    ("consult.check_in", "会议签到", "Check in"),
    ("consult.checked_in", "已签到。", "You are checked in."),
    ("consult.nobody_yet", "还没有邀请参加人员。", "Nobody is invited yet."),
    ("consult.proposed", "建议邀请", "Proposed"),
    ("consult.paired_members", "诉求所在网格的联系委员", "Members paired with the concerns' grids"),
    ("consult.invite", "邀请", "Invite"),
    ("consult.invited", "已邀请。", "Invited."),
    ("consult.invite_person", "邀请委员或联络员", "Invite a member or liaison officer"),
    ("consult.invite_unit", "邀请部门或单位", "Invite a department or unit"),
    ("consult.invite_guest", "邀请居民或专家", "Invite a resident or expert"),
    ("consult.representative", "参会代表（部门须指定）", "Its representative (each department names one)"),
    ("consult.guest_name", "姓名", "Name"),
    ("consult.guest_phone", "联系电话（可选）", "Phone (optional)"),
    ("consult.role.member", "委员", "Member"),
    ("consult.role.liaison", "民情联络员", "Liaison officer"),
    ("consult.role.department", "部门", "Department"),
    ("consult.role.expert", "专家", "Expert"),
    ("consult.role.resident", "居民", "Resident"),
    ("consult.agenda", "议程", "Agenda"),
    ("consult.agenda_empty", "还没有议程。", "No agenda yet."),
    ("consult.agenda_item", "议程事项", "Agenda item"),
    ("consult.add", "添加", "Add"),
    ("consult.minutes", "会议纪要", "Minutes"),
    ("consult.hold", "记录纪要，会议已召开", "Record the minutes: the meeting is held"),
    ("consult.held", "已记录纪要。请添加议定事项。", "The minutes are recorded. Add the agreed actions."),
    ("consult.cancel", "取消会议", "Call it off"),
    ("consult.cancel_reason", "取消原因", "Why it is called off"),
    ("consult.cancelled", "会议已取消，会议室已释放。", "Called off; the room is free again."),
    ("consult.outcome", "协商成果（议定事项）", "Outcome (agreed actions)"),
    ("consult.outcomes", "协商成果清单", "Outcome list"),
    ("consult.action", "议定事项", "Agreed action"),
    ("consult.action_note", "备注（可选）", "Note (optional)"),
    ("consult.owner", "责任单位", "Owner"),
    ("consult.choose", "请选择", "Choose"),
    ("consult.due", "完成时限", "Due"),
    ("consult.due_days", "完成时限（工作日）", "Due within (working days)"),
    ("consult.add_action", "添加议定事项", "Add an agreed action"),
    ("consult.action_added", "已添加议定事项，已通知责任单位。", "The action is added and its owner told."),
    ("consult.action_state.assigned", "待落实", "To do"),
    ("consult.action_state.in_progress", "落实中", "Under way"),
    ("consult.action_state.resolved", "已完成", "Done"),
    ("consult.action_state.overdue", "已逾期", "Overdue"),
    ("consult.no_actions", "还没有议定事项。", "No agreed actions yet."),
    ("consult.act_note", "进展说明", "What was done"),
    ("consult.progress", "报告进展", "Report progress"),
    ("consult.done", "标记完成", "Mark done"),
    ("consult.close", "办结协商", "Close the consultation"),
    ("consult.closed", "协商已办结。", "The consultation is closed."),
    ("consult.concerns_after", "针对的居民诉求", "The concerns it was called on"),
    ("consult.concerns_resolve", "按协商成果办结，请居民评价", "Resolve them by its outcome and ask the residents for feedback"),
    ("consult.concerns_leave", "保持原状，继续办理", "Leave them open"),
    ("consult.result_note", "给居民的办理结果（将注明本次协商）", "The result residents read (it names this consultation)"),
    ("consult.publish", "在公开页面发布协商成果", "Publish the outcome on the public page"),
    ("consult.rooms", "会议室", "Rooms"),
    ("consult.no_rooms", "还没有会议室。", "No rooms yet."),
    ("consult.add_room", "添加会议室", "Add a room"),
    ("consult.room_name", "会议室名称", "Room name"),
    ("consult.capacity", "容纳人数", "Seats"),
    ("consult.day", "日期", "Day"),
    ("consult.bookings", "预订", "Bookings"),
    ("consult.free", "空闲", "Free"),
    ("consult.prev_week", "上一周", "Previous week"),
    ("consult.next_week", "下一周", "Next week"),
    ("consult.mon", "周一", "Mon"),
    ("consult.tue", "周二", "Tue"),
    ("consult.wed", "周三", "Wed"),
    ("consult.thu", "周四", "Thu"),
    ("consult.fri", "周五", "Fri"),
    ("consult.sat", "周六", "Sat"),
    ("consult.sun", "周日", "Sun"),
    ("consult.filter", "筛选", "Filter"),
    ("consult.no_outcomes", "没有符合条件的议定事项。", "No agreed actions match."),
    ("consult.my_actions", "本单位的协商议定事项", "My unit's agreed actions"),
    ("consult.no_open_actions", "本单位没有待落实的议定事项。", "Your unit has no open agreed actions."),
    ("consult.meetings", "我的协商会议", "My meetings"),
    ("consult.no_meetings", "近期没有您参加的协商会议。", "No coming meetings of yours."),
    ("consult.public_title", "协商议事公开", "Consultations held"),
    ("consult.units_took_part", "参加单位", "Units taking part"),
    ("consult.none_held", "还没有已召开的协商。", "No consultation held yet."),
    ("notify.invited", "邀请您参加协商", "Invited to a consultation"),
    ("notify.action_assigned", "协商议定事项交本单位落实", "An agreed action for your unit"),
    ("notify.action_done", "协商议定事项已完成", "An agreed action is done"),
    ("notify.action_reminder", "协商议定事项明天到期", "An agreed action is due tomorrow"),
    ("notify.action_overdue", "协商议定事项已逾期", "An agreed action is overdue"),
    ("event.convened", "已召集协商议事", "A consultation has been called"),
    ("track.meetings", "就此问题召集的协商：", "Consultations called on it: "),
    ("err.required", "此项必填", "This is required"),
    ("err.meeting_time", "请填写日期和时间", "Give the date and time"),
    ("err.meeting_past", "会议时间须在今后", "The meeting must be in the future"),
    ("err.meeting_end", "结束时间须晚于开始时间，且在同一天内（不超过12小时）", "It ends after it starts, within the day (at most 12 hours)"),
    ("err.meeting_place", "请预订会议室或填写地点", "Book a room or give the place"),
    ("err.notice_rule", "提前通知的工作日少于规定：请改期，或勾选确认", "Less notice than the rule in working days: choose a later day, or tick to confirm"),
    ("err.consult_kind", "请选择本单位的协商类型", "Choose one of the body's kinds"),
    ("err.concern_closed", "只能就正在办理的诉求召集协商", "A consultation is called on open concerns only"),
    ("err.too_many", "数量超过上限", "Too many"),
    ("err.plan_taken", "该计划议题不属于本单位或已落实", "That planned topic is not this body's or is carried out already"),
    ("err.room_taken", "该会议室此时段已被预订：请换时间或会议室", "The room is booked then: choose another time or room"),
    ("err.room_capacity", "容纳人数为1至1000", "Seats are 1 to 1,000"),
    ("err.room_name_taken", "本单位已有同名会议室", "The unit has a room of that name"),
    ("err.invitee", "请选择要邀请的人员", "Choose whom to invite"),
    ("err.invitee_reach", "该人员或单位不在本单位工作范围内", "That person or unit is not within this body's reach"),
    ("err.already_invited", "已邀请过", "Already invited"),
    ("err.representative", "部门须指定参会代表", "Each department names its representative"),
    ("err.consult_not_open", "会议召开前才能邀请人员和修改议程", "People and the agenda are set before the meeting"),
    ("err.agenda_title", "议程事项为1至200个字", "An agenda item is 1 to 200 characters"),
    ("err.answer", "请选择回复", "Choose an answer"),
    ("err.deputy", "请填写委派人员姓名", "Name the deputy"),
    ("err.check_in_time", "签到在会前一小时至会议结束之间", "Check-in opens an hour before and closes at the end"),
    ("err.minutes", "请填写会议纪要", "Write the minutes"),
    ("err.not_yet_held", "会议开始后才能记录纪要", "Minutes are recorded once the meeting has started"),
    ("err.actions_after_meeting", "会议召开后、办结前添加议定事项", "Actions are added after the meeting and before it closes"),
    ("err.action_title", "请填写议定事项（1至200个字）", "Say what is to be done (1 to 200 characters)"),
    ("err.action_owner", "请选择责任单位", "Choose the owner unit"),
    ("err.action_due", "请填写完成时限（1至250个工作日）", "Give the working days (1 to 250)"),
    ("err.actions_open", "议定事项全部完成后才能办结协商", "It closes when every agreed action is done"),
    ("err.kind_name", "类型名称为1至30个字", "A kind's name is 1 to 30 characters"),
    ("err.kind_taken", "本单位已有同名类型", "The body has a kind of that name"),
    ("err.plan_topic", "计划议题为1至100个字", "A planned topic is 1 to 100 characters"),
    ("err.plan_quarter", "请选择季度", "Choose a quarter"),
    ("consult.plan", "年度协商计划", "Annual consultation plan"),
    ("consult.spoke", "发言", "Spoke"),
    ("consult.nav_meetings", "我的会议", "My meetings"),
    ("consult.nav_actions", "协商事项", "Agreed actions"),
    ("record.consultations", "参加协商议事", "Consultations attended"),
    ("record.consultations_spoke", "发言", "spoke at"),
    ("score.consultation_attended", "参加协商议事", "Consultations attended"),
    ("score.consultation_spoke", "协商发言", "Spoke at consultations"),
    ("consult.quarter", "季度", "Quarter"),
    ("consult.carried_out", "已落实", "Carried out"),
    ("consult.not_yet", "未召开", "Not yet"),
    // --- issue 28 point 7: the meeting's QR code ---
    ("consult.qr", "会议签到二维码", "Check-in QR code"),
    ("consult.qr_help", "参加人员用手机扫码并登录后，一键签到；没有账号的参加人员由工作人员在记录纪要时标记出席。", "Participants scan it with their phone and, signed in, check in with one button; staff mark those without an account present with the minutes."),
    ("consult.check_in_not_yours", "只有以账号受邀、尚未签到的参加人员可以在会议开始前一小时至结束时签到；其他参加人员由工作人员标记出席。", "Participants invited by account check in from an hour before the meeting to its end; staff mark the others present."),
    ("consult.to_meeting", "查看会议", "To the meeting's page"),
    // --- issue 28 point 6: materials ---
    ("consult.materials", "会议材料", "Materials"),
    ("consult.material", "材料", "Material"),
    ("consult.material_kind", "类型", "Type"),
    ("consult.material_size", "大小", "Size"),
    ("consult.material_public", "随成果公开", "Published with the outcome"),
    ("consult.material_published_yes", "已公开", "Published"),
    ("consult.material_publish", "随成果公开", "Publish with the outcome"),
    ("consult.material_withdraw", "取消公开", "Withdraw"),
    ("consult.materials_empty", "尚无材料。", "No materials yet."),
    ("consult.material_add", "添加材料", "Attach a material"),
    ("consult.material_title", "材料名称（可不填，默认用文件名）", "Title (the file's name if left blank)"),
    ("consult.material_file", "文件", "File"),
    ("consult.material_help", "PDF、Word（doc、docx）、Excel（xls、xlsx）、PowerPoint（pptx）文件或 JPEG、PNG、WebP 图片，每个不超过20MB。仅参加人员和工作人员可以下载。", "A PDF, Word (doc, docx), Excel (xls, xlsx) or PowerPoint (pptx) file, or a JPEG, PNG or WebP image, of at most 20 MB. Only participants and staff can download it."),
    ("consult.material_attach", "上传", "Upload"),
    ("consult.material_added", "材料已上传。", "The material is attached."),
    ("consult.material_published", "材料将随协商成果在公开页面展示。", "The material is shown with the outcome on the public page."),
    ("consult.material_withdrawn", "材料已取消公开。", "The material is no longer public."),
    ("err.material_type", "不支持该文件类型：请上传 PDF、Word（doc、docx）、Excel（xls、xlsx）、PowerPoint（pptx）文件或 JPEG、PNG、WebP 图片。", "This type of file is not accepted: upload a PDF, Word (doc, docx), Excel (xls, xlsx) or PowerPoint (pptx) file, or a JPEG, PNG or WebP image."),
    ("err.material_name", "文件名的扩展名与文件内容不符：请改正扩展名（例如 PDF 文件以 .pdf 结尾），或选择正确的文件。", "The file's name does not end as its content is: correct the ending (a PDF ends in .pdf, for example) or choose the right file."),
    ("err.material_size", "文件超过20MB：请压缩或拆分后再上传。", "The file is over 20 MB: compress it or split it, then upload it again."),
    ("err.material_missing", "请选择要上传的文件。", "Choose the file to upload."),
    ("err.materials_closed", "协商已结束或已取消，不能再添加材料。", "The consultation is closed or cancelled: no more materials can be attached."),
    ("err.materials_full", "每次协商最多30份材料：请合并部分材料后再上传。", "A consultation has at most 30 materials: merge some before attaching more."),
    // --- issue 28: a body's settings, reminders, ratings ---
    ("consult.settings", "协商设置", "Consultation settings"),
    ("consult.plan_year", "年度", "Year"),
    ("consult.show", "查看", "Show"),
    ("consult.no_bodies", "您没有可以设置协商的单位。", "There is no body whose consultations you may set up."),
    ("consult.kinds", "协商类型", "Kinds of consultation"),
    ("consult.actions_col", "操作", "Actions"),
    ("consult.hide_kind", "停用", "Stop using"),
    ("consult.new_kind", "新增类型名称", "New kind's name"),
    ("consult.rules", "时间规则（工作日）", "Rules of time (working days)"),
    ("consult.rules_hint", "召集会议时，通知时间少于规则的，须确认后方可召集，确认人会被记录。", "When a meeting is called with less notice than the rule, staff must confirm it, and who confirmed is kept."),
    ("consult.rules_every_kind", "所有类型", "Every kind"),
    ("consult.notice_days", "提前通知", "Notice ahead"),
    ("consult.materials_days", "材料提前送达", "Materials ahead"),
    ("consult.minutes_days", "会后纪要时限", "Minutes within"),
    ("consult.rule_source", "来源", "Source"),
    ("consult.rule_own", "本级设定", "Set by this body"),
    ("consult.rule_clear", "恢复默认", "Back to the default"),
    ("consult.rule_default", "默认", "Default"),
    ("consult.plan_carried", "落实情况", "Carried out"),
    ("consult.plan_convene", "据此召集", "Call a consultation on it"),
    ("consult.plan_empty", "本年度尚无计划议题。", "No planned topics for this year."),
    ("consult.from_plan", "落实年度协商计划议题", "Carries out the planned topic"),
    ("consult.rate", "评价本次协商", "Rate this consultation"),
    ("consult.rating_comment", "意见（选填）", "Comment (optional)"),
    ("consult.your_rating", "您的评价", "Your rating"),
    ("consult.ratings", "参加人员评价", "Participants' ratings"),
    ("consult.rated", "感谢您的评价。", "Thank you for your rating."),
    ("consult.convene_selected", "就所选诉求召集协商", "Call a consultation on the chosen concerns"),
    ("consult.choose_concern", "选择", "Choose"),
    ("consult.convene_cluster", "就这组诉求召集协商", "Call a consultation on this group"),
    ("notify.meeting_reminder", "协商会议将于下一个工作日召开", "A consultation meets on the next working day"),
    ("err.rule_days", "规则天数为0至60个工作日", "A rule asks for 0 to 60 working days"),
    ("err.rule_materials", "材料提前天数不能多于通知提前天数", "Materials go out at most as many days ahead as the notice"),
    ("err.rate_closed", "协商办结后才能评价", "A consultation is rated after it closes"),
    // --- issue 27: statement ---
    ("a11y.title", "无障碍声明", "Accessibility statement"),
    ("a11y.intro", "本平台供居民、政协委员和工作人员使用，应当让年长者、视力不好的人、只用键盘或使用读屏软件的人同样能够使用。本页说明我们遵循的标准、如何检查、已知的不足，以及遇到障碍时如何告诉我们。", "This service is for residents, CPPCC members and staff, and must work as well for older people, people with low vision and people who use only a keyboard or a screen reader. This page says which standard we follow, how we check it, what we know falls short, and how to tell us about a barrier."),
    ("a11y.standard_h", "遵循的标准", "The standard"),
    ("a11y.standard", "我们以《Web内容无障碍指南》（WCAG）2.1 AA级为目标，并遵循与之相应的国家标准 GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》。", "We aim to meet the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA, and the Chinese national standard that follows them, GB/T 37668-2019 (Information technology: accessibility requirements and testing methods for web content)."),
    ("a11y.checked_h", "如何检查", "How it is checked"),
    ("a11y.checked_engine", "每次修改都要通过的自动测试在 Chromium 浏览器中用 axe-core 检查引擎打开路由表上的每一类页面（公众、居民、委员、工作人员、部门和管理员页面），以能打开该页的账号，分别以手机（320 像素宽）和电脑尺寸、简体中文、繁体中文和英文检查；出现“严重”或“危急”级别的问题即不能通过。同一测试还检查页面在 320 像素宽和文字放大到 200% 时不需要左右滚动。另外还检查空列表、显示错误提示的表单和重设密码页面。", "Automated tests that every change must pass open every page type in the route table (public, resident, member, staff, department and admin pages), as an account that may open it, in the Chromium browser and check them with the axe-core engine, at phone (320 CSS px wide) and desktop size, in Simplified Chinese, Traditional Chinese and English; any \"serious\" or \"critical\" finding fails them. The same test checks that no page needs sideways scrolling at 320 px wide or with text at 200 %. It also checks empty lists, forms showing their errors and the password reset page."),
    ("a11y.checked_keyboard", "键盘测试用 Tab 和 Shift+Tab 走遍公众页面和工作人员页面，检查焦点始终可见、不会被困住，“跳到正文”链接可用；并只用 Tab、回车和空格键从页脚找到本页、提交一份障碍反映。另一项测试只用键盘提交一件诉求，再以工作人员身份登录、受理并交办。", "A keyboard test goes through public and staff pages with Tab and Shift+Tab, checking that focus is always visible and never trapped and that the skip link works, and reaches this page from the footer and files a barrier report using only Tab, Enter and Space. Another files a concern, then logs in as staff, accepts it and assigns it, with the keyboard alone."),
    ("a11y.checked_reader", "读屏测试读取浏览器的无障碍树，检查每个控件都有名称、每张图片都有替代文字、提示信息会被读出。", "A screen-reader test reads the browser's accessibility tree and checks that every control has a name, every image a text alternative, and that status messages are announced."),
    ("a11y.checked_weight", "页面重量测试检查每个页面连同样式和脚本压缩后不超过60 KB（照片除外），方便配置较低的手机和较慢的网络。", "A page-weight test checks that every page with its style sheet and script stays under 60 KB compressed (photos aside), for older phones and slow networks."),
    ("a11y.checked_note", "自动检查不能发现所有问题（例如一段说明是否容易理解），所以我们也欢迎您告诉我们遇到的困难。", "Automated checks cannot find everything (for instance whether a text is easy to understand), so we want to hear about any difficulty you meet."),
    ("a11y.limits_h", "已知的不足", "Known limits"),
    ("a11y.limit_map", "本平台没有地图：问题的位置通过选择区域和填写地址说明，也可以选填坐标或使用设备定位。", "There is no map: you say where a problem is by choosing the area and writing the address; coordinates or your device's location are optional."),
    ("a11y.limit_captcha", "本平台不使用图片或声音验证码，而是限制同一网络地址的提交频率；提交过于频繁时需要稍后再试。", "There is no picture or audio CAPTCHA; instead the number of submissions from one network address is limited, so after many in a row you may need to wait a little."),
    ("a11y.limit_photos", "居民上传的照片没有内容描述，读屏软件不会读出照片里的内容；问题以文字描述为准。", "Photos that residents attach carry no description of what they show, so a screen reader cannot tell their content; the written description is what counts."),
    ("a11y.limit_files", "可下载的表格（CSV、Excel）和日历文件在表格或日历软件中打开，不在上述检查范围内。", "Downloadable tables (CSV, Excel) and calendar files open in other programs and are not covered by the checks above."),
    ("a11y.limit_text", "居民和工作人员填写的标题和说明按原文显示，我们无法保证其通俗易懂。", "Titles and descriptions written by residents and staff are shown as written; we cannot make sure they are plain."),
    ("a11y.report_h", "反映无障碍问题", "Report a barrier"),
    ("a11y.report_help", "如果本平台有您无法使用的地方，请告诉我们在哪个页面、遇到了什么问题。反映将作为“本平台无障碍问题”直接交市政协办理；和其他反映一样，提交后您会得到查询码，可以凭码查询办理进度。也可以请家人或社区网格员代为填写。", "If part of this service does not work for you, tell us on which page and what happened. The report goes straight to the city's CPPCC as an \"accessibility barrier in this service\"; as with any report, you get a tracking code to follow its progress. Someone in your family or your grid worker may fill this in for you."),
    ("a11y.report_days", "办理时限：", "Time to resolve: "),
    ("a11y.report_days_unit", "个工作日。", " working days."),
    ("a11y.page", "遇到问题的页面", "The page where you met the barrier"),
    ("a11y.page_help", "填写页面地址（例如 /report）或页面名称；从其他页面进入本页时已自动填好。", "Its address (for example /report) or its name; filled in for you when you came here from another page."),
    ("a11y.description", "遇到了什么问题", "What got in your way"),
    ("a11y.description_help", "例如：读屏软件读不出按钮名称；放大后文字被遮挡；只用键盘无法提交。", "For example: a screen reader gives a button no name; text is cut off when zoomed; a form cannot be sent with the keyboard alone."),
    ("err.barrier.page", "请填写遇到问题的页面", "Say on which page you met the barrier"),
    ("err.barrier.page_length", "页面地址或名称不能超过200个字符", "The page's address or name has at most 200 characters"),
    ("a11y.checked_contrast", "对比度测试把链接、按钮、错误提示、标为有误的输入框和不可用的按钮分别置于悬停、聚焦和按下状态，检查文字对比度不低于4.5:1，焦点框和错误边框不低于3:1。", "A contrast test puts links, buttons, error messages, fields marked invalid and disabled buttons in their hover, focus and pressed states and checks text at 4.5:1 or more, focus rings and error borders at 3:1 or more."),
    ("a11y.checked_language", "语言测试检查每条界面文字都有简体中文、繁体中文和英文版本，英文页面的界面文字中没有中文，日期按界面语言书写。", "A language test checks that every interface text exists in Simplified Chinese, Traditional Chinese and English, that English pages have no Chinese in their own words, and that dates are written as each language writes them."),
    // --- issue 26: resident (keys added by that work go here) ---
    ("track.departments", "承办部门：", "Handled by: "),
    ("track.lead", "牵头", "lead"),
    ("track.due", "预计办结时间（按工作日计算）：", "Expected by (working days): "),
    ("track.progress", "办理进展", "Progress"),
    ("track.copy", "复制查询码", "Copy the code"),
    ("track.copied", "已复制", "Copied"),
    ("record.similar_help", "以下正在办理的事项可能是同一问题。若是，可把这位居民加为反映人，不必重复登记。", "These open concerns may be the same problem. If so, add this resident as a reporter instead of recording it again."),
    ("record.same", "是同一问题，加为反映人", "Same problem: add as a reporter"),
    ("record.joined", "已把这位居民加为该事项的反映人。居民自己的查询码：", "The resident was added as a reporter. Their own tracking code:"),
    ("report.area_choose", "请选择所在街道或社区", "Choose your street or community"),
    ("report.area_hint", "选街道即可；知道网格的也可以选网格。", "The street is enough; choose the grid if you know it."),
    ("report.area_grids", "网格", "grids"),
    ("report.located", "已记录您的位置。", "Your location was recorded."),
    ("report.photos_kept", "已保留您选的照片，无需重新选择。照片数：", "The photos you chose are kept; no need to choose them again. Photos: "),
    ("track.merged_state", "此事项已与反映同一问题的事项合并办理，当前进展：", "This concern is handled together with others about the same problem. Progress: "),
    ("err.not_awaiting_feedback", "此事项现在不需要评价。", "This concern is not waiting for feedback now."),
    ("err.feedback_given", "您已评价过这次办理结果。", "You have already rated this result."),
    // --- issue 26: staff and roles (keys added by that work go here) ---
    ("my.recorded", "我记录的诉求", "Concerns I recorded"),
    ("err.confirm_merge", "并案不可撤销：请勾选确认后再提交。", "Merging cannot be undone: tick the box to confirm."),
    ("err.confirm_resolve", "办结前请勾选确认办理结果。", "Tick the box to confirm the result before resolving."),
    ("concerns.confirm_merge", "并案后不可撤销，我已核对两件诉求为同一问题", "Merging cannot be undone; I have checked both are the same problem"),
    ("concerns.confirm_resolve", "办结时勾选：办理结果已核实，将请居民评价", "When resolving, tick: the result is checked and residents will be asked to rate it"),
    ("concerns.convert_do", "转为提案线索或社情民意", "Convert to a proposal lead or opinion report"),
    ("concerns.address", "详细地址", "Address"),
    ("concerns.paired_area", "本区域包联委员", "Members paired with this area"),
    ("concerns.paired_none", "暂无包联委员", "No paired members yet"),
    ("today.title", "今日待办", "To do today"),
    ("nav.unread", "未读", "unread"),
    ("event.urge", "督办", "Urged"),
    ("event.instruct", "批示", "Instruction"),
    ("notify.urged", "领导督办", "Urged by a leader"),
    ("notify.instructed", "领导批示", "A leader's instruction"),
    ("concerns.supervise", "督办与批示", "Urge or instruct"),
    ("concerns.supervise_note", "督办意见或批示内容", "What you ask or instruct"),
    ("action.urge", "督办", "Urge"),
    ("action.instruct", "批示", "Instruct"),
    ("today.new", "新诉求待受理", "New concerns to triage"),
    ("today.reopened", "重新办理待交办", "Reopened concerns to assign again"),
    ("today.resolved", "已办结待居民评价", "Resolved, awaiting residents' verdict"),
    ("today.overdue", "已超期", "Overdue"),
    ("today.assigned", "交办给本部门", "Assigned to my department"),
    ("today.due_week", "本周到期", "Due this week"),
    ("today.followed", "包联区域在办诉求", "Open concerns in my paired grids"),
    ("today.recorded_open", "我记录的在办诉求", "Open concerns I recorded"),
    ("later.committee", "提案审查立案功能上线后，您将在这里审查待立案的提案。", "Once proposal review is built, you will review filed proposals here."),
    ("later.teacher", "模拟政协功能上线后，您将在这里指导学生社团的选题、调研和模拟协商。", "Once the mock CPPCC is built, you will guide the society's topics, research and mock consultations here."),
    ("later.student", "模拟政协功能上线后，您将在这里参与选题、调研并撰写模拟提案。", "Once the mock CPPCC is built, you will choose topics, research and write mock proposals here."),
    ("today.escalated", "已升级督办", "Escalated"),
    ("today.shifts", "我的近期坐班", "My coming shifts"),
    ("today.no_shifts", "近期没有排班。", "No shifts coming up."),
    ("today.duty_link", "我的坐班", "My duty"),
    ("concerns.filter.overdue", "超期未办结的诉求", "Overdue concerns"),
    ("concerns.filter.escalated", "已升级督办的诉求", "Escalated concerns"),
    // --- issue 26: duty (keys added by that work go here) ---
    ("rota.existing", "已排的班次", "Shifts already planned"),
    ("rota.keep", "保留已排班次，只补排空缺的日期", "Keep them; fill only the days still open"),
    ("rota.reshuffle", "重新轮排（已签到的班次保留）", "Plan afresh (shifts checked in to stay)"),
    ("rota.preview", "预览变更", "Preview the changes"),
    ("rota.preview_title", "值班表变更预览", "What the new rota changes"),
    ("rota.kept", "保留", "Kept"),
    ("rota.removed", "撤销", "Removed"),
    ("rota.added", "新增", "Added"),
    ("rota.change", "变更", "Change"),
    ("rota.nothing", "没有需要变更的班次。", "Nothing to change."),
    ("rota.apply", "确认应用", "Apply"),
    ("rota.cancel", "取消", "Cancel"),
    ("reception.outside", "班外接待", "Outside a shift"),
    ("grade.pending", "年末评定", "Graded at the year's end"),
    ("duty.ics", "把我的坐班加入手机日历（ICS）", "Add my shifts to my calendar (ICS)"),
    ("duty.ics_summary", "坐班", "duty shift"),
    ("score.judging", "未满一年时的评定", "Judging a year that is not over"),
    ("score.judging_legend", "年度未结束时", "Before the year is over"),
    ("score.judge_pro_rata", "按已过去的时间折算最低要求和等级分数线", "Minimums and grade thresholds in proportion to the part of the year gone by"),
    ("score.judge_year_end", "年末前不评定等级、不提示最低要求", "No grade and no minimum warnings before the year's end"),
    ("score.year_share", "本年已过去", "Share of the year gone by:"),
    ("reception.outside_note", "今天没有您的值班：这次接待将记为班外接待。", "You have no shift today: this reception is logged as outside a shift."),
    // --- issue 26: language (keys added by that work go here) ---
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

/// The catalog's entries by key: a page looks up dozens of texts, and a walk
/// through five hundred entries for each showed in profiles.
fn entries() -> &'static HashMap<&'static str, &'static (&'static str, &'static str, &'static str)>
{
    static BY_KEY: OnceLock<HashMap<&'static str, &'static (&str, &str, &str)>> = OnceLock::new();
    BY_KEY.get_or_init(|| CATALOG.iter().map(|e| (e.0, e)).collect())
}

/// Looks up interface text; an unknown key shows itself, so a gap is visible.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let Some((k, zh, en)) = entries().get(key).copied() else {
        return "?";
    };
    match lang {
        Lang::ZhCn => zh,
        Lang::En => en,
        Lang::ZhTw => traditional().get(k).copied().unwrap_or(zh),
    }
}

/// A compiled zh-CN label (a category's name) in the language's script: zh-TW
/// converted once and kept, as the catalog is.
pub fn static_label(lang: Lang, zh: &'static str) -> &'static str {
    if lang != Lang::ZhTw {
        return zh;
    }
    static TW: OnceLock<std::sync::Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let cache = TW.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(zh)
        .or_insert_with(|| Box::leak(xieshang_text::to_traditional_tw(zh).into_boxed_str()))
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

    /// A label that comes from data rather than the catalog (a unit's name, a
    /// department's): converted to traditional characters in zh-TW, as the
    /// catalog is, and unchanged otherwise. Free text that people wrote (a
    /// concern's title, a note, a person's name) is shown as written.
    pub fn label<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        if self.lang == Lang::ZhTw {
            std::borrow::Cow::Owned(xieshang_text::to_traditional_tw(text))
        } else {
            std::borrow::Cow::Borrowed(text)
        }
    }

    /// Punctuation between the interface's words: full-width in Chinese,
    /// ASCII in English (issue 26: no 「Area：」 in English).
    fn punct(&self, zh: &'static str, en: &'static str) -> &'static str {
        if self.lang == Lang::En {
            en
        } else {
            zh
        }
    }

    /// After a label: 「：」 or ": ".
    pub fn colon(&self) -> &'static str {
        self.punct("：", ": ")
    }

    /// Opens an aside: 「（」 or " (".
    pub fn open(&self) -> &'static str {
        self.punct("（", " (")
    }

    /// Closes an aside: 「）」 or ")".
    pub fn close(&self) -> &'static str {
        self.punct("）", ")")
    }

    /// Between items of a list: 「、」 or ", ".
    pub fn list_sep(&self) -> &'static str {
        self.punct("、", ", ")
    }

    /// Between clauses: 「，」 or ", ".
    pub fn comma(&self) -> &'static str {
        self.punct("，", ", ")
    }

    /// Between sentences or notes: 「；」 or "; ".
    pub fn semicolon(&self) -> &'static str {
        self.punct("；", "; ")
    }

    /// Ends a sentence: 「。」 or ".".
    pub fn stop(&self) -> &'static str {
        self.punct("。", ".")
    }
}

/// The catalog's own copy of a key, if the key exists (for keys that arrive in a URL).
pub fn known(key: &str) -> Option<&'static str> {
    entries().get(key).map(|(k, _, _)| *k)
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

    /// Han characters (the unified block and extension A) and CJK punctuation,
    /// full-width forms and the curly quotes Chinese text uses.
    fn not_english(c: char) -> bool {
        matches!(c,
            '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{3000}'..='\u{303F}'
            | '\u{FF00}'..='\u{FFEF}' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}'
            | '\u{2026}')
    }

    /// Issue 27 point 6: every key has its three texts; English is written in
    /// English with ASCII punctuation; zh-TW is a real conversion wherever the
    /// zh-CN text has a character that converts.
    #[test]
    fn every_key_has_three_languages() {
        let mut faults = Vec::new();
        let mut converted = 0;
        for (k, zh, en) in CATALOG {
            let tw = text(Lang::ZhTw, k);
            for (lang, t) in [("zh-CN", *zh), ("zh-TW", tw), ("en", *en)] {
                if t.trim().is_empty() {
                    faults.push(format!("{k}: no {lang} text"));
                }
            }
            let odd: String = en.chars().filter(|c| not_english(*c)).collect();
            if !odd.is_empty() {
                faults.push(format!("{k}: the English text has {odd:?}: {en}"));
            }
            let converts = zh
                .chars()
                .any(|c| xieshang_text::to_traditional_tw(&c.to_string()) != c.to_string());
            if converts {
                converted += 1;
                if tw == *zh {
                    faults.push(format!("{k}: zh-TW is the zh-CN text unconverted: {zh}"));
                }
            }
        }
        assert!(faults.is_empty(), "{}", faults.join("\n"));
        assert!(
            converted > 100,
            "most texts have characters that convert: {converted}"
        );
        // The check bites: an English text with a Chinese colon is caught.
        assert!("Area：".chars().any(not_english) && "“barrier”".chars().any(not_english));
        assert!(!"Area: 200 % (e.g. /report)".chars().any(not_english));
    }
}
