"""Dagster definitions (assets, partitions, pools); filled in by the orchestration work."""
