"""The planned execution engine: queries compiled once into plans and run level by level.

* :mod:`gateway.engine.plan`: compiling an operation (what each field does, how values complete);
* :mod:`gateway.engine.run`: running a plan breadth first, with GraphQL's error and null rules;
* :mod:`gateway.engine.executor`: the graphql-core executor strawberry calls, and the plan cache;
* :mod:`gateway.engine.batch`: the batch form of a resolver, for plugins;
* :mod:`gateway.engine.explain`: the query plan an admin can ask for.
"""
