//! Progress on stderr, the binary's [`lifecycle::Progress`]: an indicatif
//! bar (runs done, runs per second, time left) on a terminal, a plain line
//! about every ten seconds otherwise (log files of cluster jobs), nothing
//! with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use succession::lifecycle;

/// How often plain progress lines are printed.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Set by the first SIGINT, SIGTERM or SIGHUP: no further run starts.
static STOP: AtomicBool = AtomicBool::new(false);

/// Makes SIGINT, SIGTERM (what Slurm sends at a job's time limit) and SIGHUP
/// stop a run between runs, keeping what finished and saying how to
/// resume; a second signal ends the process at once (every file is still
/// either whole or absent, so `--resume` finishes it all the same).
pub fn stop_between_runs_on_signals() {
    // If a handler cannot be installed, the signal's default (ending the
    // process) is still safe for the files, so the error is not fatal.
    let _ = ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping after the runs in progress (a second Ctrl-C stops at once)");
    });
}

/// Progress of the runs of one study.
enum Meter {
    /// An interactive bar.
    Bar(ProgressBar),
    /// Periodic lines: total runs, start, last print and runs done.
    Plain {
        total: u64,
        started: Instant,
        last: Instant,
        done: u64,
    },
}

/// The terminal's progress over the studies of one command (a calibration
/// runs several, each with a meter of its own).
pub struct Terminal {
    quiet: bool,
    meter: Mutex<Option<Meter>>,
}

impl Terminal {
    /// Progress on stderr, or none when `quiet`.
    pub fn new(quiet: bool) -> Terminal {
        Terminal {
            quiet,
            meter: Mutex::new(None),
        }
    }

    fn meter(&self) -> MutexGuard<'_, Option<Meter>> {
        self.meter.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl lifecycle::Progress for Terminal {
    fn start(&self, total: u64) {
        if self.quiet {
            return;
        }
        let meter = if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} runs  {per_sec}  {elapsed_precise} elapsed, {eta} left",
                )
                .expect("the template is a fixed literal indicatif accepts"),
            );
            Meter::Bar(bar)
        } else {
            let now = Instant::now();
            Meter::Plain {
                total,
                started: now,
                last: now,
                done: 0,
            }
        };
        *self.meter() = Some(meter);
    }

    fn run_done(&self) {
        // Test-only: proves that a panic in a worker ends as exit 1 and a
        // failed manifest (tests/cli_bad_input.rs).
        if std::env::var_os("SUCCESSION_TEST_PANIC_IN_RUN").is_some() {
            panic!("SUCCESSION_TEST_PANIC_IN_RUN is set");
        }
        match &mut *self.meter() {
            None => {}
            Some(Meter::Bar(bar)) => bar.inc(1),
            Some(Meter::Plain {
                total,
                started,
                last,
                done,
            }) => {
                *done += 1;
                if last.elapsed() >= PLAIN_EVERY || *done == *total {
                    *last = Instant::now();
                    let seconds = started.elapsed().as_secs_f64();
                    let rate = *done as f64 / seconds.max(1e-9);
                    let left = (*total - *done) as f64 / rate.max(1e-9);
                    eprintln!(
                        "runs {done}/{total} ({:.0}%), {rate:.2} runs/s, about {left:.0} s left",
                        100.0 * *done as f64 / (*total).max(1) as f64
                    );
                }
            }
        }
    }

    fn note(&self, message: &str) {
        match &*self.meter() {
            _ if self.quiet => {}
            Some(Meter::Bar(bar)) => bar.println(message),
            _ => eprintln!("{message}"),
        }
    }

    fn cancelled(&self) -> bool {
        STOP.load(Ordering::SeqCst)
    }

    fn finish(&self) {
        // The bar stays, cleared, so notes after it go through it as before.
        if let Some(Meter::Bar(bar)) = &*self.meter() {
            bar.finish_and_clear();
        }
    }
}
