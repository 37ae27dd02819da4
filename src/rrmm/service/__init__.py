"""The HTTP service (``rrmm serve``): REST endpoints and CDS Hooks 2.0 services."""
