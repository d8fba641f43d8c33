//! Exit codes: cron jobs branch on them, so they live in one place (`docs/design.md`, "Exit codes").

/// Process exit codes of `qcc-credit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every key reached a final state.
    Ok = 0,
    /// Error before or outside screening (unreadable input, no usable column, database error).
    Error = 1,
    /// Command-line usage error.
    Usage = 2,
    /// Stopped on quota or billing (vendor 102/109/112/116 or `--max-calls`); resumable.
    Quota = 3,
    /// Credentials or permission rejected by the vendor; fix configuration, then resume.
    Fatal = 4,
    /// Finished, but some keys are `deferred` or `failed` (run again later) or `parked` (their
    /// answers could not be read: look, then run with `--retry-failed`).
    Incomplete = 5,
    /// Finished, and `--fail-on-change worse` found something that got worse, or
    /// `--fail-on-open-alerts` saw this run open alerts.
    Worse = 6,
    /// The vendor could not be reached (refused, DNS, TLS, proxy) for a run of attempts with no
    /// answer; nothing was billed for them. Resumable once the network is back.
    Unreachable = 7,
    /// Interrupted by SIGINT/SIGTERM; everything answered so far is committed.
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// Every code, in the order the README's table lists them.
    pub const ALL: [ExitCode; 9] = [
        ExitCode::Ok,
        ExitCode::Error,
        ExitCode::Usage,
        ExitCode::Quota,
        ExitCode::Fatal,
        ExitCode::Incomplete,
        ExitCode::Worse,
        ExitCode::Unreachable,
        ExitCode::Interrupted,
    ];

    /// The code a process exited with, when it is one of ours.
    pub fn from_code(code: i32) -> Option<ExitCode> {
        ExitCode::ALL
            .into_iter()
            .find(|c| i32::from(c.code()) == code)
    }

    /// A stored exit code with its meaning: `退出码 3（达到配额或计费上限，已停止，可续跑）`.
    pub fn describe(code: i64, lang: crate::view::Lang) -> String {
        let meaning = ExitCode::from_code(code as i32)
            .map(|c| c.meaning_in(lang))
            .unwrap_or_default();
        match lang {
            crate::view::Lang::Zh => format!("退出码 {code}（{meaning}）"),
            crate::view::Lang::En => format!("exit {code} ({meaning})"),
        }
    }

    /// The meaning in a short phrase, in the language people read (`3 配额或计费上限，可续跑`).
    pub fn meaning_in(self, lang: crate::view::Lang) -> &'static str {
        let (zh, en) = match self {
            ExitCode::Ok => ("全部完成", "every key reached a final state"),
            ExitCode::Error => ("出错停止", "stopped on an error"),
            ExitCode::Usage => ("命令行用法错误", "command-line usage error"),
            ExitCode::Quota => (
                "达到配额或计费上限，已停止，可续跑",
                "stopped on quota or billing; resumable",
            ),
            ExitCode::Fatal => (
                "密钥或权限被拒绝，请检查配置",
                "credentials or permission rejected",
            ),
            ExitCode::Incomplete => (
                "已完成，部分供应商稍后重查",
                "finished; some keys to retry later",
            ),
            ExitCode::Worse => (
                "已完成，发现变差或新提醒",
                "finished; something got worse or alerts opened",
            ),
            ExitCode::Unreachable => (
                "无法连接接口，请检查网络",
                "the vendor could not be reached",
            ),
            ExitCode::Interrupted => ("被中断，已保存，可续跑", "interrupted; saved and resumable"),
        };
        lang.tr(zh, en)
    }

    /// What the code tells the person reading the run summary.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Ok => "every key reached a final state",
            ExitCode::Incomplete => {
                "some keys are deferred or failed (run the same command again later) or parked \
                 (unreadable answers: --retry-failed asks again)"
            }
            ExitCode::Quota => {
                "stopped on quota or billing: run the same command again to continue"
            }
            ExitCode::Fatal => {
                "credentials or permission rejected: fix the configuration, then run again"
            }
            ExitCode::Interrupted => {
                "interrupted: everything answered is saved; run the same command to resume"
            }
            ExitCode::Worse => {
                "something got worse (--fail-on-change worse) or alerts were opened \
                 (--fail-on-open-alerts): see `qcc-credit changes` and `qcc-credit review --list --open`"
            }
            ExitCode::Unreachable => {
                "the vendor could not be reached: check the network, proxy and --base-url, then run again"
            }
            ExitCode::Error | ExitCode::Usage => "stopped on an error",
        }
    }
}

/// Serialized as the number cron sees.
impl serde::Serialize for ExitCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}
