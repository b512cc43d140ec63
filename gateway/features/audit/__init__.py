"""The query record (查询记录): every access to a subject by a keyed client, append-only and hash-chained.

``chain`` hashes, appends and verifies; ``recorder`` collects a request's accesses and appends them
after the operation; ``graphql`` shows a subject its own records and lets the admin search them.
"""
