//! The fixed labels of notifications (src/notify/). Re-exported from [`super::labels`].

use super::Label;

pub const NOTIFY_TEST_TITLE: Label = Label {
    zh: "qcc-credit：测试消息（通知渠道配置正确）",
    en: "qcc-credit: test message (the channel is set up)",
};
pub const NOTIFY_QUIET_TITLE: Label = Label {
    zh: "qcc-credit：今日筛查完成，无新增提醒",
    en: "qcc-credit: screening done, no new alerts",
};
pub const NOTIFY_RUN: Label = Label {
    zh: "运行",
    en: "run",
};
pub const NOTIFY_LIST: Label = Label {
    zh: "清单 ",
    en: "list ",
};
pub const NOTIFY_REPORT: Label = Label {
    zh: "报告：",
    en: "report: ",
};
pub const NOTIFY_NEXT: Label = Label {
    zh: "处置：qcc-credit review --list --open 查看待处置提醒",
    en: "next: qcc-credit review --list --open shows the alerts waiting for a decision",
};
pub const NOTIFY_TROUBLE: Label = Label {
    zh: "运行异常",
    en: "Operational problems",
};
pub const NOTIFY_ALERTS: Label = Label {
    zh: "新增提醒",
    en: "New alerts",
};
