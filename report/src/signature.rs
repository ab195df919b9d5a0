//! Signed reports: who produced a document, not only that it is unedited.
//!
//! The digest (`report_sha256`, [`crate::integrity`]) shows a file was not
//! edited by accident; anyone can edit a report and recompute it. A signature
//! names the holder of a private key. preflight writes and checks the SSH
//! signature format (OpenSSH's `PROTOCOL.sshsig`, namespace [`NAMESPACE`])
//! through the `ssh-key` crate, so the tools every administrator has check it
//! too:
//!
//! ```text
//! ssh-keygen -Y verify -f allowed_signers -I alice@example.com -n preflight -s report.json.sig < report.json
//! ```
//!
//! The signature covers the file's exact bytes, so it is checked against the
//! file as it is on disk, never a re-serialized copy. Trusted keys come from an
//! `allowed_signers` file in ssh-keygen's format ([`AllowedSigners`]).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ssh_key::{HashAlg, LineEnding, PrivateKey, PublicKey, SshSig};

/// The SSH signature namespace of preflight's documents (`ssh-keygen -n preflight`).
pub const NAMESPACE: &str = "preflight";

/// Larger key, signature or allowed_signers files are refused (an RSA
/// 16384-bit private key is about 12 KiB).
pub const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

/// Where the signature of `file` lives: `FILE.sig` beside it.
pub fn sig_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// Why a document could not be signed, or a signature or allowed_signers file read.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: larger than {limit} bytes: expected {expected}")]
    TooLarge {
        file: String,
        limit: u64,
        expected: &'static str,
    },
    #[error(
        "{file}: not an OpenSSH private key ({reason}): expected a file like ~/.ssh/id_ed25519 (`-----BEGIN OPENSSH PRIVATE KEY-----`); convert a PEM key with `ssh-keygen -p -f KEY`"
    )]
    NotAKey { file: String, reason: String },
    #[error(
        "{file}: the private key is protected by a passphrase, which preflight does not ask for; sign with `ssh-keygen -Y sign -n preflight -f {file} REPORT` (the same format: preflight verifies it), or with a key kept without one"
    )]
    Encrypted { file: String },
    #[error(
        "{file}: an RSA key: preflight signs and verifies with Ed25519 or ECDSA P-256 keys only; make one with `ssh-keygen -t ed25519`"
    )]
    Rsa { file: String },
    #[error("{file}: cannot sign with this {algorithm} key: {reason}")]
    Sign {
        file: String,
        algorithm: String,
        reason: String,
    },
    #[error("{file}:{line}: {message}")]
    AllowedSigners {
        file: String,
        line: usize,
        message: String,
    },
}

/// Reads a small file (a key, a signature, allowed_signers) as text, bounded.
pub fn read_small_text(path: &Path, expected: &'static str) -> Result<String, SignatureError> {
    use std::io::Read;
    let file = path.display().to_string();
    let io = |source| SignatureError::Io {
        file: file.clone(),
        source,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(SignatureError::TooLarge {
            file,
            limit: MAX_KEY_FILE_BYTES,
            expected,
        });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A private key ready to sign, and what names it in messages.
pub struct SigningKey {
    key: PrivateKey,
    file: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material: its file and public fingerprint only.
        f.debug_struct("SigningKey")
            .field("file", &self.file)
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl SigningKey {
    /// Parses an OpenSSH private key (`file` names it in errors). A key
    /// protected by a passphrase is refused with what to do instead.
    pub fn from_openssh(text: &str, file: &str) -> Result<Self, SignatureError> {
        let key = PrivateKey::from_openssh(text.trim()).map_err(|e| SignatureError::NotAKey {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
        if key.is_encrypted() {
            return Err(SignatureError::Encrypted {
                file: file.to_string(),
            });
        }
        // RSA is left out: the `rsa` crate carries an open timing advisory
        // (RUSTSEC-2023-0071) and ssh-key 0.6's RSA signing is broken.
        if matches!(key.algorithm(), ssh_key::Algorithm::Rsa { .. }) {
            return Err(SignatureError::Rsa {
                file: file.to_string(),
            });
        }
        Ok(SigningKey {
            key,
            file: file.to_string(),
        })
    }

    /// The public key's SHA-256 fingerprint, as `ssh-keygen -l` prints it.
    pub fn fingerprint(&self) -> String {
        self.key.fingerprint(HashAlg::Sha256).to_string()
    }

    /// The key's algorithm (`ssh-ed25519`, `ecdsa-sha2-nistp256`).
    pub fn algorithm(&self) -> String {
        self.key.algorithm().to_string()
    }

    /// Signs `message` (a document's exact bytes): the armored
    /// `-----BEGIN SSH SIGNATURE-----` text, SHA-512, namespace [`NAMESPACE`].
    pub fn sign(&self, message: &[u8]) -> Result<String, SignatureError> {
        let failed = |reason: String| SignatureError::Sign {
            file: self.file.clone(),
            algorithm: self.algorithm(),
            reason,
        };
        let sig = self
            .key
            .sign(NAMESPACE, HashAlg::Sha512, message)
            .map_err(|e| failed(e.to_string()))?;
        sig.to_pem(LineEnding::LF)
            .map_err(|e| failed(e.to_string()))
    }
}

/// One line of an allowed_signers file.
#[derive(Debug, Clone)]
pub struct AllowedSigner {
    /// The principals as written (`alice@example.com,bob@example.com`).
    pub principals: String,
    pub key: PublicKey,
    /// `namespaces="…"`: the patterns this key may sign for (none: any).
    namespaces: Option<Vec<String>>,
    valid_after: Option<DateTime<Utc>>,
    valid_before: Option<DateTime<Utc>>,
    /// The line it was read from.
    pub line: usize,
}

impl AllowedSigner {
    /// May this key sign preflight documents at `now`?
    fn allows(&self, now: DateTime<Utc>) -> bool {
        let namespace_ok = self
            .namespaces
            .as_ref()
            .is_none_or(|patterns| patterns.iter().any(|p| matches_pattern(p, NAMESPACE)));
        namespace_ok
            && self.valid_after.is_none_or(|t| now >= t)
            && self.valid_before.is_none_or(|t| now < t)
    }
}

/// The keys trusted to sign, read from an allowed_signers file (ssh-keygen(1),
/// "ALLOWED SIGNERS"): per line `principals [options] keytype base64
/// [comment]`; `#` comments and blank lines are skipped. Options understood:
/// `namespaces="…"` (patterns with `*` and `?`), `valid-after` and
/// `valid-before` (`YYYYMMDD[HHMM[SS]]`, read as UTC), and `cert-authority`
/// (a CA key: preflight checks plain keys only, so such a line signs nothing).
#[derive(Debug, Clone, Default)]
pub struct AllowedSigners {
    pub file: String,
    pub signers: Vec<AllowedSigner>,
}

impl AllowedSigners {
    /// Reads and parses an allowed_signers file.
    pub fn read(path: &Path) -> Result<Self, SignatureError> {
        let text = read_small_text(path, "an allowed_signers file")?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses allowed_signers text; `file` names it in errors (`file:line: …`).
    pub fn parse(text: &str, file: &str) -> Result<Self, SignatureError> {
        let mut signers = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let error = |message: String| SignatureError::AllowedSigners {
                file: file.to_string(),
                line,
                message,
            };
            let rest = raw.trim();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            let (principals, rest) = token(rest).map_err(error)?;
            let principals = principals.trim_matches('"').to_string();
            if principals.is_empty() {
                return Err(error("no principals before the key".into()));
            }
            let (options, key) = match PublicKey::from_openssh(rest) {
                Ok(key) => (Vec::new(), key),
                Err(first) => {
                    let (options, rest) = token(rest).map_err(error)?;
                    let key = PublicKey::from_openssh(rest).map_err(|e| {
                        error(format!(
                            "expected `principals [options] keytype base64`: {}",
                            if rest.is_empty() { first } else { e }
                        ))
                    })?;
                    (split_options(options), key)
                }
            };
            let mut signer = AllowedSigner {
                principals,
                key,
                namespaces: None,
                valid_after: None,
                valid_before: None,
                line,
            };
            let mut cert_authority = false;
            for option in options {
                let (name, value) = match option.split_once('=') {
                    Some((n, v)) => (n.to_ascii_lowercase(), Some(v.trim_matches('"'))),
                    None => (option.to_ascii_lowercase(), None),
                };
                match (name.as_str(), value) {
                    ("cert-authority", None) => cert_authority = true,
                    ("namespaces", Some(v)) => {
                        signer.namespaces = Some(v.split(',').map(str::to_string).collect())
                    }
                    ("valid-after", Some(v)) => {
                        signer.valid_after = Some(timestamp(v).map_err(error)?)
                    }
                    ("valid-before", Some(v)) => {
                        signer.valid_before = Some(timestamp(v).map_err(error)?)
                    }
                    _ => {
                        return Err(error(format!(
                            "unknown option `{option}`: expected cert-authority, namespaces=\"…\", valid-after=\"…\" or valid-before=\"…\""
                        )));
                    }
                }
            }
            if !cert_authority {
                signers.push(signer);
            }
        }
        Ok(AllowedSigners {
            file: file.to_string(),
            signers,
        })
    }
}

/// The first whitespace-separated token (double quotes keep spaces and
/// commas inside), and the rest with its leading spaces removed.
fn token(s: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    for (i, c) in s.char_indices() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&s[..i], s[i..].trim_start())),
            _ => {}
        }
    }
    if quoted {
        Err("a quote is not closed".into())
    } else {
        Ok((s, ""))
    }
}

/// Options separated by commas outside double quotes.
fn split_options(s: &str) -> Vec<String> {
    let mut options = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            ',' if !quoted => options.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    options.push(current);
    options.into_iter().filter(|o| !o.is_empty()).collect()
}

/// `YYYYMMDD`, `YYYYMMDDHHMM` or `YYYYMMDDHHMMSS`, with an optional `Z`, as UTC.
fn timestamp(v: &str) -> Result<DateTime<Utc>, String> {
    let digits = v.strip_suffix(['Z', 'z']).unwrap_or(v);
    let bad = || format!("`{v}` is not a time: expected YYYYMMDD[HHMM[SS]][Z]");
    let parsed = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok(),
        _ => None,
    };
    parsed.map(|t| t.and_utc()).ok_or_else(bad)
}

/// OpenSSH's pattern match: `*` any run, `?` one character, a leading `!` negates.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    fn glob(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| glob(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && glob(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && glob(rest, &t[1..]),
        }
    }
    let (negated, pattern) = match pattern.strip_prefix('!') {
        Some(p) => (true, p),
        None => (false, pattern),
    };
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob(&p, &t) != negated
}

/// What a document's signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// A valid signature by a key of the allowed signers.
    Good {
        /// The principals of the allowed_signers line(s) holding the key.
        signer: String,
        fingerprint: String,
    },
    /// No `FILE.sig`.
    Missing,
    /// A valid signature, but by a key the allowed signers do not list (or
    /// not for preflight, or not at this time).
    UnknownKey { fingerprint: String },
    /// Not a valid signature of these bytes: the file changed after it was
    /// signed, or the signature file is damaged or for something else.
    Bad { reason: String },
}

impl SignatureCheck {
    pub fn is_good(&self) -> bool {
        matches!(self, SignatureCheck::Good { .. })
    }

    /// The signer, when the signature is good.
    pub fn signer(&self) -> Option<&str> {
        match self {
            SignatureCheck::Good { signer, .. } => Some(signer),
            _ => None,
        }
    }
}

impl std::fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureCheck::Good {
                signer,
                fingerprint,
            } => write!(f, "signed by {signer} (key {fingerprint})"),
            SignatureCheck::Missing => write!(f, "NOT SIGNED: no signature file beside it"),
            SignatureCheck::UnknownKey { fingerprint } => write!(
                f,
                "UNTRUSTED SIGNER: signed by key {fingerprint}, which the allowed signers do not list for namespace {NAMESPACE}"
            ),
            SignatureCheck::Bad { reason } => write!(f, "BAD SIGNATURE: {reason}"),
        }
    }
}

/// Checks the armored signature `sig_text` over `message` (the document's
/// exact bytes) against the allowed signers at time `now`.
pub fn check(
    message: &[u8],
    sig_text: &str,
    signers: &AllowedSigners,
    now: SystemTime,
) -> SignatureCheck {
    let bad = |reason: String| SignatureCheck::Bad { reason };
    let sig = match SshSig::from_pem(sig_text.trim()) {
        Ok(sig) => sig,
        Err(e) => {
            return bad(format!(
                "the signature file is not an SSH signature ({e}): expected `-----BEGIN SSH SIGNATURE-----`"
            ));
        }
    };
    if sig.namespace() != NAMESPACE {
        return bad(format!(
            "the signature is for namespace `{}`, not `{NAMESPACE}`: it was not made for a preflight document",
            crate::terminal::clean(sig.namespace())
        ));
    }
    if !matches!(
        sig.algorithm(),
        ssh_key::Algorithm::Ed25519
            | ssh_key::Algorithm::Ecdsa {
                curve: ssh_key::EcdsaCurve::NistP256
            }
    ) {
        return bad(format!(
            "a {} signature: preflight verifies Ed25519 and ECDSA P-256 signatures only",
            sig.algorithm()
        ));
    }
    let key = PublicKey::from(sig.public_key().clone());
    let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
    if let Err(e) = key.verify(NAMESPACE, message, &sig) {
        return bad(format!(
            "it does not match the file's contents ({e}): the file changed after it was signed by key {fingerprint}"
        ));
    }
    let now = DateTime::<Utc>::from(now);
    let names: Vec<&str> = signers
        .signers
        .iter()
        .filter(|s| s.key.key_data() == sig.public_key() && s.allows(now))
        .map(|s| s.principals.as_str())
        .collect();
    if names.is_empty() {
        SignatureCheck::UnknownKey { fingerprint }
    } else {
        SignatureCheck::Good {
            signer: names.join(", "),
            fingerprint,
        }
    }
}

/// Checks the signature of the document at `path` (its `FILE.sig`); `bytes`
/// are the document's contents as read for its other checks.
pub fn check_file(
    path: &Path,
    bytes: &[u8],
    signers: &AllowedSigners,
    now: SystemTime,
) -> Result<SignatureCheck, SignatureError> {
    let sig = sig_path(path);
    match std::fs::metadata(&sig) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(SignatureCheck::Missing),
        _ => {}
    }
    let text = read_small_text(&sig, "an SSH signature (FILE.sig)")?;
    Ok(check(bytes, &text, signers, now))
}

#[cfg(test)]
mod tests;
