//! Class lists and the school year (written by a helper on h/patron-tests).
