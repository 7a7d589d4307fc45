//! Parquet outputs: samples.parquet streamed chunk by chunk, summary.parquet at the end; ZSTD,
//! units in field metadata (`unit`), provenance in file key-value metadata. A run writes into a
//! temporary sibling directory that is renamed onto the output directory only when complete.

mod dir;
pub mod manifest;
pub mod parts;
pub use parts::samples_text;

pub use crate::stats::accumulator::SummaryRow;
use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
pub use dir::{
    check_not_inside_output, claim_dataset, claim_out_dir, finished_by, lock_out_dir, partial_dir,
    read_identity, report_source, shard_dirs, shards_without_marker, write_marker,
    written_by_dispersa, DirKind, Identity, OutLock, RunDir, MARKER,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;
use std::collections::HashMap;
use std::fs::File;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    #[error("{action}: {source}")]
    Io {
        action: String,
        source: std::io::Error,
    },
    #[error("{action}: {source}")]
    Parquet {
        action: String,
        source: parquet::errors::ParquetError,
    },
    #[error("{action}: {source}")]
    Arrow {
        action: String,
        source: arrow_schema::ArrowError,
    },
}

pub(crate) fn io(action: impl Into<String>) -> impl FnOnce(std::io::Error) -> OutputError {
    let action = action.into();
    move |source| OutputError::Io { action, source }
}

/// Rows a row group of samples.parquet holds at most. The writer keeps the open row group's
/// encoded pages in memory, so this bounds its memory (~10-30 MB); a reader skips or reads
/// row groups of this size.
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Visit the columns `names` of Parquet files `files`, in order, a batch (at most a row group)
/// at a time, with only those columns in memory, until `visit` breaks.
pub fn for_each_batch(
    files: &[PathBuf],
    names: &[&str],
    mut visit: impl FnMut(&RecordBatch) -> Result<ControlFlow<()>, OutputError>,
) -> Result<(), OutputError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ProjectionMask;
    for path in files {
        let action = || format!("reading {:?} back from {}", names, path.display());
        let pq = |source| OutputError::Parquet {
            action: action(),
            source,
        };
        let file = File::open(path).map_err(io(action()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(pq)?;
        let schema = builder.parquet_schema();
        let mut leaves = Vec::with_capacity(names.len());
        for name in names {
            let i = (0..schema.num_columns())
                .find(|&i| schema.column(i).name() == *name)
                .ok_or_else(|| {
                    pq(parquet::errors::ParquetError::General(format!(
                        "no column {name}"
                    )))
                })?;
            leaves.push(i);
        }
        let mask = ProjectionMask::leaves(schema, leaves.iter().copied());
        let reader = builder
            .with_projection(mask)
            .with_batch_size(ROW_GROUP_ROWS)
            .build()
            .map_err(pq)?;
        for batch in reader {
            let batch = batch.map_err(|source| OutputError::Arrow {
                action: action(),
                source,
            })?;
            if visit(&batch)?.is_break() {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Visit the rows of Parquet files (in order) where the Float64 columns `names` are all
/// non-null, with their values in the order of `names`: how the exact statistics pass over a
/// metric's values, or the landing points, without holding them.
pub fn for_each_present(
    files: &[PathBuf],
    names: &[&str],
    mut visit: impl FnMut(&[f64]),
) -> Result<(), OutputError> {
    let mut row = vec![0.0; names.len()];
    for_each_batch(files, names, |batch| {
        let cols: Vec<&Float64Array> = names
            .iter()
            .map(|n| float_column(batch, n))
            .collect::<Result<_, _>>()?;
        for r in 0..batch.num_rows() {
            if cols.iter().all(|c| c.is_valid(r)) {
                for (v, c) in row.iter_mut().zip(&cols) {
                    *v = c.value(r);
                }
                visit(&row);
            }
        }
        Ok(ControlFlow::Continue(()))
    })
}

/// The values of the Float64 columns `names` of Parquet files (in order), over the rows where
/// all of them are non-null ([`for_each_present`], collected).
pub fn read_present_rows(files: &[PathBuf], names: &[&str]) -> Result<Vec<Vec<f64>>, OutputError> {
    // Sized from the footers: a vector that grows by doubling holds up to twice its values,
    // and three times while it moves.
    let mut rows = 0;
    for f in files {
        rows += parts::rows_of(f)? as usize;
    }
    let mut out: Vec<Vec<f64>> = (0..names.len()).map(|_| Vec::with_capacity(rows)).collect();
    for_each_present(files, names, |row| {
        for (o, v) in out.iter_mut().zip(row) {
            o.push(*v);
        }
    })?;
    Ok(out)
}

fn column_error(name: &str, what: &str) -> OutputError {
    OutputError::Parquet {
        action: format!("reading column {name}"),
        source: parquet::errors::ParquetError::General(format!("not a {what} column")),
    }
}

/// Column `name` of a batch as Float64.
pub fn float_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a Float64Array, OutputError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
        .ok_or_else(|| column_error(name, "Float64"))
}

/// Column `name` of a batch as text.
pub fn string_column<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a StringArray, OutputError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .ok_or_else(|| column_error(name, "text"))
}

/// A Parquet footer's key-value metadata.
pub fn key_values(metadata: &parquet::file::metadata::FileMetaData) -> HashMap<String, String> {
    metadata
        .key_value_metadata()
        .map(|kv| {
            kv.iter()
                .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// An Arrow field with its unit in the field metadata (`unit`), as every dispersa file has.
pub fn field(name: &str, dt: DataType, nullable: bool, unit: Option<&str>) -> Field {
    let f = Field::new(name, dt, nullable);
    match unit {
        Some(u) => f.with_metadata(HashMap::from([("unit".to_string(), u.to_string())])),
        None => f,
    }
}

/// ZSTD compression and the run's key-value metadata, for every Parquet file of a run. Level 1:
/// against level 3, 200,000 ballistic samples wrote 2.4 % more bytes (34.4 against 33.6 MB) in
/// 3 % less wall time on lavapipe, where the host's CPU is the kernel's (docs/PERFORMANCE.md,
/// "The altitude and Mach number at the peaks, the host's copies, and ZSTD level 1").
/// Dictionary encoding only for `status`: the other columns are floats or epochs that hardly
/// repeat, and hashing every value into a dictionary the writer then abandons was 4 % of the
/// CPU time of a 100,000-sample f32 run on lavapipe (perf), where the host's share counts.
pub fn properties(metadata: &[(String, String)]) -> WriterProperties {
    properties_with(metadata, &[])
}

/// [`properties`], with no statistics for the columns `nan_columns` (float columns that may
/// hold NaN). The writer's min and max leave NaN out, and the format has no count of them to
/// say it is there, so DuckDB took the statistics to mean no NaN: in a bplane run whose 412
/// of 1,200 deliveries missed the interface, `where isnan(entry_flight_path_angle_deg)` counted
/// 0 (pyarrow and polars 412; a notebook user's trial). Without statistics it reads them.
pub fn properties_with(metadata: &[(String, String)], nan_columns: &[String]) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("valid zstd level"),
        ))
        .set_dictionary_enabled(false)
        .set_column_dictionary_enabled(ColumnPath::from("status"), true)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect(),
        ));
    for c in nan_columns {
        b = b.set_column_statistics_enabled(
            ColumnPath::from(c.as_str()),
            parquet::file::properties::EnabledStatistics::None,
        );
    }
    b.build()
}

/// A schema with the run's metadata on it as well: readers that restore the Arrow schema from
/// the file's `ARROW:schema` (pyarrow's `read_table(f).schema.metadata`) find the metadata
/// there, as `read_metadata(f).metadata` finds it in the footer ([`properties`]).
pub fn with_run_metadata(schema: Schema, metadata: &[(String, String)]) -> Arc<Schema> {
    Arc::new(schema.with_metadata(metadata.iter().cloned().collect()))
}

/// One Float64 column of samples.parquet: name, unit, and whether it may hold NaN (bplane
/// mode's entry state of a delivery that misses the interface), which gets no statistics
/// ([`properties_with`]).
pub struct ColumnSpec {
    pub name: String,
    pub unit: String,
    pub may_be_nan: bool,
}

/// Streams samples.parquet: `sample`, the dispersed inputs, the outputs, `status`.
pub struct SamplesWriter {
    writer: ArrowWriter<File>,
    /// The file written (a part's temporary name, or samples.parquet's), for the messages: a
    /// full disk was reported on "samples.parquet" while a part was written (a trial).
    path: PathBuf,
    schema: Arc<Schema>,
    n_inputs: usize,
    n_outputs: usize,
    n_texts: usize,
}

/// The columns of samples.parquet, in order: `sample`, the dispersed inputs, the outputs, the
/// text columns, `status` (what [`SamplesWriter`] writes, and what `--resume` compares a
/// finished part's columns with).
pub fn samples_schema(
    inputs: &[ColumnSpec],
    outputs: &[ColumnSpec],
    texts: &[ColumnSpec],
) -> Schema {
    // Counts and indices are signed 64-bit: unsigned ones wrap in pandas and polars when
    // subtracted from, and overflow in DuckDB (`sample - 1` at sample 0), a notebook user's
    // trial found.
    let mut fields = vec![field("sample", DataType::Int64, false, None)];
    for c in inputs {
        fields.push(field(&c.name, DataType::Float64, false, Some(&c.unit)));
    }
    for c in outputs {
        fields.push(field(&c.name, DataType::Float64, true, Some(&c.unit)));
    }
    for c in texts {
        fields.push(field(&c.name, DataType::Utf8, true, Some(&c.unit)));
    }
    fields.push(field("status", DataType::Utf8, false, None));
    Schema::new(fields)
}

impl SamplesWriter {
    pub fn create(
        path: &Path,
        inputs: &[ColumnSpec],
        outputs: &[ColumnSpec],
        texts: &[ColumnSpec],
        metadata: &[(String, String)],
    ) -> Result<Self, OutputError> {
        let schema = with_run_metadata(samples_schema(inputs, outputs, texts), metadata);
        let file = File::create(path).map_err(io(format!("creating {}", path.display())))?;
        let nan: Vec<String> = inputs
            .iter()
            .filter(|c| c.may_be_nan)
            .map(|c| c.name.clone())
            .collect();
        let props = properties_with(metadata, &nan);
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props)).map_err(|source| {
            OutputError::Parquet {
                action: format!("starting {}", path.display()),
                source,
            }
        })?;
        Ok(SamplesWriter {
            writer,
            path: path.to_path_buf(),
            schema,
            n_inputs: inputs.len(),
            n_outputs: outputs.len(),
            n_texts: texts.len(),
        })
    }

    /// Append one chunk: sample indices, input columns, output columns (None = null), statuses.
    pub fn write_chunk(
        &mut self,
        samples: Vec<u64>,
        inputs: Vec<Vec<f64>>,
        outputs: Vec<Vec<Option<f64>>>,
        texts: Vec<Vec<Option<String>>>,
        status: Vec<&str>,
    ) -> Result<(), OutputError> {
        debug_assert_eq!(inputs.len(), self.n_inputs);
        debug_assert_eq!(outputs.len(), self.n_outputs);
        debug_assert_eq!(texts.len(), self.n_texts);
        let mut cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from_iter_values(
            samples.into_iter().map(|i| i as i64),
        ))];
        for c in inputs {
            cols.push(Arc::new(Float64Array::from(c)));
        }
        for c in outputs {
            cols.push(Arc::new(Float64Array::from(c)));
        }
        for c in texts {
            cols.push(Arc::new(StringArray::from(c)));
        }
        cols.push(Arc::new(StringArray::from(status)));
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|source| {
            OutputError::Arrow {
                action: "assembling a chunk of samples".into(),
                source,
            }
        })?;
        self.writer
            .write(&batch)
            .map_err(|source| OutputError::Parquet {
                action: format!("writing {}", self.path.display()),
                source,
            })
    }

    pub fn finish(self) -> Result<(), OutputError> {
        let path = self.path;
        self.writer.close().map_err(|source| OutputError::Parquet {
            action: format!("closing {}", path.display()),
            source,
        })?;
        Ok(())
    }
}

pub const SUMMARY_COLUMNS: [&str; 16] = [
    "metric",
    "unit",
    "count",
    "mean",
    "std",
    "min",
    "p00135",
    "p02275",
    "p50",
    "p97725",
    "p99865",
    "max",
    "ci_low",
    "ci_high",
    "tolerance_lower_99865_95",
    "tolerance_upper_99865_95",
];

pub fn write_summary(
    path: &Path,
    rows: &[SummaryRow],
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let mut fields = vec![
        field("metric", DataType::Utf8, false, None),
        field("unit", DataType::Utf8, false, None),
        field("count", DataType::Int64, false, None),
    ];
    for name in &SUMMARY_COLUMNS[3..] {
        fields.push(field(name, DataType::Float64, true, None));
    }
    let schema = Arc::new(Schema::new(fields));
    let col = |f: fn(&SummaryRow) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.metric.as_str()).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.unit.as_str()).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.count as i64),
        )),
        col(|r| r.mean),
        col(|r| r.std),
        col(|r| r.min),
        col(|r| r.p00135),
        col(|r| r.p02275),
        col(|r| r.p50),
        col(|r| r.p97725),
        col(|r| r.p99865),
        col(|r| r.max),
        col(|r| r.ci_low),
        col(|r| r.ci_high),
        col(|r| r.tolerance_lower),
        col(|r| r.tolerance_upper),
    ];
    write_table(path, schema, cols, metadata)
}

/// Write one whole table to `path` as a single-batch Parquet file (the run's properties).
pub fn write_table(
    path: &Path,
    schema: Arc<Schema>,
    cols: Vec<ArrayRef>,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let parquet = |what: &str| {
        let action = format!("{what} {name}");
        move |source| OutputError::Parquet { action, source }
    };
    let schema = with_run_metadata(schema.as_ref().clone(), metadata);
    let batch =
        RecordBatch::try_new(schema.clone(), cols).map_err(|source| OutputError::Arrow {
            action: format!("assembling {name}"),
            source,
        })?;
    let file = File::create(path).map_err(io(format!("creating {}", path.display())))?;
    let mut w = ArrowWriter::try_new(file, schema, Some(properties(metadata)))
        .map_err(parquet("starting"))?;
    w.write(&batch).map_err(parquet("writing"))?;
    w.close().map_err(parquet("closing"))?;
    Ok(())
}

/// sensitivity.parquet: one row per (input, output) pair.
pub fn write_sensitivity(
    path: &Path,
    rows: &[crate::stats::sensitivity::Sensitivity],
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let schema = Arc::new(Schema::new(vec![
        field("input", DataType::Utf8, false, None),
        field("output", DataType::Utf8, false, None),
        field("count", DataType::Int64, false, None),
        field("spearman", DataType::Float64, true, None),
        field("src", DataType::Float64, true, None),
        field("r2", DataType::Float64, true, None),
    ]));
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.input.as_str()).collect::<Vec<_>>(),
        )),
        Arc::new(StringArray::from(
            rows.iter().map(|r| r.output.as_str()).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.count as i64),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.spearman).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.src).collect::<Vec<_>>(),
        )),
        Arc::new(Float64Array::from(
            rows.iter().map(|r| r.r2).collect::<Vec<_>>(),
        )),
    ];
    write_table(path, schema, cols, metadata)
}

/// The engine's keys of a file's metadata, which differ between parts computed by different
/// engines (shards, or a run resumed on another backend), and the build's commit, which
/// differs between parts computed by different builds (a run resumed after a rebuild): a
/// joined commit says the run may mix two versions of the models.
pub const ENGINE_KEYS: [&str; 6] = [
    "dispersa.backend",
    "dispersa.adapter",
    "dispersa.adapter_backend",
    "dispersa.driver",
    "dispersa.git_commit",
    // The engine sizes its chunks (1,024 on the CPU engine and software adapters, 65,536 for
    // the tianwen2 reentry on a discrete GPU): a merge named shard 0's alone.
    "dispersa.chunk_size",
];

/// A note for samples of `sources` computed by another build than this one: a resume or a
/// merge across a rebuild mixes the two builds' models (the cruise's departure moved a
/// nominal rendezvous by 96 days between two commits of 2026-12-05). None when all match.
pub fn other_builds_note(sources: &[Vec<(String, String)>], what: &str) -> Option<String> {
    let this = env!("DISPERSA_GIT_COMMIT");
    let mut others: Vec<&str> = Vec::new();
    for kv in sources {
        if let Some(v) = meta_value(kv, "dispersa.git_commit") {
            for c in v.split("; ") {
                if c != this && !others.contains(&c) {
                    others.push(c);
                }
            }
        }
    }
    (!others.is_empty()).then(|| {
        format!(
            "note: {what} computed by build {} and this is build {this}: if the models changed \
             between them, the results mix both (their files name every build, \
             dispersa.git_commit)",
            others.join(", ")
        )
    })
}

/// The value of `key` in key-value metadata `kv` (a file's, as [`file_metadata`] reads it).
pub fn meta_value<'a>(kv: &'a [(String, String)], key: &str) -> Option<&'a str> {
    kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The value of `key` in `metadata` where [`join_engine_labels`] joined more than one ("gpu;
/// cpu"), else None.
pub fn joined_value(metadata: &[(String, String)], key: &str) -> Option<String> {
    meta_value(metadata, key)
        .filter(|v| v.contains("; "))
        .map(str::to_string)
}

/// Set each of [`ENGINE_KEYS`] in `metadata` to every value `sources` hold for it, in order of
/// first appearance, joined by "; " ("cpu; gpu"); a value that is itself such a join is split
/// first, so that joining again adds only what is new.
pub fn join_engine_labels(metadata: &mut [(String, String)], sources: &[Vec<(String, String)>]) {
    for key in ENGINE_KEYS {
        let mut seen: Vec<String> = Vec::new();
        for kv in sources {
            let v = meta_value(kv, key).unwrap_or("");
            for part in v.split("; ") {
                if !seen.iter().any(|s| s == part) {
                    seen.push(part.to_string());
                }
            }
        }
        if let Some((_, v)) = metadata.iter_mut().find(|(k, _)| k == key) {
            if !seen.is_empty() {
                *v = seen.join("; ");
            }
        }
    }
}

/// A Parquet file's key-value metadata, sorted by key.
pub fn file_metadata(path: &Path) -> Result<Vec<(String, String)>, OutputError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|source| OutputError::Parquet {
        action: format!("reading {}", path.display()),
        source,
    })?;
    let mut kv: Vec<(String, String)> = key_values(b.metadata().file_metadata())
        .into_iter()
        .collect();
    kv.sort();
    Ok(kv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples of another build are named (a resume or merge across a rebuild), those of this
    /// one are not, and the joined commit keeps every build once.
    #[test]
    fn other_builds_are_noted_and_joined() {
        let this = env!("DISPERSA_GIT_COMMIT");
        let kv = |c: &str| vec![("dispersa.git_commit".to_string(), c.to_string())];
        assert!(other_builds_note(&[kv(this)], "x").is_none());
        let note = other_builds_note(&[kv(this), kv("0123abc")], "the finished samples were")
            .expect("a note");
        assert!(
            note.contains("build 0123abc") && note.contains(this),
            "{note}"
        );
        let mut meta = kv(this);
        join_engine_labels(&mut meta, &[kv("0123abc"), kv(this), kv("0123abc")]);
        assert_eq!(meta[0].1, format!("0123abc; {this}"));
    }

    /// The chunk sizes of a merge's shards are every engine's (it wrote shard 0's alone): a
    /// GPU's 65,536 beside the CPU engine's 1,024.
    #[test]
    fn chunk_sizes_are_joined() {
        let kv = |c: &str| vec![("dispersa.chunk_size".to_string(), c.to_string())];
        let mut meta = kv("65536");
        join_engine_labels(&mut meta, &[kv("65536"), kv("1024"), kv("65536")]);
        assert_eq!(meta[0].1, "65536; 1024");
    }
}
