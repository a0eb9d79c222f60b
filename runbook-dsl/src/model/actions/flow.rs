use super::{Choice, Condition, DataType, Map, Value};
use crate::model::Step;

inputs! {
    /// `aws:approve`: wait until principals approve or reject. A rejection fails the step.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let a = Approve::new(vec!["arn:aws:iam::123456789012:role/Approver"]).min_required_approvals(1);
    /// assert_eq!(a.min_required_approvals, Some(json!(1)));
    /// ```
    pub struct Approve {
        /// 1 to 10 principals.
        approvers: Value = "Approvers",
        ; optional:
        /// How many approvals are needed (default 1).
        min_required_approvals: Value = "MinRequiredApprovals",
        /// Text of the notification (at most 4096 characters).
        message: Value = "Message",
        /// SNS topic ARN; the topic name must start with `Automation`.
        notification_arn: Value = "NotificationArn",
    }
    outputs: ["ApprovalStatus" => String, "ApproverDecisions" => MapList]
}

inputs! {
    /// `aws:branch`: choose the next step from ordered conditions.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let b = Branch::new(vec![Choice::new("Fix", Condition::compare("{{ Get.Algo }}", Operator::StringEquals, "None"))]).default("Done");
    /// assert_eq!(b.default.as_deref(), Some("Done"));
    /// ```
    pub struct Branch {
        /// Evaluated in order; the first that holds wins.
        choices: Vec<Choice> = "Choices",
        ; optional:
        /// The step to run when no choice holds.
        default: String = "Default",
    }
    outputs: []
}

inputs! {
    /// `aws:loop`: repeat nested steps, for each item of `Iterators` or while `LoopCondition`
    /// holds (exactly one of the two).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let l = Loop::new(vec![Step::new("Tag", Pause::new())]).iterators("{{ List.Ids }}").max_iterations(10);
    /// assert_eq!(l.steps.len(), 1);
    /// ```
    pub struct Loop {
        /// The nested steps.
        steps: Vec<Step> = "Steps",
        ; optional:
        /// For-each list (at most 100 items).
        iterators: Value = "Iterators",
        /// Type of each iterator item.
        iterator_data_type: Value = "IteratorDataType",
        /// Do-while condition, evaluated after each pass.
        loop_condition: Condition = "LoopCondition",
        /// 1 to 100.
        max_iterations: Value = "MaxIterations",
    }
    outputs: ["CurrentIteration" => Integer, "CurrentIteratorValue" => String]
}

inputs! {
    /// `aws:pause`: wait until a `Resume` signal (`inputs: {}`).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert!(Action::from(Pause::new()).inputs().unwrap().is_empty());
    /// ```
    pub struct Pause {
        ; optional:
    }
    outputs: []
}

inputs! {
    /// `aws:sleep`: wait for a duration or until a time (exactly one).
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// assert_eq!(Sleep::for_duration("PT5M").duration, Some(json!("PT5M")));
    /// ```
    pub struct Sleep {
        ; optional:
        /// ISO 8601 duration, e.g. `PT10M`.
        duration: Value = "Duration",
        /// ISO 8601 instant.
        timestamp: Value = "Timestamp",
    }
    outputs: []
}

impl Sleep {
    /// Sleep for an ISO 8601 duration such as `PT30S`.
    pub fn for_duration(d: impl Into<Value>) -> Self {
        Sleep::new().duration(d)
    }
    /// Sleep until an ISO 8601 instant.
    pub fn until(t: impl Into<Value>) -> Self {
        Sleep::new().timestamp(t)
    }
}

inputs! {
    /// `aws:updateVariable`: give a runbook variable a new value of its own type.
    ///
    /// ```
    /// use runbook_dsl::prelude::*;
    /// let u = UpdateVariable::new("variable:Count", 3);
    /// assert_eq!(u.name, "variable:Count");
    /// ```
    pub struct UpdateVariable {
        /// `variable:<Name>`.
        name: Value = "Name",
        /// The new value.
        value: Value = "Value",
        ; optional:
    }
    outputs: []
}
