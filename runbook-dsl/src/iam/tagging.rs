//! What a tagging action tags: the resource types a step's tag action acts on, so that actions
//! like `ec2:CreateTags` (the Service Authorization Reference lists 100 optional resource types for
//! it, too many to grant all) are granted on the tagged resource's type only.
//!
//! Two kinds of step tag:
//! - A tagging call (`ec2 CreateTags`/`DeleteTags`, `aws:createTags`, `rds AddTagsToResource`,
//!   `<service> TagResource`, ...): the resources it names (`Resources`, `ResourceIds`,
//!   `ResourceId`, `ResourceName`, `ResourceArn(s)`) give the type: an ARN literal by the ARN
//!   formats of the action's service, an EC2 id by its prefix (`sg-` is a `security-group`,
//!   [`EC2_ID_PREFIXES`]), a runbook parameter by the literal prefix of its `allowedPattern`
//!   (`^sg-[a-f0-9]{8,17}$`) or of its ARN pattern.
//! - A create call that tags at creation (`TagSpecifications`, `Tags`, `TagsList`): the tag
//!   action (e.g. `ec2:CreateTags` for `CreateSnapshot`) acts on what the call creates: the
//!   `TagSpecifications` resource types, else the types the create action and the tag action
//!   share. Where the reference lists the service's `<prefix>:CreateAction` key for the tag action
//!   (`ec2:CreateAction` for `ec2:CreateTags`, `elasticloadbalancing:CreateAction` for
//!   `elasticloadbalancing:AddTags`), the grant is limited to that create call
//!   (`StringEquals ec2:CreateAction: CreateSnapshot`), so the role cannot tag an existing
//!   resource with it.
//!
//! A value whose type cannot be told (a step output, a parameter without a telling pattern) leaves
//! the action unscoped, as before: no narrowing is guessed.
//!
//! ```
//! let doc = runbook_dsl::read::from_str(r#"
//! schemaVersion: '0.3'
//! parameters:
//!   GroupId: {type: String, allowedPattern: '^sg-[a-f0-9]{8,17}$'}
//! mainSteps:
//! - name: Mark
//!   action: aws:executeAwsApi
//!   inputs: {Service: ec2, Api: CreateTags, Resources: ['{{ GroupId }}'], Tags: [{Key: k, Value: v}]}
//! "#).unwrap();
//! let p = runbook_dsl::iam::derive_document(&doc).policy();
//! assert_eq!(p["Statement"][0]["Action"][0], "ec2:CreateTags");
//! assert_eq!(p["Statement"][0]["Resource"], "arn:aws:ec2:*:*:security-group/*");
//! ```

use super::resources;
use crate::model::{Document, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The resources a step's tag action acts on.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Target {
    /// Resource types of the action's service (`security-group`, `snapshot`).
    pub types: BTreeSet<String>,
    /// The create calls the tags come with (`<prefix>:CreateAction` values); empty for a tagging
    /// call on existing resources.
    pub create_actions: BTreeSet<String>,
}

/// EC2 resource id prefixes (the part before the first `-`) and the reference's resource type.
pub const EC2_ID_PREFIXES: &[(&str, &str)] = &[
    ("ami", "image"),
    ("acl", "network-acl"),
    ("dopt", "dhcp-options"),
    ("eigw", "egress-only-internet-gateway"),
    ("eipalloc", "elastic-ip"),
    ("eni", "network-interface"),
    ("fl", "vpc-flow-log"),
    ("i", "instance"),
    ("igw", "internet-gateway"),
    ("key", "key-pair"),
    ("lt", "launch-template"),
    ("nat", "natgateway"),
    ("pcx", "vpc-peering-connection"),
    ("rtb", "route-table"),
    ("sg", "security-group"),
    ("sgr", "security-group-rule"),
    ("snap", "snapshot"),
    ("subnet", "subnet"),
    ("tgw", "transit-gateway"),
    ("vol", "volume"),
    ("vpc", "vpc"),
    ("vpce", "vpc-endpoint"),
];

/// Inputs that name the resources of a tagging call.
const RESOURCE_INPUTS: &[&str] =
    &["Resources", "ResourceIds", "ResourceId", "ResourceName", "ResourceArn", "ResourceARN", "ResourceArns"];

/// Operations that tag (or untag) the resources they name.
fn is_tagging_call(api: &str) -> bool {
    let api = api.to_ascii_lowercase().replace('_', "");
    ["createtags", "deletetags", "addtags", "removetags", "tagresource", "untagresource"]
        .iter()
        .any(|t| api == *t || api.starts_with(&format!("{t}to")) || api.starts_with(&format!("{t}from")))
}

/// Whether an action has only optional resource types (the ones narrowing helps).
fn only_optional(action: &str) -> bool {
    resources::action(action).is_some_and(|i| !i.types.is_empty() && !i.types.iter().any(|t| t.required))
}

/// Whether `ty` is one of the action's resource types.
fn supports_type(action: &str, ty: &str) -> bool {
    resources::action(action).is_some_and(|i| i.types.iter().any(|t| t.name == ty))
}

/// The resource type of an EC2 id (`sg-0123` -> `security-group`).
fn ec2_type(id: &str) -> Option<&'static str> {
    let (prefix, rest) = id.split_once('-')?;
    if rest.is_empty() && !id.ends_with('-') {
        return None;
    }
    EC2_ID_PREFIXES.iter().find(|(p, _)| *p == prefix).map(|(_, t)| *t)
}

/// The resource types of an ARN (literal, or the literal start of a pattern) among `prefix`'s.
fn arn_types(prefix: &str, arn: &str) -> BTreeSet<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (Some(service), Some(resource)) = (parts.get(2), parts.get(5)) else {
        return BTreeSet::new();
    };
    if *service != prefix || resource.is_empty() {
        return BTreeSet::new();
    }
    resources::resource_types(prefix)
        .into_iter()
        .filter(|(_, format)| {
            // The format's resource part up to its first variable (`db:`, `security-group/`).
            let fres = format.splitn(6, ':').nth(5).unwrap_or("");
            let lit = &fres[..fres.find("${").unwrap_or(fres.len())];
            !lit.is_empty() && (lit.ends_with('/') || lit.ends_with(':')) && resource.starts_with(lit)
        })
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The literal start of a regular expression (`^sg-[a-f0-9]+$` -> `sg-`).
fn literal_prefix(pattern: &str) -> String {
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if !n.is_ascii_alphanumeric() => {
                    out.push(n);
                    chars.next();
                }
                _ => break,
            },
            '[' | '(' | '.' | '*' | '+' | '?' | '{' | '|' | '$' => {
                // A quantifier applies to the last literal character: it is not certain.
                if matches!(c, '*' | '+' | '?' | '{') {
                    out.pop();
                }
                break;
            }
            c => out.push(c),
        }
    }
    out
}

/// The types a value names for `action` (`None`: unknown).
fn value_types(doc: &Document, action: &str, value: &str) -> Option<BTreeSet<String>> {
    let prefix = action.split(':').next()?.to_ascii_lowercase();
    let classify = |text: &str| -> BTreeSet<String> {
        if text.starts_with("arn:") {
            arn_types(&prefix, text)
        } else if prefix == "ec2" {
            ec2_type(text).into_iter().map(String::from).collect()
        } else {
            BTreeSet::new()
        }
    };
    let types = match super::policy::parameter_name(value) {
        Some(name) => {
            let pattern = doc.parameters.get(name)?.allowed_pattern.as_deref()?;
            // Alternatives each need their own prefix: `^(sg-...|i-...)$` is not told apart here.
            if pattern.contains('|') {
                return None;
            }
            classify(&literal_prefix(pattern))
        }
        None if value.contains("{{") => return None,
        None => classify(value),
    };
    let types: BTreeSet<String> = types.into_iter().filter(|t| supports_type(action, t)).collect();
    (!types.is_empty()).then_some(types)
}

/// Every string a resource input holds (a list of them, or one).
fn strings(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) => a.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

/// The targets of the tag actions among `derived` for one step's inputs.
pub fn targets(doc: &Document, action: &str, inputs: &Map, derived: &BTreeSet<String>) -> BTreeMap<String, Target> {
    let mut out = BTreeMap::new();
    let api = inputs.get("Api").and_then(Value::as_str).unwrap_or("");
    let tag_actions = derived.iter().filter(|a| only_optional(a) && is_tagging_call(a.split(':').nth(1).unwrap_or("")));
    if action == "aws:createTags" || is_tagging_call(api) {
        let named: Option<Vec<&str>> = RESOURCE_INPUTS
            .iter()
            .filter_map(|k| inputs.get(*k))
            .map(strings)
            .collect::<Option<Vec<Vec<&str>>>>()
            .map(|v| v.into_iter().flatten().collect());
        let Some(named) = named.filter(|n| !n.is_empty()) else { return out };
        for a in tag_actions {
            let types: Option<BTreeSet<String>> =
                named.iter().map(|v| value_types(doc, a, v)).try_fold(BTreeSet::new(), |mut acc, t| {
                    acc.extend(t?);
                    Some(acc)
                });
            if let Some(types) = types {
                out.insert(a.clone(), Target { types, create_actions: BTreeSet::new() });
            }
        }
        return out;
    }
    let creates =
        ["Create", "Copy", "Restore", "Run", "Allocate", "Import", "Register"].iter().any(|w| api.starts_with(w));
    let tags_at_creation = ["TagSpecifications", "Tags", "TagsList"].iter().any(|k| inputs.contains_key(*k));
    if !creates || !tags_at_creation {
        return out;
    }
    // The create call's own action: the derived action named like the operation.
    let own = derived.iter().find(|a| a.split(':').nth(1).is_some_and(|n| n.eq_ignore_ascii_case(api)));
    let specified: Option<BTreeSet<String>> =
        inputs.get("TagSpecifications").and_then(Value::as_array).and_then(|specs| {
            specs.iter().map(|s| s.get("ResourceType").and_then(Value::as_str).map(String::from)).collect()
        });
    for a in tag_actions {
        let types: BTreeSet<String> = match (&specified, own) {
            (Some(s), _) if !s.is_empty() && s.iter().all(|t| supports_type(a, t)) => s.clone(),
            (_, Some(own)) => {
                let own_types: BTreeSet<&str> = resources::action(own)
                    .map(|i| i.types.iter().map(|t| t.name.as_str()).collect())
                    .unwrap_or_default();
                resources::action(a)
                    .map(|i| {
                        i.types.iter().filter(|t| own_types.contains(t.name.as_str())).map(|t| t.name.clone()).collect()
                    })
                    .unwrap_or_default()
            }
            _ => BTreeSet::new(),
        };
        if types.is_empty() {
            continue;
        }
        let prefix = a.split(':').next().unwrap_or("");
        let create_actions = if resources::supports(a, &format!("{prefix}:CreateAction")) {
            BTreeSet::from([api.to_string()])
        } else {
            BTreeSet::new()
        };
        out.insert(a.clone(), Target { types, create_actions });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(yaml: &str) -> Value {
        crate::iam::derive_document(&crate::read::from_str(yaml).expect("reads")).policy()
    }

    fn statement_of<'a>(p: &'a Value, action: &str) -> &'a Value {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
            .unwrap_or_else(|| panic!("no {action} in {p:#}"))
    }

    const HEAD: &str = "schemaVersion: '0.3'\nparameters:\n  GroupId: {type: String, allowedPattern: '^sg-[a-f0-9]{8,17}$'}\n  Any: {type: String}\n  DbArn: {type: String, allowedPattern: '^arn:aws[a-z-]*:rds:[a-z0-9-]+:\\d{12}:db:[a-z0-9-]+$'}\nmainSteps:\n";

    #[test]
    fn the_type_comes_from_ids_arns_and_parameter_patterns() {
        assert_eq!(ec2_type("sg-0123abcd"), Some("security-group"));
        assert_eq!(ec2_type("vol-1"), Some("volume"));
        assert_eq!(ec2_type("x-1"), None);
        assert_eq!(literal_prefix("^sg-[a-f0-9]{8,17}$"), "sg-");
        assert_eq!(literal_prefix("^i-?x"), "i");
        assert_eq!(literal_prefix(r"^arn:aws[a-z-]*:rds"), "arn:aws");
        assert_eq!(
            arn_types("ec2", "arn:aws:ec2:us-east-1:111122223333:security-group/sg-1"),
            BTreeSet::from(["security-group".to_string()])
        );
        assert_eq!(arn_types("rds", "arn:aws:rds:us-east-1:111122223333:db:mydb"), BTreeSet::from(["db".to_string()]));
        // Every prefix names a type the reference lists for ec2:CreateTags.
        for (prefix, ty) in EC2_ID_PREFIXES {
            assert!(supports_type("ec2:CreateTags", ty), "{prefix}- -> {ty} is not a CreateTags resource type");
        }
    }

    #[test]
    fn a_tagging_call_is_scoped_to_what_it_names() {
        let p = policy(&format!(
            "{HEAD}- name: Mark\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CreateTags, Resources: ['{{{{ GroupId }}}}', 'vol-0abc'], Tags: [{{Key: k, Value: v}}]}}\n"
        ));
        let st = statement_of(&p, "ec2:CreateTags");
        assert_eq!(st["Resource"], json!(["arn:aws:ec2:*:*:security-group/*", "arn:aws:ec2:*:*:volume/*"]));
        assert!(st.get("Condition").is_none(), "tags on existing resources: no ec2:CreateAction");
        // An unknown value (a parameter without a pattern) leaves it on "*".
        let p = policy(&format!(
            "{HEAD}- name: Mark\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CreateTags, Resources: ['{{{{ GroupId }}}}', '{{{{ Any }}}}'], Tags: [{{Key: k, Value: v}}]}}\n"
        ));
        assert_eq!(statement_of(&p, "ec2:CreateTags")["Resource"], "*");
        // Two steps: the statement covers both, and one unknown step widens it again.
        let two = format!(
            "{HEAD}- name: A\n  action: aws:createTags\n  inputs: {{ResourceType: EC2, ResourceIds: ['i-0abc'], Tags: [{{Key: k, Value: v}}]}}\n- name: B\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: DeleteTags, Resources: ['{{{{ GroupId }}}}']}}\n"
        );
        let p = policy(&two);
        assert_eq!(statement_of(&p, "ec2:CreateTags")["Resource"], "arn:aws:ec2:*:*:instance/*");
        assert_eq!(statement_of(&p, "ec2:DeleteTags")["Resource"], "arn:aws:ec2:*:*:security-group/*");
        let p = policy(&format!(
            "{two}- name: C\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CreateTags, Resources: ['{{{{ Out.Id }}}}'], Tags: [{{Key: k, Value: v}}]}}\n"
        ));
        assert_eq!(statement_of(&p, "ec2:CreateTags")["Resource"], "*");
        // RDS: the ARN parameter's pattern names the db type.
        let p = policy(&format!(
            "{HEAD}- name: Mark\n  action: aws:executeAwsApi\n  inputs: {{Service: rds, Api: AddTagsToResource, ResourceName: '{{{{ DbArn }}}}', Tags: [{{Key: k, Value: v}}]}}\n"
        ));
        assert_eq!(
            statement_of(&p, "rds:AddTagsToResource")["Resource"],
            "*",
            "the pattern's literal start is only arn:aws"
        );
    }

    #[test]
    fn an_overridden_step_keeps_its_own_statement_and_does_not_widen_the_derived_one() {
        let doc = crate::read::from_str(&format!(
            "{HEAD}- name: Mark\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CreateTags, Resources: ['{{{{ GroupId }}}}'], Tags: [{{Key: k, Value: v}}]}}\n- name: Other\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: DescribeTags}}\n"
        ))
        .expect("reads");
        let grants = crate::iam::Grants::new().replace("Other", ["ec2:CreateTags"], "tags whatever it finds");
        let p = crate::iam::derive(&doc, &grants, &crate::iam::Library::new()).expect("derives").policy();
        let sts = p["Statement"].as_array().unwrap();
        let derived = sts.iter().find(|s| s["Sid"] == "Ec2SecurityGroup").expect("derived statement");
        assert_eq!(derived["Action"], json!(["ec2:CreateTags"]));
        let overridden = sts.iter().find(|s| s["Sid"].as_str().unwrap().starts_with("OverrideOther")).unwrap();
        assert_eq!(overridden["Resource"], "*", "an explicit grant is not narrowed");
    }

    #[test]
    fn tags_at_creation_are_scoped_to_the_created_type_and_the_create_call() {
        let p = policy(&format!(
            "{HEAD}- name: Snap\n  action: aws:executeAwsApi\n  inputs: {{Service: ec2, Api: CreateSnapshot, VolumeId: vol-1, TagSpecifications: [{{ResourceType: snapshot, Tags: [{{Key: k, Value: v}}]}}]}}\n"
        ));
        let st = statement_of(&p, "ec2:CreateTags");
        assert_eq!(st["Resource"], "arn:aws:ec2:*::snapshot/*");
        assert_eq!(st["Condition"], json!({"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}}));
        assert_eq!(st["Action"], json!(["ec2:CreateTags"]), "the condition applies to the tag action only");
        // RDS: the types the create action and the tag action share.
        let p = policy(&format!(
            "{HEAD}- name: Snap\n  action: aws:executeAwsApi\n  inputs: {{Service: rds, Api: CreateDBSnapshot, DBInstanceIdentifier: d, DBSnapshotIdentifier: s, Tags: [{{Key: k, Value: v}}]}}\n"
        ));
        let st = statement_of(&p, "rds:AddTagsToResource");
        assert_eq!(st["Resource"], json!(["arn:aws:rds:*:*:db:*", "arn:aws:rds:*:*:snapshot:*"]));
    }
}
