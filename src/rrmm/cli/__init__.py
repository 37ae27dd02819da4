"""The ``rrmm`` command line: thin commands over the core and the adapters."""
