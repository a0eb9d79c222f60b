//! Import to Rust: source code that rebuilds a [`Document`] with the builder API.
//!
//! Parameters, variables and step outputs become typed handles (`Param<Str>`, `Output<StrMap>`,
//! `Var<Int>`) made by [`Runbook::param`](crate::builder::Runbook::param),
//! [`Runbook::output`](crate::builder::Runbook::output) and
//! [`Runbook::predefined`](crate::builder::Runbook::predefined); every `{{ Name }}` in a string is
//! written as the handle (`&bucket`, `format!("arn:aws:s3:::{bucket}")`, `role.compact()` for the
//! `{{Name}}` spelling), so the imported runbook keeps its references checked by the compiler.
//! Actions use their typed inputs (`ExecuteAwsApi::new("s3", "GetBucketEncryption")`), branch
//! conditions their typed form. What the builder has no method for (attachments, keys AWS does
//! not document, references to a step declared later) is written as plain data, so the code
//! always rebuilds the document exactly: `emit` of the result equals the input as JSON.

mod rust;

pub use rust::rustfmt;

use crate::model::actions::{Choice, Condition};
use crate::model::{Action, DataType, Document, OnCancel, OnFailure, OutputDecl, ParameterType, Step, Value};
use regex::Regex;
use rust::{block_lit, is_scalar, num_lit, str_lit, Names};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

/// What to call the generated function and where the document came from.
#[derive(Clone, Debug)]
pub struct Options {
    /// The function that builds the runbook (default `build`).
    pub function: String,
    /// Shown in the module comment, e.g. the file the document was read from.
    pub source: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options { function: "build".into(), source: None }
    }
}

/// Rust source for a module with one function, `pub fn build() -> Result<Document, BuildError>`,
/// that rebuilds `doc`; formatted with rustfmt when it is installed.
///
/// ```
/// let doc = runbook_dsl::read::from_str(r#"
/// schemaVersion: '0.3'
/// assumeRole: '{{AutomationAssumeRole}}'
/// parameters:
///   AutomationAssumeRole: {type: String}
///   BucketName: {type: String, description: The bucket.}
/// mainSteps:
///   - name: GetEncryption
///     action: aws:executeAwsApi
///     inputs: {Service: s3, Api: GetBucketEncryption, Bucket: '{{ BucketName }}'}
///     outputs: [{Name: Rules, Selector: $.Rules, Type: MapList}]
/// outputs: [GetEncryption.Rules]
/// "#).unwrap();
/// let src = runbook_dsl::codegen::to_rust(&doc, &Default::default());
/// assert!(src.contains(r#"let bucket_name: Param<Str> = rb.param("BucketName", ParamSpec::new("The bucket."));"#));
/// assert!(src.contains(r#"rb.set_assume_role(automation_assume_role.compact());"#));
/// assert!(src.contains(r#".param("Bucket", &bucket_name)"#));
/// assert!(src.contains(r#"let rules: Output<MapList> = rb.output(&get_encryption, "Rules", "$.Rules");"#));
/// assert!(src.contains("rb.document_output(&rules);"));
/// ```
pub fn to_rust(doc: &Document, opts: &Options) -> String {
    let src = Gen::new(doc).module(opts);
    rustfmt(&src).unwrap_or(src)
}

/// Rust source without running rustfmt (what [`to_rust`] formats).
pub fn to_rust_unformatted(doc: &Document, opts: &Options) -> String {
    Gen::new(doc).module(opts)
}

/// A Rust identifier in snake case for a document name (module and variable names).
///
/// ```
/// assert_eq!(runbook_dsl::codegen::snake_case("AWS-StopEC2Instance"), "aws_stop_ec2_instance");
/// assert_eq!(runbook_dsl::codegen::snake_case("2-fix"), "v_2_fix");
/// ```
pub fn snake_case(name: &str) -> String {
    rust::snake(name)
}

fn reference_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{\s*([^{}]*?)\s*\}\}").expect("the reference pattern is valid"))
}

/// Built-in variables by the name written between the braces.
const BUILTINS: &[(&str, &str)] = &[
    ("global:ACCOUNT_ID", "Builtin::ACCOUNT_ID"),
    ("global:REGION", "Builtin::REGION"),
    ("global:DATE", "Builtin::DATE"),
    ("global:DATE_TIME", "Builtin::DATE_TIME"),
    ("global:AWS_PARTITION", "Builtin::AWS_PARTITION"),
    ("automation:EXECUTION_ID", "Builtin::EXECUTION_ID"),
];

/// Where a value goes: a builder argument (`impl Into<Value>` or `impl Into<String>`), or inside
/// `json!` (anything `Serialize`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Arg,
    Json,
}

/// A handle in scope: the Rust expression that names it.
#[derive(Clone)]
struct Handle {
    var: String,
    /// `Builtin::REGION` is a constant, not a local to borrow.
    builtin: bool,
}

struct Gen<'a> {
    doc: &'a Document,
    /// Every reference expression used anywhere but the description (`BucketName`, `Get.Rules`).
    used: HashSet<String>,
    /// For each top-level step, the references used after it (later steps, document outputs):
    /// the outputs worth a handle.
    used_after: Vec<HashSet<String>>,
    /// The top-level step being written.
    step_index: usize,
    scope: HashMap<String, Handle>,
    names: Names,
    imports: BTreeSet<&'static str>,
    body: Vec<String>,
    /// Multi-line strings (scripts, long descriptions), hoisted into module constants.
    consts: Vec<String>,
    const_names: Names,
    /// What the value being written belongs to (`StepName Script`), to name constants.
    hint: String,
}

impl<'a> Gen<'a> {
    fn new(doc: &'a Document) -> Self {
        let mut used = HashSet::new();
        let mut value = doc.to_value();
        if let Value::Object(m) = &mut value {
            m.shift_remove("description");
        }
        collect_refs(&value, &mut used);
        used.extend(doc.outputs.iter().cloned());
        // `aws:updateVariable` names its variable as `variable:Name`: written `handle.target()`.
        for s in doc.all_steps() {
            if let Action::UpdateVariable(u) = &s.action {
                used.extend(u.name.as_str().map(str::to_string));
            }
        }
        let mut used_after = vec![HashSet::new(); doc.main_steps.len()];
        let mut later: HashSet<String> = doc.outputs.iter().cloned().collect();
        for (i, step) in doc.main_steps.iter().enumerate().rev() {
            used_after[i] = later.clone();
            collect_refs(&serde_json::to_value(step).unwrap_or(Value::Null), &mut later);
        }
        let scope = BUILTINS
            .iter()
            .map(|(expr, var)| (expr.to_string(), Handle { var: var.to_string(), builtin: true }))
            .collect();
        Gen {
            doc,
            used,
            used_after,
            step_index: 0,
            scope,
            names: Names::default(),
            imports: BTreeSet::new(),
            body: Vec::new(),
            consts: Vec::new(),
            const_names: Names::default(),
            hint: String::new(),
        }
    }

    fn module(mut self, opts: &Options) -> String {
        let doc = self.doc;
        self.hint = "Description".into();
        match &doc.description {
            Some(d) => {
                let d = self.string(d, Ctx::Arg);
                self.line(format!("let mut rb = Runbook::new({d});"));
            }
            None => self.line("let mut rb = Runbook::without_description();".into()),
        }
        // A timeout above an action's cap: AWS accepts it, `build` would refuse it.
        let findings = crate::validate::validate(doc);
        if findings.iter().any(|d| d.code == "W004") {
            self.line("rb.accept_warning(\"W004\");".into());
        }
        // Errors of the original (AWS may hold documents our validator refuses): kept, so the
        // rebuilt document equals it; `build` would refuse them otherwise.
        let mut errors: Vec<&str> =
            findings.iter().filter(|d| d.severity == crate::validate::Severity::Error).map(|d| d.code).collect();
        errors.sort_unstable();
        errors.dedup();
        if !errors.is_empty() {
            self.line("// The imported document has these errors (`runbook validate` says where): fix them, then remove this.".into());
        }
        for code in errors {
            self.line(format!("rb.accept_error(\"{code}\");"));
        }
        self.parameters();
        self.variables();
        if let Some(role) = &doc.assume_role {
            let e = self.string(role, Ctx::Arg);
            self.line(format!("rb.set_assume_role({e});"));
        }
        for (i, step) in doc.main_steps.iter().enumerate() {
            self.step_index = i;
            self.top_step(step);
        }
        for out in &doc.outputs {
            match self.scope.get(out.as_str()).filter(|h| !h.builtin) {
                Some(h) => self.line(format!("rb.document_output(&{});", h.var)),
                None => self.line(format!("rb.document_mut().outputs.push({}.into());", str_lit(out))),
            }
        }
        for (name, f) in &doc.files {
            self.imports.insert("runbook_dsl::model::FileDef");
            let checksums: Vec<String> = f
                .checksums
                .iter()
                .map(|(k, v)| format!("({}.to_string(), {}.to_string())", str_lit(k), str_lit(v)))
                .collect();
            let size = f.size.map_or("None".to_string(), |s| format!("Some({s})"));
            let extra = self.map_expr(&f.extra);
            self.line(format!(
                "rb.document_mut().files.insert({}.into(), FileDef {{ checksums: [{}].into_iter().collect(), size: {size}, extra: {extra} }});",
                str_lit(name),
                checksums.join(", ")
            ));
        }
        for (k, v) in &doc.extra {
            let e = self.json(v);
            self.line(format!("rb.document_mut().extra.insert({}.into(), {e});", str_lit(k)));
        }

        let mut out = String::new();
        match &opts.source {
            Some(s) => out.push_str(&format!("//! Imported from `{}` by `runbook import`.\n", comment_text(s))),
            None => out.push_str("//! Imported by `runbook import`.\n"),
        }
        if let Some(first) = doc.description.as_deref().and_then(|d| d.lines().find(|l| !l.trim().is_empty())) {
            out.push_str(&format!("//!\n//! {}\n", comment_text(first.trim())));
        }
        out.push_str("\nuse runbook_dsl::builder::BuildError;\n");
        for i in &self.imports {
            out.push_str(&format!("use {i};\n"));
        }
        out.push_str("use runbook_dsl::prelude::*;\n\n");
        for c in &self.consts {
            out.push_str(c);
            out.push_str("\n\n");
        }
        out.push_str("/// Builds the runbook.\n");
        out.push_str(&format!("pub fn {}() -> Result<Document, BuildError> {{\n", opts.function));
        for l in &self.body {
            out.push_str("    ");
            out.push_str(l);
            out.push('\n');
        }
        out.push_str("    rb.build()\n}\n");
        out
    }

    /// A statement; continuation lines (builder chains) are indented one level.
    fn line(&mut self, l: String) {
        self.body.push(l.replace('\n', "\n        "));
    }

    /// A module constant holding a multi-line string; its name comes from [`Gen::hint`].
    fn hoist(&mut self, s: &str) -> String {
        let name = self.const_names.take(&[&self.hint.clone()]).to_ascii_uppercase();
        self.consts.push(format!("const {name}: &str = {};", block_lit(s)));
        name
    }

    fn bind(&mut self, expr: &str, candidates: &[&str]) -> String {
        let var = self.names.take(candidates);
        self.scope.insert(expr.to_string(), Handle { var: var.clone(), builtin: false });
        var
    }

    fn parameters(&mut self) {
        let doc = self.doc;
        for (name, p) in &doc.parameters {
            self.hint = format!("{name} Value");
            let mut spec = match &p.description {
                Some(d) => format!("ParamSpec::new({})", str_lit(d)),
                None => "ParamSpec::without_description()".to_string(),
            };
            if let Some(d) = &p.default {
                spec += &format!(".default({})", self.value(d, Ctx::Arg));
            }
            if let Some(vs) = &p.allowed_values {
                let items = if vs.is_empty() {
                    "Vec::<String>::new()".to_string()
                } else if vs.iter().all(Value::is_string) {
                    let xs: Vec<String> = vs.iter().map(|v| self.value(v, Ctx::Arg)).collect();
                    format!("[{}]", xs.join(", "))
                } else {
                    let xs: Vec<String> = vs.iter().map(|v| self.json(v)).collect();
                    format!("[{}]", xs.join(", "))
                };
                spec += &format!(".allowed_values({items})");
            }
            if let Some(pat) = &p.allowed_pattern {
                spec += &format!(".pattern({})", str_lit(pat));
            }
            if let Some(d) = p.display_type {
                self.imports.insert("runbook_dsl::model::DisplayType");
                spec += &format!(".display_type(DisplayType::{d:?})");
            }
            for (setter, v) in [
                ("min_items", p.min_items),
                ("max_items", p.max_items),
                ("min_chars", p.min_chars),
                ("max_chars", p.max_chars),
            ] {
                if let Some(n) = v {
                    spec += &format!(".{setter}({n})");
                }
            }
            for (k, v) in &p.extra {
                spec += &format!(".attribute({}, {})", str_lit(k), self.value(v, Ctx::Arg));
            }
            let (marker, call) = match &p.ty {
                ParameterType::Data(t) => (marker(*t), format!("rb.param({}, {spec})", str_lit(name))),
                ParameterType::Aws(t) => ("Str", format!("rb.aws_param({}, {}, {spec})", str_lit(name), str_lit(t))),
            };
            if self.used.contains(name.as_str()) {
                let var = self.bind(name, &[name]);
                self.line(format!("let {var}: Param<{marker}> = {call};"));
            } else if matches!(p.ty, ParameterType::Aws(_)) {
                self.line(format!("{call};"));
            } else {
                self.line(format!("{};", call.replacen("rb.param(", &format!("rb.param::<{marker}>("), 1)));
            }
        }
    }

    fn variables(&mut self) {
        let doc = self.doc;
        for (name, v) in &doc.variables {
            let default = match &v.default {
                Some(d) => format!("Some({})", self.json(d)),
                None => "None".to_string(),
            };
            let marker = marker(v.ty);
            let expr = format!("variable:{name}");
            if self.used.contains(&expr) {
                let var = self.bind(&expr, &[name]);
                self.line(format!("let {var}: Var<{marker}> = rb.variable({}, {default});", str_lit(name)));
            } else {
                self.line(format!("rb.variable::<{marker}>({}, {default});", str_lit(name)));
            }
            if let Some(d) = &v.description {
                self.line(format!(
                    "rb.document_mut().variables[{}].description = Some({}.into());",
                    str_lit(name),
                    str_lit(d)
                ));
            }
            for (k, x) in &v.extra {
                let e = self.json(x);
                self.line(format!(
                    "rb.document_mut().variables[{}].extra.insert({}.into(), {e});",
                    str_lit(name),
                    str_lit(k)
                ));
            }
        }
    }

    /// A top-level step: added to the runbook, then its outputs declared through handles.
    fn top_step(&mut self, step: &Step) {
        let plain_outputs = step.outputs.iter().all(|o| o.extra.is_empty());
        let expr = self.step_expr(step, !plain_outputs);
        let referenced_predefined: Vec<(&str, DataType)> = step
            .action
            .predefined_outputs()
            .iter()
            .filter(|(n, _)| !step.outputs.iter().any(|o| o.name == *n))
            .filter(|(n, _)| self.used_after[self.step_index].contains(&format!("{}.{n}", step.name)))
            .map(|(n, t)| (*n, *t))
            .collect();
        let needs_ref = (plain_outputs && !step.outputs.is_empty()) || !referenced_predefined.is_empty();
        if !needs_ref {
            self.line(format!("rb.add({expr});"));
            return;
        }
        let sref = self.names.take(&[&step.name, &format!("{}Step", step.name)]);
        self.line(format!("let {sref} = rb.add({expr});"));
        if plain_outputs {
            for o in &step.outputs {
                let full = format!("{}.{}", step.name, o.name);
                let call = format!("rb.output(&{sref}, {}, {})", str_lit(&o.name), str_lit(&o.selector));
                if self.used_after[self.step_index].contains(&full) {
                    let var = self.bind(&full, &[&o.name, &format!("{}{}", step.name, o.name)]);
                    self.line(format!("let {var}: Output<{}> = {call};", marker(o.ty)));
                } else {
                    self.line(format!(
                        "{};",
                        call.replacen("rb.output(", &format!("rb.output::<{}>(", marker(o.ty)), 1)
                    ));
                }
            }
        }
        for (name, ty) in referenced_predefined {
            let full = format!("{}.{name}", step.name);
            let var = self.bind(&full, &[name, &format!("{}{name}", step.name)]);
            self.line(format!("let {var}: Output<{}> = rb.predefined(&{sref}, {});", marker(ty), str_lit(name)));
        }
    }

    /// `Step::new(name, action)` with its properties; outputs are written into the step only when
    /// `outputs_inline` (nested steps, or outputs with keys the model does not know).
    fn step_expr(&mut self, step: &Step, outputs_inline: bool) -> String {
        self.hint = step.name.clone();
        let action = self.action(&step.action);
        let mut e = format!("Step::new({}, {action})", str_lit(&step.name));
        self.hint = format!("{} Description", step.name);
        if let Some(d) = &step.description {
            e += &format!("\n.description({})", self.string(d, Ctx::Arg));
        }
        if let Some(n) = step.max_attempts {
            e += &format!("\n.max_attempts({n})");
        }
        if let Some(n) = step.timeout_seconds {
            e += &format!("\n.timeout_seconds({n})");
        }
        if let Some(f) = &step.on_failure {
            let f = match f {
                OnFailure::Abort => "OnFailure::Abort".to_string(),
                OnFailure::Continue => "OnFailure::Continue".to_string(),
                OnFailure::Step(s) => format!("OnFailure::step({})", str_lit(s)),
                OnFailure::Invalid(s) => format!("OnFailure::Invalid({}.into())", str_lit(s)),
            };
            e += &format!("\n.on_failure({f})");
        }
        if let Some(c) = &step.on_cancel {
            let c = match c {
                OnCancel::Abort => "OnCancel::Abort".to_string(),
                OnCancel::Step(s) => format!("OnCancel::step({})", str_lit(s)),
                OnCancel::Invalid(s) => format!("OnCancel::Invalid({}.into())", str_lit(s)),
            };
            e += &format!("\n.on_cancel({c})");
        }
        if let Some(b) = step.is_critical {
            e += &format!("\n.is_critical({b})");
        }
        if let Some(n) = &step.next_step {
            e += &format!("\n.next_step({})", str_lit(n));
        }
        if let Some(b) = step.is_end {
            e += &format!("\n.is_end({b})");
        }
        for (k, v) in &step.extra {
            e += &format!("\n.with_extra({}, {})", str_lit(k), self.value(v, Ctx::Arg));
        }
        if outputs_inline && !step.outputs.is_empty() {
            if step.outputs.iter().all(|o| o.extra.is_empty()) {
                for o in &step.outputs {
                    e += &format!(
                        "\n.output({}, {}, DataType::{})",
                        str_lit(&o.name),
                        str_lit(&o.selector),
                        o.ty.as_str()
                    );
                }
            } else {
                let decls: Vec<String> = step.outputs.iter().map(|o| self.output_decl(o)).collect();
                e = format!("Step {{ outputs: vec![{}], ..{e} }}", decls.join(", "));
            }
        }
        e
    }

    fn output_decl(&mut self, o: &OutputDecl) -> String {
        let extra = self.map_expr(&o.extra);
        format!(
            "OutputDecl {{ name: {}.into(), selector: {}.into(), ty: DataType::{}, extra: {extra} }}",
            str_lit(&o.name),
            str_lit(&o.selector),
            o.ty.as_str()
        )
    }

    fn action(&mut self, action: &Action) -> String {
        match action {
            Action::Other { action, inputs } => {
                self.imports.insert("runbook_dsl::model::into_map");
                let inputs = self.json(&Value::Object(inputs.clone()));
                format!("Action::Other {{ action: {}.into(), inputs: into_map({inputs}) }}", str_lit(action))
            }
            Action::Branch(b) => {
                let choices: Vec<String> = b.choices.iter().map(|c| self.choice(c)).collect();
                let mut e = format!("Branch::new(vec![{}])", choices.join(", "));
                if let Some(d) = &b.default {
                    e += &format!(".default({})", str_lit(d));
                }
                for (k, v) in &b.extra {
                    e += &format!(".with_input({}, {})", str_lit(k), self.value(v, Ctx::Arg));
                }
                e
            }
            Action::Loop(l) => {
                let steps: Vec<String> = l.steps.iter().map(|s| self.step_expr(s, true)).collect();
                let mut e = format!("Loop::new(vec![{}])", steps.join(",\n"));
                if let Some(v) = &l.iterators {
                    e += &format!("\n.iterators({})", self.value(v, Ctx::Arg));
                }
                if let Some(v) = &l.iterator_data_type {
                    e += &format!("\n.iterator_data_type({})", self.value(v, Ctx::Arg));
                }
                if let Some(c) = &l.loop_condition {
                    e += &format!("\n.loop_condition({})", self.condition(c));
                }
                if let Some(v) = &l.max_iterations {
                    e += &format!("\n.max_iterations({})", self.value(v, Ctx::Arg));
                }
                for (k, v) in &l.extra {
                    e += &format!("\n.with_input({}, {})", str_lit(k), self.value(v, Ctx::Arg));
                }
                e
            }
            typed => self.typed_action(typed),
        }
    }

    /// Any other typed action, from its inputs map: required inputs as `new` arguments, optional
    /// ones through their setters, the rest through `param` (API actions) or `with_input`.
    fn typed_action(&mut self, action: &Action) -> String {
        let (Some(kind), Ok(inputs)) = (action.kind(), action.inputs()) else {
            // Every typed action has a kind and serializable inputs; should that ever change,
            // the action is still written exactly, as data.
            let other =
                Action::Other { action: action.name().to_string(), inputs: action.inputs().unwrap_or_default() };
            return self.action(&other);
        };
        let known = kind.known_inputs();
        let fields = kind.input_fields();
        let required = kind.required_inputs();
        let step = self.hint.clone();
        let mut args = Vec::new();
        for k in required {
            self.hint = format!("{step} {k}");
            let target = match (action, *k, inputs.get(*k)) {
                (Action::UpdateVariable(_), "Name", Some(Value::String(n))) => {
                    self.scope.get(n.as_str()).map(|h| h.var.clone())
                }
                _ => None,
            };
            match target {
                Some(var) => args.push(format!("{var}.target()")),
                None => args.push(inputs.get(*k).map_or("json!(null)".into(), |v| self.value(v, Ctx::Arg))),
            }
        }
        let mut e = format!("{}::new({})", kind.rust_name(), args.join(", "));
        for (key, field) in known.iter().zip(fields).skip(required.len()) {
            if let Some(v) = inputs.get(*key) {
                self.hint = format!("{step} {key}");
                e += &format!("\n.{field}({})", self.value(v, Ctx::Arg));
            }
        }
        let api = matches!(
            action,
            Action::ExecuteAwsApi(_) | Action::AssertAwsResourceProperty(_) | Action::WaitForAwsResourceProperty(_)
        );
        for (k, v) in inputs.iter().filter(|(k, _)| !known.contains(&k.as_str())) {
            let setter = if api { "param" } else { "with_input" };
            self.hint = format!("{step} {k}");
            e += &format!("\n.{setter}({}, {})", str_lit(k), self.value(v, Ctx::Arg));
        }
        e
    }

    fn choice(&mut self, c: &Choice) -> String {
        format!("Choice::new({}, {})", str_lit(&c.next_step), self.condition(&c.condition))
    }

    fn condition(&mut self, c: &Condition) -> String {
        match c {
            Condition::Compare { variable, op, value } => format!(
                "Condition::compare({}, Operator::{}, {})",
                self.value(variable, Ctx::Arg),
                op.name(),
                self.value(value, Ctx::Arg)
            ),
            Condition::And(cs) => format!("Condition::And(vec![{}])", self.conditions(cs)),
            Condition::Or(cs) => format!("Condition::Or(vec![{}])", self.conditions(cs)),
            Condition::Not(c) => format!("Condition::Not(Box::new({}))", self.condition(c)),
            Condition::Invalid(m) => {
                self.imports.insert("runbook_dsl::model::into_map");
                format!("Condition::Invalid(into_map({}))", self.json(&Value::Object(m.clone())))
            }
        }
    }

    fn conditions(&mut self, cs: &[Condition]) -> String {
        cs.iter().map(|c| self.condition(c)).collect::<Vec<_>>().join(", ")
    }

    fn map_expr(&mut self, m: &crate::model::Map) -> String {
        if m.is_empty() {
            "Default::default()".to_string()
        } else {
            self.imports.insert("runbook_dsl::model::into_map");
            format!("into_map({})", self.json(&Value::Object(m.clone())))
        }
    }

    /// A value as a builder argument: literals as they are, references as handles, structures
    /// through `json!`.
    fn value(&mut self, v: &Value, ctx: Ctx) -> String {
        match v {
            Value::String(s) => self.string(s, ctx),
            Value::Number(n) => num_lit(n),
            Value::Bool(b) => b.to_string(),
            _ if ctx == Ctx::Json => self.json_inner(v),
            _ => self.json(v),
        }
    }

    /// `json!(...)`; scalars too (`json!(null)`), for places that need a `Value`. A value too
    /// wide or deep for `json!` (a macro that recurses once per entry and level, up to the
    /// compiler's recursion limit of 128) is written with plain constructors instead.
    fn json(&mut self, v: &Value) -> String {
        if json_macro_cost(v) <= MAX_JSON_MACRO_COST {
            format!("json!({})", self.json_inner(v))
        } else {
            self.plain(v)
        }
    }

    /// A value built without macros: `Value::Array(Vec::from([..]))`,
    /// `Value::Object(Map::from_iter([..]))`, `Value::from(..)`; any width, any depth.
    fn plain(&mut self, v: &Value) -> String {
        const V: &str = "runbook_dsl::model::Value";
        match v {
            Value::Null => format!("{V}::Null"),
            Value::Array(a) => {
                let xs: Vec<String> = a.iter().map(|x| self.plain(x)).collect();
                format!("{V}::Array(Vec::from([{}]))", xs.join(", "))
            }
            Value::Object(m) => {
                let xs: Vec<String> =
                    m.iter().map(|(k, x)| format!("({}.to_string(), {})", str_lit(k), self.plain(x))).collect();
                format!("{V}::Object(runbook_dsl::model::Map::from_iter([{}]))", xs.join(", "))
            }
            scalar => format!("{V}::from({})", self.value(scalar, Ctx::Json)),
        }
    }

    /// The inside of `json!`: on one line when short, else one entry per line (which rustfmt
    /// keeps, indenting the block as a whole).
    fn json_inner(&mut self, v: &Value) -> String {
        self.json_at(v, 0)
    }

    fn json_at(&mut self, v: &Value, indent: usize) -> String {
        const WIDTH: usize = 72;
        match v {
            Value::Null => "null".into(),
            Value::Array(a) => {
                let xs: Vec<String> = a.iter().map(|x| self.json_at(x, indent + 4)).collect();
                let one = format!("[{}]", xs.join(", "));
                if one.len() + indent <= WIDTH && !one.contains('\n') {
                    return one;
                }
                let pad = " ".repeat(indent + 4);
                let body: Vec<String> = xs.iter().map(|x| format!("{pad}{x},\n")).collect();
                format!("[\n{}{}]", body.concat(), " ".repeat(indent))
            }
            Value::Object(m) => {
                let xs: Vec<String> =
                    m.iter().map(|(k, x)| format!("{}: {}", str_lit(k), self.json_at(x, indent + 4))).collect();
                let one = format!("{{{}}}", xs.join(", "));
                if one.len() + indent <= WIDTH && !one.contains('\n') {
                    return one;
                }
                let pad = " ".repeat(indent + 4);
                let body: Vec<String> = xs.iter().map(|x| format!("{pad}{x},\n")).collect();
                format!("{{\n{}{}}}", body.concat(), " ".repeat(indent))
            }
            scalar => {
                debug_assert!(is_scalar(scalar));
                self.value(scalar, Ctx::Json)
            }
        }
    }

    /// A string: a literal, a handle when it is exactly one reference in scope, or `format!`
    /// with the handles in place when it embeds some.
    fn string(&mut self, s: &str, ctx: Ctx) -> String {
        let re = reference_re();
        // (start, end, the handle, whether written `{{expr}}`)
        let mut pieces: Vec<(usize, usize, String, bool)> = Vec::new();
        for caps in re.captures_iter(s) {
            let (Some(whole), Some(inner)) = (caps.get(0), caps.get(1)) else { continue };
            let inner = inner.as_str();
            let spaced = whole.as_str() == format!("{{{{ {inner} }}}}");
            let compact = whole.as_str() == format!("{{{{{inner}}}}}");
            if let Some(h) = self.scope.get(inner).filter(|_| spaced || compact) {
                pieces.push((whole.start(), whole.end(), h.var.clone(), compact));
            }
        }
        if pieces.is_empty() {
            return if s.contains('\n') { self.hoist(s) } else { str_lit(s) };
        }
        if pieces.len() == 1 && pieces[0].0 == 0 && pieces[0].1 == s.len() {
            let (_, _, var, compact) = &pieces[0];
            let builtin = var.starts_with("Builtin::");
            return match (compact, ctx, builtin) {
                (true, _, _) => format!("{var}.compact()"),
                (false, Ctx::Arg, true) => var.clone(),
                (false, Ctx::Arg, false) => format!("&{var}"),
                (false, Ctx::Json, _) => format!("{var}.value()"),
            };
        }
        let mut fmt = String::new();
        let mut args = Vec::new();
        let mut at = 0;
        for (start, end, var, compact) in &pieces {
            fmt.push_str(&s[at..*start].replace('{', "{{").replace('}', "}}"));
            if *compact {
                fmt.push_str("{}");
                args.push(format!("{var}.compact()"));
            } else if var.starts_with("Builtin::") {
                fmt.push_str("{}");
                args.push(var.clone());
            } else {
                fmt.push_str(&format!("{{{var}}}"));
            }
            at = *end;
        }
        fmt.push_str(&s[at..].replace('{', "{{").replace('}', "}}"));
        let mut e = format!("format!({}", str_lit(&fmt));
        for a in args {
            e += &format!(", {a}");
        }
        e.push(')');
        e
    }
}

/// The most `json!` may be given (see [`json_macro_cost`]); measured: an array of 100 numbers,
/// an object of 40 entries and 30 nested arrays compile, an object of 60 entries does not.
const MAX_JSON_MACRO_COST: usize = 90;

/// How deep `json!` recurses for a value, roughly: along the costliest path from the top, one
/// level per array item, two per object entry, three per nesting level.
fn json_macro_cost(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len() + 3 + a.iter().map(json_macro_cost).max().unwrap_or(0),
        Value::Object(m) => 2 * m.len() + 3 + m.values().map(json_macro_cost).max().unwrap_or(0),
        _ => 1,
    }
}

/// Text for a `//` comment: every control, line-breaking or invisible character escaped
/// (`\u{a}`), so that a file name or description can never end the comment and become code.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || rust::is_invisible(c) { c.escape_unicode().to_string() } else { c.to_string() })
        .collect()
}

/// The handle marker type of a data type.
fn marker(t: DataType) -> &'static str {
    match t {
        DataType::String => "Str",
        DataType::StringList => "StrList",
        DataType::Integer => "Int",
        DataType::Boolean => "Bool",
        DataType::StringMap => "StrMap",
        DataType::MapList => "MapList",
    }
}

/// Every `{{ expr }}` inside the strings of a value.
fn collect_refs(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::String(s) => {
            for c in reference_re().captures_iter(s) {
                if let Some(m) = c.get(1) {
                    out.insert(m.as_str().to_string());
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        Value::Object(m) => m.values().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}
