"""The measures feature as a default plugin (core.measures); its hooks are added as the feature grows."""
