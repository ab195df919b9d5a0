//! `preflight report sign FILE --key KEY`: FILE.sig, an SSH signature.

use anyhow::{Result, bail};
use report::signature::{self, SigningKey};
use report::{integrity, load};

use crate::cli::SignArgs;
use crate::output::{self, outln};

/// Signs a document that verifies against its digest; exit 0 once FILE.sig is written.
pub fn sign(args: SignArgs) -> Result<i32> {
    let name = args.file.display().to_string();
    let text = load::read_text(&args.file)?;
    let value = load::parse_value(&text, &name)?;
    let digest = integrity::check(&value);
    if !digest.is_verified() {
        bail!(
            "{name}: {digest}; only a document that matches its digest is signed (write it again with preflight)"
        );
    }
    let key_name = args.key.display().to_string();
    let key_text = signature::read_small_text(&args.key, "an OpenSSH private key")?;
    let key = SigningKey::from_openssh(&key_text, &key_name)?;
    let armored = key.sign(text.as_bytes())?;
    let sig_path = signature::sig_path(&args.file);
    let Some(sig_name) = sig_path.file_name().and_then(|n| n.to_str()) else {
        bail!("{name}: cannot name its signature file");
    };
    let dir = match sig_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    output::write_atomic(
        dir,
        sig_name,
        armored.as_bytes(),
        output::FileMode::from_private(false),
    )?;
    outln!(
        "{}: signed {name} with {} key {} (namespace {})",
        sig_path.display(),
        key.algorithm(),
        key.fingerprint(),
        signature::NAMESPACE
    )?;
    outln!(
        "check it with: ssh-keygen -Y verify -f allowed_signers -I SIGNER -n {} -s {} < {name}",
        signature::NAMESPACE,
        sig_path.display()
    )?;
    Ok(report::exit::GO)
}
