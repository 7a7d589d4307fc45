//! What a stopped process says: SIGINT, SIGTERM or SIGHUP prints one line on stderr (which
//! signal, and where a run keeps what it finished), then the process dies by the signal as it
//! would without a handler, so that shells and schedulers see the same status (130, 143, 129).
//! A batch log used to show the exit code and nothing else (a batch user's trial).
//!
//! The binary installs it ([`install`]); a command that has something to keep says what with
//! [`set_hint`]. Library callers (the tests) install nothing.

use std::sync::Mutex;

static HINT: Mutex<Option<String>> = Mutex::new(None);

/// What the stop message adds after the signal's name (None: nothing).
pub fn set_hint(hint: Option<String>) {
    if let Ok(mut h) = HINT.lock() {
        *h = hint;
    }
}

/// What [`set_hint`] last set: a run's failure (exit 1) says it too, where a full disk or a
/// lost GPU stopped it (a trial's full disk named the manifest and nothing of `--resume`).
pub fn hint() -> Option<String> {
    HINT.lock().ok().and_then(|h| h.clone())
}

/// The line printed for signal `name` with `hint`.
pub fn message(name: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) => format!("dispersa: stopped by {name}: {h}"),
        None => format!("dispersa: stopped by {name}"),
    }
}

/// Watch SIGINT, SIGTERM and SIGHUP on a thread of their own. Where they cannot be watched the
/// default actions stay, silently, as before.
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
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
                let hint = hint();
                // A progress bar may hold a terminal's line: start a new one there.
                use std::io::IsTerminal as _;
                let newline = if std::io::stderr().is_terminal() {
                    "\n"
                } else {
                    ""
                };
                eprintln!("{newline}{}", message(name, hint.as_deref()));
                // Die by the signal (its default action), as an unhandled one would.
                let _ = signal_hook::low_level::emulate_default_handler(sig);
                std::process::exit(128 + sig);
            }
        });
    drop(spawned);
}

#[cfg(not(unix))]
pub fn install() {}
