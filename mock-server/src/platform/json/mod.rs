//! The response encoder: a serde serializer that writes compact JSON into a `Vec<u8>`, byte
//! for byte what `serde_json::to_vec` writes (property tests in [`super::view`] hold the two
//! together), made for the shapes views are: many short keys and short strings.
//!
//! Why not serde_json itself: its writer goes through `io::Write` a fragment at a time, and
//! its escaping looks at every byte through a table. Here a string is checked eight bytes at
//! a time and copied in one piece when nothing in it needs escaping (nearly always), and
//! structural bytes are pushed straight into the buffer. Numbers are written by the same
//! routines serde_json uses (`itoa`, and serde_json's own float formatter).

use std::fmt::{self, Display};

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

mod text;
use text::*;

struct Encoder<'a> {
    out: &'a mut Vec<u8>,
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
mod tests;
