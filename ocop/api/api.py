"""The REST API root: /api/v1/, mounting each app's api.py router."""

from ninja import NinjaAPI

api = NinjaAPI(title="OCOP API", version="1", urls_namespace="api")
