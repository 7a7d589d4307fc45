//! The output directory that nothing can damage (issue 10, point 6): --force replaces only what
//! dispersa wrote, a second writer is refused, a kill inside the final swap is recovered, and
//! every late-failing form of --out is refused before any work.

use dispersa::output::DirKind;
use std::path::Path;
use std::process::{Command, Output};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");

fn run(cwd: &Path, out: &str, force: bool) -> Output {
    run_with(cwd, out, force, &[])
}

/// [`run`] with more arguments.
fn run_with(cwd: &Path, out: &str, force: bool, more: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dispersa"));
    c.current_dir(cwd).args([
        "run",
        CONFIG,
        "--samples",
        "4",
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        out,
    ]);
    if force {
        c.arg("--force");
    }
    c.args(more).output().unwrap()
}

/// `chattr FLAG PATH` (the immutable attribute, `+i` or `-i`), and whether it took.
fn chattr(flag: &str, path: &Path) -> bool {
    Command::new("chattr")
        .args([flag, path.to_str().unwrap()])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

#[test]
fn force_replaces_only_what_dispersa_wrote_and_nothing_that_holds_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A directory of the user's.
    std::fs::create_dir(d.join("mine")).unwrap();
    std::fs::write(d.join("mine/notes.txt"), "keep me").unwrap();
    // Without --force the message must not suggest the flag that would be refused next.
    let o = run(d, "mine", false);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("not written by dispersa") && !err(&o).contains("pass --force"),
        "{}",
        err(&o)
    );
    let o = run(d, "mine", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("not written by dispersa"), "{}", err(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("mine/notes.txt")).unwrap(),
        "keep me"
    );
    // A results directory that holds runs.
    assert_eq!(run(d, "results/a", false).status.code(), Some(0));
    let o = run(d, "results", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(d.join("results/a/samples.parquet").exists());
    // A run that holds another run (moved there: writing a run inside a run is refused,
    // tests/bad_input.rs).
    assert_eq!(run(d, "outer", false).status.code(), Some(0));
    assert_eq!(run(d, "inner", false).status.code(), Some(0));
    std::fs::rename(d.join("inner"), d.join("outer/inner")).unwrap();
    let o = run(d, "outer", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("holds another dispersa output"),
        "{}",
        err(&o)
    );
    assert!(d.join("outer/inner/samples.parquet").exists());
    // An earlier run of its own: replaced.
    let o = run(d, "results/a", true);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // `report --out DIR --force` on a directory that holds runs.
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .current_dir(d)
        .args(["report", "results/a", "--out", "results", "--force"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(d.join("results/a/samples.parquet").exists());
    // Refused or done, no command leaves its lock file behind.
    for dir in [d.to_path_buf(), d.join("results"), d.join("outer")] {
        let locks: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| n.ends_with(".lock"))
            .collect();
        assert!(locks.is_empty(), "{}: {locks:?}", dir.display());
    }
}

#[test]
fn a_second_writer_is_refused_while_the_first_holds_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("busy");
    // This test process plays the first writer: it holds the lock.
    let lock = dispersa::output::claim_out_dir(&out, DirKind::Run, false, &mut |_| {}).unwrap();
    let o = run(dir.path(), "busy", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("another dispersa process is writing it"),
        "{}",
        err(&o)
    );
    drop(lock);
    let o = run(dir.path(), "busy", false);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
}

#[test]
fn a_kill_inside_the_swap_is_recovered_by_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "r", false).status.code(), Some(0));
    // Killed between the two renames: the old run aside (as RunDir::commit names it), --out
    // absent.
    std::fs::rename(d.join("r"), d.join(".r.replaced")).unwrap();
    let o = run(d, "r", false);
    assert!(err(&o).contains("restored"), "{}", err(&o));
    // Restored first, so without --force the run is refused and nothing is lost.
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(d.join("r/samples.parquet").exists());
    assert!(!d.join(".r.replaced").exists());
    // Killed after the new run was in place but before the old one was removed (the name
    // earlier builds gave it).
    std::fs::create_dir(d.join(".r.partial-424243.replaced")).unwrap();
    for f in [".dispersa", "samples.parquet"] {
        std::fs::copy(
            d.join("r").join(f),
            d.join(".r.partial-424243.replaced").join(f),
        )
        .unwrap();
    }
    let o = run(d, "r", true);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(err(&o).contains("removed"), "{}", err(&o));
    assert!(!d.join(".r.partial-424243.replaced").exists());
    // Killed inside the trial move that --force makes before the work: --out absent, put back.
    std::fs::rename(d.join("r"), d.join(".r.moving")).unwrap();
    let o = run(d, "r", false);
    assert!(err(&o).contains("restored"), "{}", err(&o));
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(d.join("r/samples.parquet").exists() && !d.join(".r.moving").exists());
    // The same with a directory made at --out meanwhile: both kept, and the choice left to
    // the user (under the commit's name the moved one would have been deleted: a review).
    std::fs::rename(d.join("r"), d.join(".r.moving")).unwrap();
    std::fs::create_dir(d.join("r")).unwrap();
    let o = run(d, "r", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("keep the one you want"), "{}", err(&o));
    assert!(d.join(".r.moving/samples.parquet").exists());
    // Killed inside the swap, and an empty directory made at --out since: the old output aside
    // is kept, as it may be the only copy (a review: it was deleted, being taken for replaced).
    std::fs::remove_dir(d.join("r")).unwrap();
    std::fs::rename(d.join(".r.moving"), d.join(".r.replaced")).unwrap();
    std::fs::create_dir(d.join("r")).unwrap();
    let o = run(d, "r", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("keep the one you want"), "{}", err(&o));
    assert!(d.join(".r.replaced/samples.parquet").exists());
}

/// What a bad-input trial lost: folders of the user's under dispersa's temporary names beside
/// --out were renamed onto it or deleted, --force deleted the config being run and notes kept in
/// the run's directory, and a refusal left the parents of --out that it had made. Each is now
/// refused (exit 2) or undone, and the user's files are where they were.
#[test]
fn nothing_dispersa_did_not_write_is_moved_or_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for temp in [".o.replaced", ".o.partial", ".o.partial-mydata"] {
        std::fs::create_dir(d.join(temp)).unwrap();
        std::fs::write(d.join(temp).join("thesis.txt"), "keep me").unwrap();
        let o = run(d, "o", false);
        assert_eq!(o.status.code(), Some(2), "{temp}: {}", err(&o));
        assert!(
            err(&o).contains(&format!("{temp} beside it bears the name dispersa gives")),
            "{}",
            err(&o)
        );
        assert!(!d.join("o").exists(), "{temp} renamed onto o");
        assert_eq!(
            std::fs::read_to_string(d.join(temp).join("thesis.txt")).unwrap(),
            "keep me"
        );
        std::fs::remove_dir_all(d.join(temp)).unwrap();
    }
    // An empty one is a kill's leftover (between the directory's creation and its marker): taken.
    std::fs::create_dir(d.join(".o.partial")).unwrap();
    let o = run(d, "o", false);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // --force on a run's directory that also holds the user's files, beside and in its report.
    std::fs::copy(CONFIG, d.join("o/my.toml")).unwrap();
    std::fs::create_dir(d.join("o/report")).unwrap();
    std::fs::write(
        d.join("o/report/.dispersa"),
        "kind = \"report\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(d.join("o/report/report.html"), "<html/>").unwrap();
    std::fs::write(d.join("o/report/NOTES.md"), "keep me").unwrap();
    let o = run(d, "o", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("also holds what dispersa did not write")
            && err(&o).contains("my.toml")
            && err(&o).contains("NOTES.md")
            && !err(&o).contains("report.html"),
        "{}",
        err(&o)
    );
    assert!(d.join("o/my.toml").exists() && d.join("o/report/NOTES.md").exists());
    std::fs::remove_file(d.join("o/my.toml")).unwrap();
    std::fs::remove_file(d.join("o/report/NOTES.md")).unwrap();
    // What dispersa's own killed commands and a file manager leave are not the user's: a report
    // stopped by Ctrl-C leaves its lock and an empty temporary in the run (a review).
    std::fs::write(d.join("o/.report.lock"), "").unwrap();
    std::fs::create_dir(d.join("o/.report.partial")).unwrap();
    std::fs::write(d.join("o/.DS_Store"), "").unwrap();
    // But not while a command there holds its lock: --force would pull the directory from
    // under it (a second review).
    let held = std::fs::File::open(d.join("o/.report.lock")).unwrap();
    held.try_lock().unwrap();
    let o = run(d, "o", true);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains(".report.lock"), "{}", err(&o));
    drop(held);
    let o = run(d, "o", true);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // A run killed under builds that wrote `.NAME.partial-PID` without a marker left Parquet
    // files alone there: taken as dispersa's (a review).
    std::fs::create_dir(d.join(".o.partial-4242")).unwrap();
    std::fs::copy(
        d.join("o/samples.parquet"),
        d.join(".o.partial-4242/samples.parquet"),
    )
    .unwrap();
    let o = run(d, "o", true);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(!d.join(".o.partial-4242").exists());
    // A refusal after the lock removes the parents of --out that it made; one that exists stays.
    std::fs::create_dir(d.join("kept")).unwrap();
    for out in ["a/b/o", "kept/c/o"] {
        let o = run_with(d, out, false, &["--precision", "f32"]);
        assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    }
    assert!(!d.join("a").exists() && !d.join("kept/c").exists() && d.join("kept").is_dir());
    // Also where making them failed partway (a name too long for the file system).
    let long = format!("x1/{}/o", "a".repeat(300));
    let o = run(d, &long, false);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(!d.join("x1").exists(), "x1 left behind");
}

#[test]
fn every_late_failing_out_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling")).unwrap();
    std::fs::create_dir(d.join("y")).unwrap();
    std::fs::write(d.join("a_file"), "not a directory").unwrap();
    for (out, says) in [
        ("y/.", "must name a directory of its own"),
        ("y/..", "must name a directory of its own"),
        ("dangling", "symbolic link"),
        ("a_file/sub/run", "a_file is a file, not a directory"),
    ] {
        let o = run(d, out, true);
        assert_eq!(o.status.code(), Some(2), "--out {out}: {}", err(&o));
        assert!(err(&o).contains(says), "--out {out}: {}", err(&o));
    }
    // Nothing was written: the link still dangles, y is still empty.
    assert!(!d.join("nowhere").exists());
    assert_eq!(std::fs::read_dir(d.join("y")).unwrap().count(), 0);
}

#[test]
fn a_flipped_byte_in_a_data_page_is_refused_by_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "r", false).status.code(), Some(0));
    let samples = d.join("r/samples.parquet");
    let mut bytes = std::fs::read(&samples).unwrap();
    // Parquet's first 4 bytes are its magic; the data pages follow, the footer ends the file.
    let at = bytes.len() / 4;
    bytes[at] ^= 0x10;
    std::fs::write(&samples, bytes).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_dispersa"))
        .args(["report", "r"])
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("samples.parquet") && err(&o).contains("checksum"),
        "{}",
        err(&o)
    );
    assert!(
        !d.join("r/report").exists(),
        "a report was drawn from altered data"
    );
}

/// Another run's samples copied in over the line taken out of the manifest, and a manifest
/// emptied: report refuses both (it drew the other run's samples beside this run's summary,
/// and called the emptied file missing; a fuzzing trial).
#[test]
fn a_samples_file_not_in_the_manifest_or_an_emptied_manifest_is_refused_by_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(run(d, "r", false).status.code(), Some(0));
    let manifest = d.join("r/_manifest.sha256");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let report = || {
        Command::new(env!("CARGO_BIN_EXE_dispersa"))
            .args(["report", "r"])
            .current_dir(d)
            .output()
            .unwrap()
    };
    let kept: String = text
        .lines()
        .filter(|l| !l.ends_with("  samples.parquet"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, text, "the manifest lists samples.parquet");
    std::fs::write(&manifest, kept).unwrap();
    let o = report();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("samples.parquet: not in _manifest.sha256"),
        "{}",
        err(&o)
    );
    std::fs::write(&manifest, "").unwrap();
    let o = report();
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("_manifest.sha256: lists no file"),
        "{}",
        err(&o)
    );
    assert!(!d.join("r/report").exists(), "no report drawn");
}

/// An output that --force could not move aside when the run is done (here an immutable one)
/// is refused before the work, with exit 2 and nothing written beside it (a review: the whole
/// run was computed, then failed with exit 1 and left a `.partial`). Needs `chattr +i`, so root
/// on a file system with the attribute; where it cannot be set the test says so and returns.
#[test]
fn an_output_that_cannot_be_moved_aside_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, "old", false);
    assert!(o.status.success(), "{}", err(&o));
    let chattr = |flag: &str| chattr(flag, &d.join("old"));
    if !chattr("+i") {
        eprintln!("chattr +i is not available here: not tested");
        return;
    }
    let o = run(d, "old", true);
    let listed: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(
        chattr("-i"),
        "chattr -i failed: remove {} by hand",
        d.display()
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("cannot be moved aside"), "{}", err(&o));
    assert!(
        !err(&o).contains("samples/s"),
        "ran before refusing: {}",
        err(&o)
    );
    // The old run alone: no `.old.partial`, no `.old.replaced`.
    let mut listed = listed;
    listed.sort();
    assert_eq!(listed, ["old"], "{listed:?}");
    // Movable again, the same command replaces it.
    let o = run(d, "old", true);
    assert!(o.status.success(), "{}", err(&o));
}

/// An old output that --force moved aside but could not delete entirely (an immutable file in
/// it) is said at once, the new run being in place, and named for what it is by the next start,
/// which refuses until it is removed (a new-user trial: it was left unmarked and silent, and
/// every later run refused it as a directory "dispersa did not write"). Needs `chattr +i`, as
/// above.
#[test]
fn an_old_output_that_cannot_be_deleted_is_said_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(d, "old", false);
    assert!(o.status.success(), "{}", err(&o));
    let file = d.join("old/samples.parquet");
    if !chattr("+i", &file) {
        eprintln!("chattr +i is not available here: not tested");
        return;
    }
    let aside = d.join(".old.leftover");
    let first = run(d, "old", true);
    let second = run(d, "old", true);
    let stuck = aside.join("samples.parquet");
    let unlocked = chattr("-i", &stuck) || chattr("-i", &file);
    assert!(unlocked, "chattr -i failed: remove {} by hand", d.display());
    assert!(first.status.success(), "{}", err(&first));
    assert!(
        err(&first).contains("warning") && err(&first).contains("could not be removed entirely"),
        "{}",
        err(&first)
    );
    assert_eq!(second.status.code(), Some(2), "{}", err(&second));
    assert!(
        err(&second).contains("holds what is left of an output that an earlier run replaced")
            && !err(&second).contains("did not write"),
        "{}",
        err(&second)
    );
    // Removable again, the next start removes it and runs.
    let third = run(d, "old", true);
    assert!(third.status.success(), "{}", err(&third));
    assert!(!aside.exists(), "{} left", aside.display());
}
