//! Expansion snapshots of every macro form (prettyplease-formatted, pinned with insta) and the
//! flow checks, run on `proc_macro2` tokens without the compiler.

use quote::quote;

fn pretty_items(tokens: proc_macro2::TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion is valid Rust items");
    prettyplease::unparse(&file)
}

fn pretty_expr(tokens: proc_macro2::TokenStream) -> String {
    pretty_items(quote!(fn expansion() { #tokens }))
}

fn flow_errors(tokens: proc_macro2::TokenStream) -> Vec<String> {
    // Each error is one `::core::compile_error! { "..." }`: the string after a `compile_error`.
    let mut out = Vec::new();
    let mut after = false;
    for tt in crate::flow::flow(tokens) {
        match tt {
            proc_macro2::TokenTree::Ident(i) => after = i == "compile_error",
            proc_macro2::TokenTree::Group(g) if after => {
                let lit: syn::LitStr = syn::parse2(g.stream()).expect("one string");
                out.push(lit.value());
                after = false;
            }
            _ => {}
        }
    }
    out
}

#[test]
fn expand_derive_parameters() {
    insta::assert_snapshot!(pretty_items(crate::params::derive(quote! {
        pub struct BucketParams {
            /// (Required) The bucket.
            #[param(allowed_pattern = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", max_chars = 63)]
            bucket_name: String,
            /// Ports to close.
            #[param(default = ["22", "3389"], allowed_values = ["22", "3389", "80"], min_items = 1, max_items = 3)]
            ports: Vec<String>,
            /// Days to keep.
            #[param(default = 30)]
            keep_days: u32,
            /// Dry run.
            #[param(name = "DryRun", default = false)]
            dry: bool,
            /// Tags to set.
            tags: Option<std::collections::HashMap<String, String>>,
            /// A note.
            #[param(allowed_pattern = "^$|^[ -~]{1,200}$", display_type = "textarea")]
            note: Option<String>,
        }
    })));
}

#[test]
fn expand_derive_parameters_with_an_error_gives_the_error_and_a_stub() {
    insta::assert_snapshot!(pretty_items(crate::params::derive(quote! {
        struct P {
            /// The bucket.
            #[param(allowed_pattern = "^[a-z+$")]
            bucket_name: String,
        }
    })));
}

#[test]
fn expand_api() {
    insta::assert_snapshot!(pretty_expr(crate::call::api(quote! {
        s3.PutPublicAccessBlock {
            Bucket: p.bucket_name,
            PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true },
            "ExpectedBucketOwner": Builtin::ACCOUNT_ID,
            Tags: [{ Key: "fixed-by", Value: "runbook" }],
            Nothing: null,
        } -> { Status: Str = "$.Status", Count: Int = "$.Count" }
    })));
}

#[test]
fn expand_script() {
    insta::assert_snapshot!(pretty_expr(crate::call::script(quote! {
        runtime = "python3.11",
        handler = "handler",
        script = "def handler(events, context):\n    return {'ok': True}\n",
        input = { Bucket: p.bucket_name, Limit: 5 },
        outputs = { Ok: Bool = "$.Payload.ok" },
    })));
}

#[test]
fn expand_flow() {
    insta::assert_snapshot!(pretty_expr(crate::flow::flow(quote! { rb;
        /// Reads the status.
        Get: api!(s3.GetBucketVersioning { Bucket: p.bucket_name } -> { Status: Str = "$.Status", Count: Int = "$.N" }),
            timeout 20, retries 2, on_failure continue, critical false;
        /// Branches on it.
        Check: if Get.Status == "Enabled" && !(Get.Count > 3) { Done }
            else if Get.Status.one_of(["Suspended", "Off"]) || p.flag == true { Approve }
            else { Approve };
        #[when(let Some(a) = &approvers)]
        Approve: approve(a.approvers, format!("Fix {}?", p.bucket_name));
        Enable: api!(s3.PutBucketVersioning { Bucket: p.bucket_name, Previous: Get.Status }), undo {
            Undo1: api!(s3.PutBucketVersioning { Bucket: p.bucket_name, VersioningConfiguration: { Status: "Suspended" } });
            Undo2: Sleep::for_duration("PT1S");
        };
        Verify: WaitForAwsResourceProperty::new("s3", "GetBucketVersioning", "$.Status", vec!["Enabled"])
            .param("Bucket", &p.bucket_name).param("Was", &Get.Status), on_failure Undo1, on_cancel Undo1, max_attempts 2;
        Done: Sleep::for_duration("PT1S"), next Verify;
        outputs Get.Status, Get.Count;
    })));
}

#[test]
fn flow_reports_every_problem_at_once() {
    let errs = flow_errors(quote! { rb;
        A: Sleep::for_duration("PT1S");
        A: Sleep::for_duration("PT1S");
        "B-1": Sleep::for_duration("PT1S");
        Get: api!(s3.GetBucketVersioning { bucket: "b" } -> { Status: Str = "$.Status" });
        C: if Get.Status > 1 { Nowhere } else { A };
        D: Sleep::for_duration("PT1S"), on_failure Missing, on_cancel continue;
        E: if Get.Nope == "x" { A };
        outputs Get.Status, Get.Other;
    });
    assert_eq!(
        errs,
        vec![
            "step `A` is declared twice",
            "step name `B-1`: names are ASCII letters, digits and `_` only",
            "API parameters are PascalCase, as the API names them: `bucket` (quote the key, \"bucket\", for an API that names its parameters otherwise)",
            "no step named `Nowhere`; the steps are: A, B-1, Get, C, D, E",
            "a numeric comparison of a String value: `Get.Status` is String",
            "no step named `Missing`; the steps are: A, B-1, Get, C, D, E",
            "onCancel cannot be `continue`; use `abort` or a step",
            "step `Get` has no output `Nope`; its declared outputs: Status",
            "step `Get` has no output `Other`; its declared outputs: Status",
        ]
    );
}

#[test]
fn flow_resolves_jumps_to_absent_conditional_steps() {
    let out = crate::flow::flow(quote! { rb;
        Check: if p.flag == true { Approve } else { Fix };
        #[when(approval)]
        Approve: approve(who, "ok?");
        Fix: Sleep::for_duration("PT1S"), end;
    })
    .to_string();
    assert!(out.contains("if __when_Approve { \"Approve\" } else { \"Fix\" }"), "{out}");
}

#[test]
fn undo_chain_is_sugar_over_mutate_and_cannot_start_where_cancel_may_not_go() {
    let to_api = crate::flow::flow(quote! { rb;
        Fix: api!(s3.PutBucketVersioning { Bucket: "b" } -> { Id: Str = "$.Id" }),
            undo { Undo: api!(s3.DeleteBucketPolicy { Bucket: Fix.Id }); };
    })
    .to_string();
    // The change and its undo go to `Runbook::mutate`, which writes the wiring; the undo reads
    // the change's output through the handle declared on the change step.
    assert!(to_api.contains("__rb . mutate (__step_Fix , :: std :: vec ! [__step_Undo])"), "{to_api}");
    assert!(to_api.contains("Output :: declare (& mut __step_Fix , \"Id\""), "{to_api}");
    assert!(!to_api.contains("on_failure") && !to_api.contains("on_cancel"), "{to_api}");
    let to_sleep = crate::flow::flow(quote! { rb;
        Fix: api!(s3.PutBucketVersioning { Bucket: "b" }), undo { Wait: Sleep::for_duration("PT1S"); };
    })
    .to_string();
    assert!(to_sleep.contains("an undo chain cannot start with a Sleep step"), "{to_sleep}");
}

#[test]
fn step_outputs_inside_format_are_handles_and_are_checked() {
    let out = crate::flow::flow(quote! { rb;
        Get: api!(rds.DescribeDBInstances {} -> { Id: Str = "$.DBInstances[0].DBInstanceIdentifier" });
        #[when(let Some(a) = &approvers)]
        Approve: approve(a, format!("Make {} ({}) private?", Get.Id, p.dbi));
        Fix: Sleep::for_duration("PT1S"), end;
    })
    .to_string();
    assert!(out.contains("format ! (\"Make {} ({}) private?\" , __out_Get_Id , p . dbi)"), "{out}");
    let errs = flow_errors(quote! { rb;
        Get: api!(rds.DescribeDBInstances {} -> { Id: Str = "$.Id" });
        Ask: approve(who, format!("{} {}?", Get.Nope, Later.Id));
        Later: api!(rds.DescribeDBInstances {} -> { Id: Str = "$.Id" });
    });
    assert_eq!(
        errs,
        vec![
            "step `Get` has no output `Nope`; its declared outputs: Id",
            "`Later.Id` is referenced before step `Later` runs"
        ],
        "{errs:?}"
    );
}
