"""Views: pure functions from domain objects to Telegram text and keyboards.

Translated and escaped; used by handlers and by delivery alike. They send nothing and read
nothing: whoever calls them has already loaded what they show.
"""
