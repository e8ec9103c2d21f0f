//! The response encoder: a serde serializer that writes compact JSON into a `Vec<u8>`, byte
//! for byte what `serde_json::to_vec` writes (property tests in [`super::view`] hold the two
//! together), made for the shapes views are: many short keys and short strings.
//!
//! Why not serde_json itself: its writer goes through `io::Write` a fragment at a time, and
//! its escaping looks at every byte through a table. Here a string is checked eight bytes at
//! a time and copied in one piece when nothing in it needs escaping (nearly always), and
//! structural bytes are pushed straight into the buffer. Numbers are written by the same
//! routines serde_json uses (`itoa`, and serde_json's own float formatter).

use std::fmt::{self, Display, Write as _};

use serde::ser::{self, Serialize};

/// Why a value could not be written (a map key that is not a string, or a `Serialize`
/// implementation that failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(String);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn key_must_be_a_string() -> Error {
    Error("key must be a string".into())
}

type Result<T> = std::result::Result<T, Error>;

/// `value` as JSON text appended to `out`.
pub fn write(out: &mut Vec<u8>, value: &(impl Serialize + ?Sized)) -> Result<()> {
    value.serialize(&mut Encoder { out })
}

/// The name serde_json gives the struct a `RawValue` serializes as: its one field is JSON
/// text, written as it is.
pub(crate) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
}

// ---------------------------------------------------------------- strings

/// How a byte is escaped: 0 not at all, `u` as `\u00XX`, anything else as `\` + that byte.
static ESCAPE: [u8; 256] = {
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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Whether any of eight bytes needs escaping: a control byte (< 0x20), `"` or `\`. Each test
/// is the exact "some byte is less than n" word trick (n <= 128; a zero byte for `"`/`\`).
#[inline]
fn word_needs_escape(w: u64) -> bool {
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    let control = below(w, 0x20);
    let quote = below(w ^ (ONES * u64::from(b'"')), 1);
    let backslash = below(w ^ (ONES * u64::from(b'\\')), 1);
    (control | quote | backslash) != 0
}

/// The index of the first byte at or after `i` that needs escaping, or `bytes.len()`.
#[inline]
fn next_escape(bytes: &[u8], mut i: usize) -> usize {
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
fn push_contents(out: &mut Vec<u8>, s: &str) {
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
fn push_escape(out: &mut Vec<u8>, b: u8) {
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
fn push_str(out: &mut Vec<u8>, s: &str) {
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
fn push_clean(out: &mut Vec<u8>, bytes: &[u8]) -> bool {
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
fn push_field_name(out: &mut Vec<u8>, name: &'static str) {
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
struct Contents<'a>(&'a mut Vec<u8>);

impl fmt::Write for Contents<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        push_contents(self.0, s);
        Ok(())
    }
}

fn push_display(out: &mut Vec<u8>, value: &(impl Display + ?Sized)) -> Result<()> {
    out.push(b'"');
    write!(Contents(out), "{value}")
        .map_err(|_| Error("a Display implementation failed".into()))?;
    out.push(b'"');
    Ok(())
}

// ---------------------------------------------------------------- numbers

#[inline]
fn push_int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn io(e: std::io::Error) -> Error {
    Error(e.to_string())
}

fn push_f64(out: &mut Vec<u8>, v: f64) -> Result<()> {
    use serde_json::ser::Formatter;
    serde_json::ser::CompactFormatter
        .write_f64(out, v)
        .map_err(io)
}

fn push_f32(out: &mut Vec<u8>, v: f32) -> Result<()> {
    use serde_json::ser::Formatter;
    serde_json::ser::CompactFormatter
        .write_f32(out, v)
        .map_err(io)
}

// ---------------------------------------------------------------- values

/// `serialize_i8` … `serialize_u128`, each binding the serializer to `$enc` and the value to
/// `$v` and running `$write`.
macro_rules! ints {
    ($enc:ident, $v:ident => $write:expr) => {
        ints!(@ $enc, $v => $write;
            serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
            serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_u128: u128);
    };
    (@ $enc:ident, $v:ident => $write:expr; $($name:ident: $t:ty),*) => {$(
        fn $name(self, $v: $t) -> Result<()> {
            let $enc = self;
            $write
        }
    )*};
}

impl<'a, 'b> ser::Serializer for &'a mut Encoder<'b> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<()> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    ints!(enc, v => {
        push_int(enc.out, v);
        Ok(())
    });
    /// Not finite: `null`, as serde_json writes it.
    fn serialize_f32(self, v: f32) -> Result<()> {
        if v.is_finite() {
            push_f32(self.out, v)
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        if v.is_finite() {
            push_f64(self.out, v)
        } else {
            self.serialize_unit()
        }
    }
    fn serialize_char(self, v: char) -> Result<()> {
        push_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        push_str(self.out, v);
        Ok(())
    }
    /// An array of numbers.
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.out.push(b'[');
        for (i, b) in v.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            push_int(self.out, *b);
        }
        self.out.push(b']');
        Ok(())
    }
    fn serialize_none(self) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    /// `{"Variant":value}`
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        open_variant(self.out, variant);
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'b>> {
        Ok(Compound::open(self, b'[', None))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, 'b>> {
        self.serialize_seq(Some(len))
    }
    /// `{"Variant":[…]}`
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>> {
        Ok(Compound::open(self, b'[', Some(variant)))
    }
    #[inline(always)]
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 'b>> {
        Ok(Compound::open(self, b'{', None))
    }
    #[inline(always)]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a, 'b>> {
        if name == RAW_VALUE_TOKEN {
            return Ok(Compound::raw(self));
        }
        self.serialize_map(Some(len))
    }
    /// `{"Variant":{…}}`
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>> {
        Ok(Compound::open(self, b'{', Some(variant)))
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<()> {
        push_display(self.out, value)
    }
}

/// `{"variant":` — the opening of an enum variant that carries data.
fn open_variant(out: &mut Vec<u8>, variant: &str) {
    out.push(b'{');
    push_str(out, variant);
    out.push(b':');
}

/// An array or object being written: what closes it (`]`, `}`, or either followed by the
/// `}` of an enum variant's wrapper), or a `RawValue`, whose one field is written as it is.
pub(crate) struct Compound<'a, 'b> {
    enc: &'a mut Encoder<'b>,
    first: bool,
    close: &'static [u8],
    raw: bool,
}

impl<'a, 'b> Compound<'a, 'b> {
    /// `[` or `{`, inside `{"variant":` for a tuple or struct variant.
    #[inline(always)]
    fn open(enc: &'a mut Encoder<'b>, bracket: u8, variant: Option<&str>) -> Self {
        if let Some(v) = variant {
            open_variant(enc.out, v);
        }
        enc.out.push(bracket);
        let close: &'static [u8] = match (bracket, variant.is_some()) {
            (b'[', false) => b"]",
            (b'[', true) => b"]}",
            (_, false) => b"}",
            (_, true) => b"}}",
        };
        Self {
            enc,
            first: true,
            close,
            raw: false,
        }
    }

    #[inline(always)]
    fn raw(enc: &'a mut Encoder<'b>) -> Self {
        Self {
            enc,
            first: true,
            close: b"",
            raw: true,
        }
    }

    #[inline(always)]
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.enc.out.push(b',');
        }
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.comma();
        value.serialize(&mut *self.enc)
    }

    /// `"key":value`, for a struct's field.
    #[inline(always)]
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        if self.raw {
            return value.serialize(RawText(self.enc.out));
        }
        self.comma();
        push_field_name(self.enc.out, key);
        value.serialize(&mut *self.enc)
    }

    #[inline(always)]
    fn close(self) -> Result<()> {
        self.enc.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// The four array-like serde traits, all one array.
macro_rules! seq_trait {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
                self.element(value)
            }
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

seq_trait!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.comma();
        key.serialize(KeyEncoder(self.enc.out))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.enc.out.push(b':');
        value.serialize(&mut *self.enc)
    }
    fn end(self) -> Result<()> {
        self.close()
    }
}

/// Structs and struct variants: `"field":value` pairs.
macro_rules! struct_trait {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            #[inline(always)]
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<()> {
                self.field(key, value)
            }
            #[inline(always)]
            fn end(self) -> Result<()> {
                self.close()
            }
        }
    )*};
}

struct_trait!(SerializeStruct, SerializeStructVariant);

// ---------------------------------------------------------------- refusals

/// The `Serializer` methods for compound values and for what carries no text (`None`, `()`,
/// unit structs, bytes, newtype variants), each refused with `$err()`; with the types that go
/// with them.
macro_rules! refuse_non_text {
    ($err:ident) => {
        type Ok = ();
        type Error = Error;
        type SerializeSeq = ser::Impossible<(), Error>;
        type SerializeTuple = ser::Impossible<(), Error>;
        type SerializeTupleStruct = ser::Impossible<(), Error>;
        type SerializeTupleVariant = ser::Impossible<(), Error>;
        type SerializeMap = ser::Impossible<(), Error>;
        type SerializeStruct = ser::Impossible<(), Error>;
        type SerializeStructVariant = ser::Impossible<(), Error>;

        fn serialize_bytes(self, _: &[u8]) -> Result<()> {
            Err($err())
        }
        fn serialize_none(self) -> Result<()> {
            Err($err())
        }
        fn serialize_unit(self) -> Result<()> {
            Err($err())
        }
        fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
            Err($err())
        }
        fn serialize_newtype_variant<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Result<()> {
            Err($err())
        }
        fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
            Err($err())
        }
        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
            Err($err())
        }
        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct> {
            Err($err())
        }
        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant> {
            Err($err())
        }
        fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
            Err($err())
        }
        fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
            Err($err())
        }
        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant> {
            Err($err())
        }
    };
}

/// The `Serializer` methods for scalars (and `Some`, unit variants, newtype structs), each
/// refused with `$err()`.
macro_rules! refuse_scalars {
    ($err:ident) => {
        fn serialize_bool(self, _: bool) -> Result<()> {
            Err($err())
        }
        fn serialize_i8(self, _: i8) -> Result<()> {
            Err($err())
        }
        fn serialize_i16(self, _: i16) -> Result<()> {
            Err($err())
        }
        fn serialize_i32(self, _: i32) -> Result<()> {
            Err($err())
        }
        fn serialize_i64(self, _: i64) -> Result<()> {
            Err($err())
        }
        fn serialize_u8(self, _: u8) -> Result<()> {
            Err($err())
        }
        fn serialize_u16(self, _: u16) -> Result<()> {
            Err($err())
        }
        fn serialize_u32(self, _: u32) -> Result<()> {
            Err($err())
        }
        fn serialize_u64(self, _: u64) -> Result<()> {
            Err($err())
        }
        fn serialize_f32(self, _: f32) -> Result<()> {
            Err($err())
        }
        fn serialize_f64(self, _: f64) -> Result<()> {
            Err($err())
        }
        fn serialize_char(self, _: char) -> Result<()> {
            Err($err())
        }
        fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<()> {
            Err($err())
        }
        fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<()> {
            Err($err())
        }
        fn serialize_newtype_struct<T: Serialize + ?Sized>(
            self,
            _: &'static str,
            _: &T,
        ) -> Result<()> {
            Err($err())
        }
    };
}

// ---------------------------------------------------------------- map keys

/// A map key: strings as they are; integers, booleans and finite floats quoted (as serde_json
/// does); anything else is an error.
struct KeyEncoder<'a>(&'a mut Vec<u8>);

impl KeyEncoder<'_> {
    fn quoted(self, text: &str) -> Result<()> {
        self.0.push(b'"');
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(b'"');
        Ok(())
    }

    fn int(self, n: impl itoa::Integer) -> Result<()> {
        self.quoted(itoa::Buffer::new().format(n))
    }
}

impl ser::Serializer for KeyEncoder<'_> {
    fn serialize_str(self, v: &str) -> Result<()> {
        push_str(self.0, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<()> {
        self.quoted(if v { "true" } else { "false" })
    }
    ints!(enc, v => enc.int(v));
    fn serialize_f32(self, v: f32) -> Result<()> {
        if !v.is_finite() {
            return Err(Error("float key must be finite, got NaN or +/-inf".into()));
        }
        self.0.push(b'"');
        push_f32(self.0, v)?;
        self.0.push(b'"');
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<()> {
        if !v.is_finite() {
            return Err(Error("float key must be finite, got NaN or +/-inf".into()));
        }
        self.0.push(b'"');
        push_f64(self.0, v)?;
        self.0.push(b'"');
        Ok(())
    }
    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<()> {
        push_display(self.0, value)
    }
    refuse_non_text!(key_must_be_a_string);
}

// ---------------------------------------------------------------- raw JSON text

/// A `RawValue`'s text, which serde_json hands over as a string and writes unchanged.
struct RawText<'a>(&'a mut Vec<u8>);

fn not_raw() -> Error {
    Error("expected RawValue".into())
}

impl ser::Serializer for RawText<'_> {
    fn serialize_str(self, v: &str) -> Result<()> {
        self.0.extend_from_slice(v.as_bytes());
        Ok(())
    }
    refuse_scalars!(not_raw);
    refuse_non_text!(not_raw);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word test finds exactly the bytes the table escapes, at every position of a word.
    #[test]
    fn word_test_matches_table() {
        for b in 0..=255u8 {
            for pos in 0..8 {
                let mut w = [b'a'; 8];
                w[pos] = b;
                assert_eq!(
                    word_needs_escape(u64::from_le_bytes(w)),
                    ESCAPE[usize::from(b)] != 0,
                    "byte {b:#x} at {pos}"
                );
            }
        }
    }

    /// A field name that would need escaping is caught in debug builds (the tests), since
    /// release builds copy field names as they are.
    #[cfg(debug_assertions)]
    #[test]
    #[should_panic(expected = "needs escaping")]
    fn field_names_are_checked_in_tests() {
        #[derive(serde::Serialize)]
        struct Odd {
            #[serde(rename = "a\"b")]
            a: u8,
        }
        let _ = write(&mut Vec::new(), &Odd { a: 1 });
    }

    /// A raw value's text must be a string, as serde_json requires.
    #[test]
    fn raw_value_must_be_text() {
        struct FakeRaw;
        impl Serialize for FakeRaw {
            fn serialize<S: ser::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                use ser::SerializeStruct;
                let mut st = s.serialize_struct(RAW_VALUE_TOKEN, 1)?;
                st.serialize_field(RAW_VALUE_TOKEN, &5)?;
                st.end()
            }
        }
        assert!(serde_json::to_string(&FakeRaw).is_err());
        assert!(write(&mut Vec::new(), &FakeRaw).is_err());
    }

    proptest::proptest! {
        /// ...and on any word at all (several bytes to escape, bytes above 0x7f, borrows).
        #[test]
        fn word_test_matches_table_anywhere(w: [u8; 8]) {
            let want = w.iter().any(|b| ESCAPE[usize::from(*b)] != 0);
            proptest::prop_assert_eq!(word_needs_escape(u64::from_le_bytes(w)), want);
        }
    }
}
