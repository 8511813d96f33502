"""Registry retention (docs/retention.md): one pure policy core (policy.py), two backends
(oci.py: any OCI distribution registry; ghcr.py: GitHub Packages REST API), reports
(report.py) and the command line (cli.py). Python 3.11+, standard library only."""
