//! A programmatic scenario with the registry's built-in defaults, for the
//! engine's unit tests. Only what differs from the defaults is written here
//! (the run's size and three channels), so a new parameter reaches these
//! tests through its registry entry alone.

use super::params::*;
use crate::scenario::from_defaults;

/// The text behind [`scenario`]: everything not named takes its registry
/// default.
const SCENARIO: &str = r#"
name = "engine-unit"
communities = 20
replicates = 1

[channels.enterprise]
cohort = "experience"
supply = 1.0
turnover = 0.05
age = { normal = [40, 5], min = 28, max = 55 }
experience = { beta = [5, 3] }

[channels.revolution]
cohort = "revolutionary"
supply = 1.0
trust = { beta = [6, 3] }

[channels.school]
cohort = "knowledge"
supply = 0.5
localness = 0.3
turnover = 0.15
promotion = 1.5
age = { normal = [24, 2], min = 21, max = 35 }
knowledge = { beta = [7, 3] }
experience = { beta = [1.5, 8] }
trust = 0.1
"#;

/// A channel with the registry's defaults for a new channel.
pub(crate) fn channel(name: &str, cohort: Cohort, supply: f64) -> Channel {
    let text = format!(
        "name = \"engine-unit\"\n[channels.{name}]\ncohort = \"{}\"\nsupply = {supply:?}\n",
        cohort.name()
    );
    let mut scenario = from_defaults(&text, "testing::channel").expect("a new channel resolves");
    scenario.channels.remove(0)
}

/// The model's parameters of the built-in defaults, 1949–2060, 20
/// communities, with three channels (`enterprise`, `revolution`, `school`).
/// Test code only: the model itself imports nothing from the scenario layer.
pub(crate) fn parameters() -> Parameters {
    scenario().parameters()
}

/// The same defaults as a resolved scenario, for the study layer's tests.
pub(crate) fn scenario() -> crate::scenario::Scenario {
    from_defaults(SCENARIO, "testing::scenario").expect("the test scenario resolves")
}
