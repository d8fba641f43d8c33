//! What a notification says: the alerts runs opened that are still open, and the operational
//! trouble of those runs (quota, vendor unreachable, credentials refused, a clock corrected, keys
//! deferred or failed), written for each channel within its size limit: the first alerts by
//! name, then "and K more", never an error.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::screen::{StopReason, Summary};
use crate::view::lang::labels;
use crate::view::{Lang, Zone};

/// Something about a run that an on-call engineer must hear of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trouble {
    /// The vendor's quota or billing stopped the run (102/109/112/116).
    Quota { code: String, message: String },
    /// `--max-calls` stopped the run.
    MaxCalls { limit: u64 },
    /// The vendor could not be reached.
    Unreachable { error: String },
    /// The vendor refused the credentials or the permission.
    Auth { code: String, message: String },
    /// The database could not be written.
    Storage { error: String },
    /// The run was interrupted.
    Interrupted,
    /// This machine's clock was off and `Timespan` was corrected.
    Clock { offset_secs: i64 },
    /// Keys the vendor asked to leave alone for two hours.
    Deferred { keys: u64 },
    /// Keys whose attempts ran out.
    Failed { keys: u64 },
    /// Keys whose answers could not be read twice.
    Parked { keys: u64 },
    /// The systemd service failed in a way the run could not report (`notify --failed-unit`).
    UnitFailed { unit: String },
}

impl Trouble {
    /// The trouble a run's summary shows.
    pub fn of(s: &Summary) -> Vec<Trouble> {
        let mut out = Vec::new();
        match &s.stop_reason {
            Some(StopReason::Quota { code, message }) => out.push(Trouble::Quota {
                code: code.clone(),
                message: message.clone(),
            }),
            Some(StopReason::MaxCalls(n)) => out.push(Trouble::MaxCalls { limit: *n }),
            Some(StopReason::Unreachable { error, .. }) => out.push(Trouble::Unreachable {
                error: error.clone(),
            }),
            Some(StopReason::Fatal { code, message }) => out.push(Trouble::Auth {
                code: code.clone(),
                message: message.clone(),
            }),
            Some(StopReason::Storage { error, .. }) => out.push(Trouble::Storage {
                error: error.clone(),
            }),
            Some(StopReason::Interrupted) => out.push(Trouble::Interrupted),
            None => {}
        }
        if let Some(offset_secs) = s.clock_offset_secs {
            out.push(Trouble::Clock { offset_secs });
        }
        let count = |state: &str| s.keys_by_state.get(state).copied().unwrap_or(0);
        if count("deferred") > 0 {
            out.push(Trouble::Deferred {
                keys: count("deferred"),
            });
        }
        if count("failed") > 0 {
            out.push(Trouble::Failed {
                keys: count("failed"),
            });
        }
        if count("parked") > 0 {
            out.push(Trouble::Parked {
                keys: count("parked"),
            });
        }
        out
    }

    /// The stable name (the webhook's `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Trouble::Quota { .. } => "quota",
            Trouble::MaxCalls { .. } => "max_calls",
            Trouble::Unreachable { .. } => "unreachable",
            Trouble::Auth { .. } => "auth",
            Trouble::Storage { .. } => "storage",
            Trouble::Interrupted => "interrupted",
            Trouble::Clock { .. } => "clock",
            Trouble::Deferred { .. } => "deferred",
            Trouble::Failed { .. } => "failed",
            Trouble::Parked { .. } => "parked",
            Trouble::UnitFailed { .. } => "unit_failed",
        }
    }

    /// One sentence, in the language people read.
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Trouble::Quota { code, message }, Lang::Zh) => format!(
                "接口配额已用完或计费受限（状态码{code}：{message}），运行已停止；配额恢复后运行同一命令即可继续"
            ),
            (Trouble::Quota { code, message }, Lang::En) => format!(
                "the vendor's quota or billing stopped the run (status {code}: {message}); run the same command again when the quota resets"
            ),
            (Trouble::MaxCalls { limit }, Lang::Zh) => {
                format!("达到本次调用上限 --max-calls {limit}，运行已停止；下次运行继续")
            }
            (Trouble::MaxCalls { limit }, Lang::En) => {
                format!("stopped at --max-calls {limit}; the next run goes on")
            }
            (Trouble::Unreachable { error }, Lang::Zh) => {
                format!("无法连接接口（{error}），运行已停止；请检查网络、代理与 --base-url")
            }
            (Trouble::Unreachable { error }, Lang::En) => format!(
                "the vendor could not be reached ({error}); check the network, proxy and --base-url"
            ),
            (Trouble::Auth { code, message }, Lang::Zh) => format!(
                "接口拒绝了密钥或权限（状态码{code}：{message}），运行已停止；请检查 QCC_KEY、QCC_SECRET_KEY 与本机时钟"
            ),
            (Trouble::Auth { code, message }, Lang::En) => format!(
                "the vendor refused the credentials or permission (status {code}: {message}); check QCC_KEY, QCC_SECRET_KEY and the clock"
            ),
            (Trouble::Storage { error }, Lang::Zh) => {
                format!("数据库无法写入（{error}），运行已停止；请释放磁盘空间后重新运行")
            }
            (Trouble::Storage { error }, Lang::En) => {
                format!("the database could not be written ({error}); free space and run again")
            }
            (Trouble::Interrupted, Lang::Zh) => {
                "运行被中断；已查询的结果均已保存，下次运行继续".into()
            }
            (Trouble::Interrupted, Lang::En) => {
                "the run was interrupted; everything answered is saved and the next run goes on"
                    .into()
            }
            (Trouble::Clock { offset_secs }, Lang::Zh) => format!(
                "本机时钟与接口相差{offset_secs}秒，本次已临时校正；请修复服务器时间同步（NTP）"
            ),
            (Trouble::Clock { offset_secs }, Lang::En) => format!(
                "this machine's clock is {offset_secs} s off the vendor's; corrected for the run, fix its time sync (NTP)"
            ),
            (Trouble::Deferred { keys }, Lang::Zh) => {
                format!("{keys}家供应商被接口要求暂停2小时，下次运行重查")
            }
            (Trouble::Deferred { keys }, Lang::En) => {
                format!("{keys} keys deferred by the vendor for two hours; the next run asks again")
            }
            (Trouble::Failed { keys }, Lang::Zh) => {
                format!("{keys}家供应商查询失败（重试已用尽），下次运行重查")
            }
            (Trouble::Failed { keys }, Lang::En) => {
                format!("{keys} keys failed (attempts ran out); the next run asks again")
            }
            (Trouble::Parked { keys }, Lang::Zh) => format!(
                "{keys}家供应商的接口答复两次无法读取，已暂停查询；查看 status 后用 run --retry-failed 重查"
            ),
            (Trouble::Parked { keys }, Lang::En) => format!(
                "{keys} keys parked (answers unreadable twice); see status, then run --retry-failed"
            ),
            (Trouble::UnitFailed { unit }, Lang::Zh) => format!(
                "服务 {unit} 运行失败（筛查前出错或进程异常退出）；请查看 journalctl -u {unit}"
            ),
            (Trouble::UnitFailed { unit }, Lang::En) => format!(
                "the service {unit} failed (an error before screening, or the process died); see journalctl -u {unit}"
            ),
        }
    }
}

/// The trouble of one run, with the run it came from.
#[derive(Debug, Clone)]
pub struct RunTrouble {
    pub run_id: i64,
    pub trouble: Trouble,
}

/// An alert as a message lists it.
#[derive(Debug, Clone, Serialize)]
pub struct AlertItem {
    /// Its most severe flag's place (the order of the list), not sent.
    #[serde(skip)]
    pub severity: usize,
    pub supplier_id: String,
    pub name: String,
    pub key: String,
    /// The row the sheet shows.
    pub row: u64,
    pub reasons: Vec<String>,
    pub flags: Vec<&'static str>,
    /// The run that opened it.
    pub run: Option<i64>,
}

/// The run a message is sent after.
#[derive(Debug, Clone, Serialize)]
pub struct RunBrief {
    pub id: Option<i64>,
    pub started_at: String,
    pub ended_at: String,
    pub exit_code: u8,
    pub exit_meaning: String,
    pub calls: u64,
    pub billed: u64,
    pub input: String,
    /// Alerts open now, this run's and earlier ones.
    pub alerts_open: u64,
}

/// Everything one message says.
pub struct Digest {
    pub lang: Lang,
    pub zone: Zone,
    pub run: RunBrief,
    /// The runs whose news it carries, oldest first.
    pub runs: Vec<i64>,
    pub alerts: Vec<AlertItem>,
    pub trouble: Vec<RunTrouble>,
    /// Where the report is.
    pub report: Option<String>,
    /// A test message (`notify --test`).
    pub test: bool,
}

/// Byte limits of the robots' messages (WeCom documents 4,096 bytes of markdown; DingTalk and
/// Feishu take about 20,000 and 30,000 bytes: we stay under both).
pub const WECOM_MAX_BYTES: usize = 4096;
pub const DINGTALK_MAX_BYTES: usize = 20_000;
pub const FEISHU_MAX_BYTES: usize = 20_000;
/// Alerts an email or the webhook lists by name at most.
pub const LONG_LIST: usize = 1000;

/// Markdown's special characters made plain; a cell's newlines become spaces.
pub fn md_plain(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' | '_' | '`' => ' ',
            '[' => '【',
            ']' => '】',
            '<' => '＜',
            '>' => '＞',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

impl Digest {
    /// The title line: `qcc-credit：新增3条供应商提醒，1项运行异常`.
    pub fn title(&self) -> String {
        let l = self.lang;
        if self.test {
            return l.of(labels::NOTIFY_TEST_TITLE).to_string();
        }
        let (a, t) = (self.alerts.len(), self.trouble.len());
        match (l, a, t) {
            (_, 0, 0) => l.of(labels::NOTIFY_QUIET_TITLE).to_string(),
            (Lang::Zh, a, 0) => format!("qcc-credit：新增{a}条供应商提醒"),
            (Lang::Zh, 0, t) => format!("qcc-credit：{t}项运行异常"),
            (Lang::Zh, a, t) => format!("qcc-credit：新增{a}条供应商提醒，{t}项运行异常"),
            (Lang::En, a, 0) => format!("qcc-credit: {a} new supplier alert(s)"),
            (Lang::En, 0, t) => format!("qcc-credit: {t} operational problem(s)"),
            (Lang::En, a, t) => {
                format!("qcc-credit: {a} new supplier alert(s), {t} operational problem(s)")
            }
        }
    }

    /// The run line: `运行 #12 · 2026-12-06 02:31 +08:00 · 清单 suppliers.xlsx · 当前待处置 87 条`.
    pub fn run_line(&self) -> String {
        let l = self.lang;
        let r = &self.run;
        let mut s = match r.id {
            Some(id) => format!(
                "{} #{id} · {}",
                l.of(labels::NOTIFY_RUN),
                self.zone.show(&r.ended_at)
            ),
            None => self.zone.now().format("%Y-%m-%d %H:%M %:z").to_string(),
        };
        if !r.input.is_empty() {
            s.push_str(&format!(" · {}{}", l.of(labels::NOTIFY_LIST), r.input));
        }
        if r.id.is_some() {
            s.push_str(&match l {
                Lang::Zh => format!(
                    " · 退出码{}（{}） · 当前待处置{}条",
                    r.exit_code, r.exit_meaning, r.alerts_open
                ),
                Lang::En => format!(
                    " · exit {} ({}) · {} alert(s) open",
                    r.exit_code, r.exit_meaning, r.alerts_open
                ),
            });
        }
        let earlier = self.runs.iter().filter(|x| Some(**x) != r.id).count();
        if earlier > 0 {
            s.push_str(&match l {
                Lang::Zh => format!("（含此前{earlier}次未送达的运行）"),
                Lang::En => format!(" (with {earlier} earlier run(s) not delivered before)"),
            });
        }
        s
    }

    /// One alert as a line of text.
    pub fn alert_line(&self, a: &AlertItem) -> String {
        let who = [a.supplier_id.as_str(), a.name.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let sep = self.lang.of(labels::REASON_SEPARATOR);
        format!("{who}（{}）：{}", a.key, a.reasons.join(sep))
    }

    /// `……还有12家未列出`.
    pub fn more_line(&self, n: usize) -> String {
        match self.lang {
            Lang::Zh => format!("……还有{n}家未列出"),
            Lang::En => format!("… and {n} more"),
        }
    }

    /// The closing lines: where the report is, and what to run next.
    pub fn tail(&self) -> Vec<String> {
        let l = self.lang;
        let mut out = Vec::new();
        if let Some(r) = &self.report {
            out.push(format!("{}{r}", l.of(labels::NOTIFY_REPORT)));
        }
        if !self.alerts.is_empty() {
            out.push(l.of(labels::NOTIFY_NEXT).to_string());
        }
        out
    }

    /// The trouble lines.
    pub fn trouble_lines(&self) -> Vec<String> {
        self.trouble
            .iter()
            .map(|t| {
                let text = t.trouble.text(self.lang);
                if t.run_id > 0 && Some(t.run_id) != self.run.id {
                    format!("#{} {text}", t.run_id)
                } else {
                    text
                }
            })
            .collect()
    }

    /// The message as markdown within `cap` bytes: the title, the run, the trouble, then as many
    /// alerts as fit (at most `max`), "and K more", and the closing lines.
    pub fn markdown(&self, cap: usize, max: usize) -> String {
        let l = self.lang;
        let mut head = format!(
            "**{}**\n{}\n",
            md_plain(&self.title()),
            md_plain(&self.run_line())
        );
        let trouble = self.trouble_lines();
        if !trouble.is_empty() {
            head.push_str(&format!("\n**{}**\n", l.of(labels::NOTIFY_TROUBLE)));
            for t in &trouble {
                head.push_str(&format!("- {}\n", md_plain(t)));
            }
        }
        if !self.alerts.is_empty() {
            head.push_str(&format!(
                "\n**{}（{}）**\n",
                l.of(labels::NOTIFY_ALERTS),
                self.alerts.len()
            ));
        }
        let items: Vec<String> = self
            .alerts
            .iter()
            .map(|a| format!("- {}\n", md_plain(&self.alert_line(a))))
            .collect();
        let tail: String = self
            .tail()
            .iter()
            .map(|t| format!("\n{}", md_plain(t)))
            .collect();
        fit(&head, &items, &tail, cap, max, |n| {
            format!("- {}\n", self.more_line(n))
        })
    }

    /// The message as plain text (email, Feishu), at most `max` alerts by name.
    pub fn plain(&self, cap: usize, max: usize) -> String {
        let l = self.lang;
        let mut head = format!("{}\n{}\n", self.title(), self.run_line());
        let trouble = self.trouble_lines();
        if !trouble.is_empty() {
            head.push_str(&format!("\n{}\n", l.of(labels::NOTIFY_TROUBLE)));
            for t in &trouble {
                head.push_str(&format!("· {t}\n"));
            }
        }
        if !self.alerts.is_empty() {
            head.push_str(&format!(
                "\n{}（{}）\n",
                l.of(labels::NOTIFY_ALERTS),
                self.alerts.len()
            ));
        }
        let items: Vec<String> = self
            .alerts
            .iter()
            .map(|a| format!("· {}\n", crate::telemetry::escape(&self.alert_line(a))))
            .collect();
        let tail: String = self.tail().iter().map(|t| format!("\n{t}")).collect();
        fit(&head, &items, &tail, cap, max, |n| {
            format!("· {}\n", self.more_line(n))
        })
    }

    /// The generic webhook's JSON: `{"run": {...}, "alerts": [...], "trouble": [...]}`.
    pub fn json(&self) -> Value {
        let listed = self.alerts.len().min(LONG_LIST * 10);
        json!({
            "test": self.test,
            "title": self.title(),
            "run": self.run,
            "runs": self.runs,
            "alerts": self.alerts[..listed],
            "alerts_not_listed": self.alerts.len() - listed,
            "trouble": self.trouble.iter().map(|t| json!({
                "run": t.run_id, "kind": t.trouble.kind(), "detail": t.trouble,
                "text": t.trouble.text(self.lang),
            })).collect::<Vec<_>>(),
            "report": self.report,
        })
    }
}

/// `head`, then the items that fit within `cap` bytes (at most `max`), then `more(K)` for the
/// K left out, then `tail`. Never over `cap`: a head alone too long is cut at a character.
pub fn fit(
    head: &str,
    items: &[String],
    tail: &str,
    cap: usize,
    max: usize,
    more: impl Fn(usize) -> String,
) -> String {
    let mut out = head.to_string();
    let mut listed = 0;
    for (i, item) in items.iter().enumerate().take(max) {
        let left_after = items.len() - i - 1;
        let reserve = if left_after > 0 {
            more(left_after).len()
        } else {
            0
        } + tail.len();
        if out.len() + item.len() + reserve > cap {
            break;
        }
        out.push_str(item);
        listed += 1;
    }
    if listed < items.len() {
        out.push_str(&more(items.len() - listed));
    }
    out.push_str(tail);
    if out.len() > cap {
        let mut end = cap;
        while !out.is_char_boundary(end) {
            end -= 1;
        }
        out.truncate(end);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_is_cut_with_and_k_more_within_the_cap() {
        let items: Vec<String> = (0..500)
            .map(|i| {
                format!("- S{i:05} 某某国际贸易有限公司（91350100M000100Y43）：严重失信企业\n")
            })
            .collect();
        let text = fit(
            "**标题**\n",
            &items,
            "\n报告：/var/report.html",
            4096,
            1000,
            |n| format!("- ……还有{n}家未列出\n"),
        );
        assert!(text.len() <= 4096, "{}", text.len());
        let listed = text.matches("某某国际贸易").count();
        assert!(listed > 30 && listed < 500, "{listed}");
        assert!(
            text.contains(&format!("还有{}家未列出", 500 - listed)),
            "{text}"
        );
        assert!(text.ends_with("报告：/var/report.html"));
        // At most `max` by name, even when more would fit.
        let text = fit("h\n", &items, "", 100_000, 3, |n| format!("+{n}\n"));
        assert_eq!(text.matches("某某国际贸易").count(), 3);
        assert!(text.contains("+497"));
    }

    #[test]
    fn trouble_reads_in_both_languages() {
        let t = Trouble::Quota {
            code: "116".into(),
            message: "【有效请求】今日额度已用完".into(),
        };
        assert!(t.text(Lang::Zh).starts_with("接口配额已用完"));
        assert!(t.text(Lang::En).contains("status 116"));
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["kind"], "quota");
        assert_eq!(serde_json::from_value::<Trouble>(v).unwrap(), t);
    }
}
