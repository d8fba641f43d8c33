//! Every fixed label the report, the workbook and the reasons show, in both languages, read
//! with [`super::Lang::of`]. Labels built from values (counts, dates, change kinds) are the
//! functions of [`super::Lang`].

use super::Label;

pub use super::notify::*;
pub use super::report::*;
pub use super::review::*;

// The report page (src/report/page.rs).
pub const REPORT_CUSTOMS_CREDIT_SCREENING_REPORT: Label = Label {
    zh: "海关进出口信用核查报告",
    en: "Customs credit screening report",
};
pub const REPORT_SUPPLIER_LIST: Label = Label {
    zh: "供应商清单：",
    en: "Supplier list:",
};
pub const REPORT_GENERATED: Label = Label {
    zh: "生成于",
    en: "generated",
};
pub const REPORT_DISTINCT_SUPPLIERS: Label = Label {
    zh: "家供应商（去重后）",
    en: "distinct suppliers",
};
pub const REPORT_NEEDS_ATTENTION: Label = Label {
    zh: "需关注供应商",
    en: "Needs attention",
};
pub const REPORT_CREDIT_LEVEL_PREVIOUS_CURRENT: Label = Label {
    zh: "信用等级（上次 → 本次）",
    en: "credit level (previous → current)",
};
pub const REPORT_REGISTRATIONS_CANCELLED: Label = Label {
    zh: "已注销注册",
    en: "registrations cancelled",
};
pub const REPORT_PUNISHMENTS: Label = Label {
    zh: "处罚次数#",
    en: "punishments#",
};
pub const REPORT_LATEST_PUNISHMENT: Label = Label {
    zh: "最近处罚日期",
    en: "latest punishment",
};
pub const REPORT_REASON: Label = Label {
    zh: "原因",
    en: "reason",
};
pub const REPORT_TOTALS: Label = Label {
    zh: "总览",
    en: "Totals",
};
pub const REPORT_STATE: Label = Label {
    zh: "状态",
    en: "state",
};
pub const REPORT_SUPPLIERS: Label = Label {
    zh: "供应商",
    en: "suppliers",
};
pub const REPORT_BY_CREDIT_LEVEL_WORST_REGISTRATION: Label = Label {
    zh: "按信用等级（最差的一个注册）",
    en: "By credit level (worst registration)",
};
pub const REPORT_BY_CREDIT_LEVEL: Label = Label {
    zh: "按信用等级",
    en: "by credit level",
};
pub const REPORT_WHY_SUPPLIERS_NEED_ATTENTION: Label = Label {
    zh: "需关注原因",
    en: "Why suppliers need attention",
};
pub const REPORT_WHY_SUPPLIERS_NEED_ATTENTION_2: Label = Label {
    zh: "需关注原因",
    en: "why suppliers need attention",
};
pub const REPORT_DATE: Label = Label {
    zh: "处罚日期",
    en: "date",
};
pub const REPORT_SUPPLIER: Label = Label {
    zh: "供应商",
    en: "supplier",
};
pub const REPORT_CREDIT_LEVEL: Label = Label {
    zh: "信用等级",
    en: "credit level",
};
pub const REPORT_CUSTOMS_REG_NO: Label = Label {
    zh: "海关注册编码",
    en: "customs reg. no.",
};
pub const REPORT_DECISION_NO: Label = Label {
    zh: "决定书文号",
    en: "decision no.",
};
pub const REPORT_CASE: Label = Label {
    zh: "案件性质",
    en: "case",
};
pub const REPORT_INVALID_CODES_TO_FIX_IN_THE: Label = Label {
    zh: "需在供应商清单中更正的代码",
    en: "Invalid codes to fix in the supplier master",
};
pub const REPORT_ROW: Label = Label {
    zh: "数据行#",
    en: "row#",
};
pub const REPORT_CELL: Label = Label {
    zh: "单元格",
    en: "cell",
};
pub const REPORT_WHY: Label = Label {
    zh: "原因",
    en: "why",
};
pub const REPORT_CHANGES_FOUND_BY_THE_LATEST_RUN: Label = Label {
    zh: "最近一次运行发现的变化",
    en: "Changes found by the latest run",
};
pub const REPORT_DETECTED: Label = Label {
    zh: "发现时间",
    en: "detected",
};
pub const REPORT_CHANGE: Label = Label {
    zh: "变化",
    en: "change",
};
pub const REPORT_WAS: Label = Label {
    zh: "原值",
    en: "was",
};
pub const REPORT_NOW: Label = Label {
    zh: "现值",
    en: "now",
};
pub const REPORT_SCREENED: Label = Label {
    zh: "两次筛查",
    en: "screened",
};
pub const REPORT_ALL_SUPPLIERS: Label = Label {
    zh: "全部供应商",
    en: "All suppliers",
};
pub const REPORT_FILTER: Label = Label {
    zh: "筛选：",
    en: "Filter:",
};
pub const REPORT_NEEDS_ATTENTION_ONLY: Label = Label {
    zh: "只看需关注",
    en: "needs attention only",
};
pub const REPORT_CLICK_A_HEADER_TO_SORT: Label = Label {
    zh: "点击表头排序",
    en: "click a header to sort",
};
pub const REPORT_STATE_2: Label = Label {
    zh: "查询状态",
    en: "state",
};
pub const REPORT_CHECKED: Label = Label {
    zh: "查询时间",
    en: "checked",
};
pub const REPORT_COST: Label = Label {
    zh: "费用",
    en: "Cost",
};
pub const REPORT_RUN: Label = Label {
    zh: "运行",
    en: "run",
};
pub const REPORT_STARTED: Label = Label {
    zh: "开始时间",
    en: "started",
};
pub const REPORT_CALLS: Label = Label {
    zh: "调用#",
    en: "calls#",
};
pub const REPORT_BILLED_ANSWERS: Label = Label {
    zh: "计费调用#",
    en: "billed calls#",
};
pub const REPORT_EXIT: Label = Label {
    zh: "退出码",
    en: "exit",
};

// The report's supplier rows (src/report/rows.rs).
pub const REPORT_ROW_DETAILS: Label = Label {
    zh: "详情",
    en: "details",
};
pub const REPORT_ROW_CUSTOMS_REG_NO: Label = Label {
    zh: "海关注册编码",
    en: "customs reg. no.",
};
pub const REPORT_ROW_CUSTOMS_OFFICE: Label = Label {
    zh: "注册海关",
    en: "customs office",
};
pub const REPORT_ROW_TRADE_TYPE: Label = Label {
    zh: "经营类别",
    en: "trade type",
};
pub const REPORT_ROW_CREDIT_LEVEL: Label = Label {
    zh: "信用等级",
    en: "credit level",
};
pub const REPORT_ROW_RATED_ON: Label = Label {
    zh: "认定时间",
    en: "rated on",
};
pub const REPORT_ROW_CANCELLED: Label = Label {
    zh: "注销标志",
    en: "cancelled",
};
pub const REPORT_ROW_DATE: Label = Label {
    zh: "处罚日期",
    en: "date",
};
pub const REPORT_ROW_DECISION_NO: Label = Label {
    zh: "决定书文号",
    en: "decision no.",
};
pub const REPORT_ROW_CASE: Label = Label {
    zh: "案件性质",
    en: "case",
};
pub const REPORT_ROW_PARTY: Label = Label {
    zh: "当事人",
    en: "party",
};
pub const REPORT_ROW_SCREENINGS: Label = Label {
    zh: "历次筛查：",
    en: "Screenings: ",
};

// The workbook (src/export/xlsx.rs).
pub const SHEET_DATA_ROW: Label = Label {
    zh: "数据行",
    en: "data row",
};
pub const SHEET_SHEET_ROW: Label = Label {
    zh: "表格行号",
    en: "sheet row",
};
pub const SHEET_STATE: Label = Label {
    zh: "查询状态",
    en: "state",
};
pub const SHEET_CREDIT_LEVEL: Label = Label {
    zh: "信用等级",
    en: "credit level",
};
pub const SHEET_PREVIOUS_CURRENT: Label = Label {
    zh: "较上次",
    en: "previous → current",
};
pub const SHEET_RATED_ON: Label = Label {
    zh: "认定时间",
    en: "rated on",
};
pub const SHEET_CUSTOMS_OFFICE: Label = Label {
    zh: "注册海关",
    en: "customs office",
};
pub const SHEET_REGISTRATIONS: Label = Label {
    zh: "注册数",
    en: "registrations",
};
pub const SHEET_CANCELLED: Label = Label {
    zh: "已注销注册数",
    en: "cancelled",
};
pub const SHEET_PUNISHMENTS: Label = Label {
    zh: "处罚次数",
    en: "punishments",
};
pub const SHEET_LATEST_PUNISHMENT: Label = Label {
    zh: "最近处罚日期",
    en: "latest punishment",
};
pub const SHEET_NEEDS_ATTENTION_BECAUSE: Label = Label {
    zh: "需关注原因",
    en: "needs attention because",
};
pub const SHEET_CHECKED: Label = Label {
    zh: "查询时间",
    en: "checked",
};
pub const SHEET_STATUS: Label = Label {
    zh: "状态码",
    en: "status",
};
pub const SHEET_VENDOR_MESSAGE: Label = Label {
    zh: "接口返回信息",
    en: "vendor message",
};
pub const SHEET_CREDIT_LEVEL_PREVIOUS_CURRENT: Label = Label {
    zh: "信用等级（上次 → 本次）",
    en: "credit level (previous → current)",
};
pub const SHEET_REGISTRATIONS_CANCELLED: Label = Label {
    zh: "已注销注册数",
    en: "registrations cancelled",
};
pub const SHEET_REASON: Label = Label {
    zh: "原因",
    en: "reason",
};
pub const SHEET_CUSTOMS_REG_NO: Label = Label {
    zh: "海关注册编码",
    en: "customs reg. no.",
};
pub const SHEET_DATE: Label = Label {
    zh: "处罚日期",
    en: "date",
};
pub const SHEET_DECISION_NO: Label = Label {
    zh: "决定书文号",
    en: "decision no.",
};
pub const SHEET_CASE: Label = Label {
    zh: "案件性质",
    en: "case",
};
pub const SHEET_PARTY: Label = Label {
    zh: "当事人",
    en: "party",
};
pub const SHEET_NEEDS_ATTENTION: Label = Label {
    zh: "需关注",
    en: "Needs attention",
};
pub const SHEET_RESULTS: Label = Label {
    zh: "筛查结果",
    en: "Results",
};
pub const SHEET_PUNISHMENTS_2: Label = Label {
    zh: "处罚记录",
    en: "Punishments",
};

// Why a supplier needs attention, as every output says it (src/view/mod.rs).
pub const REASON_SEPARATOR: Label = Label {
    zh: "；", en: "; "
};
pub const REASON_VENDOR_ANSWER_UNREADABLE_PARKED: Label = Label {
    zh: "接口答复无法读取，已暂停查询",
    en: "vendor answer unreadable, parked",
};
pub const REASON_VENDOR_ANSWER_INCONSISTENT_ONLY_THE_PAGES: Label = Label {
    zh: "接口答复前后不一致，仅保存已购页",
    en: "vendor answer inconsistent, only the pages bought are kept",
};
pub const REASON_SEPARATOR_2: Label = Label {
    zh: "：", en: ": "
};
pub const REASON_SINCE_THE_PREVIOUS_SCREENING: Label = Label {
    zh: "较上次筛查变差：",
    en: "worse since the previous screening: ",
};
pub const REASON_SEPARATOR_3: Label = Label {
    zh: "、", en: ", "
};
pub const REASON_ACTIVE: Label = Label {
    zh: "正常",
    en: "active",
};
pub const REASON_CANCELLED: Label = Label {
    zh: "注销",
    en: "cancelled",
};

// `changes` and the report's changes section when there is nothing to list.
pub const CHANGES_FIRST_SCREENING: Label = Label {
    zh: "首次筛查，暂无变化记录",
    en: "first screening: no changes recorded yet",
};
