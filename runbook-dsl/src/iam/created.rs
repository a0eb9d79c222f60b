//! Deletes limited to what the run created: when a step deletes a resource whose identifier is
//! the output of an earlier step that created it with tags (`TagSpecifications`, `Tags`,
//! `TagsList` given at creation), or the identifier such an earlier step gave the resource it
//! created (`CreateTrail` `Name: '{{ TrailName }}'`, then `DeleteTrail` `Name: '{{ TrailName }}'`),
//! the delete action is granted only on resources carrying those tags (`aws:ResourceTag/<key>`),
//! where the reference lists that condition key for the action. A resource of that name that the
//! run did not create then cannot be deleted by it.
//!
//! ```
//! let doc = runbook_dsl::read::from_str(r#"
//! schemaVersion: '0.3'
//! mainSteps:
//! - name: Snap
//!   action: aws:executeAwsApi
//!   inputs:
//!     Service: ec2
//!     Api: CreateSnapshot
//!     VolumeId: vol-1
//!     TagSpecifications: [{ResourceType: snapshot, Tags: [{Key: CreatedBy, Value: MyRunbook}]}]
//!   outputs: [{Name: Id, Selector: $.SnapshotId, Type: String}]
//! - name: Clean
//!   action: aws:executeAwsApi
//!   inputs: {Service: ec2, Api: DeleteSnapshot, SnapshotId: '{{ Snap.Id }}'}
//! "#).unwrap();
//! let p = runbook_dsl::iam::derive_document(&doc).policy();
//! let delete = p["Statement"].as_array().unwrap().iter().find(|s| s["Action"][0] == "ec2:DeleteSnapshot").unwrap();
//! assert_eq!(delete["Condition"]["StringEquals"]["aws:ResourceTag/CreatedBy"], "MyRunbook");
//! ```

use super::resources;
use crate::model::{Document, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A tag the run sets at creation: key and value (`None` when the value is computed at run time,
/// so only the key's presence can be required).
pub type Tag = (String, Option<String>);

/// The tags a create step sets at creation, from its inputs.
fn creation_tags(inputs: &Map) -> BTreeSet<Tag> {
    let mut out = BTreeSet::new();
    let mut add = |list: &Value| {
        for t in list.as_array().into_iter().flatten() {
            let (Some(k), v) = (t.get("Key").and_then(Value::as_str), t.get("Value").and_then(Value::as_str)) else {
                continue;
            };
            if k.contains("{{") {
                continue;
            }
            out.insert((k.to_string(), v.filter(|v| !v.contains("{{")).map(String::from)));
        }
    };
    for (k, v) in inputs {
        match k.as_str() {
            "Tags" | "TagsList" => add(v),
            "TagSpecifications" => v.as_array().into_iter().flatten().for_each(|s| add(&s["Tags"])),
            _ => {}
        }
    }
    out
}

/// The step whose output a whole `{{ Step.Output }}` reference names.
fn referenced_step(v: &Value) -> Option<&str> {
    let s = v.as_str()?.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    s.split_once('.').map(|(step, _)| step)
}

/// The identifier input of a delete operation: the key that starts with the deleted type's name
/// (`DeleteDBInstance` -> `DBInstanceIdentifier`, not `FinalDBSnapshotIdentifier`), else `Name`,
/// `Id`, `Arn`.
fn identifier<'a>(api: &str, inputs: &'a Map) -> Option<&'a Value> {
    let kind = api.strip_prefix("Delete")?.to_ascii_lowercase();
    inputs
        .iter()
        .find(|(k, _)| !kind.is_empty() && k.to_ascii_lowercase().starts_with(&kind))
        .or_else(|| inputs.iter().find(|(k, _)| matches!(k.as_str(), "Name" | "Id" | "Arn")))
        .map(|(_, v)| v)
}

/// An identifier with each loop's `{{ Loop.CurrentIteratorValue }}` replaced by what the loop
/// iterates over, so that a delete in one loop and the create in another over the same items
/// (`CreateMember` in `CreateInstances`, `UndoDeleteMember` in `UndoRestore`, both over
/// `{{ Classify.MemberIds }}`) name the same resources.
fn canonical(v: &Value, loops: &[(String, String)]) -> Value {
    match v.as_str() {
        Some(text) => {
            let mut text = text.to_string();
            for (name, items) in loops {
                text = text
                    .replace(&format!("{{{{ {name}.CurrentIteratorValue }}}}"), &format!("{{{{ each of {items} }}}}"));
            }
            Value::String(text)
        }
        None => v.clone(),
    }
}

/// For each step name: the delete actions it derives that act only on resources the run
/// created with tags, and those tags.
pub fn tagged_deletes(
    doc: &Document,
    derived: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, BTreeMap<String, BTreeSet<Tag>>> {
    let steps = doc.all_steps();
    // Create steps that tag at creation, in document order: (name, inputs, tags).
    let created: Vec<(&str, Map, BTreeSet<Tag>)> = steps
        .iter()
        .filter_map(|s| {
            let inputs = s.action.inputs().ok()?;
            let api = inputs.get("Api")?.as_str()?;
            let creates = ["Create", "Copy", "Restore", "Run"].iter().any(|w| api.starts_with(w));
            let tags = creation_tags(&inputs);
            (creates && !tags.is_empty()).then_some((s.name.as_str(), inputs, tags))
        })
        .collect();
    let loops: Vec<(String, String)> = steps
        .iter()
        .filter_map(|s| match &s.action {
            crate::model::Action::Loop(l) => {
                let items = l.iterators.as_ref()?;
                Some((s.name.clone(), items.as_str().map(String::from).unwrap_or_else(|| items.to_string())))
            }
            _ => None,
        })
        .collect();
    let mut out = BTreeMap::new();
    for (position, s) in steps.iter().enumerate() {
        let Ok(inputs) = s.action.inputs() else { continue };
        let Some(api) = inputs.get("Api").and_then(Value::as_str) else { continue };
        let Some(id) = identifier(api, &inputs) else { continue };
        // What the delete names is the output of a step that created it with tags, or the
        // identifier an earlier step gave the resource it created with tags.
        // The create step must create the kind deleted (`RestoreDBInstance...` for
        // `DeleteDBInstance`, not `CreateDBSnapshot`, whose `DBInstanceIdentifier` is its source).
        let kind = api.strip_prefix("Delete").unwrap_or("").to_ascii_lowercase();
        let same_kind = |create_inputs: &Map| {
            let created_kind = create_inputs.get("Api").and_then(Value::as_str).map(|a| {
                ["Create", "Copy", "Restore", "Run"]
                    .iter()
                    .fold(a, |a, w| a.strip_prefix(w).unwrap_or(a))
                    .to_ascii_lowercase()
            });
            !kind.is_empty() && created_kind.is_some_and(|c| c.starts_with(&kind))
        };
        let by_output = referenced_step(id)
            .and_then(|c| created.iter().find(|(n, create_inputs, _)| *n == c && same_kind(create_inputs)));
        let by_name = || {
            created.iter().find(|(n, create_inputs, _)| {
                steps.iter().position(|x| x.name == *n).is_some_and(|p| p < position)
                    && same_kind(create_inputs)
                    && identifier(api, create_inputs).map(|c| canonical(c, &loops)) == Some(canonical(id, &loops))
            })
        };
        let Some((_, _, tags)) = by_output.or_else(by_name) else {
            continue;
        };
        let deletes: BTreeMap<String, BTreeSet<Tag>> = derived
            .get(&s.name)
            .into_iter()
            .flatten()
            .filter(|a| a.split(':').nth(1).is_some_and(|n| n.starts_with("Delete")))
            .filter(|a| resources::supports(a, "aws:ResourceTag/${TagKey}"))
            .map(|a| (a.clone(), tags.clone()))
            .collect();
        if !deletes.is_empty() {
            out.insert(s.name.clone(), deletes);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    fn policy(yaml: &str) -> crate::model::Value {
        crate::iam::derive_document(&crate::read::from_str(yaml).expect("reads")).policy()
    }

    fn condition_of(p: &crate::model::Value, action: &str) -> crate::model::Value {
        p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
            .map(|s| s["Condition"].clone())
            .unwrap()
    }

    const CREATE: &str = "schemaVersion: '0.3'\nparameters:\n  Db: {type: String}\nmainSteps:\n- name: Snap\n  action: aws:executeAwsApi\n  inputs: {Service: rds, Api: CreateDBSnapshot, DBInstanceIdentifier: '{{ Db }}', DBSnapshotIdentifier: s, Tags: [{Key: CreatedBy, Value: '{{ automation:EXECUTION_ID }}'}]}\n  outputs: [{Name: Id, Selector: $.DBSnapshot.DBSnapshotIdentifier, Type: String}]\n";

    #[test]
    fn a_delete_of_what_the_run_did_not_create_stays_unconditioned() {
        // The original instance is deleted with a final snapshot named after a created one: the
        // instance was not created by the run.
        let p = policy(&format!(
            "{CREATE}- name: Del\n  action: aws:executeAwsApi\n  inputs: {{Service: rds, Api: DeleteDBInstance, DBInstanceIdentifier: '{{{{ Db }}}}', FinalDBSnapshotIdentifier: '{{{{ Snap.Id }}}}'}}\n"
        ));
        assert!(condition_of(&p, "rds:DeleteDBInstance").is_null(), "{p:#}");
    }

    #[test]
    fn a_computed_tag_value_requires_the_key_and_every_delete_must_qualify() {
        let one = format!(
            "{CREATE}- name: Del\n  action: aws:executeAwsApi\n  inputs: {{Service: rds, Api: DeleteDBSnapshot, DBSnapshotIdentifier: '{{{{ Snap.Id }}}}'}}\n"
        );
        let p = policy(&one);
        assert_eq!(
            condition_of(&p, "rds:DeleteDBSnapshot"),
            serde_json::json!({"StringLike": {"aws:ResourceTag/CreatedBy": "*"}})
        );
        let two = format!(
            "{one}- name: DelOther\n  action: aws:executeAwsApi\n  inputs: {{Service: rds, Api: DeleteDBSnapshot, DBSnapshotIdentifier: other}}\n"
        );
        assert!(condition_of(&policy(&two), "rds:DeleteDBSnapshot").is_null());
    }

    #[test]
    fn a_delete_in_one_loop_of_what_a_create_in_another_loop_over_the_same_items_made_is_conditioned() {
        let doc = |undo_items: &str| {
            format!(
                "schemaVersion: '0.3'\nparameters:\n  Ids: {{type: StringList}}\n  Other: {{type: StringList}}\nmainSteps:\n\
                 - name: Make\n  action: aws:loop\n  inputs:\n    Iterators: '{{{{ Ids }}}}'\n    Steps:\n\
                 \x20   - name: One\n      action: aws:executeAwsApi\n      inputs: {{Service: rds, Api: CreateDBInstance, \
                 DBInstanceIdentifier: '{{{{ Make.CurrentIteratorValue }}}}-new', DBInstanceClass: db.t3.micro, Engine: mysql, \
                 Tags: [{{Key: CreatedBy, Value: Me}}]}}\n\
                 - name: Undo\n  action: aws:loop\n  inputs:\n    Iterators: '{{{{ {undo_items} }}}}'\n    Steps:\n\
                 \x20   - name: Del\n      action: aws:executeAwsApi\n      inputs: {{Service: rds, Api: DeleteDBInstance, \
                 DBInstanceIdentifier: '{{{{ Undo.CurrentIteratorValue }}}}-new'}}\n"
            )
        };
        assert_eq!(
            condition_of(&policy(&doc("Ids")), "rds:DeleteDBInstance"),
            serde_json::json!({"StringEquals": {"aws:ResourceTag/CreatedBy": "Me"}})
        );
        // Another list: other instances, which the run did not create.
        assert!(condition_of(&policy(&doc("Other")), "rds:DeleteDBInstance").is_null());
    }

    #[test]
    fn a_delete_by_the_name_an_earlier_step_created_with_tags_is_conditioned() {
        let create = "schemaVersion: '0.3'\nparameters:\n  TrailName: {type: String}\nmainSteps:\n- name: Create\n  action: aws:executeAwsApi\n  inputs: {Service: cloudtrail, Api: CreateTrail, Name: '{{ TrailName }}', S3BucketName: b, TagsList: [{Key: CreatedBy, Value: Remediate}]}\n";
        let delete = "- name: Undo\n  action: aws:executeAwsApi\n  inputs: {Service: cloudtrail, Api: DeleteTrail, Name: '{{ TrailName }}'}\n";
        let p = policy(&format!("{create}{delete}"));
        assert_eq!(
            condition_of(&p, "cloudtrail:DeleteTrail"),
            serde_json::json!({"StringEquals": {"aws:ResourceTag/CreatedBy": "Remediate"}})
        );
        // Deleting first and creating after: the delete may target what existed before the run.
        let before = format!(
            "schemaVersion: '0.3'\nparameters:\n  TrailName: {{type: String}}\nmainSteps:\n{}{}",
            delete,
            &create[create.find("- name: Create").unwrap()..]
        );
        assert!(condition_of(&policy(&before), "cloudtrail:DeleteTrail").is_null());
    }
}
