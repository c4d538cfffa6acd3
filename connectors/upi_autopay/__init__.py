"""UPI AutoPay through a PSP: its HTTP API (mandates, pre-debit notices, debits) and its
signed webhooks, in either of the two dialects we map (see formats/upi/autopay_events.py)."""
