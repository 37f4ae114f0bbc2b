"""Use cases: what councils, residents and auditors do, independent of HTTP."""
