"""`amplifier demo`: a whole campaign on real parts, from scheduling to the report."""
