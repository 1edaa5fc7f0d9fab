"""Subcommands of ``jtai-sim``, one module per family; each exports ``COMMANDS``."""
