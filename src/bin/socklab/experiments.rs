//! `socklab experiments`: lists the primer's claims, or runs them and prints the report.

use std::process::ExitCode;

use clap::Args;

use crate::output::{emit, or_exit, usage_error};

#[derive(Args)]
pub struct ExperimentsArgs {
    /// Print only the table of verdicts, not each experiment's method and evidence
    #[arg(long)]
    brief: bool,
    /// List the experiments (name and claim) without running any
    #[arg(long, conflicts_with_all = ["brief", "json", "names"])]
    list: bool,
    /// Print one JSON document {socklab_version, env, experiments: [...]} instead of text
    #[arg(long)]
    json: bool,
    /// Run only these experiments [default: all]
    names: Vec<String>,
}

/// `socklab experiments [--list] [--json] [NAME…]`: lists, or runs the named experiments (all
/// by default) and prints their report.
pub fn run(args: &ExperimentsArgs) -> ExitCode {
    use socklab::experiments as x;
    if args.list {
        let width = x::ALL.iter().map(|e| e.name.len()).max().unwrap_or(0);
        let list: String = x::ALL
            .iter()
            .map(|e| format!("{:width$}  {}\n", e.name, e.claim))
            .collect();
        return or_exit(emit(&list));
    }
    let mut chosen = Vec::new();
    for name in &args.names {
        match x::find(name) {
            Some(e) => chosen.push(e),
            None => {
                return usage_error(&format!(
                    "unknown experiment {name:?} (valid: {})",
                    x::names()
                ))
            }
        }
    }
    if chosen.is_empty() {
        chosen = x::ALL.iter().collect();
    }
    let started = std::time::Instant::now();
    let outcomes: Vec<x::Outcome> = chosen.iter().map(|e| (e.run)()).collect();
    let mut text = String::new();
    if args.json {
        text = x::json(&outcomes);
    } else {
        if !args.brief {
            for o in &outcomes {
                text.push_str(&format!("{o}\n"));
            }
        }
        text.push_str(&x::summary_table(&outcomes));
        text.push_str(&format!(
            "({} experiments in {:.1} s)\n",
            outcomes.len(),
            started.elapsed().as_secs_f64()
        ));
    }
    if let Err(code) = emit(&text) {
        return code;
    }
    // An experiment that broke (not a verdict, not a missing privilege) fails the command.
    if outcomes
        .iter()
        .any(|o| matches!(o.verdict, x::Verdict::Failed(_)))
    {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
