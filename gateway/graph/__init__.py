"""The shared GraphQL vocabulary: CreditSubject and CreditRecord, pages, arguments and the composed
subject type. The schema itself is assembled in `gateway.server.schema`."""
