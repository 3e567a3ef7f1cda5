"""Multilingual support chatbot of the Jeollanam-do Foreign Residents Integrated Support Call Center."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
