//! Shards and merge (issue 10, point 4): four shards run side by side and merged equal one run
//! (summary and sensitivity value for value, samples row for row), and every way of getting the
//! shards wrong is refused with exit 2 and nothing changed.

mod common;

use arrow_array::{Array, Float64Array, Int64Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/bench/ballistic_exponential.toml"
);
const SAMPLES: &str = "30000";

fn dispersa(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
    c.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn run(out: &Path, extra: &[&str]) -> Command {
    let mut c = dispersa(&["run", CONFIG, "--backend", "cpu", "--quiet"]);
    c.args([
        "--samples",
        SAMPLES,
        "--set",
        "run.chunk_size=4096",
        "--out",
    ])
    .arg(out)
    .args(extra);
    c
}

fn merge(out: &Path) -> Output {
    dispersa(&["merge", "--quiet"]).arg(out).output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Every column of Parquet files read in order, each value as exact text (floats by their
/// bits), so that equal means equal to the last bit.
fn columns(files: &[PathBuf]) -> Vec<(String, Vec<String>)> {
    let mut cols: Vec<(String, Vec<String>)> = Vec::new();
    for f in files {
        let r = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(f).unwrap())
            .unwrap()
            .build()
            .unwrap();
        for batch in r {
            let batch = batch.unwrap();
            if cols.is_empty() {
                cols = batch
                    .schema()
                    .fields()
                    .iter()
                    .map(|f| (f.name().clone(), Vec::new()))
                    .collect();
            }
            for (i, (_, values)) in cols.iter_mut().enumerate() {
                let c = batch.column(i);
                for r in 0..c.len() {
                    values.push(if c.is_null(r) {
                        "null".into()
                    } else if let Some(a) = c.as_any().downcast_ref::<Float64Array>() {
                        format!("{:016x}", a.value(r).to_bits())
                    } else if let Some(a) = c.as_any().downcast_ref::<Int64Array>() {
                        a.value(r).to_string()
                    } else {
                        let a = c.as_any().downcast_ref::<StringArray>().unwrap();
                        a.value(r).to_string()
                    });
                }
            }
        }
    }
    cols
}

fn parts(shard: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(shard)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("part-")
        })
        .collect();
    v.sort();
    v
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Names and sizes of every file below `dir`: to show a refused command changed nothing.
/// A copy of dataset `ds` at `to` whose shard 1's first part is rewritten by `change`, its
/// checksum entered again: a shard as another build would have written it.
fn with_part_rewritten(
    ds: &Path,
    to: &Path,
    change: impl Fn(arrow_array::RecordBatch) -> arrow_array::RecordBatch,
) {
    copy_dir(ds, to);
    let part = parts(&to.join("shard=1"))[0].clone();
    common::rewrite_parquet(&part, change);
    dispersa::output::manifest::append(
        &to.join("shard=1"),
        &part.file_name().unwrap().to_string_lossy(),
    )
    .unwrap();
}

/// A part's metadata as another build (commit 0123456789ab) would have written it.
fn as_older_build(kv: &mut [parquet::file::metadata::KeyValue]) {
    for e in kv.iter_mut() {
        if e.key == "dispersa.git_commit" {
            e.value = Some("0123456789ab".into());
        }
    }
}

/// A part as a build before the peak dynamic pressure's outputs wrote it.
fn without_qdyn(r: arrow_array::RecordBatch) -> arrow_array::RecordBatch {
    let keep: Vec<usize> = (0..r.num_columns())
        .filter(|&i| !r.schema().field(i).name().contains("peak_dynamic_pressure"))
        .collect();
    r.project(&keep).unwrap()
}

fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(listing(&e.path()));
        } else {
            out.push((e.path(), e.metadata().unwrap().len()));
        }
    }
    out.sort();
    out
}

#[test]
fn four_shards_merged_equal_one_run_and_bad_shards_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let one = d.join("one");
    let o = run(&one, &[]).output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    // The four shards at once, into one dataset directory, as an array job runs them.
    let ds = d.join("ds");
    let children: Vec<_> = (0..4)
        .map(|k| run(&ds, &["--shard", &format!("{k}/4")]).spawn().unwrap())
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", err(&o));
    }

    // Bad input first, on copies, so the dataset itself stays as the shards left it.
    let o = run(&ds, &["--shard", "5/4"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--shard 5/4"), "{}", err(&o));
    let o = run(&ds, &["--shard", "1/0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o = run(&ds, &["--shard", "two/4"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let before = listing(&ds);
    let o = run(&ds, &["--shard", "1/4", "--seed", "5", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("holds shards of another run"),
        "{}",
        err(&o)
    );
    let o = run(&ds, &["--shard", "1/3"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert_eq!(before, listing(&ds), "a refused shard changed the dataset");

    let bad = d.join("missing");
    copy_dir(&ds, &bad);
    std::fs::remove_dir_all(bad.join("shard=3")).unwrap();
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("missing or unfinished: 3"), "{}", err(&o));
    assert!(!bad.join("_summary.parquet").exists());

    let bad = d.join("duplicate");
    copy_dir(&ds, &bad);
    copy_dir(&ds.join("shard=1"), &bad.join("shard=01"));
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("shard 1 is there twice"), "{}", err(&o));

    let other = d.join("other");
    let o = run(&other, &["--shard", "2/4", "--seed", "5"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let bad = d.join("mixed");
    copy_dir(&ds, &bad);
    std::fs::remove_dir_all(bad.join("shard=2")).unwrap();
    copy_dir(&other.join("shard=2"), &bad.join("shard=2"));
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("the seed differs"), "{}", err(&o));

    let bad = d.join("corrupt");
    copy_dir(&ds, &bad);
    let part = parts(&bad.join("shard=1"))[0].clone();
    let mut bytes = std::fs::read(&part).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&part, bytes).unwrap();
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("checksum"), "{}", err(&o));
    assert!(!bad.join("_summary.parquet").exists());

    // A file of a finished shard gone: named as missing, with what to do.
    let bad = d.join("gone");
    copy_dir(&ds, &bad);
    std::fs::remove_file(bad.join("shard=1").join("_summary.parquet")).unwrap();
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("_summary.parquet: listed in _manifest.sha256 but missing"),
        "{}",
        err(&o)
    );

    // A part the shard's manifest does not list (unreadable, too): refused by name, exit 2,
    // where reading its footer failed with exit 1 (a docs audit, 2026-12-05).
    let bad = d.join("stray");
    copy_dir(&ds, &bad);
    let stray = bad.join("shard=2").join("part-000000099999.parquet");
    std::fs::write(&stray, b"not parquet").unwrap();
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("part-000000099999.parquet: not in _manifest.sha256"),
        "{}",
        err(&o)
    );
    assert!(!bad.join("_summary.parquet").exists());

    // A shard written by a build before 2026-12-06, whose `sample` is uint64 (simulated: a
    // part rewritten so, its checksum entered again): refused by name, where the merge was
    // accepted with a dataset polars and check_outputs.py refused (a review).
    let bad = d.join("uint64");
    with_part_rewritten(&ds, &bad, common::sample_as_uint64);
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("holds column sample as UInt64, where this build writes Int64"),
        "{}",
        err(&o)
    );
    assert!(!bad.join("_summary.parquet").exists());

    // A shard of a build with fewer outputs (simulated: a part without the peak dynamic
    // pressure's columns, its checksum entered again): both shards' columns named, and no
    // advice to run again the shard that is the newer (it told shard 1 to be run again when
    // shard 0 was the older: a stop's own trial).
    let bad = d.join("fewer_columns");
    with_part_rewritten(&ds, &bad, without_qdyn);
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(
            "(shard 1): lacks shard 0's columns peak_dynamic_pressure_pa, \
             time_peak_dynamic_pressure_s."
        ),
        "{}",
        err(&o)
    );
    // Both builds of the same commit here (the part was rewritten, not rebuilt): which is
    // older is not known, and the message says to run the older one's shards again.
    let this = env!("DISPERSA_GIT_COMMIT");
    assert!(
        err(&o).contains(&format!(
            "(shard 1 build {this}, shard 0 build {this}; this binary is build {this}"
        )) && err(&o).contains("run the older build's shards again with this build and --force"),
        "{}",
        err(&o)
    );
    assert!(!bad.join("_summary.parquet").exists());

    // The same part as another build would have written it, its commit named in its metadata:
    // the message names that build, and says to run that shard again (this binary wrote the
    // other).
    let bad = d.join("older_build");
    copy_dir(&ds, &bad);
    let part = parts(&bad.join("shard=1"))[0].clone();
    common::rewrite_parquet_with(&part, without_qdyn, |kv| as_older_build(kv));
    dispersa::output::manifest::append(
        &bad.join("shard=1"),
        &part.file_name().unwrap().to_string_lossy(),
    )
    .unwrap();
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!(
            "(shard 1 build 0123456789ab, shard 0 build {this}; this binary is build {this}"
        )) && err(&o).contains("run shard 1 again with this build and --force"),
        "{}",
        err(&o)
    );
    assert!(!bad.join("_summary.parquet").exists());

    // Every shard of another build, without this build's newer columns: refused by name
    // with exit 2 (it failed with exit 1 reading the first missing column: a review).
    let bad = d.join("all_older");
    copy_dir(&ds, &bad);
    for k in 0..4 {
        let shard = bad.join(format!("shard={k}"));
        for part in parts(&shard) {
            common::rewrite_parquet_with(&part, without_qdyn, |kv| as_older_build(kv));
            dispersa::output::manifest::append(
                &shard,
                &part.file_name().unwrap().to_string_lossy(),
            )
            .unwrap();
        }
    }
    let o = merge(&bad);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("the shards were written by build 0123456789ab, whose outputs lack")
            && err(&o).contains("peak_dynamic_pressure_pa, time_peak_dynamic_pressure_s"),
        "{}",
        err(&o)
    );
    assert!(!bad.join("_summary.parquet").exists());

    let o = merge(&one);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("not a shard dataset"), "{}", err(&o));

    // The merge of the four.
    let o = merge(&ds);
    assert!(o.status.success(), "{}", err(&o));
    for (merged, single) in [
        ("_summary.parquet", "summary.parquet"),
        ("_sensitivity.parquet", "sensitivity.parquet"),
    ] {
        let a = columns(&[ds.join(merged)]);
        let b = columns(&[one.join(single)]);
        assert!(!b.is_empty() && b[0].1.len() > 10);
        assert!(
            a == b,
            "merged {merged} differs from the single run's {single}"
        );
    }
    let union: Vec<PathBuf> = (0..4)
        .flat_map(|k| parts(&ds.join(format!("shard={k}"))))
        .collect();
    let a = columns(&union);
    let b = columns(&[one.join("samples.parquet")]);
    assert_eq!(b[0].1.len(), 30_000);
    assert!(
        a == b,
        "the shards' rows differ from the single run's samples"
    );
}

/// Shards of two precisions are not one dataset: a shard is refused before it flies where a
/// finished shard of its dataset is of the other precision (the merge alone refused the mix, once
/// every shard had run: a cluster trial), and the merge refuses a mix copied together (it
/// labelled the whole dataset with shard 0's precision); it joins the backends and adapters of
/// shards that differ in those alone.
#[test]
fn shards_of_two_precisions_are_refused_and_mixed_engines_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mixed");
    let run_shard = |out: &Path, k: &str, engine: &[&str]| {
        dispersa(&["run", CONFIG, "--quiet", "--samples", "600", "--shard", k])
            .args(engine)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let shard = |k: &str, engine: &[&str]| {
        let o = run_shard(&out, k, engine);
        assert!(o.status.success(), "shard {k}: {}", err(&o));
    };
    shard("0/2", &["--backend", "cpu"]);
    let f32 = ["--backend", "gpu", "--precision", "f32"];
    let o = run_shard(&out, "1/2", &f32);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("shard 0 of")
            && err(&o).contains("was computed in f64, and this one would be in f32"),
        "{}",
        err(&o)
    );
    assert!(!out.join("shard=1").exists() && !out.join(".shard=1.partial").exists());
    // The same shard flown into a dataset of its own, and copied beside shard 0.
    let other = dir.path().join("other");
    let o = run_shard(&other, "1/2", &f32);
    assert!(o.status.success(), "{}", err(&o));
    copy_dir(&other.join("shard=1"), &out.join("shard=1"));
    // The f32 shard names the tolerances it flew: rtol floored at 1e-5 (its metadata quoted
    // the configured 1e-6 until 2026-12-06), descent_rtol 1e-4 as configured.
    let kv = dispersa::output::file_metadata(&parts(&out.join("shard=1"))[0]).unwrap();
    let integrator = &kv
        .iter()
        .find(|(k, _)| k == "dispersa.integrator")
        .unwrap()
        .1;
    assert!(
        integrator.contains("rtol=0.00001 (configured 0.000001; the f32 floor)")
            && integrator.contains("descent_rtol=0.0001 "),
        "{integrator}"
    );
    let o = merge(&out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("shard 1 was computed in f32"),
        "{}",
        err(&o)
    );
    shard(
        "1/2",
        &["--backend", "gpu", "--precision", "f64", "--force"],
    );
    let o = merge(&out);
    assert!(o.status.success(), "{}", err(&o));
    // Said on the command line too (the metadata alone showed it, a cluster trial).
    assert!(
        err(&o).contains("the shards were computed on more than one engine (cpu; gpu"),
        "{}",
        err(&o)
    );
    let kv = dispersa::output::file_metadata(&out.join("_summary.parquet")).unwrap();
    let get = |k: &str| kv.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    assert_eq!(get("dispersa.backend"), Some("cpu; gpu"));
    assert!(
        get("dispersa.tolerance_bounds").is_some(),
        "the merged summary names its bounds"
    );
    // A shard computed again after the merge takes the merged statistics away with it (the
    // report read them against the new samples), and the report drawn from them.
    let o = dispersa(&["report", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    // The report names both engines too (it named shard 0's, a new-user trial).
    let html = std::fs::read_to_string(out.join("_report").join("report.html")).unwrap();
    assert!(html.contains("cpu; gpu"), "the report names one backend");
    // Not inside the dataset where its readers would take the report's files for data (a
    // notebook user's trial: --out DATASET/figs stopped pyarrow's dataset): refused, exit 2,
    // nothing made; a folder starting with `_` is skipped by them, and taken.
    let figs = out.join("figs");
    let o = dispersa(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        figs.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("lies inside the dataset"), "{}", err(&o));
    assert!(!figs.exists());
    let hidden = out.join("_figs");
    let o = dispersa(&[
        "report",
        out.to_str().unwrap(),
        "--out",
        hidden.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    std::fs::remove_dir_all(&hidden).unwrap();
    shard("1/2", &["--backend", "cpu", "--force"]);
    assert!(!out.join("_summary.parquet").exists() && !out.join("_sensitivity.parquet").exists());
    assert!(
        !out.join("_report").exists(),
        "the report of the old statistics is left"
    );
    assert!(merge(&out).status.success());
    assert!(out.join("_summary.parquet").exists());
}

/// A shard resumed on another engine names both in the parts it wrote after the resume, and the
/// merge reads every part's engine, not only each shard's first (a review found the merged
/// files naming the GPU alone, 2026-12-05). Shard 0 of 140,000 samples closes its first part
/// at 65,536 on lavapipe, fails at the next chunk (the failpoint), and is finished on the CPU.
#[test]
fn a_shard_resumed_on_another_engine_is_merged_with_both_named() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    let shard = |k: &str, backend: &str, extra: &[&str], fail: bool| {
        let mut c = dispersa(&["run", CONFIG, "--quiet", "--samples", "140000"]);
        c.args([
            "--shard",
            k,
            "--backend",
            backend,
            "--set",
            "run.chunk_size=8192",
        ])
        .arg("--out")
        .arg(&out)
        .args(extra);
        if fail {
            c.env("DISPERSA_FAILPOINT_CHUNK", "65536");
        }
        c.output().unwrap()
    };
    let o = shard("0/2", "gpu", &["--precision", "f64"], true);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    // The resume it asks for is the dataset's with the shard (it named the shard's own
    // directory, which --out refuses: a batch trial).
    let asked = format!("to the same --out {} --shard 0/2", out.display());
    assert!(err(&o).contains(&asked), "{}", err(&o));
    let o = shard("0/2", "cpu", &["--resume"], false);
    assert!(o.status.success(), "{}", err(&o));
    let o = shard("1/2", "gpu", &["--precision", "f64"], false);
    assert!(o.status.success(), "{}", err(&o));
    assert!(merge(&out).status.success());
    let kv = dispersa::output::file_metadata(&out.join("_summary.parquet")).unwrap();
    let backend = kv.iter().find(|(k, _)| k == "dispersa.backend");
    assert_eq!(
        backend.map(|(_, v)| v.as_str()),
        Some("gpu; cpu"),
        "the merged files name both engines"
    );
}

/// A shard whose process is still writing (it holds its lock) is named as running, not as
/// interrupted with a `--resume` to run: a trial merged while a shard ran and was told to
/// resume it.
#[test]
fn a_merge_names_a_running_shard_apart_from_an_interrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("busy");
    let o = dispersa(&[
        "run",
        CONFIG,
        "--quiet",
        "--backend",
        "cpu",
        "--samples",
        "600",
    ])
    .args(["--shard", "1/2", "--out"])
    .arg(&out)
    .output()
    .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    // Shard 0 as a running process leaves it: its partial directory, and its lock held.
    std::fs::create_dir(out.join(".shard=0.partial")).unwrap();
    let lock = dispersa::output::lock_out_dir(&out.join("shard=0")).unwrap();
    let o = merge(&out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("still running: 0"), "{}", err(&o));
    assert!(!err(&o).contains("interrupted"), "{}", err(&o));
    drop(lock);
    let o = merge(&out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("(interrupted: 0;"), "{}", err(&o));
    assert!(!err(&o).contains("still running"), "{}", err(&o));
}

/// `dispersa run CONFIG --quiet ARGS --out OUT`.
fn run_out(args: &[&str], out: &Path) -> Output {
    dispersa(&["run", CONFIG, "--quiet"])
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// A refused shard writes nothing, so the corrected command is not taken for another run: a
/// shard of more samples than the disk holds, or a --resume of nothing, left the dataset's
/// marker with its settings, and every corrected resubmission was refused as "holds shards of
/// another run" until the directory was removed by hand (a cluster trial).
#[test]
fn a_refused_shard_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    for refused in [
        &["--shard", "0/2", "--samples", "100000000000"][..],
        &[
            "--shard",
            "0/2",
            "--samples",
            "600",
            "--seed",
            "7",
            "--resume",
        ][..],
    ] {
        let o = run_out(refused, &out);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(!out.exists(), "a refused shard left {}", out.display());
    }
    // Nor does an engine refused or not found: f32 on the CPU (exit 2), a named adapter that
    // is not there (exit 1: a pod without its driver). Both left the dataset marked, and the
    // corrected command with another seed was refused (a batch user's trial).
    for (engine, code) in [
        (&["--backend", "cpu", "--precision", "f32"][..], 2),
        (&["--backend", "gpu"][..], 1),
    ] {
        let o = dispersa(&[
            "run",
            CONFIG,
            "--quiet",
            "--shard",
            "0/2",
            "--samples",
            "600",
        ])
        .args(["--seed", "7"])
        .args(engine)
        .env("WGPU_ADAPTER_NAME", "no adapter has this name")
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
        assert_eq!(o.status.code(), Some(code), "{}", err(&o));
        assert!(
            !out.exists(),
            "a shard refused its engine left {}",
            out.display()
        );
    }
    // --nominal is one flight: no shards of it (it read "4 shards of 1 samples would leave
    // shards empty": a cluster user's trial).
    let o = run_out(&["--nominal", "--shard", "0/4"], &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("--nominal flies the one undispersed flight"),
        "{}",
        err(&o)
    );
    assert!(!out.exists());
    let shard0 = ["--samples", "600", "--shard", "0/2"];
    let o = run_out(&shard0, &out);
    assert!(o.status.success(), "{}", err(&o));
    // A shard of another count is named so, not by its indices alone (a cluster user's trial).
    let o = run_out(&["--samples", "600", "--shard", "1/3"], &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("the shard count differs (3 against 2: shard 1/3 against shard 0/2)"),
        "{}",
        err(&o)
    );
    // Finished in f64, a resubmission in f32 is refused (it was told "nothing to resume" and
    // the merge then wrote f64 results: a cluster trial); in the same precision, or auto, it
    // exits 0.
    let resume = |extra: &[&str]| run_out(&[&shard0[..], &["--resume"], extra].concat(), &out);
    let o = resume(&["--precision", "f32"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("computed in f64, not --precision f32"),
        "{}",
        err(&o)
    );
    assert_eq!(resume(&["--precision", "f64"]).status.code(), Some(0));
    assert_eq!(resume(&[]).status.code(), Some(0));
    assert!(err(&resume(&[])).contains("nothing to resume"));
    // Not where a file of it was altered since: a requeue exited 0 on it, and only the merge
    // refused it (a batch user's trial). --force below computes it again.
    let part = parts(&out.join("shard=0"))[0].clone();
    let mut bytes = std::fs::read(&part).unwrap();
    bytes[200] ^= 0xff;
    std::fs::write(&part, bytes).unwrap();
    let o = resume(&[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("is a finished run of this job, but")
            && err(&o).contains("its checksum differs"),
        "{}",
        err(&o)
    );
    // With --force as well, a finished shard is computed again (the cluster scripts add
    // --resume to a shard that holds a marker, and a --force among their arguments was
    // ignored: a cluster trial), here in f32 as asked.
    let o = resume(&["--force", "--precision", "f32"]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(!err(&o).contains("nothing to resume"), "{}", err(&o));
    let kv = dispersa::output::file_metadata(&parts(&out.join("shard=0"))[0]).unwrap();
    assert!(kv.contains(&("dispersa.precision".to_string(), "f32".to_string())));
}

/// A finished shard with an interrupted run beside it (a --force rerun stopped part-way) is not
/// merged as if the rerun had not been asked for: the merge names it and says how to go on (it
/// passed over it and used the old shard, a cluster trial).
#[test]
fn a_merge_refuses_a_shard_whose_rerun_was_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    for k in ["0/2", "1/2"] {
        let o = run_out(&["--samples", "600", "--shard", k], &out);
        assert!(o.status.success(), "{}", err(&o));
    }
    // Resumed as one run, the dataset is named as shards (it was called another job's finished
    // run, "unsharded against shard 0/2": a cluster trial).
    let o = run_out(&["--samples", "600", "--resume"], &out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("holds the shards of a sharded run: resume each with --shard K/N"),
        "{}",
        err(&o)
    );
    std::fs::create_dir(out.join(".shard=1.partial")).unwrap();
    let o = merge(&out);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("shard 1 has an interrupted run beside its finished one"),
        "{}",
        err(&o)
    );
    // With the shard's own names, not placeholders (a cluster user's trial).
    assert!(
        err(&o).contains("(.shard=1.partial: a --force rerun")
            && err(&o).contains("`dispersa run ... --shard 1/2 --resume`")
            && !err(&o).contains("shard=K"),
        "{}",
        err(&o)
    );
    std::fs::remove_dir(out.join(".shard=1.partial")).unwrap();
    assert!(merge(&out).status.success());
}

/// A dataset copied with a glob (`cp -r OUT/* DEST`) leaves its own marker behind: merge and
/// report say so and how to copy it, where they said the marker "does not say" its kind and
/// that the folder held no run (a batch trial).
#[test]
fn a_dataset_copied_without_its_marker_is_named_so() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    for k in ["0/2", "1/2"] {
        let o = run_out(
            &["--backend", "cpu", "--samples", "300", "--shard", k],
            &out,
        );
        assert!(o.status.success(), "{}", err(&o));
    }
    assert!(merge(&out).status.success());
    // The glob's copy: every entry but the dot files.
    let copy = d.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for e in std::fs::read_dir(&out).unwrap().flatten() {
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &copy.join(&name));
        } else {
            std::fs::copy(e.path(), copy.join(&name)).unwrap();
        }
    }
    let before = listing(&copy);
    for o in [
        merge(&copy),
        dispersa(&["report"]).arg(&copy).output().unwrap(),
    ] {
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(
            err(&o).contains("holds the shard=K directories of a sharded run but not the dataset's .dispersa marker"),
            "{}",
            err(&o)
        );
    }
    assert_eq!(listing(&copy), before, "nothing written");
}

/// A merged dataset's report reads the shards the merge joined: one removed, computed again
/// or swapped in from another dataset since is named, and nothing is drawn (a batch trial's
/// report drew 1,500 samples' histograms beside the merged table of 3,000).
#[test]
fn a_report_refuses_shards_other_than_those_merged() {
    let d = tempfile::tempdir().unwrap();
    let dataset = |name: &str, samples: &str| {
        let out = d.path().join(name);
        for k in ["0/2", "1/2"] {
            let o = run_out(
                &["--backend", "cpu", "--samples", samples, "--shard", k],
                &out,
            );
            assert!(o.status.success(), "{}", err(&o));
        }
        assert!(merge(&out).status.success());
        out
    };
    let (a, b) = (dataset("a", "300"), dataset("b", "200"));
    let report = |dir: &Path| dispersa(&["report"]).arg(dir).output().unwrap();
    let o = report(&a);
    assert!(o.status.success(), "{}", err(&o));
    // Shard 1 swapped for the other dataset's.
    let swapped = d.path().join("swapped");
    copy_dir(&a, &swapped);
    std::fs::remove_dir_all(swapped.join("_report")).unwrap();
    std::fs::remove_dir_all(swapped.join("shard=1")).unwrap();
    copy_dir(&b.join("shard=1"), &swapped.join("shard=1"));
    // Shard 0 removed.
    let cut = d.path().join("cut");
    copy_dir(&a, &cut);
    std::fs::remove_dir_all(cut.join("_report")).unwrap();
    std::fs::remove_dir_all(cut.join("shard=0")).unwrap();
    for (dir, says) in [
        (&swapped, "shard=1 is not the one the merge joined"),
        (&cut, "shard=0, which the merge joined, is missing"),
    ] {
        let o = report(dir);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
        assert!(err(&o).contains(says), "{}", err(&o));
        assert!(!dir.join("_report").exists(), "nothing drawn");
    }
}

/// Shards are one run when their overrides set the same values, whatever their order or
/// spelling (`50` and `50.0`); a different value is refused, named (the same overrides in
/// another order were refused as another run's: a batch trial).
#[test]
fn shards_with_the_same_overrides_in_another_spelling_are_one_run() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("ds");
    let shard = |k: &str, sets: &[&str]| {
        let mut args = vec!["--backend", "cpu", "--samples", "200", "--shard", k];
        for s in sets {
            args.extend(["--set", s]);
        }
        run_out(&args, &out)
    };
    let a = ["events.g_limit=50", "events.heat_flux_limit_w_cm2=1400"];
    let o = shard("0/2", &a);
    assert!(o.status.success(), "{}", err(&o));
    let o = shard(
        "1/2",
        &[
            "events.heat_flux_limit_w_cm2 = 1400.0",
            "events.g_limit=50.0",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert!(merge(&out).status.success());
    // Another value: refused, naming the overrides.
    let o = shard("1/2", &["events.g_limit=51"]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("the --set overrides differ"),
        "{}",
        err(&o)
    );
    // And the key whose value differs, this shard's value first (a batch trial: the refusal
    // named no key).
    assert!(
        err(&o).contains("first at `events.g_limit` (51 against 50)"),
        "{}",
        err(&o)
    );
}

/// Shards of one run may differ in what changes no result: the chunk size (the README's
/// advice to a pod killed for memory, `--set run.chunk_size=16384`, was refused beside the
/// shards already made, and on `--resume`: a batch user's trial), and how the seed is given:
/// `--seed 7` is `--set run.seed=7` given last. (As a seed of its own, the footprint's
/// bootstrap still drew from the config's seed: a review found the intervals of the two
/// spellings differing, and they were refused as two runs.) The merge of the four kinds of
/// shard is the unsharded run's statistics to the bit.
#[test]
fn shards_may_differ_in_chunk_size_and_in_how_the_seed_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ds");
    let o = run_out(&["--shard", "0/2", "--samples", "600", "--seed", "7"], &out);
    assert!(o.status.success(), "{}", err(&o));
    let o = run_out(
        &[
            "--shard",
            "1/2",
            "--samples",
            "600",
            "--set",
            "run.seed=7",
            "--set",
            "run.chunk_size=128",
        ],
        &out,
    );
    assert!(o.status.success(), "{}", err(&o));
    let m = merge(&out);
    assert!(m.status.success(), "{}", err(&m));
    // Both chunk sizes are named in the merged files (dispersa.chunk_size joins them).
    let kv = dispersa::output::file_metadata(&out.join("_summary.parquet")).unwrap();
    let chunks = &kv
        .iter()
        .find(|(k, _)| k == "dispersa.chunk_size")
        .unwrap()
        .1;
    assert!(chunks.contains("128"), "{chunks}");
    // A shard of another run is refused as such (exit 2) before the engine is sought: on a
    // node without its adapter it exited 1, which a cluster retries (a review).
    let o = dispersa(&[
        "run",
        CONFIG,
        "--quiet",
        "--shard",
        "1/2",
        "--samples",
        "600",
    ])
    .args(["--seed", "8", "--backend", "gpu", "--force", "--out"])
    .arg(&out)
    .env("WGPU_ADAPTER_NAME", "no adapter has this name")
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("the seed differs (8 against 7)"),
        "{}",
        err(&o)
    );
    // The unsharded run, either way the seed is given: the same statistics as the merge.
    for (k, seed) in [&["--seed", "7"], &["--set", "run.seed=7"]]
        .iter()
        .enumerate()
    {
        let one = dir.path().join(format!("one{k}"));
        let o = run_out(&[&["--samples", "600"][..], &seed[..]].concat(), &one);
        assert!(o.status.success(), "{}", err(&o));
        for (merged, single) in [
            ("_summary.parquet", "summary.parquet"),
            ("_sensitivity.parquet", "sensitivity.parquet"),
        ] {
            assert!(
                columns(&[out.join(merged)]) == columns(&[one.join(single)]),
                "{merged} differs from the unsharded {single} ({seed:?})"
            );
        }
    }
}

/// A refusal as another run's names the first key whose value differs (a batch trial: "the
/// config file's values differ" named none), and the comparison is by value: layout, comments,
/// `40` against `40.0`, the sample count and an override that sets the file's value do not
/// count.
#[test]
fn another_runs_config_is_named_by_its_first_differing_key() {
    use dispersa::config::settings_difference;
    let mine = "[vehicle]\nmass_kg = 46.0\nnose_radius_m = 0.2\n[run]\nsamples = 10\n";
    let same =
        "# another layout\n[run]\nsamples = 99\n[vehicle]\nnose_radius_m = 0.2\nmass_kg = 46\n";
    assert_eq!(settings_difference((same, &[]), (mine, &[])), None);
    let heavier = mine.replace("46.0", "40.0");
    assert_eq!(
        settings_difference((&heavier, &[]), (mine, &[])).as_deref(),
        Some("first at `vehicle.mass_kg` (40.0 against 46.0)")
    );
    // An override that restores the file's value is the same run; one key unset is named.
    let restored = ["vehicle.mass_kg=46".to_string()];
    assert_eq!(
        settings_difference((&heavier, &restored), (mine, &[])),
        None
    );
    let without_nose = "[vehicle]\nmass_kg = 46.0\n";
    assert_eq!(
        settings_difference((without_nose, &[]), (mine, &[])).as_deref(),
        Some("first at `vehicle.nose_radius_m` (not set against 0.2)")
    );
}

/// A refusal names what differs: the files' values, the overrides, or both. Two files that set
/// the same values (one with a comment more) under other overrides differ in the overrides (a
/// review found the file blamed).
#[test]
fn a_refusal_names_the_files_or_the_overrides_as_they_differ() {
    use dispersa::output::Identity;
    let id = |config: &str, sets: &[&str]| Identity {
        config: config.to_string(),
        overrides: sets.iter().map(|s| s.to_string()).collect(),
        seed: 1,
        samples: 10,
        nominal: false,
        shard: None,
    };
    let file = "[vehicle]\nmass_kg = 46.0\n";
    let commented = "# a comment\n[vehicle]\nmass_kg = 46.0\n";
    let heavier = "[vehicle]\nmass_kg = 47.0\n";
    let dataset = id(file, &["vehicle.mass_kg=46"]);
    assert_eq!(
        dataset
            .difference(&id(commented, &["vehicle.mass_kg=47"]), false)
            .as_deref(),
        Some(
            "the --set overrides differ ([\"vehicle.mass_kg=47\"] against \
             [\"vehicle.mass_kg=46\"]), first at `vehicle.mass_kg` (47 against 46)"
        )
    );
    assert_eq!(
        id(file, &[])
            .difference(&id(heavier, &[]), false)
            .as_deref(),
        Some("the config file's values differ, first at `vehicle.mass_kg` (47.0 against 46.0)")
    );
    assert_eq!(
        id(file, &["vehicle.cd=1"])
            .difference(&id(heavier, &["vehicle.cd=2"]), false)
            .as_deref(),
        Some(
            "the config file's values and the --set overrides differ ([\"vehicle.cd=2\"] \
             against [\"vehicle.cd=1\"]), first at `vehicle.cd` (2 against 1)"
        )
    );
    // A key both override alike is not the difference, and overrides that set the same value
    // in other spellings are the same (a review).
    let a = "[vehicle]\nmass_kg = 40.0\n[integrator]\nrtol = 5e-8\n";
    let b = "[vehicle]\nmass_kg = 41.0\n[integrator]\nrtol = 1e-7\n";
    assert_eq!(
        id(b, &["integrator.rtol=1e-8"])
            .difference(&id(a, &["integrator.rtol=1.0e-8"]), false)
            .as_deref(),
        Some("the config file's values differ, first at `vehicle.mass_kg` (40.0 against 41.0)")
    );
    assert_eq!(
        dataset.difference(&id(commented, &["vehicle.mass_kg=46.0"]), false),
        None
    );
    // A whole table set is not one key of it set: against the file it drops the file's other
    // keys, and the overrides are named with the files (a review found the file alone blamed).
    let two = "[vehicle]\nmass_kg = 46.0\ncd = 1.5\n[integrator]\nrtol = 5e-8\n";
    let other_rtol = two.replace("5e-8", "1e-7");
    let said = id(two, &["vehicle={mass_kg=46.0}"])
        .difference(&id(&other_rtol, &["vehicle.mass_kg=46.0"]), false)
        .unwrap();
    assert!(
        said.starts_with("the config file's values and the --set overrides differ"),
        "{said}"
    );
}
