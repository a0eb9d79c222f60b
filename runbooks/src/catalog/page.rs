//! A catalog runbook as documentation: its [`Remediation`] settings and its [`Page`].

use super::CatalogEntry;
use runbook_dsl::docs_page::{Page, Remediation};

impl CatalogEntry {
    /// How AWS Config runs this runbook (rule, resource type, `RESOURCE_ID` parameter, and
    /// manual when it asks for approval).
    pub fn remediation(&self) -> Remediation<'_> {
        Remediation {
            config_rule: self.target.config_rule,
            resource_type: self.target.resource_type,
            resource_id_param: self.target.resource_id_param,
            approval: self.approval,
        }
    }

    /// The runbook's documentation page: `source` is its document file relative to the page,
    /// `iam_actions` the actions its role needs (`None`: not derived).
    ///
    /// ```
    /// let catalog = runbooks::catalog().unwrap();
    /// let page = catalog[0].page(None, None);
    /// let text = runbook_dsl::docs_page::render(&page);
    /// assert!(text.contains("## Remediation"));
    /// assert!(text.contains("(not derived)"));
    /// ```
    pub fn page<'a>(&'a self, source: Option<&'a str>, iam_actions: Option<&'a [String]>) -> Page<'a> {
        Page { name: &self.name, document: &self.document, source, remediation: Some(self.remediation()), iam_actions }
    }
}
