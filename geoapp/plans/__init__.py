"""Boundary plans: every district assigned to one wide-area community, edited, checked
and versioned on the server."""
