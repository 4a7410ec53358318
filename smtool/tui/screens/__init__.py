"""The TUI's screens: compose (drafting) and inbox (moderation), and their modals."""
