"""Qt runtime shared by the stations: application setup, workers, fonts, translations, themes."""
