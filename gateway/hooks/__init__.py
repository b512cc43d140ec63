"""The plugin contract: the hook specifications and the values plugins return (exported by gateway.api)."""
