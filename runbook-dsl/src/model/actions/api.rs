use super::{DataType, Map, Value};

inputs! {
    /// `aws:executeAwsApi`: call an AWS API operation. API parameters go through
    /// [`ExecuteAwsApi::param`]; results are read through declared step outputs.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = ExecuteAwsApi::new("s3", "GetBucketVersioning").param("Bucket", "my-bucket");
    /// assert_eq!(a.extra["Bucket"], "my-bucket");
    /// ```
    pub struct ExecuteAwsApi {
        /// Service namespace of the Python SDK (`ec2`, `s3`, ...).
        service: String = "Service",
        /// Operation name (`DescribeInstances`).
        api: String = "Api",
        ; optional:
    }
    outputs: []
}

inputs! {
    /// `aws:assertAwsResourceProperty`: call an API once and fail unless the selected value is
    /// one of the desired values.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = AssertAwsResourceProperty::new("ec2", "DescribeInstances", "$.Reservations[0].Instances[0].State.Name", vec!["stopped"]);
    /// assert_eq!(a.desired_values, json!(["stopped"]));
    /// ```
    pub struct AssertAwsResourceProperty {
        /// Service namespace.
        service: String = "Service",
        /// Operation name.
        api: String = "Api",
        /// JSONPath into the response.
        property_selector: String = "PropertySelector",
        /// Accepted values.
        desired_values: Value = "DesiredValues",
        ; optional:
    }
    outputs: []
}

inputs! {
    /// `aws:waitForAwsResourceProperty`: poll an API until the selected value is one of the
    /// desired values.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let w = WaitForAwsResourceProperty::new("rds", "DescribeDBInstances", "$.DBInstances[0].DBInstanceStatus", vec!["available"]);
    /// assert_eq!(w.api, "DescribeDBInstances");
    /// ```
    pub struct WaitForAwsResourceProperty {
        /// Service namespace.
        service: String = "Service",
        /// Operation name.
        api: String = "Api",
        /// JSONPath into the response.
        property_selector: String = "PropertySelector",
        /// Values that end the wait.
        desired_values: Value = "DesiredValues",
        ; optional:
    }
    outputs: []
}

macro_rules! api_param {
    ($($t:ident),*) => {$(
        impl $t {
            /// Sets an API parameter (an input named as the API names it).
            pub fn param(self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                self.with_input(key, value)
            }
            /// The API parameters: every input that is not one of the action's own.
            pub fn api_params(&self) -> &Map {
                &self.extra
            }
        }
    )*};
}
api_param!(ExecuteAwsApi, AssertAwsResourceProperty, WaitForAwsResourceProperty);
