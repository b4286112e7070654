//! What an output column is: its name, type, unit and meaning. The model
//! declares its metrics with these (see [`super::metrics::METRICS`]); the
//! study its figures, the scenario format its roster columns, and the run
//! folder assembles them into file schemas and `datapackage.json`.

/// The type of a column's cells, as a Frictionless Table Schema names it.
/// An empty cell is always allowed: it is an undefined value (MODEL.md
/// section 4), never a zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Whole numbers (counts, years, indices).
    Integer,
    /// Any finite decimal.
    Number,
    /// Text (names of kinds, cohorts, channels).
    String,
    /// `true` or `false` (a swept boolean parameter).
    Boolean,
}

impl FieldType {
    /// The Table Schema type name.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::String => "string",
            FieldType::Boolean => "boolean",
        }
    }
}

/// A value written as a CSV cell of its column's declared type: the one
/// number format of every file a run folder holds. A `Number` is Rust's
/// shortest round-trip decimal (so a value read back is the value
/// computed), never exponent notation (`Display` of `f64` writes 1e-7 as
/// `0.0000001` and 1e21 as all its digits), and always with a decimal
/// point: a whole value gets `.0` (`0.0`, `1.0`), so a reader that infers
/// types from the first rows infers a float. An `Integer` (a count, year or
/// index, held as `f64` by a row of metrics) is written without one. A
/// `String` (or `Boolean`) column holds no numbers; a value given for one
/// is written as a `Number`. An undefined value is an empty cell, which the writers write
/// themselves (`Option::None`), never through this.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell(pub FieldType, pub f64);

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Cell(field_type, value) = *self;
        let whole = value.is_finite() && value.fract() == 0.0;
        match field_type {
            FieldType::Integer => {
                debug_assert!(whole, "an integer column's value {value} is not whole");
                write!(f, "{value}")
            }
            FieldType::Number | FieldType::String | FieldType::Boolean if whole => {
                write!(f, "{value}.0")
            }
            FieldType::Number | FieldType::String | FieldType::Boolean => write!(f, "{value}"),
        }
    }
}

/// A text cell: as it is, or quoted (inner quotes doubled) when it holds a
/// comma, a quote or a line break.
pub fn text_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// A declared column. Its `name` and `meaning` may hold placeholders
/// (`<channel>`, `<cohort>`, `<skill>`, `<reason>`, `<issue>`) for a family
/// of columns, one per member, expanded by the layer that knows the members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The column name (or name template).
    pub name: &'static str,
    /// The cells' type.
    pub field_type: FieldType,
    /// The unit; empty for labels and indices.
    pub unit: &'static str,
    /// What the column holds, in the model's words (or a template).
    pub meaning: &'static str,
}

impl Column {
    /// A declared column: what the declaration tables of the model, the
    /// study and the roster format are written with.
    pub const fn new(
        name: &'static str,
        field_type: FieldType,
        unit: &'static str,
        meaning: &'static str,
    ) -> Column {
        Column {
            name,
            field_type,
            unit,
            meaning,
        }
    }

    /// The column as a field, its templates left as they are.
    pub fn field(&self) -> Field {
        Field {
            name: self.name.to_string(),
            field_type: self.field_type,
            unit: self.unit.to_string(),
            meaning: self.meaning.to_string(),
        }
    }
}

/// One concrete column of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The column name, as in the header.
    pub name: String,
    /// The cells' type.
    pub field_type: FieldType,
    /// The unit; empty for labels and indices.
    pub unit: String,
    /// What the column holds.
    pub meaning: String,
}

#[cfg(test)]
mod tests {
    use super::{Cell, FieldType::*};

    #[test]
    fn numbers_always_have_a_decimal_point_and_integers_never() {
        let cell = |t, v| Cell(t, v).to_string();
        assert_eq!(cell(Number, 0.0), "0.0");
        assert_eq!(cell(Number, -0.0), "-0.0");
        assert_eq!(cell(Number, 1.0), "1.0");
        assert_eq!(cell(Number, 12.5), "12.5");
        assert_eq!(cell(Number, 0.1 + 0.2), "0.30000000000000004");
        assert_eq!(cell(Number, 1e-7), "0.0000001");
        assert_eq!(cell(Number, 1e21), "1000000000000000000000.0");
        assert_eq!(cell(Number, 0.0007751937984496124), "0.0007751937984496124");
        assert_eq!(cell(Integer, 0.0), "0");
        assert_eq!(cell(Integer, 1964.0), "1964");
        assert_eq!(cell(Integer, 12.0), "12");
        for v in [
            0.0,
            1.0,
            1e-7,
            1e21,
            1.0 / 3.0,
            2f64.powi(60),
            f64::MIN_POSITIVE,
        ] {
            let text = cell(Number, v);
            assert!(text.contains('.') && !text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().unwrap(), v);
        }
    }
}
