"""The application layer: the service the stations call (store.py), the Desk with its role checks (desk.py)
and the page reads (queries/). Storage — models, migrations, journal, keys, personal data — is db/ below."""
