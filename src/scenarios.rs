//! The shipped scenarios, embedded in the binary so a run needs no file and works from
//! any folder. Their sources are the files in `priors/`, each number cited there.

use crate::model::Model;
use crate::priors::{PriorsError, parse_model};

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
