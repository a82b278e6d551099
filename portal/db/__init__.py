"""Database layer: Piccolo tables, the engine set-up for both modes, and migrations."""
