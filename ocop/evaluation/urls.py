"""The evaluation pages, one list per stage (each in its own module)."""

from . import urls_council, urls_decisions, urls_producer, urls_review

app_name = "evaluation"
urlpatterns = [
    *urls_producer.urlpatterns,
    *urls_review.urlpatterns,
    *urls_council.urlpatterns,
    *urls_decisions.urlpatterns,
]
