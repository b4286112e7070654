//! Progress on stderr: an indicatif bar (runs done, runs per second, time
//! left) on a terminal, a plain line about every ten seconds otherwise (log
//! files of cluster jobs), nothing with `--quiet`.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often plain progress lines are printed.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Progress of the runs of one invocation.
pub enum Progress {
    /// Nothing is printed.
    Quiet,
    /// An interactive bar.
    Bar(ProgressBar),
    /// Periodic lines: total runs, start, last print and runs done.
    Plain {
        total: u64,
        started: Instant,
        state: Mutex<(Instant, u64)>,
    },
}

impl Progress {
    /// Progress over `total` runs.
    pub fn new(total: u64, quiet: bool) -> Progress {
        if quiet {
            Progress::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} runs  {per_sec}  {elapsed_precise} elapsed, {eta} left",
                )
                .expect("a valid template"),
            );
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Plain {
                total,
                started: now,
                state: Mutex::new((now, 0)),
            }
        }
    }

    /// One more run done.
    pub fn inc(&self) {
        match self {
            Progress::Quiet => {}
            Progress::Bar(bar) => bar.inc(1),
            Progress::Plain {
                total,
                started,
                state,
            } => {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                state.1 += 1;
                let done = state.1;
                if state.0.elapsed() >= PLAIN_EVERY || done == *total {
                    state.0 = Instant::now();
                    let seconds = started.elapsed().as_secs_f64();
                    let rate = done as f64 / seconds.max(1e-9);
                    let left = (*total - done) as f64 / rate.max(1e-9);
                    eprintln!(
                        "runs {done}/{total} ({:.0}%), {rate:.2} runs/s, about {left:.0} s left",
                        100.0 * done as f64 / (*total).max(1) as f64
                    );
                }
            }
        }
    }

    /// A message outside the bar (suppressed when quiet).
    pub fn note(&self, message: &str) {
        match self {
            Progress::Quiet => {}
            Progress::Bar(bar) => bar.println(message),
            Progress::Plain { .. } => eprintln!("{message}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
