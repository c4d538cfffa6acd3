"""Loan pages: search, and a loan's summary, schedule with paid status, transactions.

The loan: ₹1,00,000 at 12 % a year for 12 months, monthly, declining balance, equal
installments, interest per period. Monthly rate r = 1 %, so the installment is
100000 × 0.01 / (1 − 1.01^−12) = 8,884.878… → ₹8,884.88; the first one holds
interest 100000 × 1 % = ₹1,000.00 and principal 8,884.88 − 1,000.00 = ₹7,884.88,
leaving 1,00,000 − 7,884.88 = ₹92,115.12.
"""

from __future__ import annotations

from hub.platform.auth.permissions import Role
from tests.support.factories import make_user
from tests.support.loans import make_loan, make_product
from tests.support.web import sign_in


def test_loan_list_searches_by_number_and_borrower(signed_in, db, tenant):
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    listing = signed_in.get("/ui/loans", params={"q": "ravi"}).text
    assert f'data-testid="loan-{loan.id}"' in listing and loan.loan_number in listing
    assert "₹1,00,000.00" in listing and "Ravi Kumar" in listing
    by_number = signed_in.get("/ui/loans", params={"q": loan.loan_number.lower()}).text
    assert f'data-testid="loan-{loan.id}"' in by_number
    assert "No loans match" in signed_in.get("/ui/loans", params={"q": "100%"}).text
    assert "No loans match" in signed_in.get("/ui/loans", params={"overdue": "1"}).text


def test_loan_detail_shows_summary_schedule_and_transactions(signed_in, db, tenant):
    make_product(db, tenant)
    loan = make_loan(db, tenant)
    page = signed_in.get(f"/ui/loans/{loan.id}").text
    assert 'data-testid="total-outstanding">₹1,00,000.00<' in page
    first = (
        '<td class="num">1</td><td>2024-02-01</td><td class="num">₹7,884.88</td>'
        '\n      <td class="num">₹1,000.00</td><td class="num">₹0.00</td>'
        '<td class="num">₹8,884.88</td>'
        '\n      <td class="num">₹92,115.12</td><td class="num">₹0.00</td>'
        '<td><span class="badge badge-info">unpaid</span></td>'
    )
    assert first in page
    assert page.count('badge-info">unpaid</span></td></tr>') == 12
    assert "No repayments." in page
    assert signed_in.get("/ui/loans/999999").status_code == 404


def test_a_partner_client_cannot_open_loan_pages(client, db, tenant):
    partner = make_user(db, tenant, roles=(Role.PARTNER_CLIENT,))
    sign_in(client, tenant.code, partner.username)
    assert client.get("/ui/loans").status_code == 403
    assert "Loans" not in client.get("/ui/").text.split("<main")[0]
