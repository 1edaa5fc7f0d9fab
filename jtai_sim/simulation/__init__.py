"""The simulation: the SimPy engine that moves children through the agencies,
the columnar event log it writes, the named random streams, and ``simulate``,
which runs one replication and returns its ``Run``.
"""
