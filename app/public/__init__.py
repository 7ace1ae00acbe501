"""What visitors read."""
