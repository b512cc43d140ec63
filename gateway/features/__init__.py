"""The core's own features, each a default plugin registered through the same hooks as a domain
(`gateway.host.loading.DEFAULT_PLUGINS`): the query record, partner access, the lifecycle workflows,
places (divisions and jurisdictions), the public lists, merchant pages and collection metrics."""
