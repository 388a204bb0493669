"""Stand-in URL names for the complaint pages, used by ``conftest.complaint_urls`` only while the pages themselves
(complaints/views/complaints.py) are not in the tree: the services link notifications to them."""

from django.http import HttpResponse
from django.urls import include, path

from acquirer import urls as root


def _stub(request, pk=None):
    return HttpResponse("stub")


_stub.gate = "public"

ops = [*root.ops_patterns, path("complaints/", _stub, name="complaint-list"),
       path("complaints/<int:pk>/", _stub, name="complaint-detail")]
portal = [*root.portal_patterns, path("complaints/<int:pk>/", _stub, name="complaint-detail")]
urlpatterns = [
    *[p for p in root.urlpatterns if str(p.pattern) not in ("ops/", "portal/")],
    path("ops/", include((ops, "ops"))),
    path("portal/", include((portal, "portal"))),
]
handler403, handler404, handler500 = root.handler403, root.handler404, root.handler500
