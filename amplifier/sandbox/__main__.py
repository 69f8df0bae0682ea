"""Entry point of ``python -m amplifier.sandbox``; see :mod:`amplifier.sandbox.cli`."""

from __future__ import annotations

import sys

from amplifier.sandbox.cli import main

if __name__ == "__main__":
    sys.exit(main())
