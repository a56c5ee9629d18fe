"""Service layer: the only code that commits. Plain values in, plain values out."""
