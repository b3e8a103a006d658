"""Bundled fonts (Noto Sans SC, OFL): see scripts/make_fonts.py."""
