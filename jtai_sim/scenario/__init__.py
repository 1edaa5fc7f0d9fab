"""The scenario: what a partnership is (frozen attrs classes), how a TOML file
becomes one with errors that name file, line and key, the built-in scenarios, the
whole-partnership checks, and the JSON Schema and reference generated from the classes.
"""
