"""The `anchang` admin commands, one module per concern; `admin.cli` only parses arguments and calls them."""
