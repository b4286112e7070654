//! The typed schema of every CSV file of a run folder, assembled from the
//! declarations below it: the model's metrics
//! ([`crate::model::metrics::METRICS`]), the study's figures
//! ([`crate::study::summary::FIGURES`]), the roster columns
//! ([`crate::scenario::roster::FIELDS`]) and the columns of what runs record
//! ([`crate::study::record`]: transitions, events, trajectories). The writers take their headers
//! from here, the README's column tables are generated from here (a test
//! holds them equal), and every run folder gets a `datapackage.json`
//! (Frictionless Data Package) built from here, so that pandas, polars, R
//! and frictionless read each column with its true type, also a column
//! whose cells happen to be all empty.

use crate::model::metrics::{self, METRICS};
use crate::model::schema::{Column, Field, FieldType};
use crate::scenario::roster;
use crate::study::record;
use crate::study::summary::{FIGURES, Statistic};
use crate::{Error, Result};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::Path;

/// The name of the Data Package descriptor in a run folder.
pub const DATAPACKAGE: &str = "datapackage.json";
/// The indices of a `[sensitivity]` study.
pub const SENSITIVITY: &str = "sensitivity.csv";

/// `point`: the column every file starts with.
pub const POINT: Column = Column {
    name: "point",
    field_type: FieldType::Integer,
    unit: "",
    meaning: "parameter point (0 without a sweep)",
};

/// `replicate`: the second column of the per-run files.
pub const REPLICATE: Column = Column {
    name: "replicate",
    field_type: FieldType::Integer,
    unit: "",
    meaning: "replicate, from 0",
};

/// `year`: the third column of `timeseries.csv`.
pub const YEAR: Column = Column {
    name: "year",
    field_type: FieldType::Integer,
    unit: "calendar year",
    meaning: "calendar year",
};

/// `replicates` in `summary.csv`.
const REPLICATES: Column = Column {
    name: "replicates",
    field_type: FieldType::Integer,
    unit: "",
    meaning: "replicates whose figures the row pools",
};

/// One CSV file of a run folder: its name and its columns in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// The file name inside the run folder.
    pub path: String,
    /// What one row is.
    pub description: String,
    /// The columns, in file order.
    pub fields: Vec<Field>,
    /// The columns that identify a row.
    pub primary_key: Vec<&'static str>,
}

impl Resource {
    /// The header line, with its newline.
    pub fn header(&self) -> String {
        let mut line = self
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>()
            .join(",");
        line.push('\n');
        line
    }

    /// The column names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| f.name.as_str()).collect()
    }

    /// The Data Package resource (`tabular-data-resource`).
    fn to_json(&self) -> Value {
        let fields: Vec<Value> = self
            .fields
            .iter()
            .map(|f| {
                let mut field = json!({
                    "name": f.name,
                    "type": f.field_type.name(),
                    "description": f.meaning,
                });
                if !f.unit.is_empty() {
                    field["unit"] = json!(f.unit);
                }
                field
            })
            .collect();
        let mut schema = json!({
            "fields": fields,
            "missingValues": [""],
            "primaryKey": self.primary_key,
        });
        if self.path != "points.csv" && self.primary_key.contains(&"point") {
            schema["foreignKeys"] = json!([{
                "fields": "point",
                "reference": {"resource": "points", "fields": "point"}
            }]);
        }
        json!({
            "name": self.path.trim_end_matches(".csv"),
            "path": self.path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": self.description,
            "dialect": {"delimiter": ",", "header": true},
            "schema": schema,
        })
    }
}

/// The fields of the swept paths in `points.csv` and `summary.csv`.
fn swept(paths: &[String]) -> impl Iterator<Item = Field> + '_ {
    paths.iter().map(|path| Field {
        name: path.clone(),
        field_type: crate::scenario::swept_type(path),
        unit: String::new(),
        meaning: format!("the value of the scenario parameter `{path}` at this point"),
    })
}

/// `timeseries.csv` for a scenario with `channels` (in scenario order).
pub fn timeseries(channels: &[&str]) -> Resource {
    let mut fields: Vec<Field> = [POINT, REPLICATE, YEAR].iter().map(Column::field).collect();
    fields.extend(metrics::metric_fields(channels));
    Resource {
        path: "timeseries.csv".into(),
        description: "one row per (point, replicate, year): the metrics of MODEL.md section 4 at the end of the year".into(),
        fields,
        primary_key: vec!["point", "replicate", "year"],
    }
}

/// `runs.csv`: one row per run with its summary figures.
pub fn runs() -> Resource {
    let mut fields: Vec<Field> = [POINT, REPLICATE].iter().map(Column::field).collect();
    fields.extend(FIGURES.iter().map(Column::field));
    Resource {
        path: "runs.csv".into(),
        description: "one row per (point, replicate): the run's summary figures".into(),
        fields,
        primary_key: vec!["point", "replicate"],
    }
}

/// `points.csv`: `point` and one column per swept path.
pub fn points(paths: &[String]) -> Resource {
    let mut fields = vec![POINT.field()];
    fields.extend(swept(paths));
    Resource {
        path: "points.csv".into(),
        description: "one row per parameter point: the values of the swept scenario parameters"
            .into(),
        fields,
        primary_key: vec!["point"],
    }
}

/// The statistics over replicates that `summary.csv` reports for `figure`,
/// in column order: for `trough_year` (a year; a mean of two modes is no
/// year) its lower median, minimum and maximum; for every other figure its
/// mean, 95% interval and standard deviation, and for `policy_capacity`
/// also its 10th percentile (MODEL.md sections 7.2 and 7.7).
pub fn summary_statistics(figure: &Column) -> &'static [Statistic] {
    use Statistic::*;
    match figure.name {
        "trough_year" => &[Median, Min, Max],
        "policy_capacity" => &[Mean, Lo, Hi, Sd, P10],
        _ => &[Mean, Lo, Hi, Sd],
    }
}

/// The `summary.csv` column of `figure`'s `statistic`.
fn summary_field(figure: &Column, statistic: Statistic) -> Field {
    let (what, field_type) = match statistic {
        // A mean of whole numbers is not a whole number.
        Statistic::Mean => ("mean", FieldType::Number),
        Statistic::Lo => (
            "lower end of the 95% t interval of the mean (empty with one replicate)",
            FieldType::Number,
        ),
        Statistic::Hi => (
            "upper end of the 95% t interval of the mean (empty with one replicate)",
            FieldType::Number,
        ),
        Statistic::Sd => (
            "standard deviation, n − 1 denominator (empty with one replicate)",
            FieldType::Number,
        ),
        Statistic::P10 => (
            "10th percentile, linear interpolation between order statistics (empty with one replicate)",
            FieldType::Number,
        ),
        // Order statistics keep the figure's type: a trough year stays a year.
        Statistic::Median => (
            "lower median (the value of rank ⌈n/2⌉, always one of the values)",
            figure.field_type,
        ),
        Statistic::Min => ("smallest value", figure.field_type),
        Statistic::Max => ("largest value", figure.field_type),
    };
    Field {
        name: format!("{}_{}", figure.name, statistic.suffix()),
        field_type,
        unit: figure.unit.to_string(),
        meaning: format!("{what} of `{}` over replicates", figure.name),
    }
}

/// The `summary.csv` columns of one figure, those of its
/// [`summary_statistics`] in order.
pub fn summary_fields(figure: &Column) -> Vec<Field> {
    summary_statistics(figure)
        .iter()
        .map(|&statistic| summary_field(figure, statistic))
        .collect()
}

/// `summary.csv`: point, swept values, replicates, then for each figure in
/// [`FIGURES`] order the columns of its statistics ([`summary_statistics`]).
pub fn summary(paths: &[String]) -> Resource {
    let mut fields = vec![POINT.field()];
    fields.extend(swept(paths));
    fields.push(REPLICATES.field());
    fields.extend(FIGURES.iter().flat_map(summary_fields));
    Resource {
        path: "summary.csv".into(),
        description:
            "one row per parameter point: each summary figure's statistics over replicates (mean, 95% interval and sd; trough_year's median, min and max)"
                .into(),
        fields,
        primary_key: vec!["point"],
    }
}

/// `sensitivity.csv`: the indices of a `[sensitivity]` study.
pub fn sensitivity() -> Resource {
    Resource {
        path: "sensitivity.csv".into(),
        description: "one row per summary figure, varied parameter and index of the [sensitivity] analysis, with its 95% bootstrap interval".into(),
        fields: crate::study::sensitivity::COLUMNS.iter().map(Column::field).collect(),
        primary_key: vec!["figure", "parameter", "index"],
    }
}

/// `transitions.csv`: the hand-over matrix of seats per year.
pub fn transitions() -> Resource {
    Resource {
        path: "transitions.csv".into(),
        description: "one row per (point, replicate, year, from, to): seats held by `from` at the start of the year and by `to` at its end (each year's rows sum to the seats)".into(),
        fields: record::fields(&record::TRANSITION_COLUMNS),
        primary_key: vec!["point", "replicate", "year", "from", "to"],
    }
}

/// `events.csv`: the seat events of the sampled communities (`--events`).
pub fn events() -> Resource {
    Resource {
        path: "events.csv".into(),
        description: "one row per seat event (a leader leaving a seat, a leader taking one) of the sampled communities, in (point, replicate, year, community) order and, within a community's year, in the order they happened".into(),
        fields: record::fields(&record::EVENT_COLUMNS),
        // A seat has at most one exit and one entry a year.
        primary_key: vec!["point", "replicate", "year", "community", "seat", "event"],
    }
}

/// `trajectories.csv`: a few communities year by year (`--trajectories N`).
pub fn trajectories() -> Resource {
    Resource {
        path: "trajectories.csv".into(),
        description: "one row per (point, replicate, year, community) of the communities chosen by --trajectories: capacity, seats by cohort and mean skills at the end of the year".into(),
        fields: record::fields(&record::TRAJECTORY_COLUMNS),
        primary_key: vec!["point", "replicate", "year", "community"],
    }
}

/// `roster_<year>.csv`.
pub fn roster(year: i32) -> Resource {
    Resource {
        path: format!("roster_{year}.csv"),
        description: format!("one row per seat at the end of {year}"),
        fields: roster::FIELDS.iter().map(Column::field).collect(),
        primary_key: vec!["point", "replicate", "community", "seat"],
    }
}

/// The schema of the CSV file `name` whose header is `columns`, checked
/// against the declarations: the swept paths and channels are taken from
/// the header, everything else must be exactly as declared. `None` for a
/// file that is not a run folder's CSV.
pub fn resource_of(name: &str, columns: &[&str]) -> Option<Resource> {
    let paths = |range: &[&str]| range.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let resource = match name {
        "timeseries.csv" => {
            let channels: Vec<&str> = columns
                .iter()
                .filter_map(|c| c.strip_prefix("entries_"))
                .collect();
            timeseries(&channels)
        }
        "runs.csv" => runs(),
        "points.csv" => points(&paths(columns.get(1..)?)),
        "summary.csv" => {
            let end = columns.iter().position(|&c| c == "replicates")?;
            summary(&paths(columns.get(1..end)?))
        }
        "sensitivity.csv" => sensitivity(),
        "transitions.csv" => transitions(),
        "events.csv" => events(),
        "trajectories.csv" => trajectories(),
        _ => {
            let year = name.strip_prefix("roster_")?.strip_suffix(".csv")?;
            roster(year.parse().ok()?)
        }
    };
    (resource.names() == columns).then_some(resource)
}

/// The files `succession patterns` writes: `patterns.csv` and, with a
/// posterior, `patterns_posterior.csv` and `patterns_draws.csv`.
pub fn patterns(posterior: bool) -> Vec<Resource> {
    use crate::study::patterns::{COLUMNS, DRAW_COLUMNS, POSTERIOR_COLUMNS};
    let fields = |columns: &[Column]| columns.iter().map(Column::field).collect::<Vec<_>>();
    let mut resources = vec![Resource {
        path: "patterns.csv".into(),
        description: "one row per claim of MODEL.md 7.8: its effect against its control, the 95% interval and the verdict".into(),
        fields: fields(&COLUMNS),
        primary_key: vec!["pattern", "claim"],
    }];
    if posterior {
        resources.push(Resource {
            path: "patterns_posterior.csv".into(),
            description: "one row per claim: the verdicts over the posterior's draws".into(),
            fields: fields(&POSTERIOR_COLUMNS),
            primary_key: vec!["pattern", "claim"],
        });
        resources.push(Resource {
            path: "patterns_draws.csv".into(),
            description: "one row per draw of the posterior and claim, as in patterns.csv".into(),
            fields: fields(&DRAW_COLUMNS[..2])
                .into_iter()
                .chain(fields(&COLUMNS))
                .collect(),
            primary_key: vec!["draw", "pattern", "claim"],
        });
    }
    resources
}

/// The Data Package descriptor of the files of `succession patterns`.
pub fn patterns_datapackage(resources: &[Resource]) -> Value {
    json!({
        "profile": "tabular-data-package",
        "name": "succession-patterns",
        "title": "succession patterns folder",
        "description": "The CSV files of `succession patterns` (see README.md); an empty cell is an undefined value, never 0.",
        "resources": resources.iter().map(Resource::to_json).collect::<Vec<_>>(),
    })
}

/// The files `succession compare` writes: `compare.csv` and
/// `compare_timeseries.csv`, their descriptions saying what was compared
/// (`what`: A, B and how they were paired).
pub fn compare(what: &str) -> Vec<Resource> {
    use crate::study::compare::{COLUMNS, TIMESERIES_COLUMNS};
    let fields = |columns: &[Column]| columns.iter().map(Column::field).collect::<Vec<_>>();
    vec![
        Resource {
            path: "compare.csv".into(),
            description: format!(
                "one row per summary figure of runs.csv: the difference B − A; {what}"
            ),
            fields: fields(&COLUMNS),
            primary_key: vec!["figure"],
        },
        Resource {
            path: "compare_timeseries.csv".into(),
            description: format!(
                "one row per year: the difference B − A of capacity_mean (timeseries.csv); {what}"
            ),
            fields: fields(&TIMESERIES_COLUMNS),
            primary_key: vec!["year"],
        },
    ]
}

/// The Data Package descriptor of the files of `succession compare`.
pub fn compare_datapackage(resources: &[Resource]) -> Value {
    json!({
        "profile": "tabular-data-package",
        "name": "succession-compare",
        "title": "succession compare folder",
        "description": "The CSV files of `succession compare` (see README.md); an empty cell is an undefined value, never 0.",
        "resources": resources.iter().map(Resource::to_json).collect::<Vec<_>>(),
    })
}

/// The README table of `compare.csv` columns.
pub fn compare_table() -> String {
    markdown_table(&crate::study::compare::COLUMNS)
}

/// The Data Package descriptor of `resources`.
pub fn datapackage(resources: &[Resource]) -> Value {
    json!({
        "profile": "tabular-data-package",
        "name": "succession-run",
        "title": "succession run folder",
        "description": "The CSV files of a run of succession (see README.md, Output files); an empty cell is an undefined value, never 0.",
        "resources": resources.iter().map(Resource::to_json).collect::<Vec<_>>(),
    })
}

/// The run folder's CSV files in descriptor order: timeseries, runs,
/// summary, points, then the rosters by year.
fn csv_files(dir: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut rosters = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(year) = name
            .strip_prefix("roster_")
            .and_then(|n| n.strip_suffix(".csv"))
            .and_then(|y| y.parse::<i32>().ok())
        {
            rosters.push((year, name));
        }
    }
    rosters.sort();
    let mut files: Vec<String> = [
        "timeseries.csv",
        "runs.csv",
        "summary.csv",
        "points.csv",
        "sensitivity.csv",
        "transitions.csv",
        "events.csv",
        "trajectories.csv",
    ]
    .into_iter()
    .filter(|name| dir.join(name).is_file())
    .map(String::from)
    .collect();
    files.extend(rosters.into_iter().map(|(_, name)| name));
    Ok(files)
}

/// The header line of `path`, without its newline.
fn header_line(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut line = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut line)
        .map_err(|e| Error::io(path, e))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

/// Writes `dir/datapackage.json` describing the CSV files the folder holds
/// (a shard has no `summary.csv`; rosters only for its snapshots), each
/// with the schema its header selects. A header that differs from the
/// declarations is a bug in the writers, so it fails the run rather than
/// describing the file wrongly.
pub fn write_datapackage(dir: &Path) -> Result<()> {
    let mut resources = Vec::new();
    for name in csv_files(dir)? {
        let path = dir.join(&name);
        let header = header_line(&path)?;
        let columns: Vec<&str> = header.split(',').collect();
        let resource = resource_of(&name, &columns).ok_or_else(|| {
            Error::Runtime(format!(
                "{}: header `{header}` does not match the declared schema",
                path.display()
            ))
        })?;
        resources.push(resource);
    }
    let mut text = serde_json::to_vec_pretty(&datapackage(&resources))
        .map_err(|e| Error::Runtime(e.to_string()))?;
    text.push(b'\n');
    super::output::write_atomically(&dir.join(DATAPACKAGE), &text)
}

/// A Markdown table of declared columns (`| column | type | unit | meaning
/// |`), as README.md shows them; a family's row names its members (the
/// channels are the scenario's).
pub fn markdown_table(columns: &[Column]) -> String {
    let mut text = String::from("| column | type | unit | meaning |\n|---|---|---|---|\n");
    for column in columns {
        let mut meaning = column.meaning.to_string();
        let found = metrics::placeholders(column.name);
        for placeholder in &found {
            meaning = meaning.replace(placeholder, &format!("`{placeholder}`"));
        }
        let lists: Vec<String> = found
            .iter()
            .map(|&placeholder| match metrics::members(placeholder, &[]) {
                Some(_) if placeholder == "<channel>" => {
                    "`<channel>`: each channel of the scenario, in alphabetical order".to_string()
                }
                Some(members) => format!(
                    "`{placeholder}`: {}",
                    members
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("`{placeholder}`"),
            })
            .collect();
        if !lists.is_empty() {
            meaning.push_str(&format!(" (one column per {})", lists.join("; ")));
        }
        text.push_str(&format!(
            "| `{}` | {} | {} | {meaning} |\n",
            column.name,
            column.field_type.name(),
            column.unit
        ));
    }
    text
}

/// The README table of `timeseries.csv` columns.
pub fn timeseries_table() -> String {
    let mut columns = vec![POINT, REPLICATE, YEAR];
    columns.extend(METRICS.iter().map(|m| m.column));
    markdown_table(&columns)
}

/// The README table of summary figures.
pub fn figures_table() -> String {
    markdown_table(&FIGURES)
}

/// The README table of the `summary.csv` columns of each figure, in
/// column order.
pub fn summary_table() -> String {
    let mut text = String::from("| figure | columns |\n|---|---|\n");
    for figure in &FIGURES {
        let names: Vec<String> = summary_fields(figure)
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect();
        text.push_str(&format!("| `{}` | {} |\n", figure.name, names.join(", ")));
    }
    text
}

/// The README table of roster columns.
pub fn roster_table() -> String {
    markdown_table(&roster::FIELDS)
}

/// The README table of `transitions.csv` columns.
pub fn transitions_table() -> String {
    markdown_table(&record::TRANSITION_COLUMNS)
}

/// The README table of `events.csv` columns.
pub fn events_table() -> String {
    markdown_table(&record::EVENT_COLUMNS)
}

/// The README table of `trajectories.csv` columns.
pub fn trajectories_table() -> String {
    markdown_table(&record::TRAJECTORY_COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_select_their_schema_and_others_are_refused() {
        let ts = timeseries(&["agency", "school"]);
        let names = ts.names();
        assert_eq!(&names[..4], ["point", "replicate", "year", "capacity_mean"]);
        assert!(names.contains(&"entries_school"));
        assert_eq!(resource_of("timeseries.csv", &names), Some(ts.clone()));
        let mut renamed = names.clone();
        renamed[3] = "capacity";
        assert_eq!(resource_of("timeseries.csv", &renamed), None);
        let summary_header = ["point", "a.b", "replicates"];
        assert_eq!(resource_of("summary.csv", &summary_header), None);
        let points = resource_of("points.csv", &["point", "a.b"]).unwrap();
        assert_eq!(points.fields[1].field_type, FieldType::Number);
        assert_eq!(resource_of("notes.csv", &["point"]), None);
        let roster = resource_of("roster_2000.csv", &roster::COLUMNS).unwrap();
        assert_eq!(roster.fields[5].field_type, FieldType::String);
    }

    #[test]
    fn integer_columns_are_the_counts_and_indices() {
        let ts = timeseries(&["agency"]);
        let integers: Vec<&str> = ts
            .fields
            .iter()
            .filter(|f| f.field_type == FieldType::Integer)
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(
            integers,
            [
                "point",
                "replicate",
                "year",
                "entries_agency",
                "exits_death",
                "exits_retirement",
                "exits_rotation",
                "exits_promotion",
                "exits_turnover",
                "exits_election",
                "promoted_tempered"
            ]
        );
        let summary = summary(&[]);
        let field = |name: &str| summary.fields.iter().find(|f| f.name == name);
        assert_eq!(field("trough_year_mean"), None);
        assert_eq!(field("trough_year_sd"), None);
        for name in ["trough_year_median", "trough_year_min", "trough_year_max"] {
            assert_eq!(
                field(name).unwrap().field_type,
                FieldType::Integer,
                "{name}"
            );
        }
        assert_eq!(
            field("policy_capacity_p10").unwrap().field_type,
            FieldType::Number
        );
        assert!(field("final_capacity_sd").is_some());
        assert_eq!(field("final_capacity_p10"), None);
    }
}
