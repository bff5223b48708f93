"""Make the project root importable when pytest runs without an installed package."""

import sys
from pathlib import Path

# pyproject has no `pythonpath` for pytest yet and the package is not installed in editable mode;
# without this `.venv/bin/pytest tests/domain` cannot import `domain`. Harmless when it can.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
