//! This machine's Tentacles: reading `Tentacle.config` files (untrusted
//! input: a malformed file is an error naming its path and what was wrong,
//! never a panic), finding them through the instance index, and describing
//! what they need as a plan fragment.
//!
//! Encrypted values (the Tentacle's certificate, proxy passwords, the master
//! key) are never decoded, kept or printed: only whether they are present.

pub mod config;
pub mod fragment;
pub mod instances;
pub mod machine;
pub mod merge;
pub mod service;
pub mod target;
pub mod trusted;
pub mod xml;

use std::fmt;
use std::io::Read;
use std::path::Path;

pub use config::{CommunicationStyle, PollingAddress, ProxySetting, TentacleConfig, TrustedServer};
pub use instances::{Discovered, Instance, Source, discover, discover_with};
pub use merge::Origin;
pub use service::{Service, ServiceState};
pub use target::TentacleTarget;

/// A `Tentacle.config` larger than this is refused: real ones are a few KiB.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A file that could not be read or understood: its path, where (when known)
/// and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// 1-based; 0 when the error has no position (an unreadable file).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ConfigError {
    /// An error without a position.
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
        }
    }

    /// An error at a byte offset of `text`.
    pub fn at(file: &str, text: &str, offset: usize, message: String) -> Self {
        let (line, column) = line_col(text, offset);
        ConfigError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::location::write_located(f, &self.file, self.line, self.column, &self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Reads a file of at most `limit` bytes as text (UTF-8, with or without a
/// byte-order mark, or UTF-16 with one, as Windows tools may write).
pub fn read_text(path: &Path, limit: u64) -> Result<String, ConfigError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| ConfigError::new(&name, format!("cannot read: {e}")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ConfigError::new(&name, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(ConfigError::new(
            &name,
            format!("larger than {limit} bytes: not a Tentacle configuration file"),
        ));
    }
    decode_text(&bytes).map_err(|(offset, message)| {
        // Position the error by the valid text before it.
        let before = String::from_utf8_lossy(&bytes[..offset.min(bytes.len())]).into_owned();
        ConfigError::at(&name, &before, before.len(), message)
    })
}

/// Decodes file bytes: UTF-8 (optional BOM) or UTF-16 LE/BE with a BOM.
/// The error is the byte offset of the first bad byte and what was wrong.
pub fn decode_text(bytes: &[u8]) -> Result<String, (usize, String)> {
    let utf16 = |rest: &[u8], le: bool| -> Result<String, (usize, String)> {
        if !rest.len().is_multiple_of(2) {
            return Err((
                rest.len() + 1,
                "UTF-16 text with an odd number of bytes: the file is truncated".into(),
            ));
        }
        let units = rest.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| (2, format!("invalid UTF-16 text: {e}")))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest, 3),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => utf8(bytes, 0),
    }
}

fn utf8(bytes: &[u8], base: usize) -> Result<String, (usize, String)> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err((
            base + e.valid_up_to(),
            format!(
                "expected UTF-8 text, found an invalid byte 0x{:02X}",
                bytes[e.valid_up_to()]
            ),
        )),
    }
}

pub use crate::text::excerpt;

/// A serde_json error without its " at line N column M" suffix (callers place it).
pub fn json_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

pub use crate::location::line_col;

#[cfg(test)]
mod tests;
