//! The organization template, deployed once in the organization's management account or the
//! Config delegated administrator account: an `AWS::Config::ConfigurationAggregator` over the
//! whole organization (`OrganizationAggregationSource`, every Region) with its role, so that the
//! compliance of every account, before and after the remediations, is seen in one place; and,
//! when the catalog template's S3 URL is given, a Service Catalog portfolio holding the catalog
//! template as a product (empty URL: no portfolio).
//!
//! ```
//! let t = runbook_dsl::remediation::organization::organization_template();
//! let agg = &t["Resources"]["OrganizationAggregator"]["Properties"];
//! assert_eq!(agg["OrganizationAggregationSource"]["AllAwsRegions"], true);
//! assert_eq!(t["Resources"]["CatalogProduct"]["Condition"], "PublishCatalog");
//! ```

use crate::model::Value;
use serde_json::json;

/// AWS's managed policy for an organization aggregator's role (AWS Config developer guide,
/// "Setting up an aggregator": `AWSConfigRoleForOrganizations`).
pub const AGGREGATOR_POLICY: &str = "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSConfigRoleForOrganizations";

/// The organization template.
pub fn organization_template() -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Organization-wide view of the remediation catalog: an AWS Config aggregator over every account and Region of the organization, and optionally the catalog template as a Service Catalog product.",
        "Parameters": {
            "AggregatorName": {
                "Type": "String",
                "Default": "organization-remediation",
                "AllowedPattern": "^[\\w-]{1,256}$",
                "Description": "Name of the AWS Config configuration aggregator.",
            },
            "CatalogTemplateUrl": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^$|^https://\\S+$",
                "Description": "S3 URL of generated/catalog.template.yaml (empty: no Service Catalog portfolio).",
            },
            "CatalogVersion": {
                "Type": "String",
                "Default": "1",
                "AllowedPattern": "^[\\w.-]{1,100}$",
                "Description": "Version name of the catalog product (a new name publishes a new version).",
            },
            "PortfolioPrincipalArn": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^$|^arn:aws[a-z0-9-]*:iam::\\d{12}:(role|user|group)/[\\w+=,.@/-]+$",
                "Description": "IAM role, user or group that may launch the catalog product (empty: nobody yet).",
            },
        },
        "Conditions": {
            "PublishCatalog": {"Fn::Not": [{"Fn::Equals": [{"Ref": "CatalogTemplateUrl"}, ""]}]},
            "GrantPortfolio": {"Fn::And": [
                {"Condition": "PublishCatalog"},
                {"Fn::Not": [{"Fn::Equals": [{"Ref": "PortfolioPrincipalArn"}, ""]}]},
            ]},
        },
        "Resources": {
            "AggregatorRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "Description": "Lets AWS Config read the organization's accounts for the aggregator.",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": "config.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                            "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                        }],
                    },
                    "ManagedPolicyArns": [{"Fn::Sub": AGGREGATOR_POLICY}],
                }
            },
            "OrganizationAggregator": {
                "Type": "AWS::Config::ConfigurationAggregator",
                "Properties": {
                    "ConfigurationAggregatorName": {"Ref": "AggregatorName"},
                    "OrganizationAggregationSource": {
                        "RoleArn": {"Fn::GetAtt": ["AggregatorRole", "Arn"]},
                        "AllAwsRegions": true,
                    },
                }
            },
            "CatalogPortfolio": {
                "Type": "AWS::ServiceCatalog::Portfolio",
                "Condition": "PublishCatalog",
                "Properties": {
                    "DisplayName": "Config remediation runbooks",
                    "ProviderName": "Security engineering",
                    "Description": "SSM Automation runbooks that fix what AWS Config flags as NON_COMPLIANT, with their Config remediations, roles, alerts and Security Hub actions.",
                }
            },
            "CatalogProduct": {
                "Type": "AWS::ServiceCatalog::CloudFormationProduct",
                "Condition": "PublishCatalog",
                "Properties": {
                    "Name": "Config remediation catalog",
                    "Owner": "Security engineering",
                    "Description": "Every catalog runbook as an AWS Config remediation (generated/catalog.template.yaml); rules start with their -WithApproval runbooks.",
                    "ProvisioningArtifactParameters": [{
                        "Name": {"Ref": "CatalogVersion"},
                        "Description": "generated/catalog.template.yaml",
                        "Info": {"LoadTemplateFromURL": {"Ref": "CatalogTemplateUrl"}},
                    }],
                }
            },
            "CatalogProductInPortfolio": {
                "Type": "AWS::ServiceCatalog::PortfolioProductAssociation",
                "Condition": "PublishCatalog",
                "Properties": {"PortfolioId": {"Ref": "CatalogPortfolio"}, "ProductId": {"Ref": "CatalogProduct"}},
            },
            "CatalogPortfolioPrincipal": {
                "Type": "AWS::ServiceCatalog::PortfolioPrincipalAssociation",
                "Condition": "GrantPortfolio",
                "Properties": {
                    "PortfolioId": {"Ref": "CatalogPortfolio"},
                    "PrincipalARN": {"Ref": "PortfolioPrincipalArn"},
                    "PrincipalType": "IAM",
                },
            },
        },
        "Outputs": {
            "AggregatorName": {"Description": "The organization's Config aggregator.", "Value": {"Ref": "OrganizationAggregator"}},
            "PortfolioId": {
                "Condition": "PublishCatalog",
                "Description": "The Service Catalog portfolio of the catalog (share it with the organization: aws servicecatalog create-portfolio-share --organization-node).",
                "Value": {"Ref": "CatalogPortfolio"},
            },
            "ProductId": {"Condition": "PublishCatalog", "Description": "The catalog product.", "Value": {"Ref": "CatalogProduct"}},
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregator_covers_the_organization_with_a_config_role() {
        let t = organization_template();
        let r = &t["Resources"];
        let source = &r["OrganizationAggregator"]["Properties"]["OrganizationAggregationSource"];
        assert_eq!(source["RoleArn"], json!({"Fn::GetAtt": ["AggregatorRole", "Arn"]}));
        let trust = &r["AggregatorRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(trust["Principal"]["Service"], "config.amazonaws.com");
        assert_eq!(r["AggregatorRole"]["Properties"]["ManagedPolicyArns"], json!([{"Fn::Sub": AGGREGATOR_POLICY}]));
    }

    #[test]
    fn the_portfolio_exists_only_with_a_catalog_url() {
        let t = organization_template();
        for (id, r) in t["Resources"].as_object().unwrap() {
            let service_catalog = r["Type"].as_str().unwrap().starts_with("AWS::ServiceCatalog::");
            assert_eq!(service_catalog, r.get("Condition").is_some(), "{id}");
        }
        assert_eq!(t["Parameters"]["CatalogTemplateUrl"]["Default"], "");
        assert_eq!(
            t["Resources"]["CatalogProduct"]["Properties"]["ProvisioningArtifactParameters"][0]["Info"]
                ["LoadTemplateFromURL"],
            json!({"Ref": "CatalogTemplateUrl"})
        );
    }
}
