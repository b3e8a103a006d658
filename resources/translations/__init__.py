"""Translations: anchang_en.ts (source) and anchang_en.qm, made by scripts/translations.sh."""
