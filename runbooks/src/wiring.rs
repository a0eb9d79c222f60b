//! The catalog wired to AWS Config: each runbook's remediation binding (its [`ConfigTarget`]
//! plus the settings below), its explicit IAM grants, its derived least-privilege policy, and the
//! files `emit` writes for them: `<name>.policy.json`, `<name>.template.yaml` and
//! `catalog.template.yaml`.
//!
//! ```
//! let entries = runbooks::catalog().unwrap();
//! let files = runbooks::wiring::files(&entries).unwrap();
//! assert!(files.iter().any(|(name, _)| name == "Remediate-S3-EnableDefaultEncryption.policy.json"));
//! assert!(files.iter().any(|(name, _)| name == "catalog.template.yaml"));
//! ```
//!
//! [`ConfigTarget`]: crate::catalog::ConfigTarget

use crate::catalog::{CatalogEntry, RuleParameter};
use runbook_dsl::iam::{self, Derivation, Form, Grants, Library};
use runbook_dsl::remediation::template::{self, Deployable};
use runbook_dsl::remediation::Binding;
use std::collections::BTreeMap;

/// The file holding the template for the whole catalog.
pub const CATALOG_TEMPLATE: &str = "catalog.template.yaml";

/// The file holding the organization template (Config aggregator, Service Catalog portfolio).
pub const ORGANIZATION_TEMPLATE: &str = "organization.template.yaml";

/// Remediation settings that differ from AWS Config's defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `MaximumAutomaticAttempts` (1–25).
    pub maximum_automatic_attempts: u32,
    /// `RetryAttemptSeconds` (1–2,678,000).
    pub retry_attempt_seconds: u64,
    /// `ConcurrentExecutionRatePercentage` (1–100).
    pub concurrent_execution_rate_percentage: u32,
    /// `ErrorPercentage` (1–100).
    pub error_percentage: u32,
}

/// AWS Config's defaults.
pub const DEFAULT_SETTINGS: Settings = Settings {
    maximum_automatic_attempts: 5,
    retry_attempt_seconds: 60,
    concurrent_execution_rate_percentage: 10,
    error_percentage: 50,
};

/// Settings per remediation (both variants), by base name; others use [`DEFAULT_SETTINGS`].
const SETTINGS: &[(&str, Settings)] = &[
    // Stopping instances disrupts workloads: few attempts, a window that holds all three at
    // their worst case (a stop may take its 600 s), and halt early when runs fail.
    (
        "Remediate-EC2-StopInstance",
        Settings {
            maximum_automatic_attempts: 3,
            retry_attempt_seconds: 2_400,
            concurrent_execution_rate_percentage: 10,
            error_percentage: 10,
        },
    ),
    // Removing public addresses cuts clients off: few at once, halt early; a run takes at most
    // about 10 minutes (20 disassociations included), so 40 minutes count every attempt.
    (
        "Remediate-EC2-RemovePublicIp",
        Settings {
            maximum_automatic_attempts: 3,
            retry_attempt_seconds: 2_400,
            concurrent_execution_rate_percentage: 10,
            error_percentage: 10,
        },
    ),
    // Replacing an instance takes hours and waits up to 7 days per approval: two attempts, a
    // window (the largest Config accepts) that holds both at their worst case, one at a time.
    (
        "Remediate-RDS-EncryptInstance",
        Settings {
            maximum_automatic_attempts: 2,
            retry_attempt_seconds: 2_678_000,
            concurrent_execution_rate_percentage: 1,
            error_percentage: 10,
        },
    ),
    (
        "Remediate-RDS-EncryptCluster",
        Settings {
            maximum_automatic_attempts: 1,
            retry_attempt_seconds: 2_678_000,
            concurrent_execution_rate_percentage: 1,
            error_percentage: 10,
        },
    ),
    // Swapping a volume stops its instance and waits up to 7 days for the swap approval.
    (
        "Remediate-EBS-EncryptVolume",
        Settings {
            maximum_automatic_attempts: 2,
            retry_attempt_seconds: 1_400_000,
            concurrent_execution_rate_percentage: 5,
            error_percentage: 10,
        },
    ),
    // Turning on default encryption is harmless and fast: more at once.
    (
        "Remediate-S3-EnableDefaultEncryption",
        Settings {
            maximum_automatic_attempts: 5,
            retry_attempt_seconds: 300,
            concurrent_execution_rate_percentage: 25,
            error_percentage: 20,
        },
    ),
];

/// Optional runbook parameters the templates expose (template parameters with the runbook's
/// default), by base name.
const EXPOSED: &[(&str, &[&str])] = &[
    // The key of the encrypted copy: AWS's managed key unless the deployer names their own.
    ("Remediate-EBS-EncryptVolume", &["KmsKeyId"]),
    ("Remediate-RDS-EncryptInstance", &["KmsKeyId"]),
];

/// The optional parameters a catalog runbook's templates expose.
pub fn exposed(entry: &CatalogEntry) -> &'static [&'static str] {
    let base = entry.name.strip_suffix("-WithApproval").unwrap_or(&entry.name);
    EXPOSED.iter().find(|(n, _)| *n == base).map(|(_, p)| *p).unwrap_or(&[])
}

/// The managed rules' `InputParameters`, by rule: one place, so that what the rule checks and
/// what the runbook does cannot disagree. `REQUIRED_TAGS` requires `tag1Key`.
pub const RULE_INPUT_PARAMETERS: &[(&str, &[(&str, &str)])] = &[("REQUIRED_TAGS", &[("tag1Key", REQUIRED_TAG_KEY)])];

/// The tag every EC2 instance must carry (`REQUIRED_TAGS` `tag1Key`); an instance without it is
/// quarantined by `Remediate-EC2-StopInstance`.
pub const REQUIRED_TAG_KEY: &str = "Owner";

/// Settings that the Config rule and the runbook share, by rule: (rule, the rule's
/// `InputParameters` key, the runbook parameter, the value). `Some(value)` goes to both the
/// ConfigRule and the remediation's StaticValues; `None` leaves both out (the rule's default and
/// the runbook's default, which the templates expose: the runbook's key is then the deployer's
/// choice and the rule checks encryption only). Set the RDS key to a KMS key ARN to require
/// that key on both sides. (An alias is no value for the rule: it compares the instance's key.)
pub const SHARED_SETTINGS: &[(&str, &str, &str, Option<&str>)] =
    &[("RDS_STORAGE_ENCRYPTED", "kmsKeyId", "KmsKeyId", None)];

/// One shared setting given to both sides of a binding: the rule's `rule_key` and the runbook's
/// `param` (which then is no longer a template parameter of its own: the two must not differ).
pub fn with_shared_setting(mut b: Binding, rule_key: &str, param: &str, value: &str) -> Binding {
    b.exposed.retain(|p| p != param);
    b.input_parameter(rule_key, value).static_value(param, [value])
}

/// The settings of a catalog runbook.
pub fn settings(entry: &CatalogEntry) -> Settings {
    let base = entry.name.strip_suffix("-WithApproval").unwrap_or(&entry.name);
    SETTINGS.iter().find(|(n, _)| *n == base).map(|(_, s)| *s).unwrap_or(DEFAULT_SETTINGS)
}

/// The remediation binding: the entry's Config target, automatic unless the runbook asks for
/// approval, with its settings.
/// The rule's input parameters come from the remediation's one declaration
/// ([`RuleParameter`]): a fixed rule input is also the runbook parameter's static value, so the
/// rule the template creates and the runbook check the same thing.
pub fn binding(entry: &CatalogEntry) -> Binding {
    let s = settings(entry);
    let b = Binding::new(entry.target.config_rule, entry.target.resource_type, entry.target.resource_id_param)
        .automatic(!entry.approval)
        .maximum_automatic_attempts(s.maximum_automatic_attempts)
        .retry_attempt_seconds(s.retry_attempt_seconds)
        .concurrent_execution_rate_percentage(s.concurrent_execution_rate_percentage)
        .error_percentage(s.error_percentage);
    let b = exposed(entry).iter().fold(b, |b, p| b.expose(p));
    let inputs = RULE_INPUT_PARAMETERS.iter().filter(|(rule, _)| *rule == entry.target.config_rule);
    let b = inputs.flat_map(|(_, params)| params.iter()).fold(b, |b, (k, v)| b.input_parameter(k, *v));
    let shared = SHARED_SETTINGS.iter().filter(|(rule, ..)| *rule == entry.target.config_rule);
    let mut b = shared.fold(b, |b, (_, key, param, value)| match value {
        Some(v) => with_shared_setting(b, key, param, v),
        None => b,
    });
    let mut statics: Vec<(&str, Vec<&str>)> = Vec::new();
    for p in entry.rule_parameters {
        match *p {
            RuleParameter::Fixed { key, value, param } => {
                b = b.input_parameter(key, value);
                match statics.iter_mut().find(|(n, _)| *n == param) {
                    Some((_, values)) => values.push(value),
                    None => statics.push((param, vec![value])),
                }
            }
            RuleParameter::FromParam { key, param } => b = b.input_parameter_from(key, param),
            RuleParameter::Enforced { key, value } => b = b.input_parameter(key, value),
        }
    }
    for (param, values) in statics {
        b = b.static_value(param, values);
    }
    b
}

/// Explicit IAM grants of a catalog runbook (calls a script makes that the scan cannot see,
/// additions, overrides). Every grant shows up in the generated policy as its own statement.
pub fn grants(entry: &CatalogEntry) -> Grants {
    crate::catalog::grants(entry)
}

/// The catalog as a library, so that `aws:executeAutomation` steps include their children.
pub fn library(entries: &[CatalogEntry]) -> Library {
    let mut lib = Library::new();
    for e in entries {
        lib.insert(e.name.clone(), e.document.clone(), grants(e));
    }
    lib
}

/// The derived permissions of a catalog runbook.
pub fn derivation(entry: &CatalogEntry, library: &Library) -> Result<Derivation, String> {
    iam::derive(&entry.document, &grants(entry), library)
        .map_err(|e| format!("runbook {}: IAM grants:\n  - {}", entry.name, e.problems.join("\n  - ")))
}

/// The IAM actions of each runbook's role, for its documentation page: the policy's actions
/// (KMS ones included), plus `iam:PassRole` when a role is passed; `None` when the runbook's grants do not check.
pub fn iam_actions(entries: &[CatalogEntry]) -> Vec<Option<Vec<String>>> {
    let library = library(entries);
    entries
        .iter()
        .map(|e| {
            derivation(e, &library).ok().map(|d| {
                let mut actions: std::collections::BTreeSet<String> = d.actions();
                actions.extend(d.kms_via().into_values().flatten());
                let mut actions: Vec<String> = actions.into_iter().collect();
                if !d.pass_role_to().is_empty() {
                    actions.push("iam:PassRole".to_string());
                }
                actions
            })
        })
        .collect()
}

/// The policy and template of every runbook, and the catalog template, by file name; or every
/// binding and grant problem, naming the runbook.
pub fn files(entries: &[CatalogEntry]) -> Result<Vec<(String, String)>, String> {
    let library = library(entries);
    let mut problems = Vec::new();
    let mut prepared = Vec::new();
    for e in entries {
        let b = binding(e);
        if let Err(err) = b.check(&e.document) {
            problems.push(format!(
                "runbook {}: remediation binding (runbooks/src/wiring.rs, target in its catalog module):\n  - {}",
                e.name,
                err.problems.join("\n  - ")
            ));
        }
        if !e.document.files.is_empty() {
            problems.push(format!(
                "runbook {}: it has `files` attachments, which the generated template cannot upload; \
                 inline the scripts (aws:executeScript `Script`)",
                e.name
            ));
        }
        match derivation(e, &library) {
            Ok(d) if d.policy_size() > iam::INLINE_POLICY_LIMIT => problems.push(format!(
                "runbook {}: its policy is {} characters; IAM allows {} in a role's inline policies \
                 (split the runbook, or start the heavy part as a child runbook with its own role)",
                e.name,
                d.policy_size(),
                iam::INLINE_POLICY_LIMIT
            )),
            Ok(d) => {
                // The standalone policy pins what the binding fixes (single static values).
                let fixed: BTreeMap<String, String> = b
                    .static_values
                    .iter()
                    .filter(|(_, v)| v.len() == 1)
                    .map(|(k, v)| (k.clone(), v[0].clone()))
                    .collect();
                let standalone = d.policy_for(Form::Standalone, &fixed);
                let mut json = serde_json::to_string_pretty(&standalone).unwrap_or_default();
                json.push('\n');
                prepared.push((e, b, d.policy_for(Form::Template, &BTreeMap::new()), json))
            }
            Err(msg) => problems.push(msg),
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut out = Vec::new();
    let deployables: Vec<Deployable> = prepared
        .iter()
        .map(|(e, b, policy, _)| Deployable { name: &e.name, document: &e.document, binding: b, policy })
        .collect();
    for (d, (_, _, _, policy_json)) in deployables.iter().zip(&prepared) {
        out.push((format!("{}.policy.json", d.name), policy_json.clone()));
        out.push((format!("{}.template.yaml", d.name), template::to_yaml(&template::runbook_template(d))));
    }
    out.push((CATALOG_TEMPLATE.to_string(), template::to_yaml(&template::catalog_template(&deployables))));
    out.push((
        ORGANIZATION_TEMPLATE.to_string(),
        template::to_yaml(&runbook_dsl::remediation::organization::organization_template()),
    ));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ConfigTarget;
    use runbook_dsl::prelude::*;

    /// Real operations (AWS's API models) that need no parameter: many distinct IAM actions.
    fn calls_without_required_members() -> Vec<(&'static str, &'static str)> {
        use runbook_dsl::aws_api::{service, ServiceLookup, Shape};
        let mut out = Vec::new();
        for name in ["ec2", "iam", "rds", "ssm", "s3"] {
            let ServiceLookup::Found(svc) = service(name) else { continue };
            for op in svc.operations() {
                let free = match op.input.as_deref().and_then(|i| svc.shape(i)) {
                    Some(Shape::Structure(ms)) => ms.iter().all(|m| !m.required),
                    _ => true,
                };
                if free {
                    out.push((name, op.name.as_str()));
                }
            }
        }
        out
    }

    fn entry(name: &str, resource_id_param: &'static str, steps: usize) -> CatalogEntry {
        let mut rb = Runbook::new("t");
        rb.assume_role();
        let _: Param<Str> = rb.param("BucketName", ParamSpec::new("b"));
        for (i, (service, api)) in calls_without_required_members().into_iter().take(steps).enumerate() {
            rb.add(Step::new(format!("S{i}"), ExecuteAwsApi::new(service, api)));
        }
        CatalogEntry {
            name: name.to_string(),
            document: rb.build().unwrap(),
            target: ConfigTarget {
                config_rule: "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
                resource_type: "AWS::S3::Bucket",
                resource_id_param,
            },
            approval: false,
            rule_parameters: &[],
        }
    }

    #[test]
    fn wiring_problems_name_the_runbook_and_stop_emit() {
        let err = files(&[entry("Ok", "BucketName", 1), entry("Broken", "Bucket", 1)]).unwrap_err();
        assert!(err.contains("runbook Broken: remediation binding"), "{err}");
        assert!(err.contains("the RESOURCE_ID parameter `Bucket` is not a parameter of the runbook"), "{err}");
        assert!(!err.contains("runbook Ok"), "{err}");
    }

    #[test]
    fn a_policy_over_the_inline_limit_is_refused() {
        let err = files(&[entry("Huge", "BucketName", 400)]).unwrap_err();
        assert!(err.contains("runbook Huge: its policy is"), "{err}");
        assert!(err.contains("IAM allows 10240"), "{err}");
        assert!(files(&[entry("Small", "BucketName", 3)]).is_ok());
    }

    #[test]
    fn approval_variants_are_manual_and_share_the_settings() {
        let entries = crate::catalog().unwrap();
        for e in &entries {
            let b = binding(e);
            assert_eq!(b.automatic, !e.approval, "{}", e.name);
            assert_eq!(b.rule.as_str(), e.target.config_rule);
            assert_eq!(b.check(&e.document), Ok(()), "{}", e.name);
        }
        let stop = entries.iter().find(|e| e.name == "Remediate-EC2-StopInstance-WithApproval").unwrap();
        assert_eq!(binding(stop).maximum_automatic_attempts, 3);
    }

    #[test]
    fn the_rule_and_the_runbook_take_their_parameters_from_one_declaration() {
        let entries = crate::catalog().unwrap();
        let lib = library(&entries);
        let bindings: Vec<Binding> = entries.iter().map(binding).collect();
        let policies: Vec<serde_json::Value> = entries.iter().map(|e| derivation(e, &lib).unwrap().policy()).collect();
        let deployables: Vec<Deployable> = entries
            .iter()
            .zip(&bindings)
            .zip(&policies)
            .map(|((e, b), p)| Deployable { name: &e.name, document: &e.document, binding: b, policy: p })
            .collect();
        let template = |name: &str| -> serde_json::Value {
            template::runbook_template(deployables.iter().find(|d| d.name == name).unwrap())
        };
        // restricted-common-ports: the five blocked ports on the rule, the same list to `Ports`.
        let t = template("Remediate-EC2-RevokeOpenIngress");
        let inputs = &t["Resources"]["ConfigRule"]["Properties"]["InputParameters"];
        let ports: Vec<&str> = (1..=5).map(|i| inputs[format!("blockedPort{i}")].as_str().unwrap()).collect();
        assert_eq!(ports, ["20", "21", "3389", "3306", "4333"]);
        let statics = &t["Resources"]["Remediation"]["Properties"]["Parameters"]["Ports"]["StaticValue"]["Values"];
        assert_eq!(statics, &serde_json::json!(ports));
        // IAM_ROLE_MANAGED_POLICY_CHECK: `managedPolicyArns` (required by the rule) is the policy
        // the runbook attaches, one template parameter for both.
        let t = template("Remediate-IAM-AttachManagedPolicy");
        let inputs = &t["Resources"]["ConfigRule"]["Properties"]["InputParameters"];
        assert_eq!(inputs["managedPolicyArns"], serde_json::json!({"Ref": "PolicyArn"}));
        let p = &t["Resources"]["Remediation"]["Properties"]["Parameters"]["PolicyArn"]["StaticValue"]["Values"];
        assert_eq!(p, &serde_json::json!([{"Ref": "PolicyArn"}]));
        // The whole-catalog template too.
        let c = template::catalog_template(&deployables);
        let rule = &c["Resources"]["IamRoleManagedPolicyCheckRule"]["Properties"]["InputParameters"];
        assert_eq!(rule["managedPolicyArns"], serde_json::json!({"Ref": "IamRoleManagedPolicyCheckPolicyArn"}));
    }
}
