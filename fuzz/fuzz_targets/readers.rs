//! One target for the four text readers; the first byte picks the reader so
//! one corpus and one run cover them all. Every input must give Ok or Err,
//! never a panic, hang or unbounded allocation.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use succession::scenario::{Override, Source, roster};
use succession::study::sweep;

// The version-1 baseline has no `extends` or file paths, so it parses from
// text alone; the empty text is not a valid scenario (no channels).
const BASELINE: &str = include_str!("../../scenarios/v1/baseline.toml");

// A folder that does not exist, so `extends` and relative paths in fuzzed
// text fail cleanly instead of reading the machine's files.
const NOWHERE: &str = "/nonexistent-succession-fuzz/fuzz.toml";

fn scenario() -> &'static succession::scenario::Scenario {
    static S: OnceLock<succession::scenario::Scenario> = OnceLock::new();
    S.get_or_init(|| {
        Source::from_text(BASELINE, Path::new(NOWHERE))
            .and_then(|s| s.resolve(&[]))
            .expect("the defaults resolve")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(source) = Source::from_text(text, Path::new(NOWHERE))
            {
                let _ = source.resolve(&[]);
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest)
                && let Ok(set) = Override::parse_set(text)
                && let Ok(source) = Source::from_text(BASELINE, Path::new(NOWHERE))
            {
                let _ = source.resolve(&[set]);
            }
        }
        2 => {
            let _ = roster::read_from(rest, "fuzz.csv", scenario());
        }
        _ => {
            let _ = sweep::read_table_from(rest, "fuzz.csv");
        }
    }
});
