//! Values that are parsed once at the edge; holding one means it is valid.

mod email;
mod names;
mod password;

pub use email::Email;
pub use names::{PersonName, WorkspaceName};
pub use password::Password;
