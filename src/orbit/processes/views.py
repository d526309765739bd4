"""Pages of the process inventory."""

from __future__ import annotations
