//! Scripted AWS: API mocks by service and operation (optionally matching the input), with
//! successive responses or errors, and step mocks that stand in for a whole step.

use super::trace::normalized;
use crate::model::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// One scripted answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// A successful response (the API's JSON, or a step's outputs).
    Ok(Value),
    /// An error, as the SDK reports it.
    Error {
        /// Error code, e.g. `AccessDenied`.
        code: String,
        /// Error message.
        message: String,
    },
}

/// What a mock stands in for.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// An API call (`aws:executeAwsApi`, assert, waitFor, the ec2 calls of
    /// `aws:changeInstanceState`).
    Api {
        /// Service namespace (`s3`).
        service: String,
        /// Operation (`GetBucketEncryption`).
        api: String,
    },
    /// A whole step, by name: its response is the step's outputs by name (`{"Payload": {...}}`
    /// for `aws:executeScript`, `{"Status": "Success", "Output": [...]}` for
    /// `aws:executeAutomation`); declared selectors are applied to it.
    Step(String),
}

/// A scripted AWS answer.
///
/// Responses are used in order, one per call; the last one repeats. Among mocks of one
/// operation, those with a `when` that matches the input win over those without; otherwise the
/// first declared wins. `when` matches when every key it names has the same value in the input
/// (maps are compared key by key, so a partial map matches).
///
/// ```
/// use runbook_dsl::simulate::{Mock, Response};
/// use serde_json::json;
/// let m = Mock::api("s3", "GetBucketEncryption")
///     .when(json!({"Bucket": "b"}))
///     .responds(json!({"ServerSideEncryptionConfiguration": {"Rules": []}}))
///     .then_error("AccessDenied", "no");
/// assert_eq!(m.responses().len(), 2);
/// assert!(matches!(m.responses()[1], Response::Error { .. }));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mock {
    target: Target,
    when: Option<Value>,
    responses: Vec<Response>,
}

impl Mock {
    /// A mock of an API operation.
    pub fn api(service: impl Into<String>, api: impl Into<String>) -> Self {
        Mock { target: Target::Api { service: service.into(), api: api.into() }, when: None, responses: Vec::new() }
    }
    /// A mock of a whole step (any action): the step makes no calls and returns these outputs.
    pub fn step(name: impl Into<String>) -> Self {
        Mock { target: Target::Step(name.into()), when: None, responses: Vec::new() }
    }
    /// Only answer calls whose input contains these values.
    pub fn when(mut self, input: Value) -> Self {
        self.when = Some(input);
        self
    }
    /// Adds a successful response.
    pub fn responds(mut self, response: Value) -> Self {
        self.responses.push(Response::Ok(response));
        self
    }
    /// Adds a successful response after the previous ones (same as [`Mock::responds`]).
    pub fn then_responds(self, response: Value) -> Self {
        self.responds(response)
    }
    /// For a step mock: the step's outputs by name (same as [`Mock::responds`]).
    pub fn outputs(self, outputs: Value) -> Self {
        self.responds(outputs)
    }
    /// Adds an error response.
    pub fn error(mut self, code: impl Into<String>, message: impl Into<String>) -> Self {
        self.responses.push(Response::Error { code: code.into(), message: message.into() });
        self
    }
    /// Adds an error after the previous responses (same as [`Mock::error`]).
    pub fn then_error(self, code: impl Into<String>, message: impl Into<String>) -> Self {
        self.error(code, message)
    }
    /// What the mock stands in for.
    pub fn target(&self) -> &Target {
        &self.target
    }
    /// The scripted responses, in order.
    pub fn responses(&self) -> &[Response] {
        &self.responses
    }

    /// Reads a mocks file's content (already parsed from YAML): a list of
    /// `{service, api, when?, response? | responses? | error?: {code, message}}` and
    /// `{step, outputs? | error?}` entries. In `responses`, an item that is exactly
    /// `{error: {code, message}}` is an error.
    ///
    /// ```
    /// use runbook_dsl::simulate::Mock;
    /// let v = runbook_dsl::yaml::from_str("- service: s3\n  api: PutBucketEncryption\n  error: {code: AccessDenied, message: denied}\n- step: Fix\n  outputs: {Payload: {ok: true}}\n").unwrap();
    /// let mocks = Mock::list_from_value(&v).unwrap();
    /// assert_eq!(mocks.len(), 2);
    /// let err = Mock::list_from_value(&serde_json::json!([{"service": "s3"}])).unwrap_err();
    /// assert_eq!(err.to_string(), "[0]: an API mock needs `service` and `api` (e.g. `{service: s3, api: GetBucketEncryption, response: {...}}`)");
    /// ```
    pub fn list_from_value(v: &Value) -> Result<Vec<Mock>, MockError> {
        let items = v.as_array().ok_or_else(|| MockError {
            path: String::new(),
            message: "a mocks file is a YAML list of `{service, api, response}` and `{step, outputs}` entries".into(),
        })?;
        items.iter().enumerate().map(|(i, item)| Mock::entry(item, &format!("[{i}]"))).collect()
    }

    fn entry(item: &Value, path: &str) -> Result<Mock, MockError> {
        let err = |p: &str, m: &str| MockError { path: format!("{path}{p}"), message: m.to_string() };
        let m = item.as_object().ok_or_else(|| err("", "each entry is a map with `service` and `api`, or `step`"))?;
        let allowed: &[&str] = if m.contains_key("step") {
            &["step", "outputs", "error"]
        } else {
            &["service", "api", "when", "response", "responses", "error"]
        };
        if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(err(&format!(".{k}"), &format!("unknown key; expected one of {}", allowed.join(", "))));
        }
        let text = |k: &str| -> Result<Option<String>, MockError> {
            match m.get(k) {
                None => Ok(None),
                Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
                Some(_) => Err(err(&format!(".{k}"), "must be a non-empty string")),
            }
        };
        let mut mock = if let Some(step) = text("step")? {
            let mut mock = Mock::step(step);
            if let Some(o) = m.get("outputs") {
                if !o.is_object() {
                    return Err(err(".outputs", "must be a map of output name to value"));
                }
                mock = mock.outputs(o.clone());
            }
            mock
        } else {
            match (text("service")?, text("api")?) {
                (Some(s), Some(a)) => Mock::api(s, a),
                _ => {
                    return Err(err(
                        "",
                        "an API mock needs `service` and `api` (e.g. `{service: s3, api: GetBucketEncryption, response: {...}}`)",
                    ))
                }
            }
        };
        if let Some(w) = m.get("when") {
            mock = mock.when(w.clone());
        }
        if let Some(r) = m.get("response") {
            mock = mock.responds(r.clone());
        }
        if let Some(rs) = m.get("responses") {
            let list = rs.as_array().ok_or_else(|| err(".responses", "must be a list of responses"))?;
            for (j, r) in list.iter().enumerate() {
                match r.as_object().and_then(|o| if o.len() == 1 { o.get("error") } else { None }) {
                    Some(e) => {
                        let (c, msg) = error_entry(e).map_err(|m| err(&format!(".responses[{j}].error"), &m))?;
                        mock = mock.error(c, msg);
                    }
                    None => mock = mock.responds(r.clone()),
                }
            }
        }
        if let Some(e) = m.get("error") {
            let (c, msg) = error_entry(e).map_err(|m| err(".error", &m))?;
            mock = mock.error(c, msg);
        }
        let kinds = ["response", "responses", "outputs", "error"].iter().filter(|k| m.contains_key(**k)).count();
        if kinds > 1 && !(m.contains_key("responses") && m.contains_key("error")) {
            return Err(err("", "give one of `response`, `responses` or `error` (or `outputs` for a step)"));
        }
        if mock.responses.is_empty() {
            mock = mock.responds(Value::Object(Map::new()));
        }
        Ok(mock)
    }
}

fn error_entry(e: &Value) -> Result<(String, String), String> {
    let o = e.as_object().ok_or("must be a map `{code, message}`")?;
    let code = o.get("code").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or("needs a string `code`")?;
    let message = match o.get("message") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err("`message` must be a string".into()),
    };
    Ok((code.to_string(), message))
}

/// A mocks-file entry that cannot be used: where (`[2].error`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MockError {
    /// Place in the file, e.g. `[2].responses[1]`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for MockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for MockError {}

/// What answering a call produced.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Answer {
    Ok(Value),
    Error(String),
    Missing(String),
}

/// The mocks of one run, with the position in each mock's responses.
pub(crate) struct MockState<'a> {
    mocks: &'a [Mock],
    used: Vec<usize>,
    /// API mocks with responses by normalized `service api`, in declaration order.
    by_api: HashMap<String, Vec<usize>>,
}

fn api_key(service: &str, api: &str) -> String {
    let mut k = normalized(service);
    k.push(' ');
    k.push_str(&normalized(api));
    k
}

impl<'a> MockState<'a> {
    pub(crate) fn new(mocks: &'a [Mock]) -> Self {
        let mut by_api: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in mocks.iter().enumerate() {
            if let Target::Api { service, api } = &m.target {
                if !m.responses.is_empty() {
                    by_api.entry(api_key(service, api)).or_default().push(i);
                }
            }
        }
        MockState { mocks, used: vec![0; mocks.len()], by_api }
    }

    fn next(&mut self, i: usize) -> &'a Response {
        let rs = &self.mocks[i].responses;
        let k = self.used[i].min(rs.len().saturating_sub(1));
        self.used[i] += 1;
        &rs[k]
    }

    /// Answers an API call.
    pub(crate) fn call(&mut self, service: &str, api: &str, input: &Value) -> Answer {
        let mut fallback = None;
        let candidates = self.by_api.get(&api_key(service, api));
        let any = candidates.is_some();
        for &i in candidates.map(Vec::as_slice).unwrap_or_default() {
            let m = &self.mocks[i];
            match &m.when {
                Some(w) if contains(input, w) => return self.answer(i, api),
                Some(_) => {}
                None => {
                    if fallback.is_none() {
                        fallback = Some(i);
                    }
                }
            }
        }
        if let Some(i) = fallback {
            return self.answer(i, api);
        }
        let input_text = serde_json::to_string(input).unwrap_or_default();
        Answer::Missing(if any {
            format!(
                "no mock for {service} {api} matches the input {input_text}: every mock of it has a `when` that differs; \
                 add Mock::api(\"{service}\", \"{api}\").responds(...) without `when` (mocks file: \
                 `{{service: {service}, api: {api}, response: {{...}}}}`) or fix the `when`"
            )
        } else {
            format!(
                "no mock for {service} {api} (input {input_text}); add Mock::api(\"{service}\", \"{api}\").responds(...) \
                 (mocks file: `{{service: {service}, api: {api}, response: {{...}}}}`)"
            )
        })
    }

    fn answer(&mut self, i: usize, api: &str) -> Answer {
        match self.next(i) {
            Response::Ok(v) => Answer::Ok(v.clone()),
            Response::Error { code, message } => {
                Answer::Error(format!("An error occurred ({code}) when calling the {api} operation: {message}"))
            }
        }
    }

    /// The step mock for `step`, if there is one.
    pub(crate) fn step(&mut self, step: &str) -> Option<Answer> {
        let i = self.mocks.iter().position(|m| matches!(&m.target, Target::Step(s) if s == step))?;
        Some(match self.next(i) {
            Response::Ok(v) => Answer::Ok(v.clone()),
            Response::Error { code, message } => Answer::Error(format!("{code}: {message}")),
        })
    }
}

/// Whether `input` contains `pattern`: maps key by key (partial), lists element by element,
/// scalars equal (a number equals its text).
fn contains(input: &Value, pattern: &Value) -> bool {
    match (input, pattern) {
        (Value::Object(i), Value::Object(p)) => p.iter().all(|(k, pv)| i.get(k).is_some_and(|iv| contains(iv, pv))),
        (Value::Array(i), Value::Array(p)) => i.len() == p.len() && i.iter().zip(p).all(|(a, b)| contains(a, b)),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => n.to_string() == *s,
        (a, b) => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn responses_run_in_order_and_the_last_repeats() {
        let mocks = [Mock::api("s3", "GetX").responds(json!(1)).then_error("Boom", "bad").then_responds(json!(2))];
        let mut st = MockState::new(&mocks);
        let answers: Vec<Answer> = (0..4).map(|_| st.call("s3", "get_x", &json!({}))).collect();
        assert_eq!(answers[0], Answer::Ok(json!(1)));
        assert_eq!(answers[1], Answer::Error("An error occurred (Boom) when calling the get_x operation: bad".into()));
        assert_eq!(answers[2], Answer::Ok(json!(2)));
        assert_eq!(answers[3], Answer::Ok(json!(2)));
    }

    #[test]
    fn a_matching_when_wins_over_a_general_mock() {
        let mocks = [
            Mock::api("s3", "GetX").responds(json!("general")),
            Mock::api("s3", "GetX").when(json!({"Bucket": "b", "Cfg": {"A": 1}})).responds(json!("specific")),
        ];
        let mut st = MockState::new(&mocks);
        assert_eq!(
            st.call("s3", "GetX", &json!({"Bucket": "b", "Cfg": {"A": 1, "B": 2}})),
            Answer::Ok(json!("specific"))
        );
        assert_eq!(st.call("s3", "GetX", &json!({"Bucket": "c"})), Answer::Ok(json!("general")));
    }

    #[test]
    fn missing_mocks_name_service_api_and_the_fix() {
        let mocks = [Mock::api("s3", "GetX").when(json!({"Bucket": "b"})).responds(json!(1))];
        let mut st = MockState::new(&mocks);
        let Answer::Missing(m) = st.call("s3", "GetX", &json!({"Bucket": "z"})) else { panic!("expected missing") };
        assert!(m.contains("no mock for s3 GetX matches the input {\"Bucket\":\"z\"}"), "{m}");
        let Answer::Missing(m) = st.call("ec2", "StopInstances", &json!({})) else { panic!("expected missing") };
        assert!(m.contains("Mock::api(\"ec2\", \"StopInstances\")"), "{m}");
    }

    #[test]
    fn mocks_file_entries_and_errors_with_places() {
        let v = json!([
            {"service": "s3", "api": "GetX", "when": {"Bucket": "b"}, "responses": [{"A": 1}, {"error": {"code": "E", "message": "m"}}]},
            {"step": "Script", "outputs": {"Payload": {"ok": true}}},
            {"service": "s3", "api": "PutX"}
        ]);
        let ms = Mock::list_from_value(&v).unwrap();
        assert_eq!(ms[0].responses()[1], Response::Error { code: "E".into(), message: "m".into() });
        assert_eq!(ms[1].target(), &Target::Step("Script".into()));
        assert_eq!(ms[2].responses(), &[Response::Ok(json!({}))]);
        let bad = |v: Value| Mock::list_from_value(&v).unwrap_err().to_string();
        assert_eq!(bad(json!({"a": 1})).split(' ').next(), Some("a"));
        assert!(bad(json!([{"service": "s3", "api": "X", "respons": {}}])).starts_with("[0].respons: unknown key"));
        assert!(bad(json!([{}, {"service": "s3", "api": "X", "error": {"message": "m"}}])).starts_with("[0]: "));
        assert_eq!(
            bad(json!([{"service": "s3", "api": "X", "error": {"message": "m"}}])),
            "[0].error: needs a string `code`"
        );
        assert!(bad(json!([{"step": "S", "outputs": [1]}])).starts_with("[0].outputs: must be a map"));
    }
}

/// What AWS's API models say against the mocks: a mock of a service or operation that does not
/// exist, or a response holding a member the operation never returns (at any depth; boto3's
/// `ResponseMetadata` is allowed at the top). One message per finding, naming the mock and the
/// JSONPath of the member. [`crate::simulate::Simulation::strict_mocks`] makes them errors.
///
/// ```
/// use runbook_dsl::simulate::{model_warnings, Mock};
/// use serde_json::json;
/// let ok = Mock::api("s3", "GetBucketVersioning").responds(json!({"Status": "Enabled"}));
/// assert!(model_warnings(&[ok]).is_empty());
/// let bad = Mock::api("s3", "GetBucketVersioning").responds(json!({"Versioning": "Enabled"}));
/// assert!(model_warnings(&[bad])[0].contains("`$.Versioning`"));
/// ```
pub fn model_warnings(mocks: &[Mock]) -> Vec<String> {
    use crate::aws_api::{self, OperationLookup, ServiceLookup};
    let version = aws_api::version();
    let mut out = Vec::new();
    for m in mocks {
        let Target::Api { service, api } = &m.target else { continue };
        let svc = match aws_api::service(service) {
            ServiceLookup::Found(s) | ServiceLookup::OtherCase(_, s) => s,
            ServiceLookup::Unknown(near) => {
                let hint = near.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                out.push(format!(
                    "mock of {service}.{api}: no service `{service}` in AWS's API models ({version}){hint}"
                ));
                continue;
            }
        };
        let op = match aws_api::operation(svc, api) {
            OperationLookup::Found(op) => op,
            OperationLookup::Unknown { case, near } => {
                let hint = case.or(near).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
                out.push(format!(
                    "mock of {service}.{api}: `{api}` is not an operation of `{service}` ({version}){hint}"
                ));
                continue;
            }
        };
        for (i, r) in m.responses.iter().enumerate() {
            let Response::Ok(v) = r else { continue };
            let mut found = Vec::new();
            match &op.output {
                Some(shape) => response_members(svc, v, &aws_api::Target::Shape(shape.clone()), "$", true, &mut found),
                None => {
                    if let Some(o) = v.as_object() {
                        found.extend(o.keys().filter(|k| *k != "ResponseMetadata").map(|k| format!("$.{k}")));
                    }
                }
            }
            for path in found {
                out.push(format!(
                    "mock of {service}.{api}, response {}: `{path}` is never in the response of {} ({version})",
                    i + 1,
                    op.name
                ));
            }
        }
    }
    out
}

/// JSONPaths in `v` that the shape `t` does not have.
fn response_members(
    svc: &crate::aws_api::Service,
    v: &Value,
    t: &crate::aws_api::Target,
    path: &str,
    top: bool,
    out: &mut Vec<String>,
) {
    use crate::aws_api::{Shape, Target as T};
    let T::Shape(name) = t else { return };
    match (svc.shape(name), v) {
        (Some(Shape::Structure(ms)), Value::Object(o)) => {
            for (k, x) in o {
                match ms.iter().find(|m| &m.name == k) {
                    Some(m) => response_members(svc, x, &m.target, &format!("{path}.{k}"), false, out),
                    None if top && k == "ResponseMetadata" => {}
                    None => out.push(format!("{path}.{k}")),
                }
            }
        }
        (Some(Shape::List(item)), Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                response_members(svc, x, item, &format!("{path}[{i}]"), false, out);
            }
        }
        (Some(Shape::Map(_, val)), Value::Object(o)) => {
            for (k, x) in o {
                response_members(svc, x, val, &format!("{path}.{k}"), false, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod model_tests {
    use super::{model_warnings, Mock};
    use serde_json::json;

    #[test]
    fn a_mock_of_an_unknown_operation_or_service_is_named() {
        let w = model_warnings(&[
            Mock::api("s3", "GetBucketVersionning").responds(json!({})),
            Mock::api("s4", "GetBucketVersioning").responds(json!({})),
            Mock::step("Whole").responds(json!({"Anything": 1})),
        ]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("not an operation of `s3`") && w[0].contains("`GetBucketVersioning`"), "{}", w[0]);
        assert!(w[1].contains("no service `s4`") && w[1].contains("botocore "), "{}", w[1]);
    }

    #[test]
    fn response_members_the_operation_never_returns_are_named_at_any_depth() {
        let m = Mock::api("ec2", "describe_instances")
            .responds(json!({
                "Reservations": [{"Instances": [{"State": {"Name": "running", "Colour": "red"}, "InstanceId": "i-1"}]}],
                "ResponseMetadata": {"HTTPStatusCode": 200}
            }))
            .then_error("Throttling", "slow")
            .then_responds(json!({"Reservation": []}));
        let w = model_warnings(&[m]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("response 1: `$.Reservations[0].Instances[0].State.Colour`"), "{}", w[0]);
        assert!(w[1].contains("response 3: `$.Reservation`"), "{}", w[1]);
    }

    #[test]
    fn map_values_are_followed_and_their_keys_are_free() {
        let m = Mock::api("sqs", "GetQueueAttributes").responds(json!({"Attributes": {"KmsMasterKeyId": "k"}}));
        assert!(model_warnings(&[m]).is_empty());
    }
}
