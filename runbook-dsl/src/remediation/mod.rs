//! Wiring a runbook to AWS Config: the remediation binding and its checks, and the
//! CloudFormation templates that deploy runbook, role, remediation and failure alerts
//! ([`template`]).
//!
//! ```
//! use runbook_dsl::prelude::*;
//! use runbook_dsl::remediation::Binding;
//!
//! let mut rb = Runbook::new("Stop an instance.");
//! rb.assume_role();
//! let id: Param<Str> = rb.param("InstanceId", ParamSpec::new("The instance."));
//! rb.add(Step::new("Stop", ChangeInstanceState::new(vec![id.value()], "stopped")));
//! let doc = rb.build().unwrap();
//!
//! let binding = Binding::new("EC2_INSTANCE_NO_PUBLIC_IP", "AWS::EC2::Instance", "InstanceId")
//!     .maximum_automatic_attempts(3)
//!     .retry_attempt_seconds(600);
//! assert!(binding.check(&doc).is_ok());
//! let too_many = binding.clone().maximum_automatic_attempts(30);
//! let err = too_many.check(&doc).unwrap_err().to_string();
//! assert!(err.contains("MaximumAutomaticAttempts is 30; AWS Config accepts 1 to 25"));
//! ```

pub mod alerts;
pub mod organization;
pub mod parameters;
pub mod security_hub;
pub mod template;

use crate::builder::ASSUME_ROLE_PARAM;
use crate::model::{DataType, Document};
use indexmap::IndexMap;
use std::fmt;

/// The Config rule a remediation is attached to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigRule {
    /// An AWS managed rule, by identifier (`S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`); the
    /// templates create the rule.
    Managed(String),
    /// A rule that already exists in the account, by name; the templates only refer to it.
    Custom(String),
}

impl ConfigRule {
    /// Upper-case identifiers (`A-Z`, digits, `_`) are managed rules; anything else is the name
    /// of an existing rule.
    ///
    /// ```
    /// use runbook_dsl::remediation::ConfigRule;
    /// assert_eq!(ConfigRule::parse("REQUIRED_TAGS"), ConfigRule::Managed("REQUIRED_TAGS".into()));
    /// assert_eq!(ConfigRule::parse("my-org-tags"), ConfigRule::Custom("my-org-tags".into()));
    /// ```
    pub fn parse(s: &str) -> ConfigRule {
        let managed = !s.is_empty()
            && s.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && s.starts_with(|c: char| c.is_ascii_uppercase());
        if managed {
            ConfigRule::Managed(s.to_string())
        } else {
            ConfigRule::Custom(s.to_string())
        }
    }

    /// The rule's name in the account: the custom name, or the managed identifier in the
    /// console's lower-case form (`s3-bucket-server-side-encryption-enabled`).
    pub fn rule_name(&self) -> String {
        match self {
            ConfigRule::Managed(id) => id.to_ascii_lowercase().replace('_', "-"),
            ConfigRule::Custom(name) => name.clone(),
        }
    }

    /// As written in the binding.
    pub fn as_str(&self) -> &str {
        match self {
            ConfigRule::Managed(s) | ConfigRule::Custom(s) => s,
        }
    }
}

/// How AWS Config runs a runbook for a rule's non-compliant resources
/// (`AWS::Config::RemediationConfiguration`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The rule.
    pub rule: ConfigRule,
    /// The Config resource type, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
    /// The document parameter that receives `RESOURCE_ID`.
    pub resource_id_param: String,
    /// Config starts the runbook by itself (`true`) or waits for someone to (`false`).
    pub automatic: bool,
    /// Failed automatic attempts within `retry_attempt_seconds` before Config gives up (1–25).
    pub maximum_automatic_attempts: u32,
    /// The window, in seconds, over which attempts are counted (1–2,678,000).
    pub retry_attempt_seconds: u64,
    /// Percentage of non-compliant resources remediated at once (1–100).
    pub concurrent_execution_rate_percentage: u32,
    /// Percentage of failed runs after which SSM stops starting new ones (1–100).
    pub error_percentage: u32,
    /// Fixed values for document parameters (each a list of strings, as Config passes them).
    pub static_values: IndexMap<String, Vec<String>>,
    /// Optional document parameters the templates expose as template parameters (with the
    /// runbook's default), see [`Binding::expose`].
    pub exposed: Vec<String>,
    /// The managed rule's `InputParameters` (for example `tag1Key` of `REQUIRED_TAGS`), written
    /// into the template's `AWS::Config::ConfigRule`.
    pub input_parameters: IndexMap<String, String>,
    /// `InputParameters` that take the value of a runbook parameter, by rule key: the rule and the
    /// runbook get the same value, whoever sets it (see [`Binding::input_parameter_from`]).
    pub input_parameters_from: IndexMap<String, String>,
}

/// The resource type of account-level rules (periodic checks of the account's settings).
pub const ACCOUNT_RESOURCE_TYPE: &str = "AWS::::Account";

/// The trust policy of every role an SSM Automation execution assumes in a template: the
/// `ssm.amazonaws.com` principal, only for this account's automation executions in the stack's
/// Region (`aws:SourceAccount`, `ArnLike aws:SourceArn` on `automation-execution/*`: the
/// confused-deputy form of Systems Manager's guidance, with the Region filled in, since Config
/// and EventBridge start the runbooks in the stack's Region).
///
/// ```
/// let t = runbook_dsl::remediation::automation_trust_policy();
/// assert_eq!(t["Statement"][0]["Principal"]["Service"], "ssm.amazonaws.com");
/// assert_eq!(
///     t["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"],
///     "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"
/// );
/// ```
pub fn automation_trust_policy() -> serde_json::Value {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ssm.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:automation-execution/*"}},
            },
        }],
    })
}

/// Largest `MaximumAutomaticAttempts`.
pub const MAX_AUTOMATIC_ATTEMPTS: u32 = 25;
/// Largest `RetryAttemptSeconds` (about 31 days).
pub const MAX_RETRY_ATTEMPT_SECONDS: u64 = 2_678_000;

impl Binding {
    /// An automatic remediation with AWS Config's defaults: 5 attempts in 60 seconds, 10 %
    /// concurrency, stop at 50 % errors.
    pub fn new(config_rule: &str, resource_type: &str, resource_id_param: &str) -> Binding {
        Binding {
            rule: ConfigRule::parse(config_rule),
            resource_type: resource_type.to_string(),
            resource_id_param: resource_id_param.to_string(),
            automatic: true,
            maximum_automatic_attempts: 5,
            retry_attempt_seconds: 60,
            concurrent_execution_rate_percentage: 10,
            error_percentage: 50,
            static_values: IndexMap::new(),
            exposed: Vec::new(),
            input_parameters: IndexMap::new(),
            input_parameters_from: IndexMap::new(),
        }
    }

    /// Sets whether Config starts the runbook by itself.
    pub fn automatic(mut self, automatic: bool) -> Self {
        self.automatic = automatic;
        self
    }
    /// Sets `MaximumAutomaticAttempts`.
    pub fn maximum_automatic_attempts(mut self, n: u32) -> Self {
        self.maximum_automatic_attempts = n;
        self
    }
    /// Sets `RetryAttemptSeconds`.
    pub fn retry_attempt_seconds(mut self, s: u64) -> Self {
        self.retry_attempt_seconds = s;
        self
    }
    /// Sets `ConcurrentExecutionRatePercentage`.
    pub fn concurrent_execution_rate_percentage(mut self, p: u32) -> Self {
        self.concurrent_execution_rate_percentage = p;
        self
    }
    /// Sets `ErrorPercentage`.
    pub fn error_percentage(mut self, p: u32) -> Self {
        self.error_percentage = p;
        self
    }
    /// Gives a document parameter a fixed value.
    pub fn static_value<S: Into<String>>(mut self, param: &str, values: impl IntoIterator<Item = S>) -> Self {
        self.static_values.insert(param.to_string(), values.into_iter().map(Into::into).collect());
        self
    }

    /// Lets whoever deploys the template set an optional document parameter: it becomes a
    /// template parameter whose default is the runbook's, with the runbook's checks
    /// ([`parameters::template_parameter`]).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// use runbook_dsl::remediation::Binding;
    ///
    /// let mut rb = Runbook::new("Encrypt a volume.");
    /// rb.assume_role();
    /// let _: Param<Str> = rb.param("VolumeId", ParamSpec::new("The volume."));
    /// let key: Param<Str> = rb.param("KmsKeyId", ParamSpec::new("The key.").default("alias/aws/ebs"));
    /// rb.add(Step::new("Read", ExecuteAwsApi::new("kms", "DescribeKey").param("KeyId", &key)));
    /// let doc = rb.build().unwrap();
    /// let b = Binding::new("ENCRYPTED_VOLUMES", "AWS::EC2::Volume", "VolumeId").expose("KmsKeyId");
    /// assert_eq!(b.open_parameters(&doc).len(), 1);
    /// assert!(b.check(&doc).is_ok());
    /// ```
    pub fn expose(mut self, param: &str) -> Self {
        self.exposed.push(param.to_string());
        self
    }

    /// Sets one of the rule's `InputParameters` (a managed rule's parameter, e.g. `tag1Key`).
    ///
    /// ```
    /// use runbook_dsl::remediation::Binding;
    /// let b = Binding::new("REQUIRED_TAGS", "AWS::EC2::Instance", "InstanceId").input_parameter("tag1Key", "Owner");
    /// assert_eq!(b.input_parameters["tag1Key"], "Owner");
    /// ```
    pub fn input_parameter(mut self, key: &str, value: impl Into<String>) -> Self {
        self.input_parameters.insert(key.to_string(), value.into());
        self
    }
    /// Sets one of the rule's `InputParameters` to the value of the runbook's parameter `param`:
    /// its static value, the template parameter the deployer fills, or its default (a list is
    /// joined with commas, as Config's CSV parameters expect). The rule and the runbook then check
    /// and fix the same thing.
    ///
    /// ```
    /// use runbook_dsl::remediation::Binding;
    /// let b = Binding::new("IAM_ROLE_MANAGED_POLICY_CHECK", "AWS::IAM::Role", "RoleId")
    ///     .input_parameter_from("managedPolicyArns", "PolicyArn");
    /// assert_eq!(b.input_parameters_from["managedPolicyArns"], "PolicyArn");
    /// ```
    pub fn input_parameter_from(mut self, key: &str, param: &str) -> Self {
        self.input_parameters_from.insert(key.to_string(), param.to_string());
        self
    }

    /// Document parameters the binding leaves to whoever deploys it: required or exposed, and
    /// given neither `RESOURCE_ID`, a static value nor the role.
    pub fn open_parameters<'d>(&self, doc: &'d Document) -> Vec<(&'d String, &'d crate::model::Parameter)> {
        doc.parameters
            .iter()
            .filter(|(name, p)| {
                (p.is_required() || self.exposed.contains(name))
                    && **name != self.resource_id_param
                    && name.as_str() != ASSUME_ROLE_PARAM
                    && !self.static_values.contains_key(name.as_str())
            })
            .collect()
    }

    /// Every range and every reference to the document, checked; all problems at once.
    pub fn check(&self, doc: &Document) -> Result<(), BindingError> {
        let mut p = Vec::new();
        let rule = self.rule.as_str();
        if rule.trim().is_empty() || rule.chars().count() > 128 {
            p.push(format!(
                "ConfigRuleName `{rule}` must be 1 to 128 characters with at least one that is not a space"
            ));
        }
        let rt = self.resource_type.split("::").collect::<Vec<_>>();
        let shaped = rt.len() == 3
            && rt[0] == "AWS"
            && rt[1..].iter().all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
        if !shaped && self.resource_type != ACCOUNT_RESOURCE_TYPE {
            p.push(format!(
                "ResourceType `{}` is not a Config resource type (expected `AWS::Service::Resource`, e.g. \
                 `AWS::S3::Bucket`, or `AWS::::Account` for account-level rules)",
                self.resource_type
            ));
        }
        if !(1..=MAX_AUTOMATIC_ATTEMPTS).contains(&self.maximum_automatic_attempts) {
            p.push(format!(
                "MaximumAutomaticAttempts is {}; AWS Config accepts 1 to {MAX_AUTOMATIC_ATTEMPTS}",
                self.maximum_automatic_attempts
            ));
        }
        if !(1..=MAX_RETRY_ATTEMPT_SECONDS).contains(&self.retry_attempt_seconds) {
            p.push(format!(
                "RetryAttemptSeconds is {}; AWS Config accepts 1 to {MAX_RETRY_ATTEMPT_SECONDS} (about 31 days)",
                self.retry_attempt_seconds
            ));
        }
        for (field, v) in [
            ("ConcurrentExecutionRatePercentage", self.concurrent_execution_rate_percentage),
            ("ErrorPercentage", self.error_percentage),
        ] {
            if !(1..=100).contains(&v) {
                p.push(format!("{field} is {v}; AWS Config accepts 1 to 100"));
            }
        }
        match doc.parameters.get(&self.resource_id_param) {
            None => p.push(format!(
                "the RESOURCE_ID parameter `{}` is not a parameter of the runbook (declare it, or name one of: {})",
                self.resource_id_param,
                doc.parameters.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            Some(param) if param.ty.data_type() != DataType::String => p.push(format!(
                "the RESOURCE_ID parameter `{}` is {}; Config passes one resource id, so it must be a String",
                self.resource_id_param, param.ty
            )),
            Some(_) => {}
        }
        if !doc.parameters.contains_key(ASSUME_ROLE_PARAM) {
            p.push(format!(
                "the runbook has no `{ASSUME_ROLE_PARAM}` parameter, so Config cannot hand it the remediation role \
                 (call `Runbook::assume_role()`)"
            ));
        } else if self.automatic && doc.assume_role.as_deref() != Some("{{ AutomationAssumeRole }}") {
            p.push(format!(
                "automatic remediation runs as `{ASSUME_ROLE_PARAM}`: set the document's assumeRole to \
                 `{{{{ AutomationAssumeRole }}}}` (call `Runbook::assume_role()`)"
            ));
        }
        for name in &self.exposed {
            if !doc.parameters.contains_key(name) {
                p.push(format!("exposed parameter `{name}`: the runbook has no such parameter"));
            } else if *name == self.resource_id_param
                || name == ASSUME_ROLE_PARAM
                || self.static_values.contains_key(name)
            {
                p.push(format!(
                    "exposed parameter `{name}` is already set by the remediation (RESOURCE_ID, the role or a static value); remove `expose`"
                ));
            }
        }
        for (key, name) in &self.input_parameters_from {
            if !doc.parameters.contains_key(name) {
                p.push(format!("rule input parameter `{key}` takes runbook parameter `{name}`, which does not exist"));
            }
        }
        for (name, values) in &self.static_values {
            let Some(param) = doc.parameters.get(name) else {
                p.push(format!("static value for `{name}`: the runbook has no such parameter"));
                continue;
            };
            if *name == self.resource_id_param {
                p.push(format!("`{name}` receives RESOURCE_ID; it cannot also have a static value"));
            }
            if name == ASSUME_ROLE_PARAM {
                p.push(format!("`{name}` is set from the remediation role by the template; remove the static value"));
            }
            if values.len() > 25 {
                p.push(format!("static value for `{name}` has {} values; AWS Config accepts at most 25", values.len()));
            }
            if let Some(v) = values.iter().find(|v| v.chars().count() > 256) {
                p.push(format!(
                    "static value for `{name}`: `{}...` is {} characters; AWS Config accepts at most 256",
                    v.chars().take(20).collect::<String>(),
                    v.chars().count()
                ));
            }
            if param.ty.data_type() != DataType::StringList && values.len() != 1 {
                p.push(format!(
                    "static value for `{name}` ({}) must be exactly one value, got {}",
                    param.ty,
                    values.len()
                ));
            }
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(BindingError { problems: p })
        }
    }
}

/// A binding that AWS Config would refuse: every problem, each with the accepted range or the
/// fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingError {
    /// The problems.
    pub problems: Vec<String>,
}

impl fmt::Display for BindingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problems.join("\n"))
    }
}

impl std::error::Error for BindingError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    fn doc() -> Document {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("b"));
        let _: Param<StrList> = rb.param("Approvers", ParamSpec::new("a"));
        let _: Param<StrList> = rb.param("Ids", ParamSpec::new("i"));
        rb.add(Step::new("P", Pause::new()));
        rb.build().unwrap()
    }

    #[test]
    fn every_range_is_checked_with_the_accepted_values() {
        let b = Binding::new("S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED", "AWS::S3::Bucket", "BucketName")
            .maximum_automatic_attempts(0)
            .retry_attempt_seconds(2_678_001)
            .concurrent_execution_rate_percentage(101)
            .error_percentage(0);
        let e = b.check(&doc()).unwrap_err();
        assert_eq!(
            e.problems,
            [
                "MaximumAutomaticAttempts is 0; AWS Config accepts 1 to 25",
                "RetryAttemptSeconds is 2678001; AWS Config accepts 1 to 2678000 (about 31 days)",
                "ConcurrentExecutionRatePercentage is 101; AWS Config accepts 1 to 100",
                "ErrorPercentage is 0; AWS Config accepts 1 to 100",
            ]
        );
        let edges = Binding::new("R", "AWS::S3::Bucket", "BucketName")
            .maximum_automatic_attempts(25)
            .retry_attempt_seconds(2_678_000)
            .concurrent_execution_rate_percentage(100)
            .error_percentage(1);
        assert_eq!(edges.check(&doc()), Ok(()));
        let account = Binding::new("MULTI_REGION_CLOUD_TRAIL_ENABLED", "AWS::::Account", "BucketName");
        assert_eq!(account.check(&doc()), Ok(()));
    }

    #[test]
    fn parameters_must_exist_and_fit() {
        let b = Binding::new(" ", "S3::Bucket", "Ids")
            .static_value("Missing", ["x"])
            .static_value("BucketName", ["a", "b"])
            .static_value("AutomationAssumeRole", ["arn"])
            .static_value("Approvers", vec!["x".repeat(257)]);
        let text = b.check(&doc()).unwrap_err().to_string();
        for want in [
            "ConfigRuleName ` ` must be 1 to 128 characters",
            "ResourceType `S3::Bucket` is not a Config resource type",
            "the RESOURCE_ID parameter `Ids` is StringList",
            "static value for `Missing`: the runbook has no such parameter",
            "static value for `BucketName` (String) must be exactly one value, got 2",
            "`AutomationAssumeRole` is set from the remediation role by the template",
            "is 257 characters; AWS Config accepts at most 256",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
    }

    #[test]
    fn the_runbook_must_take_the_role() {
        let mut rb = Runbook::new("t");
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("b"));
        rb.add(Step::new("P", Pause::new()));
        let d = rb.build().unwrap();
        let text = Binding::new("R", "AWS::S3::Bucket", "BucketName").check(&d).unwrap_err().to_string();
        assert!(text.contains("no `AutomationAssumeRole` parameter"), "{text}");
    }

    #[test]
    fn open_parameters_are_the_required_unbound_ones() {
        let b = Binding::new("R", "AWS::S3::Bucket", "BucketName").static_value("Ids", ["a", "b"]);
        let d = doc();
        let open: Vec<&String> = b.open_parameters(&d).into_iter().map(|(n, _)| n).collect();
        assert_eq!(open, ["Approvers"]);
    }
}
