"""The auditors' page of a round: its log's head for anyone, its record for auditors."""
