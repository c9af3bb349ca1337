"""Unit tests of the OpsRamp adapter, run natively against the Python
SDK's fake host: `python3 -m unittest discover -s tests -t .` here."""

import sys
from pathlib import Path

# The SDK the plugin is built with, as componentize-py finds it.
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "sdk" / "python"))
