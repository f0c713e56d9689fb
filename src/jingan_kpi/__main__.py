"""``python -m jingan_kpi`` runs the command-line tool."""

from jingan_kpi.cli import main

main()
