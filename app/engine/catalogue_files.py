"""The catalogues shipped beside the diagrams (processes/translations/<key>.json): names, instructions and
message words of a process's elements in Chinese and English, read from the processes folder. The lint reads
them here; app/definitions/catalogues.py adds the catalogues versions were deployed with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import current_app


def shipped(key: str) -> dict[str, Any]:
    """The catalogue beside the diagrams (processes/translations/<key>.json), {} without one."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        return {}
    path = Path(current_app.config["PROCESSES_DIR"]) / "translations" / f"{key}.json"
    if not path.is_file():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return entries if isinstance(entries, dict) else {}
