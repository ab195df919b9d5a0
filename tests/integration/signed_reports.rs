//! Signed reports end to end (issue 18): `report sign` over a demo report,
//! checked by OpenSSH's `ssh-keygen -Y verify` and by `report verify
//! --allowed-signers`; `report merge` refuses modified and unsigned inputs
//! unless told otherwise. Keys are made by `ssh-keygen` in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{run, stderr, stdout};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("preflight-signed-{}-{name}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ssh_keygen(args: &[&str], stdin: Option<&Path>) -> Output {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    cmd.output()
        .expect("ssh-keygen (Debian package openssh-client; scripts/test installs it)")
}

fn keypair(dir: &Path, name: &str, passphrase: &str) -> PathBuf {
    let key = dir.join(name);
    let out = ssh_keygen(
        &[
            "-q",
            "-t",
            "ed25519",
            "-N",
            passphrase,
            "-C",
            name,
            "-f",
            arg(&key),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    key
}

fn sig(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sig", file.display()))
}

fn ssh_keygen_verify(allowed: &Path, file: &Path, signature: &Path) -> Output {
    ssh_keygen(
        &[
            "-Y",
            "verify",
            "-f",
            arg(allowed),
            "-I",
            "alice@example.com",
            "-n",
            "preflight",
            "-s",
            arg(signature),
        ],
        Some(file),
    )
}

#[test]
fn report_sign_makes_a_signature_ssh_keygen_verifies_and_a_one_byte_edit_breaks() {
    let dir = temp_dir("sign");
    let out = run(&["demo", "--out", arg(&dir.join("demo"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let east = dir.join("demo/east/report.json");
    let key = keypair(&dir, "alice", "");
    let allowed = dir.join("allowed_signers");
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::write(
        &allowed,
        format!("# change board\nalice@example.com namespaces=\"preflight\" {public}"),
    )
    .unwrap();

    let out = run(&["report", "sign", arg(&east), "--key", arg(&key)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("signed") && stdout(&out).contains("ssh-ed25519 key SHA256:"),
        "{}",
        stdout(&out)
    );
    let signature = std::fs::read_to_string(sig(&east)).unwrap();
    assert!(
        signature.starts_with("-----BEGIN SSH SIGNATURE-----\n"),
        "{signature}"
    );
    assert!(!stdout(&out).contains("PRIVATE KEY") && !stderr(&out).contains("PRIVATE KEY"));

    let out = ssh_keygen_verify(&allowed, &east, &sig(&east));
    assert!(out.status.success(), "ssh-keygen refused it: {out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("Good \"preflight\" signature for alice@example.com"),
        "{out:?}"
    );
    let out = run(&[
        "report",
        "verify",
        arg(&east),
        "--allowed-signers",
        arg(&allowed),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "{}: signed by alice@example.com (key SHA256:",
            east.display()
        )),
        "{}",
        stdout(&out)
    );
    // Without --allowed-signers the digest is checked and the signature named, not checked.
    let out = run(&["report", "verify", arg(&east)]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("pass --allowed-signers"),
        "{}",
        stderr(&out)
    );

    // One byte changed (`east` → `easT`), the signature copied beside it.
    let edited = dir.join("edited.json");
    let text = std::fs::read_to_string(&east).unwrap();
    let changed = text.replacen("\"datacenter\": \"east\"", "\"datacenter\": \"easT\"", 1);
    assert_eq!(changed.len(), text.len());
    assert_ne!(changed, text);
    std::fs::write(&edited, changed).unwrap();
    std::fs::copy(sig(&east), sig(&edited)).unwrap();
    let out = ssh_keygen_verify(&allowed, &edited, &sig(&edited));
    assert!(
        !out.status.success(),
        "ssh-keygen accepted an edited report"
    );
    let out = run(&[
        "report",
        "verify",
        arg(&edited),
        "--allowed-signers",
        arg(&allowed),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("BAD SIGNATURE"), "{}", stdout(&out));

    // A key the allowed signers do not list.
    let other = dir.join("other_signers");
    let mallory = keypair(&dir, "mallory", "");
    let mallory_public = std::fs::read_to_string(mallory.with_extension("pub")).unwrap();
    std::fs::write(&other, format!("mallory@example.com {mallory_public}")).unwrap();
    let out = run(&[
        "report",
        "verify",
        arg(&east),
        "--allowed-signers",
        arg(&other),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("UNTRUSTED SIGNER"),
        "{}",
        stdout(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn report_sign_refuses_a_passphrase_key_and_an_edited_report_clearly() {
    let dir = temp_dir("refuse");
    let report = dir.join("report.json");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports/east-go.json"),
        &report,
    )
    .unwrap();
    let locked = keypair(&dir, "locked", "a passphrase");
    let out = run(&["report", "sign", arg(&report), "--key", arg(&locked)]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("protected by a passphrase")
            && err.contains("ssh-keygen -Y sign -n preflight"),
        "{err}"
    );
    assert!(!sig(&report).exists());

    let key = keypair(&dir, "plain", "");
    let text = std::fs::read_to_string(&report).unwrap();
    std::fs::write(&report, text.replacen("jump01", "jump02", 1)).unwrap();
    let out = run(&["report", "sign", arg(&report), "--key", arg(&key)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("MODIFIED")
            && stderr(&out).contains("only a document that matches its digest is signed"),
        "{}",
        stderr(&out)
    );
    assert!(!sig(&report).exists());

    let out = run(&["report", "sign", "--help"]);
    assert!(
        stdout(&out).contains("Example:") && stdout(&out).contains("preflight report sign"),
        "{}",
        stdout(&out)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn merge_refuses_modified_and_unsigned_inputs_unless_told_and_records_the_signers() {
    let dir = temp_dir("merge");
    let out = run(&["demo", "--out", arg(&dir.join("demo"))]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let east = dir.join("demo/east/report.json");
    let west = dir.join("demo/west/report.json");
    let key = keypair(&dir, "alice", "");
    let allowed = dir.join("allowed_signers");
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::write(&allowed, format!("alice@example.com {public}")).unwrap();
    for f in [&east, &west] {
        let out = run(&["report", "sign", arg(f), "--key", arg(&key)]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    let merged = dir.join("merged");
    let out = run(&[
        "report",
        "merge",
        arg(&east),
        arg(&west),
        "--allowed-signers",
        arg(&allowed),
        "--out",
        arg(&merged),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "west is NO-GO: {}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("signed: {} by alice@example.com", east.display())),
        "{}",
        stdout(&out)
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("merge.json")).unwrap()).unwrap();
    for source in json["sources"].as_array().unwrap() {
        assert_eq!(source["signed_by"], "alice@example.com", "{source}");
    }
    let md = std::fs::read_to_string(merged.join("merge.md")).unwrap();
    assert!(md.contains("verified, signed by alice@example.com"), "{md}");

    // West unsigned: refused, naming --allow-unsigned; allowed with it.
    std::fs::remove_file(sig(&west)).unwrap();
    let args = [
        "report",
        "merge",
        arg(&east),
        arg(&west),
        "--allowed-signers",
        arg(&allowed),
    ];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{}: NOT SIGNED", west.display()))
            && err.contains("--allow-unsigned"),
        "{err}"
    );
    let out = run(&[&args[..], &["--allow-unsigned"]].concat());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // East edited after it was signed: refused (digest and signature), naming --allow-modified.
    let text = std::fs::read_to_string(&east).unwrap();
    std::fs::write(
        &east,
        text.replacen("\"datacenter\": \"east\"", "\"datacenter\": \"easT\"", 1),
    )
    .unwrap();
    let out = run(&[&args[..], &["--allow-unsigned"]].concat());
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("MODIFIED")
            && err.contains("BAD SIGNATURE")
            && err.contains("--allow-modified"),
        "{err}"
    );
    // Without signers, the edit alone is refused too.
    let out = run(&["report", "merge", arg(&east), arg(&west)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--allow-modified"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        "report",
        "merge",
        arg(&east),
        arg(&west),
        "--allow-modified",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    std::fs::remove_dir_all(&dir).ok();
}
