"""Use cases: what councils, residents and auditors do, independent of HTTP.

Each service takes a unit of work (store/unit_of_work.py), or a session to
make one of, and answers with values (replies.py, RoundView), never rows:

- rounds.py: create, configure, move phases, import and export a round;
- proposals.py: propose projects, review them, add outcome priorities;
- voting.py: voter codes and ballots; ballots.py: who may cast what, and what counts;
- results.py: the declared rule run on the ballots, what-ifs, the results report;
- audit.py: the round record and the ballot trackers; replay/: checking a record
  offline, with no database;
- config.py, config_fields.py, frozen.py, imported_config.py: a round's configuration;
- access.py, preflight.py, allocation.py, reports.py, events.py: what the use cases share.
"""
