//! Proc macros for `runbook-dsl`. Each macro expands to calls of the public builder API, so
//! anything a macro does, the builder can do. (Filled by the macros work; see the README.)
