//! `preflight demo`: the whole job against the embedded loopback lab.

use crate::support::{run, stdout};

#[test]
fn demo_shows_a_go_and_a_no_go_data_center_and_writes_reports() {
    let dir = std::env::temp_dir().join(format!("preflight-demo-test-{}", std::process::id()));
    let out = run(&["demo", "--out", dir.to_str().unwrap()]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("east: GO"), "{text}");
    assert!(text.contains("west: NO-GO"), "{text}");
    for dc in ["east", "west"] {
        let report: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(dc).join("report.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(report["datacenter"], dc);
    }
    let west: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("west/report.json")).unwrap())
            .unwrap();
    let web02 = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.tcp.tentacle-web02")
        .unwrap();
    assert_eq!(web02["evidence"]["addresses"][0]["state"], "filtered");
    let sql = west["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dc.west.tcp.sql")
        .unwrap();
    assert_eq!(sql["status"], "waived");
    assert_eq!(sql["waiver"]["original_status"], "fail");
    std::fs::remove_dir_all(&dir).ok();
}
