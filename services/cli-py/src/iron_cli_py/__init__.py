"""iron-cli-py: the Iron Cage CLI for Python users, a sibling of the TypeScript `iron` sharing its ~/.iron files."""

__version__ = "0.1.0"
