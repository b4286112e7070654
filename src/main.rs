//! The `succession` binary: a thin shell that parses arguments, runs one
//! command and maps errors to exit codes (0 ok, 1 runtime failure, 2 bad
//! input, 130 stopped by a signal between runs) in one place.

mod cli;
mod progress;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // A panic is a bug, never the user's input: it must not end the process
    // with Rust's multi-line report and exit 101. The hook stays silent
    // because a run's panic is caught in `Study::execute` and reported as
    // that run's error; whatever escapes is caught here, as one line.
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(|| cli::run(args));
    match outcome {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(error)) => {
            eprintln!("error: {error}");
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
                succession::study::ensemble::panic_message(payload.as_ref())
            );
            ExitCode::from(1)
        }
    }
}
