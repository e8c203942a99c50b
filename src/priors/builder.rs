//! The inputs of a model as a priors file is read, with the warnings found on the way.

use crate::dist::Dist;
use crate::model::{InputId, Inputs};

/// The model's inputs as they are read, and the warnings found on the way.
pub(super) struct Builder {
    pub(super) inputs: Inputs,
    pub(super) warnings: Vec<String>,
}

impl Builder {
    pub(super) fn add(&mut self, name: String, dist: Dist) -> InputId {
        self.inputs.add(name, dist)
    }

    /// Warn when a quantity that cannot be negative has draws below 0 (they count as 0).
    pub(super) fn warn_negative(&mut self, id: InputId, what: &str) {
        let input = self.inputs.get(id);
        let d = &input.dist;
        if d.support().0 < 0.0 {
            let share = d.cdf_left(0.0);
            if share > 1e-4 {
                self.warnings.push(format!(
                    "`{}`: {:.2}% of draws of this {what} fall below 0 and count as 0; add `truncate = [0, inf]` if that is not meant",
                    input.name,
                    share * 100.0
                ));
            }
        }
    }
}
