"""The places feature as a default plugin (core.places); its hooks are added as the feature grows."""
