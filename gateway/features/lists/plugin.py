"""The lists feature as a default plugin (core.lists); its hooks are added as the feature grows."""
