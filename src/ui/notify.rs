//! Getting the user's attention: the terminal bell and OSC 9 / OSC 777 desktop notifications,
//! as configured by `ui.notifications` and `ui.notify_on` in config.toml.
//!
//! Written by the UI loop only (between frames, on the thread that owns the terminal), and only
//! when stdout is a terminal, so tests and pipes stay quiet.

use crate::store::config::Config;
use std::sync::RwLock;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NotifyKind {
    /// A permission request is waiting and the modal is hidden or the terminal unfocused.
    Permission,
    /// An agent asked the orchestrator something.
    Ask,
    /// An agent finished its work.
    Finished,
    /// An agent stopped with an error.
    Error,
}

impl NotifyKind {
    fn config_name(self) -> &'static str {
        match self {
            Self::Permission => "permission",
            Self::Ask => "ask",
            Self::Finished => "finished",
            Self::Error => "error",
        }
    }
}

/// The settings in force (set at boot, again by `set_config`; defaults: bell for everything).
#[derive(Debug, Clone)]
struct Settings {
    channel: String,
    kinds: Vec<NotifyKind>,
}

static SETTINGS: RwLock<Option<Settings>> = RwLock::new(None);

/// Take the notification settings from the config (the latest call wins).
pub(crate) fn configure(config: &Config) {
    let kinds = [
        NotifyKind::Permission,
        NotifyKind::Ask,
        NotifyKind::Finished,
        NotifyKind::Error,
    ]
    .into_iter()
    .filter(|k| config.notifies_on(k.config_name()))
    .collect();
    let settings = Settings {
        channel: config.notifications().to_owned(),
        kinds,
    };
    // A poisoned lock only means a panic elsewhere mid-write; the value is still whole.
    *SETTINGS
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(settings);
}

/// The bytes to write for `kind` under `channel`, `None` when silenced.
pub(crate) fn sequence(channel: &str, enabled: bool, text: &str) -> Option<Vec<u8>> {
    if !enabled {
        return None;
    }
    // Control characters in the text would end the OSC early.
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    match channel {
        "off" => None,
        "osc9" => Some(format!("\x07\x1b]9;patchfeld: {text}\x07").into_bytes()),
        "osc777" => Some(format!("\x07\x1b]777;notify;patchfeld;{text}\x07").into_bytes()),
        _ => Some(b"\x07".to_vec()),
    }
}

/// Notify the user of `kind` with a short `text`, if the config wants it.
pub(crate) fn notify(kind: NotifyKind, text: &str) {
    use std::io::{IsTerminal, Write};
    let (channel, enabled) = match &*SETTINGS
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Some(s) => (s.channel.clone(), s.kinds.contains(&kind)),
        None => ("bell".to_owned(), true),
    };
    let Some(bytes) = sequence(&channel, enabled, text) else {
        return;
    };
    let mut out = std::io::stdout();
    if !out.is_terminal() {
        return;
    }
    let _ = out.write_all(&bytes);
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_make_the_right_sequences() {
        assert_eq!(sequence("bell", true, "x"), Some(b"\x07".to_vec()));
        assert_eq!(sequence("off", true, "x"), None);
        assert_eq!(sequence("bell", false, "x"), None);
        assert_eq!(
            sequence("osc9", true, "alpha\x07 done"),
            Some(b"\x07\x1b]9;patchfeld: alpha done\x07".to_vec()),
            "a BEL in the text must not end the OSC early"
        );
        assert_eq!(
            sequence("osc777", true, "hi"),
            Some(b"\x07\x1b]777;notify;patchfeld;hi\x07".to_vec())
        );
    }
}
