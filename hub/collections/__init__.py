"""Collections rails: the mandate registry (NACH and UPI AutoPay) and NACH ACH debits.

:mod:`~hub.collections.mandates` (registry), :mod:`~hub.collections.nach.emandate_batch`
(e-mandate registration files), :mod:`~hub.collections.nach.presentation` (ACH debit files),
:mod:`~hub.collections.nach.responses` (ACH responses applied), :mod:`~hub.collections.nach.cycle`
(the steps, each committed), :mod:`~hub.collections.nach.demo` (the demo's NACH desk).
"""
