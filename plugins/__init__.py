"""Built-in domain plugins. Each is an ordinary plugin, registered through the ``credit_gateway`` entry point."""
