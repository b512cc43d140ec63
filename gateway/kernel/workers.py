"""Names of what the supervisor of ``serve --workers N`` (gateway.server.supervisor) hands its workers in
the environment. Here, in the bottom layer, because the supervisor must not import the gateway's stack
and the workers' code that reads them (gateway.federation.serving.siblings) sits below the server."""

# The file holding the last supergraph a worker accepted; set only while a supergraph is served.
ACCEPTED_SUPERGRAPH_ENV = "CREDIT_GATEWAY_ACCEPTED_SUPERGRAPH"
# The supervisor's pid, to which a worker sends SIGHUP to have every worker re-read the supergraph.
SUPERVISOR_PID_ENV = "CREDIT_GATEWAY_SUPERVISOR_PID"
