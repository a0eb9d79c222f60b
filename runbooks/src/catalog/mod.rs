//! One module per remediation; [`catalog`] lists them all.

use runbook_dsl::builder::BuildError;
use runbook_dsl::model::Document;
use std::fmt;

mod cloudtrail_multi_region;
mod common;
mod ebs_encrypt_volume;
mod ebs_encryption_by_default;
mod ec2_remove_public_ip;
mod ec2_stop_instance;
mod iam_attach_managed_policy;
mod kms_key_rotation;
mod page;
mod rds_encrypt_cluster;
mod rds_encrypt_instance;
mod rds_public_access;
mod s3_block_public_access;
mod s3_bucket_versioning;
mod s3_default_encryption;
mod security_group_open_ingress;
mod shared;
mod style;

pub use style::styles_page;

/// A catalog runbook: its document name, the document, and the AWS Config finding it fixes.
#[derive(Clone, Debug)]
pub struct CatalogEntry {
    /// Document name (the SSM document resource name, also the file name in `generated/`).
    pub name: String,
    /// The document.
    pub document: Document,
    /// The AWS Config finding the runbook remediates.
    pub target: ConfigTarget,
    /// Whether the runbook asks for approval before its first change (the manual variant).
    pub approval: bool,
    /// The Config rule's input parameters, tied to the runbook's parameters.
    pub rule_parameters: &'static [RuleParameter],
}

/// One of the Config rule's `InputParameters`, declared with the remediation so that the rule
/// the template creates and the runbook's parameters cannot disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleParameter {
    /// The rule's input `key` is `value`, and the runbook's list parameter `param` gets the same
    /// value as one of its items (several keys fill one list, in declaration order).
    Fixed {
        /// The rule's parameter key, e.g. `blockedPort1`.
        key: &'static str,
        /// Its value.
        value: &'static str,
        /// The runbook parameter that receives it (a static value of the remediation).
        param: &'static str,
    },
    /// The rule's input `key` takes whatever the runbook's parameter `param` is given (the
    /// deployer's choice, e.g. the policy the runbook attaches).
    FromParam {
        /// The rule's parameter key, e.g. `managedPolicyArns`.
        key: &'static str,
        /// The runbook parameter.
        param: &'static str,
    },
    /// The rule's input `key` is `value`, a criterion the runbook always establishes and
    /// verifies (no runbook parameter), e.g. CloudTrail's `readWriteType` `ALL`.
    Enforced {
        /// The rule's parameter key, e.g. `includeManagementEvents`.
        key: &'static str,
        /// Its value.
        value: &'static str,
    },
}

/// The AWS Config finding a runbook remediates, and where Config's `RESOURCE_ID` goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigTarget {
    /// The Config rule: a managed rule identifier such as `S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED`.
    pub config_rule: &'static str,
    /// The Config resource type, e.g. `AWS::S3::Bucket`.
    pub resource_type: &'static str,
    /// The document parameter that receives `RESOURCE_ID`.
    pub resource_id_param: &'static str,
}

/// A catalog runbook that does not build.
#[derive(Clone, Debug)]
pub struct CatalogError {
    /// The runbook's name.
    pub name: String,
    /// Why.
    pub error: BuildError,
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "runbook {} does not build:", self.name)?;
        for p in &self.error.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CatalogError {}

/// A runbook's builder: `true` builds the variant that asks for approval first.
type Builder = fn(bool) -> Result<Document, BuildError>;

/// Every remediation of the catalog: its name, the Config finding, the rule's input parameters
/// and the builder. Each yields two documents: `<name>` (automatic) and `<name>-WithApproval`
/// (manual).
const REMEDIATIONS: &[(&str, ConfigTarget, &[RuleParameter], Builder)] = &[
    ("Remediate-EC2-StopInstance", ec2_stop_instance::TARGET, &[], ec2_stop_instance::build),
    ("Remediate-EC2-RemovePublicIp", ec2_remove_public_ip::TARGET, &[], ec2_remove_public_ip::build),
    ("Remediate-S3-EnableDefaultEncryption", s3_default_encryption::TARGET, &[], s3_default_encryption::build),
    (
        "Remediate-EC2-RevokeOpenIngress",
        security_group_open_ingress::TARGET,
        security_group_open_ingress::RULE_PARAMETERS,
        security_group_open_ingress::build,
    ),
    (
        "Remediate-EC2-RevokeOpenSsh",
        security_group_open_ingress::SSH_TARGET,
        &[],
        security_group_open_ingress::build_ssh,
    ),
    (
        "Remediate-EBS-EnableEncryptionByDefault",
        ebs_encryption_by_default::TARGET,
        &[],
        ebs_encryption_by_default::build,
    ),
    (
        "Remediate-CloudTrail-EnableMultiRegionTrail",
        cloudtrail_multi_region::TARGET,
        cloudtrail_multi_region::RULE_PARAMETERS,
        cloudtrail_multi_region::build,
    ),
    ("Remediate-EBS-EncryptVolume", ebs_encrypt_volume::TARGET, &[], ebs_encrypt_volume::build),
    ("Remediate-KMS-EnableKeyRotation", kms_key_rotation::TARGET, &[], kms_key_rotation::build),
    ("Remediate-RDS-EncryptInstance", rds_encrypt_instance::TARGET, &[], rds_encrypt_instance::build),
    ("Remediate-RDS-EncryptCluster", rds_encrypt_cluster::TARGET, &[], rds_encrypt_cluster::build),
    ("Remediate-RDS-DisablePublicAccess", rds_public_access::TARGET, &[], rds_public_access::build),
    ("Remediate-S3-EnableBucketVersioning", s3_bucket_versioning::TARGET, &[], s3_bucket_versioning::build),
    ("Remediate-S3-BlockPublicAccess", s3_block_public_access::TARGET, &[], s3_block_public_access::build),
    (
        "Remediate-IAM-AttachManagedPolicy",
        iam_attach_managed_policy::TARGET,
        iam_attach_managed_policy::RULE_PARAMETERS,
        iam_attach_managed_policy::build,
    ),
];

/// Builds every catalog runbook, both variants of each; the first failure is returned with the
/// runbook's name.
pub fn catalog() -> Result<Vec<CatalogEntry>, CatalogError> {
    let mut out = Vec::new();
    for (base, target, rule_parameters, build) in REMEDIATIONS {
        for approval in [false, true] {
            let name = if approval { format!("{base}-WithApproval") } else { base.to_string() };
            let document = build(approval).map_err(|error| CatalogError { name: name.clone(), error })?;
            out.push(CatalogEntry { name, document, target: *target, approval, rule_parameters });
        }
    }
    Ok(out)
}

/// Explicit IAM grants of a catalog runbook (see `wiring::grants`): only where a step's derived
/// permissions must stand apart from the rest, with the reason shown in review.
pub(crate) fn grants(entry: &CatalogEntry) -> runbook_dsl::iam::Grants {
    let base = entry.name.strip_suffix("-WithApproval").unwrap_or(&entry.name);
    match base {
        "Remediate-RDS-EncryptInstance" => rds_encrypt_instance::grants(),
        "Remediate-RDS-EncryptCluster" => rds_encrypt_cluster::grants(),
        "Remediate-CloudTrail-EnableMultiRegionTrail" => cloudtrail_multi_region::grants(),
        _ => runbook_dsl::iam::Grants::new(),
    }
}
