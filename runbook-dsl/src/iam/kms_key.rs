//! The KMS key a step names (`KmsKeyId`), for the KMS actions that act on that key only.
//!
//! IAM authorizes KMS actions on the key ARN: a key id, an alias name or an alias ARN cannot be a
//! policy `Resource` (AWS KMS developer guide, "Specifying KMS keys in IAM policy statements");
//! access by alias goes through the `kms:ResourceAliases` condition on the key (the aliases
//! associated with the key, whatever identifier the request used; "Use aliases to control access
//! to KMS keys"). So a known `KmsKeyId` becomes:
//! - a key ARN: that ARN;
//! - a key id (`1234abcd-...`, `mrk-...`): the key of that id in the account and Region
//!   (a bare id names a key of the caller's account and Region);
//! - an alias name or alias ARN: the account's keys with `ForAnyValue:StringEquals
//!   kms:ResourceAliases: alias/<name>`.
//!
//! Only the actions on the key the step names are narrowed ([`DESTINATION_ACTIONS`]: describing
//! it, generating the new data key, re-encrypting to it); `kms:Decrypt` and `kms:ReEncryptFrom`
//! act on the source's key when a copy re-encrypts an encrypted source, which the step does not
//! name, and `kms:CreateGrant` keeps its own statement. A value known only at deploy time (a
//! template parameter that accepts all four forms: CloudFormation cannot tell them apart in a
//! condition) leaves every KMS action on the account's keys.
//!
//! ```
//! use runbook_dsl::iam::kms_key::{scope, KeyScope};
//! assert_eq!(scope("alias/team-key"), Some(KeyScope::Alias("alias/team-key".into())));
//! assert_eq!(
//!     scope("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
//!     Some(KeyScope::Arn("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()))
//! );
//! assert_eq!(scope("mrk-1234abcd12ab34cd56ef1234567890ab"), Some(KeyScope::Id("mrk-1234abcd12ab34cd56ef1234567890ab".into())));
//! assert_eq!(scope("{{ KmsKeyId }}"), None);
//! ```

/// KMS actions that act on the key a step names (the destination of an encryption or copy).
pub const DESTINATION_ACTIONS: &[&str] = &[
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptTo",
];

/// How a key value scopes a statement.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyScope {
    /// A key ARN: the statement's resource.
    Arn(String),
    /// A key id of the account and Region.
    Id(String),
    /// An alias name (`alias/<name>`, also from an alias ARN): a `kms:ResourceAliases` condition.
    Alias(String),
}

/// The scope of a `KmsKeyId` value; `None` for anything else (a reference, an unknown form).
pub fn scope(value: &str) -> Option<KeyScope> {
    let v = value.trim();
    if v.contains("{{") || v.is_empty() {
        return None;
    }
    let hexish = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if let Some(rest) = v.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        let [_, "kms", _, _, resource] = parts.as_slice() else { return None };
        if let Some(id) = resource.strip_prefix("key/") {
            return hexish(id.trim_start_matches("mrk-")).then(|| KeyScope::Arn(v.to_string()));
        }
        return resource
            .strip_prefix("alias/")
            .filter(|n| !n.is_empty())
            .map(|n| KeyScope::Alias(format!("alias/{n}")));
    }
    if v.starts_with("alias/") && v.len() > "alias/".len() {
        return Some(KeyScope::Alias(v.to_string()));
    }
    hexish(v.trim_start_matches("mrk-")).then(|| KeyScope::Id(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(key: &str) -> serde_json::Value {
        let yaml = format!(
            "schemaVersion: '0.3'\nmainSteps:\n- name: Copy\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CopySnapshot, SourceRegion: us-east-1, SourceSnapshotId: snap-1, Encrypted: true, KmsKeyId: '{key}'}}\n"
        );
        crate::iam::derive_document(&crate::read::from_str(&yaml).expect("reads")).policy()
    }

    fn statement<'a>(p: &'a serde_json::Value, sid: &str) -> &'a serde_json::Value {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid} in {p:#}"))
    }

    #[test]
    fn a_named_key_narrows_the_actions_on_that_key_only() {
        let arn = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let p = policy(arn);
        let dest = statement(&p, "KmsViaEc2NamedKey");
        assert_eq!(dest["Resource"], arn);
        assert_eq!(
            dest["Action"],
            json!(["kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptTo"])
        );
        assert_eq!(dest["Condition"], json!({"StringLike": {"kms:ViaService": "ec2.*.amazonaws.com"}}));
        // The source's key is not named: decrypting and re-encrypting from it stay on the account's keys.
        let rest = statement(&p, "KmsViaEc2");
        assert_eq!(rest["Action"], json!(["kms:Decrypt", "kms:ReEncryptFrom"]));
        assert_eq!(rest["Resource"], "arn:aws:kms:*:*:key/*");
        let p = policy("1234abcd-12ab-34cd-56ef-1234567890ab");
        assert_eq!(
            statement(&p, "KmsViaEc2NamedKey")["Resource"],
            "arn:aws:kms:*:*:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        );
        let p = policy("alias/team-key");
        let dest = statement(&p, "KmsViaEc2NamedKey");
        assert_eq!(dest["Resource"], "arn:aws:kms:*:*:key/*");
        assert_eq!(dest["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"], "alias/team-key");
        // Unknown (a parameter without a value): no narrowing.
        let p = policy("{{ KmsKeyId }}");
        assert!(p["Statement"].as_array().unwrap().iter().all(|s| s["Sid"] != "KmsViaEc2NamedKey"), "{p:#}");
    }

    #[test]
    fn key_values_are_told_apart() {
        assert_eq!(scope("arn:aws:kms:us-east-1:111122223333:alias/x"), Some(KeyScope::Alias("alias/x".into())));
        assert_eq!(scope("arn:aws:s3:::b"), None);
        assert_eq!(scope("alias/"), None);
        assert_eq!(scope("not a key"), None);
    }
}
