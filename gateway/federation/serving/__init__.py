"""Serving a supergraph (``credit-gateway serve --supergraph``): the federated gateway behind ``/graphql``.

- :mod:`.loading`: read, parse and check a supergraph, build each audience's schema and a plan cache;
- :mod:`.audiences`: remote fields are invisible until declared (``subgraph_visibility``);
- :mod:`.request`: a client operation checked against its audience (limits, validation, variables);
- :mod:`.gateway`: :class:`FederatedGateway`, which plans, executes, records, and reloads;
- :mod:`.consent` and :mod:`.subjects`: which remote objects are about a subject, consent-scoped remote
  fields (``partner:<group>``) checked per subject, and the query record of remote fields;
- :mod:`.headers`: the configured rule of which headers reach which subgraph;
- :mod:`.transports`: the in-process subgraph without HTTP, the others over HTTP;
- :mod:`.endpoint` and :mod:`.reloading`: HTTP, SIGHUP and polling.

The in-process subgraph is recognised by name: the supergraph's subgraph named ``local_subgraph_name``
(a setting, ``credit-gateway`` by default), the name operators give this gateway when composing.
"""

from gateway.federation.serving.gateway import FederatedGateway, ReloadOutcome
from gateway.federation.serving.loading import LoadedSupergraph, ServingConfig

__all__ = ["FederatedGateway", "LoadedSupergraph", "ReloadOutcome", "ServingConfig"]
