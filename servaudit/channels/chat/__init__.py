"""Live chat probing: widget recipes (probes/chat/*.toml), the in-page observer, the session, transcripts."""
