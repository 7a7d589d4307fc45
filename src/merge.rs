//! `dispersa merge OUT`: the statistics of a sharded run, over all its shards. The shards are
//! checked first (every one of 0..N there, finished, of the same run, each holding exactly its
//! block of samples, and every file matching its checksum); then the statistics are computed
//! from all the part files in index order, as a single run computes them from its samples, and
//! written as `OUT/_summary.parquet` and `OUT/_sensitivity.parquet`.

use crate::config::{ConfigError, RawConfig};
use crate::dataset::Statistics;
use crate::output::parts::{self, Part};
use crate::output::samples_text;
use crate::output::{
    lock_out_dir, manifest, read_identity, shard_dirs, write_sensitivity, write_summary,
    written_by_dispersa, DirKind, OutputError, MARKER,
};
use crate::run::{scenario_of_results, shard_range};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The shards cannot be merged (missing, mismatched, altered): exit 2.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl MergeError {
    pub fn exit_code(&self) -> i32 {
        match self {
            MergeError::Output(_) => 1,
            _ => 2,
        }
    }
}

pub struct MergeReport {
    pub out: PathBuf,
    pub shards: u64,
    pub samples: u64,
    pub statistics: Statistics,
    /// Every shard's part files, in index order.
    pub files: Vec<PathBuf>,
}

pub fn merge(out: &Path) -> Result<MergeReport, MergeError> {
    let shown = out.display();
    if !out.is_dir() {
        let what = if out.exists() {
            "not a directory"
        } else {
            "no such directory"
        };
        return Err(MergeError::Input(format!(
            "{shown}: {what} (give the --out of the `dispersa run --shard K/N` runs)"
        )));
    }
    if let Some(why) = crate::output::shards_without_marker(out) {
        return Err(MergeError::Input(why));
    }
    if written_by_dispersa(out) != Some(DirKind::Shards) {
        return Err(MergeError::Input(format!(
            "{shown}: not a shard dataset (its {MARKER} marker does not say `kind = \"shards\"`); \
             `dispersa merge` joins the OUT of `dispersa run --shard K/N --out OUT`"
        )));
    }
    let Some(whole) = read_identity(out) else {
        return Err(MergeError::Input(format!(
            "{shown}: its {MARKER} marker names no run"
        )));
    };
    let n = whole.shard.map_or(0, |[_, n]| n);
    let _lock = lock_out_dir(out).map_err(MergeError::Input)?;
    let (found, interrupted) = shard_dirs(out).map_err(MergeError::Input)?;
    // Each shard must be finished and no shard process running.
    let mut locks = Vec::new();
    for k in found.keys() {
        locks.push(lock_out_dir(&out.join(format!("shard={k}"))).map_err(MergeError::Input)?);
    }
    let missing: Vec<u64> = (0..n).filter(|k| !found.contains_key(k)).collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|k| k.to_string()).collect();
        // A shard with a partial directory is still running when its process holds its lock
        // (a trial merged while one ran, and was told to resume it): said apart.
        let (running, stopped): (Vec<u64>, Vec<u64>) = missing
            .iter()
            .filter(|k| interrupted.contains(k))
            .partition(|k| lock_out_dir(&out.join(format!("shard={k}"))).is_err());
        let names = |ks: &[u64]| ks.iter().map(|k| k.to_string()).collect::<Vec<_>>();
        let (running, stopped) = (names(&running), names(&stopped));
        let still = if running.is_empty() {
            String::new()
        } else {
            format!(
                " (still running: {}; merge once it finishes)",
                running.join(", ")
            )
        };
        let hint = if stopped.is_empty() {
            still
        } else {
            // The seed is given as --seed, which sets run.seed last.
            let sets: String = whole
                .overrides
                .iter()
                .filter(|o| !crate::config::override_sets(o, "run.seed"))
                .map(|o| format!(" --set '{o}'"))
                .collect();
            format!(
                "{still} (interrupted: {}; continue each with `dispersa run CONFIG --shard K/{n} \
                 --samples {} --seed {}{sets} --resume --out {shown}`, with the options it was \
                 started with)",
                stopped.join(", "),
                whole.samples,
                whole.seed
            )
        };
        return Err(MergeError::Input(format!(
            "{shown}: {} of {n} shards are missing or unfinished: {}{hint}",
            missing.len(),
            list.join(", ")
        )));
    }
    // A finished shard with an interrupted run beside it: a --force rerun stopped part-way,
    // meant to replace it (the merge passed over it and used the old, a cluster trial).
    let pending: Vec<String> = found
        .keys()
        .filter(|k| interrupted.contains(k))
        .map(|k| k.to_string())
        .collect();
    if !pending.is_empty() {
        // The shards named, not K (a cluster user's trial read the placeholders).
        let each = |f: &dyn Fn(&str) -> String| -> String {
            pending.iter().map(|k| f(k)).collect::<Vec<_>>().join(", ")
        };
        let partials = each(&|k| format!(".shard={k}.partial"));
        return Err(MergeError::Input(format!(
            "{shown}: shard {} has an interrupted run beside its finished one ({partials}: a \
             --force rerun stopped part-way): finish it with {}, or remove {partials} to merge \
             the finished one",
            pending.join(", "),
            each(&|k| format!("`dispersa run ... --shard {k}/{n} --resume`")),
        )));
    }
    if let Some(extra) = found.keys().find(|&&k| k >= n) {
        return Err(MergeError::Input(format!(
            "{shown}: holds shard {extra}, but the run has {n} shards (0 to {})",
            n - 1
        )));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut engines: Vec<(u64, Vec<(String, String)>)> = Vec::new();
    // The first part's columns, and its shard.
    let mut types: Option<(Vec<(String, arrow_schema::DataType)>, u64)> = None;
    for (&k, dir) in &found {
        let theirs = read_identity(dir).ok_or_else(|| {
            MergeError::Input(format!(
                "{}: its {MARKER} marker names no run; not a shard dispersa finished",
                dir.display()
            ))
        })?;
        if let Some(why) = whole.difference(&theirs, true) {
            return Err(MergeError::Input(format!(
                "{}: a shard of another run than {shown}'s: {why}",
                dir.display()
            )));
        }
        if theirs.shard.map(|[i, _]| i) != Some(k) {
            return Err(MergeError::Input(format!(
                "{}: its marker says it is shard {}, not {k}",
                dir.display(),
                theirs
                    .shard
                    .map_or("none".to_string(), |[i, m]| format!("{i}/{m}"))
            )));
        }
        match manifest::verify(dir) {
            Ok(true) => {}
            Ok(false) => {
                return Err(MergeError::Input(format!(
                    "{}: has no {}, so its files cannot be checked",
                    dir.display(),
                    manifest::MANIFEST
                )))
            }
            Err(m) => return Err(MergeError::Input(m)),
        }
        // manifest::verify also refused any part or statistics file the shard's manifest does
        // not list (copied in, left from another run), before any is read.
        let shard_parts: Vec<Part> = parts::list(dir, false, &mut |_| {})?;
        let range = shard_range(whole.samples, k, n);
        parts::check_covers(&shard_parts, &range).map_err(|m| {
            MergeError::Input(format!(
                "{}: {m} (shard {k}/{n} is samples {})",
                dir.display(),
                samples_text(&range)
            ))
        })?;
        // Every part's engine: a shard resumed on another engine names both only in the parts
        // written after the resume.
        for p in &shard_parts {
            engines.push((k, crate::output::file_metadata(&p.path)?));
            // Parts of one dataset have one schema: builds before 2026-12-06 wrote `sample` as
            // uint64, and a merge beside this build's int64 parts was accepted, with a dataset
            // that polars and check_outputs.py then refused (a review).
            let typed = crate::dataset::column_types(&p.path)?;
            let (first, k0) = types.get_or_insert_with(|| (typed.clone(), k));
            let sample = typed.iter().find(|(n, _)| n == "sample").map(|(_, t)| t);
            if let Some(t) = sample.filter(|t| **t != arrow_schema::DataType::Int64) {
                return Err(MergeError::Input(format!(
                    "{}: holds column sample as {t}, where this build writes Int64 (another \
                     build of dispersa wrote it; before 2026-12-06 counts were uint64); run \
                     shard {k} again with --force",
                    p.path.display()
                )));
            }
            if typed != *first {
                // Which columns one has and the other lacks (a build that added outputs), else
                // the first that differs in type. Either shard may be the older: the message
                // names both (it told to run the newer one again, a stop's own trial).
                let names = |v: &[(String, arrow_schema::DataType)]| -> Vec<String> {
                    v.iter().map(|c| c.0.clone()).collect()
                };
                let (mine, theirs) = (names(&typed), names(first));
                let only = |a: &[String], b: &[String]| -> Vec<String> {
                    a.iter().filter(|n| !b.contains(n)).cloned().collect()
                };
                let (extra, missing) = (only(&mine, &theirs), only(&theirs, &mine));
                let what = if !extra.is_empty() || !missing.is_empty() {
                    let list = |v: &[String]| v.join(", ");
                    match (extra.is_empty(), missing.is_empty()) {
                        (false, true) => {
                            format!("holds columns that shard {k0} lacks: {}", list(&extra))
                        }
                        (true, false) => format!("lacks shard {k0}'s columns {}", list(&missing)),
                        _ => format!(
                            "holds columns that shard {k0} lacks ({}), and lacks its {}",
                            list(&extra),
                            list(&missing)
                        ),
                    }
                } else {
                    typed
                        .iter()
                        .zip(first.iter())
                        .find(|(a, b)| a != b)
                        .map_or_else(
                            || "holds its columns in another order".to_string(),
                            |(a, b)| {
                                format!(
                                    "holds column {} as {}, where shard {k0} has {}",
                                    a.0, a.1, b.1
                                )
                            },
                        )
                };
                // Each side's build (its git commit), and which to run again: the shard this
                // binary did not write, where it wrote the other.
                let commit_of = |shard: u64| {
                    engines
                        .iter()
                        .find(|(s, _)| *s == shard)
                        .and_then(|(_, kv)| crate::output::meta_value(kv, "dispersa.git_commit"))
                        .unwrap_or("unknown")
                        .to_string()
                };
                // This part's own (the shard's first part may be another build's: resumed).
                let part_commit = crate::output::meta_value(
                    &engines.last().expect("this part's metadata").1,
                    "dispersa.git_commit",
                )
                .unwrap_or("unknown")
                .to_string();
                let first_commit = commit_of(*k0);
                let this = env!("DISPERSA_GIT_COMMIT");
                let advice = if part_commit == this && first_commit != this {
                    format!("run shard {k0} again with this build and --force")
                } else if first_commit == this && part_commit != this {
                    format!("run shard {k} again with this build and --force")
                } else {
                    "run the older build's shards again with this build and --force".to_string()
                };
                return Err(MergeError::Input(format!(
                    "{} (shard {k}): {what}. Two builds of dispersa wrote these shards (shard \
                     {k} build {part_commit}, shard {k0} build {first_commit}; this binary is build \
                     {this}, `dispersa --version`): {advice}",
                    p.path.display()
                )));
            }
        }
        files.extend(shard_parts.into_iter().map(|p| p.path));
    }
    // The shards' engines: one precision (samples of two precisions are not one dataset), and
    // the backends and adapters as they were, joined where they differ.
    let value = |kv: &[(String, String)], key: &str| {
        crate::output::meta_value(kv, key)
            .unwrap_or_default()
            .to_string()
    };
    if let Some((k0, kv0)) = engines.first() {
        let p0 = value(kv0, "dispersa.precision");
        if let Some((k, kv)) = engines
            .iter()
            .find(|(_, kv)| value(kv, "dispersa.precision") != p0)
        {
            return Err(MergeError::Input(format!(
                "{shown}: shard {k} was computed in {}, shard {k0} in {p0}; run shard {k} again \
                 with --precision {p0} (--force), as one dataset is one precision",
                value(kv, "dispersa.precision")
            )));
        }
    }
    let origin = format!("the config stored in {}", out.join(MARKER).display());
    let raw = RawConfig::parse(&whole.config, &origin, &whole.overrides)?;
    // The first part's provenance, and what the merge adds.
    let mut metadata = crate::output::file_metadata(&files[0])?;
    let written_by =
        crate::output::meta_value(&metadata, "dispersa.git_commit").map(str::to_string);
    let scenario = scenario_of_results(&raw, written_by.as_deref())?;
    // Shards all of another build, whose outputs lack columns this build computes statistics
    // of (a merge of an earlier build's shards with a newer binary failed with exit 1 reading
    // the first missing column: a review): named, with what to do.
    if let Some((first, _)) = &types {
        let have: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
        let missing: Vec<&str> = scenario
            .metrics()
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| !have.contains(n))
            .collect();
        if !missing.is_empty() {
            return Err(MergeError::Input(format!(
                "{shown}: the shards were written by build {}, whose outputs lack columns this \
                 build ({}) computes: {}; merge them with that build's binary (`dispersa \
                 --version` names a binary's build), or compute the shards again with this one \
                 (--force)",
                written_by.as_deref().unwrap_or("unknown"),
                env!("DISPERSA_GIT_COMMIT"),
                missing.join(", ")
            )));
        }
    }
    let statistics = crate::dataset::statistics(scenario.as_ref(), &files, None, false)?;
    metadata.retain(|(k, _)| k.starts_with("dispersa.") && k != "dispersa.shard");
    metadata.retain(|(k, _)| k != "dispersa.shard_samples");
    metadata.push(("dispersa.merged_shards".into(), n.to_string()));
    let sources: Vec<Vec<(String, String)>> = engines.iter().map(|(_, kv)| kv.clone()).collect();
    crate::output::join_engine_labels(&mut metadata, &sources);
    // Parts of more than one build (a shard rerun or resumed after a rebuild): the joined
    // commit lists them.
    if let Some(builds) = crate::output::joined_value(&metadata, "dispersa.git_commit") {
        eprintln!(
            "dispersa: note: the shards were computed by more than one build ({builds}): if \
             the models changed between them, the dataset mixes both"
        );
    }
    // And of more than one engine: said as the builds are (it showed in the metadata alone,
    // a cluster trial). Their samples agree within the GPU-CPU bounds (docs/VALIDATION.md).
    if let Some(backends) = crate::output::joined_value(&metadata, "dispersa.backend") {
        eprintln!(
            "dispersa: note: the shards were computed on more than one engine ({backends}; \
             dispersa.backend and dispersa.adapter name them)"
        );
    }
    let tmp_summary = out.join("_summary.parquet.tmp");
    let tmp_sens = out.join("_sensitivity.parquet.tmp");
    let mut summary_meta = metadata.clone();
    summary_meta.push(crate::run::tolerance_bounds_note());
    summary_meta.extend(crate::run::outcome_notes_meta(&statistics.notes));
    // The shards merged, for a report to check them against (manifest::check_shards).
    summary_meta.push((
        manifest::SHARD_MANIFESTS_KEY.into(),
        manifest::shard_manifests(&found)?,
    ));
    // A file cut short (a full disk) is not left beside the dataset (a batch trial found
    // `_summary.parquet.tmp` there until the next merge).
    let written = write_summary(&tmp_summary, &statistics.summary, &summary_meta)
        .and_then(|_| write_sensitivity(&tmp_sens, &statistics.sensitivity, &metadata));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_summary);
        let _ = std::fs::remove_file(&tmp_sens);
        return Err(e.into());
    }
    for (tmp, name) in [
        (&tmp_summary, "_summary.parquet"),
        (&tmp_sens, "_sensitivity.parquet"),
    ] {
        std::fs::rename(tmp, out.join(name)).map_err(crate::output::io(format!(
            "writing {}",
            out.join(name).display()
        )))?;
    }
    manifest::write(
        out,
        &["_summary.parquet".into(), "_sensitivity.parquet".into()],
    )?;
    drop(locks);
    Ok(MergeReport {
        out: out.to_path_buf(),
        shards: n,
        samples: whole.samples,
        statistics,
        files,
    })
}
