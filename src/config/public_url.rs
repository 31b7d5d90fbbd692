//! The base of links sent by mail, fixed at start from the settings.

use super::Settings;

/// `public_url`, or this server's own address (see `Settings::public_url`), with no
/// trailing slash: a mailed link is this followed by its path.
pub struct PublicUrl(pub String);

impl PublicUrl {
    pub fn of(settings: &Settings) -> PublicUrl {
        PublicUrl(settings.public_url())
    }
}
