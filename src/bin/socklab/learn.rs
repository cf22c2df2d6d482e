//! The learning tools: `socklab explain` (what an errno or EAI_* code means for each socket
//! call) and `socklab inspect` (a socket struct as C lays it out).

use std::process::ExitCode;

use clap::Args;

use crate::output::{emit, or_exit, usage_error};

#[derive(Args)]
pub struct ExplainArgs {
    /// Errnos as symbols (EADDRINUSE) or numbers (98), or getaddrinfo codes (EAI_NONAME)
    #[arg(required = true, value_name = "ERRNO")]
    errnos: Vec<String>,
}

#[derive(Args)]
pub struct InspectArgs {
    /// sockaddr_in, sockaddr_in6, sockaddr_un, msghdr or mmsghdr
    #[arg(value_name = "STRUCT")]
    kind: String,
    /// The address for a sockaddr: 127.0.0.1:8080, [::1%lo]:9090, /tmp/x.sock, @abstract
    #[arg(value_name = "ADDRESS")]
    address: Option<String>,
}

/// `socklab explain ERRNO…`: every name is checked before anything is printed, so a typo gives
/// one line and exit 2 rather than half an answer.
pub fn explain(args: &ExplainArgs) -> ExitCode {
    let mut out = String::new();
    for text in &args.errnos {
        let Some(code) = socklab::explain::Code::parse(text) else {
            return usage_error(&format!(
                "explain: '{text}' is not an errno or EAI_* code (a symbol like EADDRINUSE or \
                 EAI_NONAME, or a number like 98)"
            ));
        };
        match code.explain() {
            Some(e) => out.push_str(&e.to_string()),
            None => out.push_str(&format!(
                "{} ({}): {}\n  no socket call commonly returns it; see errno(3)\n",
                code.name(),
                code.raw(),
                code.description()
            )),
        }
        out.push('\n');
    }
    let text = out.trim_end_matches('\n').to_owned() + "\n";
    or_exit(emit(&text))
}

/// `socklab inspect STRUCT [ADDRESS]`.
pub fn inspect(args: &InspectArgs) -> ExitCode {
    use socklab::inspect::{self, Kind};
    let Some(kind) = Kind::parse(&args.kind) else {
        return usage_error(&format!(
            "inspect: unknown struct '{}' (allowed: {})",
            args.kind,
            Kind::NAMES.join(", ")
        ));
    };
    match inspect::inspect(kind, args.address.as_deref()) {
        Ok(layouts) => {
            let text: Vec<String> = layouts.iter().map(ToString::to_string).collect();
            or_exit(emit(&text.join("\n")))
        }
        Err(e) => usage_error(&e.to_string()),
    }
}
