"""smtool: social media management and monitoring for public institutions."""

__version__ = "0.1.0"
