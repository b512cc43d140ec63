"""The merchants feature as a default plugin (core.merchants); its hooks are added as the feature grows."""
