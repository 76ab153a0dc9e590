"""An emulator of the X API v2 (users, follows, timelines, recent search)."""
