//! A call's `Service` and `Api` resolved through the shipped API models ([`crate::aws_api`]):
//! the boto3 client a name means (client name, botocore alias, another case, or, with a note, an
//! endpoint prefix or serviceId), the name botocore signs its requests for (the IAM prefix unless
//! [`super::services::PREFIXES`] says otherwise), and the operation's model name (the PascalCase
//! spelling of `describe_db_instances` is `DescribeDBInstances`).
//!
//! Names the models do not know are kept as written, with a note saying so: the derivation then
//! falls back to the name itself (`<service>:<Operation>`).

use crate::aws_api::{self, Entry, OperationLookup, ServiceLookup};

/// What the models say about a call's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The boto3 client name (`elbv2` for `ELBv2`), or the name in lower case when the models
    /// do not know it.
    pub client: String,
    /// The name botocore signs the service's requests for (`elasticloadbalancing`), when the
    /// models know the service.
    pub signing: Option<String>,
    /// The operation as the models name it (`DescribeDBInstances`), or, for an operation the
    /// models do not know, the written name made PascalCase word by word.
    pub operation: String,
    /// Why the result is not what the document says, or not from the models.
    pub note: Option<String>,
}

/// The client a `Service` value means, and a note when it is not a client name botocore takes.
fn client(service: &str, api: &str) -> (Option<&'static Entry>, Option<String>) {
    let name = service.trim();
    let entries = aws_api::entries();
    let by_name = |n: &str| entries.iter().find(|e| e.name == n);
    match aws_api::service(name) {
        ServiceLookup::Found(_) => {
            let e = entries.iter().find(|e| e.name == name || e.aliases.iter().any(|a| a == name));
            return (e, None);
        }
        ServiceLookup::OtherCase(n, _) => return (by_name(n), None),
        ServiceLookup::Unknown(_) => {}
    }
    // An endpoint prefix or serviceId: the service it names, or among several (`elasticloadbalancing`
    // is elb's and elbv2's) the one that has the operation.
    let norm = |s: &str| s.to_ascii_lowercase().replace([' ', '-', '_'], "");
    let n = norm(name);
    let mut meant: Vec<&Entry> =
        entries.iter().filter(|e| e.prefix.eq_ignore_ascii_case(name) || norm(&e.id) == n).collect();
    if meant.len() > 1 {
        meant.retain(|e| match aws_api::service(&e.name) {
            ServiceLookup::Found(svc) => matches!(aws_api::operation(svc, api), OperationLookup::Found(_)),
            _ => false,
        });
    }
    if let [e] = meant[..] {
        let note = format!(
            "Service `{name}` is not a boto3 client name (AWS rejects it; did you mean `{}`?): its permissions are \
             derived as `{}`'s",
            e.name, e.name
        );
        return (Some(e), Some(note));
    }
    let note = format!(
        "Service `{name}` is not in the AWS API models ({}): its actions are named after it",
        aws_api::version()
    );
    (None, Some(note))
}

/// Resolves `service` and `api` through the models (loads that one service's model).
///
/// ```
/// use runbook_dsl::iam::resolve::resolve;
/// let r = resolve("rds", "describe_db_instances");
/// assert_eq!((r.client.as_str(), r.operation.as_str()), ("rds", "DescribeDBInstances"));
/// assert_eq!(resolve("cloudwatch", "PutMetricAlarm").signing.as_deref(), Some("monitoring"));
/// assert!(resolve("ec2", "StopInstance").note.is_some());
/// ```
pub fn resolve(service: &str, api: &str) -> Resolved {
    let api = api.trim();
    let (entry, note) = client(service, api);
    let found = entry.and_then(|e| match aws_api::service(&e.name) {
        ServiceLookup::Found(svc) => Some((e, svc)),
        _ => None,
    });
    let Some((entry, svc)) = found else {
        return Resolved {
            client: service.trim().to_ascii_lowercase(),
            signing: None,
            operation: super::services::operation_name(api),
            note,
        };
    };
    let operation = match aws_api::operation(svc, api) {
        OperationLookup::Found(op) => Ok(op.name.clone()),
        OperationLookup::Unknown { case: Some(c), .. } => {
            // Another case or `_` placement of a real operation: the same IAM action.
            let op = svc.operations().find(|o| o.name == c || o.method == c);
            op.map(|o| o.name.clone()).ok_or(())
        }
        OperationLookup::Unknown { .. } => Err(()),
    };
    let (operation, note) = match operation {
        Ok(op) => (op, note),
        Err(()) => {
            let guess = super::services::operation_name(api);
            let n = format!(
                "`{}.{api}` is not an operation in the AWS API models ({}): its action is named `{guess}`",
                entry.name,
                aws_api::version()
            );
            (guess, Some(note.map_or(n.clone(), |first| format!("{first}; {n}"))))
        }
    };
    Resolved { client: entry.name.clone(), signing: Some(entry.signing.clone()), operation, note }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_names_aliases_and_cases_resolve_without_a_note() {
        for (written, client) in [("elbv2", "elbv2"), ("runtime.sagemaker", "sagemaker-runtime"), ("SQS", "sqs")] {
            let r = resolve(written, "x");
            assert_eq!(r.client, client, "{written}");
            assert!(r.signing.is_some(), "{written}");
        }
        assert_eq!(resolve("runtime.sagemaker", "InvokeEndpoint").note, None);
    }

    #[test]
    fn an_endpoint_prefix_or_service_id_is_read_as_its_client_with_a_note() {
        let r = resolve("elasticloadbalancing", "DescribeTargetGroups");
        assert_eq!(r.client, "elbv2");
        assert!(r.note.as_deref().is_some_and(|n| n.contains("did you mean `elbv2`")), "{:?}", r.note);
        let r = resolve("elasticloadbalancing", "DescribeLoadBalancerPolicies");
        assert_eq!(r.client, "elb");
        let r = resolve("states", "StartExecution");
        assert_eq!((r.client.as_str(), r.signing.as_deref()), ("stepfunctions", Some("states")));
    }

    #[test]
    fn unknown_names_are_kept_with_a_note_naming_the_models() {
        let r = resolve("nosuchservice", "do_thing");
        assert_eq!((r.client.as_str(), r.signing, r.operation.as_str()), ("nosuchservice", None, "DoThing"));
        assert!(r.note.as_deref().is_some_and(|n| n.contains("botocore")));
        let r = resolve("ec2", "stop_instance");
        assert_eq!(r.operation, "StopInstance");
        assert!(r.note.as_deref().is_some_and(|n| n.contains("`ec2.stop_instance` is not an operation")));
    }

    #[test]
    fn snake_case_and_other_cases_take_the_models_spelling() {
        assert_eq!(resolve("rds", "describe_db_instances").operation, "DescribeDBInstances");
        assert_eq!(resolve("rds", "describeDbInstances").operation, "DescribeDBInstances");
        assert_eq!(resolve("s3", "list_objects_v2").operation, "ListObjectsV2");
        assert_eq!(resolve("rds", "describe_db_instances").note, None);
    }
}
