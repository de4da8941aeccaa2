"""Traceability addresses, all at the site root: the GS1 Digital Link resolver (/01/…,
/.well-known/gs1resolver), the EPCIS 2.0 REST binding (/epcis/…), the transparency log (/transparency/…),
and the producers' and consumers' pages (/trace/…). One list per part, each in its own module."""

from . import urls_batches, urls_epcis, urls_resolver, urls_tlog

app_name = "trace"
urlpatterns = [
    *urls_resolver.urlpatterns,
    *urls_epcis.urlpatterns,
    *urls_tlog.urlpatterns,
    *urls_batches.urlpatterns,
]
