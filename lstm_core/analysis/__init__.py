"""Analyses of trained and random nets: error flow (eq. 2 and measured), per-step records, gradient checks."""
