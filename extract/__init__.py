"""Resumable extraction of social-network data into a raw zone and PostgreSQL."""
