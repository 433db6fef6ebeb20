//! Named themes: the built-ins (embedded from `themes/`) and the user's
//! `<config dir>/themes/<name>.json`; a user theme overrides the built-in of the same name.

use crate::core::theme::{BUILTIN_THEMES, ThemeSpec, builtin};
use crate::store::StoreError;
use crate::store::atomic::write_atomic;
use crate::store::paths::{GlobalPaths, validate_name};
use std::path::PathBuf;

/// Why a named theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeLoadError {
    /// Neither a user file nor a built-in.
    #[error("Theme not found: {0}")]
    NotFound(String),
    /// The name is not a valid file name.
    #[error(transparent)]
    Name(StoreError),
    /// The user file exists but cannot be read.
    #[error(transparent)]
    Io(StoreError),
    /// The file exists but is not a valid theme.
    #[error("Theme '{name}' ({}) is invalid: {reason}", path.display())]
    Invalid {
        /// Theme name.
        name: String,
        /// The file (or `<built-in>`).
        path: PathBuf,
        /// What is wrong, with its JSON path.
        reason: String,
    },
}

/// Where a named theme comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeSource {
    /// Shipped with the app.
    Builtin,
    /// The user's file.
    User,
    /// The user's file, hiding a built-in of the same name.
    UserOverride,
}

impl ThemeSource {
    /// `builtin`, `user` or `user-override` (tool output and the switcher).
    pub fn label(self) -> &'static str {
        match self {
            Self::Builtin => "built-in",
            Self::User => "yours",
            Self::UserOverride => "yours (overrides built-in)",
        }
    }

    /// Stable machine name for tool output.
    pub fn code(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::User => "user",
            Self::UserOverride => "user_override",
        }
    }
}

/// A named theme and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeEntry {
    /// Its name.
    pub name: String,
    /// Built-in or user file.
    pub source: ThemeSource,
}

fn user_names(global: &GlobalPaths) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(global.themes_dir()) else {
        return Vec::new();
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| {
            let p = e.path();
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.extension()? == "json" && validate_name("theme", &stem).is_ok()).then_some(stem)
        })
        .collect()
}

/// Every theme, sorted by name: built-ins and user files (without a config dir, built-ins).
pub fn list_themes(global: Option<&GlobalPaths>) -> Vec<ThemeEntry> {
    let mut out: Vec<ThemeEntry> = BUILTIN_THEMES
        .iter()
        .map(|(n, _)| ThemeEntry {
            name: (*n).to_owned(),
            source: ThemeSource::Builtin,
        })
        .collect();
    for name in global.map(user_names).unwrap_or_default() {
        match out.iter_mut().find(|e| e.name == name) {
            Some(e) => e.source = ThemeSource::UserOverride,
            None => out.push(ThemeEntry {
                name,
                source: ThemeSource::User,
            }),
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Load `name`: the user's file first, then the built-in.
pub fn load_theme(global: Option<&GlobalPaths>, name: &str) -> Result<ThemeSpec, ThemeLoadError> {
    validate_name("theme", name).map_err(ThemeLoadError::Name)?;
    if let Some(g) = global {
        let path = g.theme(name).map_err(ThemeLoadError::Name)?;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return ThemeSpec::parse_str(&text).map_err(|e| ThemeLoadError::Invalid {
                    name: name.to_owned(),
                    path,
                    reason: e.to_string(),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ThemeLoadError::Io(StoreError::io("read", &path, e))),
        }
    }
    match builtin(name) {
        Some(Ok(spec)) => Ok(spec),
        Some(Err(e)) => Err(ThemeLoadError::Invalid {
            name: name.to_owned(),
            path: PathBuf::from("<built-in>"),
            reason: e.to_string(),
        }),
        None => Err(ThemeLoadError::NotFound(name.to_owned())),
    }
}

/// Write `<config>/themes/<name>.json` atomically (pretty JSON); returns the path.
pub fn save_theme(
    global: &GlobalPaths,
    name: &str,
    spec: &ThemeSpec,
) -> Result<PathBuf, StoreError> {
    let path = global.theme(name)?;
    let mut text =
        serde_json::to_string_pretty(&spec.to_json()).map_err(|source| StoreError::Encode {
            path: path.clone(),
            source,
        })?;
    text.push('\n');
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::core::theme::Colour;

    fn global() -> (tempfile::TempDir, GlobalPaths) {
        let dir = tempfile::tempdir().unwrap();
        let g = GlobalPaths::from_dirs(dir.path().join("cfg"), dir.path().join("state"));
        (dir, g)
    }

    #[test]
    fn builtins_are_listed_without_a_config_dir() {
        let names: Vec<_> = list_themes(None).into_iter().map(|e| e.name).collect();
        assert_eq!(names, ["dark", "dark-256", "high-contrast", "light"]);
        assert!(load_theme(None, "light").is_ok());
        assert!(matches!(
            load_theme(None, "nope"),
            Err(ThemeLoadError::NotFound(_))
        ));
        assert!(matches!(
            load_theme(None, "../x"),
            Err(ThemeLoadError::Name(_))
        ));
    }

    #[test]
    fn save_list_load_and_override() {
        let (_d, g) = global();
        let mut spec = load_theme(None, "dark").unwrap();
        spec.palette.insert("accent".into(), Colour::Rgb(1, 2, 3));
        let path = save_theme(&g, "mine", &spec).unwrap();
        assert!(path.ends_with("themes/mine.json"));
        save_theme(&g, "light", &spec).unwrap();
        std::fs::write(g.themes_dir().join("notes.txt"), "x").unwrap();
        let list = list_themes(Some(&g));
        let find = |n: &str| list.iter().find(|e| e.name == n).map(|e| e.source);
        assert_eq!(find("mine"), Some(ThemeSource::User));
        assert_eq!(find("light"), Some(ThemeSource::UserOverride));
        assert_eq!(find("dark"), Some(ThemeSource::Builtin));
        assert_eq!(list.len(), 5);
        assert_eq!(load_theme(Some(&g), "mine").unwrap(), spec);
        assert_eq!(
            load_theme(Some(&g), "light").unwrap().colour("accent"),
            Colour::Rgb(1, 2, 3)
        );
        assert!(save_theme(&g, "a/b", &spec).is_err());
    }

    #[test]
    fn invalid_user_file_names_file_and_json_path() {
        let (_d, g) = global();
        std::fs::create_dir_all(g.themes_dir()).unwrap();
        std::fs::write(
            g.theme("bad").unwrap(),
            r##"{"version":1,"palette":{"text":"#ffff","dim":1,"border":2,"accent":3,"success":4,"warning":5,"error":6}}"##,
        )
        .unwrap();
        let e = load_theme(Some(&g), "bad").unwrap_err().to_string();
        assert!(e.contains("bad.json"), "{e}");
        assert!(e.contains("palette.text"), "{e}");
    }
}
