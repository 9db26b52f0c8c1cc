"""ocop command line."""
