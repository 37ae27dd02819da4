"""Adapters at the edge: they read and write the outside world and call the pure core."""
