//! Hipcall v3's operation catalogue.

use crate::platform::catalogue::Case;

pub fn cases() -> Vec<Case> {
    vec![]
}
