//! A run's samples as part files, `part-FIRST.parquet` (FIRST: the first sample index, 12
//! digits, so that names sort in index order), each of whole chunks and at least
//! `run::PART_ROWS` samples (the run's last, and one a resume's gap closes, may hold fewer).
//! Each is written under a
//! temporary name, synced, renamed and then entered in the manifest: a part the manifest lists
//! with its checksum survived a kill -9 or a power loss whole. `--resume` continues from them;
//! a shard keeps them as its data; an unsharded run joins them into samples.parquet.

use super::{io, manifest, OutputError};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::arrow::ARROW_SCHEMA_META_KEY;
use parquet::column::writer::ColumnCloseResult;
use parquet::file::metadata::{KeyValue, PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
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

/// A Parquet error while doing `action`, as [`io`] makes an I/O error.
fn pq(action: String) -> impl FnOnce(parquet::errors::ParquetError) -> OutputError {
    move |source| OutputError::Parquet { action, source }
}

/// One part file: its first sample index, rows and path.
#[derive(Debug, Clone)]
pub struct Part {
    pub first: u64,
    pub rows: u64,
    pub path: PathBuf,
}

/// The sample files of a finished run or shard directory `dir`, in order: its samples.parquet
/// where the parts were joined (an unsharded run), else its part files (a shard).
pub fn sample_files(dir: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let joined = dir.join("samples.parquet");
    if joined.is_file() {
        return Ok(vec![joined]);
    }
    Ok(list(dir, false, &mut |_| {})?
        .into_iter()
        .map(|p| p.path)
        .collect())
}

/// The rows of a Parquet file, from its footer.
pub fn rows_of(path: &Path) -> Result<u64, OutputError> {
    let file = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(pq(format!("reading the footer of {}", path.display())))?;
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

/// What a partial directory's manifest lists, as a `--resume` would keep it (but for a
/// checksum that fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// The samples of the listed parts (a listed part that is gone counts none).
    Parts(u64),
    /// The samples of the joined samples.parquet, listed and readable.
    Joined(u64),
}

impl Listed {
    pub fn samples(self) -> u64 {
        match self {
            Listed::Parts(n) | Listed::Joined(n) => n,
        }
    }
}

/// What `dir`'s manifest lists, from the files' footers; nothing is removed or checked. A part
/// written but never entered (a full disk stopped the manifest's line) counts no sample: the
/// refusal to start over it once said "300 samples finished" where `--resume` then found none
/// (a trial). A listed samples.parquet that cannot be read, or with `verify` whose checksum
/// fails, is passed over for the parts, as `--resume` does (a stop's line does not verify: a
/// large file's checksum would outlast the line's wait). A directory with no manifest lists
/// nothing; one whose manifest cannot be read is an error, said as "manifest ...".
pub fn listed_samples(dir: &Path, verify: bool) -> Result<Listed, String> {
    if !dir.is_dir() {
        return Ok(Listed::Parts(0));
    }
    let sums = manifest::read(dir).map_err(|m| format!("manifest cannot be read: {m}"))?;
    if let Some(sum) = sums.get("samples.parquet") {
        let joined = dir.join("samples.parquet");
        let intact = !verify || manifest::sha256_file(&joined).is_ok_and(|a| a == *sum);
        match rows_of(&joined) {
            Ok(n) if intact => return Ok(Listed::Joined(n)),
            _ => {}
        }
    }
    Ok(Listed::Parts(
        sums.keys()
            .filter(|name| part_first(name).is_some())
            .filter_map(|name| rows_of(&dir.join(name)).ok())
            .sum(),
    ))
}

/// A block of sample indices as people write one: first to last, both included ("1000 to
/// 1999"; Rust's end-exclusive `1000..2000` in the metadata read as one more sample).
pub fn samples_text(range: &std::ops::Range<u64>) -> String {
    match range.end.saturating_sub(range.start) {
        0 => "none".to_string(),
        1 => format!("{}", range.start),
        _ => format!("{} to {}", range.start, range.end - 1),
    }
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
    if cursor < range.end {
        return Err(format!(
            "samples {} are missing",
            samples_text(&(cursor..range.end))
        ));
    }
    if cursor > range.end && range.is_empty() {
        return Err("the parts hold samples where none are wanted".to_string());
    }
    if cursor > range.end {
        return Err(format!(
            "the parts hold samples beyond {}, the last of {}",
            range.end.saturating_sub(1),
            samples_text(range)
        ));
    }
    Ok(())
}

/// Make `tmp` (a finished file in `dir`) durable as `name`: sync it, rename it, sync the
/// directory, and enter it in the manifest. Returns its checksum.
pub fn make_durable(dir: &Path, tmp: &Path, name: &str) -> Result<String, OutputError> {
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
/// temporary name, and make it durable; returns its checksum (as the manifest has it). The
/// columns and their units are the parts'. Row groups of
/// [`ROW_GROUP_ROWS`](super::ROW_GROUP_ROWS) samples, as every samples.parquet has.
///
/// Where the parts' row groups are all of that size (but the last part's last), and the parts
/// were written with the run's `metadata`, as an uninterrupted run and a run resumed after
/// kills leave them, their encoded column chunks (with their statistics and page indexes) are
/// copied as they are: nothing is decoded or compressed again. Other parts (a run resumed
/// after an engine failure closed one early, or on another engine, build or chunk size) are
/// read and written again.
pub fn join(
    parts: &[Part],
    dest: &Path,
    metadata: &[(String, String)],
) -> Result<String, OutputError> {
    let tmp = dest.with_extension("parquet.tmp");
    if !copy_row_groups(parts, &tmp, metadata)? {
        encode_again(parts, &tmp, dest, metadata)?;
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    make_durable(dir, &tmp, &name)
}

/// The parts' row groups copied into `tmp` as they are, when every one holds `ROW_GROUP_ROWS`
/// samples (the last part's last may hold fewer) and each part's footer has the run's
/// `metadata` (beside the Arrow schema, the same in every part); `false`, with nothing written,
/// otherwise. One part file is open at a time.
fn copy_row_groups(
    parts: &[Part],
    tmp: &Path,
    metadata: &[(String, String)],
) -> Result<bool, OutputError> {
    let full = super::ROW_GROUP_ROWS as i64;
    let runs = |kv: &[KeyValue]| {
        kv.iter()
            .filter(|e| e.key != ARROW_SCHEMA_META_KEY)
            .map(|e| (e.key.as_str(), e.value.as_deref()))
            .eq(metadata.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))))
    };
    let mut footers: Vec<ParquetMetaData> = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let file = std::fs::File::open(&part.path)
            .map_err(io(format!("opening {}", part.path.display())))?;
        let meta = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Optional)
            .parse_and_finish(&file)
            .map_err(pq(format!("reading the footer of {}", part.path.display())))?;
        let groups = meta.row_groups();
        let last = i + 1 == parts.len();
        let whole = !groups.is_empty()
            && groups
                .iter()
                .enumerate()
                .all(|(g, rg)| rg.num_rows() == full || (last && g + 1 == groups.len()));
        let kv = meta.file_metadata().key_value_metadata();
        let same = footers.first().is_none_or(|m| {
            m.file_metadata().schema_descr() == meta.file_metadata().schema_descr()
                && m.file_metadata().key_value_metadata() == kv
        });
        if !(whole && same && kv.is_some_and(|kv| runs(kv))) {
            return Ok(false);
        }
        footers.push(meta);
    }
    let Some(first) = footers.first() else {
        return Ok(false);
    };
    let props = WriterProperties::builder()
        .set_key_value_metadata(first.file_metadata().key_value_metadata().cloned())
        .build();
    let schema = first.file_metadata().schema_descr().root_schema_ptr();
    let out = std::fs::File::create(tmp).map_err(io(format!("creating {}", tmp.display())))?;
    let written = tmp.display().to_string();
    let mut writer = SerializedFileWriter::new(out, schema, Arc::new(props))
        .map_err(pq(format!("starting {written}")))?;
    for (meta, part) in footers.iter().zip(parts) {
        let file = std::fs::File::open(&part.path)
            .map_err(io(format!("opening {}", part.path.display())))?;
        for (g, rg) in meta.row_groups().iter().enumerate() {
            let mut group = writer
                .next_row_group()
                .map_err(pq(format!("writing {written}")))?;
            for (c, column) in rg.columns().iter().enumerate() {
                let close = ColumnCloseResult {
                    bytes_written: column.compressed_size() as u64,
                    rows_written: rg.num_rows() as u64,
                    metadata: column.clone(),
                    bloom_filter: None,
                    column_index: meta.column_index().map(|ci| ci[g][c].clone()),
                    offset_index: meta.offset_index().map(|oi| oi[g][c].clone()),
                };
                group.append_column(&file, close).map_err(pq(format!(
                    "copying {} into {written}",
                    part.path.display()
                )))?;
            }
            group.close().map_err(pq(format!("writing {written}")))?;
        }
    }
    writer.close().map_err(pq(format!("closing {written}")))?;
    Ok(true)
}

/// The parts read and encoded again into `tmp`, in row groups of `ROW_GROUP_ROWS` samples.
fn encode_again(
    parts: &[Part],
    tmp: &Path,
    dest: &Path,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let mut writer: Option<ArrowWriter<std::fs::File>> = None;
    let mut schema = None;
    let mut no_statistics: Vec<String> = Vec::new();
    for part in parts {
        let file = std::fs::File::open(&part.path)
            .map_err(io(format!("opening {}", part.path.display())))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(pq(format!("reading {}", part.path.display())))?;
        // The columns the parts were written without statistics (those that may hold NaN:
        // `properties_with`), written so again.
        if no_statistics.is_empty() {
            if let Some(rg) = builder.metadata().row_groups().first() {
                no_statistics = rg
                    .columns()
                    .iter()
                    .filter(|c| c.statistics().is_none())
                    .map(|c| c.column_path().string())
                    .collect();
            }
        }
        let reader = builder
            .with_batch_size(super::ROW_GROUP_ROWS)
            .build()
            .map_err(pq(format!("reading {}", part.path.display())))?;
        for batch in reader {
            let batch = batch.map_err(|source| OutputError::Arrow {
                action: format!("reading {}", part.path.display()),
                source,
            })?;
            // The fields with their units, and the run's metadata in place of the schema-level
            // metadata the reader copies from the part's footer.
            let s = schema.get_or_insert_with(|| {
                let fields = arrow_schema::Schema::new(batch.schema().fields().clone());
                super::with_run_metadata(fields, metadata)
            });
            if writer.is_none() {
                let f = std::fs::File::create(tmp)
                    .map_err(io(format!("creating {}", tmp.display())))?;
                let props = super::properties_with(metadata, &no_statistics);
                writer = Some(
                    ArrowWriter::try_new(f, s.clone(), Some(props))
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sample blocks are written first to last (the metadata's `1000..2000` read as 1,001
    /// samples).
    #[test]
    fn sample_blocks_are_written_first_to_last() {
        assert_eq!(samples_text(&(1000..2000)), "1000 to 1999");
        assert_eq!(samples_text(&(7..8)), "7");
        assert_eq!(samples_text(&(5..5)), "none");
    }
    use crate::output::{ColumnSpec, SamplesWriter, ROW_GROUP_ROWS};
    use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};

    /// Part files of samples `first..first + rows`, each written in chunks of 1,000 samples as
    /// a run writes them: an input, an output with nulls, a text column and the status.
    fn write_part(dir: &Path, first: u64, rows: u64) -> Part {
        let spec = |n: &str, u: &str| ColumnSpec {
            name: n.into(),
            unit: u.into(),
            may_be_nan: false,
        };
        let path = dir.join(part_name(first));
        let meta = vec![("dispersa.seed".to_string(), "7".to_string())];
        let mut w = SamplesWriter::create(
            &path,
            &[spec("mass_kg", "kg")],
            &[spec("peak_g", "g0")],
            &[spec("epoch", "ISO 8601")],
            &meta,
        )
        .unwrap();
        let mut at = first;
        while at < first + rows {
            let n = 1_000.min(first + rows - at);
            let idx: Vec<u64> = (at..at + n).collect();
            let x = |i: u64| ((i * 7_919) % 10_007) as f64 / 7.0;
            w.write_chunk(
                idx.clone(),
                vec![idx.iter().map(|&i| x(i)).collect()],
                vec![idx
                    .iter()
                    .map(|&i| (i % 5 != 0).then(|| x(i) * 3.0))
                    .collect()],
                vec![idx.iter().map(|&i| Some(format!("t{i}"))).collect()],
                idx.iter()
                    .map(|&i| if i % 5 == 0 { "failed" } else { "landed" })
                    .collect(),
            )
            .unwrap();
            at += n;
        }
        w.finish().unwrap();
        Part { first, rows, path }
    }

    fn read(path: &Path) -> (Vec<RecordBatch>, Vec<usize>) {
        let b =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).unwrap()).unwrap();
        let groups = (0..b.metadata().num_row_groups())
            .map(|g| b.metadata().row_group(g).num_rows() as usize)
            .collect();
        (b.build().unwrap().map(|r| r.unwrap()).collect(), groups)
    }

    /// The samples of a joined file in order, checked value by value against how they were
    /// written, with the units and the run's metadata.
    fn check_joined(path: &Path, samples: u64) {
        let file = std::fs::File::open(path).unwrap();
        let footer = ParquetMetaDataReader::new()
            .parse_and_finish(&file)
            .unwrap();
        let kv = footer.file_metadata().key_value_metadata().unwrap();
        assert!(kv
            .iter()
            .any(|e| e.key == "dispersa.seed" && e.value.as_deref() == Some("7")));
        let (batches, _) = read(path);
        let mut next = 0u64;
        for b in &batches {
            assert_eq!(b.schema().field(1).metadata()["unit"], "kg");
            let idx = b.column(0).as_any().downcast_ref::<Int64Array>().unwrap();
            let x = b.column(1).as_any().downcast_ref::<Float64Array>().unwrap();
            let y = b.column(2).as_any().downcast_ref::<Float64Array>().unwrap();
            let t = b.column(3).as_any().downcast_ref::<StringArray>().unwrap();
            for r in 0..b.num_rows() {
                let i = idx.value(r) as u64;
                assert_eq!(i, next);
                let xi = ((i * 7_919) % 10_007) as f64 / 7.0;
                assert_eq!(x.value(r), xi);
                assert_eq!(y.is_valid(r), !i.is_multiple_of(5));
                if y.is_valid(r) {
                    assert_eq!(y.value(r), xi * 3.0);
                }
                assert_eq!(t.value(r), format!("t{i}"));
                next += 1;
            }
        }
        assert_eq!(next, samples);
    }

    #[test]
    fn parts_of_whole_row_groups_are_copied_and_others_encoded_again_with_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let full = ROW_GROUP_ROWS as u64;
        let meta = [("dispersa.seed".to_string(), "7".to_string())];

        // As a run leaves them: full parts, then a shorter last one. Copied as they are.
        let a = dir.path().join("a");
        std::fs::create_dir(&a).unwrap();
        let parts = [
            write_part(&a, 0, full),
            write_part(&a, full, full),
            write_part(&a, 2 * full, 1_234),
        ];
        let tmp = a.join("copied.parquet");
        // Parts written with another run's metadata (resumed on another engine) are not.
        let other = [("dispersa.seed".to_string(), "8".to_string())];
        assert!(!copy_row_groups(&parts, &tmp, &other).unwrap());
        assert!(!tmp.exists());
        assert!(copy_row_groups(&parts, &tmp, &meta).unwrap());
        check_joined(&tmp, 2 * full + 1_234);
        let (_, groups) = read(&tmp);
        assert_eq!(groups, vec![ROW_GROUP_ROWS, ROW_GROUP_ROWS, 1_234]);
        // The same rows and footer as encoding them again gives.
        let dest = a.join("joined.parquet");
        let again = a.join("again.parquet");
        encode_again(&parts, &again, &dest, &meta).unwrap();
        assert_eq!(read(&tmp).0, read(&again).0);
        join(&parts, &dest, &meta).unwrap();
        assert_eq!(read(&dest).0, read(&again).0);

        // A part closed early (an engine failed) and the gap computed on resume: not whole
        // row groups, so read and written again in row groups of ROW_GROUP_ROWS.
        let b = dir.path().join("b");
        std::fs::create_dir(&b).unwrap();
        let parts = [
            write_part(&b, 0, 3_000),
            write_part(&b, 3_000, full),
            write_part(&b, 3_000 + full, 500),
        ];
        assert!(!copy_row_groups(&parts, &b.join("not.parquet"), &meta).unwrap());
        assert!(!b.join("not.parquet").exists());
        let dest = b.join("samples.parquet");
        join(&parts, &dest, &meta).unwrap();
        check_joined(&dest, 3_500 + full);
        let (_, groups) = read(&dest);
        assert_eq!(groups, vec![ROW_GROUP_ROWS, 3_500]);

        // Parts of several row groups each (chunks larger than a row group): copied.
        let c = dir.path().join("c");
        std::fs::create_dir(&c).unwrap();
        let parts = [
            write_part(&c, 0, 2 * full),
            write_part(&c, 2 * full, full + 10),
        ];
        assert!(copy_row_groups(&parts, &c.join("copied.parquet"), &meta).unwrap());
        let dest = c.join("samples.parquet");
        let sum = join(&parts, &dest, &meta).unwrap();
        assert_eq!(sum, manifest::sha256_file(&dest).unwrap());
        check_joined(&dest, 3 * full + 10);
        let (_, groups) = read(&dest);
        assert_eq!(
            groups,
            vec![ROW_GROUP_ROWS; 3]
                .into_iter()
                .chain([10])
                .collect::<Vec<_>>()
        );
        let again = c.join("again.parquet");
        encode_again(&parts, &again, &dest, &meta).unwrap();
        assert_eq!(read(&dest).0, read(&again).0);
    }
}
