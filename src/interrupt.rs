//! What a stopped process says: SIGINT, SIGTERM or SIGHUP prints one line on stderr (which
//! signal, and where a run keeps what it finished), then the process dies by the signal as it
//! would without a handler, so that shells and schedulers see the same status (130, 143, 129).
//! A batch log used to show the exit code and nothing else (a batch user's trial).
//!
//! A signal ignored when dispersa started (`nohup`, a non-interactive shell's background job)
//! stays ignored, and the line never delays the stop: it is written from a thread of its own,
//! and the signal is raised again after at most [`WRITE_WAIT`] however the write went (a closed
//! terminal, a broken or full pipe: a review found such stops swallowed).
//!
//! The binary installs it ([`install`]); a command that has something to keep says what with
//! [`set_hint`]. Library callers (the tests) install nothing.

use std::sync::Mutex;
use std::time::Duration;

/// What the stop message adds after the signal's name, computed when the signal comes (the
/// samples kept by then).
type Hint = Box<dyn Fn() -> String + Send>;

static HINT: Mutex<Option<Hint>> = Mutex::new(None);

/// How long the stop waits for its line to be written.
pub const WRITE_WAIT: Duration = Duration::from_secs(1);

/// What the stop message (and a run's failure) adds: `hint()` at the time (None: nothing).
pub fn set_hint(hint: Option<Hint>) {
    if let Ok(mut h) = HINT.lock() {
        *h = hint;
    }
}

/// What [`set_hint`] last set, computed now: a run's failure (exit 1) says it too, where a full
/// disk or a lost GPU stopped it (a trial's full disk named the manifest and nothing of
/// `--resume`).
pub fn hint() -> Option<String> {
    HINT.lock().ok().and_then(|h| h.as_ref().map(|f| f()))
}

/// Whether `sig` was set to be ignored when the process started.
#[cfg(unix)]
fn ignored(sig: i32) -> bool {
    // SAFETY: a query (no new action), into a zeroed struct that sigaction fills.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, std::ptr::null(), &mut old) == 0 && old.sa_sigaction == libc::SIG_IGN
    }
}

/// Watch SIGINT, SIGTERM and SIGHUP (those not ignored) on a thread of their own. Where they
/// cannot be watched the default actions stay, silently, as before.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let watched: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
        .into_iter()
        .filter(|&s| !ignored(s))
        .collect();
    if watched.is_empty() {
        return;
    }
    let Ok(mut signals) = signal_hook::iterator::Signals::new(&watched) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let name = match sig {
                    SIGINT => "SIGINT",
                    SIGTERM => "SIGTERM",
                    _ => "SIGHUP",
                };
                let (done, wait) = std::sync::mpsc::channel();
                let writer = std::thread::Builder::new().spawn(move || {
                    use std::io::{IsTerminal as _, Write as _};
                    // A progress bar may hold a terminal's line: start a new one there.
                    let newline = if std::io::stderr().is_terminal() {
                        "\n"
                    } else {
                        ""
                    };
                    // The signal's name first: the hint reads the manifest and the parts'
                    // footers, which on a large run or a slow file system can outlast the wait
                    // (a review found the whole line lost at 5,000 parts).
                    let _ = write!(
                        std::io::stderr(),
                        "{newline}dispersa: error: stopped by {name}"
                    );
                    let rest = hint().map_or(String::new(), |h| format!(": {h}"));
                    let _ = writeln!(std::io::stderr(), "{rest}");
                    let _ = done.send(());
                });
                if writer.is_ok() {
                    let _ = wait.recv_timeout(WRITE_WAIT);
                }
                // Die by the signal (its default action), as an unhandled one would.
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        });
    drop(spawned);
}

#[cfg(not(unix))]
pub fn install() {}
