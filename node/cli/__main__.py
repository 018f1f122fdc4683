"""`python -m node.cli`: the command line, as `serve` starts its worker processes."""

from node.cli import main

main()
