"""Built-in domain plugins: each an ordinary plugin, registered through the ``credit_gateway`` entry point."""
