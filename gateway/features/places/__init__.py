"""Places: administrative divisions (GB/T 2260) and what a department's jurisdiction lets it see and do."""
