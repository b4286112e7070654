//! The `succession` binary: a thin shell that parses arguments, runs one
//! command and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad
//! input, 130 stopped by a signal between runs) in one place.

mod cli;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = match cli::Cli::try_parse() {
        Ok(args) => args,
        Err(error) => {
            let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
            return match cli::usage_error(&error, &argv) {
                Some(line) => {
                    eprintln!("error: {}", single_line(&line));
                    ExitCode::from(2)
                }
                // Help or the version: clap's own text, stream and code.
                None => {
                    let _ = error.print();
                    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2))
                }
            };
        }
    };
    // A panic is a bug, never the user's input: it must not end the process
    // with Rust's multi-line report and exit 101. The hook stays silent
    // because a run's panic is caught in `Study::execute` and reported as
    // that run's error; whatever escapes is caught here, as one line.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| cli::run(args));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: {}", single_line(&error.to_string()));
            if error.is_bad_input() {
                ExitCode::from(2)
            } else if matches!(error, succession::Error::Interrupted(_)) {
                ExitCode::from(130)
            } else {
                ExitCode::from(1)
            }
        }
        Err(payload) => {
            eprintln!(
                "error: internal error: {}",
                single_line(&succession::study::ensemble::panic_message(
                    payload.as_ref()
                ))
            );
            ExitCode::from(1)
        }
    }
}

/// `message` on one line: a line break in it (from a file name, a value
/// on the command line) is shown as `\n`, so every error stays one line.
fn single_line(message: &str) -> String {
    message.replace('\r', "\\r").replace('\n', "\\n")
}
