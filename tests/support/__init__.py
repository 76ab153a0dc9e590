"""Real test infrastructure: free ports, subprocess CLIs, a SeaweedFS S3 server."""
