//! The exit hazards of step 4 that need an exponential, as pure formulas.
//!
//! Both the plan (which tables bounds of them per year, see
//! `plan::ExitBounds`) and step 4 (which computes them exactly) call these,
//! so the bound and the exact value share one formula, NaN-to-0 clamping
//! included; living here rather than in `year` keeps the plan from
//! importing the steps.

/// A probability: clamped to [0, 1], NaN (e.g. 0 · ∞) to 0.
#[inline]
pub(crate) fn unit(h: f64) -> f64 {
    if h > 1.0 {
        1.0
    } else if h > 0.0 {
        h
    } else {
        0.0
    }
}

/// The Gompertz death hazard a · exp(b · age), as a probability.
#[inline]
pub(crate) fn death_hazard(a: f64, b: f64, age: f64) -> f64 {
    unit(a * libm::exp(b * age))
}

/// The logistic retirement hazard around `retirement_age` with `spread`.
#[inline]
pub(crate) fn retirement_hazard(age: f64, retirement_age: f64, spread: f64) -> f64 {
    unit(1.0 / (1.0 + libm::exp(-(age - retirement_age) / spread)))
}

/// The turnover hazard base_c · exp(−τ t).
#[inline]
pub(crate) fn turnover_hazard(base: f64, embeddedness: f64, trust: f64) -> f64 {
    unit(base * libm::exp(-embeddedness * trust))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_clamped_and_nan_is_zero() {
        assert_eq!(unit(1.5), 1.0);
        assert_eq!(unit(-0.1), 0.0);
        assert_eq!(unit(f64::NAN), 0.0);
        assert_eq!(unit(0.25), 0.25);
        // 0 · exp(10 · 80) is 0 · ∞: no death, not NaN.
        assert_eq!(death_hazard(0.0, 10.0, 80.0), 0.0);
        assert_eq!(retirement_hazard(60.0, 60.0, 1.5), 0.5);
        assert_eq!(turnover_hazard(0.2, 2.0, 0.0), 0.2);
    }
}
