"""The dashboard's shell, shared by every domain's pages under ``/ui``.

Jinja2 templates, one CSS file, no JavaScript required and no CDN. The session is the
API's JWT in a cookie; roles and permissions are the API's. A domain's ``pages.py``
uses :mod:`hub.platform.web.deps` (the signed-in user, CSRF), :mod:`hub.platform.web.render`
and :mod:`hub.platform.web.nav`; the app mounts the pages its modules declare
(``hub.app.web``). See docs/WEB.md for how to add a page.
"""
