//! The audit log (written by a helper on h/patron-tests).
