"""The operations dashboard: server-rendered pages under ``/ui`` on the API app.

Jinja2 templates, one CSS file, no JavaScript required and no CDN. The session is the
API's JWT in a cookie; roles and permissions are the API's. See docs/WEB.md for how to
add a page.
"""

from hub.web.install import install_web

__all__ = ["install_web"]
