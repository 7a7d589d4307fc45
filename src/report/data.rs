//! Reading a run directory back: the Parquet files `run` and `corridor` wrote, their columns,
//! units and key-value metadata.

use arrow_array::{Array, Float64Array, RecordBatch, StringArray, UInt64Array};
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

/// One Parquet file, whole in memory: its columns by name, units and metadata.
pub struct Table {
    pub path: PathBuf,
    pub metadata: HashMap<String, String>,
    pub units: HashMap<String, String>,
    batches: Vec<RecordBatch>,
    pub rows: usize,
}

impl Table {
    pub fn read(path: &Path) -> Result<Table, ReadError> {
        let file = std::fs::File::open(path).map_err(|e| bad(path, e.to_string()))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| bad(path, format!("not a readable Parquet file: {e}")))?;
        let metadata = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                    .collect()
            })
            .unwrap_or_default();
        let units = builder
            .schema()
            .fields()
            .iter()
            .filter_map(|f| Some((f.name().clone(), f.metadata().get("unit")?.clone())))
            .collect();
        let reader = builder
            .with_batch_size(65536)
            .build()
            .map_err(|e| bad(path, e.to_string()))?;
        let batches: Vec<RecordBatch> = reader
            .collect::<Result<_, _>>()
            .map_err(|e| bad(path, e.to_string()))?;
        let rows = batches.iter().map(|b| b.num_rows()).sum();
        Ok(Table {
            path: path.to_path_buf(),
            metadata,
            units,
            batches,
            rows,
        })
    }

    /// A numeric column (Float64 or UInt64) as f64, None where null.
    pub fn f64s(&self, name: &str) -> Result<Vec<Option<f64>>, ReadError> {
        let mut out = Vec::with_capacity(self.rows);
        for b in &self.batches {
            let col = b
                .column_by_name(name)
                .ok_or_else(|| bad(&self.path, format!("no column {name:?}")))?;
            if let Some(a) = col.as_any().downcast_ref::<Float64Array>() {
                out.extend(a.iter());
            } else if let Some(a) = col.as_any().downcast_ref::<UInt64Array>() {
                out.extend(a.iter().map(|v| v.map(|x| x as f64)));
            } else {
                return Err(bad(&self.path, format!("column {name:?} is not numeric")));
            }
        }
        Ok(out)
    }

    /// A text column, "" where null.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, ReadError> {
        let mut out = Vec::with_capacity(self.rows);
        for b in &self.batches {
            let col = b
                .column_by_name(name)
                .ok_or_else(|| bad(&self.path, format!("no column {name:?}")))?;
            let a = col
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| bad(&self.path, format!("column {name:?} is not text")))?;
            out.extend(a.iter().map(|v| v.unwrap_or("").to_string()));
        }
        Ok(out)
    }

    pub fn unit(&self, name: &str) -> &str {
        self.units.get(name).map_or("", |s| s.as_str())
    }

    pub fn meta(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).map(|s| s.as_str())
    }
}
