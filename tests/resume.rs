//! Durable progress and resume (issue 10, point 3): a run killed with SIGKILL at random moments
//! and continued with `--resume` each time ends with outputs identical, byte for byte, to an
//! uninterrupted run's; `--resume` refuses what is not an interrupted run of the same job;
//! a part file damaged on the disk is computed again.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The benchmark's ballistic entry on the CPU engine: 270,000 samples in seconds, so the
/// kills land among many chunks.
const CONFIG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/configs/bench/ballistic_exponential.toml"
);

fn command(out: &Path, samples: u64, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
    c.args(["run", CONFIG, "--backend", "cpu", "--quiet"])
        .args(["--samples", &samples.to_string()])
        .args(["--set", "run.chunk_size=8192", "--out"])
        .arg(out)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

const FILES: [&str; 4] = [
    "samples.parquet",
    "summary.parquet",
    "sensitivity.parquet",
    "_manifest.sha256",
];

/// A uniform number in [0, 1) from the clock: each test run kills at other moments (they are
/// printed).
fn uniform() -> f64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let x = t.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (t >> 29);
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Parts (of 65,536 samples, `run::PART_ROWS`) that the partial directory's manifest lists.
fn durable_parts(partial: &Path) -> usize {
    std::fs::read_to_string(partial.join("_manifest.sha256"))
        .map_or(0, |m| m.lines().filter(|l| l.contains("part-")).count())
}

#[test]
fn three_kills_and_resumes_give_the_uninterrupted_outputs_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    // Four parts and a bit: the last kill lands in part 3 with more than two parts' work still
    // to do after its window opens, so that a run up to 4 times faster than the timing run
    // (a machine whose load dropped) is still running at the kill. With 200,000 samples (a
    // part and a bit left) a CI run under a neighbour's load measured 7.39 s a part, then ran
    // faster and finished before its third kill.
    let samples = 270_000u64;
    let whole = dir.path().join("whole");
    let t0 = Instant::now();
    let o = command(&whole, samples, &[]).output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    // The time one part of 65,536 samples takes.
    let part_s = t0.elapsed().as_secs_f64() * dispersa::run::PART_ROWS as f64 / samples as f64;

    let cut = dir.path().join("cut");
    let partial = dir.path().join(".cut.partial");
    let mut extra: Vec<&str> = vec![];
    // Kill k lands while part k + 1 is being computed, at a random moment of it: after the
    // first k parts are durable, plus a uniform share of half a part's time. Each process
    // has finished parts to keep and a part in flight to lose.
    for k in 0..3 {
        let mut child = command(&cut, samples, &extra).spawn().unwrap();
        let t = Instant::now();
        while durable_parts(&partial) < k {
            assert!(t.elapsed().as_secs() < 300, "part {k} was never written");
            assert!(child.try_wait().unwrap().is_none(), "the run ended early");
            std::thread::sleep(Duration::from_millis(5));
        }
        let wait = 0.5 * part_s * uniform();
        std::thread::sleep(Duration::from_secs_f64(wait));
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before its kill"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        eprintln!(
            "kill {}: {:.2} s into part {} ({} durable; a part takes {part_s:.2} s)",
            k + 1,
            wait,
            k + 1,
            durable_parts(&partial)
        );
        extra = vec!["--resume"];
    }
    assert!(!cut.exists(), "a killed run left no final directory");
    let o = command(&cut, samples, &["--resume"]).output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("resuming"), "{}", err(&o));
    for f in FILES {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(cut.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the uninterrupted and the resumed run"
        );
    }
    assert!(!partial.exists());
}

#[test]
fn resume_refuses_what_is_not_an_interrupted_run_of_this_job() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    // Nothing there.
    let o = command(&out, 20_000, &["--resume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("no interrupted run"), "{}", err(&o));
    assert!(!out.exists());
    // An interrupted run (a finished part, as a kill leaves it) of another seed.
    let mut child = command(&out, 2_000_000, &[]).spawn().unwrap();
    let partial = dir.path().join(".r.partial");
    let t0 = Instant::now();
    while !std::fs::read_to_string(partial.join("_manifest.sha256")).is_ok_and(|m| !m.is_empty()) {
        assert!(t0.elapsed().as_secs() < 120, "no part was written");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before: Vec<_> = std::fs::read_dir(&partial)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let o = command(&out, 2_000_000, &["--resume", "--seed", "7"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("the seed differs"), "{}", err(&o));
    let o = command(&out, 1_000_000, &["--resume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("sample count differs"), "{}", err(&o));
    // Nor in another precision: the run would carry one label over samples of two.
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["run", CONFIG, "--quiet", "--samples", "2000000"])
        .args([
            "--set",
            "run.chunk_size=8192",
            "--precision",
            "f32",
            "--resume",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("computed in f64"), "{}", err(&o));
    // A new run without --resume does not discard it silently.
    let o = command(&out, 2_000_000, &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("pass --resume"), "{}", err(&o));
    let after: Vec<_> = std::fs::read_dir(&partial)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(before, after, "a refused command changed the partial run");
    // Nor when its manifest cannot be read: its parts are not discarded without --force (a
    // review found them started over).
    let manifest_path = partial.join("_manifest.sha256");
    let good = std::fs::read(&manifest_path).unwrap();
    std::fs::write(&manifest_path, b"not a manifest line\nnor this\n").unwrap();
    let o = command(&out, 2_000_000, &[]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("whose manifest cannot be read") && err(&o).contains("--force"),
        "{}",
        err(&o)
    );
    std::fs::write(&manifest_path, good).unwrap();
    // A finished run of this job has nothing to resume: said, exit 0, the run untouched (a
    // cluster's requeued task succeeds on it). Another job's finished run is refused.
    let done = dir.path().join("done");
    assert!(command(&done, 1000, &[]).output().unwrap().status.success());
    let manifest = std::fs::read(done.join("_manifest.sha256")).unwrap();
    let o = command(&done, 1000, &["--resume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // As a note, at one of the README's levels (a log filter on them missed it: a trial).
    assert!(
        err(&o).starts_with("dispersa: note: ")
            && err(&o).contains("is a finished run of this job: nothing to resume"),
        "{}",
        err(&o)
    );
    assert_eq!(
        std::fs::read(done.join("_manifest.sha256")).unwrap(),
        manifest
    );
    let o = command(&done, 999, &["--resume"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("is a finished run of another job"),
        "{}",
        err(&o)
    );
}

#[test]
fn a_damaged_part_is_computed_again_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let samples = 200_000;
    let whole = dir.path().join("whole");
    assert!(command(&whole, samples, &[])
        .output()
        .unwrap()
        .status
        .success());
    // Killed once two of its 4 parts are durable.
    let cut = dir.path().join("cut");
    let partial = dir.path().join(".cut.partial");
    let mut child = command(&cut, samples, &[]).spawn().unwrap();
    let t0 = Instant::now();
    while durable_parts(&partial) < 2 {
        assert!(t0.elapsed().as_secs() < 120, "no parts were written");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!cut.exists(), "the run finished before its kill");
    // Flip one byte in the middle of the first part's data.
    let part = partial.join("part-000000000000.parquet");
    let mut bytes = std::fs::read(&part).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&part, bytes).unwrap();
    let o = command(&cut, samples, &["--resume"]).output().unwrap();
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).contains("computed again"), "{}", err(&o));
    for f in FILES {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(cut.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs after the damaged part was computed again"
        );
    }
}

#[test]
fn an_engine_failure_names_its_chunk_keeps_the_rest_and_the_run_resumes_on_another_backend() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let partial = dir.path().join(".r.partial");
    // On lavapipe, the chunk from sample 139,264 fails as a lost device would (a failpoint).
    let run = |extra: &[&str], fail: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
        c.args(["run", CONFIG, "--samples", "200000"])
            .args(["--set", "run.chunk_size=8192", "--out"])
            .arg(&out)
            .args(extra);
        if fail {
            c.env("DISPERSA_FAILPOINT_CHUNK", "139264").arg("--quiet");
        }
        c.output().unwrap()
    };
    let o = run(&["--backend", "gpu", "--precision", "f64"], true);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("samples 139264 to 147455") && err(&o).contains("--resume"),
        "{}",
        err(&o)
    );
    // The chunks before it: two whole parts and the part in flight (131,072..139,264), kept.
    assert_eq!(durable_parts(&partial), 3);
    let o = run(&["--backend", "cpu", "--resume"], false);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains("139264 samples were finished"),
        "{}",
        err(&o)
    );
    // The summary names both engines too, where it named the last one alone.
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains("the run's samples were computed by: ") && said.contains("; CPU reference"),
        "{said}"
    );
    let f = std::fs::File::open(out.join("samples.parquet")).unwrap();
    let builder =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    // Both engines computed the run, and its files say so, as a merge of such shards does (it
    // carried the last engine's label alone until 2026-12-05).
    let backend = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .find(|k| k.key == "dispersa.backend")
        .and_then(|k| k.value.clone());
    assert_eq!(backend.as_deref(), Some("gpu; cpu"));
    let r = builder.build().unwrap();
    let mut next = 0u64;
    for b in r {
        let b = b.unwrap();
        let s = b
            .column_by_name("sample")
            .unwrap()
            .as_any()
            .downcast_ref::<arrow_array::Int64Array>()
            .unwrap()
            .clone();
        for v in s.values() {
            assert_eq!(*v as u64, next, "samples out of order or missing");
            next += 1;
        }
    }
    assert_eq!(next, 200_000);
}

/// The statistics' first pass (counts, probabilities, the sensitivities' samples) and the
/// footprint's bootstrap gathered in the writer thread as the chunks are written (a run on a
/// GPU engine) and gathered in passes over the files after the last chunk (the CPU engine, a
/// resumed run, a merge), and each metric's values held for the exact percentiles' passes or
/// read from the files for each (the switch's 0 does the latter): the same outputs byte for
/// byte. Forced either way, a run panics where
/// the gathered values disagree with the files rather than falling back to them, so equal files
/// mean the gathered values were used. Two configs: the ballistic bench at 20,000 samples in
/// chunks of 3,000, so that chunks and the bootstrap's blocks of 8,192 points fall across each
/// other; the default Tianwen-2 config (a target, probabilities, winds) at 9,000 samples.
#[test]
fn statistics_gathered_beside_the_propagation_equal_those_gathered_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let tianwen2 = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");
    for (config, samples, chunk) in [(CONFIG, 20_000, 3_000), (tianwen2, 9_000, 2_000)] {
        let run = |name: &str, beside: &str| {
            let out = dir.path().join(name);
            let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
                .args(["run", config, "--backend", "cpu", "--quiet"])
                .args(["--samples", &samples.to_string()])
                .args(["--set", &format!("run.chunk_size={chunk}"), "--out"])
                .arg(&out)
                .env("DISPERSA_GATHER_IN_FLIGHT", beside)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .output()
                .unwrap();
            assert!(o.status.success(), "{config}: {}", err(&o));
            out
        };
        let tag = samples.to_string();
        let (beside, after) = (run(&format!("b{tag}"), "1"), run(&format!("a{tag}"), "0"));
        for f in FILES {
            let a = std::fs::read(beside.join(f)).unwrap();
            let b = std::fs::read(after.join(f)).unwrap();
            assert!(a == b, "{config}: {f} differs");
        }
        check_intervals(&after);
    }
}

/// The footprint's bootstrap intervals exist in a run's summary (a summary without them would
/// compare equal too).
fn check_intervals(after: &Path) {
    let f = std::fs::File::open(after.join("summary.parquet")).unwrap();
    let r = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let mut found = false;
    for b in r {
        let b = b.unwrap();
        let col = |n: &str| b.column_by_name(n).unwrap().clone();
        let metric = col("metric");
        let metric = metric
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        let low = col("ci_low");
        let low = low
            .as_any()
            .downcast_ref::<arrow_array::Float64Array>()
            .unwrap();
        for i in 0..b.num_rows() {
            if metric.value(i) == "footprint_semi_major_km" {
                use arrow_array::Array;
                assert!(low.is_valid(i) && low.value(i) > 0.0, "no interval");
                found = true;
            }
        }
    }
    assert!(found, "no footprint row");
}

/// An interrupted run (GPU, f64, 200,000 samples of the ballistic config, cut at its third
/// part) whose first part is rewritten by `change` (its checksum entered again), resumed on the
/// CPU: the resume's exit code and message, with the part's name and the partial directory.
fn resume_after_rewriting_the_first_part(
    dir: &Path,
    change: impl Fn(arrow_array::RecordBatch) -> arrow_array::RecordBatch,
) -> (Output, std::path::PathBuf, std::path::PathBuf) {
    let out = dir.join("r");
    let partial = dir.join(".r.partial");
    let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
    c.args(["run", CONFIG, "--samples", "200000", "--backend", "gpu"])
        .args(["--precision", "f64", "--quiet"])
        .args(["--set", "run.chunk_size=8192", "--out"])
        .arg(&out)
        .env("DISPERSA_FAILPOINT_CHUNK", "139264");
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let name = "part-000000000000.parquet";
    let part = partial.join(name);
    common::rewrite_parquet(&part, change);
    dispersa::output::manifest::append(&partial, name).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
    c.args([
        "run",
        CONFIG,
        "--samples",
        "200000",
        "--backend",
        "cpu",
        "--quiet",
    ])
    .args(["--set", "run.chunk_size=8192", "--out"])
    .arg(&out)
    .arg("--resume");
    (c.output().unwrap(), part, out)
}

/// Finished samples that another build wrote with other columns (an output added between the
/// interruption and the resume) are refused before any work, naming the difference; the join
/// had failed at the end with Arrow's "number of columns must match" (a review, simulated as
/// here: the first part rewritten without one column).
#[test]
fn a_resume_refuses_parts_with_other_columns() {
    let dir = tempfile::tempdir().unwrap();
    let dropped = "failure_reason";
    let (o, part, out) = resume_after_rewriting_the_first_part(dir.path(), |r| {
        let keep: Vec<usize> = (0..r.num_columns())
            .filter(|&i| r.schema().field(i).name() != dropped)
            .collect();
        r.project(&keep).unwrap()
    });
    assert_ne!(o.status.code(), Some(0), "resumed: {}", err(&o));
    assert!(
        err(&o).contains("other columns than this build writes") && err(&o).contains(dropped),
        "{}",
        err(&o)
    );
    assert!(part.exists(), "the partial run was discarded");
    assert!(!out.exists());
}

/// The same columns of another type, as builds before 2026-12-06 wrote `sample` (uint64), are
/// refused before any work too: the join had failed after the work with Arrow's "column types
/// must match", and every later resume the same way (a review).
#[test]
fn a_resume_refuses_parts_with_other_column_types() {
    let dir = tempfile::tempdir().unwrap();
    let (o, part, out) =
        resume_after_rewriting_the_first_part(dir.path(), common::sample_as_uint64);
    assert_ne!(o.status.code(), Some(0), "resumed: {}", err(&o));
    assert!(
        err(&o).contains("hold column sample as UInt64, where this build writes Int64"),
        "{}",
        err(&o)
    );
    assert!(part.exists(), "the partial run was discarded");
    assert!(!out.exists());
}

/// SIGTERM (a scheduler's stop) and SIGINT (Ctrl-C) print where the finished parts are kept
/// and that `--resume` continues, then the process dies by the signal as it did with no
/// handler: a batch log showed exit 143 and nothing else (a batch user's trial). The resume
/// then finishes the run.
#[test]
fn a_stopped_run_says_where_its_parts_are_and_dies_by_the_signal() {
    use std::os::unix::process::ExitStatusExt as _;
    for (flag, number, name) in [("-TERM", 15, "SIGTERM"), ("-INT", 2, "SIGINT")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("r");
        let mut c = command(&out, 2_000_000, &[]);
        // The run starts with SIGINT and SIGTERM at their defaults whatever this test inherited
        // (a background job's SIGINT is ignored), and with SIGHUP ignored, as under nohup.
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt as _;
            c.pre_exec(|| {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGTERM, libc::SIG_DFL);
                libc::signal(libc::SIGHUP, libc::SIG_IGN);
                Ok(())
            });
        }
        let mut child = c.spawn().unwrap();
        let partial = dir.path().join(".r.partial");
        let t0 = Instant::now();
        while durable_parts(&partial) == 0 {
            assert!(t0.elapsed().as_secs() < 120, "no part was written");
            std::thread::sleep(Duration::from_millis(50));
        }
        // A signal ignored at start stays ignored (nohup keeps its meaning: a review).
        let hup = Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(hup.success());
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            child.try_wait().unwrap().is_none(),
            "SIGHUP stopped a run that ignored it"
        );
        let killed = Command::new("kill")
            .args([flag, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.signal(), Some(number), "{name}: {:?}", o.status);
        let said = err(&o);
        // The samples kept are counted when the signal comes: whole parts of 65,536.
        let kept = format!(
            " samples of the run's closed parts are kept in {}; the same command with --resume \
             computes only the rest",
            partial.display()
        );
        let count = said
            .split_once(&format!("dispersa: error: stopped by {name}: the "))
            .and_then(|(_, rest)| rest.split_once(&kept))
            .map(|(n, _)| n.parse::<u64>());
        assert!(
            matches!(count, Some(Ok(n)) if n > 0 && n % 65_536 == 0),
            "{name}: {said}"
        );
        // What it names is what the README says: --resume goes on from there.
        let o = command(&out, 2_000_000, &["--resume"]).output().unwrap();
        assert!(o.status.success(), "{name}: {}", err(&o));
        assert!(out.join("samples.parquet").is_file());
    }
}
