"""The `anchang` admin commands, one module per concern; `db.cli` only parses arguments and calls them."""
