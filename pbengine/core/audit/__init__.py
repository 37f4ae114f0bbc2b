"""The audit chain and the round record: pure, like the rest of the core."""
