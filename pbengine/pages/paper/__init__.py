"""Paper ballots entered twice by two staff members, reconciled, then counted."""
