"""Job schedule definitions: which job runs when, per tenant / counterpart."""
