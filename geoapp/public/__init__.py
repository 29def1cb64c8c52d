"""The public map: what residents and organizations see without logging in, drawn only from
the adopted plan's public fields and the public layers."""
