//! Warnings about what a run does when people step in: a cancellation workflow that cannot finish
//! in the 2 minutes AWS gives it (W006), and an approval nobody is told about (W007).
//!
//! AWS runs the steps an `onCancel: step:X` names for at most two minutes ("Properties shared by
//! all actions", `onCancel`, AWS Systems Manager User Guide; /work/shared/reference
//! automation-document.md, rule 6). The worst case of a path is the sum of the timeouts along it:
//! each step's `timeoutSeconds` (capped by the action's maximum) times its `maxAttempts`, or the
//! action's documented default when `timeoutSeconds` is not set.

use super::{diag, max_timeout, Cx, Diagnostic, Edge};
use crate::model::{Action, ActionKind, OnCancel};
use std::collections::HashMap;

/// What AWS allows a cancellation workflow to run, in seconds.
pub const CANCEL_LIMIT_SECONDS: u64 = 120;

/// The longest a step can run: its timeout (or the action's default) times its attempts.
fn worst_case(cx: &Cx, i: usize) -> u64 {
    let s = cx.steps[i].step;
    let kind = s.action.kind();
    let default = match kind {
        Some(ActionKind::Branch) => 0,
        // Documented defaults: aws:approve and aws:pause 7 days, changeInstanceState and
        // waitForAwsResourceProperty 3600 s; the capped actions run at most their cap.
        Some(ActionKind::Approve | ActionKind::Pause) => 604_800,
        Some(k) => max_timeout(k).unwrap_or(3600),
        None => 3600,
    };
    let timeout = match (s.timeout_seconds, kind.and_then(max_timeout)) {
        (Some(t), Some(cap)) => t.min(cap),
        (Some(t), None) => t,
        (None, _) => default,
    };
    // aws:sleep runs its duration, whatever the timeout says.
    let timeout = match &s.action {
        Action::Sleep(sl) => sleep_seconds(sl).unwrap_or(timeout),
        _ => timeout,
    };
    timeout.saturating_mul(s.max_attempts.unwrap_or(1).max(1))
}

/// The seconds of an ISO 8601 `Duration` such as `PT1M30S` (days, hours, minutes, seconds).
fn sleep_seconds(s: &crate::model::actions::Sleep) -> Option<u64> {
    let d = s.duration.as_ref()?.as_str()?;
    let rest = d.strip_prefix('P')?;
    let (mut total, mut num, mut in_time) = (0u64, String::new(), false);
    for c in rest.chars() {
        match c {
            'T' => in_time = true,
            '0'..='9' => num.push(c),
            _ => {
                let n: u64 = num.parse().ok()?;
                num.clear();
                total += n * match (c, in_time) {
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return None,
                };
            }
        }
    }
    Some(total)
}

/// The longest run time from step `i` to the end of the run, along success, continue and failure
/// routes (a cycle counts once), with the path that takes it.
fn longest(
    cx: &Cx,
    i: usize,
    memo: &mut HashMap<usize, (u64, Vec<usize>)>,
    on_path: &mut Vec<usize>,
) -> (u64, Vec<usize>) {
    if let Some(m) = memo.get(&i) {
        return m.clone();
    }
    on_path.push(i);
    let mut best: (u64, Vec<usize>) = (0, Vec::new());
    for &(t, e) in cx.edges(i) {
        if e == Edge::Cancel || on_path.contains(&t) {
            continue;
        }
        let sub = longest(cx, t, memo, on_path);
        if sub.0 > best.0 || best.1.is_empty() {
            best = sub;
        }
    }
    on_path.pop();
    let mut path = vec![i];
    path.extend(best.1);
    let out = (worst_case(cx, i).saturating_add(best.0), path);
    memo.insert(i, out.clone());
    out
}

pub(super) fn check(cx: &Cx, out: &mut Vec<Diagnostic>) {
    // W006: once per cancellation target, on the first step that cancels to it.
    let mut memo = HashMap::new();
    let mut seen = Vec::new();
    for at in &cx.steps {
        let Some(OnCancel::Step(target)) = &at.step.on_cancel else { continue };
        let Some(t) = cx.find(at.scope, target) else { continue };
        if seen.contains(&t) {
            continue;
        }
        seen.push(t);
        let (secs, path) = longest(cx, t, &mut memo, &mut Vec::new());
        if secs > CANCEL_LIMIT_SECONDS {
            let names: Vec<&str> = path.iter().map(|&p| cx.steps[p].step.name.as_str()).collect();
            let others =
                cx.steps.iter().filter(|s| matches!(&s.step.on_cancel, Some(OnCancel::Step(x)) if x == target)).count()
                    - 1;
            let also = if others > 0 { format!(" (and {others} other step(s) cancel to it)") } else { String::new() };
            out.push(diag(
                "W006",
                Some(&at.step.name),
                format!("{}.onCancel", at.path),
                format!(
                    "the cancellation path from `{target}`{also} can run {secs} s in the worst case ({}), but AWS \
                     stops a cancellation workflow after {CANCEL_LIMIT_SECONDS} s",
                    names.join(" → ")
                ),
                "keep only the quick part on cancel (short timeoutSeconds, no waits), record the rest in outputs \
                 or point onCancel at a shorter path",
            ));
        }
    }
    // W007: an approval that notifies nobody waits unseen until it times out.
    for at in &cx.steps {
        if let Action::Approve(a) = &at.step.action {
            if a.notification_arn.is_none() {
                out.push(diag(
                    "W007",
                    Some(&at.step.name),
                    format!("{}.inputs", at.path),
                    format!(
                        "approval `{}` has no NotificationArn: no approver is told, and the run waits unseen until \
                         the approval times out",
                        at.step.name
                    ),
                    "set inputs.NotificationArn to an SNS topic whose name starts with `Automation` (Approval::notify, \
                     or a NotificationArn parameter)",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::validate;

    fn codes(yaml: &str) -> Vec<(&'static str, String)> {
        let doc = crate::read::from_str(yaml).expect("reads");
        validate(&doc).into_iter().map(|d| (d.code, d.message)).filter(|d| d.0 == "W006" || d.0 == "W007").collect()
    }

    const HEAD: &str = "schemaVersion: '0.3'\nassumeRole: '{{ R }}'\nparameters:\n  R:\n    type: String\nmainSteps:\n";

    fn change(cancel_to: &str) -> String {
        format!(
            "  - name: Change\n    action: aws:executeAwsApi\n    timeoutSeconds: 20\n    onCancel: step:{cancel_to}\n    \
             onFailure: step:{cancel_to}\n    inputs: {{Service: s3, Api: PutBucketVersioning, Bucket: b}}\n    isEnd: true\n"
        )
    }

    #[test]
    fn a_cancellation_path_longer_than_two_minutes_is_reported_with_its_steps() {
        let yaml = format!(
            "{HEAD}{}  - name: Undo\n    action: aws:executeAwsApi\n    timeoutSeconds: 20\n    inputs: {{Service: s3, Api: DeleteBucketPolicy, Bucket: b}}\n  \
             - name: WaitGone\n    action: aws:waitForAwsResourceProperty\n    timeoutSeconds: 600\n    inputs: {{Service: s3, Api: GetBucketPolicy, Bucket: b, PropertySelector: $.Policy, DesiredValues: ['x']}}\n    isEnd: true\n",
            change("Undo")
        );
        let found = codes(&yaml);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "W006");
        assert!(found[0].1.contains("620 s") && found[0].1.contains("Undo → WaitGone"), "{}", found[0].1);
    }

    #[test]
    fn a_quick_cancellation_path_and_retries_are_counted_right() {
        let quick = format!(
            "{HEAD}{}  - name: Undo\n    action: aws:executeAwsApi\n    timeoutSeconds: 20\n    maxAttempts: 3\n    inputs: {{Service: s3, Api: DeleteBucketPolicy, Bucket: b}}\n    isEnd: true\n",
            change("Undo")
        );
        assert!(codes(&quick).is_empty(), "60 s fits");
        // Without timeoutSeconds a wait may run 3600 s (its documented default).
        let unset = format!(
            "{HEAD}{}  - name: Undo\n    action: aws:waitForAwsResourceProperty\n    inputs: {{Service: s3, Api: GetBucketPolicy, Bucket: b, PropertySelector: $.Policy, DesiredValues: ['x']}}\n    isEnd: true\n",
            change("Undo")
        );
        assert!(codes(&unset).iter().any(|d| d.0 == "W006" && d.1.contains("3600 s")), "{:?}", codes(&unset));
    }

    #[test]
    fn an_approval_without_a_topic_is_reported_and_one_with_a_topic_is_not() {
        let approve = |extra: &str| {
            format!(
                "{HEAD}  - name: Ask\n    action: aws:approve\n    inputs:\n      Approvers: ['arn:aws:iam::123456789012:role/A']{extra}\n    isEnd: true\n"
            )
        };
        let found = codes(&approve(""));
        assert_eq!(found.iter().map(|d| d.0).collect::<Vec<_>>(), ["W007"]);
        assert!(codes(&approve("\n      NotificationArn: arn:aws:sns:eu-west-1:123456789012:AutomationApprovals"))
            .is_empty());
    }
}
