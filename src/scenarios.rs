//! The shipped scenarios, embedded in the binary so a run needs no file and works from
//! any folder (their sources are the files in `priors/`, each number cited there), and
//! how a SCENARIO argument becomes a validated model.

use crate::model::Model;
use crate::priors::{PriorsError, load_model_with_text, parse_model, suggest};
use std::ffi::OsStr;
use std::path::PathBuf;

/// A scenario shipped inside the binary.
#[derive(Clone, Copy, Debug)]
pub struct Shipped {
    pub name: &'static str,
    pub text: &'static str,
}

/// Every shipped scenario; the first is the built-in default.
pub const SHIPPED: &[Shipped] = &[
    Shipped {
        name: "situational-awareness",
        text: include_str!("../priors/situational-awareness.toml"),
    },
    Shipped {
        name: "epoch-trends",
        text: include_str!("../priors/epoch-trends.toml"),
    },
    Shipped {
        name: "skeptic",
        text: include_str!("../priors/skeptic.toml"),
    },
];

/// The scenario `run` uses when none is named.
pub const DEFAULT: &str = "situational-awareness";

pub fn find(name: &str) -> Option<&'static Shipped> {
    SHIPPED.iter().find(|s| s.name == name)
}

impl Shipped {
    /// The validated model (shipped files are tested to validate).
    pub fn model(&self) -> Result<Model, PriorsError> {
        parse_model(&format!("priors/{}.toml", self.name), self.text)
    }

    /// The `description` line of the file, for listings.
    pub fn description(&self) -> String {
        self.model().map(|m| m.description).unwrap_or_default()
    }
}

/// A validated scenario and where its priors came from.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub model: Model,
    /// `builtin:<name>` or the path as given.
    pub source: String,
    /// The exact text that was validated (recorded in manifests and shard files).
    pub text: String,
}

/// Why a SCENARIO argument gave no model.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Neither a shipped scenario nor an existing file; the message says which was meant.
    #[error("{0}")]
    NotFound(String),
    /// The priors file (or shipped scenario) did not validate.
    #[error(transparent)]
    Priors(#[from] PriorsError),
}

/// Resolve a SCENARIO argument. A value containing a path separator or ending in
/// `.toml` is always a file; a bare word is a shipped scenario when one has that name,
/// else a file. `None` is the built-in default.
pub fn load(arg: Option<&OsStr>) -> Result<Loaded, LoadError> {
    let arg = arg.unwrap_or(OsStr::new(DEFAULT));
    // A path need not be UTF-8; a shipped name always is.
    if let Some(name) = arg.to_str()
        && !looks_like_path(name)
        && let Some(s) = find(name)
    {
        return Ok(Loaded {
            model: s.model()?,
            source: format!("builtin:{}", s.name),
            text: s.text.to_string(),
        });
    }
    let path = PathBuf::from(arg);
    if std::fs::symlink_metadata(&path).is_ok()
        && let Err(e) = std::fs::metadata(&path)
    {
        // a link that loops or points nowhere
        let shown = path.display();
        return Err(LoadError::NotFound(if crate::output::is_loop(&e) {
            format!("cannot read priors file `{shown}`: it is a symbolic link that loops")
        } else {
            format!(
                "cannot read priors file `{shown}`: it is a symbolic link to {}, which does not exist",
                std::fs::read_link(&path).map_or_else(|_| "?".into(), |t| t.display().to_string())
            )
        }));
    }
    if !path.exists() {
        let shown = path.display().to_string();
        return Err(LoadError::NotFound(if looks_like_path(&shown) {
            format!("cannot read priors file `{shown}`: no such file")
        } else {
            let names: Vec<&str> = SHIPPED.iter().map(|s| s.name).collect();
            format!(
                "no shipped scenario or priors file named `{shown}`{}; shipped scenarios: {}",
                suggest(&shown, names.iter().copied()),
                names.join(", ")
            )
        }));
    }
    let (model, text) = load_model_with_text(&path)?;
    Ok(Loaded {
        model,
        source: path.display().to_string(),
        text,
    })
}

fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.contains('\\') || s.ends_with(".toml")
}
