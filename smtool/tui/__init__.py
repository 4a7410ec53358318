"""The Textual terminal UI: app.py (thin), app.tcss, screens/, widgets/."""
