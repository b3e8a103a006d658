"""QSS themes applied by ui.theme.apply_theme."""
