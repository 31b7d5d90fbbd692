//! What the process asks of its operating system at start.

/// Files and folders this process creates are its owner's only (0600, 0700): the
/// database and its WAL, backups, exports, pictures and the mail outbox hold personal data
/// or tokens. Set before anything is created; the server, not other users of the machine,
/// reads them.
pub fn owner_only_files() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

/// Raises the soft limit on open files to the hard limit, and logs it. Each connection is
/// a file descriptor, Rocket 0.5 closes no idle connection, and once descriptors run out
/// the server stops accepting: the default soft limit (often 1,024) is soon reached by
/// clients that keep connections open.
pub fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
        let limit = getrlimit(Resource::Nofile);
        let shown = |value: Option<u64>| value.map_or("unlimited".to_string(), |v| v.to_string());
        if limit.current == limit.maximum {
            tracing::info!(
                "open-file limit is {} (already the hard limit)",
                shown(limit.current)
            );
            return;
        }
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        match setrlimit(Resource::Nofile, raised) {
            Ok(()) => tracing::info!(
                "open-file limit raised from {} to {} (the hard limit)",
                shown(limit.current),
                shown(limit.maximum)
            ),
            Err(e) => tracing::warn!(
                "open-file limit stays at {} (could not raise it to {}: {e}); each \
                 connection uses one, so raise it (ulimit -n, LimitNOFILE=) if many \
                 clients connect",
                shown(limit.current),
                shown(limit.maximum)
            ),
        }
    }
}
