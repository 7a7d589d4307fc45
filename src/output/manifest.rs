//! The checksum manifest of an output directory, `_manifest.sha256`: one line per data file,
//! `<sha256 hex>  <file name>`, the format `sha256sum -c` reads. A flipped byte inside a data
//! page decodes as a plausible number; the manifest is how `report`, `merge` and `--resume`
//! notice it. While a run is in progress the manifest is an append-only log (a later line for
//! the same file replaces an earlier one); a finished directory's is rewritten whole.
//!
//! The name starts with `_` so that dataset readers (pyarrow, Spark) skip it, as they skip
//! Hive's `_SUCCESS`.

use super::{io, OutputError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

pub const MANIFEST: &str = "_manifest.sha256";

/// The SHA-256 of a file, as lowercase hex.
pub fn sha256_file(path: &Path) -> Result<String, OutputError> {
    let mut f = std::fs::File::open(path).map_err(io(format!("opening {}", path.display())))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(io(format!("reading {}", path.display())))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// Append `name`'s checksum (a file in `dir`, complete and synced) to `dir`'s manifest, and
/// sync the manifest: once this returns, the file counts as written. Returns the checksum.
pub fn append(dir: &Path, name: &str) -> Result<String, OutputError> {
    let sum = sha256_file(&dir.join(name))?;
    let path = dir.join(MANIFEST);
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(io(format!("opening {}", path.display())))?;
    f.write_all(format!("{sum}  {name}\n").as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(io(format!("writing {}", path.display())))?;
    Ok(sum)
}

/// Write `dir`'s manifest over exactly `names` (files in `dir`), replacing any log.
pub fn write(dir: &Path, names: &[String]) -> Result<(), OutputError> {
    write_known(dir, names, &BTreeMap::new())
}

/// [`write`], with the checksums of some of the files known already (`known`: name to
/// checksum, each of the complete file as it is on the disk): those files are not read again.
pub fn write_known(
    dir: &Path,
    names: &[String],
    known: &BTreeMap<String, String>,
) -> Result<(), OutputError> {
    let mut text = String::new();
    for n in names {
        let sum = match known.get(n) {
            Some(s) => s.clone(),
            None => sha256_file(&dir.join(n))?,
        };
        text.push_str(&format!("{sum}  {n}\n"));
    }
    let tmp = dir.join(format!("{MANIFEST}.tmp"));
    let path = dir.join(MANIFEST);
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(io(format!("writing {}", path.display())))
}

/// The manifest's entries, file name to checksum (the last line for a name wins). An absent
/// manifest is empty; a line that is not `<64 hex>  <name>` is an error message.
pub fn read(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut out = BTreeMap::new();
    let lines = text.lines().count();
    for (i, line) in text.lines().enumerate() {
        let entry = line.split_once("  ").filter(|(sum, name)| {
            sum.len() == 64
                && sum.bytes().all(|b| b.is_ascii_hexdigit())
                && !name.is_empty()
                && !name.contains('/')
        });
        let Some((sum, name)) = entry else {
            // A line cut short by a kill while it was appended is the last one, and counts
            // as never written.
            if i + 1 == lines && !text.ends_with('\n') {
                break;
            }
            return Err(format!(
                "{}: line {} is not `SHA256  NAME`",
                path.display(),
                i + 1
            ));
        };
        out.insert(name.to_string(), sum.to_string());
    }
    Ok(out)
}

/// Whether readers take a file of this name as the run's: its samples, statistics, corridor
/// table or part files (`part-*.parquet`, the pattern alone: parts.rs reads the manifest, so
/// it is not asked here).
fn is_read_as_the_runs(name: &str) -> bool {
    const READ: [&str; 6] = [
        "samples.parquet",
        "summary.parquet",
        "sensitivity.parquet",
        "corridor.parquet",
        "_summary.parquet",
        "_sensitivity.parquet",
    ];
    READ.contains(&name) || (name.starts_with("part-") && name.ends_with(".parquet"))
}

/// Check a finished directory: every file its manifest lists is there with the listed
/// checksum, and every file a reader takes as the run's ([`is_read_as_the_runs`]) is listed.
/// `Ok(false)`: there is no manifest (a directory written before manifests), so nothing could
/// be checked. The message names the first file that is missing, altered or not the run's, or
/// a manifest that lists nothing.
pub fn verify(dir: &Path) -> Result<bool, String> {
    let entries = read(dir)?;
    let path = dir.join(MANIFEST);
    if entries.is_empty() {
        if path.exists() {
            return Err(format!(
                "{}: lists no file, so the run's files cannot be checked: it was emptied or cut \
                 short after the run; run it again with the options it was started with and \
                 --force",
                path.display()
            ));
        }
        return Ok(false);
    }
    // A file a reader takes as the run's (its samples, statistics or parts) that the run did
    // not write, one copied in over a line taken out of the manifest, would be read as the
    // run's. Other files beside it (a user's notes.parquet, a copy's ._ files) are not read.
    let listing = std::fs::read_dir(dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
    for entry in listing.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if is_read_as_the_runs(&name) && entry.path().is_file() && !entries.contains_key(&name) {
            return Err(format!(
                "{}: not in {MANIFEST}, so the run did not write it (or its line was removed); \
                 move it away, or run the job again",
                entry.path().display()
            ));
        }
    }
    for (name, sum) in &entries {
        let path = dir.join(name);
        // A file gone since it was written, said as such (a trial got a bare "No such file").
        if !path.is_file() {
            return Err(format!(
                "{}: listed in {MANIFEST} but missing: the run's files were deleted or moved \
                 after it was written; run it again with the options it was started with and \
                 --force",
                path.display()
            ));
        }
        let actual = sha256_file(&path).map_err(|e| e.to_string())?;
        if &actual != sum {
            // A merged dataset's own files (`_summary.parquet`) are written again by a merge;
            // a run's or a shard's by running it again (a review).
            let again = if name.starts_with('_') {
                "merge the shards again (`dispersa merge`)"
            } else {
                "run it again with the options it was started with and --force"
            };
            return Err(format!(
                "{}: its checksum differs from the one in {MANIFEST}: the file was altered or \
                 corrupted after it was written (sha256 {actual}, expected {sum}); {again}",
                path.display()
            ));
        }
    }
    Ok(true)
}

/// The key of a merged dataset's `_summary.parquet` metadata that records the shards it was
/// merged from: `shard=K SHA256` of each shard's manifest, in shard order, joined by "; ".
pub const SHARD_MANIFESTS_KEY: &str = "dispersa.shard_manifests";

/// [`SHARD_MANIFESTS_KEY`]'s value for the shard directories `shards` (shard index to
/// directory).
pub fn shard_manifests(shards: &BTreeMap<u64, std::path::PathBuf>) -> Result<String, OutputError> {
    let mut out = Vec::with_capacity(shards.len());
    for (k, dir) in shards {
        out.push(format!("shard={k} {}", sha256_file(&dir.join(MANIFEST))?));
    }
    Ok(out.join("; "))
}

/// The shards of the dataset in `dataset` against those its merge recorded (`recorded`, the
/// value of [`SHARD_MANIFESTS_KEY`]): the message names the first shard missing, added or
/// changed since (a report drew a removed or swapped-in shard's samples beside the merged
/// statistics of the old ones: a batch trial).
pub fn check_shards(
    dataset: &Path,
    recorded: &str,
    shards: &BTreeMap<u64, std::path::PathBuf>,
) -> Result<(), String> {
    let now = shard_manifests(shards).map_err(|e| e.to_string())?;
    if now == recorded {
        return Ok(());
    }
    let entries = |text: &str| -> BTreeMap<String, String> {
        text.split("; ")
            .filter_map(|e| e.split_once(' '))
            .map(|(k, s)| (k.to_string(), s.to_string()))
            .collect()
    };
    let (was, is) = (entries(recorded), entries(&now));
    let what = was
        .iter()
        .find_map(|(k, s)| match is.get(k) {
            None => Some(format!("{k}, which the merge joined, is missing")),
            Some(t) if t != s => Some(format!(
                "{k} is not the one the merge joined (its {MANIFEST} changed since: computed \
                 again, or copied in)"
            )),
            _ => None,
        })
        .or_else(|| {
            is.keys()
                .find(|k| !was.contains_key(*k))
                .map(|k| format!("{k} was not among the shards the merge joined"))
        })
        .unwrap_or_else(|| "its shards differ from those the merge joined".into());
    Err(format!(
        "{}: {what}; its merged statistics describe other samples: run `dispersa merge {}` \
         again (once every shard is there)",
        dataset.display(),
        dataset.display()
    ))
}
