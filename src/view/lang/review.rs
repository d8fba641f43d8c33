//! The fixed labels of the review: alert states, the workbook's review columns, `review --list`,
//! the evidence page. Re-exported from [`super::labels`].

use super::{Label, Lang};

impl Lang {
    /// `报告已写入 report.html`.
    pub fn report_written(self, path: &str) -> String {
        match self {
            Lang::Zh => format!("报告已写入 {path}"),
            Lang::En => format!("report written to {path}"),
        }
    }

    /// What `evidence` says it wrote.
    pub fn evidence_written(
        self,
        who: &str,
        path: &str,
        (screenings, calls, decisions): (usize, usize, usize),
    ) -> String {
        match self {
            Lang::Zh => format!(
                "{who} 的核查证据已写入 {path}：{screenings} 次筛查，{calls} 次调用，{decisions} 条处置"
            ),
            Lang::En => format!(
                "evidence for {who} written to {path}: {screenings} screening(s), {calls} call(s), {decisions} decision(s)"
            ),
        }
    }

    /// The other rows a selector matched.
    pub fn evidence_other_rows(self, rows: &str) -> String {
        match self {
            Lang::Zh => format!("  清单中还有其他行匹配（数据行 {rows}）：用 --row N 指定"),
            Lang::En => format!(
                "  the list has more rows that match (data rows {rows}): `--row N` picks one"
            ),
        }
    }

    /// What `audit --out` wrote.
    pub fn audit_written(self, path: &str, n: [usize; 4]) -> String {
        let [runs, calls, alerts, decisions] = n;
        match self {
            Lang::Zh => format!(
                "审计记录已写入 {path}：{runs} 次运行，{calls} 次调用，{alerts} 条提醒，{decisions} 条处置"
            ),
            Lang::En => format!(
                "audit written to {path}: {runs} runs, {calls} calls, {alerts} alerts, {decisions} decisions"
            ),
        }
    }

    /// What `review` says after recording a decision.
    #[allow(clippy::too_many_arguments)]
    pub fn decision_recorded(
        self,
        id: i64,
        supplier: &str,
        row: u64,
        key: &str,
        verdict: &str,
        by: &str,
        note: &str,
        reasons: &str,
    ) -> String {
        match self {
            Lang::Zh => format!(
                "已记录处置 #{id}：{supplier}（表格第{row}行，{key}）{verdict}，处置人 {by}：{note}\n  针对：{reasons}"
            ),
            Lang::En => format!(
                "decision #{id} recorded: {supplier} (row {row}, {key}) {verdict} by {by}: {note}\n  on: {reasons}"
            ),
        }
    }
}

pub const REVIEW_OPEN: Label = Label {
    zh: "待处置",
    en: "open",
};
pub const REVIEW_NEW_PUNISHMENT: Label = Label {
    zh: "新处罚 ",
    en: "new punishment ",
};
pub const REVIEW_NEW_CANCELLATION: Label = Label {
    zh: "新注销 ",
    en: "new cancellation ",
};
pub const REVIEW_NEW_WORSE_CHANGE: Label = Label {
    zh: "又一次变差",
    en: "a further change for the worse",
};
pub const REVIEW_STATE: Label = Label {
    zh: "处置状态",
    en: "review state",
};
pub const REVIEW_DECISION: Label = Label {
    zh: "处置结论",
    en: "decision",
};
pub const REVIEW_NOTE: Label = Label {
    zh: "处置说明",
    en: "note",
};
pub const REVIEW_BY: Label = Label {
    zh: "处置人",
    en: "decided by",
};
pub const REVIEW_AT: Label = Label {
    zh: "处置时间",
    en: "decided at",
};
pub const REVIEW_CHECK_CODE: Label = Label {
    zh: "核对码",
    en: "check code",
};
pub const REVIEW_SUPPLIER: Label = Label {
    zh: "供应商",
    en: "supplier",
};
pub const REVIEW_REASONS: Label = Label {
    zh: "关注原因",
    en: "reasons",
};
pub const REVIEW_DECIDED_SECTION: Label = Label {
    zh: "已处置",
    en: "Decided",
};

// The audit export (src/export/audit.rs): the kind of each record.
pub const AUDIT_RUN: Label = Label {
    zh: "运行",
    en: "run",
};
pub const AUDIT_CALL: Label = Label {
    zh: "调用",
    en: "call",
};
pub const AUDIT_ALERT: Label = Label {
    zh: "提醒",
    en: "alert",
};
pub const AUDIT_DECISION: Label = Label {
    zh: "处置",
    en: "decision",
};

// The evidence page (src/report/evidence.rs).
pub const EVIDENCE_TITLE: Label = Label {
    zh: "供应商核查证据",
    en: "Supplier screening evidence",
};
pub const EVIDENCE_SUPPLIER: Label = Label {
    zh: "供应商信息（清单原文）",
    en: "The supplier as the list shows it",
};
pub const EVIDENCE_LIST: Label = Label {
    zh: "清单",
    en: "List",
};
pub const EVIDENCE_QUERY: Label = Label {
    zh: "查询方式",
    en: "How it was queried",
};
pub const EVIDENCE_CELL_AS_READ: Label = Label {
    zh: "单元格原文",
    en: "cell as read",
};
pub const EVIDENCE_CURRENT: Label = Label {
    zh: "当前结论",
    en: "Current finding",
};
pub const EVIDENCE_SCREENINGS: Label = Label {
    zh: "历次筛查",
    en: "Screenings",
};
pub const EVIDENCE_CALLS: Label = Label {
    zh: "接口调用记录（订单号为接口原文）",
    en: "Calls (OrderNumber as the vendor wrote it)",
};
pub const EVIDENCE_REGISTRATIONS: Label = Label {
    zh: "海关注册信息（接口原文）",
    en: "Customs registrations (as the vendor gave them)",
};
pub const EVIDENCE_PUNISHMENTS: Label = Label {
    zh: "海关处罚（接口原文）",
    en: "Customs punishments (as the vendor gave them)",
};
pub const EVIDENCE_REVIEW: Label = Label {
    zh: "提醒与处置记录",
    en: "Alerts and decisions",
};
pub const EVIDENCE_NONE: Label = Label {
    zh: "无",
    en: "none",
};
pub const EVIDENCE_TIME: Label = Label {
    zh: "时间",
    en: "time",
};
pub const EVIDENCE_RUN: Label = Label {
    zh: "运行",
    en: "run",
};
pub const EVIDENCE_PAGE: Label = Label {
    zh: "页码",
    en: "page",
};
pub const EVIDENCE_HTTP: Label = Label {
    zh: "HTTP状态",
    en: "HTTP",
};
pub const EVIDENCE_VENDOR_STATUS: Label = Label {
    zh: "接口状态码",
    en: "vendor status",
};
pub const EVIDENCE_ORDER_NUMBER: Label = Label {
    zh: "订单号（OrderNumber）",
    en: "OrderNumber",
};
pub const EVIDENCE_BILLED: Label = Label {
    zh: "计费",
    en: "billed",
};
pub const EVIDENCE_RESULT: Label = Label {
    zh: "结果",
    en: "result",
};
pub const EVIDENCE_LEVEL: Label = Label {
    zh: "信用等级",
    en: "credit level",
};
pub const EVIDENCE_REGISTRATION_COUNT: Label = Label {
    zh: "注册数",
    en: "registrations",
};
pub const EVIDENCE_OTHER_FIELDS: Label = Label {
    zh: "其他字段",
    en: "other fields",
};
pub const EVIDENCE_EVENT: Label = Label {
    zh: "事项",
    en: "event",
};
pub const EVIDENCE_ALERT_OPENED: Label = Label {
    zh: "提醒",
    en: "alert opened",
};
pub const EVIDENCE_NO_ALERT: Label = Label {
    zh: "无需关注",
    en: "needs no attention",
};
pub const EVIDENCE_SOURCE: Label = Label {
    zh: "来源",
    en: "source",
};
pub const EVIDENCE_FOOTER: Label = Label {
    zh: "本页由 qcc-credit 依据本地数据库生成；接口答复及订单号均为供应商接口原文。",
    en: "Generated by qcc-credit from its database; vendor answers and OrderNumbers are as the vendor wrote them.",
};
pub const EVIDENCE_DATABASE: Label = Label {
    zh: "数据库",
    en: "database",
};
pub const EVIDENCE_NOT_SCREENED: Label = Label {
    zh: "尚未查询",
    en: "not screened yet",
};

/// The vendor's record fields the evidence page shows as columns, with what people call them;
/// any other field is shown as the vendor named it.
pub const VENDOR_RECORD_FIELDS: [(&str, Label); 8] = [
    (
        "RegNo",
        Label {
            zh: "海关注册编码",
            en: "registration no.",
        },
    ),
    (
        "RegGov",
        Label {
            zh: "注册海关",
            en: "customs office",
        },
    ),
    (
        "TradeType",
        Label {
            zh: "经营类别",
            en: "trade type",
        },
    ),
    (
        "RegDate",
        Label {
            zh: "注册日期",
            en: "registered",
        },
    ),
    (
        "IdentifyLevel",
        Label {
            zh: "信用等级",
            en: "credit level",
        },
    ),
    (
        "IdentifyDate",
        Label {
            zh: "认定时间",
            en: "rated on",
        },
    ),
    (
        "CancelFlag",
        Label {
            zh: "注销标志",
            en: "cancelled",
        },
    ),
    (
        "AnnualStatus",
        Label {
            zh: "年报状态",
            en: "annual report",
        },
    ),
];

/// The vendor's punishment fields the evidence page shows as columns.
pub const VENDOR_PUNISHMENT_FIELDS: [(&str, Label); 5] = [
    (
        "PunishDate",
        Label {
            zh: "处罚日期",
            en: "date",
        },
    ),
    (
        "DecisionNo",
        Label {
            zh: "决定书文号",
            en: "decision no.",
        },
    ),
    (
        "CaseProp",
        Label {
            zh: "案件性质",
            en: "case",
        },
    ),
    (
        "Party",
        Label {
            zh: "当事人",
            en: "party",
        },
    ),
    (
        "No",
        Label {
            zh: "序号",
            en: "no.",
        },
    ),
];
