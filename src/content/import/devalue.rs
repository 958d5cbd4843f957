//! Devalue decoding: a Nuxt `_payload.json` (a flat JSON array of values that refer to
//! each other by index) into one owned `Value` tree, with Nuxt's reactive wrappers
//! unwrapped.
//!
//! The format (devalue's `stringify`/`unflatten`): element 0 is the root. Inside an
//! object or a plain array every value is an index into the flat array, or a negative
//! special (-1 undefined, -2 hole, -3 NaN, -4 +Infinity, -5 -Infinity, -6 -0). An array
//! whose first element is a string is a typed value: `["Date", iso]`, `["Set", i...]`,
//! `["Map", k, v, ...]`, `["null", key, i, ...]` (an object without prototype), and the
//! revivers Nuxt registers (`ShallowReactive`, `Reactive`, `Ref`, `ShallowRef`,
//! `EmptyRef`, `EmptyShallowRef`, `NuxtError`, `Island`).
//!
//! Devalue may share and even cycle references. We build a tree, so sharing is copied
//! and a cycle is an error; depth and total size are bounded so a hostile payload gets
//! an error in bounded time and memory rather than a hang or a stack overflow.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A decoded value. Objects keep their keys in payload order (JavaScript insertion
/// order), which is what makes the written front matter stable.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `undefined` (and array holes): a field that is not there.
    Undefined,
    Null,
    Bool(bool),
    /// The number as text: JSON's own spelling, or `.nan`, `.inf`, `-.inf`, `-0`.
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

impl Value {
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn as_object(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The value of `key` in an object (`None` for non-objects and missing keys).
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Null or undefined: nothing to write.
    pub(crate) fn is_nothing(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }

    /// A short name for error messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// Why a payload could not be decoded. Indexes are positions in the flat array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DevalueError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a devalue payload: expected a JSON array, found {0}")]
    NotAnArray(&'static str),
    #[error("empty devalue payload")]
    Empty,
    #[error("index {index}: reference to {target}, which is not in the array")]
    BadReference { index: usize, target: i64 },
    #[error("index {index}: expected an index, found {found}")]
    NotAnIndex { index: usize, found: &'static str },
    #[error("index {index}: cyclic reference (the value contains itself)")]
    Cycle { index: usize },
    #[error("index {index}: nested more than {MAX_DEPTH} levels deep")]
    TooDeep { index: usize },
    #[error("payload expands to more than {MAX_NODES} values")]
    TooLarge,
    #[error("index {index}: unsupported devalue type `{name}`")]
    UnknownType { index: usize, name: String },
    #[error("index {index}: malformed `{name}` value")]
    Malformed { index: usize, name: String },
}

/// Deepest nesting we decode. Real payloads are a few dozen levels deep (minimark
/// nodes nest as arrays); the limit keeps recursion far from the stack's end.
pub(crate) const MAX_DEPTH: usize = 256;
/// Most values (nodes plus string bytes / 64) one payload may expand to. Shared
/// references are copied, so without this a few kilobytes of `[1,1]`, `[2,2]` … could
/// ask for 2^n values.
pub(crate) const MAX_NODES: usize = 2_000_000;

/// Decode a devalue payload from JSON bytes.
pub(crate) fn decode(bytes: &[u8]) -> Result<Value, DevalueError> {
    // serde_json refuses nesting beyond 128 levels itself, so even `[[[[…` 100k deep is
    // an error here rather than a stack overflow.
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| DevalueError::Json(e.to_string()))?;
    let values = match raw {
        Raw::Array(v) => v,
        // devalue encodes a lone special (`-1`) as a bare number.
        Raw::Number(n) => {
            return special(&n).ok_or(DevalueError::NotAnArray("a number"));
        }
        other => return Err(DevalueError::NotAnArray(other.kind())),
    };
    if values.is_empty() {
        return Err(DevalueError::Empty);
    }
    let mut decoder = Decoder {
        values: &values,
        visiting: vec![false; values.len()],
        budget: MAX_NODES,
    };
    decoder.hydrate(0, 0)
}

/// The value of a negative special index, if `n` is one.
fn special(n: &serde_json::Number) -> Option<Value> {
    let v = match n.as_i64()? {
        -1 | -2 => Value::Undefined,
        -3 => Value::Number(".nan".into()),
        -4 => Value::Number(".inf".into()),
        -5 => Value::Number("-.inf".into()),
        -6 => Value::Number("-0".into()),
        _ => return None,
    };
    Some(v)
}

struct Decoder<'a> {
    values: &'a [Raw],
    /// Indexes on the current path from the root: meeting one again is a cycle.
    visiting: Vec<bool>,
    /// Values left to produce before the payload counts as too large.
    budget: usize,
}

impl Decoder<'_> {
    fn spend(&mut self, n: usize) -> Result<(), DevalueError> {
        self.budget = self.budget.checked_sub(n).ok_or(DevalueError::TooLarge)?;
        Ok(())
    }

    /// Resolve a reference found at flat index `from` (for error messages).
    fn reference(&mut self, from: usize, r: &Raw, depth: usize) -> Result<Value, DevalueError> {
        let Raw::Number(n) = r else {
            return Err(DevalueError::NotAnIndex {
                index: from,
                found: r.kind(),
            });
        };
        if let Some(v) = special(n) {
            return Ok(v);
        }
        let target = n.as_i64().ok_or(DevalueError::NotAnIndex {
            index: from,
            found: "a fractional number",
        })?;
        match usize::try_from(target) {
            Ok(t) if t < self.values.len() => self.hydrate(t, depth + 1),
            _ => Err(DevalueError::BadReference {
                index: from,
                target,
            }),
        }
    }

    fn hydrate(&mut self, index: usize, depth: usize) -> Result<Value, DevalueError> {
        if depth > MAX_DEPTH {
            return Err(DevalueError::TooDeep { index });
        }
        if self.visiting[index] {
            return Err(DevalueError::Cycle { index });
        }
        self.spend(1)?;
        let values = self.values;
        let out = match &values[index] {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(*b),
            Raw::Number(n) => Value::Number(n.to_string()),
            Raw::String(s) => {
                self.spend(s.len() / 64)?;
                Value::String(s.clone())
            }
            Raw::Array(items) => {
                self.visiting[index] = true;
                let v = match items.first() {
                    Some(Raw::String(name)) => self.typed(index, name, &items[1..], depth),
                    _ => self.array(index, items, depth),
                };
                self.visiting[index] = false;
                v?
            }
            Raw::Object(entries) => {
                self.visiting[index] = true;
                let v = self.object(index, entries, depth);
                self.visiting[index] = false;
                v?
            }
        };
        Ok(out)
    }

    fn array(&mut self, index: usize, items: &[Raw], depth: usize) -> Result<Value, DevalueError> {
        let mut out = Vec::with_capacity(items.len().min(1024));
        for item in items {
            out.push(self.reference(index, item, depth)?);
        }
        Ok(Value::Array(out))
    }

    fn object(
        &mut self,
        index: usize,
        entries: &[(String, Raw)],
        depth: usize,
    ) -> Result<Value, DevalueError> {
        let mut out = Vec::with_capacity(entries.len().min(1024));
        for (key, r) in entries {
            let v = self.reference(index, r, depth)?;
            insert(&mut out, key.clone(), v);
        }
        Ok(Value::Object(out))
    }

    /// `["Name", args...]`: devalue's built-in types and Nuxt's revivers.
    fn typed(
        &mut self,
        index: usize,
        name: &str,
        args: &[Raw],
        depth: usize,
    ) -> Result<Value, DevalueError> {
        let malformed = || DevalueError::Malformed {
            index,
            name: name.to_string(),
        };
        match name {
            // Nuxt's payload revivers: reactivity wrappers around one value.
            "ShallowReactive" | "Reactive" | "Ref" | "ShallowRef" | "NuxtError" | "Island" => {
                let [r] = args else { return Err(malformed()) };
                self.reference(index, r, depth)
            }
            // Nuxt writes an empty ref's value as a JSON string: "_" is undefined.
            "EmptyRef" | "EmptyShallowRef" => {
                let [r] = args else { return Err(malformed()) };
                match self.reference(index, r, depth)? {
                    Value::String(s) if s == "_" => Ok(Value::Undefined),
                    Value::String(s) if s == "0n" => Ok(Value::Number("0".into())),
                    Value::String(s) => {
                        let raw: Raw = serde_json::from_str(&s).map_err(|_| malformed())?;
                        self.spend(raw.size())?;
                        Ok(raw.into_value())
                    }
                    _ => Err(malformed()),
                }
            }
            // Inline arguments, not references.
            "Date" => match args {
                [Raw::String(s)] => Ok(Value::String(s.clone())),
                _ => Err(malformed()),
            },
            "BigInt" => match args {
                [Raw::String(s)] => Ok(Value::Number(s.clone())),
                _ => Err(malformed()),
            },
            "RegExp" => match args {
                [Raw::String(src)] => Ok(Value::String(format!("/{src}/"))),
                [Raw::String(src), Raw::String(flags)] => {
                    Ok(Value::String(format!("/{src}/{flags}")))
                }
                _ => Err(malformed()),
            },
            "Object" => match args {
                [r] if !matches!(r, Raw::Array(_) | Raw::Object(_)) => Ok(r.clone().into_value()),
                _ => Err(malformed()),
            },
            "Set" => self.array(index, args, depth),
            "Map" | "null" => {
                if !args.len().is_multiple_of(2) {
                    return Err(malformed());
                }
                let mut out = Vec::new();
                for pair in args.chunks_exact(2) {
                    let key = if name == "null" {
                        // `["null", "key", i, …]`: keys are inline strings.
                        match &pair[0] {
                            Raw::String(s) => s.clone(),
                            _ => return Err(malformed()),
                        }
                    } else {
                        match self.reference(index, &pair[0], depth)? {
                            Value::String(s) | Value::Number(s) => s,
                            Value::Bool(b) => b.to_string(),
                            _ => return Err(malformed()),
                        }
                    };
                    let v = self.reference(index, &pair[1], depth)?;
                    insert(&mut out, key, v);
                }
                Ok(Value::Object(out))
            }
            _ => Err(DevalueError::UnknownType {
                index,
                name: name.chars().take(40).collect(),
            }),
        }
    }
}

/// Set `key` like JavaScript does: a repeated key keeps its first position and takes
/// the last value.
fn insert(out: &mut Vec<(String, Value)>, key: String, v: Value) {
    if let Some(slot) = out.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = v;
    } else {
        out.push((key, v));
    }
}

/// JSON as parsed, objects in source order (serde_json's own `Value` sorts keys).
#[derive(Debug, Clone)]
enum Raw {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Raw>),
    Object(Vec<(String, Raw)>),
}

impl Raw {
    fn kind(&self) -> &'static str {
        match self {
            Raw::Null => "null",
            Raw::Bool(_) => "a boolean",
            Raw::Number(_) => "a number",
            Raw::String(_) => "a string",
            Raw::Array(_) => "an array",
            Raw::Object(_) => "an object",
        }
    }

    /// Number of values, for the size budget.
    fn size(&self) -> usize {
        match self {
            Raw::Array(a) => 1 + a.iter().map(Raw::size).sum::<usize>(),
            Raw::Object(o) => 1 + o.iter().map(|(_, v)| v.size()).sum::<usize>(),
            _ => 1,
        }
    }

    /// Plain JSON (not devalue) as a value: for `EmptyRef`'s JSON text.
    fn into_value(self) -> Value {
        match self {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Number(n) => Value::Number(n.to_string()),
            Raw::String(s) => Value::String(s),
            Raw::Array(a) => Value::Array(a.into_iter().map(Raw::into_value).collect()),
            Raw::Object(o) => {
                let mut out = Vec::new();
                for (k, v) in o {
                    insert(&mut out, k, v.into_value());
                }
                Value::Object(out)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Raw, E> {
        Ok(Raw::Number(n.into()))
    }
    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Raw, E> {
        Ok(Raw::Number(n.into()))
    }
    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Raw, E> {
        serde_json::Number::from_f64(n)
            .map(Raw::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Raw, E> {
        Ok(Raw::String(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Raw, E> {
        Ok(Raw::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Raw::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Raw>()? {
            out.push((k, v));
        }
        Ok(Raw::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn decodes_references_specials_and_key_order() {
        let v = decode(br#"[{"b":1,"a":2,"u":-1,"n":3},"x",[4,-2,5],null,7,"y"]"#).unwrap();
        assert_eq!(
            v,
            Value::Object(vec![
                ("b".into(), s("x")),
                (
                    "a".into(),
                    Value::Array(vec![Value::Number("7".into()), Value::Undefined, s("y")])
                ),
                ("u".into(), Value::Undefined),
                ("n".into(), Value::Null),
            ])
        );
    }

    #[test]
    fn unwraps_nuxt_wrappers() {
        let v = decode(br#"[{"data":1,"r":4,"e":6},["ShallowReactive",2],["Reactive",3],"v",["Ref",5],["ShallowRef",3],["EmptyRef",7],"_"]"#)
            .unwrap();
        assert_eq!(v.get("data"), Some(&s("v")));
        assert_eq!(v.get("r"), Some(&s("v")));
        assert_eq!(v.get("e"), Some(&Value::Undefined));
    }

    #[test]
    fn shared_references_are_copied() {
        let v = decode(br#"[[1,1],"same"]"#).unwrap();
        assert_eq!(v, Value::Array(vec![s("same"), s("same")]));
    }

    #[test]
    fn builtin_types() {
        let v = decode(
            br#"[[1,2,3],["Date","2026-05-14T00:00:00.000Z"],["Set",4],["Map",4,5],"k","v"]"#,
        )
        .unwrap();
        assert_eq!(
            v,
            Value::Array(vec![
                s("2026-05-14T00:00:00.000Z"),
                Value::Array(vec![s("k")]),
                Value::Object(vec![("k".into(), s("v"))]),
            ])
        );
    }

    #[test]
    fn self_reference_is_a_cycle_error() {
        assert_eq!(decode(br#"[[0]]"#), Err(DevalueError::Cycle { index: 0 }));
        assert_eq!(
            decode(br#"[{"a":1},{"b":0}]"#),
            Err(DevalueError::Cycle { index: 0 })
        );
        assert!(matches!(
            decode(br#"[["Ref",0]]"#),
            Err(DevalueError::Cycle { .. })
        ));
    }

    #[test]
    fn deep_reference_chain_is_an_error_not_a_stack_overflow() {
        let n = 100_000;
        let mut json = String::from("[");
        for i in 1..n {
            json.push_str(&format!("[{i}],"));
        }
        json.push_str("\"end\"]");
        assert!(matches!(
            decode(json.as_bytes()),
            Err(DevalueError::TooDeep { .. })
        ));
    }

    #[test]
    fn deep_json_nesting_is_an_error() {
        let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(matches!(
            decode(json.as_bytes()),
            Err(DevalueError::Json(_))
        ));
    }

    #[test]
    fn exponential_sharing_is_bounded() {
        // Each level refers to the next twice: 2^60 values if expanded naively.
        let mut json = String::from("[");
        for i in 1..60 {
            json.push_str(&format!("[{i},{i}],"));
        }
        json.push_str("\"leaf\"]");
        assert_eq!(decode(json.as_bytes()), Err(DevalueError::TooLarge));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(decode(b"not json"), Err(DevalueError::Json(_))));
        assert_eq!(
            decode(br#"{"a":1}"#),
            Err(DevalueError::NotAnArray("an object"))
        );
        assert_eq!(decode(b"[]"), Err(DevalueError::Empty));
        assert_eq!(decode(b"-1"), Ok(Value::Undefined));
        assert!(matches!(
            decode(b"[[5]]"),
            Err(DevalueError::BadReference { target: 5, .. })
        ));
        assert!(matches!(
            decode(b"[[-9]]"),
            Err(DevalueError::BadReference { target: -9, .. })
        ));
        assert!(matches!(
            decode(br#"[["x"]]"#),
            Err(DevalueError::UnknownType { .. })
        ));
        assert!(matches!(
            decode(br#"[{"a":"b"}]"#),
            Err(DevalueError::NotAnIndex { .. })
        ));
        assert!(matches!(
            decode(br#"[["Ref"]]"#),
            Err(DevalueError::Malformed { .. })
        ));
    }
}
