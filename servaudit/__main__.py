"""`python -m servaudit` runs the command line."""

from servaudit.cli import main

main()
