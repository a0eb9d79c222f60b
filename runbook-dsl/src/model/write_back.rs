//! Whether a typed value writes back exactly as a JSON value, checked while serializing it (no
//! value is built): reading a typed action proves this for every step, so it must be cheap.
//!
//! [`writes_back`] is a fast path with one rule: when it answers `true`, `serde_json::to_value`
//! would give a value equal to the expected one. Any form it does not follow (bytes, enum
//! variants with data, a key written twice, keys that are not strings) and every mismatch fall
//! back to that slower comparison, so a `false` is always `to_value`'s answer.

use super::Value;
use serde::ser::{self, Serialize};
use std::fmt;

/// Whether `to_value(t) == *expected`, without building `to_value(t)` when it is so.
pub(crate) fn writes_back<T: Serialize + ?Sized>(t: &T, expected: &Value) -> bool {
    t.serialize(Same(expected)).is_ok() || serde_json::to_value(t).is_ok_and(|v| v == *expected)
}

/// The serialization departs from the expected value, or takes a form not followed here.
#[derive(Debug)]
struct Differs;

impl fmt::Display for Differs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("differs")
    }
}

impl std::error::Error for Differs {}

impl ser::Error for Differs {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Differs
    }
}

fn check(same: bool) -> Result<(), Differs> {
    if same {
        Ok(())
    } else {
        Err(Differs)
    }
}

/// Serializes by comparing with the expected value.
struct Same<'a>(&'a Value);

/// The items of a sequence, compared in order.
struct Items<'a> {
    expected: &'a [Value],
    next: usize,
}

/// The entries of a map or struct, each looked up by key; every key written once, all there.
struct Entries<'a> {
    expected: &'a super::Map,
    /// The expected entries written so far, by the address of their key (maps are small: a
    /// larger one takes the slow comparison).
    seen: Vec<*const String>,
    value: Option<&'a Value>,
}

/// Maps with more keys than this take the slow comparison (the check of keys written twice is
/// quadratic).
const MAX_KEYS: usize = 64;

impl<'a> Entries<'a> {
    fn new(expected: &'a super::Map) -> Result<Self, Differs> {
        if expected.len() > MAX_KEYS {
            return Err(Differs);
        }
        Ok(Entries { expected, seen: Vec::with_capacity(expected.len()), value: None })
    }

    /// Marks `key` written; its expected value.
    fn take(&mut self, key: &str) -> Result<&'a Value, Differs> {
        let (k, v) = self.expected.get_key_value(key).ok_or(Differs)?;
        let at: *const String = k;
        if self.seen.contains(&at) {
            return Err(Differs);
        }
        self.seen.push(at);
        Ok(v)
    }

    fn end(self) -> Result<(), Differs> {
        check(self.seen.len() == self.expected.len())
    }
}

impl<'a> ser::Serializer for Same<'a> {
    type Ok = ();
    type Error = Differs;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Differs>;
    type SerializeMap = Entries<'a>;
    type SerializeStruct = Entries<'a>;
    type SerializeStructVariant = ser::Impossible<(), Differs>;

    fn serialize_bool(self, v: bool) -> Result<(), Differs> {
        check(self.0.as_bool() == Some(v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), Differs> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Differs> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Differs> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Differs> {
        check(self.0 == &Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<(), Differs> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Differs> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Differs> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Differs> {
        check(self.0 == &Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<(), Differs> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Differs> {
        check(self.0 == &serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn serialize_char(self, v: char) -> Result<(), Differs> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Differs> {
        check(self.0.as_str() == Some(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Differs> {
        Err(Differs)
    }
    fn serialize_none(self) -> Result<(), Differs> {
        check(self.0.is_null())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Differs> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Differs> {
        check(self.0.is_null())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Differs> {
        check(self.0.is_null())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Differs> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Differs> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Differs> {
        Err(Differs)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>, Differs> {
        match self.0 {
            Value::Array(a) => Ok(Items { expected: a, next: 0 }),
            _ => Err(Differs),
        }
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'a>, Differs> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Items<'a>, Differs> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Differs> {
        Err(Differs)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Entries<'a>, Differs> {
        match self.0 {
            Value::Object(m) => Entries::new(m),
            _ => Err(Differs),
        }
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Entries<'a>, Differs> {
        self.serialize_map(None)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Differs> {
        Err(Differs)
    }
}

impl ser::SerializeSeq for Items<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        let expected = self.expected.get(self.next).ok_or(Differs)?;
        self.next += 1;
        v.serialize(Same(expected))
    }
    fn end(self) -> Result<(), Differs> {
        check(self.next == self.expected.len())
    }
}

impl ser::SerializeTuple for Items<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Differs> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Items<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<(), Differs> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Differs> {
        // Keys that serialize as strings only (serde_json also writes numbers as keys: not
        // followed here, so they take the slow comparison).
        let key = key.serialize(KeyText)?;
        self.value = Some(self.take(&key)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Differs> {
        v.serialize(Same(self.value.take().ok_or(Differs)?))
    }
    fn end(self) -> Result<(), Differs> {
        Entries::end(self)
    }
}

impl ser::SerializeStruct for Entries<'_> {
    type Ok = ();
    type Error = Differs;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Differs> {
        let expected = self.take(key)?;
        v.serialize(Same(expected))
    }
    fn end(self) -> Result<(), Differs> {
        Entries::end(self)
    }
}

/// A map key that serializes as a string, as that string.
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Differs;
    type SerializeSeq = ser::Impossible<String, Differs>;
    type SerializeTuple = ser::Impossible<String, Differs>;
    type SerializeTupleStruct = ser::Impossible<String, Differs>;
    type SerializeTupleVariant = ser::Impossible<String, Differs>;
    type SerializeMap = ser::Impossible<String, Differs>;
    type SerializeStruct = ser::Impossible<String, Differs>;
    type SerializeStructVariant = ser::Impossible<String, Differs>;

    fn serialize_str(self, v: &str) -> Result<String, Differs> {
        Ok(v.to_string())
    }
    fn serialize_bool(self, _: bool) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_i8(self, _: i8) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_i16(self, _: i16) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_i32(self, _: i32) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_i64(self, _: i64) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_u8(self, _: u8) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_u16(self, _: u16) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_u32(self, _: u32) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_u64(self, _: u64) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_f32(self, _: f32) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_char(self, _: char) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_none(self) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_unit(self) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, _: &T) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Differs> {
        Err(Differs)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Differs> {
        Err(Differs)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Differs> {
        Err(Differs)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Differs> {
        Err(Differs)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Differs> {
        Err(Differs)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Differs> {
        Err(Differs)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Differs> {
        Err(Differs)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Differs> {
        Err(Differs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::actions::{ExecuteAwsApi, ExecuteScript};
    use crate::model::{Action, Step};
    use serde_json::json;

    type Case = (Box<dyn Fn(&Value) -> bool>, Value);

    /// A typed value and what `to_value` writes for it.
    fn case<T: Serialize + 'static>(t: T) -> Case {
        let expected = serde_json::to_value(&t).expect("serializable");
        (Box::new(move |v| writes_back(&t, v)), expected)
    }

    /// Equal to what `to_value` writes; different from every one-node change of it.
    #[test]
    fn agrees_with_to_value() {
        let cases = [
            case(Action::from(ExecuteAwsApi::new("s3", "PutBucketEncryption").param("Bucket", "b"))),
            case(Action::from(ExecuteScript::new("python3.11").handler("h").script("x"))),
            case(Step::new("S", Action::from(ExecuteScript::new("python3.11"))).max_attempts(3u64)),
            case((1u64, -2i64, 1.5f64, true, None::<u8>, 'c')),
            case(json!({"a": [1, {"b": null}], "c": -0.5})),
        ];
        for (write_back, expected) in &cases {
            assert!(write_back(expected), "equal to itself: {expected}");
            for changed in one_node_changes(expected) {
                assert!(!write_back(&changed), "{changed} must differ from {expected}");
            }
        }
        assert!(writes_back(&f64::NAN, &Value::Null), "a NaN writes as null");
    }

    /// The value with one node replaced, one key removed or one key added, each way.
    fn one_node_changes(v: &Value) -> Vec<Value> {
        let mut out = vec![json!("other"), json!(7), json!(7.5), json!(null), json!([]), json!({})];
        out.retain(|o| o != v);
        match v {
            Value::Array(a) => {
                for i in 0..a.len() {
                    for c in one_node_changes(&a[i]) {
                        let mut b = a.clone();
                        b[i] = c;
                        out.push(Value::Array(b));
                    }
                    let mut b = a.clone();
                    b.remove(i);
                    out.push(Value::Array(b));
                }
                let mut b = a.clone();
                b.push(json!(1));
                out.push(Value::Array(b));
            }
            Value::Object(m) => {
                for (k, x) in m {
                    for c in one_node_changes(x) {
                        let mut n = m.clone();
                        n.insert(k.clone(), c);
                        out.push(Value::Object(n));
                    }
                    let mut n = m.clone();
                    n.shift_remove(k);
                    out.push(Value::Object(n));
                }
                let mut n = m.clone();
                n.insert("Extra".into(), json!(1));
                out.push(Value::Object(n));
            }
            _ => {}
        }
        out
    }

    /// A key written twice is never taken for a complete map.
    #[test]
    fn a_key_written_twice_is_not_a_complete_map() {
        struct Twice;
        impl Serialize for Twice {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                m.serialize_entry("a", &1)?;
                m.serialize_entry("a", &1)?;
                m.end()
            }
        }
        assert!(!writes_back(&Twice, &json!({"a": 1, "b": 2})));
        assert!(writes_back(&Twice, &json!({"a": 1})), "to_value keeps one `a`: equal");
    }
}
