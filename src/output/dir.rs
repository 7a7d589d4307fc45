//! The output directory, which nothing may damage: checked in every form before any work,
//! locked against a second writer, written as a hidden temporary sibling and renamed into place
//! when complete, and recovered after a kill in the middle of that swap.
//!
//! Beside `--out NAME` in its parent: `.NAME.lock` (the advisory lock, removed by its holder
//! when the command ends; a killed process leaves it, and the next takes it over), `.NAME.partial`
//! (a run in progress, or one interrupted: `--resume` continues it) and, for a moment while
//! swapping, `.NAME.replaced` (the directory being replaced); for a moment before the work,
//! `.NAME.moving` (`--out` itself, moved and put back to check that it can be); and, where the
//! old directory could not be removed entirely, `.NAME.leftover` (what is left of it, until the
//! user removes it). Every directory dispersa writes
//! holds a [`MARKER`] file naming what it is (and, for a run or a shard, which run: its
//! [`Identity`]), and `--force` replaces nothing else.

use super::{io, OutputError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The file that marks a directory dispersa wrote; its text names the kind and the version.
pub const MARKER: &str = ".dispersa";

/// What a dispersa output directory holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirKind {
    Run,
    Corridor,
    Report,
    /// A sharded run's dataset, `OUT`, holding `shard=K` directories.
    Shards,
    /// One shard of it, `OUT/shard=K`.
    Shard,
}

const KINDS: [DirKind; 5] = [
    DirKind::Run,
    DirKind::Corridor,
    DirKind::Report,
    DirKind::Shards,
    DirKind::Shard,
];

impl DirKind {
    fn name(self) -> &'static str {
        match self {
            DirKind::Run => "run",
            DirKind::Corridor => "corridor",
            DirKind::Report => "report",
            DirKind::Shards => "shards",
            DirKind::Shard => "shard",
        }
    }
}

/// Which run a directory holds: what decides its samples. A resumed run, and the shards a
/// merge joins, must all have the same (shards: but for `shard`'s first number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The config file's text, and the `--set` overrides, in order (a `--seed` last, as
    /// `run.seed`).
    pub config: String,
    pub overrides: Vec<String>,
    pub seed: u64,
    /// Samples of the whole run (of all shards together).
    pub samples: u64,
    pub nominal: bool,
    /// `[K, N]`: shard K of N.
    pub shard: Option<[u64; 2]>,
}

impl Identity {
    /// How `other` differs from this one, named as the user knows it; `None` if it does not.
    /// `same_run` ignores which shard of the run each is.
    pub fn difference(&self, other: &Identity, same_run: bool) -> Option<String> {
        // First, as `--seed` is typed: it is `run.seed` set last, which the settings below would
        // name as an override.
        if self.seed != other.seed {
            return Some(format!(
                "the seed differs ({} against {})",
                other.seed, self.seed
            ));
        }
        // Compared by the values they set, not as typed: the same overrides in another order
        // or spelling (`50` and `50.0`) were refused as another run's (a batch trial).
        let (mine, theirs) = (
            (self.config.as_str(), self.overrides.as_slice()),
            (other.config.as_str(), other.overrides.as_slice()),
        );
        if let Some(merged) = crate::config::settings_difference(theirs, mine) {
            // The first key whose effective value differs, blamed on what differs: the files'
            // own values, the overrides (compared by the values they set on this file, `1e-8`
            // and `1.0e-8` alike, and one that sets the file's own value is none), or both. A
            // file with one more comment was blamed for an override's difference, and a key
            // both overrode alike was named where the file's other key differed (two reviews).
            let empty: &[String] = &[];
            let files_differ = crate::config::settings_difference(
                (other.config.as_str(), empty),
                (self.config.as_str(), empty),
            )
            .is_some();
            // Both lists applied to the same file: on an empty one, a whole table set
            // (`planet={model=...}`) and one key of it set alike, where against a file the
            // first drops the file's other keys (a review).
            let sets_differ = crate::config::settings_difference(
                (self.config.as_str(), other.overrides.as_slice()),
                (self.config.as_str(), self.overrides.as_slice()),
            )
            .is_some();
            let sets = format!("{:?} against {:?}", other.overrides, self.overrides);
            return Some(match (files_differ, sets_differ) {
                (true, false) => format!("the config file's values differ, {merged}"),
                (false, _) => format!("the --set overrides differ ({sets}), {merged}"),
                (true, true) => format!(
                    "the config file's values and the --set overrides differ ({sets}), {merged}"
                ),
            });
        }
        if self.samples != other.samples {
            return Some(format!(
                "the sample count differs ({} against {})",
                other.samples, self.samples
            ));
        }
        if self.nominal != other.nominal {
            return Some("one is --nominal, the other is not".into());
        }
        let shown =
            |s: Option<[u64; 2]>| s.map_or("unsharded".into(), |[k, n]| format!("shard {k}/{n}"));
        let differs = match (self.shard, other.shard) {
            (Some([_, a]), Some([_, b])) if same_run => a != b,
            (a, b) => a != b,
        };
        // Shards of another count are named so, not by their indices alone ("shard 0/3
        // against shard 0/4", a cluster user's trial).
        differs.then(|| match (self.shard, other.shard) {
            (Some([_, a]), Some([_, b])) if a != b => format!(
                "the shard count differs ({b} against {a}: {} against {})",
                shown(other.shard),
                shown(self.shard)
            ),
            _ => format!("{} against {}", shown(other.shard), shown(self.shard)),
        })
    }
}

/// The marker file's content.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    kind: String,
    version: String,
    identity: Option<Identity>,
    /// A report's: the directory it reports (absolute), so that a report of another run is
    /// not replaced without --force.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

/// Write `dir`'s marker (through a temporary file, so a reader never sees half of one).
pub fn write_marker(
    dir: &Path,
    kind: DirKind,
    identity: Option<&Identity>,
) -> Result<(), OutputError> {
    write_marker_of(dir, kind, identity, None)
}

fn write_marker_of(
    dir: &Path,
    kind: DirKind,
    identity: Option<&Identity>,
    source: Option<&Path>,
) -> Result<(), OutputError> {
    let marker = Marker {
        kind: kind.name().into(),
        version: env!("CARGO_PKG_VERSION").into(),
        identity: identity.cloned(),
        source: source.map(|s| s.display().to_string()),
    };
    let text = format!(
        "# written by dispersa: --force may replace this directory\n{}",
        toml::to_string(&marker).expect("a marker serialises")
    );
    let path = dir.join(MARKER);
    let tmp = dir.join(format!("{MARKER}.tmp-{}", unique_tag()));
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(io(format!("writing {}", path.display())))
}

/// A name part no other process makes: the host, the process id and a per-process random
/// number. The process id alone is not enough where shards start together on a shared volume:
/// every Kubernetes pod runs its command as process 1 (an audit saw 2 of 100 such shards fail
/// on each other's `.NAME.creating-1`).
fn unique_tag() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    // At most 32 characters of it, so that the name stays far inside a file name's 255.
    let host: String = host
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(32)
        .collect();
    // Seeded at random for each process by the standard library.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNT.fetch_add(1, Ordering::Relaxed));
    format!("{host}-{}-{:016x}", std::process::id(), h.finish())
}

/// The identity in `dir`'s marker, if it has one.
pub fn read_identity(dir: &Path) -> Option<Identity> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    toml::from_str::<Marker>(&text).ok()?.identity
}

/// What a finished output directory is to a job: `Some(None)` a run of this job,
/// `Some(Some(why))` another job's (why: the first difference), None when its marker names no
/// run (or there is none). `--resume` succeeds on the first with nothing to do and names the
/// second.
pub fn finished_by(dir: &Path, identity: &Identity) -> Option<Option<String>> {
    read_identity(dir).map(|theirs| theirs.difference(identity, false))
}

/// The directory a report in `dir` reports, as its marker records it (None for a report
/// written before the markers recorded it, or for no report).
pub fn report_source(dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    let marker: Marker = toml::from_str(&text).ok()?;
    (marker.kind == DirKind::Report.name())
        .then_some(marker.source)
        .flatten()
        .map(PathBuf::from)
}

/// The kind `dir`'s `.dispersa` marker names, if it has one.
fn marker_kind(dir: &Path) -> Option<DirKind> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    KINDS
        .into_iter()
        .find(|kind| text.contains(&format!("kind = \"{}\"", kind.name())))
}

/// What dispersa wrote `dir` as: its marker, or for directories from before the markers, the
/// files that only a run, a corridor or a report has.
pub fn written_by_dispersa(dir: &Path) -> Option<DirKind> {
    if let Some(kind) = marker_kind(dir) {
        return Some(kind);
    }
    if dir.join("samples.parquet").is_file() && dir.join("summary.parquet").is_file() {
        Some(DirKind::Run)
    } else if dir.join("corridor.parquet").is_file() {
        Some(DirKind::Corridor)
    } else if dir.join("report.html").is_file() {
        Some(DirKind::Report)
    } else {
        None
    }
}

/// Why `dir` is no dataset though it holds a shard dataset's `shard=K` directories: it lacks
/// the dataset's own marker, as a dataset copied with a glob (`cp -r OUT/* DEST`) does, which
/// leaves the dot files behind (a batch trial was told the marker "does not say" its kind).
/// None where it has a marker or no shard directory.
pub fn shards_without_marker(dir: &Path) -> Option<String> {
    if dir.join(MARKER).exists() {
        return None;
    }
    let shard_dir = |e: &std::fs::DirEntry| {
        e.file_name().to_string_lossy().starts_with("shard=") && e.path().join(MARKER).is_file()
    };
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .any(|e| shard_dir(&e))
        .then(|| {
            format!(
                "{}: holds the shard=K directories of a sharded run but not the dataset's {MARKER} \
                 marker (copied without its dot files, as `cp -r OUT/* DEST` does?): copy the \
                 dataset's directory itself (`cp -r OUT DEST`), or its {MARKER} file too",
                dir.display()
            )
        })
}

/// A run or a corridor somewhere below `dir` (not `dir` itself; reports may be nested, as a
/// run's `report/` is), looked for 4 levels deep.
fn nested_run(dir: &Path, depth: usize) -> Option<PathBuf> {
    if depth == 0 {
        return None;
    }
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir {
            continue;
        }
        if matches!(
            written_by_dispersa(&path),
            Some(DirKind::Run | DirKind::Corridor | DirKind::Shards | DirKind::Shard)
        ) {
            return Some(path);
        }
        if let Some(p) = nested_run(&path, depth - 1) {
            return Some(p);
        }
    }
    None
}

/// The advisory lock on an output directory, held until dropped. Dropping it removes the lock
/// file (still holding the lock), so that nothing is left beside `--out` once the command ends,
/// whether it wrote the directory or refused its input. A process that opened the file before
/// it went and locks it afterwards finds the path gone or another file there, and opens it again
/// ([`lock_out_dir`]): two processes never both hold the lock of one directory.
///
/// It also removes the directories above `--out` that taking it created, where they are still
/// empty: a command refused after the lock left them behind (exit 2 with `a/b` made for
/// `--out a/b/o`, a bad-input trial), and a finished one has filled them.
#[derive(Debug)]
pub struct OutLock {
    file: File,
    path: PathBuf,
    /// Directories created for the lock (dropped after the lock file is removed).
    _created: MadeDirs,
}

/// Directories created, deepest first: each removed when dropped while empty, until one is not.
#[derive(Debug)]
struct MadeDirs(Vec<PathBuf>);

impl Drop for MadeDirs {
    fn drop(&mut self) {
        // Each one tried: past one never made (a creation that failed partway: a review found
        // `x1` left of `x1/<300 a's>/o`); one that is not empty stays, and so do those above it.
        for dir in &self.0 {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Only the file this lock holds: never one that another process has created since
        // (where the inode cannot be compared, the file is kept).
        if cfg!(unix) && same_file(&self.file, &self.path) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Whether `path` names the file open as `file` (the same device and inode).
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere the path is taken to name the file (and [`OutLock`] keeps the file).
#[cfg(not(unix))]
fn same_file(_file: &File, _path: &Path) -> bool {
    true
}

fn parent_and_name(out: &Path) -> (PathBuf, String) {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    (parent, name)
}

/// The advisory lock of output directory `out` (`.NAME.lock` beside it, created if need be),
/// taken without waiting: the message says who holds it.
pub fn lock_out_dir(out: &Path) -> Result<OutLock, String> {
    let shown = out.display();
    let (parent, name) = parent_and_name(out);
    // Removed again if this fails, and when the lock is dropped if still empty.
    let created = MadeDirs(
        parent
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
            .map(Path::to_path_buf)
            .collect(),
    );
    std::fs::create_dir_all(&parent).map_err(|e| {
        // A file on the way is named as such ("File exists" named the wrong problem).
        match parent.ancestors().find(|a| a.exists()) {
            Some(a) if !a.is_dir() => {
                format!("--out {shown}: {} is a file, not a directory", a.display())
            }
            _ => format!("--out {shown}: cannot create {}: {e}", parent.display()),
        }
    })?;
    let lock_path = parent.join(format!(".{name}.lock"));
    // A holder that ends removes the file after this process may have opened it: the lock is
    // then on a file no longer at the path, and the path is opened again (a few times at most:
    // each retry needs another process to have come and gone in between).
    for _ in 0..8 {
        let existed = lock_path.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                format!(
                    "--out {shown}: cannot create its lock {}: {e}",
                    lock_path.display()
                )
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "--out {shown}: another dispersa process is writing it (it holds {}); wait \
                     for it to finish, or choose another --out",
                    lock_path.display()
                ))
            }
            Err(std::fs::TryLockError::Error(e)) => {
                // Nothing left behind by a refusal: the file this attempt created goes (a
                // process that opened it meanwhile finds it gone and opens the path again).
                if !existed {
                    let _ = std::fs::remove_file(&lock_path);
                }
                return Err(format!(
                    "--out {shown}: locking {}: {e}",
                    lock_path.display()
                ));
            }
        }
        if same_file(&file, &lock_path) {
            return Ok(OutLock {
                file,
                path: lock_path,
                _created: created,
            });
        }
    }
    Err(format!(
        "--out {shown}: its lock {} keeps changing hands; wait for the other dispersa processes \
         writing it to finish",
        lock_path.display()
    ))
}

/// Take `out` for writing, before any work: refuse every form of `--out` that would fail late
/// or destroy more than an earlier output (a message for the user, exit 2), lock it against a
/// second writer, and recover what a kill during an earlier swap left. `replace` allows
/// replacing a non-empty directory, only one that dispersa wrote and that holds no other run.
/// Returns the lock; `notice` receives one line for each recovery.
pub fn claim_out_dir(
    out: &Path,
    kind: DirKind,
    replace: bool,
    notice: &mut dyn FnMut(String),
) -> Result<OutLock, String> {
    let shown = out.display();
    check_not_inside_output(out, kind)?;
    let raw = out.as_os_str().to_string_lossy();
    let last = raw.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if out.file_name().is_none() || last == "." || last == ".." || raw.is_empty() {
        return Err(format!(
            "--out {shown} must name a directory of its own (not `.`, `..` or `/`)"
        ));
    }
    if std::fs::symlink_metadata(out).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(format!(
            "--out {shown} is a symbolic link{}; give the directory itself",
            if out.exists() { "" } else { " to nothing" }
        ));
    }
    let (parent, name) = parent_and_name(out);
    let lock = lock_out_dir(out)?;
    check_temporaries(&parent, &name, out)?;
    for note in recover_swap(&parent, &name, out)? {
        notice(note);
    }
    check_target(out, replace)?;
    Ok(lock)
}

/// `out` may lie inside another dispersa output only where the layout puts it, as the
/// directory's own child: a shard in its dataset, a report in a run, corridor or dataset
/// (`RUN/report`, `OUT/_report`). Anywhere else the outer directory could no longer be
/// reported or replaced (it "holds another dispersa output"), and its files would be taken
/// for the inner one's (a new-user trial wrote a run over a run's report, and then neither
/// could be redone).
///
/// Only a `.dispersa` marker marks an enclosing directory: the file names that stand for one
/// in directories from before the markers (`written_by_dispersa`) are common enough in a
/// project folder that a `report.html` of the user's refused every run below it (a review).
/// The path is made absolute and its `..` resolved first (`RUN/../sib` is beside RUN).
pub fn check_not_inside_output(out: &Path, kind: DirKind) -> Result<(), String> {
    let Ok(abs) = std::path::absolute(out) else {
        return Ok(());
    };
    let mut clean = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                clean.pop();
            }
            std::path::Component::CurDir => {}
            other => clean.push(other),
        }
    }
    for (depth, anc) in clean.ancestors().skip(1).enumerate() {
        let Some(outer) = marker_kind(anc) else {
            continue;
        };
        let allowed = depth == 0
            && match kind {
                DirKind::Shard => outer == DirKind::Shards,
                DirKind::Report => {
                    matches!(outer, DirKind::Run | DirKind::Corridor | DirKind::Shards)
                }
                _ => false,
            };
        if !allowed {
            return Err(format!(
                "--out {} lies inside {}, which dispersa wrote (a {}): a {} there would be \
                 taken for part of it, and it could no longer be reported or replaced; write \
                 it beside it instead",
                out.display(),
                anc.display(),
                outer.name(),
                kind.name()
            ));
        }
    }
    Ok(())
}

/// Whether `name`, beside `--out NAME`, is one of the temporary names dispersa writes there and
/// later removes or renames: `.NAME.partial` (and earlier builds' `.NAME.partial-...`),
/// `.NAME.replaced` (an old output during the swap), `.NAME.moving` (during the trial move) and
/// `.NAME.leftover` (what could not be removed of an old output).
fn is_temporary(file: &str, name: &str) -> bool {
    file == format!(".{name}.partial")
        || file == format!(".{name}.replaced")
        || file == format!(".{name}.moving")
        || file == format!(".{name}.leftover")
        || file.starts_with(&format!(".{name}.partial-"))
}

/// Refuse (the message, for the user) a directory beside `out` that bears one of dispersa's
/// temporary names ([`is_temporary`]) but that dispersa did not write: no marker and not empty
/// (an empty one is a kill's leftover between its creation and its marker), or not a directory.
/// Such a name was renamed onto `out` or deleted unread (a folder of the user's named
/// `.o.replaced` became `o`, and another deleted, a bad-input trial).
fn check_temporaries(parent: &Path, name: &str, out: &Path) -> Result<(), String> {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        if !is_temporary(&file, name) {
            continue;
        }
        let path = e.path();
        let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
        if !is_dir || !temporary_of_ours(&path, file.starts_with(&format!(".{name}.partial-"))) {
            // What could not be removed of an old output can be left unmarked (one from before
            // the markers, or an earlier build's: `RunDir::commit`).
            if is_dir && (file.ends_with(".replaced") || file.ends_with(".leftover")) {
                return Err(format!(
                    "--out {}: {} beside it bears the name dispersa gives an old output that it \
                     replaces (.NAME.replaced while it swaps them, .NAME.leftover for what it \
                     could not remove), but holds no {MARKER} marker, so dispersa cannot tell it \
                     is its own (what could not be removed of an old output can be left so); \
                     look into it, then remove it or move it away",
                    out.display(),
                    path.display()
                ));
            }
            return Err(format!(
                "--out {}: {} beside it bears the name dispersa gives its temporary directories \
                 there, but dispersa did not write it (no {MARKER} marker), and it would be \
                 renamed or removed; move or rename it, or choose another --out",
                out.display(),
                path.display()
            ));
        }
    }
    Ok(())
}

/// Whether `dir`, under one of dispersa's temporary names, is dispersa's: empty (killed between
/// its creation and its marker) or marked; with `legacy` (an earlier build's `.NAME.partial-PID`,
/// written without a marker) also Parquet files alone (a review: such a killed run was refused).
fn temporary_of_ours(dir: &Path, legacy: bool) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    let files: Vec<std::fs::DirEntry> = entries.flatten().collect();
    files.is_empty()
        || written_by_dispersa(dir).is_some()
        || (legacy
            && files.iter().all(|f| {
                f.path().extension().is_some_and(|x| x == "parquet")
                    && f.file_type().is_ok_and(|t| t.is_file())
            }))
}

/// Whether `path` (named `name`, inside an output) is what dispersa's own work or a file
/// manager leaves there: the lock of a command killed there while no one holds it, and its
/// temporaries when they are dispersa's ([`temporary_of_ours`]) (`dispersa report RUN` stopped
/// by Ctrl-C leaves `.report.lock` and `.report.partial` in RUN, and --force then refused RUN:
/// a review; a lock still held is a command at work, which --force must not pull the directory
/// from under: a second review); a marker or a manifest being written; the Finder's
/// `.DS_Store` and `._*` files.
fn own_leftover(path: &Path, name: &str) -> bool {
    let is_file = path.is_file();
    if name.starts_with('.') && name.ends_with(".lock") && is_file {
        return std::fs::File::open(path).is_ok_and(|f| match f.try_lock() {
            Ok(()) => {
                let _ = f.unlock();
                true
            }
            Err(_) => false,
        });
    }
    let temporary = name.starts_with('.')
        && (name.ends_with(".partial")
            || name.ends_with(".replaced")
            || name.ends_with(".moving")
            || name.ends_with(".leftover")
            || name.contains(".partial-")
            || name.contains(".creating-"));
    if temporary && path.is_dir() {
        return temporary_of_ours(path, name.contains(".partial-"));
    }
    is_file
        && (name.starts_with(MARKER)
            || name.starts_with(super::manifest::MANIFEST)
            || name == ".DS_Store"
            || name.starts_with("._"))
}

/// What inside `dir`, a marked dispersa output, dispersa did not write, as far as it can tell
/// (a report's pages and figures, the files its checksum manifest lists or, in a directory
/// without one, Parquet files; its marker and manifest; shard directories; marked directories
/// inside, looked into in turn): `--force` would delete them with it (a trial's config and
/// notes in a run's directory went without a word). Nothing for a directory without a marker
/// (from before the markers, recognised by its files).
fn foreign_entries(dir: &Path, depth: usize) -> Vec<PathBuf> {
    let mut foreign = Vec::new();
    let Some(kind) = marker_kind(dir) else {
        return foreign;
    };
    let listed = super::manifest::read(dir).ok().filter(|m| !m.is_empty());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return foreign;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let path = e.path();
        if name == MARKER || name == super::manifest::MANIFEST || own_leftover(&path, &name) {
            continue;
        }
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            if marker_kind(&path).is_some() && depth > 0 {
                foreign.extend(foreign_entries(&path, depth - 1));
            } else if !(name.starts_with("shard=")
                || (name.starts_with(".shard=") && name.ends_with(".partial")))
            {
                foreign.push(path);
            }
            continue;
        }
        let ext = path.extension().map(|x| x.to_string_lossy().to_string());
        let ext = ext.as_deref().unwrap_or("");
        let ours = match &listed {
            Some(m) => m.contains_key(&name),
            None => ext == "parquet",
        } || (kind == DirKind::Report && matches!(ext, "png" | "svg" | "html"));
        if !ours {
            foreign.push(path);
        }
    }
    foreign.sort();
    foreign
}

/// Remove an old output moved aside (`.NAME.replaced`). Where that fails part-way (an
/// immutable file inside: a new-user trial), what is left is marked again as dispersa's, so
/// that the next start names it for what it is: unmarked, it was refused as a directory
/// "dispersa did not write".
fn remove_old_output(aside: &Path) -> std::io::Result<()> {
    let marker = std::fs::read(aside.join(MARKER)).ok();
    std::fs::remove_dir_all(aside).inspect_err(|_| {
        if let Some(m) = marker {
            let _ = std::fs::write(aside.join(MARKER), m);
        }
    })
}

/// A kill between the two renames of [`RunDir::commit`] leaves the old directory aside
/// (`.NAME.replaced`; earlier builds: `.NAME.partial-PID.replaced`): put it back when `out` is
/// missing, else (the new one is in place) remove it. A kill inside [`check_movable`]'s trial
/// leaves `out` itself at `.NAME.moving`: put back, and never removed. What a commit could not
/// remove (`.NAME.leftover`) is removed, or refused until it is removed by hand.
fn recover_swap(parent: &Path, name: &str, out: &Path) -> Result<Vec<String>, String> {
    let mut notes = Vec::new();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Ok(notes);
    };
    // `out` put back from `aside`, and the note that says so.
    let restore = |aside: &Path, why: &str| -> Result<String, String> {
        std::fs::rename(aside, out).map_err(|err| {
            format!(
                "restoring {} from {}: {err}",
                out.display(),
                aside.display()
            )
        })?;
        Ok(format!(
            "restored {} from {}: {why}",
            out.display(),
            aside.display()
        ))
    };
    let (replaced, moving, leftover) = (
        format!(".{name}.replaced"),
        format!(".{name}.moving"),
        format!(".{name}.leftover"),
    );
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let aside = e.path();
        if file == moving {
            // `out` itself, moved by the trial of [`check_movable`]: put back, never removed
            // (something made `out` again meanwhile: both are the user's to sort out).
            if out.exists() {
                return Err(format!(
                    "{} is {} as it was before a trial move that was not undone, and {} exists \
                     again beside it; keep the one you want as {}, then run again",
                    aside.display(),
                    out.display(),
                    out.display(),
                    out.display()
                ));
            }
            notes.push(restore(
                &aside,
                "an earlier command was stopped while checking that it could be moved",
            )?);
        } else if file == leftover {
            // What an earlier commit could not remove entirely: never restored.
            remove_old_output(&aside).map_err(|err| {
                format!(
                    "{} holds what is left of an output that an earlier run replaced at {}, \
                     which could not be removed ({err}); remove it by hand (make what is \
                     immutable in it mutable first), then run again",
                    aside.display(),
                    out.display()
                )
            })?;
            notes.push(format!(
                "removed {}: what was left of an output that an earlier run replaced",
                aside.display()
            ));
        } else if file == replaced
            || (file.starts_with(&format!(".{name}.partial-")) && file.ends_with(".replaced"))
        {
            if !out.exists() {
                notes.push(restore(
                    &aside,
                    "an earlier run was stopped while replacing it",
                )?);
            } else if written_by_dispersa(out).is_none() {
                // Not the new output in place (an empty directory made at `out` after a kill
                // between the swap's renames): the moved one may be the only copy (a review).
                return Err(format!(
                    "{} holds the output that an earlier run was replacing at {}, and {} exists \
                     again but is no dispersa output; keep the one you want as {}, then run again",
                    aside.display(),
                    out.display(),
                    out.display(),
                    out.display()
                ));
            } else {
                remove_old_output(&aside).map_err(|err| {
                    format!(
                        "{} holds what an earlier run replaced at {}, and it cannot be removed \
                         ({err}); remove it by hand (make what is immutable in it mutable \
                         first), then run again",
                        aside.display(),
                        out.display()
                    )
                })?;
                notes.push(format!(
                    "removed {}: what {} held before an earlier run replaced it (that run was \
                     stopped before removing it)",
                    aside.display(),
                    out.display()
                ));
            }
        }
    }
    Ok(notes)
}

/// The checks of an existing `out`: not the working directory or a parent of it, a directory,
/// not a mount point, and either empty or (with `replace`) a dispersa output holding no run.
fn check_target(out: &Path, replace: bool) -> Result<(), String> {
    let shown = out.display();
    if let (Ok(cwd), Ok(target)) = (std::env::current_dir(), std::fs::canonicalize(out)) {
        if cwd.starts_with(&target) {
            return Err(format!(
                "--out {shown} is the working directory or one of its parents; choose a \
                 directory of its own"
            ));
        }
    }
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(format!("--out {shown} exists and is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (parent, _) = parent_and_name(out);
        if let (Ok(a), Ok(b)) = (std::fs::metadata(out), std::fs::metadata(&parent)) {
            if a.dev() != b.dev() {
                return Err(format!(
                    "--out {shown} is a mount point: a finished run is renamed into place, which \
                     cannot replace a mount; give a directory inside it"
                ));
            }
        }
    }
    let non_empty = std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some());
    if !non_empty {
        return check_movable(out);
    }
    if written_by_dispersa(out).is_none() {
        return Err(format!(
            "--out {shown} is not empty and was not written by dispersa (no {MARKER} marker and \
             no run, corridor or report files), so neither a run nor --force will replace it; \
             choose another --out"
        ));
    }
    if let Some(run) = nested_run(out, 4) {
        return Err(format!(
            "--out {shown} holds another dispersa output ({}), which --force would delete; \
             choose another --out",
            run.display()
        ));
    }
    if !replace {
        return Err(format!(
            "--out {shown} exists and is not empty (an earlier dispersa output); pass --force \
             to replace it"
        ));
    }
    let foreign = foreign_entries(out, 4);
    if !foreign.is_empty() {
        const SHOWN: usize = 5;
        let mut names: Vec<String> = foreign
            .iter()
            .take(SHOWN)
            .map(|p| p.display().to_string())
            .collect();
        if foreign.len() > SHOWN {
            names.push(format!("and {} more", foreign.len() - SHOWN));
        }
        return Err(format!(
            "--out {shown} is a dispersa output but also holds what dispersa did not write ({}), \
             which --force would delete with it; move them out, or choose another --out",
            names.join(", ")
        ));
    }
    check_movable(out)
}

/// `--force` (or a report, which replaces an earlier report without it) replaces `out` by
/// renaming it aside once the new output is complete ([`RunDir::commit`]). Try that rename now, and put the directory back, so that one which
/// cannot be moved (an immutable one, or one on a file system that refuses) is refused before
/// the work rather than after it (a review: the whole run was computed, then lost with exit 1).
/// The name aside (`.NAME.moving`) is the trial's own: a kill between the two renames is undone
/// by the next start ([`recover_swap`]), which never removes it (a review: under the commit's
/// name, a directory made at `out` meanwhile would have had it deleted).
fn check_movable(out: &Path) -> Result<(), String> {
    let (parent, name) = parent_and_name(out);
    let aside = parent.join(format!(".{name}.moving"));
    if let Err(err) = std::fs::rename(out, &aside) {
        return Err(format!(
            "--out {} cannot be moved aside ({err}), which replacing it takes once the new \
             output is complete; make it movable, remove it yourself, or choose another --out",
            out.display()
        ));
    }
    std::fs::rename(&aside, out).map_err(|err| {
        format!(
            "putting {} back after a trial move to {}: {err}; the next dispersa command on it \
             restores it where nothing has taken its place",
            out.display(),
            aside.display()
        )
    })
}

/// A shard's dataset directory `out`: created and marked by the first shard to start, and
/// refused (the message, for the user) when it holds anything but shards of this same run.
/// The shards of an array job start together: the directory appears with its marker already
/// inside (made aside, then renamed into place), so no shard sees it half made.
pub fn claim_dataset(out: &Path, identity: &Identity) -> Result<(), String> {
    let shown = out.display();
    if out.exists() && !out.is_dir() {
        return Err(format!("--out {shown} exists and is not a directory"));
    }
    let empty = std::fs::read_dir(out).map_or(true, |mut d| d.next().is_none());
    if empty {
        let cannot = |e: String| format!("--out {shown}: cannot create it: {e}");
        let (parent, name) = parent_and_name(out);
        let making = parent.join(format!(".{name}.creating-{}", unique_tag()));
        std::fs::create_dir_all(&making).map_err(|e| cannot(e.to_string()))?;
        let mut whole = identity.clone();
        whole.shard = identity.shard.map(|[_, n]| [0, n]);
        write_marker(&making, DirKind::Shards, Some(&whole)).map_err(|e| cannot(e.to_string()))?;
        if std::fs::rename(&making, out).is_ok() {
            return Ok(());
        }
        // Another shard made it first: check what it made.
        let _ = std::fs::remove_dir_all(&making);
    }
    if written_by_dispersa(out) != Some(DirKind::Shards) {
        return Err(format!(
            "--out {shown} exists and is not a shard dataset dispersa wrote; a shard writes \
             OUT/shard=K into a new or empty directory, or one that holds other shards of the \
             same run"
        ));
    }
    if let Some(why) = read_identity(out).and_then(|theirs| theirs.difference(identity, true)) {
        return Err(format!(
            "--out {shown} holds shards of another run: {why}; to add to that run, give the \
             options it was started with (--samples, --seed, --set), or choose another --out"
        ));
    }
    Ok(())
}

/// The shard directories of a shard dataset `out` (`shard=K`): index -> path, refusing names
/// that repeat an index or are not `shard=` and a number; and the indices of interrupted shards
/// (`.shard=K.partial`).
pub fn shard_dirs(out: &Path) -> Result<(BTreeMap<u64, PathBuf>, Vec<u64>), String> {
    let shown = out.display();
    let mut found: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut interrupted = Vec::new();
    let entries = std::fs::read_dir(out).map_err(|e| format!("{shown}: cannot list it: {e}"))?;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(k) = name
            .strip_prefix(".shard=")
            .and_then(|r| r.strip_suffix(".partial"))
            .and_then(|k| k.parse().ok())
        {
            interrupted.push(k);
            continue;
        }
        let Some(k) = name.strip_prefix("shard=") else {
            continue;
        };
        let Ok(index) = k.parse::<u64>() else {
            return Err(format!(
                "{}: not a shard directory name (shard=K, K a number)",
                e.path().display()
            ));
        };
        if let Some(other) = found.insert(index, e.path()) {
            return Err(format!(
                "{shown}: shard {index} is there twice ({} and {})",
                other.display(),
                e.path().display()
            ));
        }
    }
    Ok((found, interrupted))
}

/// Where a run to `final_dir` is written until it is complete: `.NAME.partial` beside it.
pub fn partial_dir(final_dir: &Path) -> PathBuf {
    let (parent, name) = parent_and_name(final_dir);
    parent.join(format!(".{name}.partial"))
}

/// The temporary directory a run writes into, renamed onto `final_dir` by [`RunDir::commit`].
/// Dropped without commit, it is removed (nothing half-written is left behind), except a
/// resumable run's, whose finished parts `--resume` continues from.
pub struct RunDir {
    pub tmp: PathBuf,
    pub final_dir: PathBuf,
    committed: bool,
    keep: bool,
}

impl RunDir {
    /// Call with `final_dir` claimed ([`claim_out_dir`], whose lock the caller holds). Earlier
    /// temporaries to the same directory (no live writer can own one under the lock) are
    /// removed here, and the marker is written.
    pub fn create(final_dir: &Path, kind: DirKind) -> Result<Self, OutputError> {
        Self::fresh(final_dir, kind, None, None)
    }

    /// As [`RunDir::create`], for a report of the directory `source` (absolute), which its
    /// marker records ([`report_source`]).
    pub fn create_report(final_dir: &Path, source: &Path) -> Result<Self, OutputError> {
        Self::fresh(final_dir, DirKind::Report, None, Some(source))
    }

    /// As [`RunDir::create`], for a run that `--resume` can continue: the directory is kept
    /// when the run stops, and its marker holds the run's identity.
    pub fn create_resumable(
        final_dir: &Path,
        kind: DirKind,
        identity: &Identity,
    ) -> Result<Self, OutputError> {
        Self::fresh(final_dir, kind, Some(identity), None)
    }

    fn fresh(
        final_dir: &Path,
        kind: DirKind,
        identity: Option<&Identity>,
        source: Option<&Path>,
    ) -> Result<Self, OutputError> {
        let (parent, name) = parent_and_name(final_dir);
        std::fs::create_dir_all(&parent).map_err(io(format!("creating {}", parent.display())))?;
        let legacy = format!(".{name}.partial-");
        let tmp = partial_dir(final_dir);
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for e in entries.flatten() {
                let file = e.file_name().to_string_lossy().to_string();
                if file.starts_with(&legacy) || e.path() == tmp {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        std::fs::create_dir(&tmp).map_err(io(format!("creating {}", tmp.display())))?;
        write_marker_of(&tmp, kind, identity, source)?;
        Ok(RunDir {
            tmp,
            final_dir: final_dir.to_path_buf(),
            committed: false,
            keep: identity.is_some(),
        })
    }

    /// The interrupted run to `final_dir`, to continue it. The message (for the user, exit 2)
    /// says why it cannot be: there is none, or it is another run's.
    pub fn reopen(final_dir: &Path, identity: &Identity) -> Result<Self, String> {
        let tmp = partial_dir(final_dir);
        let shown = final_dir.display();
        if !tmp.is_dir() {
            let done = if final_dir.is_dir() {
                match finished_by(final_dir, identity) {
                    Some(Some(why)) => {
                        format!(" ({shown} is a finished run of another job: {why})")
                    }
                    _ => format!(" ({shown} is a finished run: nothing to resume)"),
                }
            } else {
                String::new()
            };
            return Err(format!(
                "--resume: there is no interrupted run to {shown} (no {}){done}",
                tmp.display()
            ));
        }
        let Some(theirs) = read_identity(&tmp) else {
            return Err(format!(
                "--resume: {} is not a partial run dispersa can continue (its {MARKER} marker \
                 names no run)",
                tmp.display()
            ));
        };
        if let Some(why) = theirs.difference(identity, false) {
            return Err(format!(
                "--resume: {} is a partial run of another job than this one: {why}; resume it \
                 with the same config, --set, --seed, --samples and --shard, or pass --force \
                 to discard it",
                tmp.display()
            ));
        }
        Ok(RunDir {
            tmp,
            final_dir: final_dir.to_path_buf(),
            committed: false,
            keep: true,
        })
    }

    /// Put the finished run at `final_dir`. An existing directory there (allowed by the caller
    /// with --force) is first renamed aside, then removed only once the new run is in place; if
    /// the move fails, it is put back. A kill between the renames is recovered by the next
    /// [`claim_out_dir`].
    pub fn commit(mut self) -> Result<(), OutputError> {
        let (parent, name) = parent_and_name(&self.final_dir);
        let aside = parent.join(format!(".{name}.replaced"));
        let had_old = self.final_dir.exists();
        if had_old {
            std::fs::rename(&self.final_dir, &aside).map_err(io(format!(
                "moving the old {} aside",
                self.final_dir.display()
            )))?;
        }
        if let Err(e) = std::fs::rename(&self.tmp, &self.final_dir) {
            if had_old {
                let _ = std::fs::rename(&aside, &self.final_dir);
            }
            return Err(io(format!(
                "moving the finished run to {}",
                self.final_dir.display()
            ))(e));
        }
        if had_old {
            // What cannot be removed (an immutable file inside: a new-user trial) is said, and
            // kept under a name of its own, which the next start never restores as `out`
            // (`.NAME.replaced` would be, were `out` gone: a review).
            if let Err(err) = remove_old_output(&aside) {
                let leftover = parent.join(format!(".{name}.leftover"));
                let kept = match std::fs::rename(&aside, &leftover) {
                    Ok(()) => leftover,
                    Err(_) => aside,
                };
                eprintln!(
                    "dispersa: warning: the new output is in place, but what {} held before, \
                     moved aside to {}, could not be removed entirely ({err}); remove it by hand \
                     before the next run to {}",
                    self.final_dir.display(),
                    kept.display(),
                    self.final_dir.display()
                );
            }
        }
        self.committed = true;
        Ok(())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed && !self.keep {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two tags of one process differ, and each names the process; tags of processes with the
    /// same id differ by the random part (not testable here: one process).
    #[test]
    fn the_temporary_names_are_unique() {
        let (a, b) = (unique_tag(), unique_tag());
        assert_ne!(a, b);
        let pid = format!("-{}-", std::process::id());
        assert!(a.contains(&pid) && b.contains(&pid), "{a} {b}");
        assert!(!a.contains('/') && !a.contains('.'), "{a}");
    }
}
