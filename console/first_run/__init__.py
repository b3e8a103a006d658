"""The console's first-run wizard (wizard.py), one module per page: opened by `anchang-console` on a
computer without settings or site keys, it sets up a new site or joins an existing one (operations/first_run.py
does the work, off the GUI thread)."""
