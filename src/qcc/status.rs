//! Every vendor status code, what it means and what the screening does with it: ONE table
//! ([`TABLE`]) that the client classifies with and the simulator answers from. A newcomer reads
//! this file and knows the policy (`docs/vendor-api.md` explains the classes).

use serde::Serialize;

/// What a vendor status (or an HTTP/transport failure) means for the key and the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// 200: store the records, fetch further pages.
    Found,
    /// 201: checked and absent; an answer, not an error.
    NotFound,
    /// Invalid input; the key is final and never retried.
    Invalid,
    /// The vendor does not support this key; final, message kept.
    Unsupported,
    /// Retry the key later with backoff, bounded attempts.
    Transient,
    /// 110: do not call this key again for two hours; the run goes on.
    Defer,
    /// 120/122: back off globally, then retry the key.
    SlowDown,
    /// Arrears, balance or daily quota: stop the run cleanly, exit 3.
    Quota,
    /// Credentials or permissions rejected: stop the run cleanly, exit 4.
    Fatal,
}

/// A documented status code: its class and the vendor's message for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub code: &'static str,
    pub class: Class,
    pub message: &'static str,
}

const fn s(code: &'static str, class: Class, message: &'static str) -> Status {
    Status {
        code,
        class,
        message,
    }
}

/// The vendor document's status codes (section 7), plus 122 from its online table.
pub const TABLE: &[Status] = &[
    s("200", Class::Found, "【有效请求】查询成功"),
    s("201", Class::NotFound, "【有效请求】查询无结果"),
    s("202", Class::Invalid, "【有效请求】查询参数错误，请检查"),
    s("213", Class::Invalid, "【有效请求】参数长度不能小于2"),
    s("215", Class::Invalid, "【有效请求】不支持的查询关键字"),
    s(
        "223",
        Class::Invalid,
        "【无效请求】当前接口的计费方式不支持此查询参数",
    ),
    s(
        "207",
        Class::Unsupported,
        "【有效请求】请求数据的条目数超过上限（5000）",
    ),
    s(
        "208",
        Class::Unsupported,
        "【有效请求】此接口不支持此公司类型查询",
    ),
    s("209", Class::Unsupported, "【有效请求】企业数量超过上限"),
    s(
        "218",
        Class::Unsupported,
        "【有效请求】该企业暂不支持空壳扫描",
    ),
    s(
        "219",
        Class::Unsupported,
        "【有效请求】该企业暂不支持准入尽调",
    ),
    s("205", Class::Transient, "【有效请求】等待处理中"),
    s(
        "199",
        Class::Transient,
        "【无效请求】系统未知错误，请联系技术客服",
    ),
    s(
        "203",
        Class::Transient,
        "【无效请求】系统查询有异常，请联系技术人员",
    ),
    s(
        "110",
        Class::Defer,
        "【有效请求】当前相同查询连续出错，请等2小时后重试",
    ),
    s(
        "120",
        Class::SlowDown,
        "【无效请求】系统流量异常，请稍后再试",
    ),
    s(
        "122",
        Class::SlowDown,
        "【无效请求】并发超过限制，请稍后再试",
    ),
    s("102", Class::Quota, "【无效请求】当前KEY已欠费"),
    s("109", Class::Quota, "【无效请求】请求超过每日系统限制"),
    s(
        "112",
        Class::Quota,
        "【无效请求】您的账号剩余使用量已不足或已过期",
    ),
    s("116", Class::Quota, "【无效请求】请求超过每日调用总量限制"),
    s(
        "101",
        Class::Fatal,
        "【无效请求】当前的KEY无效或者还未生效中",
    ),
    s("103", Class::Fatal, "【无效请求】当前KEY被暂停使用"),
    s("104", Class::Fatal, "【无效请求】请求KEY异常，请联系管理员"),
    s("105", Class::Fatal, "【有效请求】接口已下线停用"),
    s(
        "106",
        Class::Fatal,
        "【无效请求】非法请求过多，请联系管理员",
    ),
    s("107", Class::Fatal, "【无效请求】被禁止的IP或者签名错误"),
    s(
        "108",
        Class::Fatal,
        "【无效请求】异常请求过多，请联系管理员",
    ),
    s(
        "111",
        Class::Fatal,
        "【无效请求】接口权限未开通，请联系管理员",
    ),
    s(
        "113",
        Class::Fatal,
        "【无效请求】当前接口已被删除，请重新申请",
    ),
    s(
        "114",
        Class::Fatal,
        "【无效请求】当前接口已被禁用，请联系管理员",
    ),
    s("115", Class::Fatal, "【无效请求】身份验证错误或者已过期"),
    s(
        "117",
        Class::Fatal,
        "【无效请求】当前不支持的请求参数调用量过多",
    ),
    s(
        "118",
        Class::Fatal,
        "【无效请求】当前接口不支持此方式的调用",
    ),
    s(
        "119",
        Class::Fatal,
        "【无效请求】您的帐号出现异常，请联系管理员",
    ),
    s("121", Class::Fatal, "【无效请求】数据不能出境"),
    s(
        "214",
        Class::Fatal,
        "【无效请求】您还未购买过该接口，请先购买",
    ),
];

/// The table row of a code, when the vendor documents it.
pub fn lookup(code: &str) -> Option<&'static Status> {
    let code = code.trim();
    TABLE.iter().find(|s| s.code == code)
}

/// Classify a vendor `Status` code (the string the vendor sends). Unknown codes are transient:
/// retried with bounded attempts and logged loudly by the caller.
pub fn classify_status(code: &str) -> Class {
    lookup(code).map_or(Class::Transient, |s| s.class)
}

/// True when the code is one the vendor documents (unknown codes are logged loudly).
pub fn is_documented(code: &str) -> bool {
    lookup(code).is_some()
}

/// The vendor's message for a code (what the simulator answers).
pub fn vendor_message(code: &str) -> &'static str {
    lookup(code).map_or("【无效请求】未知状态", |s| s.message)
}

/// What to tell the operator for a fatal code, beyond the vendor's message.
pub fn fatal_hint(code: &str) -> &'static str {
    match code.trim() {
        "107" | "115" => {
            "check QCC_SECRET_KEY and the system clock (the Timespan must be within about 5 minutes \
             of the vendor's clock), and that this machine's IP is allowed"
        }
        "101" | "103" | "104" => "check QCC_KEY: the vendor does not accept this key",
        "111" | "214" | "113" | "114" | "105" => {
            "the interface is not purchased, enabled or online for this account: contact the vendor"
        }
        c if c.starts_with("HTTP 3") => {
            "check --base-url / --endpoint (or QCC_BASE_URL / QCC_ENDPOINT): the vendor's method URL \
             answers directly; a redirect means the URL is wrong or something is in the way"
        }
        _ => "fix the account or configuration with the vendor, then run the same command again",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_vendor_readme() {
        let cases = [
            ("200", Class::Found),
            ("201", Class::NotFound),
            ("223", Class::Invalid),
            ("219", Class::Unsupported),
            ("205", Class::Transient),
            ("110", Class::Defer),
            ("122", Class::SlowDown),
            ("116", Class::Quota),
            ("115", Class::Fatal),
            ("214", Class::Fatal),
            ("999", Class::Transient),
        ];
        for (code, class) in cases {
            assert_eq!(classify_status(code), class, "{code}");
        }
        assert!(!is_documented("999"));
        assert!(is_documented(" 122"));
        assert_eq!(TABLE.len(), 37, "37 codes: the document's 36 and 122");
        let mut codes: Vec<_> = TABLE.iter().map(|s| s.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), TABLE.len(), "a code listed twice");
    }
}
