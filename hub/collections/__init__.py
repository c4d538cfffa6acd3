"""Collections rails: the mandate registry (NACH and UPI AutoPay) and NACH ACH debits.

:mod:`~hub.collections.mandates` (registry), :mod:`~hub.collections.emandate_batch`
(e-mandate registration files), :mod:`~hub.collections.presentation` (ACH debit files),
:mod:`~hub.collections.responses` (ACH responses applied), :mod:`~hub.collections.cycle`
(the steps, each committed), :mod:`~hub.collections.demo` (the demo's NACH desk).
"""
