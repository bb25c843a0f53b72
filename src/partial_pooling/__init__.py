"""Exact random-intercept fits and the pooling estimators.

The package behind the site *Why partial pooling?*: every number and figure on the site comes
from these functions.
"""
