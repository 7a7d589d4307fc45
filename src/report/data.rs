//! Reading a run directory back: the Parquet files `run` and `corridor` wrote, their columns,
//! units and key-value metadata.

use arrow_array::{Array, Float64Array, Int64Array, StringArray, UInt64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {message}")]
    Bad { path: String, message: String },
}

fn bad(path: &Path, message: impl Into<String>) -> ReadError {
    ReadError::Bad {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// One Parquet file, or the part files of a shard dataset read as one table in order: metadata
/// and units from the (first) footer, the rows summed from the footers; each column read from
/// the files when asked for, alone (a 1,000,000-sample run's whole table would be ~400 MB).
pub struct Table {
    pub path: PathBuf,
    files: Vec<PathBuf>,
    pub metadata: HashMap<String, String>,
    pub units: HashMap<String, String>,
    columns: Vec<String>,
    pub rows: usize,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, ReadError> {
        Self::read_all(&[path.to_path_buf()])
    }

    /// Files of the same columns, one table in the files' order.
    pub fn read_all(files: &[PathBuf]) -> Result<Table, ReadError> {
        let path = files
            .first()
            .ok_or_else(|| bad(Path::new("."), "no Parquet files to read"))?;
        let open = |f: &PathBuf| {
            let file = std::fs::File::open(f).map_err(|e| bad(f, e.to_string()))?;
            ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|e| bad(f, format!("not a readable Parquet file: {e}")))
        };
        let builder = open(path)?;
        let mut metadata = crate::output::key_values(builder.metadata().file_metadata());
        let mut rows = builder.metadata().file_metadata().num_rows() as usize;
        // The engines of every part, as a merge joins them: the first part's alone named
        // shard 0's backend for a dataset half computed on another (a new-user trial). Each
        // footer is read once, for its rows and its metadata.
        if files.len() > 1 {
            let mut sources = Vec::with_capacity(files.len());
            sources.push(metadata.clone().into_iter().collect::<Vec<_>>());
            for f in &files[1..] {
                let part = open(f)?;
                let meta = part.metadata().file_metadata();
                rows += meta.num_rows() as usize;
                sources.push(crate::output::key_values(meta).into_iter().collect());
            }
            let mut joined: Vec<(String, String)> = crate::output::ENGINE_KEYS
                .iter()
                .filter_map(|k| Some((k.to_string(), metadata.get(*k)?.clone())))
                .collect();
            crate::output::join_engine_labels(&mut joined, &sources);
            metadata.extend(joined);
        }
        let units = builder
            .schema()
            .fields()
            .iter()
            .filter_map(|f| Some((f.name().clone(), f.metadata().get("unit")?.clone())))
            .collect();
        let columns = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        Ok(Table {
            path: path.to_path_buf(),
            files: files.to_vec(),
            metadata,
            units,
            columns,
            rows,
        })
    }

    /// Visit column `name`'s batches.
    fn column(
        &self,
        name: &str,
        mut visit: impl FnMut(&dyn Array) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        if !self.columns.iter().any(|c| c == name) {
            return Err(bad(&self.path, format!("no column {name:?}")));
        }
        let mut inner = Ok(());
        crate::output::for_each_batch(&self.files, &[name], |b| {
            inner = visit(b.column(0).as_ref());
            Ok(match inner {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(_) => std::ops::ControlFlow::Break(()),
            })
        })
        .map_err(|e| bad(&self.path, e.to_string()))?;
        inner
    }

    /// A numeric column (Float64, Int64, or UInt64 as builds before 2026-12-06 wrote counts)
    /// as f64, None where null.
    pub fn f64s(&self, name: &str) -> Result<Vec<Option<f64>>, ReadError> {
        let mut out = Vec::with_capacity(self.rows);
        self.column(name, |col| {
            if let Some(a) = col.as_any().downcast_ref::<Float64Array>() {
                out.extend(a.iter());
            } else if let Some(a) = col.as_any().downcast_ref::<Int64Array>() {
                out.extend(a.iter().map(|v| v.map(|x| x as f64)));
            } else if let Some(a) = col.as_any().downcast_ref::<UInt64Array>() {
                out.extend(a.iter().map(|v| v.map(|x| x as f64)));
            } else {
                return Err(bad(&self.path, format!("column {name:?} is not numeric")));
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// A text column, "" where null.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, ReadError> {
        let mut out = Vec::with_capacity(self.rows);
        self.column(name, |col| {
            let a = col
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| bad(&self.path, format!("column {name:?} is not text")))?;
            out.extend(a.iter().map(|v| v.unwrap_or("").to_string()));
            Ok(())
        })?;
        Ok(out)
    }

    pub fn unit(&self, name: &str) -> &str {
        self.units.get(name).map_or("", |s| s.as_str())
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).map(|s| s.as_str())
    }
}
