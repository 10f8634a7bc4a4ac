"""``python -m nougat_align`` runs the CLI."""
from nougat_align.cli import main

main()
