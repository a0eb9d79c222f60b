use super::{Map, Value};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A comparison operator of `aws:branch` choices and `aws:loop` conditions.
///
/// ```
/// use runbook_dsl::prelude::*;
/// assert_eq!(Operator::NumericGreater.operand(), OperandKind::Numeric);
/// assert_eq!(Operator::from_name("Contains"), Some(Operator::Contains));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// String equality.
    StringEquals,
    /// Case-insensitive string equality.
    EqualsIgnoreCase,
    /// String prefix.
    StartsWith,
    /// String suffix.
    EndsWith,
    /// Substring.
    Contains,
    /// `==` on numbers.
    NumericEquals,
    /// `>` on numbers.
    NumericGreater,
    /// `>=` on numbers.
    NumericGreaterOrEquals,
    /// `<` on numbers.
    NumericLesser,
    /// `<=` on numbers.
    NumericLesserOrEquals,
    /// Boolean equality.
    BooleanEquals,
}

/// The kind of operand an operator compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// Strings.
    String,
    /// Numbers.
    Numeric,
    /// Booleans.
    Boolean,
}

impl Operator {
    /// Every operator.
    pub const ALL: [Operator; 11] = [
        Operator::StringEquals,
        Operator::EqualsIgnoreCase,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::Contains,
        Operator::NumericEquals,
        Operator::NumericGreater,
        Operator::NumericGreaterOrEquals,
        Operator::NumericLesser,
        Operator::NumericLesserOrEquals,
        Operator::BooleanEquals,
    ];

    /// The key as written in documents.
    pub fn name(self) -> &'static str {
        match self {
            Operator::StringEquals => "StringEquals",
            Operator::EqualsIgnoreCase => "EqualsIgnoreCase",
            Operator::StartsWith => "StartsWith",
            Operator::EndsWith => "EndsWith",
            Operator::Contains => "Contains",
            Operator::NumericEquals => "NumericEquals",
            Operator::NumericGreater => "NumericGreater",
            Operator::NumericGreaterOrEquals => "NumericGreaterOrEquals",
            Operator::NumericLesser => "NumericLesser",
            Operator::NumericLesserOrEquals => "NumericLesserOrEquals",
            Operator::BooleanEquals => "BooleanEquals",
        }
    }

    /// The operator written as `name`.
    pub fn from_name(name: &str) -> Option<Operator> {
        Operator::ALL.into_iter().find(|o| o.name() == name)
    }

    /// What the operator compares.
    pub fn operand(self) -> OperandKind {
        match self {
            Operator::StringEquals
            | Operator::EqualsIgnoreCase
            | Operator::StartsWith
            | Operator::EndsWith
            | Operator::Contains => OperandKind::String,
            Operator::BooleanEquals => OperandKind::Boolean,
            _ => OperandKind::Numeric,
        }
    }
}

/// A condition of an `aws:branch` choice or an `aws:loop` `LoopCondition`.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let c = Condition::compare("{{ Get.State }}", Operator::StringEquals, "stopped");
/// let v = serde_json::to_value(&c).unwrap();
/// assert_eq!(v, json!({"Variable": "{{ Get.State }}", "StringEquals": "stopped"}));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// `{Variable, <Operator>: value}`.
    Compare {
        /// The reference tested, e.g. `{{ Step.Output }}`.
        variable: Value,
        /// The operator.
        op: Operator,
        /// The operand.
        value: Value,
    },
    /// All must hold.
    And(Vec<Condition>),
    /// At least one must hold.
    Or(Vec<Condition>),
    /// The inner condition must not hold.
    Not(Box<Condition>),
    /// A condition AWS would not accept, kept as written so the validator can report it.
    Invalid(Map),
}

impl Condition {
    /// `{Variable: variable, op: value}`.
    pub fn compare(variable: impl Into<Value>, op: Operator, value: impl Into<Value>) -> Self {
        Condition::Compare { variable: variable.into(), op, value: value.into() }
    }

    /// Reads a condition from its map form (without `NextStep`).
    pub fn from_map(m: &Map) -> Condition {
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        let parse_list = |v: &Value| -> Option<Vec<Condition>> {
            v.as_array()?.iter().map(|c| c.as_object().map(Condition::from_map)).collect()
        };
        match keys.as_slice() {
            ["And"] => parse_list(&m["And"]).map(Condition::And),
            ["Or"] => parse_list(&m["Or"]).map(Condition::Or),
            ["Not"] => m["Not"].as_object().map(|c| Condition::Not(Box::new(Condition::from_map(c)))),
            [a, b] => {
                let (var_key, op_key) = if *a == "Variable" { (*a, *b) } else { (*b, *a) };
                match (var_key, Operator::from_name(op_key)) {
                    ("Variable", Some(op)) => {
                        Some(Condition::Compare { variable: m["Variable"].clone(), op, value: m[op_key].clone() })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
        .unwrap_or_else(|| Condition::Invalid(m.clone()))
    }

    /// The map form.
    pub fn to_map(&self) -> Map {
        let mut m = Map::new();
        match self {
            Condition::Compare { variable, op, value } => {
                m.insert("Variable".into(), variable.clone());
                m.insert(op.name().into(), value.clone());
            }
            Condition::And(cs) => {
                m.insert("And".into(), Value::Array(cs.iter().map(|c| Value::Object(c.to_map())).collect()));
            }
            Condition::Or(cs) => {
                m.insert("Or".into(), Value::Array(cs.iter().map(|c| Value::Object(c.to_map())).collect()));
            }
            Condition::Not(c) => {
                m.insert("Not".into(), Value::Object(c.to_map()));
            }
            Condition::Invalid(raw) => m = raw.clone(),
        }
        m
    }
}

impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Condition::from_map(&Map::deserialize(d)?))
    }
}

/// One `aws:branch` choice: a condition and the step to go to when it holds.
///
/// ```
/// use runbook_dsl::prelude::*;
/// let c = Choice::new("Fix", Condition::compare("{{ Check.Ok }}", Operator::BooleanEquals, false));
/// assert_eq!(serde_json::to_value(&c).unwrap()["NextStep"], "Fix");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// The step to run when the condition holds.
    pub next_step: String,
    /// The condition.
    pub condition: Condition,
}

impl Choice {
    /// A choice.
    pub fn new(next_step: impl Into<String>, condition: Condition) -> Self {
        Choice { next_step: next_step.into(), condition }
    }
}

impl Serialize for Choice {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = Map::new();
        m.insert("NextStep".into(), Value::String(self.next_step.clone()));
        m.extend(self.condition.to_map());
        m.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Choice {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut m = Map::deserialize(d)?;
        let next = match m.shift_remove("NextStep") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(serde::de::Error::custom("`NextStep` must be a step name")),
            None => return Err(serde::de::Error::custom("a choice needs `NextStep`")),
        };
        Ok(Choice { next_step: next, condition: Condition::from_map(&m) })
    }
}
