//! Signatures against OpenSSH's own `ssh-keygen` (openssh-client): keys are
//! made in a temporary directory, never committed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use super::*;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("preflight-signature-{}-{name}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

fn ssh_keygen(args: &[&str], stdin: Option<&Path>) -> std::process::Output {
    let mut cmd = Command::new("ssh-keygen");
    cmd.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    match stdin {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    cmd.output()
        .expect("ssh-keygen (Debian package openssh-client; scripts/test installs it)")
}

/// A new key pair of `kind` (`ed25519`, `rsa`, `ecdsa`) in `dir`, protected by
/// `passphrase` when it is not empty.
fn keypair(dir: &Path, kind: &str, passphrase: &str) -> PathBuf {
    let key = dir.join(format!("id_{kind}"));
    let out = ssh_keygen(
        &[
            "-q",
            "-t",
            kind,
            "-N",
            passphrase,
            "-C",
            "test key",
            "-f",
            key.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    key
}

fn allowed_signers_line(principals: &str, options: &str, key: &Path) -> String {
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    format!("{principals} {options} {}", public.trim())
}

fn signing_key(key: &Path) -> SigningKey {
    let text = std::fs::read_to_string(key).unwrap();
    SigningKey::from_openssh(&text, key.to_str().unwrap()).unwrap()
}

const DOCUMENT: &[u8] = b"{\n  \"schema_version\": 1,\n  \"verdict\": \"GO\"\n}\n";

#[test]
fn ssh_keygen_verifies_what_we_sign_with_each_key_type_and_rejects_a_one_byte_edit() {
    let dir = Dir::new("interop");
    for kind in ["ed25519", "ecdsa"] {
        let key = keypair(&dir.0, kind, "");
        let file = dir.0.join(format!("{kind}.json"));
        std::fs::write(&file, DOCUMENT).unwrap();
        let sig = signing_key(&key).sign(DOCUMENT).unwrap();
        assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");
        std::fs::write(sig_path(&file), &sig).unwrap();
        let signers = dir.0.join("allowed_signers");
        std::fs::write(
            &signers,
            allowed_signers_line("alice@example.com", "namespaces=\"preflight\"", &key),
        )
        .unwrap();
        let verify = |file: &Path| {
            ssh_keygen(
                &[
                    "-Y",
                    "verify",
                    "-f",
                    signers.to_str().unwrap(),
                    "-I",
                    "alice@example.com",
                    "-n",
                    "preflight",
                    "-s",
                    sig_path(&file.with_file_name(format!("{kind}.json")))
                        .to_str()
                        .unwrap(),
                ],
                Some(file),
            )
        };
        let out = verify(&file);
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains("Good \"preflight\" signature for alice@example.com"),
            "{kind}: {out:?}"
        );
        // The same check here: good, naming the signer.
        let allowed = AllowedSigners::read(&signers).unwrap();
        let result = check(DOCUMENT, &sig, &allowed, SystemTime::now());
        assert_eq!(
            result.signer(),
            Some("alice@example.com"),
            "{kind}: {result}"
        );

        // One byte changed: both refuse it.
        let mut edited = DOCUMENT.to_vec();
        edited[30] ^= 1;
        let edited_file = dir.0.join(format!("{kind}-edited.json"));
        std::fs::write(&edited_file, &edited).unwrap();
        let out = verify(&edited_file);
        assert!(
            !out.status.success(),
            "{kind}: ssh-keygen accepted an edited file"
        );
        let result = check(&edited, &sig, &allowed, SystemTime::now());
        assert!(
            matches!(&result, SignatureCheck::Bad { reason } if reason.contains("changed after it was signed")),
            "{kind}: {result}"
        );
    }
}

#[test]
fn a_signature_made_by_ssh_keygen_is_checked_and_names_its_signer() {
    let dir = Dir::new("from-ssh-keygen");
    let key = keypair(&dir.0, "ed25519", "");
    let file = dir.0.join("report.json");
    std::fs::write(&file, DOCUMENT).unwrap();
    let out = ssh_keygen(
        &[
            "-Y",
            "sign",
            "-n",
            "preflight",
            "-f",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let signers = AllowedSigners::parse(
        &format!(
            "# the change board\n\n{}\n",
            allowed_signers_line("\"bob@example.com,carol@example.com\"", "", &key)
        ),
        "allowed_signers",
    )
    .unwrap();
    let result = check_file(&file, DOCUMENT, &signers, SystemTime::now()).unwrap();
    assert_eq!(result.signer(), Some("bob@example.com,carol@example.com"));
    assert!(
        result
            .to_string()
            .starts_with("signed by bob@example.com,carol@example.com (key SHA256:")
    );

    // Another namespace: not a preflight signature.
    std::fs::remove_file(sig_path(&file)).unwrap();
    let out = ssh_keygen(
        &[
            "-Y",
            "sign",
            "-n",
            "git",
            "-f",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let result = check_file(&file, DOCUMENT, &signers, SystemTime::now()).unwrap();
    assert!(
        matches!(&result, SignatureCheck::Bad { reason } if reason.contains("namespace `git`")),
        "{result}"
    );
    std::fs::remove_file(sig_path(&file)).unwrap();
    assert_eq!(
        check_file(&file, DOCUMENT, &signers, SystemTime::now()).unwrap(),
        SignatureCheck::Missing
    );
}

#[test]
fn rsa_keys_and_signatures_are_refused_with_what_to_use() {
    let dir = Dir::new("rsa");
    let key = keypair(&dir.0, "rsa", "");
    let text = std::fs::read_to_string(&key).unwrap();
    let err = SigningKey::from_openssh(&text, "id_rsa")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("id_rsa: an RSA key") && err.contains("ssh-keygen -t ed25519"),
        "{err}"
    );
    let file = dir.0.join("report.json");
    std::fs::write(&file, DOCUMENT).unwrap();
    let out = ssh_keygen(
        &[
            "-Y",
            "sign",
            "-n",
            "preflight",
            "-f",
            key.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    let signers = AllowedSigners::parse(
        &allowed_signers_line("rsa@example.com", "", &key),
        "allowed_signers",
    )
    .unwrap();
    let result = check_file(&file, DOCUMENT, &signers, SystemTime::now()).unwrap();
    assert!(
        matches!(&result, SignatureCheck::Bad { reason } if reason.contains("Ed25519 and ECDSA P-256 signatures only")),
        "{result}"
    );
}

#[test]
fn a_key_the_allowed_signers_do_not_list_for_preflight_now_is_untrusted() {
    let dir = Dir::new("untrusted");
    let key = keypair(&dir.0, "ed25519", "");
    let other = keypair(&dir.0, "ecdsa", "");
    let sig = signing_key(&key).sign(DOCUMENT).unwrap();
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000); // 2027-01-15
    let cases = [
        (allowed_signers_line("x@example.com", "", &other), false),
        (
            allowed_signers_line("x@example.com", "namespaces=\"git,file\"", &key),
            false,
        ),
        (
            allowed_signers_line("x@example.com", "namespaces=\"git,pre*\"", &key),
            true,
        ),
        (
            allowed_signers_line("x@example.com", "valid-before=\"20270101\"", &key),
            false,
        ),
        (
            allowed_signers_line("x@example.com", "valid-after=\"20270201Z\"", &key),
            false,
        ),
        (
            allowed_signers_line(
                "x@example.com",
                "valid-after=\"202601011200\",valid-before=\"20280101000000\"",
                &key,
            ),
            true,
        ),
        (
            allowed_signers_line("x@example.com", "cert-authority", &key),
            false,
        ),
    ];
    for (text, trusted) in cases {
        let signers = AllowedSigners::parse(&text, "allowed_signers").unwrap();
        let result = check(DOCUMENT, &sig, &signers, now);
        if trusted {
            assert_eq!(result.signer(), Some("x@example.com"), "{text}: {result}");
        } else {
            assert!(
                matches!(result, SignatureCheck::UnknownKey { .. }),
                "{text}: {result}"
            );
            assert!(
                result
                    .to_string()
                    .starts_with("UNTRUSTED SIGNER: signed by key SHA256:")
            );
        }
    }
}

#[test]
fn allowed_signers_errors_name_the_file_and_line() {
    let dir = Dir::new("errors");
    let key = keypair(&dir.0, "ed25519", "");
    let good = allowed_signers_line("a@example.com", "", &key);
    for (text, needle) in [
        (
            format!("{good}\nb@example.com ssh-ed25519 AAAAnotbase64"),
            "allowed_signers:2: expected `principals [options] keytype base64`",
        ),
        (
            format!(
                "\n{}",
                allowed_signers_line("a@example.com", "no-touch-required", &key)
            ),
            "allowed_signers:2: unknown option `no-touch-required`",
        ),
        (
            allowed_signers_line("a@example.com", "valid-after=\"2026\"", &key),
            "allowed_signers:1: `2026` is not a time",
        ),
        (
            "\"a@example.com ssh-ed25519".to_string(),
            "allowed_signers:1: a quote is not closed",
        ),
        (
            "a@example.com".to_string(),
            "allowed_signers:1: expected `principals [options] keytype base64`",
        ),
    ] {
        let err = AllowedSigners::parse(&text, "allowed_signers")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with(needle), "{text}\n{err}");
    }
    assert_eq!(AllowedSigners::parse(&good, "f").unwrap().signers.len(), 1);
}

#[test]
fn a_passphrase_protected_or_foreign_key_is_refused_clearly_and_no_key_material_is_printed() {
    let dir = Dir::new("keys");
    let encrypted = keypair(&dir.0, "ed25519", "correct horse");
    let text = std::fs::read_to_string(&encrypted).unwrap();
    let err = SigningKey::from_openssh(&text, "id_ed25519")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("id_ed25519: the private key is protected by a passphrase")
            && err.contains("ssh-keygen -Y sign -n preflight -f id_ed25519"),
        "{err}"
    );
    let err = SigningKey::from_openssh("not a key", "k")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("k: not an OpenSSH private key"), "{err}");
    let public = std::fs::read_to_string(encrypted.with_extension("pub")).unwrap();
    let err = SigningKey::from_openssh(&public, "k.pub")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("k.pub: not an OpenSSH private key"),
        "{err}"
    );

    let key = keypair(&dir.0, "ecdsa", "");
    let text = std::fs::read_to_string(&key).unwrap();
    let signing = SigningKey::from_openssh(&text, "id_ecdsa").unwrap();
    let debug = format!("{signing:?}");
    assert!(
        debug.contains("SHA256:") && debug.contains("id_ecdsa"),
        "{debug}"
    );
    // No line of the private key's base64 body shows up.
    for line in text.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!debug.contains(line), "{debug}");
    }
}

#[test]
fn patterns_and_tokens_follow_openssh() {
    assert!(matches_pattern("preflight", "preflight"));
    assert!(matches_pattern("pre*", "preflight"));
    assert!(matches_pattern("pre?light", "preflight"));
    assert!(!matches_pattern("!pre*", "preflight"));
    assert!(!matches_pattern("git", "preflight"));
    assert_eq!(token("\"a b\" rest  x").unwrap(), ("\"a b\"", "rest  x"));
    assert_eq!(
        split_options("namespaces=\"a,b\",cert-authority"),
        ["namespaces=\"a,b\"", "cert-authority"]
    );
}
