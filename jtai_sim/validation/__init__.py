"""Checks of the model against theory and national figures: Erlang C and
Jackson-network oracles, and the calibration of Midshire to national statistics.
"""
