"""Record formats shared across domains: the national double-publicity format (双公示: administrative
penalties and licences) and red/black list entries. They are formats, not domains: a plugin that holds
such records declares them with its own domain name and gets validation, storage, GraphQL types,
loading and import columns from here."""
