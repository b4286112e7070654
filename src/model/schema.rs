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
}

impl FieldType {
    /// The Table Schema type name.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Number => "number",
            FieldType::String => "string",
        }
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
