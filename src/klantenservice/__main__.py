"""`python -m klantenservice` runs the CLI."""

from klantenservice.cli import main

main()
