//! Writing JSON text pieces: escaped strings (checked a word at a time), field names,
//! numbers, and `Display` values as string contents.

use std::fmt::{self, Display, Write as _};

use super::{Error, Result};

/// How a byte is escaped: 0 not at all, `u` as `\u00XX`, anything else as `\` + that byte.
pub(super) static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 0x20 {
        t[i] = b'u';
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

pub(super) const ONES: u64 = 0x0101_0101_0101_0101;
pub(super) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any of eight bytes needs escaping: a control byte (< 0x20), `"` or `\`. Each test
/// is the exact "some byte is less than n" word trick (n <= 128; a zero byte for `"`/`\`).
#[inline]
pub(super) fn word_needs_escape(w: u64) -> bool {
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let control = below(w, 0x20);
    let quote = below(w ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(w ^ (ONES * u64::from(b'\\')), 1);
    (control | quote | backslash) != 0
}

/// The index of the first byte at or after `i` that needs escaping, or `bytes.len()`.
#[inline]
pub(super) fn next_escape(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        if word_needs_escape(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if ESCAPE[usize::from(b)] != 0 {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// `s`'s characters, escaped, without the quotes.
#[inline]
pub(super) fn push_contents(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    let mut i = next_escape(bytes, 0);
    while let Some(&b) = bytes.get(i) {
        out.extend_from_slice(&bytes[start..i]);
        push_escape(out, b);
        start = i + 1;
        i = next_escape(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cold]
pub(super) fn push_escape(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match ESCAPE[usize::from(b)] {
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]),
        e => out.extend_from_slice(&[b'\\', e]),
    }
}

/// `s` as a JSON string.
#[inline]
pub(super) fn push_str(out: &mut Vec<u8>, s: &str) {
    out.reserve(s.len() + 10);
    out.push(b'"');
    if !push_clean(out, s.as_bytes()) {
        push_contents(out, s);
    }
    out.push(b'"');
}

/// Copies `bytes` a word at a time if none of them needs escaping (and says so); otherwise
/// leaves `out` as it was. Word-sized copies are single stores, where a copy of any other
/// length is a call to `memcpy`.
#[inline]
pub(super) fn push_clean(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
    let start = out.len();
    let n = bytes.len();
    if n < 8 {
        // Padded with spaces (never escaped) to one word; the padding is cut off again.
        let mut w = ONES * u64::from(b' ');
        for (k, &b) in bytes.iter().enumerate() {
            w ^= u64::from(b ^ b' ') << (8 * k);
        }
        if word_needs_escape(w) {
            return false;
        }
        out.extend_from_slice(&w.to_le_bytes());
        out.truncate(start + n);
        return true;
    }
    // Eight bytes that need no escaping, as a word to copy.
    let clean = |chunk: &[u8]| {
        <[u8; 8]>::try_from(chunk)
            .ok()
            .filter(|w| !word_needs_escape(u64::from_le_bytes(*w)))
    };
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let Some(word) = clean(chunk) else {
            out.truncate(start);
            return false;
        };
        out.extend_from_slice(&word);
    }
    if !chunks.remainder().is_empty() {
        // The last eight bytes, overlapping what was copied: the overlap is written again
        // with the same bytes.
        let Some(word) = clean(&bytes[n - 8..]) else {
            out.truncate(start);
            return false;
        };
        out.truncate(start + n - 8);
        out.extend_from_slice(&word);
    }
    true
}

/// `"name":` for a struct's field. Field names are literals in this program's views (serde's
/// derive hands them over as `&'static str`), so they are copied without the escape check;
/// debug builds (every test run) still check each one, so a name that needed escaping would
/// fail the tests rather than ship.
///
/// The struct path (`serialize_struct`, `serialize_field`, this) is forced inline into each
/// view's derived `serialize`: there the name is a literal, so its length is a constant and the
/// copy becomes a few stores instead of a call to `memcpy`, and the first-field and raw-value
/// tests fold away (list pages write hundreds of fields each).
#[inline(always)]
pub(super) fn push_field_name(out: &mut Vec<u8>, name: &'static str) {
    debug_assert_eq!(
        next_escape(name.as_bytes(), 0),
        name.len(),
        "field name {name:?} needs escaping"
    );
    out.reserve(name.len() + 3);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Escapes each fragment a `Display` implementation writes.
pub(super) struct Contents<'a>(&'a mut Vec<u8>);

impl fmt::Write for Contents<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_contents(self.0, s);
        Ok(())
    }
}

pub(super) fn push_display(out: &mut Vec<u8>, value: &(impl Display + ?Sized)) -> Result<()> {
    out.push(b'"');
    write!(Contents(out), "{value}")
        .map_err(|_| Error("a Display implementation failed".into()))?;
    out.push(b'"');
    Ok(())
}

// ---------------------------------------------------------------- numbers

#[inline]
pub(super) fn push_int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

pub(super) fn io(e: std::io::Error) -> Error {
    Error(e.to_string())
}

pub(super) fn push_f64(out: &mut Vec<u8>, v: f64) -> Result<()> {
    use serde_json::ser::Formatter;
    serde_json::ser::CompactFormatter
        .write_f64(out, v)
        .map_err(io)
}

pub(super) fn push_f32(out: &mut Vec<u8>, v: f32) -> Result<()> {
    use serde_json::ser::Formatter;
    serde_json::ser::CompactFormatter
        .write_f32(out, v)
        .map_err(io)
}
