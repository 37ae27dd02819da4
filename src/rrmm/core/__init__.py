"""The pure core: domain model, units and clinical rules; no I/O, no third-party imports."""
