"""What the stations and the `anchang` command both do to a site, Qt-free: first run and joining, the
upgrade check, the version, self-test, the demo week, backup and restore, the audit, diagnostics, the
report-sheet checks, the station log. admin/ keeps only the command line over them."""
