//! A run's samples as part files, `part-FIRST.parquet` (FIRST: the first sample index, 12
//! digits, so that names sort in index order), one per finished chunk. Each is written under a
//! temporary name, synced, renamed and then entered in the manifest: a part the manifest lists
//! with its checksum survived a kill -9 or a power loss whole. `--resume` continues from them;
//! a shard keeps them as its data; an unsharded run joins them into samples.parquet.

use super::{io, manifest, properties, OutputError};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn part_name(first: u64) -> String {
    format!("part-{first:012}.parquet")
}

/// The first sample index of a part file's name, if it is one.
pub fn part_first(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    (digits.len() >= 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// One part file: its first sample index, rows and path.
#[derive(Debug, Clone)]
pub struct Part {
    pub first: u64,
    pub rows: u64,
    pub path: PathBuf,
}

/// The rows of a Parquet file, from its footer.
pub fn rows_of(path: &Path) -> Result<u64, OutputError> {
    let file = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let b =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|source| OutputError::Parquet {
            action: format!("reading the footer of {}", path.display()),
            source,
        })?;
    Ok(b.metadata().file_metadata().num_rows() as u64)
}

/// The part files of `dir`, in index order, with their row counts. With `checked`, only those
/// whose manifest checksum matches; each other part file (and every leftover `.tmp`) is
/// removed, and `notice` says so for each part.
pub fn list(
    dir: &Path,
    checked: bool,
    notice: &mut dyn FnMut(String),
) -> Result<Vec<Part>, OutputError> {
    let sums = if checked {
        manifest::read(dir).map_err(|m| {
            io(format!("reading the manifest of {}", dir.display()))(std::io::Error::other(m))
        })?
    } else {
        Default::default()
    };
    let mut parts = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(io(format!("listing {}", dir.display())))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        if name.starts_with("part-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let Some(first) = part_first(&name) else {
            continue;
        };
        if checked {
            let good = match sums.get(&name) {
                Some(sum) => manifest::sha256_file(&path)? == *sum,
                None => false,
            };
            if !good {
                notice(format!(
                    "{}: not entered in the manifest with a matching checksum (cut short by \
                     the interruption?); its samples will be computed again",
                    path.display()
                ));
                std::fs::remove_file(&path).map_err(io(format!("removing {}", path.display())))?;
                continue;
            }
        }
        parts.push(Part {
            first,
            rows: rows_of(&path)?,
            path,
        });
    }
    parts.sort_by_key(|p| p.first);
    Ok(parts)
}

/// Whether `parts` (in index order) hold exactly the samples of `range`, each once; else what
/// is missing or doubled.
pub fn check_covers(parts: &[Part], range: &std::ops::Range<u64>) -> Result<(), String> {
    let mut cursor = range.start;
    for p in parts {
        if p.first != cursor {
            return Err(format!(
                "samples from {cursor} are missing or doubled (next part: {})",
                p.path.display()
            ));
        }
        cursor += p.rows;
    }
    if cursor != range.end {
        return Err(format!("samples {cursor}..{} are missing", range.end));
    }
    Ok(())
}

/// Make `tmp` (a finished file in `dir`) durable as `name`: sync it, rename it, sync the
/// directory, and enter it in the manifest.
pub fn make_durable(dir: &Path, tmp: &Path, name: &str) -> Result<(), OutputError> {
    let path = dir.join(name);
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .and_then(|_| std::fs::rename(tmp, &path))
        .map_err(io(format!("making {} durable", path.display())))?;
    sync_dir(dir)?;
    manifest::append(dir, name)
}

/// Sync a directory's entries (its renames) to the disk.
pub fn sync_dir(dir: &Path) -> Result<(), OutputError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io(format!("syncing {}", dir.display())))?;
    Ok(())
}

/// Join `parts` (in order) into one Parquet file `dest` with the run's `metadata`, through a
/// temporary name; the columns and their units are the parts'.
pub fn join(parts: &[Part], dest: &Path, metadata: &[(String, String)]) -> Result<(), OutputError> {
    let tmp = dest.with_extension("parquet.tmp");
    let pq = |action: String| move |source| OutputError::Parquet { action, source };
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    let mut schema = None;
    for part in parts {
        let file = std::fs::File::open(&part.path)
            .map_err(io(format!("opening {}", part.path.display())))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(pq(format!("reading {}", part.path.display())))?
            .with_batch_size(super::ROW_GROUP_ROWS)
            .build()
            .map_err(pq(format!("reading {}", part.path.display())))?;
        for batch in reader {
            let batch = batch.map_err(|source| OutputError::Arrow {
                action: format!("reading {}", part.path.display()),
                source,
            })?;
            // The fields with their units, without the schema-level metadata the reader
            // copies from the part's footer (the writer adds the run's own).
            let s = schema.get_or_insert_with(|| {
                Arc::new(arrow_schema::Schema::new(batch.schema().fields().clone()))
            });
            if writer.is_none() {
                let f = std::fs::File::create(&tmp)
                    .map_err(io(format!("creating {}", tmp.display())))?;
                writer = Some(
                    ArrowWriter::try_new(f, s.clone(), Some(properties(metadata)))
                        .map_err(pq(format!("starting {}", dest.display())))?,
                );
            }
            let batch = arrow_array::RecordBatch::try_new(s.clone(), batch.columns().to_vec())
                .map_err(|source| OutputError::Arrow {
                    action: format!("joining {}", part.path.display()),
                    source,
                })?;
            writer
                .as_mut()
                .expect("created above")
                .write(&batch)
                .map_err(pq(format!("writing {}", dest.display())))?;
        }
    }
    let writer = writer.ok_or_else(|| {
        io(format!("joining into {}", dest.display()))(std::io::Error::other(
            "no rows in the parts",
        ))
    })?;
    writer
        .close()
        .map_err(pq(format!("closing {}", dest.display())))?;
    let dir = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    make_durable(dir, &tmp, &name)
}
