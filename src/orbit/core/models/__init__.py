"""The core context holds primitives only; it owns no tables."""
