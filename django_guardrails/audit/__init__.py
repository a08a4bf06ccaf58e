"""The signal-receiver inventory and where each connection was made."""
