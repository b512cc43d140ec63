"""The metrics feature as a default plugin (core.metrics); its hooks are added as the feature grows."""
