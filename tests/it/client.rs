//! The vendor client against the in-process simulator: every status class, paging, and the
//! HTTP-level failures.

use std::time::Duration;

use qcc_credit::qcc::{CallRecord, Class, Endpoint, Outcome, Pager, VendorClient};
use qcc_credit::secrets::Credentials;
use qcc_credit::simulator::{DEMO_KEY, DEMO_SECRET, Faults, SimConfig};

use crate::helpers::{small_sim, spawn_app};

/// Records as received, read as values.
fn values(records: &[qcc_credit::qcc::RawRecord]) -> Vec<serde_json::Value> {
    records
        .iter()
        .map(|r| serde_json::from_str(r.get()).unwrap())
        .collect()
}

fn client(base: &str, secret: &str, timeout: Duration) -> VendorClient {
    VendorClient::new(
        Endpoint::from_base(base).unwrap(),
        Credentials::new(DEMO_KEY, secret),
        timeout,
    )
    .unwrap()
}

/// Every page of one key without retries: the simple path the screening's worker elaborates.
/// The last call's class says why it stopped when the result is not an [`Outcome`].
async fn fetch_all(
    c: &VendorClient,
    search_key: &str,
) -> (Vec<CallRecord>, Result<Outcome, Class>) {
    let mut pager = Pager::new(qcc_credit::qcc::DEFAULT_PAGES_PER_KEY);
    let mut calls = Vec::new();
    loop {
        let mut rec = c.fetch_page(search_key, pager.page()).await;
        let class = rec.outcome.class;
        let message = rec.message.clone();
        let bytes = rec.body.as_ref().map_or(0, String::len);
        let more = class == Class::Found
            && pager.absorb(&mut rec.outcome, bytes) == qcc_credit::qcc::Step::More;
        calls.push(rec);
        match class {
            Class::Found if more => continue,
            Class::Found | Class::NotFound => return (calls, Ok(pager.finish())),
            Class::Invalid => return (calls, Ok(Outcome::Invalid(message))),
            Class::Unsupported => return (calls, Ok(Outcome::Unsupported(message))),
            other => return (calls, Err(other)),
        }
    }
}

#[tokio::test]
async fn every_status_class() {
    let scripted = [
        ("KEY-202", "202", Class::Invalid),
        ("KEY-223", "223", Class::Invalid),
        ("KEY-207", "207", Class::Unsupported),
        ("KEY-219", "219", Class::Unsupported),
        ("KEY-205", "205", Class::Transient),
        ("KEY-199", "199", Class::Transient),
        ("KEY-110", "110", Class::Defer),
        ("KEY-120", "120", Class::SlowDown),
        ("KEY-122", "122", Class::SlowDown),
        ("KEY-116", "116", Class::Quota),
        ("KEY-102", "102", Class::Quota),
        ("KEY-214", "214", Class::Fatal),
        ("KEY-999", "999", Class::Transient),
    ];
    let mut cfg = small_sim();
    cfg.faults.scripted = scripted
        .iter()
        .map(|(k, c, _)| (k.to_string(), c.to_string()))
        .collect();
    let app = spawn_app(cfg).await;
    let c = client(&app.sim.base_url(), DEMO_SECRET, Duration::from_secs(5));
    for (key, code, class) in scripted {
        let r = c.fetch_page(key, 1).await;
        assert_eq!(r.vendor_status.as_deref(), Some(code));
        assert_eq!(r.outcome.class, class, "{key}");
        assert!(r.order_number.is_some());
    }
    let company = app.companies(0..1).remove(0);
    let r = c.fetch_page(&company.uscc, 1).await;
    assert_eq!(r.outcome.class, Class::Found);
    assert_eq!(values(&r.outcome.records), company.records);
    assert_eq!(r.http_status, Some(200));
    assert!(r.body.as_deref().unwrap_or("").contains("OrderNumber"));
    let r = c.fetch_page("上海根本不存在的公司", 1).await;
    assert_eq!(r.outcome.class, Class::NotFound);
    // The simulator's answers carry the vendor's own messages.
    assert_eq!(r.message, "【有效请求】查询无结果");
    let wrong = client(
        &app.sim.base_url(),
        "not-the-secret",
        Duration::from_secs(5),
    );
    let r = wrong.fetch_page(&company.uscc, 1).await;
    assert_eq!(
        (r.vendor_status.as_deref(), r.outcome.class),
        (Some("107"), Class::Fatal)
    );
}

#[tokio::test]
async fn pages_over_three_pages() {
    let app = spawn_app(small_sim()).await;
    let big = app.companies(49..50).remove(0);
    assert_eq!(big.records.len(), 45);
    let c = client(&app.sim.base_url(), DEMO_SECRET, Duration::from_secs(5));
    let (calls, outcome) = fetch_all(&c, &big.name).await;
    assert_eq!(calls.len(), 3);
    assert_eq!(
        calls.iter().map(|c| c.page).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    match outcome {
        Ok(Outcome::Found(records)) => assert_eq!(values(&records), big.records),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.stats().billed_for(&big.name), 3);
    // Every request asked for the largest page the vendor allows, with searchKey percent-encoded.
    assert!(c.request_url(&big.name, 2).as_str().contains("pageSize=20"));
    let u = c.request_url("Acme Trading+Co 上海", 1);
    assert!(
        u.as_str()
            .contains("searchKey=Acme%20Trading%2BCo%20%E4%B8%8A%E6%B5%B7"),
        "{u}"
    );
    let r = c.fetch_page("Acme Trading+Co 上海", 1).await;
    assert_eq!(r.outcome.class, Class::NotFound);
    assert!(
        app.stats().per_key.contains_key("Acme Trading+Co 上海"),
        "the simulator decoded the key"
    );
}

#[tokio::test]
async fn malformed_dropped_5xx_and_timeout_are_transient() {
    let app = spawn_app(small_sim()).await;
    let company = app.companies(0..1).remove(0);
    let c = client(&app.sim.base_url(), DEMO_SECRET, Duration::from_millis(300));
    type SetFault = fn(&mut Faults);
    let cases: [(SetFault, &str); 4] = [
        (|f| f.malformed_rate = 1.0, "not the documented JSON"),
        (|f| f.drop_rate = 1.0, "connection dropped"),
        (|f| f.http_5xx_rate = 1.0, "HTTP 503"),
        (|f| f.latency = Duration::from_secs(2), "timed out"),
    ];
    for (set, expect) in cases {
        app.sim.set_faults(|f| *f = Faults::default());
        app.sim.set_faults(set);
        let r = c.fetch_page(&company.uscc, 1).await;
        assert_eq!(r.outcome.class, Class::Transient, "{expect}: {r:?}");
        assert!(
            r.message.contains(expect),
            "{expect:?} not in {:?}",
            r.message
        );
        assert!(
            !r.message.contains(DEMO_KEY),
            "the key leaked into an error: {}",
            r.message
        );
    }
    app.sim.set_faults(|f| *f = Faults::default());
    let r = c.fetch_page(&company.uscc, 1).await;
    assert_eq!(r.outcome.class, Class::Found);
    let _ = SimConfig::default();
}

#[test]
fn endpoint_resolution() {
    let e = Endpoint::resolve(Some("http://127.0.0.1:9/"), None).unwrap();
    assert_eq!(
        e.url().as_str(),
        "http://127.0.0.1:9/api/yj/OperationCheck/GetList"
    );
    let e = Endpoint::resolve(
        Some("http://a"),
        Some("https://api.qichacha.com/OperationCheck/GetList"),
    )
    .unwrap();
    assert_eq!(
        e.url().as_str(),
        "https://api.qichacha.com/OperationCheck/GetList"
    );
    assert_eq!(
        Endpoint::resolve(None, None).unwrap().url().as_str(),
        "https://pro.qcc.com/api/yj/OperationCheck/GetList"
    );
    assert!(Endpoint::resolve(Some("ftp://x"), None).is_err());
}
