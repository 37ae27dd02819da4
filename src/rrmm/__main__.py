"""``python -m rrmm`` runs the command line."""

from rrmm.cli.app import main

main()
