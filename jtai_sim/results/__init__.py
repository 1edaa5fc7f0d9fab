"""Results of one run: metrics as pure functions of its run record, with one
registry of their names, units and words; the one rule for statutory clocks and
late hand-offs; the run report, its charts and the partnership drawing; the run's
flows step by step and the page that plays them over the drawing; and the result folder.
"""
