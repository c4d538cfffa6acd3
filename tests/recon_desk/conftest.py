"""The dashboard's fixtures (signed-in client, live server, browser) for the desk's tests."""

from tests.web.browser import _browser, browser_page, live_server, login  # noqa: F401
from tests.web.conftest import signed_in  # noqa: F401
