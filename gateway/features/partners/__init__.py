"""Partner banks: contracts (field groups per partner client), subjects' authorisations, and the checks
that let a partner see only contract ∩ authorisation, for a stated purpose, while it is valid."""
