"""Checks of the model against theory and national figures: Erlang C and
Jackson-network oracles, the calibration of Midshire to national statistics, and
each agency's offered load against its places (the capacity check).
"""
