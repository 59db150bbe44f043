"""Date and number formats where Django's own differ from what the newsroom writes."""
