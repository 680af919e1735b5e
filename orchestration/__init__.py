"""Dagster definitions of Circularity: the build pipeline as assets, checks, a schedule and a
sensor. `definitions.py` assembles; the steps themselves live in `circularity.pipeline`."""
